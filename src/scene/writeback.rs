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

/// Replaces the file at `path` with `text` atomically (a temporary beside it, synced, renamed over).
pub(crate) fn replace_file(path: &Path, text: &str) -> io::Result<()> {
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
#[path = "writeback_tests.rs"]
mod tests;
