// Helper for wgsl_return_type_mismatch.toml: the return value on line 4 is a vec3, not a vec4.
fn shade(uv: vec2<f32>) -> vec4<f32> {
    let r = uv.x;
    return vec3<f32>(r, uv.y, 0.5);
}
