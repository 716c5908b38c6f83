// i is an i32.
fn shade(uv: vec2<f32>) -> vec4<f32> {
    let i = 2;
    let x = uv.x + i;
    return vec4<f32>(x);
}
