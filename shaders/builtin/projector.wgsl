// One projector output: the slice of the canvas drawn through the output's warp (a grid of
// vertices placed by the mesh, then the corner-pin homography, at the output's resolution), with
// soft-edge blending, black-level lift and the mask. The canvas is sampled from a mip chain in
// linear light (trilinear, anisotropic), so a strongly minified region does not shimmer.
//
// The mesh evaluation (`mesh_eval`) is appended from warp.rs, where its CPU twin lives.

struct Params {
    // Unit square -> clip space: the homography composed with pixels -> NDC (columns).
    h: mat3x3<f32>,
    // The slice in canvas UV: origin xy, size zw.
    slice: vec4<f32>,
    // xy: slice size in canvas pixels; z: unused; w: 1 = masked.
    slice_px: vec4<f32>,
    // Blend widths in slice pixels (0 = hard edge): left, right, top, bottom.
    edge_width: vec4<f32>,
    edge_curve: vec4<f32>,
    edge_inv_gamma: vec4<f32>,
    // rgb: black-level lift (linear light share); w: the projector's gamma.
    black: vec4<f32>,
    // xy: the vertex grid (quads across, down); zw: the target size in pixels.
    grid: vec4<f32>,
    // The pattern's label (name, resolution) in slice UV: origin xy, size zw (0 = none).
    label: vec4<f32>,
}

@group(0) @binding(0) var<uniform> p: Params;
// `MeshUniform` and `mesh_eval` come from warp.rs (MESH_WGSL), appended below.
@group(0) @binding(1) var<uniform> mesh: MeshUniform;
@group(0) @binding(2) var canvas: texture_2d<f32>;
@group(0) @binding(3) var canvas_sampler: sampler;
@group(0) @binding(4) var mask: texture_2d<f32>;
@group(0) @binding(5) var label: texture_2d<f32>;
@group(0) @binding(6) var plain_sampler: sampler;

struct Varyings {
    @builtin(position) position: vec4<f32>,
    @location(0) uv: vec2<f32>,
}

@vertex
fn vs(@builtin(vertex_index) i: u32) -> Varyings {
    let columns = u32(p.grid.x);
    let quad = i / 6u;
    let corner = i % 6u;
    // Two triangles per quad: (0,0) (1,0) (0,1) and (1,0) (1,1) (0,1).
    var dx = array<u32, 6>(0u, 1u, 0u, 1u, 1u, 0u);
    var dy = array<u32, 6>(0u, 0u, 1u, 0u, 1u, 1u);
    let cell = vec2<u32>(quad % columns, quad / columns);
    let uv = vec2<f32>(f32(cell.x + dx[corner]), f32(cell.y + dy[corner])) / p.grid.xy;
    let m = mesh_eval(uv);
    let q = p.h * vec3<f32>(m, 1.0);
    var out: Varyings;
    // Homogeneous w from the homography: the rasteriser interpolates uv perspective-correctly.
    out.position = vec4<f32>(q.x, q.y, 0.0, q.z);
    out.uv = uv;
    return out;
}

fn srgb_encode(c: vec3<f32>) -> vec3<f32> {
    let lo = c * 12.92;
    let hi = 1.055 * pow(max(c, vec3<f32>(0.0031308)), vec3<f32>(1.0 / 2.4)) - 0.055;
    return select(hi, lo, c <= vec3<f32>(0.0031308));
}

// The light share at x across a blend zone (0 at the slice's edge, 1 at its inner end); a ramp
// and its mirror add up to 1 (see `ramp` in scene/projection.rs).
fn ramp(x: f32, curve: f32) -> f32 {
    let t = clamp(x, 0.0, 1.0);
    if t < 0.5 {
        return 0.5 * pow(2.0 * t, curve);
    }
    return 1.0 - 0.5 * pow(2.0 * (1.0 - t), curve);
}

// Anti-aliased line mask: 1 on a line of `width` pixels at every multiple of `step` along v.
fn lines(v: vec2<f32>, step: vec2<f32>, width: f32) -> f32 {
    let d = abs(fract(v / step + 0.5) - 0.5) * step;
    let w = fwidth(v) * width * 0.5;
    let a = 1.0 - smoothstep(w, w + fwidth(v), d);
    return max(a.x, a.y);
}

// The calibration pattern, in slice UV: a grid every eighth, the centre cross, the diagonals,
// colour bars and a grey ramp (to see the blend and the projector's gamma).
fn pattern(uv: vec2<f32>) -> vec3<f32> {
    var c = vec3<f32>(0.08);
    if uv.y > 0.62 && uv.y < 0.74 {
        let bars = array<vec3<f32>, 8>(
            vec3<f32>(1.0), vec3<f32>(1.0, 1.0, 0.0), vec3<f32>(0.0, 1.0, 1.0), vec3<f32>(0.0, 1.0, 0.0),
            vec3<f32>(1.0, 0.0, 1.0), vec3<f32>(1.0, 0.0, 0.0), vec3<f32>(0.0, 0.0, 1.0), vec3<f32>(0.0));
        c = bars[min(u32(uv.x * 8.0), 7u)];
    } else if uv.y > 0.76 && uv.y < 0.84 {
        c = vec3<f32>(floor(uv.x * 16.0) / 15.0);
    }
    let px = uv * p.slice_px.xy;
    c = mix(c, vec3<f32>(0.85), lines(px, p.slice_px.xy / 8.0, 1.5));
    c = mix(c, vec3<f32>(0.85), lines(px, p.slice_px.xy / 32.0, 0.6) * 0.35);
    // The border and the centre cross, thicker.
    let edge = min(min(px.x, p.slice_px.x - px.x), min(px.y, p.slice_px.y - px.y));
    c = mix(c, vec3<f32>(1.0), 1.0 - smoothstep(2.0, 4.0, edge));
    let centre = abs(px - p.slice_px.xy * 0.5);
    let cross = (centre.x < 2.0 && centre.y < p.slice_px.y * 0.1) || (centre.y < 2.0 && centre.x < p.slice_px.x * 0.1);
    c = select(c, vec3<f32>(1.0, 0.2, 0.2), cross);
    // The diagonals: straight lines stay straight through a corner-pin.
    let d = min(abs(uv.x - uv.y), abs(uv.x + uv.y - 1.0));
    c = mix(c, vec3<f32>(0.3, 0.8, 1.0), 1.0 - smoothstep(0.0, fwidth(uv.x) * 2.0, d));
    // The label: the output's name and resolution.
    if p.label.z > 0.0 {
        let l = (uv - p.label.xy) / p.label.zw;
        if all(l >= vec2<f32>(0.0)) && all(l <= vec2<f32>(1.0)) {
            let t = textureSampleLevel(label, plain_sampler, l, 0.0);
            c = mix(c * 0.3, t.rgb / max(t.a, 1e-4), t.a);
        }
    }
    return c;
}

// Soft edges, black level and mask over a pixel `c` of the slice at `uv`, target pixel `pos`.
fn finish(c_in: vec3<f32>, uv: vec2<f32>, pos: vec2<f32>) -> vec4<f32> {
    var c = c_in;
    // Soft edges: each zone's light falls along its ramp; pixels carry light^(1/gamma).
    let px = uv * p.slice_px.xy;
    let into = vec4<f32>(px.x, p.slice_px.x - px.x, px.y, p.slice_px.y - px.y);
    var gain = 1.0;
    var in_zone = false;
    for (var e = 0; e < 4; e++) {
        let w = p.edge_width[e];
        if w > 0.0 && into[e] < w {
            gain *= pow(ramp(into[e] / w, p.edge_curve[e]), p.edge_inv_gamma[e]);
            in_zone = true;
        }
    }
    // Black level: outside the overlaps, lift black to what the overlaps show (two projectors' black).
    if !in_zone && any(p.black.rgb > vec3<f32>(0.0)) {
        let light = pow(c, vec3<f32>(p.black.w));
        c = pow(p.black.rgb + (1.0 - p.black.rgb) * light, vec3<f32>(1.0 / p.black.w));
    }
    c *= gain;
    if p.slice_px.w > 0.5 {
        c *= textureSampleLevel(mask, plain_sampler, pos / p.grid.zw, 0.0).r;
    }
    return vec4<f32>(c, 1.0);
}

// The content: the canvas's slice. (The pattern is its own entry point, so the content's
// pipeline never carries the pattern's cost, which a software rasteriser would pay per pixel.)
@fragment
fn fs(in: Varyings) -> @location(0) vec4<f32> {
    let uv = clamp(in.uv, vec2<f32>(0.0), vec2<f32>(1.0));
    let sampled = textureSample(canvas, canvas_sampler, p.slice.xy + uv * p.slice.zw);
    return finish(srgb_encode(sampled.rgb), uv, in.position.xy);
}

// Calibration: the test pattern through the same warp, blend and mask.
@fragment
fn fs_pattern(in: Varyings) -> @location(0) vec4<f32> {
    let uv = clamp(in.uv, vec2<f32>(0.0), vec2<f32>(1.0));
    return finish(pattern(uv), uv, in.position.xy);
}
