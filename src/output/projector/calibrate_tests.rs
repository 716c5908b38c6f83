//! Tests for `calibrate` (kept beside it, so calibrate.rs stays the code).
use super::*;

fn output() -> ProjectorOutput {
    ProjectorOutput::whole_canvas("left", "layout.toml".into(), [1920, 1080])
}

fn calibration() -> Calibration {
    Calibration::new(&output())
}

fn corner(c: &Calibration, k: usize) -> [f64; 2] {
    c.warp().corners.unwrap()[k]
}

/// Where the mesh surface puts control point (i, j) on the wall, output pixels.
fn on_wall(c: &Calibration, i: u32, j: u32) -> DVec2 {
    let m = c.warp().mesh.as_ref().unwrap();
    let uv = (f64::from(i) / f64::from(m.columns - 1), f64::from(j) / f64::from(m.rows - 1));
    c.homography().unwrap().apply(DVec2::from_array(mesh_eval(m, uv.0, uv.1)))
}

#[test]
fn calibration_starts_from_the_fitted_corners_and_is_clean() {
    let c = calibration();
    assert_eq!(c.warp().corners, Some([[0.0, 0.0], [1920.0, 0.0], [1920.0, 1080.0], [0.0, 1080.0]]));
    assert!(!c.is_dirty());
    assert_eq!(c.handles().len(), 4);
}

#[test]
fn nudging_a_corner_moves_it_and_makes_the_calibration_dirty() {
    let mut c = calibration();
    c.select(Handle::Corner(1)).unwrap();
    assert_eq!(c.nudge(-8.0, 4.25), Ok(Changed::Warp));
    assert_eq!(corner(&c, 1), [1912.0, 4.25]);
    assert!(c.is_dirty());
    c.mark_saved();
    assert!(!c.is_dirty());
}

#[test]
fn nudging_without_a_selection_says_so() {
    let mut c = calibration();
    let err = c.nudge(1.0, 0.0).unwrap_err();
    assert!(err.contains("`left`") && err.contains("nothing is selected"), "{err}");
}

#[test]
fn a_drag_is_one_undo_step_and_redo_brings_it_back() {
    let mut c = calibration();
    c.move_to(Handle::Corner(0), [5.0, 5.0]).unwrap();
    c.begin_drag(Handle::Corner(2), [1918.0, 1079.0]).unwrap();
    assert_eq!(c.selected(), Some(Handle::Corner(2)));
    for k in 1..=10 {
        c.drag_to([1918.0 - f64::from(k), 1079.0 - f64::from(k)]).unwrap();
    }
    c.end_drag();
    // Grabbed 2 px left and 1 px above the corner: it keeps that offset.
    assert_eq!(corner(&c, 2), [1910.0, 1070.0]);
    assert_eq!(c.undo(), Changed::Warp);
    assert_eq!(corner(&c, 2), [1920.0, 1080.0]);
    assert_eq!(corner(&c, 0), [5.0, 5.0], "the move before the drag is its own step");
    assert_eq!(c.redo(), Changed::Warp);
    assert_eq!(corner(&c, 2), [1910.0, 1070.0]);
    assert_eq!(c.redo(), Changed::Nothing);
    c.undo();
    c.undo();
    assert!(!c.is_dirty());
    assert_eq!(c.undo(), Changed::Nothing);
}

#[test]
fn a_new_edit_clears_redo_and_cancelling_a_drag_puts_the_handle_back() {
    let mut c = calibration();
    c.move_to(Handle::Corner(0), [5.0, 5.0]).unwrap();
    c.undo();
    c.move_to(Handle::Corner(3), [10.0, 1070.0]).unwrap();
    assert_eq!(c.redo(), Changed::Nothing);
    c.begin_drag(Handle::Corner(1), [1920.0, 0.0]).unwrap();
    c.drag_to([1800.0, 50.0]).unwrap();
    assert_eq!(c.cancel_drag(), Changed::Warp);
    assert_eq!(corner(&c, 1), [1920.0, 0.0]);
    c.undo();
    assert!(!c.is_dirty());
}

#[test]
fn a_corner_move_that_would_fold_the_quad_is_refused_and_changes_nothing() {
    let mut c = calibration();
    let before = c.warp().clone();
    let err = c.move_to(Handle::Corner(1), [-100.0, 1000.0]).unwrap_err();
    assert_eq!(err, "`left` corner top-right: refused — the corners would cross over: the picture would be folded");
    let err = c.move_to(Handle::Corner(2), [300.0, 300.0]).unwrap_err();
    assert!(err.contains("corner bottom-right") && err.contains("not be convex"), "{err}");
    assert_eq!(c.warp(), &before);
    assert_eq!(c.undo(), Changed::Nothing, "a refused edit is no undo step");
}

#[test]
fn a_refused_drag_position_keeps_the_last_good_one() {
    let mut c = calibration();
    c.begin_drag(Handle::Corner(0), [0.0, 0.0]).unwrap();
    c.drag_to([100.0, 100.0]).unwrap();
    assert!(c.drag_to([1920.0, 1080.0]).is_err());
    assert_eq!(corner(&c, 0), [100.0, 100.0]);
    c.end_drag();
    c.undo();
    assert_eq!(corner(&c, 0), [0.0, 0.0]);
}

#[test]
fn a_mesh_move_that_would_fold_the_mesh_is_refused_and_changes_nothing() {
    let mut c = calibration();
    c.add_mesh(5, 4).unwrap();
    let before = c.warp().clone();
    // Point (1, 1) sits at x 480; (2, 1) at x 960: drag the first past the second.
    let err = c.move_to(Handle::Mesh(1, 1), [1200.0, 360.0]).unwrap_err();
    assert!(err.starts_with("`left` mesh point (1, 1): refused — the mesh would fold over itself in cell"), "{err}");
    assert_eq!(c.warp(), &before);
}

#[test]
fn mesh_nudges_move_the_point_on_the_wall_by_the_requested_pixels() {
    let mut o = output();
    o.warp.corners = Some([[40.0, 20.0], [1900.0, 90.0], [1800.0, 1000.0], [100.0, 1060.0]]);
    let mut c = Calibration::new(&o);
    c.add_mesh(4, 3).unwrap();
    c.select(Handle::Mesh(2, 1)).unwrap();
    let start = on_wall(&c, 2, 1);
    for (dx, dy) in [(0.25, 0.0), (0.0, -0.25), (10.0, 10.0), (-10.0, 0.0)] {
        let at = on_wall(&c, 2, 1);
        c.nudge(dx, dy).unwrap();
        let moved = on_wall(&c, 2, 1) - at;
        assert!(moved.distance(DVec2::new(dx, dy)) < 1e-6, "nudge {dx}, {dy} moved {moved}");
    }
    assert!((on_wall(&c, 2, 1) - start).distance(DVec2::new(0.25, 9.75)) < 1e-6);
    let handle = c.handles().into_iter().find(|(h, _)| *h == Handle::Mesh(2, 1)).unwrap().1;
    assert!(DVec2::from_array(handle).distance(on_wall(&c, 2, 1)) < 1e-9, "the handle is drawn on the point");
}

#[test]
fn pick_finds_the_nearest_handle_within_the_radius() {
    let mut c = calibration();
    c.add_mesh(3, 3).unwrap();
    assert_eq!(c.pick([5.0, 3.0], 12.0), Some(Handle::Corner(0)));
    assert_eq!(c.pick([20.0, 20.0], 12.0), None);
    assert_eq!(c.pick([955.0, 545.0], 12.0), Some(Handle::Mesh(1, 1)));
    // Between the top-middle mesh point (960, 0) and the top-right corner: the nearer wins.
    assert_eq!(c.pick([1400.0, 0.0], 1000.0), Some(Handle::Mesh(1, 0)));
    assert_eq!(c.pick([1400.0, 0.0], 100.0), None);
}

#[test]
fn selection_cycles_through_corners_then_mesh_points() {
    let mut c = calibration();
    c.add_mesh(2, 2).unwrap();
    let mut seen = Vec::new();
    for _ in 0..9 {
        c.select_next();
        seen.push(c.selected().unwrap());
    }
    let corners = (0..4).map(Handle::Corner);
    let mesh = [(0, 0), (1, 0), (0, 1), (1, 1)].map(|(i, j)| Handle::Mesh(i, j));
    let want: Vec<_> = corners.chain(mesh).chain([Handle::Corner(0)]).collect();
    assert_eq!(seen, want);
    c.select_prev();
    assert_eq!(c.selected(), Some(Handle::Mesh(1, 1)));
    assert!(c.select(Handle::Mesh(5, 0)).is_err());
    assert!(c.select(Handle::Corner(4)).is_err());
}

#[test]
fn resets_put_handles_back_where_an_unwarped_output_has_them() {
    let mut c = calibration();
    c.add_mesh(3, 3).unwrap();
    c.move_to(Handle::Mesh(1, 1), [1000.0, 500.0]).unwrap();
    c.move_to(Handle::Corner(3), [30.0, 1000.0]).unwrap();
    c.select(Handle::Mesh(1, 1)).unwrap();
    c.reset_selected().unwrap();
    assert_eq!(c.warp().mesh.as_ref().unwrap().point(1, 1), [0.5, 0.5]);
    assert_eq!(corner(&c, 3), [30.0, 1000.0]);
    c.move_to(Handle::Mesh(0, 0), [10.0, 10.0]).unwrap();
    assert_eq!(c.reset_all(), Changed::Warp);
    assert_eq!(c.warp().mesh, Some(MeshWarp::identity(3, 3)));
    assert_eq!(corner(&c, 3), [0.0, 1080.0]);
    c.remove_mesh();
    assert!(!c.is_dirty());
    c.undo();
    assert!(c.warp().mesh.is_some());
}

#[test]
fn adding_a_mesh_is_one_step_and_its_size_is_checked() {
    let mut c = calibration();
    assert!(c.add_mesh(1, 5).is_err());
    assert!(c.add_mesh(3, MESH_MAX + 1).is_err());
    assert_eq!(c.add_mesh(3, 3), Ok(Changed::Warp));
    assert_eq!(c.add_mesh(3, 3), Ok(Changed::Nothing));
    assert_eq!(c.handles().len(), 4 + 9);
    c.select(Handle::Mesh(2, 2)).unwrap();
    c.undo();
    assert_eq!(c.warp().mesh, None);
    assert_eq!(c.selected(), None, "the selected mesh point went with the mesh");
}

#[test]
fn a_finer_mesh_keeps_the_picture_where_it_was() {
    let mut c = calibration();
    c.add_mesh(3, 3).unwrap();
    c.move_to(Handle::Mesh(1, 1), [1000.0, 500.0]).unwrap();
    let before = c.warp().mesh.clone().unwrap();
    assert_eq!(c.add_mesh(5, 5), Ok(Changed::Warp));
    let after = c.warp().mesh.as_ref().unwrap();
    assert_eq!((after.columns, after.rows), (5, 5));
    assert_eq!(after.point(2, 2), before.point(1, 1), "a shared point does not move");
    for (u, v) in [(0.25, 0.25), (0.5, 0.75), (0.1, 0.9)] {
        let (a, b) = (DVec2::from(mesh_eval(&before, u, v)), DVec2::from(mesh_eval(after, u, v)));
        assert!(a.distance(b) < 2e-3, "the surface stays close at {u}, {v}: {a} vs {b}");
    }
    c.undo();
    assert_eq!(c.warp().mesh.as_ref(), Some(&before));
}

#[test]
fn a_corner_move_that_would_throw_a_mesh_point_past_the_horizon_is_refused() {
    let mut c = calibration();
    c.add_mesh(2, 2).unwrap();
    // A mesh point far outside the quad (allowed: the picture may spill over its corners).
    c.move_to(Handle::Mesh(1, 1), [3800.0, 2100.0]).unwrap();
    // Pulling the bottom-right corner far out tilts the picture plane until its horizon
    // passes between the quad and that point.
    let err = c.move_to(Handle::Corner(2), [3000.0, 2000.0]).unwrap_err();
    assert!(err.contains("beyond the horizon"), "{err}");
}
