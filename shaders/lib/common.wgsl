// quai common library: included in every shader layer, after prelude.wgsl and before your shader.
//
// Conventions
//   * Noise functions named `noise*` are gradient (Perlin-style) noise in roughly -1..1, smooth
//     (C2, quintic fade) and zero on the integer lattice. `value_noise2` is 0..1.
//   * `fbm*` sums `octaves` octaves (clamped to 1..8) and is normalised to roughly -1..1.
//   * Hashes are integer hashes (PCG, lowbias32): exact for any input (negative, huge,
//     fractional), no sin(). hash11/12/22/33 hash the *bit pattern* of their input, so feed them
//     cell ids such as `floor(p)`, not continuous coordinates, if you want one value per cell.
//   * Colours are straight RGB in 0..1.
// Everything here is cheap enough for a CPU rasterizer (lavapipe) at 1080p when used with care:
// one noise2 is 4 hashes, one noise3 is 8; keep fbm to ~5 octaves and warps to ~3 fbm calls.

const PI: f32 = 3.14159265358979;
const TAU: f32 = 6.28318530717959;

// ---------------------------------------------------------------------------------------------
// Hashes
// ---------------------------------------------------------------------------------------------

// PCG2D (Jarzynski & Olano 2020): two well-mixed u32 from two u32.
fn hash_u2(v_in: vec2<u32>) -> vec2<u32> {
    var v = v_in * 1664525u + 1013904223u;
    v.x += v.y * 1664525u;
    v.y += v.x * 1664525u;
    v = v ^ (v >> vec2<u32>(16u));
    v.x += v.y * 1664525u;
    v.y += v.x * 1664525u;
    v = v ^ (v >> vec2<u32>(16u));
    return v;
}

// PCG3D: three well-mixed u32 from three u32.
fn hash_u3(v_in: vec3<u32>) -> vec3<u32> {
    var v = v_in * 1664525u + 1013904223u;
    v.x += v.y * v.z;
    v.y += v.z * v.x;
    v.z += v.x * v.y;
    v = v ^ (v >> vec3<u32>(16u));
    v.x += v.y * v.z;
    v.y += v.z * v.x;
    v.z += v.x * v.y;
    return v;
}

// u32 -> float in [0, 1) using the top 24 bits.
fn u32_to_unit(x: u32) -> f32 {
    return f32(x >> 8u) * (1.0 / 16777216.0);
}

fn u32_to_unit2(x: vec2<u32>) -> vec2<f32> {
    return vec2<f32>(x >> vec2<u32>(8u)) * (1.0 / 16777216.0);
}

// Random float in [0, 1) for a 2D input (e.g. a cell id `floor(p)`).
fn hash12(p: vec2<f32>) -> f32 {
    return u32_to_unit(hash_u2(bitcast<vec2<u32>>(p)).x);
}

// Random vec2 in [0, 1)^2 for a 2D input.
fn hash22(p: vec2<f32>) -> vec2<f32> {
    return u32_to_unit2(hash_u2(bitcast<vec2<u32>>(p)));
}

// Random vec3 in [0, 1)^3 for a 3D input.
fn hash33(p: vec3<f32>) -> vec3<f32> {
    return vec3<f32>(hash_u3(bitcast<vec3<u32>>(p)) >> vec3<u32>(8u)) * (1.0 / 16777216.0);
}

// Random float in [0, 1) for a single float (e.g. a row or layer index).
fn hash11(x: f32) -> f32 {
    return u32_to_unit(hash_u2(vec2<u32>(bitcast<u32>(x), 0x9e3779b9u)).x);
}

// ---------------------------------------------------------------------------------------------
// Noise (internal lattice helpers first)
// ---------------------------------------------------------------------------------------------

// Quintic fade (C2) and its derivative.
fn fade5(f: vec2<f32>) -> vec2<f32> {
    return f * f * f * (f * (f * 6.0 - 15.0) + 10.0);
}

fn fade5_3(f: vec3<f32>) -> vec3<f32> {
    return f * f * f * (f * (f * 6.0 - 15.0) + 10.0);
}

// Lattice hashing for the noise functions: cheaper than PCG (one u32 per lattice point) and
// still artefact-free. Coordinates are combined with large odd constants, then mixed with
// Chris Wellons' "lowbias32" finaliser.
fn hash_lowbias(x_in: u32) -> u32 {
    var x = x_in;
    x = (x ^ (x >> 16u)) * 0x7feb352du;
    x = (x ^ (x >> 15u)) * 0x846ca68bu;
    return x ^ (x >> 16u);
}

fn lattice_hash2(i: vec2<i32>) -> u32 {
    let u = bitcast<vec2<u32>>(i);
    return hash_lowbias((u.x * 0x8da6b343u) ^ (u.y * 0xd8163841u));
}

fn lattice_hash3(i: vec3<i32>) -> u32 {
    let u = bitcast<vec3<u32>>(i);
    return hash_lowbias((u.x * 0x8da6b343u) ^ (u.y * 0xd8163841u) ^ (u.z * 0xcb1ab31fu));
}

// Two 16-bit halves of a hash as a vector in [-1, 1]^2.
fn unpack_signed2(h: u32) -> vec2<f32> {
    return vec2<f32>(f32(h & 0xffffu), f32(h >> 16u)) * (2.0 / 65535.0) - 1.0;
}

// Pseudo-random unit 2D gradient for an integer lattice point.
fn lattice_grad2(i: vec2<i32>) -> vec2<f32> {
    let g = unpack_signed2(lattice_hash2(i));
    return g * inverseSqrt(max(dot(g, g), 1e-4));
}

// Two independent unit 2D gradients for one lattice point.
fn lattice_grad2x2(i: vec2<i32>) -> vec4<f32> {
    let h = lattice_hash2(i);
    let ga = unpack_signed2(h);
    let gb = unpack_signed2(hash_lowbias(h ^ 0x9e3779b9u));
    return vec4<f32>(ga * inverseSqrt(max(dot(ga, ga), 1e-4)), gb * inverseSqrt(max(dot(gb, gb), 1e-4)));
}

// Pseudo-random unit 3D gradient for an integer lattice point (10 bits per component).
fn lattice_grad3(i: vec3<i32>) -> vec3<f32> {
    let h = lattice_hash3(i);
    let g = vec3<f32>(f32(h & 0x3ffu), f32((h >> 10u) & 0x3ffu), f32((h >> 20u) & 0x3ffu)) * (2.0 / 1023.0) - 1.0;
    return g * inverseSqrt(max(dot(g, g), 1e-4));
}

// Value noise in [0, 1]: smooth interpolation of random values on the integer lattice.
// Blockier look than gradient noise, handy for flicker and LED "pixel" modulation.
fn value_noise2(p: vec2<f32>) -> f32 {
    let fi = floor(p);
    let i = vec2<i32>(fi);
    let f = p - fi;
    let u = fade5(f);
    let a = u32_to_unit(lattice_hash2(i));
    let b = u32_to_unit(lattice_hash2(i + vec2<i32>(1, 0)));
    let c = u32_to_unit(lattice_hash2(i + vec2<i32>(0, 1)));
    let d = u32_to_unit(lattice_hash2(i + vec2<i32>(1, 1)));
    return mix(mix(a, b, u.x), mix(c, d, u.x), u.y);
}

// 2D gradient noise, roughly -1..1.
fn noise2(p: vec2<f32>) -> f32 {
    let fi = floor(p);
    let i = vec2<i32>(fi);
    let f = p - fi;
    let u = fade5(f);
    let va = dot(lattice_grad2(i), f);
    let vb = dot(lattice_grad2(i + vec2<i32>(1, 0)), f - vec2<f32>(1.0, 0.0));
    let vc = dot(lattice_grad2(i + vec2<i32>(0, 1)), f - vec2<f32>(0.0, 1.0));
    let vd = dot(lattice_grad2(i + vec2<i32>(1, 1)), f - vec2<f32>(1.0, 1.0));
    return 1.4 * mix(mix(va, vb, u.x), mix(vc, vd, u.x), u.y);
}

// 2D gradient noise with analytic derivatives: returns (value, d/dx, d/dy), value roughly -1..1.
fn noise2_grad(p: vec2<f32>) -> vec3<f32> {
    let fi = floor(p);
    let i = vec2<i32>(fi);
    let f = p - fi;
    let u = fade5(f);
    let du = 30.0 * f * f * (f * (f - 2.0) + 1.0);
    let ga = lattice_grad2(i);
    let gb = lattice_grad2(i + vec2<i32>(1, 0));
    let gc = lattice_grad2(i + vec2<i32>(0, 1));
    let gd = lattice_grad2(i + vec2<i32>(1, 1));
    let va = dot(ga, f);
    let vb = dot(gb, f - vec2<f32>(1.0, 0.0));
    let vc = dot(gc, f - vec2<f32>(0.0, 1.0));
    let vd = dot(gd, f - vec2<f32>(1.0, 1.0));
    let k = va - vb - vc + vd;
    let value = va + u.x * (vb - va) + u.y * (vc - va) + u.x * u.y * k;
    let deriv = ga + u.x * (gb - ga) + u.y * (gc - ga) + u.x * u.y * (ga - gb - gc + gd)
        + du * (u.yx * k + vec2<f32>(vb, vc) - va);
    return 1.4 * vec3<f32>(value, deriv);
}

// Two independent 2D gradient noises at once (cheaper than two noise2 calls), each roughly -1..1.
// Useful as a displacement vector for domain warping.
fn noise22(p: vec2<f32>) -> vec2<f32> {
    let fi = floor(p);
    let i = vec2<i32>(fi);
    let f = p - fi;
    let u = fade5(f);
    let ga = lattice_grad2x2(i);
    let gb = lattice_grad2x2(i + vec2<i32>(1, 0));
    let gc = lattice_grad2x2(i + vec2<i32>(0, 1));
    let gd = lattice_grad2x2(i + vec2<i32>(1, 1));
    let fa = f;
    let fb = f - vec2<f32>(1.0, 0.0);
    let fc = f - vec2<f32>(0.0, 1.0);
    let fd = f - vec2<f32>(1.0, 1.0);
    let va = vec2<f32>(dot(ga.xy, fa), dot(ga.zw, fa));
    let vb = vec2<f32>(dot(gb.xy, fb), dot(gb.zw, fb));
    let vc = vec2<f32>(dot(gc.xy, fc), dot(gc.zw, fc));
    let vd = vec2<f32>(dot(gd.xy, fd), dot(gd.zw, fd));
    return 1.4 * mix(mix(va, vb, u.x), mix(vc, vd, u.x), u.y);
}

// 3D gradient noise, roughly -1..1. Use z as time for evolving (not just scrolling) 2D patterns.
fn noise3(p: vec3<f32>) -> f32 {
    let fi = floor(p);
    let i = vec3<i32>(fi);
    let f = p - fi;
    let u = fade5_3(f);
    let n000 = dot(lattice_grad3(i), f);
    let n100 = dot(lattice_grad3(i + vec3<i32>(1, 0, 0)), f - vec3<f32>(1.0, 0.0, 0.0));
    let n010 = dot(lattice_grad3(i + vec3<i32>(0, 1, 0)), f - vec3<f32>(0.0, 1.0, 0.0));
    let n110 = dot(lattice_grad3(i + vec3<i32>(1, 1, 0)), f - vec3<f32>(1.0, 1.0, 0.0));
    let n001 = dot(lattice_grad3(i + vec3<i32>(0, 0, 1)), f - vec3<f32>(0.0, 0.0, 1.0));
    let n101 = dot(lattice_grad3(i + vec3<i32>(1, 0, 1)), f - vec3<f32>(1.0, 0.0, 1.0));
    let n011 = dot(lattice_grad3(i + vec3<i32>(0, 1, 1)), f - vec3<f32>(0.0, 1.0, 1.0));
    let n111 = dot(lattice_grad3(i + vec3<i32>(1, 1, 1)), f - vec3<f32>(1.0, 1.0, 1.0));
    let x00 = mix(n000, n100, u.x);
    let x10 = mix(n010, n110, u.x);
    let x01 = mix(n001, n101, u.x);
    let x11 = mix(n011, n111, u.x);
    return 1.15 * mix(mix(x00, x10, u.y), mix(x01, x11, u.y), u.z);
}

// ---------------------------------------------------------------------------------------------
// Fractal sums
// ---------------------------------------------------------------------------------------------

// Octave-to-octave transform: rotate ~37 degrees and scale by 2 (hides lattice alignment).
const FBM_ROT: mat2x2<f32> = mat2x2<f32>(1.6, 1.2, -1.2, 1.6);

// Fractal Brownian motion of noise2, `octaves` clamped to 1..8, roughly -1..1.
fn fbm2(p_in: vec2<f32>, octaves: i32) -> f32 {
    var p = p_in;
    var sum = 0.0;
    var amp = 0.5;
    var norm = 0.0;
    let n = clamp(octaves, 1, 8);
    for (var o = 0; o < n; o++) {
        sum += amp * noise2(p);
        norm += amp;
        p = FBM_ROT * p + vec2<f32>(17.3, -9.1);
        amp *= 0.5;
    }
    return sum / norm;
}

// Vector fbm (two independent channels from noise22), roughly -1..1 per channel.
fn fbm22(p_in: vec2<f32>, octaves: i32) -> vec2<f32> {
    var p = p_in;
    var sum = vec2<f32>(0.0);
    var amp = 0.5;
    var norm = 0.0;
    let n = clamp(octaves, 1, 8);
    for (var o = 0; o < n; o++) {
        sum += amp * noise22(p);
        norm += amp;
        p = FBM_ROT * p + vec2<f32>(17.3, -9.1);
        amp *= 0.5;
    }
    return sum / norm;
}

// Fractal Brownian motion of noise3 (xy rotated per octave, z doubled), roughly -1..1.
fn fbm3(p_in: vec3<f32>, octaves: i32) -> f32 {
    var p = p_in;
    var sum = 0.0;
    var amp = 0.5;
    var norm = 0.0;
    let n = clamp(octaves, 1, 8);
    for (var o = 0; o < n; o++) {
        sum += amp * noise3(p);
        norm += amp;
        p = vec3<f32>(FBM_ROT * p.xy + vec2<f32>(17.3, -9.1), p.z * 2.0 + 3.7);
        amp *= 0.5;
    }
    return sum / norm;
}

// Ridged fbm in 0..1: sharp bright creases where noise crosses zero (lightning, veins, caustics).
fn ridged2(p_in: vec2<f32>, octaves: i32) -> f32 {
    var p = p_in;
    var sum = 0.0;
    var amp = 0.5;
    var norm = 0.0;
    let n = clamp(octaves, 1, 8);
    for (var o = 0; o < n; o++) {
        let r = 1.0 - abs(noise2(p));
        sum += amp * r * r;
        norm += amp;
        p = FBM_ROT * p + vec2<f32>(17.3, -9.1);
        amp *= 0.5;
    }
    return sum / norm;
}

// ---------------------------------------------------------------------------------------------
// Flow fields
// ---------------------------------------------------------------------------------------------

// Curl of 2D gradient noise: a divergence-free velocity field (no sources or sinks), so
// particles / advected coordinates swirl instead of bunching up. Magnitude roughly 0..3.
fn curl2(p: vec2<f32>) -> vec2<f32> {
    let d = noise2_grad(p);
    return vec2<f32>(d.z, -d.y);
}

// Curl of a two-octave noise field, for richer but still divergence-free flow.
fn curl_fbm2(p: vec2<f32>) -> vec2<f32> {
    let a = noise2_grad(p);
    let b = noise2_grad(FBM_ROT * p + vec2<f32>(17.3, -9.1));
    // Chain rule: the second octave's gradient is scaled by the octave transform (x2).
    let g = a.yz + 0.5 * (transpose(FBM_ROT) * b.yz);
    return vec2<f32>(g.y, -g.x) * (1.0 / 1.5);
}

// ---------------------------------------------------------------------------------------------
// Colour
// ---------------------------------------------------------------------------------------------

// HSV (all 0..1, hue wraps) to RGB. Smooth variant: hue transitions without hard kinks.
fn hsv2rgb(c: vec3<f32>) -> vec3<f32> {
    let k = clamp(abs(fract(c.x + vec3<f32>(0.0, 2.0 / 3.0, 1.0 / 3.0)) * 6.0 - 3.0) - 1.0, vec3<f32>(0.0), vec3<f32>(1.0));
    let s = k * k * (3.0 - 2.0 * k);
    return c.z * mix(vec3<f32>(1.0), s, c.y);
}

// Inigo Quilez cosine palette: a + b * cos(TAU * (c * t + d)).
// Classic rainbow: a = b = (0.5, 0.5, 0.5), c = (1, 1, 1), d = (0.0, 0.33, 0.67).
fn palette(t: f32, a: vec3<f32>, b: vec3<f32>, c: vec3<f32>, d: vec3<f32>) -> vec3<f32> {
    return a + b * cos(TAU * (c * t + d));
}

// Rotate a colour's hue by `turns` (0..1 = full circle) around the grey axis, keeping luminance.
fn hue_shift(col: vec3<f32>, turns: f32) -> vec3<f32> {
    let k = vec3<f32>(0.57735027);
    let a = turns * TAU;
    let ca = cos(a);
    return col * ca + cross(k, col) * sin(a) + k * dot(k, col) * (1.0 - ca);
}

// Rec. 709 luminance.
fn luma(c: vec3<f32>) -> f32 {
    return dot(c, vec3<f32>(0.2126, 0.7152, 0.0722));
}

// Soft clamp / tonemap for HDR-ish accumulation (glows, additive sums): linear up to `0.6`,
// then rolls off smoothly toward 1 instead of clipping to flat white. Hue is mostly preserved.
fn tonemap(c: vec3<f32>) -> vec3<f32> {
    let x = max(c, vec3<f32>(0.0));
    let knee = 0.6;
    let over = max(x - knee, vec3<f32>(0.0));
    let rolled = knee + (1.0 - knee) * (1.0 - exp(-over / (1.0 - knee)));
    return select(rolled, x, x < vec3<f32>(knee));
}

// Scalar version of `tonemap`, e.g. for alpha built from summed glows.
fn soft_clamp(x_in: f32) -> f32 {
    let x = max(x_in, 0.0);
    let knee = 0.6;
    if (x < knee) {
        return x;
    }
    return knee + (1.0 - knee) * (1.0 - exp(-(x - knee) / (1.0 - knee)));
}

// ---------------------------------------------------------------------------------------------
// Geometry
// ---------------------------------------------------------------------------------------------

// Counter-clockwise rotation by `angle` radians (in a y-up frame such as quai_centered): rotate2(a) * p.
fn rotate2(angle: f32) -> mat2x2<f32> {
    let c = cos(angle);
    let s = sin(angle);
    return mat2x2<f32>(c, s, -s, c);
}

// Signed distance to a circle of radius r centred at the origin.
fn sd_circle(p: vec2<f32>, r: f32) -> f32 {
    return length(p) - r;
}

// Signed distance to an axis-aligned box with half-extents b centred at the origin.
fn sd_box(p: vec2<f32>, b: vec2<f32>) -> f32 {
    let d = abs(p) - b;
    return length(max(d, vec2<f32>(0.0))) + min(max(d.x, d.y), 0.0);
}

// Signed distance to a rounded box (half-extents b, corner radius r).
fn sd_round_box(p: vec2<f32>, b: vec2<f32>, r: f32) -> f32 {
    return sd_box(p, b - vec2<f32>(r)) - r;
}

// Distance to the segment a..b.
fn sd_segment(p: vec2<f32>, a: vec2<f32>, b: vec2<f32>) -> f32 {
    let pa = p - a;
    let ba = b - a;
    let h = clamp(dot(pa, ba) / max(dot(ba, ba), 1e-8), 0.0, 1.0);
    return length(pa - ba * h);
}

// Polynomial smooth minimum (IQ): blends two distances over a band of width k (k > 0).
fn smooth_min(a: f32, b: f32, k: f32) -> f32 {
    let kk = max(k, 1e-5);
    let h = max(kk - abs(a - b), 0.0) / kk;
    return min(a, b) - h * h * kk * 0.25;
}

// Polynomial smooth maximum.
fn smooth_max(a: f32, b: f32, k: f32) -> f32 {
    return -smooth_min(-a, -b, k);
}

// ---------------------------------------------------------------------------------------------
// Shaping
// ---------------------------------------------------------------------------------------------

// Anti-aliased fill of a signed distance (negative inside): 1 inside, 0 outside,
// with a transition `w` wide (use ~1.5 pixels in the distance's units).
fn fill_aa(d: f32, w: f32) -> f32 {
    return 1.0 - smoothstep(-0.5 * w, 0.5 * w, d);
}

// Soft glow falloff for a distance d >= 0: 1 at d = 0, `radius` controls the width.
// Falls off as radius^2 / (radius^2 + d^2) — long, light-like tails.
fn glow(d: f32, radius: f32) -> f32 {
    let r2 = radius * radius;
    return r2 / (r2 + d * d);
}

// Remap x from [a, b] to [0, 1], clamped.
fn remap01(x: f32, a: f32, b: f32) -> f32 {
    return clamp((x - a) / (b - a), 0.0, 1.0);
}

// Size of one layer pixel in quai_centered units (y spans 2.0 over the layer height).
// Use it for resolution-independent anti-aliasing widths.
fn centered_pixel() -> f32 {
    return 2.0 / max(layer.size.y, 1.0);
}
