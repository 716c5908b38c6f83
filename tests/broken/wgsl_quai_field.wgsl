// quai has no beat.
fn shade(uv: vec2<f32>) -> vec4<f32> {
    let b = quai.beat;
    return vec4<f32>(b, 0.0, 0.0, 1.0);
}
