//! Tests for `writeback` (kept beside it, so writeback.rs stays the code).
use super::*;

const LAYOUT: &str = r#"# Gallery 2: two projectors edge-blended on the long wall.
# Calibrated on site; `quai calibrate` writes the warps back here.

[show]
name = "Tidal"   # working title
canvas = [3640, 1080]

[[outputs]]
name = "left"
kind = "window"
monitor = "DP-1"
fullscreen = true
size = [1920, 1080]
slice = [0, 0, 1920, 1080]

[outputs.warp]
# measured with the laser level
corners = [[12.5, 30], [1912, 4], [1910.25, 1074.25], [3, 1060]]  # keep

[outputs.blend]
right = { width = 200, curve = 2 }

# The right projector hangs upside down.
[[outputs]]
name = "right"
kind = "window"
monitor = 1
size = [1920, 1080]
slice = [1720, 0, 1920, 1080]

[outputs.blend]
left = { width = 200, curve = 2 }

[[fixtures]]
name = "floor strip"
output = "dmx"
kind = "strip"
pixels = 60
points = [[0, 1000], [3640, 1000]]
"#;

const LEFT: Corners = [[12.5, 30.0], [1912.0, 4.0], [1910.25, 1074.25], [3.0, 1060.0]];

fn lines(text: &str) -> Vec<&str> {
    text.lines().collect()
}

/// `LAYOUT` with `block` inserted after the first line `after`: everything else identical.
fn layout_with(after: &str, block: &str) -> String {
    let at = LAYOUT.find(&format!("\n{after}\n")).expect("the line") + after.len() + 2;
    format!("{}{block}{}", &LAYOUT[..at], &LAYOUT[at..])
}

fn mesh_3x2() -> MeshWarp {
    let mut m = MeshWarp::identity(3, 2);
    m.points[1] = [0.5123456789, 0.01];
    m
}

#[test]
fn writing_the_warp_the_file_holds_changes_nothing() {
    let warp = Warp { corners: Some(LEFT), mesh: None };
    assert_eq!(write_warp(LAYOUT, "left", &warp).unwrap(), LAYOUT);
    // Within the written decimals is the same, too.
    let close = Warp { corners: Some(LEFT.map(|[x, y]| [x + 1e-5, y - 1e-5])), mesh: None };
    assert_eq!(write_warp(LAYOUT, "left", &close).unwrap(), LAYOUT);
    assert_eq!(write_warp(LAYOUT, "right", &Warp::default()).unwrap(), LAYOUT);
    // A mesh written by us reads back as the same mesh.
    let with_mesh = Warp { corners: Some(LEFT), mesh: Some(mesh_3x2()) };
    let once = write_warp(LAYOUT, "left", &with_mesh).unwrap();
    assert_eq!(write_warp(&once, "left", &with_mesh).unwrap(), once);
}

#[test]
fn moving_one_corner_changes_that_one_line_and_keeps_its_comments() {
    let mut corners = LEFT;
    corners[1] = [1911.75, 4.0];
    let new = write_warp(LAYOUT, "left", &Warp { corners: Some(corners), mesh: None }).unwrap();
    let (old, new) = (lines(LAYOUT), lines(&new));
    assert_eq!(old.len(), new.len());
    let changed: Vec<_> = old.iter().zip(&new).filter(|(a, b)| a != b).collect();
    assert_eq!(
        changed,
        [(
            &"corners = [[12.5, 30], [1912, 4], [1910.25, 1074.25], [3, 1060]]  # keep",
            &"corners = [[12.5, 30], [1911.75, 4], [1910.25, 1074.25], [3, 1060]]  # keep"
        )]
    );
}

#[test]
fn a_mesh_for_an_output_without_a_warp_goes_right_after_its_entry() {
    let corners = [[0.0, 0.0], [1920.0, 0.0], [1920.0, 1080.0], [0.0, 1080.0]];
    let warp = Warp { corners: Some(corners), mesh: Some(mesh_3x2()) };
    let new = write_warp(LAYOUT, "right", &warp).unwrap();
    let block = "
[outputs.warp]
corners = [[0, 0], [1920, 0], [1920, 1080], [0, 1080]]

[outputs.warp.mesh]
columns = 3
rows = 2
points = [
    [0, 0], [0.512346, 0.01], [1, 0],
    [0, 1], [0.5, 1], [1, 1],
]
";
    // After the entry's last section (its [outputs.blend]), before [[fixtures]].
    assert_eq!(new, layout_with("left = { width = 200, curve = 2 }", block));
}

#[test]
fn a_mesh_for_a_written_warp_goes_right_after_the_warp_section() {
    let mesh = MeshWarp { interpolation: MeshInterpolation::Linear, ..MeshWarp::identity(2, 2) };
    let new = write_warp(LAYOUT, "left", &Warp { corners: Some(LEFT), mesh: Some(mesh) }).unwrap();
    let block = r#"
[outputs.warp.mesh]
columns = 2
rows = 2
interpolation = "linear"
points = [
    [0, 0], [1, 0],
    [0, 1], [1, 1],
]
"#;
    let corners_line = "corners = [[12.5, 30], [1912, 4], [1910.25, 1074.25], [3, 1060]]  # keep";
    assert_eq!(new, layout_with(corners_line, block));
    // Taking the mesh away again gives back the file as it was.
    assert_eq!(write_warp(&new, "left", &Warp { corners: Some(LEFT), mesh: None }).unwrap(), LAYOUT);
}

#[test]
fn an_inline_warp_stays_inline() {
    let text = LAYOUT.replace(
            "[outputs.warp]\n# measured with the laser level\ncorners = [[12.5, 30], [1912, 4], [1910.25, 1074.25], [3, 1060]]  # keep\n\n",
            "",
        );
    let text = text.replace(
        "monitor = 1\n",
        "monitor = 1\nwarp = { corners = [[0, 0], [1920, 0], [1920, 1080], [0, 1080]] }  # flown\n",
    );
    let corners = [[0.0, 0.0], [1920.0, 0.0], [1919.5, 1080.0], [0.0, 1080.0]];
    let new = write_warp(&text, "right", &Warp { corners: Some(corners), mesh: None }).unwrap();
    let changed: Vec<_> = lines(&text).into_iter().zip(lines(&new)).filter(|(a, b)| a != b).collect();
    assert_eq!(
        changed,
        [(
            "warp = { corners = [[0, 0], [1920, 0], [1920, 1080], [0, 1080]] }  # flown",
            "warp = { corners = [[0, 0], [1920, 0], [1919.5, 1080], [0, 1080]] }  # flown"
        )]
    );
    let with_mesh = Warp { corners: Some(corners), mesh: Some(MeshWarp::identity(2, 2)) };
    let meshed = write_warp(&new, "right", &with_mesh).unwrap();
    let doc: DocumentMut = meshed.parse().unwrap();
    let warp = &doc["outputs"][1]["warp"];
    assert!(warp.is_inline_table(), "{meshed}");
    assert_eq!(warp["mesh"]["columns"].as_integer(), Some(2));
    assert_eq!(write_warp(&meshed, "right", &with_mesh).unwrap(), meshed);
}

#[test]
fn dotted_warp_keys_stay_dotted() {
    let text =
        "[[outputs]]\nname = \"solo\"\nwarp.corners = [[0, 0], [10, 0], [10, 10], [0, 10]]\n\n[show]\nname = \"x\"\n";
    let warp = Warp {
        corners: Some([[0.0, 0.0], [10.0, 0.0], [10.0, 10.0], [0.0, 9.5]]),
        mesh: Some(MeshWarp::identity(2, 2)),
    };
    let new = write_warp(text, "solo", &warp).unwrap();
    assert!(new.contains("warp.corners = [[0, 0], [10, 0], [10, 10], [0, 9.5]]\n"), "{new}");
    assert!(new.contains("warp.mesh.columns = 2\n") && new.ends_with("\n\n[show]\nname = \"x\"\n"), "{new}");
}

#[test]
fn an_output_the_file_does_not_have_is_an_error_naming_it() {
    let err = write_warp(LAYOUT, "centre", &Warp::default()).unwrap_err();
    assert!(matches!(&err, WriteBackError::NoSuchOutput { output, .. } if output == "centre"));
    assert_eq!(
        err.to_string(),
        "the layout file has no [[outputs]] entry with name = \"centre\", so its warp was not saved"
    );
    let err = write_warp("[show]\nname = \"x\"\n", "left", &Warp::default()).unwrap_err();
    assert!(matches!(err, WriteBackError::NoSuchOutput { .. }));
    let err = write_warp("[[outputs]\nname = ", "left", &Warp::default()).unwrap_err();
    assert!(matches!(err, WriteBackError::Parse { .. }));
    let bad = Warp { corners: Some([[f64::NAN, 0.0]; 4]), mesh: None };
    assert!(matches!(write_warp(LAYOUT, "left", &bad), Err(WriteBackError::Layout { .. })));
    let odd = LAYOUT.replace("monitor = 1\n", "monitor = 1\nwarp = 3\n");
    assert!(write_warp(&odd, "right", &Warp::default()).unwrap_err().to_string().contains("`warp` is not a table"));
}

#[test]
fn numbers_are_rounded_and_written_without_trailing_zeros() {
    assert_eq!(format_number(1912.0, 3), "1912");
    assert_eq!(format_number(1074.25, 3), "1074.25");
    assert_eq!(format_number(1074.2500004, 3), "1074.25");
    assert_eq!(format_number(0.1 + 0.2, 3), "0.3");
    assert_eq!(format_number(-0.0001, 3), "0");
    assert_eq!(format_number(-12.3456, 3), "-12.346");
}

#[test]
fn saving_replaces_the_file_and_leaves_no_temporary_behind() {
    let dir = std::env::temp_dir().join(format!("quai-writeback-{}", std::process::id()));
    fs::create_dir_all(&dir).unwrap();
    let path = dir.join("layout.toml");
    fs::write(&path, LAYOUT).unwrap();
    let mut corners = LEFT;
    corners[0] = [10.0, 30.0];
    save_warp(&path, "left", &Warp { corners: Some(corners), mesh: None }).unwrap();
    let saved = fs::read_to_string(&path).unwrap();
    assert!(saved.contains("corners = [[10, 30], [1912, 4]"), "{saved}");
    assert!(!dir.join("layout.toml.tmp").exists());
    let err = save_warp(&dir.join("missing.toml"), "left", &Warp::default()).unwrap_err();
    assert!(err.to_string().contains("missing.toml: cannot read it"), "{err}");
    let err = save_warp(&path, "centre", &Warp::default()).unwrap_err();
    assert!(err.to_string().starts_with(&format!("{} has no [[outputs]] entry", path.display())), "{err}");
    fs::remove_dir_all(&dir).unwrap();
}
