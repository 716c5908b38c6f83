// Helper for shader_without_shade.toml: the entry is named `shader`, not `shade`.
fn shader(uv: vec2<f32>) -> vec4<f32> {
    return vec4<f32>(uv, 0.0, 1.0);
}
