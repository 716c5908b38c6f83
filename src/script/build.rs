//! Scenes a script builds (scenes/README.md, "Scenes a script builds"): a scene's script may define
//! `fn build()`, which runs when the scene loads and adds entries with `add(TABLE, #{...})`
//! (layers along a spiral, a grid of fixtures, a cue per hour). The entries are written out as
//! TOML and read like an include named by the script, so they go through the same checks as the
//! scene's own; a problem in one is reported at the `add` call that made it, with the line it
//! wrote.
//!
//! The engine that runs `build` is sandboxed like the show's (no modules, no `eval`, nothing that
//! reaches files, the network or the clock), with a larger budget: it runs once, not every tick.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rhai::{CallFnOptions, Dynamic, Engine, Map, Position, Scope};

use super::{MAX_ARRAY, MAX_CALL_LEVELS, MAX_STRING, defines};
use crate::scene::diag::{Diagnostic, Location};
use crate::scene::source::SourceText;

/// Operations `build` may take (a few hundred per entry added).
pub const BUILD_OPERATIONS: u64 = 5_000_000;
/// Time `build` may take.
pub const BUILD_TIME: Duration = Duration::from_millis(500);
/// Entries `build` may add.
pub const MAX_ENTRIES: usize = 10_000;

/// The scene tables a script may add entries to: `[[TABLE]]` each.
const TABLES: [&str; 11] = [
    "layers", "outputs", "fixtures", "inputs", "mappings", "triggers", "speakers", "sounds", "synths", "buses",
    "analysis",
];

/// What a script's `build` made.
#[derive(Debug, Clone)]
pub struct Generated {
    /// Where the entries are read from, as if an include: `SCRIPT#build`.
    pub path: PathBuf,
    pub toml: String,
    /// The script, to point diagnostics at.
    pub script: SourceText,
    /// Each entry: its first and last line in `toml` (1-based) and the `add` call in the script.
    pub entries: Vec<(usize, usize, Range<usize>)>,
}

/// Runs `fn build()` of the script at `path`, if it defines one. `Ok(None)`: no `build` (or the
/// script does not compile: the show's compile reports that).
pub fn generate(path: &Path, text: &str) -> Result<Option<Generated>, Diagnostic> {
    let script = SourceText::new(path.to_path_buf(), text.to_string());
    let added: Arc<Mutex<Vec<(Position, String, Map)>>> = Arc::default();
    let mut engine = Engine::new();
    let start = Instant::now();
    engine
        .set_max_operations(BUILD_OPERATIONS)
        .set_max_call_levels(MAX_CALL_LEVELS)
        .set_max_expr_depths(64, 32)
        .set_max_string_size(MAX_STRING)
        .set_max_array_size(MAX_ARRAY)
        .set_max_map_size(MAX_ARRAY)
        .disable_symbol("eval")
        .on_progress(move |ops| {
            (ops % 1024 == 0 && start.elapsed() > BUILD_TIME)
                .then(|| Dynamic::from(format!("took longer than {} ms", BUILD_TIME.as_millis())))
        });
    let a = added.clone();
    engine.register_fn(
        "add",
        move |ctx: rhai::NativeCallContext, table: &str, entry: Map| -> Result<(), Box<rhai::EvalAltResult>> {
            let mut a = a.lock().unwrap_or_else(|p| p.into_inner());
            if a.len() >= MAX_ENTRIES {
                return Err(format!("more than {MAX_ENTRIES} entries added").into());
            }
            a.push((ctx.call_position(), table.to_string(), entry));
            Ok(())
        },
    );
    let Ok(ast) = engine.compile(text) else { return Ok(None) };
    if !defines(&ast, "build", 0) {
        return Ok(None);
    }
    let options = CallFnOptions::new().eval_ast(false);
    if let Err(e) = engine.call_fn_with_options::<Dynamic>(options, &mut Scope::new(), &ast, "build", ()) {
        let d = Diagnostic::new(format!("script: build() failed: {e}"))
            .hint("build() runs when the scene loads; fix the script and save it again");
        return Err(locate(d, &script, e.position()));
    }
    let added = std::mem::take(&mut *added.lock().unwrap_or_else(|p| p.into_inner()));
    let mut toml = format!("# made by build() in {}\n", path.display());
    let mut line = 2;
    let mut entries = Vec::with_capacity(added.len());
    for (pos, table, entry) in added {
        let header = match table.split_once('.') {
            None if TABLES.contains(&table.as_str()) => format!("[[{table}]]"),
            Some(("cues", list)) if crate::show::commands::is_name(list) => format!("[[cues.{list}]]"),
            Some(("params", name)) if crate::show::commands::is_name(name) => format!("[params.{name}]"),
            _ => {
                let d = Diagnostic::new(format!("script: add(\"{table}\", ...): not a table a script can add to"))
                    .hint(format!("add to {}, \"cues.LIST\" or \"params.NAME\"", TABLES.join(", ")));
                return Err(locate(d, &script, pos));
            }
        };
        let first = line;
        toml.push_str(&header);
        toml.push('\n');
        line += 1;
        for (key, value) in &entry {
            let value = toml_value(value).map_err(|why| {
                let d = Diagnostic::new(format!("script: add(\"{table}\", ...): `{key}` {why}"))
                    .hint("entries hold numbers, strings, true/false, arrays and maps");
                locate(d, &script, pos)
            })?;
            toml.push_str(&format!("{} = {value}\n", toml_key(key)));
            line += 1;
        }
        let span = super::offset(&script, pos).map_or(0..0, |o| o..o + "add".len());
        entries.push((first, line - 1, span));
        toml.push('\n');
        line += 1;
    }
    let path = PathBuf::from(format!("{}#build", path.display()));
    Ok(Some(Generated { path, toml, script, entries }))
}

fn locate(d: Diagnostic, script: &SourceText, pos: Position) -> Diagnostic {
    match super::offset(script, pos) {
        Some(o) => d.at(script, o..o + super::token_len(&script.text, o)),
        None => d.at(script, 0..0),
    }
}

fn toml_key(k: &str) -> String {
    if !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
        k.to_string()
    } else {
        toml_edit::Value::from(k).to_string().trim().to_string()
    }
}

/// A script value as TOML (inline), or why it cannot be.
fn toml_value(v: &Dynamic) -> Result<String, String> {
    if let Ok(s) = v.as_immutable_string_ref() {
        return Ok(toml_edit::Value::from(s.as_str()).to_string().trim().to_string());
    }
    if let Ok(i) = v.as_int() {
        return Ok(i.to_string());
    }
    if let Ok(f) = v.as_float() {
        if !f.is_finite() {
            return Err(format!("is {f}, not a finite number"));
        }
        return Ok(toml_edit::Value::from(f).to_string().trim().to_string());
    }
    if let Ok(b) = v.as_bool() {
        return Ok(b.to_string());
    }
    if v.is_array() {
        let items: Result<Vec<String>, String> =
            v.read_lock::<rhai::Array>().map_or(Ok(Vec::new()), |a| a.iter().map(toml_value).collect());
        return Ok(format!("[{}]", items?.join(", ")));
    }
    if v.is_map() {
        let Some(m) = v.read_lock::<Map>() else { return Ok("{}".into()) };
        let fields: Result<Vec<String>, String> =
            m.iter().map(|(k, v)| toml_value(v).map(|v| format!("{} = {v}", toml_key(k)))).collect();
        return Ok(format!("{{ {} }}", fields?.join(", ")));
    }
    Err(format!("is a {}", v.type_name()))
}

/// Diagnostics that point into a script's generated entries point at the `add` call that made
/// the entry instead, and say what it wrote.
pub fn relocate(diagnostics: &mut [Diagnostic], generated: &[Generated]) {
    for d in diagnostics {
        let Some(loc) = &d.location else { continue };
        let Some(g) = generated.iter().find(|g| g.path == loc.path) else { continue };
        let written = loc.line_text.trim().to_string();
        let Some((_, _, span)) = g.entries.iter().find(|(a, b, _)| (*a..=*b).contains(&loc.line)) else { continue };
        d.message = format!("{} (in the entry this add() made: `{written}`)", d.message);
        d.location = Some(Location::new(&g.script, span.clone()));
    }
}
