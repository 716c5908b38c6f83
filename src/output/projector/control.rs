//! Calibration through the projector outputs' command channel: the moves ([`CalOp`], from keys,
//! the mouse or OSC), the calibration state of every output while `--calibrate` runs, and saving
//! it into the layout files.

use super::calibrate::{Calibration, Changed, Handle};
use super::{Projectors, View};
use crate::scene::projection::ProjectorOutput;

/// One calibration move, from a key, the mouse or OSC. Mouse positions (`Press`, `Drag`) are in
/// the pixels of the output's window; `Nudge` and `MoveTo` are in output pixels (the output's
/// `size`, what the layout file is written in).
#[derive(Debug, Clone, PartialEq)]
pub enum CalOp {
    /// Move the handles to this output (mouse and keys act on it).
    Focus(String),
    /// Focus the next output.
    NextOutput,
    SelectNext,
    SelectPrev,
    /// Move the selected handle by this many output pixels.
    Nudge(f64, f64),
    /// Put a handle at a position, output pixels (OSC: `/quai/calibrate/OUTPUT/corner/N x y`).
    MoveTo {
        output: String,
        handle: Handle,
        pos: [f64; 2],
    },
    Undo,
    Redo,
    ResetSelected,
    ResetAll,
    /// Show the content instead of the test pattern, or back.
    TogglePattern,
    /// Add a 3 × 3 mesh to the focused output (or grow it by a column and a row).
    MeshFiner,
    /// Remove the focused output's mesh.
    RemoveMesh,
    /// Write every changed calibration into its layout file.
    Save,
    /// The mouse went down (`Press`), moved (`Drag`) or up (`Release`) in an output's window,
    /// at this window position.
    Press {
        output: String,
        pos: [f64; 2],
    },
    Drag {
        output: String,
        pos: [f64; 2],
    },
    Release {
        output: String,
    },
}

/// Calibration mode: a calibration per output, which one the handles are on, pattern or content.
pub(super) struct Calibrating {
    pub(super) pattern: bool,
    pub(super) focus: usize,
    pub(super) cals: Vec<Calibration>,
    /// The output whose handle the mouse holds.
    pub(super) dragging: Option<usize>,
}

impl Projectors {
    pub(super) fn calibrate_op(&mut self, op: CalOp) {
        let views = &self.views;
        let Some(c) = &mut self.calibrating else {
            tracing::debug!("calibration move {op:?} ignored: not calibrating (start with --calibrate)");
            return;
        };
        let index = |name: &str| views.iter().position(|v| v.def.name == name);
        // Window pixels of output `i` → its output pixels.
        let to_output = |i: usize, pos: [f64; 2]| {
            let target = views[i].target_size();
            let size = views[i].def.size;
            [pos[0] * size[0] as f64 / target[0].max(1) as f64, pos[1] * size[1] as f64 / target[1].max(1) as f64]
        };
        let focus = c.focus.min(c.cals.len().saturating_sub(1));
        let result: Result<Changed, String> = match op {
            CalOp::Focus(name) => {
                if let Some(i) = index(&name) {
                    c.focus = i;
                }
                Ok(Changed::Selection)
            }
            CalOp::NextOutput => {
                c.focus = (focus + 1) % c.cals.len().max(1);
                tracing::info!("calibrating output `{}`", views[c.focus].def.name);
                Ok(Changed::Selection)
            }
            _ if c.cals.is_empty() => Ok(Changed::Nothing),
            CalOp::SelectNext => Ok(c.cals[focus].select_next()),
            CalOp::SelectPrev => Ok(c.cals[focus].select_prev()),
            CalOp::Nudge(dx, dy) => c.cals[focus].nudge(dx, dy),
            CalOp::MoveTo { output, handle, pos } => match index(&output) {
                Some(i) => c.cals[i].move_to(handle, pos),
                None => Err(format!("calibration: no output `{output}`")),
            },
            CalOp::Undo => Ok(c.cals[focus].undo()),
            CalOp::Redo => Ok(c.cals[focus].redo()),
            CalOp::ResetSelected => c.cals[focus].reset_selected(),
            CalOp::ResetAll => Ok(c.cals[focus].reset_all()),
            CalOp::TogglePattern => {
                c.pattern = !c.pattern;
                Ok(Changed::Selection)
            }
            CalOp::MeshFiner => {
                let cal = &mut c.cals[focus];
                let (columns, rows) = cal.warp().mesh.as_ref().map_or((3, 3), |m| (m.columns + 1, m.rows + 1));
                cal.add_mesh(columns, rows)
            }
            CalOp::RemoveMesh => Ok(c.cals[focus].remove_mesh()),
            CalOp::Save => {
                save(views, &mut c.cals);
                Ok(Changed::Nothing)
            }
            CalOp::Press { output, pos } => match index(&output) {
                Some(i) => {
                    c.focus = i;
                    let p = to_output(i, pos);
                    let radius = 16.0 * views[i].def.size[0] as f64 / views[i].target_size()[0].max(1) as f64;
                    match c.cals[i].pick(p, radius) {
                        Some(h) => {
                            c.dragging = Some(i);
                            c.cals[i].begin_drag(h, p)
                        }
                        None => Ok(c.cals[i].deselect()),
                    }
                }
                None => Ok(Changed::Nothing),
            },
            CalOp::Drag { output, pos } => match (index(&output), c.dragging) {
                (Some(i), Some(d)) if i == d => c.cals[i].drag_to(to_output(i, pos)),
                _ => Ok(Changed::Nothing),
            },
            CalOp::Release { .. } => match c.dragging.take() {
                Some(i) => Ok(c.cals[i].end_drag()),
                None => Ok(Changed::Nothing),
            },
        };
        if let Err(warning) = result {
            tracing::warn!("{warning}");
        }
    }
}

/// Whether `warp` (a calibration's, corners explicit) is what `def` has from its file, to the
/// precision the file is written in.
pub(super) fn same_warp(def: &ProjectorOutput, warp: &crate::scene::projection::Warp) -> bool {
    let file = def.warp.corners.unwrap_or_else(|| def.corners_in(def.size));
    let corners = warp.corners.unwrap_or(file);
    let close = |a: &[f64; 2], b: &[f64; 2], eps: f64| (a[0] - b[0]).abs() <= eps && (a[1] - b[1]).abs() <= eps;
    let meshes = match (&def.warp.mesh, &warp.mesh) {
        (None, None) => true,
        (Some(a), Some(b)) => {
            (a.columns, a.rows, a.interpolation) == (b.columns, b.rows, b.interpolation)
                && a.points.iter().zip(&b.points).all(|(p, q)| close(p, q, 1e-5))
        }
        _ => false,
    };
    meshes && file.iter().zip(&corners).all(|(a, b)| close(a, b, 2e-3))
}

/// Write every changed calibration into the file its output is written in.
fn save(views: &[View], cals: &mut [Calibration]) {
    let mut saved = 0;
    for (v, cal) in views.iter().zip(cals.iter_mut()) {
        if !cal.is_dirty() {
            continue;
        }
        match crate::scene::writeback::save_warp(&v.def.file, &v.def.name, cal.warp()) {
            Ok(()) => {
                cal.mark_saved();
                saved += 1;
                tracing::info!("calibration of `{}` saved to {}", v.def.name, v.def.file.display());
            }
            Err(e) => tracing::error!("calibration of `{}` not saved: {e}", v.def.name),
        }
    }
    if saved == 0 {
        tracing::info!("calibration: nothing changed since the last save");
    }
}

pub(super) fn calibration_help(views: &[View]) -> String {
    let names: Vec<&str> = views.iter().map(|v| v.def.name.as_str()).collect();
    format!(
        "calibrating {}: Tab / Shift+Tab select a handle, arrows move it 1 px (Shift: 10 px, Alt: 0.1 px), \
         drag with the mouse; O next output, P pattern/content, M finer mesh, Shift+M no mesh, R reset handle, \
         Shift+R reset output, Ctrl+Z undo, Ctrl+Shift+Z redo, S save into the layout file, Esc quit",
        names.join(", ")
    )
}
