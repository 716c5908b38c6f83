//! Where each LED of a fixture reads the canvas: its centre and, for area sampling, the oriented
//! rectangle it covers, in canvas pixels and in wiring order. Owns the geometry of matrices
//! (wiring, start corner, major), strips (even spacing by arc length) and point lists, and the
//! placement's rotation. Built on the scene loader thread, once per scene; the GPU sampling pass
//! uploads the result as a storage buffer.

use crate::scene::led::{Corner, Fixture, LedOutput, Major, Placement, Sample, Shape, Wiring};

/// One LED's footprint on the canvas, in canvas pixels (y down): the oriented rectangle
/// `center ± u ± v`. `u` and `v` are half-extent vectors, both zero for [`Sample::Point`].
///
/// Layout: exactly 8 `f32` (32 bytes, no implicit padding), matching the WGSL storage buffer
/// element `struct { center: vec2f, u: vec2f, v: vec2f, _pad: vec2f }` (stride 32).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct LedPixel {
    /// Centre of the pixel.
    pub center: [f32; 2],
    /// Half-extent along the pixel's first axis (along the row, or along the strip).
    pub u: [f32; 2],
    /// Half-extent along the second axis, perpendicular to `u`.
    pub v: [f32; 2],
    /// Padding to the 32-byte GPU stride; always zero.
    pub _pad: [f32; 2],
}

const _: () = assert!(size_of::<LedPixel>() == 32);

impl LedPixel {
    /// A pixel at `center` covering `center ± u ± v`.
    pub const fn new(center: [f32; 2], u: [f32; 2], v: [f32; 2]) -> Self {
        LedPixel { center, u, v, _pad: [0.0; 2] }
    }
}

/// The pixels of `f` in wiring order: index `i` is the `i`-th LED on the chain, the one
/// `f.address(i)` patches. Always `f.pixel_count()` entries, whatever the geometry.
pub fn pixels(f: &Fixture) -> Vec<LedPixel> {
    let area = f.sample == Sample::Area;
    let p = &f.placement;
    let mut out = match &f.shape {
        Shape::Matrix { columns, rows, wiring, start, major } => {
            matrix(p, *columns as usize, *rows as usize, *wiring, *start, *major)
        }
        Shape::Strip { pixels, points } => strip(p, *pixels as usize, points),
        Shape::Points { points, .. } => point_list(p, points),
    };
    let centre = [p.position[0] + p.size[0] / 2.0, p.position[1] + p.size[1] / 2.0];
    let turn = Turn::new(p.rotation);
    for px in &mut out {
        px.center = turn.about(centre, px.center);
        if area {
            px.u = turn.vector(floor_half(px.u, [0.5, 0.0]));
            px.v = turn.vector(floor_half(px.v, [0.0, 0.5]));
        } else {
            px.u = [0.0; 2];
            px.v = [0.0; 2];
        }
    }
    out
}

/// The pixels of every fixture of `out`, fixture after fixture, each in wiring order: the order
/// the DMX encoder expects the sampled colours in.
pub fn output_pixels(out: &LedOutput) -> Vec<LedPixel> {
    out.fixtures.iter().flat_map(pixels).collect()
}

/// The axis-aligned bounding box of `points` (rotation 0), ignoring non-finite points; a zero
/// rectangle at the origin when there are none. The placement of strips and point lists.
pub fn bounds(points: &[[f32; 2]]) -> Placement {
    let finite = points.iter().filter(|p| p[0].is_finite() && p[1].is_finite());
    let (mut lo, mut hi) = ([f32::INFINITY; 2], [f32::NEG_INFINITY; 2]);
    for p in finite {
        lo = [lo[0].min(p[0]), lo[1].min(p[1])];
        hi = [hi[0].max(p[0]), hi[1].max(p[1])];
    }
    if lo[0] > hi[0] {
        return Placement { position: [0.0; 2], size: [0.0; 2], rotation: 0.0 };
    }
    Placement { position: lo, size: [hi[0] - lo[0], hi[1] - lo[1]], rotation: 0.0 }
}

/// The first LED of `f` (wiring index and centre) whose centre lies outside the canvas
/// `0 ≤ x < w, 0 ≤ y < h` (non-finite centres count as outside); `None` when all are on it.
pub fn off_canvas(f: &Fixture, canvas: [u32; 2]) -> Option<(usize, [f32; 2])> {
    let (w, h) = (canvas[0] as f32, canvas[1] as f32);
    let inside = |c: [f32; 2]| c[0] >= 0.0 && c[0] < w && c[1] >= 0.0 && c[1] < h;
    pixels(f).iter().map(|p| p.center).enumerate().find(|&(_, c)| !inside(c))
}

/// A degenerate (zero) half-extent reads one canvas pixel: `unit`, half-size 0.5 along its axis.
fn floor_half(h: [f32; 2], unit: [f32; 2]) -> [f32; 2] {
    if h[0] == 0.0 && h[1] == 0.0 { unit } else { h }
}

/// The (column, row) of the `i`-th LED of a `columns × rows` chain.
fn cell(i: usize, columns: usize, rows: usize, wiring: Wiring, start: Corner, major: Major) -> (usize, usize) {
    let len = match major {
        Major::Rows => columns,
        Major::Columns => rows,
    };
    let line = i / len;
    let mut along = i % len;
    if wiring == Wiring::Serpentine && line % 2 == 1 {
        along = len - 1 - along;
    }
    let (mut col, mut row) = match major {
        Major::Rows => (along, line),
        Major::Columns => (line, along),
    };
    if matches!(start, Corner::TopRight | Corner::BottomRight) {
        col = columns - 1 - col;
    }
    if matches!(start, Corner::BottomLeft | Corner::BottomRight) {
        row = rows - 1 - row;
    }
    (col, row)
}

/// Unrotated matrix pixels: cell centres of the grid filling `p`, half a cell each way.
fn matrix(p: &Placement, columns: usize, rows: usize, wiring: Wiring, start: Corner, major: Major) -> Vec<LedPixel> {
    if columns == 0 || rows == 0 {
        return vec![];
    }
    let (cw, ch) = (p.size[0] / columns as f32, p.size[1] / rows as f32);
    let (u, v) = ([cw / 2.0, 0.0], [0.0, ch / 2.0]);
    (0..columns * rows)
        .map(|i| {
            let (col, row) = cell(i, columns, rows, wiring, start, major);
            let c = [p.position[0] + (col as f32 + 0.5) * cw, p.position[1] + (row as f32 + 0.5) * ch];
            LedPixel::new(c, u, v)
        })
        .collect()
}

/// Unrotated strip pixels: `n` LEDs evenly spaced by arc length along `points`, the first on the
/// first point and the last on the last; footprint half the spacing along the local segment and
/// the same across it (a single LED: the whole length). No points: all at the placement's centre.
fn strip(p: &Placement, n: usize, points: &[[f32; 2]]) -> Vec<LedPixel> {
    let first = points.first().copied().unwrap_or([p.position[0] + p.size[0] / 2.0, p.position[1] + p.size[1] / 2.0]);
    // Segments of non-zero length: (start, unit direction, length).
    let segments: Vec<([f32; 2], [f32; 2], f32)> = points
        .windows(2)
        .filter_map(|w| {
            let d = [w[1][0] - w[0][0], w[1][1] - w[0][1]];
            let len = d[0].hypot(d[1]);
            (len > 0.0 && len.is_finite()).then(|| (w[0], [d[0] / len, d[1] / len], len))
        })
        .collect();
    let total: f32 = segments.iter().map(|s| s.2).sum();
    let spacing = if n > 1 { total / (n - 1) as f32 } else { total };
    let half = spacing / 2.0;
    let (mut seg, mut seg_start) = (0, 0.0f32);
    (0..n)
        .map(|k| {
            let s = if n > 1 { total * k as f32 / (n - 1) as f32 } else { 0.0 };
            // Advance to the segment holding arc length `s` (a shared point goes to the later one).
            while seg + 1 < segments.len() && s >= seg_start + segments[seg].2 {
                seg_start += segments[seg].2;
                seg += 1;
            }
            let Some(&(a, dir, len)) = segments.get(seg) else {
                return LedPixel::new(first, [half, 0.0], [0.0, half]);
            };
            let t = (s - seg_start).clamp(0.0, len);
            let c = match points.last() {
                Some(&last) if k + 1 == n && n > 1 => last,
                _ => [a[0] + dir[0] * t, a[1] + dir[1] * t],
            };
            LedPixel::new(c, [dir[0] * half, dir[1] * half], [-dir[1] * half, dir[0] * half])
        })
        .collect()
}

/// Unrotated point-list pixels: a square of half-side half the distance to the nearest other
/// point (a single point: half the placement's smaller side).
fn point_list(p: &Placement, points: &[[f32; 2]]) -> Vec<LedPixel> {
    let single = p.size[0].min(p.size[1]) / 2.0;
    nearest(points)
        .iter()
        .zip(points)
        .map(|(&d, &c)| {
            let half = if d.is_finite() { d / 2.0 } else { single };
            LedPixel::new(c, [half, 0.0], [0.0, half])
        })
        .collect()
}

/// Distance from each point to its nearest other point (infinite when there is none): a sweep
/// over the points sorted by x, stopping each side once the x gap alone exceeds the best so far.
fn nearest(points: &[[f32; 2]]) -> Vec<f32> {
    let mut order: Vec<usize> = (0..points.len()).collect();
    order.sort_by(|&a, &b| points[a][0].total_cmp(&points[b][0]));
    let mut out = vec![f32::INFINITY; points.len()];
    for (r, &i) in order.iter().enumerate() {
        let p = points[i];
        let mut best = f32::INFINITY;
        let mut try_point = |j: usize| {
            let (dx, dy) = (points[j][0] - p[0], points[j][1] - p[1]);
            if dx * dx > best {
                return false;
            }
            let d2 = dx * dx + dy * dy;
            if d2 < best {
                best = d2;
            }
            true
        };
        for &j in &order[r + 1..] {
            if !try_point(j) {
                break;
            }
        }
        for &j in order[..r].iter().rev() {
            if !try_point(j) {
                break;
            }
        }
        out[i] = best.sqrt();
    }
    out
}

/// A clockwise rotation on the canvas (y down), exact at multiples of 90°.
struct Turn {
    sin: f32,
    cos: f32,
}

impl Turn {
    fn new(degrees: f32) -> Self {
        let d = degrees.rem_euclid(360.0);
        let (sin, cos) = if d == 0.0 || !d.is_finite() {
            (0.0, 1.0)
        } else if d == 90.0 {
            (1.0, 0.0)
        } else if d == 180.0 {
            (0.0, -1.0)
        } else if d == 270.0 {
            (-1.0, 0.0)
        } else {
            d.to_radians().sin_cos()
        };
        Turn { sin, cos }
    }

    fn vector(&self, v: [f32; 2]) -> [f32; 2] {
        [v[0] * self.cos - v[1] * self.sin, v[0] * self.sin + v[1] * self.cos]
    }

    fn about(&self, centre: [f32; 2], p: [f32; 2]) -> [f32; 2] {
        let d = self.vector([p[0] - centre[0], p[1] - centre[1]]);
        [centre[0] + d[0], centre[1] + d[1]]
    }
}

#[cfg(test)]
#[path = "map_tests.rs"]
mod tests;
