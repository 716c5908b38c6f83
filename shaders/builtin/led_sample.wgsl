// The LED sampling pass: one output texel per LED (texel index = row * info.width + column, in the
// order the DMX encoder reads), each the mean of the canvas over the LED's footprint, an oriented
// rectangle centre ± u ± v in canvas pixels (u = v = 0: the colour at the centre). Taps per axis
// grow with the footprint, one per 2 canvas pixels up to 16, each bilinear, so a 40-pixel-wide
// facade reads a 1920-wide canvas as area means instead of aliased points.

struct Led {
    center: vec2<f32>,
    u: vec2<f32>,
    v: vec2<f32>,
    pad: vec2<f32>,
};

struct Info {
    count: u32,
    width: u32,
    // The canvas the LED positions are written for (the scene's canvas, whatever size it renders at).
    canvas: vec2<f32>,
};

@group(0) @binding(0) var canvas_tex: texture_2d<f32>;
@group(0) @binding(1) var canvas_sampler: sampler;
@group(0) @binding(2) var<storage, read> leds: array<Led>;
@group(0) @binding(3) var<uniform> info: Info;

@vertex
fn vs(@builtin(vertex_index) i: u32) -> @builtin(position) vec4<f32> {
    let xy = vec2<f32>(f32((i << 1u) & 2u), f32(i & 2u));
    return vec4<f32>(xy * 2.0 - 1.0, 0.0, 1.0);
}

fn taps(half: vec2<f32>) -> u32 {
    return clamp(u32(ceil(length(half))), 1u, 16u);
}

@fragment
fn fs(@builtin(position) pos: vec4<f32>) -> @location(0) vec4<f32> {
    let index = u32(pos.y) * info.width + u32(pos.x);
    if (index >= info.count) {
        return vec4<f32>(0.0);
    }
    let led = leds[index];
    let nu = taps(led.u);
    let nv = taps(led.v);
    var sum = vec4<f32>(0.0);
    for (var j = 0u; j < nv; j = j + 1u) {
        let b = (f32(j) + 0.5) / f32(nv) * 2.0 - 1.0;
        for (var i = 0u; i < nu; i = i + 1u) {
            let a = (f32(i) + 0.5) / f32(nu) * 2.0 - 1.0;
            let p = led.center + led.u * a + led.v * b;
            sum = sum + textureSampleLevel(canvas_tex, canvas_sampler, p / info.canvas, 0.0);
        }
    }
    return sum / f32(nu * nv);
}
