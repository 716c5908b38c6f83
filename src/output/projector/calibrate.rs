//! Calibrating one projector output: the warp being edited, the selected handle, undo and redo.
//! The technician moves corner-pin corners and mesh points with the keyboard, the mouse or OSC;
//! every edit is checked before it is applied, so the picture on the wall is always a drawable
//! warp, and a refused edit says why in a sentence naming the output and the handle. Pure state,
//! no window or GPU: the caller (the calibration overlay on the main thread) re-uploads the warp
//! when a method answers [`Changed::Warp`], and writes it back with `scene::writeback`.

use glam::DVec2;

use super::warp::{Homography, mesh_eval, mesh_fold};
use crate::scene::projection::{Corners, MESH_MAX, MeshWarp, ProjectorOutput, Warp};

/// Something the technician can grab.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Handle {
    /// A corner of the corner-pin, 0..4: top-left, top-right, bottom-right, bottom-left.
    Corner(usize),
    /// Mesh point (column, row), from the top-left.
    Mesh(u32, u32),
}

const CORNER_NAMES: [&str; 4] = ["top-left", "top-right", "bottom-right", "bottom-left"];

impl std::fmt::Display for Handle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Handle::Corner(k) => match CORNER_NAMES.get(*k) {
                Some(name) => write!(f, "corner {name}"),
                None => write!(f, "corner {k}"),
            },
            Handle::Mesh(i, j) => write!(f, "mesh point ({i}, {j})"),
        }
    }
}

/// What an edit changed, so the caller knows what to redraw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Changed {
    /// The warp: upload it again (and redraw the handles).
    Warp,
    /// Only the selection: redraw the handles.
    Selection,
    Nothing,
}

/// How many edits undo remembers; older ones are forgotten (a 32 × 32 mesh is 16 KiB a step).
pub const UNDO_DEPTH: usize = 256;

/// The calibration of one output.
#[derive(Debug, Clone)]
pub struct Calibration {
    output: String,
    size: [u32; 2],
    warp: Warp,
    /// What the file holds (or held at the last save): `is_dirty` compares against it.
    saved: Warp,
    /// Where `reset` puts the corners: the slice fitted into the output, as without a warp.
    fitted: Corners,
    selected: Option<Handle>,
    undo: Vec<Warp>,
    redo: Vec<Warp>,
    drag: Option<Drag>,
}

/// A drag in progress: one undo step however many `drag_to` it takes.
#[derive(Debug, Clone)]
struct Drag {
    handle: Handle,
    before: Warp,
    /// From the pointer to the handle when it was grabbed, so the handle does not jump.
    offset: DVec2,
}

impl Calibration {
    /// Starts calibrating `output` from its current warp, with the corners made explicit.
    pub fn new(output: &ProjectorOutput) -> Calibration {
        let corners = output.corners_in(output.size);
        let warp = Warp { corners: Some(corners), mesh: output.warp.mesh.clone() };
        let unwarped = ProjectorOutput { warp: Warp::default(), ..output.clone() };
        Calibration {
            output: output.name.clone(),
            size: output.size,
            saved: warp.clone(),
            warp,
            fitted: unwarped.corners_in(output.size),
            selected: None,
            undo: Vec::new(),
            redo: Vec::new(),
            drag: None,
        }
    }

    pub fn output(&self) -> &str {
        &self.output
    }

    pub fn size(&self) -> [u32; 2] {
        self.size
    }

    pub fn warp(&self) -> &Warp {
        &self.warp
    }

    pub fn selected(&self) -> Option<Handle> {
        self.selected
    }

    /// Whether the warp differs from what the file holds.
    pub fn is_dirty(&self) -> bool {
        self.warp != self.saved
    }

    /// The warp was written to the file: it is the new clean state.
    pub fn mark_saved(&mut self) {
        self.saved = self.warp.clone();
    }

    /// The corner-pin of the current warp (always valid: edits that would break it are refused).
    pub fn homography(&self) -> Option<Homography> {
        Homography::from_corners(&self.corners()).ok()
    }

    /// Every handle and where it sits, output pixels: the corners, then the mesh points row by
    /// row, each through the corner-pin.
    pub fn handles(&self) -> Vec<(Handle, [f64; 2])> {
        let corners = self.corners();
        let mut all: Vec<_> = (0..4).map(|k| (Handle::Corner(k), corners[k])).collect();
        if let (Some(m), Some(h)) = (&self.warp.mesh, self.homography()) {
            for j in 0..m.rows {
                for i in 0..m.columns {
                    let p = h.apply(DVec2::from_array(m.point(i, j)));
                    all.push((Handle::Mesh(i, j), p.to_array()));
                }
            }
        }
        all
    }

    /// The handle nearest to `pos_px` within `radius_px`; on a tie, the first (corners first).
    pub fn pick(&self, pos_px: [f64; 2], radius_px: f64) -> Option<Handle> {
        let pos = DVec2::from_array(pos_px);
        let distance = |p: &[f64; 2]| DVec2::from_array(*p).distance(pos);
        let within = self.handles().into_iter().filter(|(_, p)| distance(p) <= radius_px);
        within.min_by(|a, b| distance(&a.1).total_cmp(&distance(&b.1))).map(|(handle, _)| handle)
    }

    pub fn select(&mut self, handle: Handle) -> Result<Changed, String> {
        self.position(handle)?;
        Ok(self.set_selection(Some(handle)))
    }

    pub fn deselect(&mut self) -> Changed {
        self.set_selection(None)
    }

    /// The next handle: the corners clockwise, then the mesh points row by row, then round again.
    pub fn select_next(&mut self) -> Changed {
        self.step_selection(1)
    }

    pub fn select_prev(&mut self) -> Changed {
        self.step_selection(-1)
    }

    /// Moves the selected handle by (dx, dy) output pixels (the caller picks fine or coarse
    /// steps). A mesh point moves so that its spot on the wall moves by exactly that much.
    pub fn nudge(&mut self, dx: f64, dy: f64) -> Result<Changed, String> {
        let Some(handle) = self.selected else {
            return Err(format!("`{}`: nothing is selected to move: pick a corner or a mesh point first", self.output));
        };
        let at = DVec2::from_array(self.position(handle)?);
        let warp = self.moved(handle, at + DVec2::new(dx, dy))?;
        Ok(self.commit(warp))
    }

    /// Moves `handle` so it sits at `pos_px` (output pixels): one undo step.
    pub fn move_to(&mut self, handle: Handle, pos_px: [f64; 2]) -> Result<Changed, String> {
        let warp = self.moved(handle, DVec2::from_array(pos_px))?;
        Ok(self.commit(warp))
    }

    /// Grabs `handle` with the pointer at `grab_px` and selects it. The drag is one undo step.
    pub fn begin_drag(&mut self, handle: Handle, grab_px: [f64; 2]) -> Result<Changed, String> {
        let at = DVec2::from_array(self.position(handle)?);
        self.end_drag();
        let offset = at - DVec2::from_array(grab_px);
        self.drag = Some(Drag { handle, before: self.warp.clone(), offset });
        Ok(self.set_selection(Some(handle)))
    }

    /// The pointer moved to `pos_px`. A refused position leaves the handle where it last was
    /// allowed to be, and the drag goes on.
    pub fn drag_to(&mut self, pos_px: [f64; 2]) -> Result<Changed, String> {
        let Some(drag) = &self.drag else { return Ok(Changed::Nothing) };
        let target = DVec2::from_array(pos_px) + drag.offset;
        let warp = self.moved(drag.handle, target)?;
        Ok(self.replace(warp))
    }

    /// The pointer let go: the whole drag becomes one undo step (none if nothing moved).
    pub fn end_drag(&mut self) -> Changed {
        let Some(drag) = self.drag.take() else { return Changed::Nothing };
        if drag.before == self.warp {
            return Changed::Nothing;
        }
        self.push_undo(drag.before);
        self.redo.clear();
        Changed::Nothing
    }

    /// Escape during a drag: the handle goes back to where it was grabbed.
    pub fn cancel_drag(&mut self) -> Changed {
        match self.drag.take() {
            Some(drag) => self.replace(drag.before),
            None => Changed::Nothing,
        }
    }

    /// Puts the selected handle back where an unwarped output has it: a corner on the fitted
    /// slice, a mesh point on the regular grid.
    pub fn reset_selected(&mut self) -> Result<Changed, String> {
        let Some(handle) = self.selected else { return Ok(Changed::Nothing) };
        let mut warp = self.warp.clone();
        match handle {
            Handle::Corner(k) => self.corners_mut(&mut warp)[k] = self.fitted[k],
            Handle::Mesh(i, j) => {
                if let Some(m) = &mut warp.mesh {
                    let home = MeshWarp::identity(m.columns, m.rows).point(i, j);
                    m.points[(j * m.columns + i) as usize] = home;
                }
            }
        }
        self.check(handle, &warp)?;
        Ok(self.commit(warp))
    }

    /// The fitted corners and, if there is a mesh, the regular grid (its size kept).
    pub fn reset_all(&mut self) -> Changed {
        let mesh = self
            .warp
            .mesh
            .as_ref()
            .map(|m| MeshWarp { interpolation: m.interpolation, ..MeshWarp::identity(m.columns, m.rows) });
        self.commit(Warp { corners: Some(self.fitted), mesh })
    }

    /// Back to what the file holds (one undo step, so it can be undone).
    pub fn revert(&mut self) -> Changed {
        self.commit(self.saved.clone())
    }

    /// Gives the warp a `columns × rows` mesh (2..=MESH_MAX each): the regular grid if it has
    /// none; otherwise the current mesh resampled onto the new grid, so refining keeps the
    /// picture where it is (the new points are taken from the current surface, and the points
    /// the two grids share do not move).
    pub fn add_mesh(&mut self, columns: u32, rows: u32) -> Result<Changed, String> {
        if !(2..=MESH_MAX).contains(&columns) || !(2..=MESH_MAX).contains(&rows) {
            return Err(format!(
                "`{}`: a {columns}×{rows} mesh is not possible: 2 to {MESH_MAX} points each way",
                self.output
            ));
        }
        let mesh = match &self.warp.mesh {
            None => MeshWarp::identity(columns, rows),
            Some(m) if (m.columns, m.rows) == (columns, rows) => return Ok(Changed::Nothing),
            Some(m) => {
                let grid = MeshWarp::identity(columns, rows);
                let points = grid.points.iter().map(|[u, v]| mesh_eval(m, *u, *v)).collect();
                MeshWarp { points, interpolation: m.interpolation, ..grid }
            }
        };
        let warp = Warp { mesh: Some(mesh), ..self.warp.clone() };
        self.check_mesh_change(&warp)?;
        Ok(self.commit(warp))
    }

    pub fn remove_mesh(&mut self) -> Changed {
        if self.warp.mesh.is_none() {
            return Changed::Nothing;
        }
        self.commit(Warp { mesh: None, ..self.warp.clone() })
    }

    /// Undoes the last edit (during a drag: the drag so far).
    pub fn undo(&mut self) -> Changed {
        if self.drag.is_some() {
            return self.cancel_drag();
        }
        let Some(warp) = self.undo.pop() else { return Changed::Nothing };
        self.redo.push(std::mem::replace(&mut self.warp, warp));
        self.forget_lost_selection();
        Changed::Warp
    }

    pub fn redo(&mut self) -> Changed {
        self.end_drag();
        let Some(warp) = self.redo.pop() else { return Changed::Nothing };
        let before = std::mem::replace(&mut self.warp, warp);
        self.push_undo(before);
        self.forget_lost_selection();
        Changed::Warp
    }

    fn corners(&self) -> Corners {
        self.warp.corners.unwrap_or(self.fitted)
    }

    fn corners_mut<'w>(&self, warp: &'w mut Warp) -> &'w mut Corners {
        warp.corners.get_or_insert(self.fitted)
    }

    /// Where `handle` sits, output pixels; a sentence if the warp has no such handle.
    fn position(&self, handle: Handle) -> Result<[f64; 2], String> {
        let found = self.handles().into_iter().find(|(h, _)| *h == handle);
        found.map(|(_, p)| p).ok_or_else(|| format!("`{}` has no {handle}", self.output))
    }

    /// The warp with `handle` at `target` (output pixels), if that is a drawable warp.
    fn moved(&self, handle: Handle, target: DVec2) -> Result<Warp, String> {
        self.position(handle)?;
        let mut warp = self.warp.clone();
        match handle {
            Handle::Corner(k) => self.corners_mut(&mut warp)[k] = target.to_array(),
            Handle::Mesh(i, j) => {
                let back = self.homography().and_then(|h| h.inverse());
                let Some(p) = back.and_then(|b| b.apply_in_front(target)) else {
                    return Err(self.refusal(handle, "the point would lie beyond the horizon of the corner-pin"));
                };
                if let Some(m) = &mut warp.mesh {
                    m.points[(j * m.columns + i) as usize] = p.to_array();
                }
            }
        }
        self.check(handle, &warp)?;
        Ok(warp)
    }

    /// Whether `warp` (after moving `handle`) is drawable: a convex quad, every mesh point in
    /// front of its horizon, and a mesh that does not fold.
    fn check(&self, handle: Handle, warp: &Warp) -> Result<(), String> {
        let corners = warp.corners.unwrap_or(self.fitted);
        let h = Homography::from_corners(&corners).map_err(|problem| self.refusal(handle, problem.describe_move()))?;
        let Some(m) = &warp.mesh else { return Ok(()) };
        if m.points.iter().any(|p| h.apply_in_front(DVec2::from_array(*p)).is_none()) {
            return Err(self.refusal(handle, "a mesh point would fall beyond the horizon of the corner-pin"));
        }
        match mesh_fold(m) {
            Some((i, j)) => Err(self.refusal(handle, &format!("the mesh would fold over itself in cell ({i}, {j})"))),
            None => Ok(()),
        }
    }

    /// [`Calibration::check`] for an edit of the whole mesh (no one handle moved).
    fn check_mesh_change(&self, warp: &Warp) -> Result<(), String> {
        self.check(Handle::Corner(0), warp).map_err(|_| {
            format!("`{}` mesh: refused — the resampled mesh would fold over itself or leave the picture", self.output)
        })
    }

    fn refusal(&self, handle: Handle, why: &str) -> String {
        format!("`{}` {handle}: refused — {why}", self.output)
    }

    /// Applies an edit as one undo step (inside a drag, as part of the drag's step).
    fn commit(&mut self, warp: Warp) -> Changed {
        if warp == self.warp {
            return Changed::Nothing;
        }
        if self.drag.is_none() {
            let before = std::mem::replace(&mut self.warp, warp);
            self.push_undo(before);
            self.redo.clear();
        } else {
            self.warp = warp;
        }
        self.forget_lost_selection();
        Changed::Warp
    }

    /// Applies an edit without an undo step (a drag's intermediate positions).
    fn replace(&mut self, warp: Warp) -> Changed {
        if warp == self.warp {
            return Changed::Nothing;
        }
        self.warp = warp;
        Changed::Warp
    }

    fn push_undo(&mut self, warp: Warp) {
        if self.undo.len() == UNDO_DEPTH {
            self.undo.remove(0);
        }
        self.undo.push(warp);
    }

    fn set_selection(&mut self, handle: Option<Handle>) -> Changed {
        if self.selected == handle {
            return Changed::Nothing;
        }
        self.selected = handle;
        Changed::Selection
    }

    fn step_selection(&mut self, step: isize) -> Changed {
        let all: Vec<Handle> = self.handles().into_iter().map(|(h, _)| h).collect();
        let now = self.selected.and_then(|s| all.iter().position(|h| *h == s));
        let n = all.len() as isize;
        let next = match now {
            Some(k) => (k as isize + step).rem_euclid(n),
            None if step > 0 => 0,
            None => n - 1,
        };
        self.set_selection(all.get(next as usize).copied())
    }

    /// After undo or a removed mesh, a selected mesh point may no longer exist.
    fn forget_lost_selection(&mut self) {
        if let Some(handle) = self.selected
            && self.position(handle).is_err()
        {
            self.selected = None;
        }
    }
}

#[cfg(test)]
#[path = "calibrate_tests.rs"]
mod tests;
