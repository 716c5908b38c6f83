// float is GLSL.
fn shade(uv: vec2<f32>) -> vec4<f32> {
    let x: float = 1.0;
    return vec4<f32>(x);
}
