//! The geometry of a projector output's warp, on the CPU: the corner-pin homography (unit square →
//! the four pinned corners, output pixels), the mesh surface inside it, and the checks that keep a
//! calibration drawable (a convex quad, a mesh that does not fold). Pure math, called from the
//! render thread when a warp is uploaded and from calibration on every edit.
//!
//! The mesh is evaluated identically here and in [`MESH_WGSL`], so a handle drawn from the CPU
//! sits exactly where the GPU puts the picture's control point.

use glam::{DMat3, DVec2, DVec3};

use crate::scene::projection::{Corners, MeshInterpolation, MeshWarp};

/// A projective map of the unit square onto the corner-pinned quad: (u, v, 1) → (x·w, y·w, w),
/// output pixels. (0, 0) lands on the top-left corner, (1, 0) top-right, (1, 1) bottom-right,
/// (0, 1) bottom-left.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Homography(pub DMat3);

impl Homography {
    /// The exact square-to-quad map (Heckbert 1989, "Fundamentals of Texture Mapping", §2.2.3),
    /// solved in closed form in f64, so the corners land on the pinned pixels to rounding.
    pub fn from_corners(c: &Corners) -> Result<Homography, QuadProblem> {
        check_quad(c)?;
        let [[x0, y0], [x1, y1], [x2, y2], [x3, y3]] = *c;
        let (sx, sy) = (x0 - x1 + x2 - x3, y0 - y1 + y2 - y3);
        let (dx1, dx2, dy1, dy2) = (x1 - x2, x3 - x2, y1 - y2, y3 - y2);
        // Non-zero for a quad that passed `check_quad` (it is the cross product at corner 2).
        let den = dx1 * dy2 - dx2 * dy1;
        // With sx = sy = 0 (a parallelogram) g = h = 0 and this is the affine map.
        let g = (sx * dy2 - dx2 * sy) / den;
        let h = (dx1 * sy - sx * dy1) / den;
        let m = DMat3::from_cols(
            DVec3::new(x1 - x0 + g * x1, y1 - y0 + g * y1, g),
            DVec3::new(x3 - x0 + h * x3, y3 - y0 + h * y3, h),
            DVec3::new(x0, y0, 1.0),
        );
        Ok(Homography(m))
    }

    /// `p` through the map, dividing by w. Infinite or NaN on the horizon line (w = 0); see
    /// [`Homography::apply_in_front`] where that matters.
    pub fn apply(&self, p: DVec2) -> DVec2 {
        let q = self.0 * p.extend(1.0);
        DVec2::new(q.x, q.y) / q.z
    }

    /// `p` through the map, or `None` when it lies on or beyond the map's horizon (w ≤ 0): the
    /// point would be drawn mirrored through infinity, on the wrong side of the picture. For the
    /// map of a valid quad every point of the unit square is in front.
    pub fn apply_in_front(&self, p: DVec2) -> Option<DVec2> {
        let q = self.0 * p.extend(1.0);
        let r = DVec2::new(q.x, q.y) / q.z;
        (q.z > 0.0 && r.is_finite()).then_some(r)
    }

    /// The map back from output pixels to the unit square; `None` when it is singular. The plain
    /// matrix inverse (not rescaled), so w keeps its sign: [`Homography::apply_in_front`] of the
    /// inverse tells a pixel in front of the picture from one behind its horizon.
    pub fn inverse(&self) -> Option<Homography> {
        let det = self.0.determinant();
        let inv = self.0.inverse();
        (det != 0.0 && det.is_finite() && inv.is_finite()).then_some(Homography(inv))
    }

    /// The map followed by output pixels → NDC (x 0..w → -1..1, y 0..h → 1..-1), as the three
    /// columns of a WGSL `mat3x3<f32>` uniform (column-major, each column padded to 16 bytes, the
    /// padding 0). A vertex shader writes `let p = m * vec3(M(u, v), 1.0);` and
    /// `position = vec4(p.xy, 0.0, p.z)`, so the rasteriser's perspective divide does the
    /// homography and the content is interpolated perspective-correctly. Composed in f64 and
    /// rounded once, so the corners land within f32 rounding of the pinned pixels.
    pub fn to_ndc(&self, target: [u32; 2]) -> [[f32; 4]; 3] {
        let (w, h) = (f64::from(target[0].max(1)), f64::from(target[1].max(1)));
        let px_to_ndc =
            DMat3::from_cols(DVec3::new(2.0 / w, 0.0, 0.0), DVec3::new(0.0, -2.0 / h, 0.0), DVec3::new(-1.0, 1.0, 1.0));
        let m = px_to_ndc * self.0;
        [m.x_axis, m.y_axis, m.z_axis].map(|c| [c.x as f32, c.y as f32, c.z as f32, 0.0])
    }
}

/// Why four corners cannot be a corner-pin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuadProblem {
    /// Two corners coincide, or three lie on one line (or a corner is not a number).
    Degenerate,
    /// Two edges cross: a bow-tie.
    Folded,
    /// One corner is inside the triangle of the other three.
    Concave,
}

impl QuadProblem {
    /// What is wrong, in the words of the technician looking at the wall.
    pub fn describe(&self) -> &'static str {
        match self {
            QuadProblem::Degenerate => "two corners coincide or three lie on one line",
            QuadProblem::Folded => "the corners cross over: the picture would be folded",
            QuadProblem::Concave => "one corner is pushed inside the others: the quad is not convex",
        }
    }

    /// The same, for an edit that was refused before it happened.
    pub fn describe_move(&self) -> &'static str {
        match self {
            QuadProblem::Degenerate => "two corners would coincide or three would lie on one line",
            QuadProblem::Folded => "the corners would cross over: the picture would be folded",
            QuadProblem::Concave => "the corner would be pushed inside the others: the quad would not be convex",
        }
    }
}

impl std::fmt::Display for QuadProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.describe())
    }
}

/// Below this share of the corners' bounding box, the turn at a corner counts as no turn:
/// the corner sits on the line of its neighbours (about 2 px² on a 1920×1080 output).
const DEGENERATE_SHARE: f64 = 1e-6;

/// Whether the corners make a valid corner-pin: convex, non-degenerate, and turning the same way
/// at each corner. Clockwise on screen (y down) is the upright picture; all four turning the other
/// way is a mirrored picture (rear projection) and is valid too. A bow-tie turns two corners each
/// way, a concave quad three one way and one the other.
pub fn check_quad(c: &Corners) -> Result<(), QuadProblem> {
    if c.iter().flatten().any(|x| !x.is_finite()) {
        return Err(QuadProblem::Degenerate);
    }
    let p = c.map(|[x, y]| DVec2::new(x, y));
    let (lo, hi) = p.iter().fold((p[0], p[0]), |(lo, hi), q| (lo.min(*q), hi.max(*q)));
    let bbox = (hi - lo).x * (hi - lo).y;
    let turns: [f64; 4] = std::array::from_fn(|i| {
        let (prev, here, next) = (p[(i + 3) % 4], p[i], p[(i + 1) % 4]);
        (here - prev).perp_dot(next - here)
    });
    if bbox <= 0.0 || turns.iter().any(|t| t.abs() <= DEGENERATE_SHARE * bbox) {
        return Err(QuadProblem::Degenerate);
    }
    match turns.iter().filter(|t| **t > 0.0).count() {
        0 | 4 => Ok(()),
        2 => Err(QuadProblem::Folded),
        _ => Err(QuadProblem::Concave),
    }
}

/// H(M(u, v)): content (u, v) in 0..1 to output pixels. `None` when the corners are not a valid
/// quad, or the mesh carries the point beyond the horizon of the corner-pin.
pub fn map(warp_corners: &Corners, mesh: Option<&MeshWarp>, u: f64, v: f64) -> Option<DVec2> {
    let h = Homography::from_corners(warp_corners).ok()?;
    let p = mesh.map_or([u, v], |m| mesh_eval(m, u, v));
    h.apply_in_front(DVec2::from_array(p))
}

/// The mesh surface at content (u, v), in the unit square of the corner-pinned quad.
///
/// Exactly what [`MESH_WGSL`] computes (there in f32), so keep the two in step:
/// - u and v are clamped to 0..1;
/// - the cell along u is `i = floor(u·(columns-1))` clamped to `0..=columns-2`, the local
///   `s = u·(columns-1) - i` (so s = 1 at u = 1); the same along v with rows, giving j and t;
/// - `Linear`: bilinear between points (i, j), (i+1, j), (i, j+1), (i+1, j+1);
/// - `Bicubic`: uniform Catmull-Rom (tension 0.5) through points i-1..=i+2 along each of the rows
///   j-1..=j+2, then the same along v through those four results, with
///   `cr(p0, p1, p2, p3, s) = 0.5·(2p1 + (p2-p0)s + (2p0-5p1+4p2-p3)s² + (3p1-p0-3p2+p3)s³)`.
///   Points beyond the border are extrapolated linearly (P[-1] = 2P[0] - P[1],
///   P[n] = 2P[n-1] - P[n-2]; for rows, of the rows' results), so a straight grid stays straight
///   to the edge: the identity grid gives the identity (to rounding), and the surface passes
///   through every control point.
///
/// Points must fill the grid (`columns × rows` of them, both at least 2), as validation makes sure.
pub fn mesh_eval(m: &MeshWarp, u: f64, v: f64) -> [f64; 2] {
    let (i, s) = cell_of(u, m.columns);
    let (j, t) = cell_of(v, m.rows);
    eval_in_cell(m, i, j, s, t).0.to_array()
}

/// The first cell (column i, row j, row by row from the top) where the mesh surface folds over
/// itself: its Jacobian determinant is not positive (the identity's is 1, with y down) at one of
/// the cell's 5 × 5 sample points (corners, edges and a 4 × 4 sub-grid). `None` when it does not.
pub fn mesh_fold(m: &MeshWarp) -> Option<(u32, u32)> {
    const STEPS: u32 = 4;
    let ts: Vec<f64> = (0..=STEPS).map(|k| f64::from(k) / f64::from(STEPS)).collect();
    let mut cells = (0..m.rows.saturating_sub(1)).flat_map(|j| (0..m.columns.saturating_sub(1)).map(move |i| (i, j)));
    cells.find(|&(i, j)| {
        ts.iter().any(|&t| {
            ts.iter().any(|&s| {
                let (_, du, dv) = eval_in_cell(m, i, j, s, t);
                // A NaN (a point that is not a number) counts as a fold, too.
                let det = du.perp_dot(dv);
                det.is_nan() || det <= 0.0
            })
        })
    })
}

/// The cell along one axis of `n` points, and the local coordinate in it; see [`mesh_eval`].
fn cell_of(u: f64, n: u32) -> (u32, f64) {
    let x = u.clamp(0.0, 1.0) * f64::from(n - 1);
    let cell = (x.floor() as u32).min(n - 2);
    (cell, x - f64::from(cell))
}

/// The surface in cell (i, j) at local (s, t), with its derivatives along u and v.
fn eval_in_cell(m: &MeshWarp, i: u32, j: u32, s: f64, t: f64) -> (DVec2, DVec2, DVec2) {
    let (scale_u, scale_v) = (f64::from(m.columns - 1), f64::from(m.rows - 1));
    match m.interpolation {
        MeshInterpolation::Linear => {
            let p = |di, dj| DVec2::from_array(m.point(i + di, j + dj));
            let (top, bottom) = (p(0, 0).lerp(p(1, 0), s), p(0, 1).lerp(p(1, 1), s));
            let d_top = p(1, 0) - p(0, 0);
            let d_bottom = p(1, 1) - p(0, 1);
            (top.lerp(bottom, t), d_top.lerp(d_bottom, t) * scale_u, (bottom - top) * scale_v)
        }
        MeshInterpolation::Bicubic => {
            // Along u in rows j-1..=j+2 (phantom rows from the real ones), then along v.
            let row = |r: u32| {
                let q = row_points(m, i, r);
                (catmull_rom(q, s), catmull_rom_slope(q, s))
            };
            let real: [(DVec2, DVec2); 2] = [row(j), row(j + 1)];
            let above = if j == 0 { extrapolate(real[0], real[1]) } else { row(j - 1) };
            let below = if j + 2 >= m.rows { extrapolate(real[1], real[0]) } else { row(j + 2) };
            let values = [above.0, real[0].0, real[1].0, below.0];
            let slopes = [above.1, real[0].1, real[1].1, below.1];
            let p = catmull_rom(values, t);
            (p, catmull_rom(slopes, t) * scale_u, catmull_rom_slope(values, t) * scale_v)
        }
    }
}

/// Points i-1..=i+2 of row r, extrapolated linearly beyond the row's ends.
fn row_points(m: &MeshWarp, i: u32, r: u32) -> [DVec2; 4] {
    let p = |k: u32| DVec2::from_array(m.point(k, r));
    let (p1, p2) = (p(i), p(i + 1));
    let p0 = if i == 0 { 2.0 * p1 - p2 } else { p(i - 1) };
    let p3 = if i + 2 >= m.columns { 2.0 * p2 - p1 } else { p(i + 2) };
    [p0, p1, p2, p3]
}

/// The phantom beyond `edge`, away from `inner`: 2·edge - inner, for a value and its slope.
fn extrapolate(edge: (DVec2, DVec2), inner: (DVec2, DVec2)) -> (DVec2, DVec2) {
    (2.0 * edge.0 - inner.0, 2.0 * edge.1 - inner.1)
}

/// Uniform Catmull-Rom between p1 (s = 0) and p2 (s = 1).
fn catmull_rom([p0, p1, p2, p3]: [DVec2; 4], s: f64) -> DVec2 {
    let a = p2 - p0;
    let b = 2.0 * p0 - 5.0 * p1 + 4.0 * p2 - p3;
    let c = 3.0 * p1 - p0 - 3.0 * p2 + p3;
    0.5 * (2.0 * p1 + s * (a + s * (b + s * c)))
}

/// d/ds of [`catmull_rom`].
fn catmull_rom_slope([p0, p1, p2, p3]: [DVec2; 4], s: f64) -> DVec2 {
    let a = p2 - p0;
    let b = 2.0 * p0 - 5.0 * p1 + 4.0 * p2 - p3;
    let c = 3.0 * p1 - p0 - 3.0 * p2 + p3;
    0.5 * (a + s * (2.0 * b + s * 3.0 * c))
}

/// The mesh as the uniform [`MESH_WGSL`] reads: points packed two per vec4 (xy = point 2k,
/// zw = point 2k+1), row by row; shape = (columns, rows, 1 bicubic / 0 linear, 0). Without a mesh
/// (or with one too big for the buffer, which validation does not let through) the shape is
/// all 0 and the shader passes (u, v) through. `#[repr(C)]`, 8208 bytes, no padding inside.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MeshUniform {
    pub points: [[f32; 4]; MESH_UNIFORM_VEC4S],
    pub shape: [u32; 4],
}

/// vec4s in [`MeshUniform::points`]: room for a MESH_MAX × MESH_MAX grid.
pub const MESH_UNIFORM_VEC4S: usize = 512;

impl MeshUniform {
    pub fn new(mesh: Option<&MeshWarp>) -> MeshUniform {
        let mut uniform = MeshUniform { points: [[0.0; 4]; MESH_UNIFORM_VEC4S], shape: [0; 4] };
        let Some(m) = mesh.filter(|m| m.points.len() <= 2 * MESH_UNIFORM_VEC4S) else { return uniform };
        for (k, [x, y]) in m.points.iter().enumerate() {
            let half = 2 * (k % 2);
            uniform.points[k / 2][half] = *x as f32;
            uniform.points[k / 2][half + 1] = *y as f32;
        }
        let bicubic = u32::from(m.interpolation == MeshInterpolation::Bicubic);
        uniform.shape = [m.columns, m.rows, bicubic, 0];
        uniform
    }
}

/// [`mesh_eval`] in WGSL, for the warp shader to include. The includer declares the binding,
/// e.g. `@group(1) @binding(0) var<uniform> mesh: MeshUniform;`, filled from [`MeshUniform`].
/// `shape.x < 2` (no mesh) is the identity.
pub const MESH_WGSL: &str = r#"
struct MeshUniform {
    // Two points per vec4: xy = point 2k, zw = point 2k + 1; row by row from the top.
    points: array<vec4<f32>, 512>,
    // x = columns, y = rows, z = 1 bicubic / 0 linear.
    shape: vec4<u32>,
}

fn mesh_point(i: u32, j: u32) -> vec2<f32> {
    let k = j * mesh.shape.x + i;
    let v = mesh.points[k / 2u];
    return select(v.zw, v.xy, k % 2u == 0u);
}

// The cell along one axis of n points and the local coordinate in it: (cell, s).
fn mesh_cell(u: f32, n: u32) -> vec2<f32> {
    let x = clamp(u, 0.0, 1.0) * f32(n - 1u);
    let cell = min(floor(x), f32(n - 2u));
    return vec2<f32>(cell, x - cell);
}

fn mesh_catmull_rom(p0: vec2<f32>, p1: vec2<f32>, p2: vec2<f32>, p3: vec2<f32>, s: f32) -> vec2<f32> {
    let a = p2 - p0;
    let b = 2.0 * p0 - 5.0 * p1 + 4.0 * p2 - p3;
    let c = 3.0 * p1 - p0 - 3.0 * p2 + p3;
    return 0.5 * (2.0 * p1 + s * (a + s * (b + s * c)));
}

// Catmull-Rom along row r between points i and i + 1, extrapolated beyond the row's ends.
fn mesh_row(i: u32, r: u32, s: f32) -> vec2<f32> {
    let p1 = mesh_point(i, r);
    let p2 = mesh_point(i + 1u, r);
    var p0 = 2.0 * p1 - p2;
    if i > 0u {
        p0 = mesh_point(i - 1u, r);
    }
    var p3 = 2.0 * p2 - p1;
    if i + 2u < mesh.shape.x {
        p3 = mesh_point(i + 2u, r);
    }
    return mesh_catmull_rom(p0, p1, p2, p3, s);
}

fn mesh_eval(u: vec2<f32>) -> vec2<f32> {
    let columns = mesh.shape.x;
    let rows = mesh.shape.y;
    if columns < 2u || rows < 2u {
        return u;
    }
    let cu = mesh_cell(u.x, columns);
    let cv = mesh_cell(u.y, rows);
    let i = u32(cu.x);
    let j = u32(cv.x);
    let s = cu.y;
    let t = cv.y;
    if mesh.shape.z == 0u {
        let top = mix(mesh_point(i, j), mesh_point(i + 1u, j), s);
        let bottom = mix(mesh_point(i, j + 1u), mesh_point(i + 1u, j + 1u), s);
        return mix(top, bottom, t);
    }
    let q1 = mesh_row(i, j, s);
    let q2 = mesh_row(i, j + 1u, s);
    var q0 = 2.0 * q1 - q2;
    if j > 0u {
        q0 = mesh_row(i, j - 1u, s);
    }
    var q3 = 2.0 * q2 - q1;
    if j + 2u < rows {
        q3 = mesh_row(i, j + 2u, s);
    }
    return mesh_catmull_rom(q0, q1, q2, q3, t);
}
"#;

#[cfg(test)]
#[path = "warp_tests.rs"]
mod tests;
