// Test shader: a horizontal grey ramp with a vertical red ramp, fully opaque. Deterministic (no time).
fn shade(uv: vec2<f32>) -> vec4<f32> {
    return vec4<f32>(uv.y, uv.x, uv.x, 1.0);
}
