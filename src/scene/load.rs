//! Stage one: read the main file and its includes, parse TOML, and turn each section entry into its
//! serde struct (file.rs). Each entry is read on its own and, when it fails, read again without the
//! offending key, so one file reports all of its problems at once.

use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde_spanned::Spanned;
use toml::de::{DeTable, DeValue, ValueDeserializer};

use super::diag::{Diagnostic, did_you_mean};
use super::file::{
    AnalysisFile, AudioFile, BusFile, ConsoleFile, CueFile, FixtureFile, InputFile, LayerFile, MappingFile, OutputFile,
    PanicFile, ParamFile, ScheduleFile, ShowFile, SoundFile, SpeakerFile, SynthFile, TriggerFile,
};
use super::source::{Files, SourceText, resolve};

/// Index into `Parsed::sources`.
pub type FileId = usize;

/// A value and where it was written.
#[derive(Debug)]
pub struct At<T> {
    pub file: FileId,
    pub span: std::ops::Range<usize>,
    pub value: T,
    /// Keys already reported as wrong and left out of `value`: checks that a key is present
    /// must not report them a second time.
    pub broken: Vec<String>,
}

/// Everything read from the main file and its includes, in merge order.
#[derive(Default)]
pub struct Parsed {
    pub sources: Vec<SourceText>,
    pub show: Option<At<ShowFile>>,
    pub params: Vec<At<(Spanned<String>, ParamFile)>>,
    pub layers: Vec<At<LayerFile>>,
    pub outputs: Vec<At<OutputFile>>,
    pub fixtures: Vec<At<FixtureFile>>,
    pub inputs: Vec<At<InputFile>>,
    pub mappings: Vec<At<MappingFile>>,
    pub triggers: Vec<At<TriggerFile>>,
    pub audio: Option<At<AudioFile>>,
    pub speakers: Vec<At<SpeakerFile>>,
    pub sounds: Vec<At<SoundFile>>,
    pub synths: Vec<At<SynthFile>>,
    pub buses: Vec<At<BusFile>>,
    pub analysis: Vec<At<AnalysisFile>>,
    /// Each cue with the name of its list, in merge order.
    pub cues: Vec<At<(Spanned<String>, CueFile)>>,
    pub panic: Option<At<PanicFile>>,
    pub schedule: Option<At<ScheduleFile>>,
    /// `[console]`, from the main file or one include.
    pub console: Option<At<ConsoleFile>>,
    /// `scripts = [...]` of every file: each path as written, with the file it is relative to.
    pub scripts: Vec<(FileId, Spanned<String>)>,
    /// What scripts' `fn build()` added, read like includes.
    pub generated: Vec<crate::script::build::Generated>,
    /// `[keys]`: each key name with its command text.
    pub keys: Vec<At<(Spanned<String>, Spanned<String>)>>,
    pub diagnostics: Vec<Diagnostic>,
    /// Included files that could not be read or parsed, as shown in their error: names they would
    /// have declared make later "unknown" errors, which are marked as consequences.
    pub unread: Vec<String>,
    /// Paths read, including ones that failed to read (so hot reload notices when they appear).
    pub files: Vec<PathBuf>,
}

const TOP_KEYS: [&str; 21] = [
    "include", "show", "params", "layers", "outputs", "fixtures", "inputs", "mappings", "triggers", "audio",
    "speakers", "sounds", "synths", "buses", "analysis", "cues", "panic", "keys", "schedule", "console", "scripts",
];

pub fn parse(files: &dyn Files, path: &Path) -> Parsed {
    let mut parsed = Parsed::default();
    let mut stack = Vec::new();
    read_file(files, path, None, &mut stack, &mut parsed);
    parsed
}

/// `from`: the include entry that names this file, to point at when it cannot be read.
fn read_file(
    files: &dyn Files,
    path: &Path,
    from: Option<(FileId, std::ops::Range<usize>)>,
    stack: &mut Vec<PathBuf>,
    out: &mut Parsed,
) {
    let at_include = |out: &Parsed, d: Diagnostic| match &from {
        Some((f, span)) => d.at(&out.sources[*f], span.clone()),
        None => d,
    };
    if let Some(pos) = stack.iter().position(|p| p == path) {
        let chain: Vec<String> =
            stack[pos..].iter().chain(std::iter::once(&path.to_path_buf())).map(|p| p.display().to_string()).collect();
        let d = Diagnostic::new(format!("include cycle: {}", chain.join(" → ")))
            .hint("remove one of these includes; a file may not include itself, directly or not");
        let d = at_include(out, d);
        out.diagnostics.push(d);
        return;
    }
    // A file included along two paths (two sub-files both including lights.toml) is merged once.
    if from.is_some() && out.files.iter().any(|f| f == path) {
        return;
    }
    out.files.push(path.to_path_buf());
    let bytes = match files.read(path) {
        Ok(b) => b,
        Err(e) => {
            let what = if from.is_some() { "included scene file" } else { "scene file" };
            let d = Diagnostic::new(format!("cannot read {what} {}: {}", path.display(), io_reason(&e)))
                .hint("check the path; relative paths are resolved from the file that names them");
            let d = at_include(out, d);
            out.diagnostics.push(d);
            if from.is_some() {
                out.unread.push(path.display().to_string());
            }
            return;
        }
    };
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let d = Diagnostic::new(format!(
                "{} is not UTF-8 text (invalid byte at offset {})",
                path.display(),
                e.utf8_error().valid_up_to()
            ))
            .hint("save the scene file as UTF-8");
            let d = at_include(out, d);
            out.diagnostics.push(d);
            return;
        }
    };
    read_text(files, path, text, from, stack, out);
}

/// The part of [`read_file`] after reading: parse `text` (the file at `path`, or what a script's
/// `build` wrote) and merge its entries.
fn read_text(
    files: &dyn Files,
    path: &Path,
    text: String,
    from: Option<(FileId, std::ops::Range<usize>)>,
    stack: &mut Vec<PathBuf>,
    out: &mut Parsed,
) {
    let file = out.sources.len();
    out.sources.push(SourceText::new(path.to_path_buf(), text));
    // The parse borrows the text; keep our own copy of it alive for the borrow.
    let text = out.sources[file].text.clone();
    let (root, errors) = DeTable::parse_recoverable(&text);
    for e in errors {
        let d = Diagnostic::new(format!("TOML syntax: {}", e.message().trim_end()))
            .hint("see https://toml.io for the syntax; strings need quotes, tables need [brackets]");
        let d = match e.span() {
            Some(span) => d.at(&out.sources[file], span),
            None => d,
        };
        out.diagnostics.push(d);
    }
    let root = root.into_inner();
    stack.push(path.to_path_buf());

    // Includes first: their entries come before this file's own.
    if let Some(inc) = root.get("include") {
        match inc.get_ref() {
            DeValue::Array(items) => {
                for item in items.iter() {
                    match item.get_ref().as_str() {
                        Some(rel) => {
                            let target = resolve(path, rel);
                            read_file(files, &target, Some((file, item.span())), stack, out);
                        }
                        None => push(out, file, item.span(), "include entries must be file paths (strings)", None),
                    }
                }
            }
            _ => push(
                out,
                file,
                inc.span(),
                "`include` must be a list of file paths",
                Some("include = [\"lights.toml\"]"),
            ),
        }
    }

    for (key, value) in root.iter() {
        let span = value.span();
        match key.get_ref().as_ref() {
            "include" => {}
            "show" => {
                if let Some(at) = main_only::<ShowFile>(
                    out,
                    file,
                    from.is_some(),
                    (key.span(), value),
                    "[show]",
                    "move these settings to the main scene file",
                ) {
                    out.show = Some(at);
                }
            }
            "audio" => {
                if let Some(at) = main_only::<AudioFile>(
                    out,
                    file,
                    from.is_some(),
                    (key.span(), value),
                    "[audio]",
                    "move the stream settings to the main scene file; speakers may stay in the include",
                ) {
                    out.audio = Some(at);
                }
            }
            "params" => match value.get_ref() {
                DeValue::Table(t) => {
                    for (name, v) in t.iter() {
                        let what = format!("parameter `{}`", name.get_ref());
                        if let Some((p, broken)) = entry::<ParamFile>(out, file, v.clone(), &what) {
                            let name = Spanned::new(name.span(), name.get_ref().to_string());
                            out.params.push(At { file, span: v.span(), value: (name, p), broken });
                        }
                    }
                }
                _ => push(
                    out,
                    file,
                    span,
                    "`params` must be a table of parameters",
                    Some("[params.speed]\ndefault = 1.0"),
                ),
            },
            "panic" => {
                if let Some(at) = main_only::<PanicFile>(
                    out,
                    file,
                    from.is_some(),
                    (key.span(), value),
                    "[panic]",
                    "move the safe state to the main scene file",
                ) {
                    out.panic = Some(at);
                }
            }
            "schedule" => {
                if let Some(at) = main_only::<ScheduleFile>(
                    out,
                    file,
                    from.is_some(),
                    (key.span(), value),
                    "[schedule]",
                    "move the opening hours to the main scene file",
                ) {
                    out.schedule = Some(at);
                }
            }
            "scripts" => match value.get_ref() {
                DeValue::Array(items) => {
                    for item in items.iter() {
                        match item.get_ref().as_str() {
                            Some(p) => {
                                out.scripts.push((file, Spanned::new(item.span(), p.to_string())));
                                build(files, &resolve(path, p), (file, item.span()), stack, out);
                            }
                            None => push(out, file, item.span(), "scripts entries must be file paths (strings)", None),
                        }
                    }
                }
                _ => {
                    push(out, file, span, "`scripts` must be a list of .rhai files", Some("scripts = [\"logic.rhai\"]"))
                }
            },
            "console" => {
                if let Some(first) = &out.console {
                    let src = &out.sources[first.file];
                    let (line, col) = src.line_col(first.span.start);
                    let hint = format!("keep one [console] table; the first is at {}:{line}:{col}", src.path.display());
                    push(out, file, key.span(), "[console] is set twice", Some(&hint));
                } else if let Some((value, broken)) = entry::<ConsoleFile>(out, file, value.clone(), "[console]") {
                    out.console = Some(At { file, span, value, broken });
                }
            }
            "cues" => match value.get_ref() {
                DeValue::Table(t) => {
                    for (list, cues) in t.iter() {
                        let DeValue::Array(items) = cues.get_ref() else {
                            let hint = format!("write each cue as [[cues.{}]]", list.get_ref());
                            push(out, file, cues.span(), "a cue list must be an array of tables", Some(&hint));
                            continue;
                        };
                        for (i, item) in items.iter().enumerate() {
                            let what = format!("cue #{} of list `{}`", i + 1, list.get_ref());
                            if let Some((cue, broken)) = entry::<CueFile>(out, file, item.clone(), &what) {
                                let name = Spanned::new(list.span(), list.get_ref().to_string());
                                out.cues.push(At { file, span: item.span(), value: (name, cue), broken });
                            }
                        }
                    }
                }
                _ => push(
                    out,
                    file,
                    span,
                    "`cues` must be a table of cue lists",
                    Some("[[cues.main]]\nname = \"1\"\nfade = 2.0\nset = { brightness = 1.0 }"),
                ),
            },
            "keys" => match value.get_ref() {
                DeValue::Table(t) => {
                    for (k, v) in t.iter() {
                        match v.get_ref().as_str() {
                            Some(text) => {
                                let k = Spanned::new(k.span(), k.get_ref().to_string());
                                let v2 = Spanned::new(v.span(), text.to_string());
                                out.keys.push(At { file, span: v.span(), value: (k, v2), broken: Vec::new() });
                            }
                            None => push(
                                out,
                                file,
                                v.span(),
                                &format!("key `{}`: the command must be a string", k.get_ref()),
                                Some("e.g. space = \"go\", b = \"back\", escape = \"panic\""),
                            ),
                        }
                    }
                }
                _ => push(out, file, span, "`keys` must be a table", Some("[keys]\nspace = \"go\"")),
            },
            "layers" => array_of(out, file, value, "layers", "layer", |p| &mut p.layers),
            "inputs" => array_of(out, file, value, "inputs", "input", |p| &mut p.inputs),
            "mappings" => array_of(out, file, value, "mappings", "mapping", |p| &mut p.mappings),
            "triggers" => array_of(out, file, value, "triggers", "trigger", |p| &mut p.triggers),
            "outputs" => array_of(out, file, value, "outputs", "output", |p| &mut p.outputs),
            "fixtures" => array_of(out, file, value, "fixtures", "fixture", |p| &mut p.fixtures),
            "speakers" => array_of(out, file, value, "speakers", "speaker", |p| &mut p.speakers),
            "sounds" => array_of(out, file, value, "sounds", "sound", |p| &mut p.sounds),
            "synths" => array_of(out, file, value, "synths", "synth", |p| &mut p.synths),
            "buses" => array_of(out, file, value, "buses", "bus", |p| &mut p.buses),
            "analysis" => array_of(out, file, value, "analysis", "analysis", |p| &mut p.analysis),
            other => {
                let hint = did_you_mean(other, TOP_KEYS)
                    .unwrap_or_else(|| format!("top-level keys are: {}", TOP_KEYS.join(", ")));
                push(out, file, key.span(), &format!("unknown top-level key `{other}`"), Some(&hint));
            }
        }
    }
    stack.pop();
}

/// A script's `fn build()`, if it has one: what it adds is read like an include named by the
/// script (see `script::build`). A script that cannot be read or compiled is reported by the
/// checks that compile it.
fn build(
    files: &dyn Files,
    script: &Path,
    from: (FileId, std::ops::Range<usize>),
    stack: &mut Vec<PathBuf>,
    out: &mut Parsed,
) {
    if out.generated.iter().any(|g| g.script.path == script) {
        return;
    }
    let Some(text) = files.read(script).ok().and_then(|b| String::from_utf8(b).ok()) else { return };
    match crate::script::build::generate(script, &text) {
        Ok(Some(g)) => {
            let (path, toml) = (g.path.clone(), g.toml.clone());
            out.generated.push(g);
            read_text(files, &path, toml, Some(from), stack, out);
        }
        Ok(None) => {}
        Err(d) => out.diagnostics.push(d),
    }
}

/// A section only the main scene file may have (`[show]`, `[audio]`, `[panic]`, `[schedule]`): in an include it
/// is an error at its key, with `hint`; else it is read like any entry.
fn main_only<T: DeserializeOwned>(
    out: &mut Parsed,
    file: FileId,
    in_include: bool,
    (key, value): (std::ops::Range<usize>, &Spanned<DeValue<'_>>),
    what: &str,
    hint: &str,
) -> Option<At<T>> {
    if in_include {
        push(out, file, key, &format!("{what} belongs in the main scene file, not in an include"), Some(hint));
        return None;
    }
    let span = value.span();
    entry::<T>(out, file, value.clone(), what).map(|(value, broken)| At { file, span, value, broken })
}

/// A `[[key]]` array of tables: each entry read on its own (see `entry`) into `list(out)`.
fn array_of<T: DeserializeOwned>(
    out: &mut Parsed,
    file: FileId,
    value: &Spanned<DeValue<'_>>,
    key: &str,
    what: &str,
    list: fn(&mut Parsed) -> &mut Vec<At<T>>,
) {
    let DeValue::Array(items) = value.get_ref() else {
        let hint = format!("write each entry as [[{key}]]");
        return push(out, file, value.span(), &format!("`{key}` must be an array of tables"), Some(&hint));
    };
    for (i, item) in items.iter().enumerate() {
        let span = item.span();
        if let Some((value, broken)) = entry::<T>(out, file, item.clone(), &format!("{what} #{}", i + 1)) {
            list(out).push(At { file, span, value, broken });
        }
    }
}

fn push(out: &mut Parsed, file: FileId, span: std::ops::Range<usize>, msg: &str, hint: Option<&str>) {
    let d = Diagnostic::new(msg).at(&out.sources[file], span);
    out.diagnostics.push(match hint {
        Some(h) => d.hint(h),
        None => d,
    });
}

/// Deserialize one entry; on failure report it, drop the offending key and try again, so all the
/// entry's problems are found. What remains is returned for validation (the load fails anyway
/// once a diagnostic exists), so one bad key does not hide a bad value beside it or make the
/// entry vanish for whatever refers to it.
fn entry<T: DeserializeOwned>(
    out: &mut Parsed,
    file: FileId,
    mut value: Spanned<DeValue<'_>>,
    what: &str,
) -> Option<(T, Vec<String>)> {
    // Name a layer or output by its name when it has one: layer `field` beats layer #3.
    let named = match value.get_ref() {
        DeValue::Table(t) => t.get("name").and_then(|n| n.get_ref().as_str()).map(|n| {
            let kind = what.split(" #").next().unwrap_or(what);
            format!("{kind} `{n}`")
        }),
        _ => None,
    };
    let what = named.as_deref().unwrap_or(what);
    let mut broken = Vec::new();
    for _ in 0..32 {
        match T::deserialize(ValueDeserializer::from(value.clone())) {
            Ok(v) => return Some((v, broken)),
            Err(e) => {
                let span = e.span().unwrap_or_else(|| value.span());
                let (message, hint) = explain(e.message(), what);
                let d = Diagnostic::new(message).at(&out.sources[file], span.clone()).maybe_hint(hint);
                out.diagnostics.push(d);
                // Remove the key whose key or value holds the error, then look for the next problem.
                let DeValue::Table(t) = value.get_mut() else { return None };
                let culprit = t
                    .iter()
                    .find(|(k, v)| {
                        k.span().contains(&span.start) || v.span().contains(&span.start) || k.span().start == span.start
                    })
                    .map(|(k, _)| k.get_ref().to_string());
                match culprit {
                    Some(k) => {
                        t.remove(k.as_str());
                        broken.push(k);
                    }
                    None => return None,
                }
            }
        }
    }
    None
}

/// Turn serde's wording into ours, with a hint.
fn explain(message: &str, what: &str) -> (String, Option<String>) {
    let message = message.trim_end();
    if let Some(rest) = message.strip_prefix("unknown field `") {
        let (field, expected) = rest.split_once('`').unwrap_or((rest, ""));
        let names: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
        if field == "include" {
            // TOML puts every key after a [table] header into that table.
            let hint = "move `include` above the first [table]: a key written after a [table] header belongs to \
                        that table (scenes/README.md, \"`include`\")";
            return (format!("`include` is inside {what}"), Some(hint.to_string()));
        }
        let hint =
            did_you_mean(field, names.iter().copied()).unwrap_or_else(|| format!("known keys: {}", names.join(", ")));
        return (format!("unknown key `{field}` in {what}"), Some(hint));
    }
    if let Some(rest) = message.strip_prefix("unknown variant `") {
        let (variant, expected) = rest.split_once('`').unwrap_or((rest, ""));
        let names: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
        let hint = did_you_mean(variant, names.iter().copied())
            .unwrap_or_else(|| format!("choose one of: {}", names.join(", ")));
        return (format!("unknown value `{variant}` in {what}"), Some(hint));
    }
    if let Some(rest) = message.strip_prefix("missing field `") {
        let field = rest.split('`').next().unwrap_or(rest);
        return (format!("{what} is missing `{field}`"), Some(format!("add `{field} = ...`")));
    }
    if let Some(rest) = message.strip_prefix("invalid type: ") {
        let rest = rest
            .replace("expected f64", "expected a number")
            .replace("expected f32", "expected a number")
            .replace("expected u32", "expected a whole number")
            .replace("expected usize", "expected a whole number")
            .replace("expected a boolean", "expected true or false");
        let hint = if rest.starts_with("string") && rest.contains("number") {
            Some("numbers are written without quotes, e.g. opacity = 0.5".to_string())
        } else if rest.contains("expected a string") {
            Some("text is written in quotes, e.g. name = \"main\"".to_string())
        } else {
            None
        };
        return (format!("wrong type in {what}: {rest}"), hint);
    }
    (format!("{what}: {message}"), None)
}

pub(crate) fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}
