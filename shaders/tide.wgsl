// tide: an aurora for low-resolution LED facades. A deep, slowly shifting colour field (the night
// sky) with two soft bands of light winding across it: the main band drifts sideways as a
// travelling wave and throws a curtain of glow upward, a fainter second band answers it lower
// down, moving the other way. Brighter swells travel along the bands. Everything is big and soft:
// the smallest feature is about a sixth of the layer's height, so on a 40×12 facade (one LED per
// 32 canvas pixels of a 1280×384 layer) nothing is finer than about 2 LEDs and nothing aliases
// away; on a monitor it reads as a smooth aurora. Opaque.
//
// Looping: at speed 1 every motion repeats a whole number of times per hour (periods of 20, 30,
// 36, 45, 60, 72, 90, 120 and 180 s), so the default [show] time_wrap = 3600 wraps without a jump.
//
// params: speed (0..4, default 1), hue (0..1, default 0.42), level (0..1, default 1),
//         wave (0..1, default 0.6)
//   speed - animation rate; 0 freezes, 1 is a calm night (a swell crosses in ~20 s), 3 is lively.
//           Like every bundled shader it scales quai.time: glide it (parameter smoothing), as a
//           sudden change late in a long show makes the picture jump.
//   hue   - colour of the bands' lower edge (0.42 aurora green); the sky sits ~0.2 turns further
//           round (blue-violet), the top of the curtain ~0.4 (violet).
//   level - overall brightness (0 black, 1 full): dim the facade at night or for a neighbour.
//   wave  - how far the bands swing up and down (0 flat and calm, 1 deep sweeping waves).

// Phase in radians of a motion that repeats every `period` seconds (of t).
fn tide_loop(t: f32, period: f32) -> f32 {
    return TAU * fract(t / period);
}

// A point moving round a circle of radius r once per `period`: feeding noise through it gives
// organic motion that still loops.
fn tide_orbit(t: f32, period: f32, r: f32) -> vec2<f32> {
    let a = tide_loop(t, period);
    return r * vec2<f32>(cos(a), sin(a));
}

// Height (y up, -1..1) of a band's centre line at x.
fn tide_line(x: f32, t: f32, base: f32, amp: f32, dir: f32, seed: f32) -> f32 {
    let w1 = sin(0.95 * x - dir * tide_loop(t, 45.0) + seed);
    let w2 = sin(1.7 * x + dir * tide_loop(t, 72.0) + 2.0 * seed + 1.3);
    let n = noise2(vec2<f32>(0.45 * x + seed * 7.0, 0.0) + tide_orbit(t, 120.0, 0.6));
    return base + amp * (0.55 * w1 + 0.25 * w2 + 0.35 * n);
}

// Light of one band at p: a soft glowing hem and (curtain > 0) a glow fading upward from it.
// Returns (hem, curtain, along): along = 0..1 brightness swell travelling along the band.
fn tide_band(p: vec2<f32>, t: f32, base: f32, amp: f32, dir: f32, seed: f32, curtain: f32) -> vec3<f32> {
    let y0 = tide_line(p.x, t, base, amp, dir, seed);
    let d = p.y - y0;
    // Hem: a Gaussian about 2 LED rows across (sigma 0.17 = ~1 row of a 12-row facade).
    let hem = exp(-d * d / (2.0 * 0.17 * 0.17));
    // Curtain: above the hem, a long soft fade upward; below it, nothing (a quick fall-off).
    let up = max(d, 0.0);
    let veil = curtain * smoothstep(-0.12, 0.08, d) * exp(-up * 1.6);
    // Swells: broad bright stretches travelling along the band, about a third of its length each.
    let s = 0.5 + 0.5 * sin(1.1 * p.x - dir * tide_loop(t, 20.0) + seed * 3.0);
    let s2 = 0.5 + 0.5 * sin(0.6 * p.x + dir * tide_loop(t, 36.0) + seed);
    let along = 0.35 + 0.65 * s * s * (0.6 + 0.4 * s2);
    return vec3<f32>(hem, veil, along);
}

fn shade(uv: vec2<f32>) -> vec4<f32> {
    let p = quai_centered(uv); // x about -3.3..3.3 on the facade, y -1 (bottom) .. 1 (top)
    let t = quai.time * params.speed;
    let h = params.hue;
    let amp = mix(0.1, 0.6, clamp(params.wave, 0.0, 1.0));

    // 1. The sky: two slow colour fields drifting through each other, deep blue-violet.
    let f1 = noise2(p * 0.32 + tide_orbit(t, 180.0, 0.9));
    let f2 = noise2(p * 0.5 + vec2<f32>(5.2, 1.3) + tide_orbit(t, 90.0, 0.7));
    let sky_hue = h + 0.2 + 0.07 * f1 - 0.04 * f2;
    let sky_val = 0.16 + 0.09 * f2 + 0.05 * (0.5 - 0.5 * p.y);
    var col = hsv2rgb(vec3<f32>(sky_hue, 0.85, max(sky_val, 0.05)));

    // 2. The main band, a little above the middle, with its curtain.
    let a = tide_band(p, t, 0.1, amp, 1.0, 0.0, 1.0);
    // Colour climbs from the hem hue through teal into violet-rose toward the top of the curtain.
    let y_main = tide_line(p.x, t, 0.1, amp, 1.0, 0.0);
    let rise = clamp((p.y - y_main) * 1.1, 0.0, 1.0);
    // The hem's hue wanders ±0.05 along the band and over three minutes, so one end may be
    // greener and the other bluer.
    let drift = 0.05 * sin(0.5 * p.x + tide_loop(t, 180.0));
    let hem_col = hsv2rgb(vec3<f32>(h + drift, 0.8, 1.0));
    let veil_col = hsv2rgb(vec3<f32>(h + drift + 0.1 + 0.32 * rise, 0.7, 1.0));
    col += a.z * (1.05 * a.x * hem_col + 0.75 * a.y * veil_col);

    // 3. The answering band, lower and fainter, travelling the other way, a touch bluer.
    let b = tide_band(p, t, -0.5, amp * 0.7, -1.0, 2.7, 0.35);
    let low_col = hsv2rgb(vec3<f32>(h + 0.1, 0.8, 1.0));
    col += b.z * (0.55 * b.x * low_col + 0.35 * b.y * low_col);

    // 4. Breathing: the whole facade swells by ±12% once a minute.
    col *= 0.88 + 0.12 * sin(tide_loop(t, 60.0));

    return vec4<f32>(tonemap(col) * clamp(params.level, 0.0, 1.0), 1.0);
}
