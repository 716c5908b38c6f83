// Built-in shader of solid-colour layers.
fn shade(uv: vec2<f32>) -> vec4<f32> {
    return layer.color;
}
