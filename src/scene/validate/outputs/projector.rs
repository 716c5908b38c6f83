//! One `[[outputs]]` entry of kind `window`: a projector (or screen, or headless preview) with its
//! slice of the canvas, resolution, warp, blend and masks, into a `ProjectorOutput`. Geometry is
//! checked the way the renderer will use it: the corner-pin must be a convex quad, the mesh must
//! not fold, masks must match the output's resolution.

use std::path::Path;

use serde_spanned::Spanned;

use super::super::super::file::{
    BlackLevelFile, BlendFile, EdgeFile, InterpolationFile, MaskFile, MeshFile, MissingFile, OutputFile, ShapeFile,
    WarpFile,
};
use super::super::super::load::FileId;
use super::super::super::projection::{
    BlendEdge, Corners, EdgeBlend, MESH_MAX, MaskImage, MeshInterpolation, MeshWarp, MissingMonitor, ProjectorOutput,
    Warp,
};
use super::super::super::source::resolve;
use super::super::{Ctx, MAX_TEXTURE, check_size, layers::load_image, whole};
use super::masks::{Shape, rasterize};
use crate::output::projector::warp::{check_quad, mesh_fold};

pub(super) fn check(
    cx: &mut Ctx,
    file: FileId,
    name: &Spanned<String>,
    o: &OutputFile,
    canvas: [u32; 2],
) -> Option<ProjectorOutput> {
    let n = name.get_ref().clone();
    cx.context = format!(" in output `{n}`");
    let here = cx.parsed.sources[file].path.clone();
    let slice = match &o.slice {
        None => Some([0.0, 0.0, canvas[0] as f64, canvas[1] as f64]),
        Some(s) => check_slice(cx, file, s, &n, canvas),
    };
    let size = match (&o.size, slice) {
        (Some(s), _) => check_size(cx, file, s, "output size"),
        (None, Some([_, _, w, h])) => {
            Some([(w.round() as u32).clamp(1, MAX_TEXTURE), (h.round() as u32).clamp(1, MAX_TEXTURE)])
        }
        (None, None) => None,
    };
    let warp = match &o.warp {
        None => Some(Warp::default()),
        Some(w) => check_warp(cx, file, w.get_ref(), &n),
    };
    let blend = match (&o.blend, slice) {
        (None, _) => Some(EdgeBlend::default()),
        (Some(b), Some(slice)) => check_blend(cx, file, b.get_ref(), &n, slice),
        (Some(_), None) => None,
    };
    let mask = match (&o.masks, size) {
        (Some(m), Some(size)) if !m.get_ref().is_empty() => {
            check_masks(cx, file, m.get_ref(), &n, size, &here).map(Some)
        }
        _ => Some(None),
    };
    Some(ProjectorOutput {
        name: n,
        file: here,
        monitor: o.monitor.as_ref().map(|m| m.get_ref().clone()),
        fullscreen: o.fullscreen.as_ref().is_some_and(|f| *f.get_ref()),
        missing: match o.missing.as_ref().map(|m| *m.get_ref()) {
            Some(MissingFile::Wait) => MissingMonitor::Wait,
            Some(MissingFile::Primary) | None => MissingMonitor::Primary,
        },
        headless: o.headless.as_ref().is_some_and(|h| *h.get_ref()),
        size: size?,
        slice: slice?,
        warp: warp?,
        blend: blend?,
        mask: mask?,
    })
}

fn check_slice(cx: &mut Ctx, file: FileId, s: &Spanned<[f64; 4]>, name: &str, canvas: [u32; 2]) -> Option<[f64; 4]> {
    let [x, y, w, h] = *s.get_ref();
    let [cw, ch] = canvas.map(f64::from);
    if ![x, y, w, h].iter().all(|v| v.is_finite()) || w < 1.0 || h < 1.0 {
        cx.err(
            file,
            s.span(),
            format!("slice [{x}, {y}, {w}, {h}] of output `{name}` has no area"),
            "write it as [x, y, width, height] in canvas pixels, width and height at least 1".to_string(),
        );
        return None;
    }
    if x < 0.0 || y < 0.0 || x + w > cw + 1e-6 || y + h > ch + 1e-6 {
        cx.err(
            file,
            s.span(),
            format!(
                "slice [{x}, {y}, {w}, {h}] of output `{name}` reaches outside the canvas ({}x{})",
                canvas[0], canvas[1]
            ),
            format!(
                "a slice is [x, y, width, height] in canvas pixels and must lie within 0..{} × 0..{}; \
                 x + width is {} and y + height is {}",
                canvas[0],
                canvas[1],
                x + w,
                y + h
            ),
        );
        return None;
    }
    Some([x, y, w, h])
}

fn check_warp(cx: &mut Ctx, file: FileId, w: &WarpFile, name: &str) -> Option<Warp> {
    let corners = match &w.corners {
        None => Some(None),
        Some(c) => check_corners(cx, file, c, name).map(Some),
    };
    let mesh = match &w.mesh {
        None => Some(None),
        Some(m) => check_mesh(cx, file, m, name).map(Some),
    };
    Some(Warp { corners: corners?, mesh: mesh? })
}

fn check_corners(cx: &mut Ctx, file: FileId, c: &Spanned<Vec<Spanned<[f64; 2]>>>, name: &str) -> Option<Corners> {
    let points = c.get_ref();
    if points.len() != 4 {
        cx.err(
            file,
            c.span(),
            format!("corner-pin of output `{name}` has {} corners, not 4", points.len()),
            "write corners = [[x, y], [x, y], [x, y], [x, y]] in output pixels: top-left, top-right, \
             bottom-right, bottom-left"
                .to_string(),
        );
        return None;
    }
    if let Some(bad) = points.iter().find(|p| !p.get_ref().iter().all(|v| v.is_finite() && v.abs() < 1e6)) {
        cx.err(file, bad.span(), format!("corner of output `{name}` is not a usable position"), None);
        return None;
    }
    let corners: Corners = [0, 1, 2, 3].map(|i| *points[i].get_ref());
    if let Err(problem) = check_quad(&corners) {
        cx.err(
            file,
            c.span(),
            format!("corner-pin of output `{name}` is not a usable quad: {}", problem.describe()),
            "the corners go top-left, top-right, bottom-right, bottom-left, clockwise on screen; \
             `quai run SCENE --calibrate` moves them with the mouse and refuses a folded quad"
                .to_string(),
        );
        return None;
    }
    Some(corners)
}

fn check_mesh(cx: &mut Ctx, file: FileId, m: &Spanned<MeshFile>, name: &str) -> Option<MeshWarp> {
    let mf = m.get_ref();
    let dim = |cx: &mut Ctx, v: &Option<Spanned<i64>>, key: &str| match v {
        Some(v) => whole(cx, file, v, &format!("mesh {key}"), 2, MESH_MAX as i64).map(|n| n as u32),
        None => {
            cx.err(
                file,
                m.span(),
                format!("mesh of output `{name}` has no `{key}`"),
                format!("add `{key} = 3` (points along that side, 2..{MESH_MAX})"),
            );
            None
        }
    };
    let columns = dim(cx, &mf.columns, "columns");
    let rows = dim(cx, &mf.rows, "rows");
    let (columns, rows) = (columns?, rows?);
    let mut mesh = MeshWarp::identity(columns, rows);
    if let Some(InterpolationFile::Linear) = mf.interpolation.as_ref().map(|i| *i.get_ref()) {
        mesh.interpolation = MeshInterpolation::Linear;
    }
    if let Some(p) = &mf.points {
        let points = p.get_ref();
        let want = (columns * rows) as usize;
        if points.len() != want {
            cx.err(
                file,
                p.span(),
                format!(
                    "mesh of output `{name}` has {} points; {columns} columns × {rows} rows need {want}",
                    points.len()
                ),
                "list the points row by row from the top, each row left to right; or leave `points` out for the \
                 undeformed grid and let `--calibrate` move them"
                    .to_string(),
            );
            return None;
        }
        if let Some(bad) = points.iter().find(|q| !q.get_ref().iter().all(|v| v.is_finite() && v.abs() < 100.0)) {
            cx.err(
                file,
                bad.span(),
                format!("mesh point of output `{name}` is not a usable position"),
                "mesh points are [u, v] in the corner-pinned quad: 0..1 across it".to_string(),
            );
            return None;
        }
        mesh.points = points.iter().map(|q| *q.get_ref()).collect();
    }
    if let Some((i, j)) = mesh_fold(&mesh) {
        cx.err(
            file,
            mf.points.as_ref().map_or(m.span(), |p| p.span()),
            format!("mesh of output `{name}` folds over itself in cell column {i}, row {j}"),
            "a point has been moved past its neighbour; move it back (`--calibrate` refuses a fold)".to_string(),
        );
        return None;
    }
    Some(mesh)
}

fn check_blend(cx: &mut Ctx, file: FileId, b: &BlendFile, name: &str, slice: [f64; 4]) -> Option<EdgeBlend> {
    let gamma = match &b.gamma {
        Some(g) => f64::from(cx.ranged(file, g, "blend gamma", 1.0, 4.0)?),
        None => 2.2,
    };
    let mut ok = true;
    let mut edges = [None; 4];
    let sides = [
        ("left", &b.left, slice[2]),
        ("right", &b.right, slice[2]),
        ("top", &b.top, slice[3]),
        ("bottom", &b.bottom, slice[3]),
    ];
    for (k, (side, edge, extent)) in sides.into_iter().enumerate() {
        let Some(e) = edge else { continue };
        match check_edge(cx, file, e, side, name, extent, gamma) {
            Some(e) => edges[k] = Some(e),
            None => ok = false,
        }
    }
    for (a, z, extent, across) in [(0, 1, slice[2], "width"), (2, 3, slice[3], "height")] {
        if let (Some(ea), Some(ez)) = (edges[a], edges[z])
            && ea.width + ez.width > extent
        {
            let at = if a == 0 { b.right.as_ref() } else { b.bottom.as_ref() };
            cx.err(
                file,
                at.map_or(0..0, |s| s.span()),
                format!(
                    "the blend zones of output `{name}` overlap: {} + {} is more than the slice's {across} {extent}",
                    ea.width, ez.width
                ),
                "each blend width is the overlap with one neighbour, in canvas pixels of the slice".to_string(),
            );
            ok = false;
        }
    }
    let black_level = match b.black_level.as_ref().map(|s| (*s.get_ref(), s.span())) {
        None => [0.0; 3],
        Some((v, span)) => {
            let rgb = match v {
                BlackLevelFile::All(x) => [x; 3],
                BlackLevelFile::Rgb(c) => c,
            };
            if rgb.iter().any(|c| !c.is_finite() || !(0.0..=0.5).contains(c)) {
                cx.err(
                    file,
                    span,
                    format!("black_level of output `{name}` is out of range"),
                    "it is the projector's black as a share of its white, 0..0.5 (typically 0.002..0.05)".to_string(),
                );
                ok = false;
            }
            rgb
        }
    };
    ok.then_some(EdgeBlend { edges, black_level, gamma })
}

fn check_edge(
    cx: &mut Ctx,
    file: FileId,
    e: &Spanned<EdgeFile>,
    side: &str,
    name: &str,
    extent: f64,
    gamma: f64,
) -> Option<BlendEdge> {
    let ef = e.get_ref();
    let Some(w) = &ef.width else {
        cx.err(
            file,
            e.span(),
            format!("{side} blend edge of output `{name}` has no `width`"),
            "add `width = 200`: the overlap with the neighbouring projector, in canvas pixels".to_string(),
        );
        return None;
    };
    let width = f64::from(cx.ranged(file, w, &format!("{side} blend width"), 1.0, extent)?);
    let curve = match &ef.curve {
        Some(c) => f64::from(cx.ranged(file, c, "blend curve", 1.0, 8.0)?),
        None => 2.0,
    };
    let gamma = match &ef.gamma {
        Some(g) => f64::from(cx.ranged(file, g, "blend gamma", 1.0, 4.0)?),
        None => gamma,
    };
    Some(BlendEdge { width, curve, gamma })
}

fn check_masks(
    cx: &mut Ctx,
    file: FileId,
    masks: &[Spanned<MaskFile>],
    name: &str,
    size: [u32; 2],
    here: &Path,
) -> Option<std::sync::Arc<MaskImage>> {
    let mut shapes = Vec::new();
    let mut ok = true;
    for m in masks {
        match check_mask(cx, file, m, name, size, here) {
            Some(s) => shapes.push(s),
            None => ok = false,
        }
    }
    ok.then(|| std::sync::Arc::new(rasterize(size, &shapes)))
}

fn check_mask(
    cx: &mut Ctx,
    file: FileId,
    m: &Spanned<MaskFile>,
    name: &str,
    size: [u32; 2],
    here: &Path,
) -> Option<Shape> {
    let mf = m.get_ref();
    let invert = mf.invert.as_ref().is_some_and(|i| *i.get_ref());
    let feather = match &mf.feather {
        Some(f) => f64::from(cx.ranged(file, f, "mask feather", 0.0, 4096.0)?),
        None => 0.0,
    };
    let missing = |cx: &mut Ctx, key: &str, example: &str| {
        cx.err(
            file,
            m.span(),
            format!("mask of output `{name}` has no `{key}`"),
            format!("add `{key} = {example}` in output pixels"),
        );
        None
    };
    match (&mf.image, mf.shape.as_ref().map(|s| *s.get_ref())) {
        (Some(_), Some(_)) | (None, None) => {
            cx.err(
                file,
                m.span(),
                format!("mask of output `{name}` needs either `image` or `shape`"),
                "write one [[outputs.masks]] per mask: `image = \"masks/x.png\"`, or `shape = \"rect\"` / \
                 \"ellipse\" / \"polygon\" with its geometry"
                    .to_string(),
            );
            None
        }
        (Some(img), None) => {
            let image = load_image(cx, file, img, here)?;
            if [image.width, image.height] != size {
                cx.err(
                    file,
                    img.span(),
                    format!(
                        "mask {} is {}x{}, but output `{name}` is {}x{}",
                        resolve(here, img.get_ref()).display(),
                        image.width,
                        image.height,
                        size[0],
                        size[1]
                    ),
                    "a mask covers the output pixel for pixel: export it at the output's `size`".to_string(),
                );
                return None;
            }
            Some(Shape::Image { image, invert })
        }
        (None, Some(ShapeFile::Rect)) => match &mf.rect {
            None => missing(cx, "rect", "[x, y, width, height]"),
            Some(r) => Some(Shape::Rect { rect: *r.get_ref(), feather, invert }),
        },
        (None, Some(ShapeFile::Ellipse)) => match (&mf.center, &mf.radius) {
            (None, _) => missing(cx, "center", "[x, y]"),
            (_, None) => missing(cx, "radius", "[rx, ry]"),
            (Some(c), Some(r)) => {
                let r = *r.get_ref();
                if r.iter().any(|v| !v.is_finite() || *v <= 0.0) {
                    cx.err(
                        file,
                        mf.radius.as_ref().map_or(m.span(), |s| s.span()),
                        "ellipse radius must be above 0",
                        None,
                    );
                    return None;
                }
                Some(Shape::Ellipse { center: *c.get_ref(), radius: r, feather, invert })
            }
        },
        (None, Some(ShapeFile::Polygon)) => match &mf.points {
            None => missing(cx, "points", "[[x, y], [x, y], [x, y]]"),
            Some(p) if p.get_ref().len() < 3 => {
                cx.err(
                    file,
                    p.span(),
                    format!("polygon mask of output `{name}` has {} points", p.get_ref().len()),
                    "a polygon needs at least 3 corners".to_string(),
                );
                None
            }
            Some(p) => Some(Shape::Polygon { points: p.get_ref().clone(), feather, invert }),
        },
    }
}
