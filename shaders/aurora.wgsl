// aurora: drifting curtains of aurora light. Several curtains at different depths hang across
// the upper part of the layer; each has a bright, sharply defined lower hem that waves and
// folds, and vertical rays that fade upward. Colour runs from green at the hem to red/violet at
// the top of the rays (as in real oxygen/nitrogen emission); `hue` rotates the whole scheme.
// Alpha follows the light: the sky and the top of the layer are transparent, so layer it with
// blend "screen" or "add" over a night scene (or "normal": alpha is already light-shaped).
//
// params: speed (0..4, default 1), hue (0..1, default 0)
//   speed - drift / ripple rate; 0 freezes, 1 is a calm night, 3 is an active substorm.
//   hue   - rotates the colours: 0 natural green hem / violet tops, 0.33 violet hem / amber
//           tops, 0.5 magenta / green, 0.67 fiery orange / teal, 0.85 lime / blue.

// Number of curtains (depth layers). Each costs four noise2 evaluations.
const AURORA_LAYERS: i32 = 4;

// Light (rgb, may exceed 1) of one curtain at point p (quai_centered units, y up).
// k: 0 = nearest/brightest .. 1 = farthest.
fn aurora_curtain(p: vec2<f32>, t: f32, k: f32, seed: f32) -> vec3<f32> {
    // Farther curtains are higher, smaller, slower, dimmer.
    let scale = mix(0.8, 1.6, k);
    let drift = t * mix(0.05, 0.02, k);
    let x = p.x * scale * 0.55 + seed * 13.7;

    // Height of the hem: two octaves of noise along x, drifting sideways.
    let hem = mix(-0.22, 0.22, k)
        + 0.26 * noise2(vec2<f32>(x * 0.8 + drift, seed + 0.13 * t))
        + 0.07 * noise2(vec2<f32>(x * 2.6 - drift * 1.7, seed * 3.1 + 0.29 * t));

    // Height above the hem (in y units); light lives above it. Below the hem there is nothing:
    // skip the remaining noise evaluations.
    let h = p.y - hem;
    if (h < -0.03) {
        return vec3<f32>(0.0);
    }

    // Folds: shear x by a slowly moving noise so the rays lean and bunch like real curtains.
    let fold = noise2(vec2<f32>(x * 1.4 + 0.3 * t, p.y * 0.7 + seed));
    let above = max(h, 0.0);
    // Sharp lower edge, long exponential fade upward.
    let profile = smoothstep(-0.02, 0.015, h) * exp(-above * mix(2.2, 3.2, k));

    // Vertical rays: high-frequency noise across x, barely varying along y, sheared by `fold`,
    // then sharpened into distinct streaks.
    let rx = x * 16.0 + fold * 3.0;
    let ray_n = noise2(vec2<f32>(rx, 0.45 * t + seed * 5.0 + p.y * 0.4));
    let rays = 0.2 + 0.8 * smoothstep(-0.35, 0.75, ray_n);

    // Activity along the curtain: some stretches blaze, others nearly vanish; slowly travelling.
    let activity = smoothstep(-0.45, 0.55, fold + 0.35 * sin(x * 0.9 - 0.11 * t + seed));

    // Hem brightening: a thin glowing seam right at the lower edge.
    let seam = exp(-h * h * 1400.0) * 0.7;

    // Colour with height above the hem: green -> teal -> violet/red.
    let u = clamp(above * 1.5, 0.0, 1.0);
    let green = vec3<f32>(0.16, 1.0, 0.42);
    let teal = vec3<f32>(0.08, 0.72, 0.68);
    let violet = vec3<f32>(0.78, 0.2, 0.78);
    var col = mix(green, teal, smoothstep(0.05, 0.4, u));
    col = mix(col, violet, smoothstep(0.35, 0.95, u));

    let brightness = mix(1.15, 0.45, k) * activity;
    return col * (profile * rays * 1.2 + seam * rays) * brightness;
}

fn shade(uv: vec2<f32>) -> vec4<f32> {
    let p = quai_centered(uv);
    let t = quai.time * params.speed;

    var light = vec3<f32>(0.0);
    // Hems never dip below y = -0.6 (lowest base -0.22, noise amplitude 0.33), so the bottom
    // of the layer only gets the airglow.
    if (p.y > -0.6) {
        for (var i = 0; i < AURORA_LAYERS; i++) {
            let k = f32(i) / f32(AURORA_LAYERS - 1);
            light += aurora_curtain(p, t, k, f32(i) * 1.618 + 0.5);
        }
    }

    // Hue rotation of the whole scheme.
    light = max(hue_shift(light, params.hue), vec3<f32>(0.0));

    // Fade out toward the very top and bottom of the layer, so edges never cut the light.
    light *= (1.0 - smoothstep(0.6, 1.0, p.y)) * smoothstep(-1.0, -0.55, p.y);

    // Faint diffuse airglow band under the curtains (keeps layering smooth).
    let airglow = exp(-pow((p.y + 0.05) * 2.2, 2.0)) * 0.05;
    light += airglow * max(hue_shift(vec3<f32>(0.2, 0.9, 0.5), params.hue), vec3<f32>(0.0));

    let peak = max(max(light.r, light.g), light.b);
    let alpha = soft_clamp(peak);
    let rgb = tonemap(light) / max(alpha, 1e-4);
    return vec4<f32>(clamp(rgb, vec3<f32>(0.0), vec3<f32>(1.0)), alpha);
}
