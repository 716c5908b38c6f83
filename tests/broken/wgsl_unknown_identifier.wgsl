// colr for color.
fn shade(uv: vec2<f32>) -> vec4<f32> {
    let color = 0.5;
    return vec4<f32>(colr, 0.0, 0.0, 1.0);
}
