// Built-in shader of image layers: the layer's image, tinted by its colour.
// quai_texture holds premultiplied colour (clean filtering at transparent edges); shade() returns
// straight alpha, so divide it back out.
fn shade(uv: vec2<f32>) -> vec4<f32> {
    let c = textureSample(quai_texture, quai_sampler, uv);
    let rgb = select(vec3<f32>(0.0), c.rgb / c.a, c.a > 0.0);
    return vec4<f32>(rgb, c.a) * layer.color;
}
