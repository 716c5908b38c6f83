// Helper for wgsl_unbound_param.toml: `params.speeed` is a typo for `params.speed`.
fn shade(uv: vec2<f32>) -> vec4<f32> {
    let t = quai.time * params.speeed;
    return vec4<f32>(uv, fract(t), 1.0);
}
