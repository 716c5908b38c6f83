// quai prelude: every shader layer is compiled as
//   [generated `struct QuaiParams`] + prelude.wgsl + common.wgsl + YOUR SHADER + entry.wgsl
// Your shader defines `fn shade(uv: vec2<f32>) -> vec4<f32>`: uv is 0..1 across the layer
// (0,0 = top-left), the result is straight (not premultiplied) RGBA in 0..1.
// Opacity, blend mode and the layer transform are applied by quai, not by your shader.

struct QuaiGlobals {
    time: f32,             // show time in seconds; back to 0 every [show] time_wrap seconds (default 3600)
    delta: f32,            // seconds since the previous frame
    frame: u32,            // frame number since the scene started
    _pad0: u32,
    resolution: vec2<f32>, // size of the picture being rendered, in pixels (the canvas, or `--size`)
    _pad1: vec2<f32>,
    audio: vec4<f32>,      // the output mix: low, mid, high band energy and RMS level, each 0..1 (zero without sound)
    background: vec4<f32>, // the canvas background, premultiplied
}

struct QuaiLayer {
    basis: vec4<f32>,      // clip-space vectors along the layer's x (xy) and y (zw) edges
    origin: vec2<f32>,     // clip-space centre of the layer
    size: vec2<f32>,       // layer size in the scene's canvas pixels, before rotation (same at any --size)
    color: vec4<f32>,      // solid colour / image tint, straight alpha
    uv_rect: vec4<f32>,    // uv offset (xy) and scale (zw) applied before `shade` (image fit)
    opacity: f32,
    index: u32,            // position of the layer in the scene (0 = bottom)
    blend: u32,            // 0 normal, 1 add, 2 multiply, 3 screen
    _pad: f32,
}

@group(0) @binding(0) var<uniform> quai: QuaiGlobals;
@group(0) @binding(1) var<uniform> layer: QuaiLayer;
// `params` holds the parameters bound in the scene file, by the names given under [layers.bind].
@group(0) @binding(2) var<uniform> params: QuaiParams;
// The layer's image (`image = "..."`), premultiplied alpha, or 1x1 white when it has none.
@group(1) @binding(0) var quai_texture: texture_2d<f32>;
@group(1) @binding(1) var quai_sampler: sampler;

// Position inside the layer for a uv, in the scene's canvas pixels.
fn quai_pixel(uv: vec2<f32>) -> vec2<f32> {
    return uv * layer.size;
}

// uv centred on the layer and scaled so that x spans -aspect..aspect and y spans -1..1 (y up).
fn quai_centered(uv: vec2<f32>) -> vec2<f32> {
    let aspect = layer.size.x / max(layer.size.y, 1.0);
    return vec2<f32>((uv.x * 2.0 - 1.0) * aspect, 1.0 - uv.y * 2.0);
}
