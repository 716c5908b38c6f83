fn shade(uv: vec2<f32>) -> vec4<f32> {
    return vec4<f32>(params.glow, params.glow, params.glow, 1.0);
}
