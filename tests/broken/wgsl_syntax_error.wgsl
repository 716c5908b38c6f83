// Helper for wgsl_syntax_error.toml: a missing `;` after the `let` on line 4.
fn shade(uv: vec2<f32>) -> vec4<f32> {
    let r = uv.x * 0.5;
    let g = uv.y * 0.5
    return vec4<f32>(r, g, 0.0, 1.0);
}
