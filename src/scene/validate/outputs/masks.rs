//! Masks of a projector output, rasterised once at load time into one coverage image at the
//! output's resolution (the renderer samples a single texture, however many masks there are).
//! Shapes are anti-aliased from their signed distance: the edge is `feather` pixels wide (at least
//! one, centred on the outline). Images count their luminance times alpha.

use std::sync::Arc;

use super::super::super::model::ImageData;
use super::super::super::projection::MaskImage;

pub(super) enum Shape {
    Image { image: Arc<ImageData>, invert: bool },
    Rect { rect: [f64; 4], feather: f64, invert: bool },
    Ellipse { center: [f64; 2], radius: [f64; 2], feather: f64, invert: bool },
    Polygon { points: Vec<[f64; 2]>, feather: f64, invert: bool },
}

impl Shape {
    /// How much of pixel (x, y) shows, 0..1.
    fn coverage(&self, x: u32, y: u32, width: u32) -> f64 {
        let p = [x as f64 + 0.5, y as f64 + 0.5];
        let soft = |d: f64, feather: f64| (0.5 - d / feather.max(1.0)).clamp(0.0, 1.0);
        let (c, invert) = match self {
            Shape::Image { image, invert } => {
                let i = ((y * width + x) * 4) as usize;
                let px = &image.rgba[i..i + 4];
                let luma = 0.2126 * px[0] as f64 + 0.7152 * px[1] as f64 + 0.0722 * px[2] as f64;
                (luma / 255.0 * px[3] as f64 / 255.0, *invert)
            }
            Shape::Rect { rect: [rx, ry, w, h], feather, invert } => {
                // Signed distance to an axis-aligned box (negative inside).
                let (cx, cy) = (rx + w / 2.0, ry + h / 2.0);
                let (qx, qy) = ((p[0] - cx).abs() - w / 2.0, (p[1] - cy).abs() - h / 2.0);
                let outside = qx.max(0.0).hypot(qy.max(0.0));
                (soft(outside + qx.max(qy).min(0.0), *feather), *invert)
            }
            Shape::Ellipse { center, radius, feather, invert } => {
                let (dx, dy) = ((p[0] - center[0]) / radius[0], (p[1] - center[1]) / radius[1]);
                let f = dx * dx + dy * dy - 1.0;
                // First-order distance: the implicit function over its gradient's length.
                let g = 2.0 * (dx / radius[0]).hypot(dy / radius[1]);
                let d = if g > 1e-12 { f / g } else { -radius[0].min(radius[1]) };
                (soft(d, *feather), *invert)
            }
            Shape::Polygon { points, feather, invert } => (soft(polygon_distance(points, p), *feather), *invert),
        };
        if invert { 1.0 - c } else { c }
    }
}

/// Signed distance from `p` to the polygon's outline: negative inside (even-odd rule).
fn polygon_distance(points: &[[f64; 2]], p: [f64; 2]) -> f64 {
    let mut best = f64::INFINITY;
    let mut inside = false;
    for k in 0..points.len() {
        let a = points[k];
        let b = points[(k + 1) % points.len()];
        let (ex, ey) = (b[0] - a[0], b[1] - a[1]);
        let (wx, wy) = (p[0] - a[0], p[1] - a[1]);
        let len2 = ex * ex + ey * ey;
        let t = if len2 > 0.0 { ((wx * ex + wy * ey) / len2).clamp(0.0, 1.0) } else { 0.0 };
        best = best.min((wx - ex * t).hypot(wy - ey * t));
        if (a[1] > p[1]) != (b[1] > p[1]) && p[0] < a[0] + (p[1] - a[1]) / (b[1] - a[1]) * ex {
            inside = !inside;
        }
    }
    if inside { -best } else { best }
}

/// Every mask multiplied into one coverage image of `size` pixels.
pub(super) fn rasterize(size: [u32; 2], shapes: &[Shape]) -> MaskImage {
    let [w, h] = size;
    let mut coverage = Vec::with_capacity((w * h) as usize);
    for y in 0..h {
        for x in 0..w {
            let c: f64 = shapes.iter().map(|s| s.coverage(x, y, w)).product();
            coverage.push((c * 255.0).round() as u8);
        }
    }
    MaskImage { size, coverage }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(m: &MaskImage, x: u32, y: u32) -> u8 {
        m.coverage[(y * m.size[0] + x) as usize]
    }

    #[test]
    fn shapes_keep_their_inside_and_blacken_the_rest() {
        let rect = Shape::Rect { rect: [10.0, 10.0, 20.0, 10.0], feather: 0.0, invert: false };
        let m = rasterize([40, 40], &[rect]);
        assert_eq!((at(&m, 15, 15), at(&m, 5, 15), at(&m, 15, 25)), (255, 0, 0));
        let ellipse = Shape::Ellipse { center: [20.0, 20.0], radius: [10.0, 5.0], feather: 4.0, invert: true };
        let m = rasterize([40, 40], &[ellipse]);
        assert_eq!((at(&m, 20, 20), at(&m, 2, 2)), (0, 255));
        // The feathered outline is half covered on the ellipse's edge.
        assert!((60..200).contains(&at(&m, 29, 19)), "{}", at(&m, 29, 19));
        let tri = Shape::Polygon { points: vec![[0.0, 0.0], [40.0, 0.0], [0.0, 40.0]], feather: 0.0, invert: false };
        let m = rasterize([40, 40], &[tri]);
        assert_eq!((at(&m, 5, 5), at(&m, 35, 35)), (255, 0));
    }

    #[test]
    fn masks_multiply() {
        let a = Shape::Rect { rect: [0.0, 0.0, 20.0, 40.0], feather: 0.0, invert: false };
        let b = Shape::Rect { rect: [10.0, 0.0, 30.0, 40.0], feather: 0.0, invert: false };
        let m = rasterize([40, 40], &[a, b]);
        assert_eq!((at(&m, 5, 5), at(&m, 15, 5), at(&m, 30, 5)), (0, 255, 0));
    }
}
