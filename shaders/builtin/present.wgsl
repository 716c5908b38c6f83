// Shows the canvas in a window: one full-screen triangle sampling the canvas texture.
// The viewport (set by quai) letterboxes it to keep the canvas aspect.

@group(0) @binding(0) var canvas: texture_2d<f32>;
@group(0) @binding(1) var canvas_sampler: sampler;

struct Varyings {
    @builtin(position) position: vec4<f32>,
    @location(0) uv: vec2<f32>,
}

@vertex
fn vs(@builtin(vertex_index) i: u32) -> Varyings {
    let uv = vec2<f32>(f32((i << 1u) & 2u), f32(i & 2u));
    var out: Varyings;
    out.position = vec4<f32>(uv.x * 2.0 - 1.0, 1.0 - uv.y * 2.0, 0.0, 1.0);
    out.uv = uv;
    return out;
}

@fragment
fn fs(in: Varyings) -> @location(0) vec4<f32> {
    return textureSample(canvas, canvas_sampler, in.uv);
}
