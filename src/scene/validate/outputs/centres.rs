//! Where a fixture's LEDs sit on the canvas, in wiring order: matrix cell centres, strip LEDs spaced
//! evenly by arc length along the polyline, CSV points; each turned by the placement's rotation
//! about its centre. Only what validation needs to find an LED off the canvas (the renderer's
//! sampling keeps its own mapping).

use super::super::super::led::{Corner, Fixture, Major, Placement, Shape, Wiring};

/// Centres of the LEDs of `f`, in canvas pixels, in wiring order.
pub(super) fn centres(f: &Fixture) -> Vec<[f32; 2]> {
    let p = &f.placement;
    let raw = match &f.shape {
        Shape::Matrix { columns, rows, wiring, start, major } => {
            let (cols, rows) = (*columns as usize, *rows as usize);
            let (cw, ch) = (p.size[0] / cols as f32, p.size[1] / rows as f32);
            (0..cols * rows)
                .map(|i| {
                    let (c, r) = cell(i, cols, rows, *wiring, *start, *major);
                    [p.position[0] + (c as f32 + 0.5) * cw, p.position[1] + (r as f32 + 0.5) * ch]
                })
                .collect()
        }
        Shape::Strip { pixels, points } => along(points, *pixels as usize),
        Shape::Points { points, .. } => points.clone(),
    };
    rotate(raw, p)
}

/// (column, row) of the `i`-th LED of a matrix in wiring order.
fn cell(i: usize, cols: usize, rows: usize, wiring: Wiring, start: Corner, major: Major) -> (usize, usize) {
    let left = matches!(start, Corner::TopLeft | Corner::BottomLeft);
    let top = matches!(start, Corner::TopLeft | Corner::TopRight);
    let run = match major {
        Major::Rows => cols,
        Major::Columns => rows,
    };
    let (line, along) = (i / run, i % run);
    let back = wiring == Wiring::Serpentine && line % 2 == 1;
    match major {
        Major::Rows => {
            let r = if top { line } else { rows - 1 - line };
            let c = if left != back { along } else { cols - 1 - along };
            (c, r)
        }
        Major::Columns => {
            let c = if left { line } else { cols - 1 - line };
            let r = if top != back { along } else { rows - 1 - along };
            (c, r)
        }
    }
}

/// `n` points spaced evenly by arc length along a polyline, the first on its first point and the
/// last on its last.
fn along(points: &[[f32; 2]], n: usize) -> Vec<[f32; 2]> {
    let seg = |w: &[[f32; 2]]| ((w[1][0] - w[0][0]).powi(2) + (w[1][1] - w[0][1]).powi(2)).sqrt();
    let total: f32 = points.windows(2).map(seg).sum();
    let Some(&first) = points.first() else { return Vec::new() };
    if n < 2 || total <= 0.0 {
        return vec![first; n];
    }
    let mut out = Vec::with_capacity(n);
    let (mut seg_i, mut done) = (0, 0.0_f32);
    let last = points.len() - 2;
    for k in 0..n {
        let s = total * k as f32 / (n - 1) as f32;
        // Walk on to the segment holding arc length s (the last one takes any rounding excess).
        while seg_i < last && s > done + seg(&points[seg_i..seg_i + 2]) {
            done += seg(&points[seg_i..seg_i + 2]);
            seg_i += 1;
        }
        let (a, b) = (points[seg_i], points[seg_i + 1]);
        let len = seg(&points[seg_i..seg_i + 2]);
        let t = if len > 0.0 { ((s - done) / len).clamp(0.0, 1.0) } else { 0.0 };
        out.push([a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t]);
    }
    out
}

/// Turn points clockwise (y down) by the placement's rotation about its centre.
fn rotate(points: Vec<[f32; 2]>, p: &Placement) -> Vec<[f32; 2]> {
    if p.rotation == 0.0 {
        return points;
    }
    let (s, c) = p.rotation.to_radians().sin_cos();
    let (cx, cy) = (p.position[0] + p.size[0] / 2.0, p.position[1] + p.size[1] / 2.0);
    points
        .into_iter()
        .map(|[x, y]| {
            let (dx, dy) = (x - cx, y - cy);
            [cx + dx * c - dy * s, cy + dx * s + dy * c]
        })
        .collect()
}

/// The first LED (index, centre) whose centre lies outside the canvas, allowing for rounding.
pub(super) fn off_canvas(f: &Fixture, canvas: [u32; 2]) -> Option<(usize, [f32; 2])> {
    const SLACK: f32 = 1e-3;
    let (w, h) = (canvas[0] as f32, canvas[1] as f32);
    centres(f)
        .into_iter()
        .enumerate()
        .find(|(_, [x, y])| !(-SLACK..=w + SLACK).contains(x) || !(-SLACK..=h + SLACK).contains(y))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serpentine_rows_turn_back_at_each_row_end() {
        let c = |i| cell(i, 4, 3, Wiring::Serpentine, Corner::TopLeft, Major::Rows);
        assert_eq!([c(0), c(3), c(4), c(7), c(8)], [(0, 0), (3, 0), (3, 1), (0, 1), (0, 2)]);
        let p = |i| cell(i, 4, 3, Wiring::Progressive, Corner::BottomRight, Major::Rows);
        assert_eq!([p(0), p(3), p(4)], [(3, 2), (0, 2), (3, 1)]);
        let k = |i| cell(i, 4, 3, Wiring::Serpentine, Corner::TopRight, Major::Columns);
        assert_eq!([k(0), k(2), k(3), k(5), k(6)], [(3, 0), (3, 2), (2, 2), (2, 0), (1, 0)]);
    }

    #[test]
    fn strip_leds_are_even_by_arc_length() {
        // An L of length 100 + 100: 5 LEDs every 50 px, the middle one on the corner.
        let pts = along(&[[0.0, 0.0], [100.0, 0.0], [100.0, 100.0]], 5);
        assert_eq!(pts, vec![[0.0, 0.0], [50.0, 0.0], [100.0, 0.0], [100.0, 50.0], [100.0, 100.0]]);
        assert_eq!(along(&[[3.0, 4.0], [9.0, 4.0]], 1), vec![[3.0, 4.0]]);
    }

    #[test]
    fn rotation_is_clockwise_about_the_centre() {
        let p = Placement { position: [0.0, 0.0], size: [10.0, 10.0], rotation: 90.0 };
        let r = rotate(vec![[10.0, 5.0]], &p);
        assert!((r[0][0] - 5.0).abs() < 1e-4 && (r[0][1] - 10.0).abs() < 1e-4, "{r:?}");
    }
}
