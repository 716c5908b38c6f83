//! Tests of the LED geometry (run by `cargo test` on its test threads).

use super::*;
use crate::scene::led::{ColorOrder, Depth};

fn fixture(shape: Shape, placement: Placement, sample: Sample) -> Fixture {
    Fixture {
        name: "f".into(),
        shape,
        placement,
        universe: 1,
        channel: 1,
        order: ColorOrder::Rgb,
        depth: Depth::Bits8,
        gamma: 1.0,
        white_balance: [1.0; 3],
        brightness: 1.0,
        power_limit: 1.0,
        sample,
    }
}

fn place(position: [f32; 2], size: [f32; 2], rotation: f32) -> Placement {
    Placement { position, size, rotation }
}

fn close(a: [f32; 2], b: [f32; 2]) -> bool {
    (a[0] - b[0]).abs() < 1e-4 && (a[1] - b[1]).abs() < 1e-4
}

/// Every start corner × major × wiring of a 3×2 grid: the chain visits the cells in exactly the
/// order written out here (index → (column, row)), so a facade wired either way shows the canvas
/// the right way round.
#[test]
fn matrix_wiring_tables() {
    use Corner::*;
    use Major::*;
    use Wiring::*;
    /// (column, row) of chain index 0..6.
    type Order = [(u32, u32); 6];
    let cases: &[(Corner, Major, Wiring, Order)] = &[
        (TopLeft, Rows, Progressive, [(0, 0), (1, 0), (2, 0), (0, 1), (1, 1), (2, 1)]),
        (TopLeft, Rows, Serpentine, [(0, 0), (1, 0), (2, 0), (2, 1), (1, 1), (0, 1)]),
        (TopRight, Rows, Progressive, [(2, 0), (1, 0), (0, 0), (2, 1), (1, 1), (0, 1)]),
        (TopRight, Rows, Serpentine, [(2, 0), (1, 0), (0, 0), (0, 1), (1, 1), (2, 1)]),
        (BottomLeft, Rows, Progressive, [(0, 1), (1, 1), (2, 1), (0, 0), (1, 0), (2, 0)]),
        (BottomLeft, Rows, Serpentine, [(0, 1), (1, 1), (2, 1), (2, 0), (1, 0), (0, 0)]),
        (BottomRight, Rows, Progressive, [(2, 1), (1, 1), (0, 1), (2, 0), (1, 0), (0, 0)]),
        (BottomRight, Rows, Serpentine, [(2, 1), (1, 1), (0, 1), (0, 0), (1, 0), (2, 0)]),
        (TopLeft, Columns, Progressive, [(0, 0), (0, 1), (1, 0), (1, 1), (2, 0), (2, 1)]),
        (TopLeft, Columns, Serpentine, [(0, 0), (0, 1), (1, 1), (1, 0), (2, 0), (2, 1)]),
        (TopRight, Columns, Progressive, [(2, 0), (2, 1), (1, 0), (1, 1), (0, 0), (0, 1)]),
        (TopRight, Columns, Serpentine, [(2, 0), (2, 1), (1, 1), (1, 0), (0, 0), (0, 1)]),
        (BottomLeft, Columns, Progressive, [(0, 1), (0, 0), (1, 1), (1, 0), (2, 1), (2, 0)]),
        (BottomLeft, Columns, Serpentine, [(0, 1), (0, 0), (1, 0), (1, 1), (2, 1), (2, 0)]),
        (BottomRight, Columns, Progressive, [(2, 1), (2, 0), (1, 1), (1, 0), (0, 1), (0, 0)]),
        (BottomRight, Columns, Serpentine, [(2, 1), (2, 0), (1, 0), (1, 1), (0, 1), (0, 0)]),
    ];
    for &(start, major, wiring, table) in cases {
        let shape = Shape::Matrix { columns: 3, rows: 2, wiring, start, major };
        // One canvas pixel per cell: cell (c, r) has its centre at (c + 0.5, r + 0.5).
        let px = pixels(&fixture(shape, place([0.0, 0.0], [3.0, 2.0], 0.0), Sample::Point));
        let got: Vec<(u32, u32)> = px.iter().map(|p| (p.center[0] as u32, p.center[1] as u32)).collect();
        assert_eq!(got, table, "{start:?} {major:?} {wiring:?}");
        assert!(px.iter().all(|p| p.center[0].fract() == 0.5 && p.center[1].fract() == 0.5));
    }
}

/// A strip along a two-segment polyline (0,0)→(6,0)→(6,4), 10 px long, with 6 LEDs: spacing
/// 10 / 5 = 2 by arc length, across the corner; footprint half the spacing (1) along the local
/// segment and across it. A single LED sits on the first point.
#[test]
fn strip_spacing_follows_arc_length() {
    let points = vec![[0.0, 0.0], [6.0, 0.0], [6.0, 4.0]];
    let f = fixture(Shape::Strip { pixels: 6, points: points.clone() }, bounds(&points), Sample::Area);
    let px = pixels(&f);
    let want = [[0.0, 0.0], [2.0, 0.0], [4.0, 0.0], [6.0, 0.0], [6.0, 2.0], [6.0, 4.0]];
    assert_eq!(px.len(), 6);
    for (p, w) in px.iter().zip(want) {
        assert!(close(p.center, w), "{:?} != {w:?}", p.center);
    }
    // First segment runs +x: u = (1, 0), v = (0, 1) (u turned 90° clockwise).
    assert!(close(px[1].u, [1.0, 0.0]) && close(px[1].v, [0.0, 1.0]));
    // Second segment runs +y: u = (0, 1), v = (-1, 0).
    assert!(close(px[4].u, [0.0, 1.0]) && close(px[4].v, [-1.0, 0.0]));
    let one = pixels(&fixture(Shape::Strip { pixels: 1, points }, f.placement, Sample::Point));
    assert_eq!(one, vec![LedPixel::new([0.0, 0.0], [0.0; 2], [0.0; 2])]);
}

/// 90° clockwise about the placement centre on a y-down canvas: a 2×1 matrix in (0,0)+(4,2) has
/// centres (1,1) and (3,1) about the centre (2,1); the left one turns to above the centre (2,0),
/// the right one to below (2,2), and the cell's half-extents (1,0), (0,1) to (0,1), (-1,0).
#[test]
fn rotation_is_clockwise_about_the_centre() {
    let shape =
        Shape::Matrix { columns: 2, rows: 1, wiring: Wiring::Progressive, start: Corner::TopLeft, major: Major::Rows };
    let px = pixels(&fixture(shape.clone(), place([0.0, 0.0], [4.0, 2.0], 90.0), Sample::Area));
    assert_eq!(px[0], LedPixel::new([2.0, 0.0], [0.0, 1.0], [-1.0, 0.0]));
    assert_eq!(px[1], LedPixel::new([2.0, 2.0], [0.0, 1.0], [-1.0, 0.0]));
    // 45°: (1,1) is 1 left of the centre; it turns to (2 - cos45, 1 - sin45).
    let px = pixels(&fixture(shape, place([0.0, 0.0], [4.0, 2.0], 45.0), Sample::Point));
    let h = std::f32::consts::FRAC_1_SQRT_2;
    assert!(close(px[0].center, [2.0 - h, 1.0 - h]), "{:?}", px[0].center);
}

/// Area footprints: half a cell each way in a matrix (a 4×2 grid over 8×6: cells 2×3, so (1,0)
/// and (0,1.5)); nothing for point sampling; for a point list half the distance to the nearest
/// other point ((0,0),(4,0),(4,3): nearest 4, 3, 3 → 2, 1.5, 1.5), a lone point half the
/// placement's smaller side (10×6 → 3), or 0.5 when that is 0.
#[test]
fn footprints() {
    let shape =
        Shape::Matrix { columns: 4, rows: 2, wiring: Wiring::Serpentine, start: Corner::TopLeft, major: Major::Rows };
    let area = pixels(&fixture(shape.clone(), place([0.0, 0.0], [8.0, 6.0], 0.0), Sample::Area));
    assert!(area.iter().all(|p| p.u == [1.0, 0.0] && p.v == [0.0, 1.5]));
    assert_eq!(area[0].center, [1.0, 1.5]);
    let point = pixels(&fixture(shape, place([0.0, 0.0], [8.0, 6.0], 0.0), Sample::Point));
    assert!(point.iter().all(|p| p.u == [0.0; 2] && p.v == [0.0; 2]));

    let points = vec![[0.0, 0.0], [4.0, 0.0], [4.0, 3.0]];
    let shape = Shape::Points { points: points.clone(), names: vec![] };
    let px = pixels(&fixture(shape, bounds(&points), Sample::Area));
    let halves: Vec<[f32; 2]> = px.iter().map(|p| p.u).collect();
    assert_eq!(halves, [[2.0, 0.0], [1.5, 0.0], [1.5, 0.0]]);
    assert_eq!(px[2].v, [0.0, 1.5]);

    let lone = |size| {
        let shape = Shape::Points { points: vec![[5.0, 3.0]], names: vec![] };
        pixels(&fixture(shape, place([0.0, 0.0], size, 0.0), Sample::Area))[0]
    };
    assert_eq!(lone([10.0, 6.0]).u, [3.0, 0.0]);
    assert_eq!(lone([0.0, 0.0]).v, [0.0, 0.5]);
}

/// Degenerate geometry never panics and still yields one pixel per LED, so the DMX encoder's
/// colour slice stays aligned: a strip without points, a zero-length strip, an empty matrix.
#[test]
fn degenerate_shapes_keep_the_pixel_count() {
    let p = place([2.0, 2.0], [2.0, 2.0], 0.0);
    let none = fixture(Shape::Strip { pixels: 3, points: vec![] }, p, Sample::Area);
    assert_eq!(pixels(&none).len(), 3);
    assert!(pixels(&none).iter().all(|q| q.center == [3.0, 3.0] && q.u == [0.5, 0.0]));
    let dot = fixture(Shape::Strip { pixels: 4, points: vec![[1.0, 1.0], [1.0, 1.0]] }, p, Sample::Point);
    assert!(pixels(&dot).iter().all(|q| q.center == [1.0, 1.0]));
    let shape = Shape::Matrix {
        columns: 0,
        rows: 5,
        wiring: Wiring::Serpentine,
        start: Corner::TopLeft,
        major: Major::Columns,
    };
    assert!(pixels(&fixture(shape, p, Sample::Area)).is_empty());
}

/// `off_canvas` reports the first LED whose centre is outside 0..w × 0..h (the right and bottom
/// edges are outside); `bounds` is the points' bounding box.
#[test]
fn off_canvas_and_bounds() {
    let points = vec![[1.0, 1.0], [9.0, 1.0], [10.0, 2.0], [-1.0, 0.0]];
    assert_eq!(bounds(&points), place([-1.0, 0.0], [11.0, 2.0], 0.0));
    assert_eq!(bounds(&[]), place([0.0, 0.0], [0.0, 0.0], 0.0));
    let f = fixture(Shape::Points { points: points.clone(), names: vec![] }, bounds(&points), Sample::Point);
    assert_eq!(off_canvas(&f, [10, 10]), Some((2, [10.0, 2.0])));
    assert_eq!(off_canvas(&f, [11, 10]), Some((3, [-1.0, 0.0])));
    let f = fixture(Shape::Points { points: points[..2].to_vec(), names: vec![] }, bounds(&points), Sample::Point);
    assert_eq!(off_canvas(&f, [10, 2]), None);
}

/// The GPU reads `LedPixel` as `struct { center: vec2f, u: vec2f, v: vec2f, _pad: vec2f }`.
#[test]
fn pixel_layout_matches_the_shader() {
    assert_eq!(size_of::<LedPixel>(), 32);
    assert_eq!(std::mem::offset_of!(LedPixel, center), 0);
    assert_eq!(std::mem::offset_of!(LedPixel, u), 8);
    assert_eq!(std::mem::offset_of!(LedPixel, v), 16);
    assert_eq!(std::mem::offset_of!(LedPixel, _pad), 24);
}

/// `output_pixels` lists fixture after fixture, each in wiring order: the order the DMX encoder
/// reads the sampled colours in.
#[test]
fn output_pixels_concatenate_in_fixture_order() {
    let a = fixture(Shape::Points { points: vec![[1.0, 1.0], [2.0, 1.0]], names: vec![] }, bounds(&[]), Sample::Point);
    let b = fixture(Shape::Strip { pixels: 2, points: vec![[5.0, 5.0], [7.0, 5.0]] }, bounds(&[]), Sample::Point);
    let out = LedOutput {
        name: "o".into(),
        protocol: crate::scene::led::LedProtocol::ArtNet,
        destinations: vec![],
        broadcast: None,
        interface: None,
        rate: 40.0,
        on_stop: crate::scene::led::OnStop::Black,
        priority: 100,
        source_name: "quai o".into(),
        ttl: 1,
        sync: None,
        fixtures: vec![a, b],
    };
    let centres: Vec<[f32; 2]> = output_pixels(&out).iter().map(|p| p.center).collect();
    assert_eq!(centres, [[1.0, 1.0], [2.0, 1.0], [5.0, 5.0], [7.0, 5.0]]);
}
