// Test card for the projection goldens: four tinted quadrants under a white 8 × 8 grid, so a
// warp's shape, orientation and filtering all show. Deterministic (no time).
fn shade(uv: vec2<f32>) -> vec4<f32> {
    let quadrant = vec3<f32>(step(0.5, uv.x), step(0.5, uv.y), 0.5);
    let grid = fract(uv.x * 8.0) < 0.1 || fract(uv.y * 8.0) < 0.1;
    return vec4<f32>(select(quadrant * 0.7 + 0.15, vec3<f32>(1.0), grid), 1.0);
}
