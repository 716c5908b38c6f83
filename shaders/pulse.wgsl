// pulse: luminous rings born at the centre of the layer, expanding outward and fading, with a
// thin hot core, a wide soft glow, a slight chromatic (prismatic) fringe and an organic wobble.
// A small core flares each time a ring is emitted. The background is fully transparent: alpha
// follows the light, so the layer composites over whatever lies beneath (blend "normal",
// "screen" or "add" all work).
//
// params: speed (0..4, default 1), rings (1..12, default 5), intensity (0..2, default 1)
//   speed     - ring expansion rate; at 1 a ring takes ~4 s to travel from the centre to the
//               farthest edge (or corner) of the layer, where it has faded out.
//   rings     - how many rings are in flight at once (spacing between them); fractional is
//               fine. Changing it live makes the rings jump; prefer a fixed value per cue.
//   intensity - overall brightness and opacity of the glow (0 = invisible, 2 = hot and bloomy).

// Light (not premultiplied by anything; can exceed 1) of the ring system at radius `r`,
// for one colour channel's radial offset `shift`.
fn pulse_rings(r: f32, shift: f32, phase: f32, count: f32, reach: f32, px: f32) -> f32 {
    // Ring coordinate: integer values of u are ring positions, moving outward with time.
    let u = (r + shift) / reach * count - phase;
    // Distance (in layer units) to the nearest ring.
    let d = abs(fract(u + 0.5) - 0.5) * reach / count;
    // Normalised radius of that ring: 0 at birth, 1 at the edge of its life.
    let age = clamp((r + shift) / reach, 0.0, 1.0);
    let life = (1.0 - age) * (1.0 - age) * smoothstep(0.0, 0.06, age);
    // Rings get wider and softer as they age.
    let width = mix(0.006, 0.022, age) + px;
    let core = exp(-(d * d) / (width * width));
    let halo = glow(d, 0.05 + 0.05 * age) * 0.35;
    return (core + halo) * life;
}

fn shade(uv: vec2<f32>) -> vec4<f32> {
    let p = quai_centered(uv);
    let px = centered_pixel();
    let t = quai.time * params.speed;
    let count = clamp(params.rings, 1.0, 12.0);
    let intensity = max(params.intensity, 0.0);

    // Rings reach just past the farther edge of the layer before dying out.
    let aspect = layer.size.x / max(layer.size.y, 1.0);
    let reach = max(1.0, aspect) * 1.15;

    // Organic wobble: low-order angular harmonics drifting in time, growing with the radius,
    // so the rings breathe out of round without looking polygonal.
    let r0 = length(p);
    let a = atan2(p.y, p.x);
    let wobble = (0.018 * sin(3.0 * a + 0.7 * t) + 0.012 * sin(5.0 * a - 1.1 * t + 1.3)
        + 0.008 * sin(2.0 * a + 0.4 * t + 4.0)) * smoothstep(0.0, 0.8, r0);
    let r = r0 + wobble;

    // One ring is born every 1 / count of a cycle; a cycle lasts 4 / speed seconds.
    let phase = t * 0.25 * count;

    // Chromatic fringe: each channel sees the rings at a slightly different radius.
    let fringe = 0.006 + 0.012 * smoothstep(0.0, 1.0, r0);
    let lr = pulse_rings(r, fringe, phase, count, reach, px);
    let lg = pulse_rings(r, 0.0, phase, count, reach, px);
    let lb = pulse_rings(r, -fringe, phase, count, reach, px);

    // Base colour: warm white near the centre cooling to cyan and violet at the edges.
    let edge = smoothstep(0.0, reach, r0);
    let tint = mix(vec3<f32>(1.0, 0.85, 0.7), vec3<f32>(0.35, 0.75, 1.0), smoothstep(0.0, 0.5, edge));
    let tint2 = mix(tint, vec3<f32>(0.65, 0.4, 1.0), smoothstep(0.45, 1.0, edge));
    var light = vec3<f32>(lr, lg, lb) * tint2;

    // Central core: a soft glow that flares when a ring is emitted (quick, but not a one-frame
    // jump) and then relaxes.
    let since = fract(phase);
    let flare = smoothstep(0.0, 0.05, since) * exp(-since * 5.0);
    let core = glow(r0, 0.05 + 0.04 * flare) * (0.35 + 0.9 * flare);
    light += core * vec3<f32>(1.0, 0.9, 0.8);

    light *= intensity;

    // Straight alpha from the light: alpha is the (soft-clamped) brightest channel, colour is the
    // light divided by it, so "over" compositing looks like additive light.
    let peak = max(max(light.r, light.g), light.b);
    let alpha = soft_clamp(peak);
    let rgb = tonemap(light) / max(alpha, 1e-4);
    return vec4<f32>(clamp(rgb, vec3<f32>(0.0), vec3<f32>(1.0)), alpha);
}
