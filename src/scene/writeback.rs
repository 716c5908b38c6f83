//! Saving a calibrated warp into the layout file it came from, as a person would have written it:
//! only the `warp` keys of that one `[[outputs]]` entry change; every comment, blank line, key
//! order and unrelated byte stays. Called from the main thread when the technician saves; the
//! file is replaced atomically, and the scene watcher reloads it like any other edit.

use std::fmt;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use toml_edit::{Array, DocumentMut, InlineTable, Item, Table, TableLike, Value};

use crate::scene::projection::{Corners, MeshInterpolation, MeshWarp, Warp};

/// Decimals written for corners (output pixels): a thousandth of a pixel is below what a
/// projector shows.
const CORNER_DECIMALS: i32 = 3;
/// Decimals for mesh points (the unit square of the quad): a millionth is 0.002 px on a 1920 px
/// wide quad; three decimals would be 2 px.
const MESH_DECIMALS: i32 = 6;
/// How the rows of `points` are indented.
const INDENT: &str = "    ";

#[derive(Debug)]
pub enum WriteBackError {
    /// Reading or replacing the file failed.
    Io { path: PathBuf, doing: &'static str, error: io::Error },
    /// The file is not TOML (any more): nothing was written.
    Parse { path: Option<PathBuf>, message: String },
    /// No `[[outputs]]` entry has this name.
    NoSuchOutput { path: Option<PathBuf>, output: String },
    /// The entry's `warp` is written in a shape this cannot edit (e.g. `warp = 3`).
    Layout { path: Option<PathBuf>, output: String, problem: String },
}

impl WriteBackError {
    /// The same error, naming the file it is about.
    fn in_file(self, file: &Path) -> Self {
        let at = Some(file.to_path_buf());
        match self {
            WriteBackError::Parse { message, .. } => WriteBackError::Parse { path: at, message },
            WriteBackError::NoSuchOutput { output, .. } => WriteBackError::NoSuchOutput { path: at, output },
            WriteBackError::Layout { output, problem, .. } => WriteBackError::Layout { path: at, output, problem },
            io @ WriteBackError::Io { .. } => io,
        }
    }
}

impl fmt::Display for WriteBackError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let file =
            |path: &Option<PathBuf>| path.as_ref().map_or("the layout file".to_string(), |p| p.display().to_string());
        match self {
            WriteBackError::Io { path, doing, error } => write!(f, "{}: {doing}: {error}", path.display()),
            WriteBackError::Parse { path, message } => {
                write!(f, "{} is not valid TOML, so the warp was not saved: {message}", file(path))
            }
            WriteBackError::NoSuchOutput { path, output } => {
                write!(f, "{} has no [[outputs]] entry with name = \"{output}\", so its warp was not saved", file(path))
            }
            WriteBackError::Layout { path, output, problem } => {
                write!(f, "{}: the warp of output `{output}` was not saved: {problem}", file(path))
            }
        }
    }
}

impl std::error::Error for WriteBackError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            WriteBackError::Io { error, .. } => Some(error),
            _ => None,
        }
    }
}

/// `text` with the warp of the `[[outputs]]` entry named `output` set to `warp`. Keys whose
/// value already says the same (to the written decimals) are left as they are, so writing the
/// warp the file holds returns `text` unchanged, byte for byte.
pub fn write_warp(text: &str, output: &str, warp: &Warp) -> Result<String, WriteBackError> {
    let layout = |problem: &str| WriteBackError::Layout { path: None, output: output.into(), problem: problem.into() };
    if !warp_is_finite(warp) {
        return Err(layout("a corner or mesh point is not a finite number"));
    }
    let mut doc: DocumentMut =
        text.parse().map_err(|e: toml_edit::TomlError| WriteBackError::Parse { path: None, message: e.to_string() })?;
    let entry = find_output(&mut doc, output)
        .ok_or_else(|| WriteBackError::NoSuchOutput { path: None, output: output.into() })?;
    let changed = match entry.get_mut("warp") {
        None => add_warp(entry, warp),
        Some(item) => {
            let style = Style::of(item);
            let table = item.as_table_like_mut().ok_or_else(|| layout("its `warp` is not a table"))?;
            update_warp(table, style, warp).map_err(|problem| layout(&problem))?
        }
    };
    Ok(if changed { doc.to_string() } else { text.to_string() })
}

/// Rewrites the file at `path` with [`write_warp`], atomically: the new text goes to `NAME.tmp`
/// beside it, is synced to disk, and is renamed over the file, so a crash or a reload never sees
/// half a file. Nothing is written when the warp is already what the file holds.
pub fn save_warp(path: &Path, output: &str, warp: &Warp) -> Result<(), WriteBackError> {
    let io_error = |doing| move |error| WriteBackError::Io { path: path.to_path_buf(), doing, error };
    let text = fs::read_to_string(path).map_err(io_error("cannot read it"))?;
    let new = write_warp(&text, output, warp).map_err(|e| e.in_file(path))?;
    if new == text {
        return Ok(());
    }
    replace_file(path, &new).map_err(io_error("cannot write it"))
}

fn replace_file(path: &Path, text: &str) -> io::Result<()> {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".tmp");
    let tmp = path.with_file_name(name);
    let written = (|| {
        let mut file = fs::File::create(&tmp)?;
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        fs::set_permissions(&tmp, fs::metadata(path)?.permissions())?;
        fs::rename(&tmp, path)
    })();
    if written.is_err() {
        // Best effort: the error that matters is the one returned.
        let _ = fs::remove_file(&tmp);
    }
    written?;
    // Make the rename itself durable. The file is already replaced, so a directory that cannot
    // be synced (some filesystems refuse) only weakens that, and is not an error.
    #[cfg(unix)]
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        let _ = fs::File::open(dir).and_then(|d| d.sync_all());
    }
    Ok(())
}

fn warp_is_finite(warp: &Warp) -> bool {
    let corners = warp.corners.iter().flatten().flatten();
    let mesh = warp.mesh.iter().flat_map(|m| m.points.iter().flatten());
    corners.chain(mesh).all(|x| x.is_finite())
}

fn find_output<'d>(doc: &'d mut DocumentMut, output: &str) -> Option<&'d mut Table> {
    let outputs = doc.get_mut("outputs")?.as_array_of_tables_mut()?;
    outputs.iter_mut().find(|t| t.get("name").and_then(Item::as_str) == Some(output))
}

/// An entry without `warp`: a new `[outputs.warp]` (and `[outputs.warp.mesh]`) section.
/// Tables made here have no position, so toml_edit prints each right after the table before it
/// in the tree: the warp after the entry's own sections (before the next `[[outputs]]`), the
/// mesh after the warp.
fn add_warp(entry: &mut Table, warp: &Warp) -> bool {
    if warp.corners.is_none() && warp.mesh.is_none() {
        return false;
    }
    let mut table = new_section();
    if let Some(c) = &warp.corners {
        table.insert("corners", Item::Value(corners_value(c)));
    }
    if let Some(m) = &warp.mesh {
        let mut mesh = new_section();
        fill_mesh(&mut mesh, m);
        table.insert("mesh", Item::Table(mesh));
    }
    entry.insert("warp", Item::Table(table));
    true
}

/// A `[header]` table with a blank line before it, as the sections of a layout file are spaced.
fn new_section() -> Table {
    let mut table = Table::new();
    table.decor_mut().set_prefix("\n");
    table
}

/// How an existing warp is written, so a mesh added to it is written the same way.
#[derive(Clone, Copy)]
enum Style {
    /// `[outputs.warp]`: the mesh becomes `[outputs.warp.mesh]`.
    Section,
    /// `warp.corners = ...` in the entry: `warp.mesh.columns = ...`.
    Dotted,
    /// `warp = { corners = ... }`: `mesh = { columns = ..., points = [...] }` inside it.
    Inline,
}

impl Style {
    fn of(item: &Item) -> Style {
        match item {
            Item::Table(t) if t.is_dotted() => Style::Dotted,
            Item::Table(_) => Style::Section,
            _ => Style::Inline,
        }
    }
}

/// Sets the keys of an existing warp.
fn update_warp(table: &mut dyn TableLike, style: Style, warp: &Warp) -> Result<bool, String> {
    let mut changed = match &warp.corners {
        Some(c) => set_value(table, "corners", corners_value(c), |old| same_points(old, c, CORNER_DECIMALS)),
        None => table.remove("corners").is_some(),
    };
    let Some(m) = &warp.mesh else {
        return Ok(table.remove("mesh").is_some() || changed);
    };
    match table.get_mut("mesh") {
        Some(item) => {
            let mesh = item.as_table_like_mut().ok_or("its `warp.mesh` is not a table")?;
            changed |= fill_mesh(mesh, m);
        }
        None => {
            table.insert("mesh", new_mesh(style, m));
            changed = true;
        }
    }
    Ok(changed)
}

/// A mesh for a warp written in `style`.
fn new_mesh(style: Style, m: &MeshWarp) -> Item {
    match style {
        Style::Section => {
            let mut table = new_section();
            fill_mesh(&mut table, m);
            Item::Table(table)
        }
        Style::Dotted => {
            let mut table = Table::new();
            table.set_dotted(true);
            fill_mesh(&mut table, m);
            Item::Table(table)
        }
        Style::Inline => {
            let mut table = InlineTable::new();
            fill_mesh(&mut table, m);
            Item::Value(Value::InlineTable(table))
        }
    }
}

/// Sets columns, rows, `interpolation` (only if written already or not the default) and points.
fn fill_mesh(table: &mut dyn TableLike, m: &MeshWarp) -> bool {
    let mut changed = false;
    let int = |n: u32| Value::from(i64::from(n));
    changed |= set_value(table, "columns", int(m.columns), |old| old.as_integer() == Some(i64::from(m.columns)));
    changed |= set_value(table, "rows", int(m.rows), |old| old.as_integer() == Some(i64::from(m.rows)));
    if table.contains_key("interpolation") || m.interpolation != MeshInterpolation::default() {
        let word = interpolation_word(m.interpolation);
        changed |= set_value(table, "interpolation", Value::from(word), |old| old.as_str() == Some(word));
    }
    changed |= set_value(table, "points", points_value(m), |old| same_points(old, &m.points, MESH_DECIMALS));
    changed
}

pub fn interpolation_word(i: MeshInterpolation) -> &'static str {
    match i {
        MeshInterpolation::Bicubic => "bicubic",
        MeshInterpolation::Linear => "linear",
    }
}

/// Sets `key` to `value` unless `same` says the written value already means it. A replaced
/// value keeps its decor (the spaces and a trailing comment); the key keeps its own (comments
/// above it), as it is not touched.
fn set_value(table: &mut dyn TableLike, key: &str, mut value: Value, same: impl Fn(&Item) -> bool) -> bool {
    match table.get_mut(key) {
        Some(item) if same(item) => false,
        Some(item) => {
            if let Some(old) = item.as_value() {
                *value.decor_mut() = old.decor().clone();
            }
            *item = Item::Value(value);
            true
        }
        None => {
            table.insert(key, Item::Value(value));
            true
        }
    }
}

/// Whether the written points are `points`, both rounded to `decimals`.
fn same_points(old: &Item, points: &[[f64; 2]], decimals: i32) -> bool {
    let Some(written) = old.as_array() else { return false };
    let pair = |v: &Value| -> Option<[f64; 2]> {
        let a = v.as_array().filter(|a| a.len() == 2)?;
        Some([number(a.get(0)?)?, number(a.get(1)?)?])
    };
    written.len() == points.len()
        && written.iter().zip(points).all(|(v, p)| {
            pair(v).is_some_and(|w| w.iter().zip(p).all(|(a, b)| round(*a, decimals) == round(*b, decimals)))
        })
}

fn number(v: &Value) -> Option<f64> {
    v.as_float().or_else(|| v.as_integer().map(|i| i as f64))
}

fn round(x: f64, decimals: i32) -> f64 {
    let scale = 10f64.powi(decimals);
    let r = (x * scale).round() / scale;
    if r == 0.0 { 0.0 } else { r }
}

/// `x` rounded to `decimals`, without trailing zeros: `1912`, `1074.25`.
fn format_number(x: f64, decimals: i32) -> String {
    let r = round(x, decimals);
    // Whole numbers as TOML integers (`1912`, not `1912.0`); they read back as f64.
    if r.fract() == 0.0 && r.abs() < 1e15 { format!("{}", r as i64) } else { format!("{r}") }
}

fn pair_text([x, y]: [f64; 2], decimals: i32) -> String {
    format!("[{}, {}]", format_number(x, decimals), format_number(y, decimals))
}

/// `[[x, y], [x, y], [x, y], [x, y]]` on one line.
fn corners_value(c: &Corners) -> Value {
    let pairs: Vec<String> = c.iter().map(|p| pair_text(*p, CORNER_DECIMALS)).collect();
    parse_value(&format!("[{}]", pairs.join(", ")))
}

/// One row of the grid per line, indented, with a trailing comma:
/// ```toml
/// points = [
///     [0, 0], [0.5, 0], [1, 0],
///     [0, 1], [0.5, 1], [1, 1],
/// ]
/// ```
fn points_value(m: &MeshWarp) -> Value {
    let columns = m.columns.max(1) as usize;
    let mut text = String::from("[\n");
    for row in m.points.chunks(columns) {
        let pairs: Vec<String> = row.iter().map(|p| pair_text(*p, MESH_DECIMALS)).collect();
        text.push_str(&format!("{INDENT}{},\n", pairs.join(", ")));
    }
    text.push(']');
    parse_value(&text)
}

/// Values built from finite numbers (checked by [`write_warp`]) always parse; should one not,
/// an empty array is written rather than a panic, and the tests catch it.
fn parse_value(text: &str) -> Value {
    text.parse().unwrap_or_else(|_| Value::Array(Array::new()))
}

#[cfg(test)]
mod tests {
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
        let text = "[[outputs]]\nname = \"solo\"\nwarp.corners = [[0, 0], [10, 0], [10, 10], [0, 10]]\n\n[show]\nname = \"x\"\n";
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
}
