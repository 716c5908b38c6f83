// Helper for wgsl_let_type_mismatch.toml: `uv` is a vec2<f32>, not an f32 (line 3).
fn shade(uv: vec2<f32>) -> vec4<f32> {
    let x: f32 = uv;
    return vec4<f32>(x);
}
