// Helper for the broken-scene corpus: a shader that compiles, for cases whose error is elsewhere.
fn shade(uv: vec2<f32>) -> vec4<f32> {
    return vec4<f32>(uv, 0.5, 1.0);
}
