// resonance: a sound-reactive night pond for scenes/sound-demo.toml. A glowing orb breathes with
// the low end of the mix, the mist and the whole picture brighten with the level, ripples flash
// outward when a chime strikes, and fine rain streaks follow the rain's swell. The colour
// leans from deep indigo (low, drone) through teal (mid, rain) to warm gold (high, chimes).
//
// Reads quai.audio (low, mid, high, level; each 0..1, from the output mix) and these params,
// each 0..1 (the scene fills them from [[analysis]]):
//   level   - loudness of the mix (rms)                  -> mist and orb brightness, orb size
//   low     - the drone's band (its slow beating)         -> orb size and halo
//   shimmer - the top of the rain (its 10 s swell)        -> rain streaks
//   strike  - the chimes' band, falling back after a strike -> ripple rings flash gold

// Ripples at distance `x` outside the orb: rings leave it every 1.2 s (0.36 apart at 0.3 units
// per second), widen and fade as they travel.
fn rs_rings(x: f32, t: f32) -> f32 {
    let spacing = 0.36;
    let u = (x - 0.3 * t) / spacing;
    let d = abs(fract(u + 0.5) - 0.5) * spacing;
    let w = 0.006 + 0.025 * x;
    return exp(-(d * d) / (w * w)) * exp(-x * 1.8) * smoothstep(0.0, 0.04, x);
}

fn shade(uv: vec2<f32>) -> vec4<f32> {
    let p = quai_centered(uv);
    let t = quai.time;
    let a = quai.audio;

    // the scene's analysis parameters (already spread onto 0..1), and the tilt of the spectrum
    let lvl = clamp(params.level, 0.0, 1.0);
    let low = clamp(params.low, 0.0, 1.0);
    let shim = clamp(params.shimmer, 0.0, 1.0);
    let hit = clamp(params.strike, 0.0, 1.0);
    let warm = remap01(a.z - a.x, -0.35, -0.05);      // quai.audio high vs low: 0 = drone-heavy, 1 = bright

    // colours
    let indigo = vec3<f32>(0.16, 0.10, 0.42);
    let teal = vec3<f32>(0.05, 0.55, 0.62);
    let gold = vec3<f32>(1.0, 0.72, 0.35);
    let tint = mix(mix(indigo, teal, smoothstep(0.0, 0.6, warm)), gold, smoothstep(0.55, 1.0, warm) * 0.8);

    // mist: slow fbm, brighter with the level
    let q = p * 1.3 + vec2<f32>(0.03 * t, -0.02 * t);
    let m = 0.5 + 0.5 * fbm3(vec3<f32>(q, 0.05 * t), 5);
    let vignette = 1.0 - 0.55 * smoothstep(0.6, 1.9, length(p));
    var col = (vec3<f32>(0.015, 0.02, 0.05) + tint * m * m * (0.10 + 0.55 * lvl)) * vignette;

    // orb: radius and glow follow the low band and the level
    let r = length(p * vec2<f32>(1.0, 1.08));
    let radius = 0.10 + 0.20 * low + 0.10 * lvl;
    let wob = 0.015 * noise3(vec3<f32>(p * 3.0, 0.4 * t));
    let d = r - radius + wob;
    let core = fill_aa(d, 0.03) * (0.55 + 0.45 * (1.0 - smoothstep(0.0, radius, r) * smoothstep(0.0, radius, r)));
    let halo = glow(max(d, 0.0), 0.05 + 0.25 * low);
    let orb_col = mix(vec3<f32>(1.0, 0.95, 0.85), tint * 1.3 + 0.1, 0.7);
    col += orb_col * (core * (0.25 + 0.5 * lvl) + halo * (0.2 + 0.7 * lvl));

    // ripples: rings around the orb, lit by strikes
    let rings = rs_rings(max(d, 0.0), t);
    col += mix(teal, gold, 0.35 + 0.5 * hit) * rings * (0.06 + 1.4 * hit);
    col += vec3<f32>(1.0, 0.85, 0.6) * hit * 0.35 * glow(max(d, 0.0), 0.35);

    // rain: thin falling streaks in cells, visible with the high band
    let cell = vec2<f32>(90.0, 7.0);
    let g = vec2<f32>(uv.x * cell.x, uv.y * cell.y - t * (1.6 + hash11(floor(uv.x * cell.x)) * 1.2));
    let id = floor(g);
    let f = fract(g);
    let h = hash12(id);
    let streak = smoothstep(0.06, 0.0, abs(f.x - 0.5) * 0.5) * smoothstep(0.0, 0.7, f.y) * smoothstep(1.0, 0.7, f.y)
        * step(1.0 - (0.15 + 0.5 * shim), h);
    col += vec3<f32>(0.45, 0.65, 0.9) * streak * (0.03 + 0.22 * shim * shim);

    return vec4<f32>(tonemap(col), 1.0);
}
