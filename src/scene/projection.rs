//! Projector outputs as validated: each shows a slice of the canvas at its own resolution,
//! through its own warp (corner-pin, then a mesh), soft-edge blend, black-level lift and mask.
//! Built by validate/outputs/projector.rs from `[[outputs]]` entries of kind `window`; drawn by
//! output/projector/. Positions of a warp are in the output's pixels (`size`), so a calibration
//! reads as "this corner sits at x 1912, y 1074 on the projector".

use std::path::PathBuf;
use std::sync::Arc;

use super::file::Monitor;

/// The corners of an output's picture, in this order: top-left, top-right, bottom-right,
/// bottom-left (clockwise on screen).
pub type Corners = [[f64; 2]; 4];

#[derive(Debug, Clone, PartialEq)]
pub struct ProjectorOutput {
    pub name: String,
    /// The file its `[[outputs]]` entry is written in: where calibration writes the warp back.
    pub file: PathBuf,
    /// The monitor to open on (name substring, or index); `None` = the primary.
    pub monitor: Option<Monitor>,
    pub fullscreen: bool,
    /// What to do when `monitor` is not connected (at start, or unplugged during the show).
    pub missing: MissingMonitor,
    /// Render offscreen only (previews, tests, `quai render --outputs`); never a window.
    pub headless: bool,
    /// The output's resolution in pixels: the window's size when windowed, the size a headless
    /// output and `quai render --outputs` render at, and the pixels `warp` and masks are written in.
    pub size: [u32; 2],
    /// The region of the canvas it shows, canvas pixels: x, y, width, height.
    pub slice: [f64; 4],
    pub warp: Warp,
    pub blend: EdgeBlend,
    /// What of the output shows: 1 = all, 0 = black. Every mask of the entry (images and shapes)
    /// multiplied into one, rasterised at `size`. `None` = no mask.
    pub mask: Option<Arc<MaskImage>>,
}

impl ProjectorOutput {
    /// The output a scene without a window entry gets: the whole canvas in one window.
    pub fn whole_canvas(name: &str, file: PathBuf, canvas: [u32; 2]) -> Self {
        ProjectorOutput {
            name: name.into(),
            file,
            monitor: None,
            fullscreen: false,
            missing: MissingMonitor::Primary,
            headless: false,
            size: canvas,
            slice: [0.0, 0.0, canvas[0] as f64, canvas[1] as f64],
            warp: Warp::default(),
            blend: EdgeBlend::default(),
            mask: None,
        }
    }

    /// The corners the slice lands on in an output of `target` pixels: the written corners scaled
    /// from `size` to `target`, or, without corners, the slice fitted into the output keeping
    /// its aspect ratio (letterboxed, centred).
    pub fn corners_in(&self, target: [u32; 2]) -> Corners {
        let [tw, th] = [target[0] as f64, target[1] as f64];
        match &self.warp.corners {
            Some(c) => {
                let (sx, sy) = (tw / self.size[0] as f64, th / self.size[1] as f64);
                c.map(|[x, y]| [x * sx, y * sy])
            }
            None => {
                let [_, _, w, h] = self.slice;
                let s = (tw / w).min(th / h);
                let (pw, ph) = (w * s, h * s);
                let (x0, y0) = ((tw - pw) / 2.0, (th - ph) / 2.0);
                [[x0, y0], [x0 + pw, y0], [x0 + pw, y0 + ph], [x0, y0 + ph]]
            }
        }
    }
}

impl super::model::Scene {
    /// The window outputs a live run shows: the scene's own, or, for a scene without any, one
    /// window with the whole canvas (named `main`).
    pub fn window_outputs(&self) -> Vec<ProjectorOutput> {
        if self.projectors.is_empty() {
            vec![ProjectorOutput::whole_canvas("main", self.path.clone(), self.canvas)]
        } else {
            self.projectors.clone()
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MissingMonitor {
    /// Open on the primary monitor instead (and say so). The default.
    #[default]
    Primary,
    /// Open no window until the monitor is connected; close it while it is gone.
    Wait,
}

/// Geometry correction: content (u, v) in 0..1 over the slice → the mesh (identity when there is
/// none) → the corner-pin homography → output pixels.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Warp {
    /// Where the slice's corners land, output pixels. `None` = fitted, see [`ProjectorOutput::corners_in`].
    pub corners: Option<Corners>,
    pub mesh: Option<MeshWarp>,
}

/// A grid of control points inside the corner-pinned quad, in its unit square: (0, 0) is the
/// top-left corner, (1, 1) the bottom-right; the identity grid has point (i, j) at
/// (i / (columns - 1), j / (rows - 1)). The surface passes through every point.
#[derive(Debug, Clone, PartialEq)]
pub struct MeshWarp {
    /// Points per row, 2..=MESH_MAX.
    pub columns: u32,
    /// Points per column, 2..=MESH_MAX.
    pub rows: u32,
    /// `columns × rows` points, row by row from the top, each row left to right.
    pub points: Vec<[f64; 2]>,
    pub interpolation: MeshInterpolation,
}

/// The most control points along either side of a mesh.
pub const MESH_MAX: u32 = 32;

impl MeshWarp {
    /// The undeformed grid.
    pub fn identity(columns: u32, rows: u32) -> Self {
        let points = (0..rows)
            .flat_map(|j| (0..columns).map(move |i| [i as f64 / (columns - 1) as f64, j as f64 / (rows - 1) as f64]))
            .collect();
        MeshWarp { columns, rows, points, interpolation: MeshInterpolation::Bicubic }
    }

    pub fn point(&self, i: u32, j: u32) -> [f64; 2] {
        self.points[(j * self.columns + i) as usize]
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MeshInterpolation {
    /// Catmull-Rom between the points: smooth, and through every point. The default.
    #[default]
    Bicubic,
    /// Straight between the points (a visible kink at each one).
    Linear,
}

/// Soft-edge blending and black-level compensation.
#[derive(Debug, Clone, PartialEq)]
pub struct EdgeBlend {
    /// In this order: left, right, top, bottom. `None` = a hard edge.
    pub edges: [Option<BlendEdge>; 4],
    /// The black the projector shows for a black pixel, as a share of its white (linear light,
    /// 0..0.5, per colour): the area outside every blend zone is lifted by it, so the overlap
    /// (where two projectors' black adds up) does not show as a lighter band in dark scenes.
    pub black_level: [f64; 3],
    /// The projector's gamma, used for the lift (and for edges that do not set their own).
    pub gamma: f64,
}

impl Default for EdgeBlend {
    fn default() -> Self {
        EdgeBlend { edges: [None; 4], black_level: [0.0; 3], gamma: 2.2 }
    }
}

impl EdgeBlend {
    pub fn is_none(&self) -> bool {
        self.edges.iter().all(Option::is_none) && self.black_level == [0.0; 3]
    }
}

/// One blended edge: across `width` canvas pixels from the slice's edge inward, the light falls
/// from full to nothing along `ramp(x, curve)` (x = 0 at the edge, 1 at the inner end), so the
/// neighbour's mirrored ramp adds up to full light; pixels are raised to 1/gamma to send that
/// light through the projector's gamma.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BlendEdge {
    /// Canvas pixels of the slice (the overlap with the neighbouring projector).
    pub width: f64,
    /// The ramp's exponent, 1..8: 1 = linear, 2 = the default S-curve, higher = steeper middle.
    pub curve: f64,
    /// The projector's gamma for this edge, 1..4.
    pub gamma: f64,
}

/// The light share at `x` across a blend zone (0 = the slice's edge, 1 = its inner end), with
/// `ramp(x) + ramp(1 - x) = 1` for every x, so two mirrored ramps add up to full light.
pub fn ramp(x: f64, curve: f64) -> f64 {
    let x = x.clamp(0.0, 1.0);
    if x < 0.5 { 0.5 * (2.0 * x).powf(curve) } else { 1.0 - 0.5 * (2.0 * (1.0 - x)).powf(curve) }
}

/// A mask at the output's resolution: one byte per pixel, 255 = the content shows, 0 = black.
#[derive(Clone, PartialEq, Eq)]
pub struct MaskImage {
    pub size: [u32; 2],
    pub coverage: Vec<u8>,
}

impl std::fmt::Debug for MaskImage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "MaskImage({}x{})", self.size[0], self.size[1])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ramps_of_a_shared_overlap_add_up_to_full_light() {
        for curve in [1.0, 2.0, 3.5, 8.0] {
            for i in 0..=100 {
                let x = f64::from(i) / 100.0;
                assert!((ramp(x, curve) + ramp(1.0 - x, curve) - 1.0).abs() < 1e-12, "curve {curve} x {x}");
            }
            assert_eq!(ramp(0.0, curve), 0.0);
            assert_eq!(ramp(1.0, curve), 1.0);
        }
    }

    #[test]
    fn unwarped_slices_are_letterboxed_and_written_corners_scale_with_the_target() {
        let mut o = ProjectorOutput::whole_canvas("main", "s.toml".into(), [200, 100]);
        assert_eq!(o.corners_in([400, 400]), [[0.0, 100.0], [400.0, 100.0], [400.0, 300.0], [0.0, 300.0]]);
        o.warp.corners = Some([[10.0, 0.0], [200.0, 0.0], [200.0, 100.0], [0.0, 100.0]]);
        assert_eq!(o.corners_in([400, 200])[0], [20.0, 0.0]);
    }
}
