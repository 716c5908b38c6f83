// quai entry points, appended after the layer's shader (see prelude.wgsl).

struct QuaiVaryings {
    @builtin(position) position: vec4<f32>,
    @location(0) uv: vec2<f32>,
}

@vertex
fn quai_vs(@builtin(vertex_index) vertex: u32) -> QuaiVaryings {
    // Triangle strip over the unit square: (0,0) (1,0) (0,1) (1,1), uv y pointing down.
    let corner = vec2<f32>(f32(vertex & 1u), f32(vertex >> 1u));
    let c = corner - vec2<f32>(0.5, 0.5);
    var out: QuaiVaryings;
    out.position = vec4<f32>(layer.origin + layer.basis.xy * c.x + layer.basis.zw * c.y, 0.0, 1.0);
    out.uv = layer.uv_rect.xy + corner * layer.uv_rect.zw;
    return out;
}

// The layer's colour, premultiplied by its alpha and opacity.
fn quai_premultiplied(uv: vec2<f32>) -> vec4<f32> {
    let c = shade(uv);
    let a = clamp(c.a, 0.0, 1.0) * layer.opacity;
    return vec4<f32>(clamp(c.rgb, vec3<f32>(0.0), vec3<f32>(1.0)) * a, a);
}

// Every layer but the bottom one: the GPU's blend unit combines it with what is below.
@fragment
fn quai_fs(in: QuaiVaryings) -> @location(0) vec4<f32> {
    return quai_premultiplied(in.uv);
}

// The bottom layer's blend mode, fixed when its pipeline is built so that only one formula is
// compiled (a per-pixel switch cost ~9% of a 1080p frame on lavapipe).
override quai_base_blend: u32 = 0u;
// True when the background is black (any alpha) and the mode is not multiply: then every mode's
// colour is exactly the layer's own (black contributes nothing), which the shader compiler cannot
// prove by itself (IEEE 0 * x), so it is said here. Black is the default background.
override quai_base_over_black: bool = false;

// The bottom layer: what is below it is the background colour, so it is blended here and written
// without reading the framebuffer back (the same result as the blend unit's).
@fragment
fn quai_fs_base(in: QuaiVaryings) -> @location(0) vec4<f32> {
    let s = quai_premultiplied(in.uv);
    let d = quai.background;
    let a = s.a + d.a * (1.0 - s.a);
    if quai_base_over_black {
        return vec4<f32>(s.rgb, a);
    }
    switch quai_base_blend {
        case 1u: { return vec4<f32>(min(s.rgb + d.rgb, vec3<f32>(1.0)), a); }
        case 2u: { return vec4<f32>(s.rgb * d.rgb + d.rgb * (1.0 - s.a), a); }
        case 3u: { return vec4<f32>(s.rgb + d.rgb * (1.0 - s.rgb), a); }
        default: { return vec4<f32>(s.rgb + d.rgb * (1.0 - s.a), a); }
    }
}
