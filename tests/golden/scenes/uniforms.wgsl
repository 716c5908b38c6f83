// Test shader: shows bound uniforms as colour, and the prelude's layer size as a checker.
fn shade(uv: vec2<f32>) -> vec4<f32> {
    let cell = floor(quai_pixel(uv) / 8.0);
    let check = (cell.x + cell.y) % 2.0;
    return vec4<f32>(params.red, params.green, 0.25 + 0.5 * check, 1.0);
}
