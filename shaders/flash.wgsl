// flash: a soft white bloom from the centre, for a button or a trigger. Use with blend = "add".
// params: amount (0..1, default 0)
fn shade(uv: vec2<f32>) -> vec4<f32> {
    let p = quai_centered(uv);
    let glow = exp(-dot(p, p) * 1.5);
    return vec4<f32>(vec3<f32>(1.0, 0.96, 0.9), clamp(params.amount, 0.0, 1.0) * glow);
}
