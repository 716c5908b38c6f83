//! The shape and placement of one `[[fixtures]]` entry: a matrix's grid and wiring, a strip's
//! pixels and polyline, a points fixture's CSV file; where it sits on the canvas.

use serde_spanned::Spanned;

use super::super::super::file::{CornerFile, FixtureFile, FixtureKind, MajorFile, PixelsFile, WiringFile};
use super::super::super::led::*;
use super::super::super::load::At;
use super::super::{Ctx, whole};
use super::points_csv::{self, PointsCsv};

const MAX_SIDE: i64 = 4096;
const MAX_MATRIX: i64 = 1_000_000;
const MAX_STRIP: i64 = 100_000;

/// The shape, its placement and (points) the CSV it came from; `None`s after reporting why.
pub(super) fn read(
    cx: &mut Ctx,
    entry: &At<FixtureFile>,
    kind: Option<FixtureKind>,
    name: &Spanned<String>,
    canvas: [u32; 2],
) -> (Option<Shape>, Option<Placement>, Option<PointsCsv>) {
    let (file, f, broken) = (entry.file, &entry.value, &entry.broken);
    let was_broken = |k: &str| broken.iter().any(|b| b == k);
    let n = name.get_ref();
    let here = cx.parsed.sources[file].path.clone();
    let missing = |cx: &mut Ctx, key: &str, example: &str| {
        if !was_broken(key) {
            let kind = kind.map_or("", FixtureKind::word);
            cx.err(file, name.span(), format!("{kind} fixture `{n}` is missing `{key}`"), format!("add {example}"));
        }
    };
    let canvas_f = [canvas[0] as f32, canvas[1] as f32];
    let mut csv = None;
    let shape = match kind {
        None => None,
        Some(FixtureKind::Matrix) => match f.pixels.as_ref().map(|p| (p.span(), *p.get_ref())) {
            None => {
                missing(cx, "pixels", "pixels = [columns, rows], e.g. pixels = [40, 12]");
                None
            }
            Some((at, PixelsFile::Count(c))) => {
                let hint = format!("write pixels = [columns, rows], e.g. [{c}, 1]; or use kind = \"strip\"");
                cx.err(file, at, format!("a matrix's `pixels` is [columns, rows], not one number{}", cx.context), hint);
                None
            }
            Some((at, PixelsFile::Grid([c, r]))) => {
                let sides = [c, r].iter().all(|v| (1..=MAX_SIDE).contains(v));
                if !sides || c * r > MAX_MATRIX {
                    let hint = format!(
                        "columns and rows are 1..{MAX_SIDE} each, at most {MAX_MATRIX} pixels in all; split a larger facade into several fixtures"
                    );
                    cx.err(file, at, format!("matrix pixels [{c}, {r}] is out of range{}", cx.context), hint);
                    None
                } else {
                    Some(Shape::Matrix {
                        columns: c as u32,
                        rows: r as u32,
                        wiring: match f.wiring.as_ref().map(|w| *w.get_ref()) {
                            Some(WiringFile::Progressive) => Wiring::Progressive,
                            _ => Wiring::Serpentine,
                        },
                        start: match f.start.as_ref().map(|s| *s.get_ref()) {
                            Some(CornerFile::TopRight) => Corner::TopRight,
                            Some(CornerFile::BottomLeft) => Corner::BottomLeft,
                            Some(CornerFile::BottomRight) => Corner::BottomRight,
                            Some(CornerFile::TopLeft) | None => Corner::TopLeft,
                        },
                        major: match f.major.as_ref().map(|m| *m.get_ref()) {
                            Some(MajorFile::Columns) => Major::Columns,
                            _ => Major::Rows,
                        },
                    })
                }
            }
        },
        Some(FixtureKind::Strip) => {
            let pixels = match f.pixels.as_ref().map(|p| (p.span(), *p.get_ref())) {
                None => {
                    missing(cx, "pixels", "pixels = 60 (the number of LEDs)");
                    None
                }
                Some((at, PixelsFile::Grid(_))) => {
                    let hint = "write the number of LEDs, e.g. pixels = 60; or use kind = \"matrix\"".to_string();
                    cx.err(file, at, format!("a strip's `pixels` is one number{}", cx.context), hint);
                    None
                }
                Some((at, PixelsFile::Count(c))) => {
                    whole(cx, file, &serde_spanned::Spanned::new(at, c), "strip pixels", 1, MAX_STRIP)
                }
            };
            let points = match &f.points {
                None => {
                    missing(
                        cx,
                        "points",
                        "points = [[x1, y1], [x2, y2]] (canvas pixels; the first LED on the first point)",
                    );
                    None
                }
                Some(p) if p.get_ref().len() < 2 || p.get_ref().iter().flatten().any(|v| !v.is_finite()) => {
                    let hint = "give at least 2 points [x, y] in canvas pixels: the first LED sits on the first, the last LED on the last".to_string();
                    cx.err(file, p.span(), format!("a strip needs at least 2 finite points{}", cx.context), hint);
                    None
                }
                Some(p) => Some(p.get_ref().iter().map(|q| q.map(|v| v as f32)).collect::<Vec<_>>()),
            };
            pixels.zip(points).map(|(pixels, points)| Shape::Strip { pixels: pixels as u32, points })
        }
        Some(FixtureKind::Points) => match &f.csv {
            None => {
                missing(cx, "csv", "csv = \"front-points.csv\" (rows x, y[, name] in canvas pixels)");
                None
            }
            Some(at) => {
                csv = points_csv::read(cx, file, at, &here, &format!("fixture `{n}`"));
                csv.as_ref().map(|c| Shape::Points { points: c.points.clone(), names: c.names.clone() })
            }
        },
    };

    let rotation = f.rotation.as_ref().and_then(|r| cx.ranged(file, r, "rotation", -36000.0, 36000.0)).unwrap_or(0.0);
    let placement = match &shape {
        Some(Shape::Strip { points, .. }) | Some(Shape::Points { points, .. }) => {
            let (lo, hi) = bounds(points);
            Some(Placement { position: lo, size: [hi[0] - lo[0], hi[1] - lo[1]], rotation })
        }
        _ => {
            let position = match &f.position {
                Some(p) if p.get_ref().iter().all(|v| v.is_finite()) => Some(p.get_ref().map(|v| v as f32)),
                Some(p) => {
                    cx.err(file, p.span(), format!("position must be finite numbers [x, y]{}", cx.context), None);
                    None
                }
                None => Some([0.0; 2]),
            };
            let size = match &f.size {
                Some(s) if s.get_ref().iter().all(|v| v.is_finite() && *v > 0.0) => Some(s.get_ref().map(|v| v as f32)),
                Some(s) => {
                    let hint =
                        "the size of the matrix's area on the canvas, [width, height] in canvas pixels".to_string();
                    cx.err(file, s.span(), format!("size must be positive numbers{}", cx.context), hint);
                    None
                }
                None => Some(canvas_f),
            };
            position.zip(size).map(|(position, size)| Placement { position, size, rotation })
        }
    };

    (shape, placement, csv)
}

fn bounds(points: &[[f32; 2]]) -> ([f32; 2], [f32; 2]) {
    let mut lo = [f32::INFINITY; 2];
    let mut hi = [f32::NEG_INFINITY; 2];
    for p in points {
        for k in 0..2 {
            lo[k] = lo[k].min(p[k]);
            hi[k] = hi[k].max(p[k]);
        }
    }
    if points.is_empty() { ([0.0; 2], [0.0; 2]) } else { (lo, hi) }
}
