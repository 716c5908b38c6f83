// chase: a slow chase for an LED strip (or any long thin layer): a few soft comets glide along
// the layer's width, each a bright head a few LEDs wide with a long fading tail, over a dim
// glow that never goes dark. Colours are the complement of `hue` (hue + 0.5), so a strip under a
// facade running `tide` or `facade` with the same hue answers it instead of repeating it; the
// tails lean a little back toward the facade's colour. The light is even across the layer's
// height in the middle and fades off at the top and bottom edges, so a strip sampled anywhere
// near the middle reads the same. Opaque.
//
// Looping: at speed 1 the comets take 30 s to cross and the glow breathes every 60 s, so the
// default [show] time_wrap = 3600 wraps without a jump.
//
// params: speed (0..4, default 1), hue (0..1: the facade's hue; the strip shows its complement),
//         level (0..1, default 1), comets (1..8, default 3)
//   speed  - 1: a comet crosses the whole strip in 30 s; 0 freezes.
//   comets - how many are on the strip at once, evenly spaced (whole numbers; fractions round).
//   level  - overall brightness (0 black, 1 full).

fn shade(uv: vec2<f32>) -> vec4<f32> {
    let t = quai.time * params.speed;
    let n = clamp(round(params.comets), 1.0, 8.0);
    let h = params.hue + 0.5;

    // Position along the strip, in comet spacings: comet k's head is where u is a whole number.
    let u = uv.x * n - n * fract(t / 30.0);
    // The comets move toward +x, so the tail lies at smaller x: just behind a head u is a little
    // below a whole number. Distances to the nearest head behind / ahead, in strip widths:
    let d_tail = (1.0 - fract(u)) / n;
    let d_front = fract(u) / n;
    // A head is a Gaussian ~3% of the strip across (about 2 LEDs of 60), sharper at the front...
    let head = exp(-d_tail * d_tail / (2.0 * 0.018 * 0.018)) + exp(-d_front * d_front / (2.0 * 0.012 * 0.012));
    // ... and the tail fades over ~15% of the strip behind it (the comets move toward +x).
    let tail = exp(-d_tail / 0.09) * smoothstep(0.0, 0.01, d_tail);

    let head_col = hsv2rgb(vec3<f32>(h, 0.55, 1.0));                   // pale complementary
    let tail_col = hsv2rgb(vec3<f32>(h - 0.08 * (1.0 - exp(-d_tail / 0.2)), 0.85, 1.0));
    let glow_col = hsv2rgb(vec3<f32>(h + 0.04 * sin(TAU * uv.x + TAU * fract(t / 60.0)), 0.9, 1.0));
    let breathe = 0.75 + 0.25 * sin(TAU * fract(t / 60.0));

    var col = 0.9 * head * head_col + 0.6 * tail * tail_col + 0.09 * breathe * glow_col;

    // Across the strip: full in the middle 40%, fading to a quarter at the edges (preview only:
    // the LEDs sit on the middle line).
    let across = mix(0.25, 1.0, 1.0 - smoothstep(0.2, 0.5, abs(uv.y - 0.5)));
    col *= across;
    return vec4<f32>(tonemap(col) * clamp(params.level, 0.0, 1.0), 1.0);
}
