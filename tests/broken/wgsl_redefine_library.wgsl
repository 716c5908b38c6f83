// palette is the shared library's.
fn palette(t: f32) -> vec3<f32> {
    return vec3<f32>(t);
}
fn shade(uv: vec2<f32>) -> vec4<f32> {
    return vec4<f32>(palette(uv.x), 1.0);
}
