//! Tests for `warp` (kept beside it, so warp.rs stays the code).
use super::*;

/// Quads from gentle to strongly perspective (one edge a tenth of the opposite one), and a
/// mirrored one (rear projection).
const QUADS: [Corners; 5] = [
    [[0.0, 0.0], [1920.0, 0.0], [1920.0, 1080.0], [0.0, 1080.0]],
    [[12.5, 30.0], [1900.0, 4.0], [1912.0, 1074.25], [3.0, 1060.0]],
    [[800.0, 100.0], [1000.0, 100.0], [1900.0, 1000.0], [20.0, 1070.0]],
    [[0.0, 0.0], [1920.0, 500.0], [1920.0, 580.0], [0.0, 1080.0]],
    [[1920.0, 0.0], [0.0, 0.0], [0.0, 1080.0], [1920.0, 1080.0]],
];
const UNIT: [[f64; 2]; 4] = [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]];

fn grid(columns: u32, rows: u32, interpolation: MeshInterpolation) -> MeshWarp {
    MeshWarp { interpolation, ..MeshWarp::identity(columns, rows) }
}

fn set(m: &mut MeshWarp, i: u32, j: u32, p: [f64; 2]) {
    m.points[(j * m.columns + i) as usize] = p;
}

#[test]
fn corners_land_exactly_on_the_pinned_pixels() {
    for quad in QUADS {
        let h = Homography::from_corners(&quad).unwrap();
        for (uv, px) in UNIT.iter().zip(quad) {
            let got = h.apply(DVec2::from_array(*uv));
            assert!(got.distance(DVec2::from_array(px)) < 1e-9, "{quad:?}: {uv:?} → {got}, not {px:?}");
        }
    }
}

#[test]
fn the_inverse_undoes_the_map() {
    for quad in QUADS {
        let h = Homography::from_corners(&quad).unwrap();
        let back = h.inverse().unwrap();
        for (u, v) in [(0.0, 0.0), (0.3, 0.7), (1.0, 0.5), (0.99, 0.01), (1.5, -0.2)] {
            let p = DVec2::new(u, v);
            let round_trip = back.apply(h.apply(p));
            assert!(round_trip.distance(p) < 1e-12, "{quad:?}: {p} → {round_trip}");
            assert!(back.apply_in_front(h.apply(p)).is_some());
        }
    }
}

#[test]
fn the_ndc_matrix_puts_the_corners_on_the_pinned_pixels_in_clip_space() {
    let quad = QUADS[2];
    let m = Homography::from_corners(&quad).unwrap().to_ndc([1920, 1080]);
    let col = |k: usize| DVec3::new(m[k][0].into(), m[k][1].into(), m[k][2].into());
    assert!(m.iter().all(|c| c[3] == 0.0));
    for (uv, [x, y]) in UNIT.iter().zip(quad) {
        let clip = col(0) * uv[0] + col(1) * uv[1] + col(2);
        let ndc = DVec2::new(clip.x, clip.y) / clip.z;
        let want = DVec2::new(x / 1920.0 * 2.0 - 1.0, 1.0 - y / 1080.0 * 2.0);
        assert!(ndc.distance(want) < 1e-5, "{uv:?}: {ndc} not {want}");
    }
}

#[test]
fn check_quad_accepts_convex_quads_and_names_what_is_wrong_with_the_others() {
    for quad in QUADS {
        assert_eq!(check_quad(&quad), Ok(()), "{quad:?}");
    }
    let [a, b, c, d] = QUADS[1];
    assert_eq!(check_quad(&[a, c, b, d]), Err(QuadProblem::Folded), "top-right and bottom-right swapped");
    assert_eq!(check_quad(&[b, a, c, d]), Err(QuadProblem::Folded), "top corners swapped");
    assert_eq!(check_quad(&[a, b, [300.0, 300.0], d]), Err(QuadProblem::Concave));
    assert_eq!(check_quad(&[a, b, [700.0, 400.0], d]), Err(QuadProblem::Concave));
    let collinear = [[0.0, 0.0], [500.0, 0.0], [1000.0, 0.0], [0.0, 1000.0]];
    assert_eq!(check_quad(&collinear), Err(QuadProblem::Degenerate));
    assert_eq!(check_quad(&[a, a, c, d]), Err(QuadProblem::Degenerate), "two corners coincide");
    assert_eq!(check_quad(&[a, b, c, [f64::NAN, 0.0]]), Err(QuadProblem::Degenerate));
    assert_eq!(Homography::from_corners(&[a, c, b, d]), Err(QuadProblem::Folded));
}

#[test]
fn the_identity_mesh_is_the_identity_bicubic_and_linear() {
    for interpolation in [MeshInterpolation::Bicubic, MeshInterpolation::Linear] {
        for (columns, rows) in [(2, 2), (3, 5), (7, 4), (32, 32)] {
            let m = grid(columns, rows, interpolation);
            for a in 0..=40 {
                for b in 0..=40 {
                    let (u, v) = (f64::from(a) / 40.0, f64::from(b) / 40.0);
                    let [x, y] = mesh_eval(&m, u, v);
                    assert!((x - u).abs() < 1e-14 && (y - v).abs() < 1e-14, "{columns}×{rows} at {u}, {v}: {x}, {y}");
                }
            }
            assert_eq!(mesh_fold(&m), None);
        }
    }
}

#[test]
fn the_surface_passes_through_every_control_point() {
    for interpolation in [MeshInterpolation::Bicubic, MeshInterpolation::Linear] {
        let mut m = grid(5, 4, interpolation);
        for (k, p) in m.points.iter_mut().enumerate() {
            let wobble = (k as f64 * 1.7).sin() * 0.03;
            *p = [p[0] + wobble, p[1] - wobble * 0.5];
        }
        for j in 0..m.rows {
            for i in 0..m.columns {
                let (u, v) = (f64::from(i) / 4.0, f64::from(j) / 3.0);
                let [x, y] = mesh_eval(&m, u, v);
                let [px, py] = m.point(i, j);
                assert!((x - px).abs() < 1e-12 && (y - py).abs() < 1e-12, "point {i}, {j}");
            }
        }
    }
}

#[test]
fn a_moved_point_bends_the_surface_smoothly_across_cell_borders() {
    let mut m = grid(5, 5, MeshInterpolation::Bicubic);
    set(&mut m, 2, 2, [0.55, 0.47]);
    let at = |u: f64, v: f64| DVec2::from_array(mesh_eval(&m, u, v));
    let e = 1e-7;
    // Borders between cells at u = 0.25, 0.5, 0.75 (and the same along v).
    for border in [0.25, 0.5, 0.75] {
        for other in [0.1, 0.4, 0.5, 0.62] {
            let left = (at(border, other) - at(border - e, other)) / e;
            let right = (at(border + e, other) - at(border, other)) / e;
            assert!(left.distance(right) < 1e-5 * left.length().max(1.0), "d/du at u {border}, v {other}");
            let above = (at(other, border) - at(other, border - e)) / e;
            let below = (at(other, border + e) - at(other, border)) / e;
            assert!(above.distance(below) < 1e-5 * above.length().max(1.0), "d/dv at v {border}, u {other}");
            assert!(at(border - e, other).distance(at(border + e, other)) < 1e-6, "C0 at u {border}");
        }
    }
    // It moved near the point, and not at the far border.
    assert!(at(0.5, 0.5).distance(DVec2::new(0.55, 0.47)) < 1e-12);
    assert!(at(0.45, 0.5).x > 0.45);
    assert!(at(0.0, 0.3).distance(DVec2::new(0.0, 0.3)) < 1e-12);
    assert_eq!(mesh_fold(&m), None);
}

#[test]
fn fold_detection_finds_a_point_dragged_across_its_neighbour() {
    for interpolation in [MeshInterpolation::Bicubic, MeshInterpolation::Linear] {
        let mut m = grid(5, 4, interpolation);
        // Point (1, 2) dragged past (2, 2) to its right.
        set(&mut m, 1, 2, [0.6, 2.0 / 3.0]);
        let (i, j) = mesh_fold(&m).expect("a fold");
        assert!((0..=2).contains(&i) && (1..=2).contains(&j), "{interpolation:?}: cell {i}, {j}");
        // Point (3, 1) dragged below (3, 2).
        let mut m = grid(5, 4, interpolation);
        set(&mut m, 3, 1, [0.75, 0.8]);
        assert!(mesh_fold(&m).is_some(), "{interpolation:?}: dragged down");
    }
}

#[test]
fn the_map_is_the_mesh_then_the_corner_pin() {
    let quad = QUADS[2];
    let h = Homography::from_corners(&quad).unwrap();
    let mut m = grid(3, 3, MeshInterpolation::Bicubic);
    set(&mut m, 1, 1, [0.6, 0.5]);
    let got = map(&quad, Some(&m), 0.5, 0.5).unwrap();
    assert!(got.distance(h.apply(DVec2::new(0.6, 0.5))) < 1e-9);
    assert!(map(&quad, None, 1.0, 1.0).unwrap().distance(DVec2::from_array(quad[2])) < 1e-9);
    let [a, b, c, d] = quad;
    assert_eq!(map(&[a, c, b, d], None, 0.5, 0.5), None);
}

#[test]
fn the_mesh_uniform_packs_two_points_per_vec4() {
    let m = grid(3, 2, MeshInterpolation::Linear);
    let uniform = MeshUniform::new(Some(&m));
    assert_eq!(uniform.shape, [3, 2, 0, 0]);
    assert_eq!(uniform.points[0], [0.0, 0.0, 0.5, 0.0]);
    assert_eq!(uniform.points[1], [1.0, 0.0, 0.0, 1.0]);
    assert_eq!(uniform.points[2], [0.5, 1.0, 1.0, 1.0]);
    assert_eq!(MeshUniform::new(None).shape, [0; 4]);
    assert_eq!(std::mem::size_of::<MeshUniform>(), 512 * 16 + 16);
}
