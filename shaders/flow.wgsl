// flow: a slowly flowing, domain-warped fbm field (after Inigo Quilez's "warp" technique):
// noise displaces noise that displaces noise, drifting along a divergence-free curl field.
// Coloured in layers from the warp's own structure: deep ink troughs, a teal body, violet glaze,
// coral/gold crests and fine bright veins. Opaque.
//
// params: speed (0..4, default 1), hue (0..1, default 0), detail (0..1, default 0.5)
//   speed  - animation rate; 0 freezes the field, 1 is a calm drift, 3+ is turbulent.
//   hue    - rotates the whole palette around the colour wheel (0 and 1 are the same).
//   detail - 0 = broad soft forms (2 octaves), 1 = fine filigree (up to 5 octaves, finer scale).
//            Cost grows with detail; 0.5 is a good default for 1080p on lavapipe.

// fbm of noise22 with a fractional octave count `n` (2..5): the last octave fades in, so
// `detail` can be animated without popping. Returns two channels, roughly -1..1.
fn flow_fbm22(p_in: vec2<f32>, n: f32) -> vec2<f32> {
    var p = p_in;
    var sum = vec2<f32>(0.0);
    var amp = 0.5;
    var norm = 0.0;
    for (var o = 0; o < 5; o++) {
        let w = clamp(n - f32(o), 0.0, 1.0);
        if (w <= 0.0) {
            break;
        }
        sum += amp * w * noise22(p);
        norm += amp * w;
        p = FBM_ROT * p + vec2<f32>(17.3, -9.1);
        amp *= 0.5;
    }
    return sum / norm;
}

// Scalar version, on noise2.
fn flow_fbm(p_in: vec2<f32>, n: f32) -> f32 {
    var p = p_in;
    var sum = 0.0;
    var amp = 0.5;
    var norm = 0.0;
    for (var o = 0; o < 5; o++) {
        let w = clamp(n - f32(o), 0.0, 1.0);
        if (w <= 0.0) {
            break;
        }
        sum += amp * w * noise2(p);
        norm += amp * w;
        p = FBM_ROT * p + vec2<f32>(17.3, -9.1);
        amp *= 0.5;
    }
    return sum / norm;
}

fn shade(uv: vec2<f32>) -> vec4<f32> {
    let detail = clamp(params.detail, 0.0, 1.0);
    let octaves = mix(2.0, 5.0, detail);
    let t = quai.time * params.speed * 0.12;

    // Aspect-correct coordinates, slowly rotating and scaled by detail.
    let scale = mix(0.9, 1.3, detail);
    var p = rotate2(0.05 * t) * quai_centered(uv) * scale;

    // Advect the domain along a large-scale curl field so the motion reads as flow, not scroll.
    p += 0.25 * curl2(p * 0.4 + vec2<f32>(0.0, 0.4 * t));

    // Three-stage domain warp: q warps r, r warps f. The earlier stages only need the large
    // scales (their fine detail is smeared by the later warps anyway), so they get fewer octaves.
    let q = flow_fbm22(p + vec2<f32>(0.31 * t, -0.17 * t), max(octaves - 1.5, 2.0));
    let r = flow_fbm22(p + 1.5 * q + vec2<f32>(1.7 - 0.23 * t, 9.2 + 0.11 * t), max(octaves - 0.5, 2.0));
    // fbm of normalised noise has a standard deviation of only ~0.3: stretch it to use the palette.
    let f = clamp(1.8 * flow_fbm(p + 1.7 * r + vec2<f32>(8.3, 2.8 + 0.19 * t), octaves), -1.0, 1.0);

    // Colour, built in layers (then rotated by hue): a deep ink ground, cool teal body,
    // warm coral/gold crests where the field peaks and the warp is strong, and a violet glaze
    // where the first warp vector is large.
    let ink = vec3<f32>(0.015, 0.02, 0.07);
    let teal = vec3<f32>(0.03, 0.32, 0.42);
    let coral = vec3<f32>(1.0, 0.45, 0.25);
    let gold = vec3<f32>(1.0, 0.82, 0.45);
    let violet = vec3<f32>(0.42, 0.12, 0.50);

    var col = mix(ink, teal, smoothstep(-0.55, 0.25, f));
    col = mix(col, violet, 0.6 * smoothstep(0.2, 0.6, abs(q.x)) * smoothstep(-0.4, 0.2, f));
    let crest = smoothstep(0.1, 0.7, f) * smoothstep(0.1, 0.5, length(r));
    col = mix(col, mix(coral, gold, smoothstep(0.3, 0.75, f)), crest);

    // Fine bright filaments where the second warp crosses zero: the "veins" of the flow.
    // They get fainter with detail, where r has many more zero crossings.
    let vein = 1.0 - smoothstep(0.0, 0.05, abs(r.y));
    col += vein * vein * (0.28 - 0.2 * detail) * vec3<f32>(0.6, 0.9, 1.0) * smoothstep(-0.3, 0.4, f);

    col = max(hue_shift(col, params.hue), vec3<f32>(0.0));

    // Gentle vignette.
    let c = uv - 0.5;
    col *= 1.0 - 0.55 * dot(c, c);

    return vec4<f32>(tonemap(col), 1.0);
}
