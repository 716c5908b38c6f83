//! Stage two: the parsed file model (load.rs) becomes a `Scene`. Every entry is checked; names are
//! resolved to ids; shaders are compiled and images decoded. All problems are collected.
//! This file: the context, [show], [params.*]; layers.rs: [[layers]]; inputs.rs: [[inputs]],
//! [[mappings]], [[triggers]]; outputs/: [[outputs]] (window, Art-Net, sACN) and [[fixtures]];
//! audio/: [audio], [[speakers]], [[sounds]], [[synths]], [[buses]], [[analysis]]; cues.rs:
//! [[cues.*]], [panic], [keys] and the commands triggers send.

mod audio;
mod console;
pub use console::MIN_TOKEN;

/// `"input:..."` as a mapping's `from` reads it: the input's index and what to read from its
/// events, else the problem and a hint (`None`: nothing to say).
pub fn parse_selector(text: &str, inputs: &[Input]) -> Result<(usize, Selector), Option<(String, String)>> {
    inputs::parse_selector(text, inputs, &[])
}
mod cues;
mod inputs;
mod layers;
mod outputs;
mod schedule;

use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_spanned::Spanned;

use super::diag::{Diagnostic, SceneErrors};
use super::file::Size;
use super::load::{At, FileId, Parsed};
use super::model::*;
use super::source::Files;

pub(super) const MAX_TEXTURE: u32 = 8192;

pub(super) struct Ctx<'a> {
    files: &'a dyn Files,
    parsed: &'a Parsed,
    diags: Vec<Diagnostic>,
    read: Vec<PathBuf>,
    /// Compiled shaders by (file, uniforms); `None` = failed (reported once, not once per layer).
    programs: HashMap<(PathBuf, Vec<String>), Option<Arc<ShaderProgram>>>,
    images: HashMap<PathBuf, Option<Arc<ImageData>>>,
    /// Images of the previous version of the scene, reused where their file is unchanged.
    reuse: &'a [Arc<ImageData>],
    /// What is being checked (" in layer `x`"), appended to range errors.
    context: String,
    /// `call FUNCTION` commands the scene sends (keys, triggers, the schedule), checked against
    /// the scripts' functions once they are compiled.
    calls: Vec<(FileId, Range<usize>, String, String)>,
}

impl Ctx<'_> {
    pub(super) fn err(
        &mut self,
        file: FileId,
        span: Range<usize>,
        msg: impl Into<String>,
        hint: impl Into<Option<String>>,
    ) {
        let d = Diagnostic::new(msg).at(&self.parsed.sources[file], span);
        self.diags.push(match hint.into() {
            Some(h) => d.hint(h),
            None => d,
        });
    }

    /// A number that must be finite and within `lo..=hi`.
    pub(super) fn ranged(&mut self, file: FileId, v: &Spanned<f64>, what: &str, lo: f64, hi: f64) -> Option<f32> {
        let x = *v.get_ref();
        if !x.is_finite() || x < lo || x > hi {
            self.err(
                file,
                v.span(),
                format!("{what} {x} is out of range{}", self.context),
                format!("{what} must be between {lo} and {hi}"),
            );
            return None;
        }
        Some(x as f32)
    }
}

/// A whole number within `lo..=hi`.
pub(super) fn whole(cx: &mut Ctx, file: FileId, v: &Spanned<i64>, what: &str, lo: i64, hi: i64) -> Option<i64> {
    let x = *v.get_ref();
    if !(lo..=hi).contains(&x) {
        cx.err(
            file,
            v.span(),
            format!("{what} {x} is out of range{}", cx.context),
            format!("{what} must be between {lo} and {hi}"),
        );
        return None;
    }
    Some(x)
}

pub fn validate(
    files: &dyn Files,
    path: &Path,
    parsed: Parsed,
    reuse: &[Arc<ImageData>],
) -> Result<Scene, SceneErrors> {
    let mut cx = Ctx {
        files,
        parsed: &parsed,
        diags: Vec::new(),
        read: Vec::new(),
        programs: HashMap::new(),
        images: HashMap::new(),
        reuse,
        context: String::new(),
        calls: Vec::new(),
    };

    // [show]
    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "scene".into());
    let (mut name, mut canvas, mut fps, mut background) = (stem, [1280, 720], 60.0, [0.0, 0.0, 0.0, 1.0]);
    let mut time_wrap = DEFAULT_TIME_WRAP;
    let mut priorities = crate::show::Priorities::default();
    if let Some(At { file, value: show, .. }) = &parsed.show {
        let file = *file;
        if let Some(n) = &show.name {
            name = n.get_ref().clone();
        }
        if let Some(c) = &show.canvas {
            canvas = check_size(&mut cx, file, c, "canvas").unwrap_or(canvas);
        }
        if let Some(f) = &show.fps {
            fps = cx.ranged(file, f, "fps", 1.0, 480.0).map(f64::from).unwrap_or(fps);
        }
        if let Some(b) = &show.background {
            background = b.get_ref().0;
        }
        if let Some(t) = &show.time_wrap {
            // Checked as f64: `ranged` hands back an f32, and 86400 s must stay exact.
            time_wrap = cx.ranged(file, t, "time_wrap", 1.0, 86400.0).map(|_| *t.get_ref()).unwrap_or(time_wrap);
        }
        if let Some(p) = &show.priority {
            let mut get = |v: &Option<Spanned<i64>>, what: &str, default: u8| {
                v.as_ref().and_then(|v| whole(&mut cx, file, v, what, 0, 255)).map_or(default, |v| v as u8)
            };
            priorities.mapping = get(&p.mapping, "priority of mappings", priorities.mapping);
            priorities.cue = get(&p.cue, "priority of cues", priorities.cue);
            priorities.direct = get(&p.direct, "priority of direct sets", priorities.direct);
        }
    }

    // [params.*]
    let mut params: Vec<ParamDef> = Vec::new();
    let mut param_at: Vec<(FileId, Range<usize>)> = Vec::new();
    for At { file, value: (pname, p), .. } in &parsed.params {
        let file = *file;
        let n = pname.get_ref();
        if let Some(why) = bad_identifier(n) {
            cx.err(
                file,
                pname.span(),
                format!("parameter name `{n}` is not a valid name"),
                format!("{why}; use letters, digits and _, starting with a letter, e.g. `light_level`"),
            );
        }
        if let Some(first) = params.iter().position(|q| &q.name == n) {
            let (ff, fs) = param_at[first].clone();
            let (l, c) = parsed.sources[ff].line_col(fs.start);
            cx.err(
                file,
                pname.span(),
                format!("parameter `{n}` is declared twice"),
                format!("first declared at {}:{l}:{c}", parsed.sources[ff].path.display()),
            );
            continue;
        }
        let min = p.min.as_ref().and_then(|v| cx.ranged(file, v, "min", -1e12, 1e12)).unwrap_or(0.0);
        let max = p.max.as_ref().and_then(|v| cx.ranged(file, v, "max", -1e12, 1e12)).unwrap_or(1.0_f32.max(min + 1.0));
        if min >= max {
            let span = p.max.as_ref().or(p.min.as_ref()).map(|s| s.span()).unwrap_or(pname.span());
            cx.err(
                file,
                span,
                format!("parameter `{n}`: min ({min}) must be below max ({max})"),
                "swap them, or widen the range".to_string(),
            );
        }
        let default = match &p.default {
            Some(d) => cx.ranged(file, d, &format!("default of `{n}`"), min as f64, max as f64).unwrap_or(min),
            None => min.max(0.0_f32.min(max)),
        };
        let smoothing = p.smoothing.as_ref().and_then(|s| cx.ranged(file, s, "smoothing", 0.0, 3600.0)).unwrap_or(0.0);
        params.push(ParamDef {
            name: n.clone(),
            default,
            min,
            max,
            unit: p.unit.as_ref().map(|u| u.get_ref().clone()).unwrap_or_default(),
            smoothing,
            combine: p.combine.as_ref().map(|c| *c.get_ref()).unwrap_or_default(),
            writers: p.writers.as_ref().map(|w| *w.get_ref()).unwrap_or_default(),
        });
        param_at.push((file, pname.span()));
    }

    let layers = layers::check(&mut cx, &params);
    cx.context.clear();
    let (inputs, mappings, triggers) = inputs::check(&mut cx, &params);

    // [[outputs]] and [[fixtures]]
    cx.context.clear();
    let (projectors, leds) = outputs::check(&mut cx, canvas);

    // [audio], [[speakers]], [[sounds]], [[synths]], [[buses]], [[analysis]]
    cx.context.clear();
    let audio = audio::check(&mut cx, &params, &triggers);

    // [[cues.*]], [panic], [keys], and the commands triggers send
    cx.context.clear();
    let cues = cues::check(&mut cx, &params, &layers, &audio, &triggers);
    cx.context.clear();
    let schedule = schedule::check(&mut cx, &cues.lists, &params);
    cx.context.clear();
    let console = console::check(&mut cx);
    let names = SceneNames { params: &params, lists: &cues.lists, inputs: &inputs, triggers: &triggers };
    let (scripts, watches) = scripts(&mut cx, &names);
    check_calls(&mut cx, &scripts);

    let mut files_read = parsed.files.clone();
    files_read.append(&mut cx.read);
    if !cx.diags.is_empty() || !parsed.diagnostics.is_empty() {
        mark_consequences(&mut cx.diags, &parsed.unread);
        let mut diagnostics = parsed.diagnostics.clone();
        diagnostics.append(&mut cx.diags);
        crate::script::build::relocate(&mut diagnostics, &parsed.generated);
        // Report in reading order: files as they were read, then line and column.
        let order = |d: &Diagnostic| {
            d.location.as_ref().map(|l| {
                let file = files_read.iter().position(|f| *f == l.path).unwrap_or(usize::MAX);
                (file, l.line, l.col)
            })
        };
        diagnostics.sort_by_key(|d| order(d).unwrap_or((usize::MAX, 0, 0)));
        return Err(SceneErrors { diagnostics, files: files_read });
    }
    Ok(Scene {
        name,
        path: path.to_path_buf(),
        canvas,
        fps,
        time_wrap,
        background,
        params,
        layers,
        projectors,
        audio,
        leds,
        inputs,
        mappings,
        triggers,
        cues: cues.lists,
        default_list: cues.default_list,
        panic: cues.panic,
        keys: cues.keys,
        schedule,
        console,
        scripts,
        watches,
        priorities,
        files: files_read,
    })
}

pub(super) fn check_size(cx: &mut Ctx, file: FileId, s: &Spanned<Size>, what: &str) -> Option<[u32; 2]> {
    let Size([w, h]) = *s.get_ref();
    if !(1..=MAX_TEXTURE).contains(&w) || !(1..=MAX_TEXTURE).contains(&h) {
        cx.err(
            file,
            s.span(),
            format!("{what} {w}x{h} is out of range"),
            format!("width and height must be 1..{MAX_TEXTURE} pixels"),
        );
        return None;
    }
    Some([w, h])
}

/// Why `s` is not a name usable in WGSL and in OSC/console addresses, if it is not.
pub(super) fn bad_identifier(s: &str) -> Option<&'static str> {
    let mut chars = s.chars();
    match chars.next() {
        None => Some("it is empty"),
        Some(c) if c.is_ascii_digit() => Some("names cannot start with a digit"),
        Some(c) if !c.is_ascii_alphabetic() => Some("names start with a letter"),
        _ if !chars.all(|c| c.is_ascii_alphanumeric() || c == '_') => {
            Some("only letters a-z, digits and _ are allowed (no spaces, dashes or dots)")
        }
        _ => None,
    }
}

/// With an include that could not be read, a name it would have declared ("unknown parameter",
/// "no layer named") is most likely missing because of it: say so, instead of suggesting to
/// declare it here.
fn mark_consequences(diags: &mut [Diagnostic], unread: &[String]) {
    if unread.is_empty() {
        return;
    }
    let files = unread.iter().map(|f| format!("`{f}`")).collect::<Vec<_>>().join(", ");
    let missing_name = |m: &str| {
        [
            "unknown parameter",
            "no parameter named",
            "no layer named",
            "unknown layer",
            "no cue",
            "unknown cue",
            "no list",
            "unknown list",
            "no input",
            "unknown input",
            "no output",
            "unknown output",
            "no sound",
            "unknown sound",
            "no fixture",
            "unknown fixture",
            "no trigger",
            "unknown trigger",
        ]
        .iter()
        .any(|k| m.contains(k))
    };
    for d in diags.iter_mut().filter(|d| missing_name(&d.message)) {
        d.message.push_str(&format!(" (probably because {files} could not be read)"));
        d.hint = Some(format!("fix the include first: the name may be declared in {files}"));
    }
}

/// `scripts = [...]`: each file read (hot reload watches it) and compiled; a syntax error is
/// located in the script itself.
/// What a script's literal names are checked against.
struct SceneNames<'a> {
    params: &'a [ParamDef],
    lists: &'a [crate::show::cues::CueList],
    inputs: &'a [Input],
    triggers: &'a [Trigger],
}

fn scripts(cx: &mut Ctx, names: &SceneNames) -> (Vec<crate::script::Script>, Vec<crate::script::Watch>) {
    let mut out: Vec<crate::script::Script> = Vec::new();
    let mut watches = Vec::new();
    for (file, rel) in &cx.parsed.scripts {
        let path = super::source::resolve(&cx.parsed.sources[*file].path, rel.get_ref());
        if out.iter().any(|s| s.path == path) {
            continue;
        }
        cx.read.push(path.clone());
        match cx.files.read(&path).map(String::from_utf8) {
            Ok(Ok(text)) => match crate::script::compile(&path, &text) {
                Ok(s) => {
                    check_script_names(cx, &s, &text, names, &mut watches);
                    out.push(s);
                }
                Err(d) => cx.diags.push(d),
            },
            Ok(Err(_)) => cx.err(*file, rel.span(), format!("script {} is not UTF-8 text", path.display()), None),
            Err(e) => cx.err(
                *file,
                rel.span(),
                format!("cannot read script {}: {}", path.display(), super::load::io_reason(&e)),
                "script paths are relative to the scene file that names them".to_string(),
            ),
        }
    }
    (out, watches)
}

/// Each `call FUNCTION` the scene sends must find a `fn FUNCTION()` in one of its scripts.
fn check_calls(cx: &mut Ctx, scripts: &[crate::script::Script]) {
    use super::diag::did_you_mean;
    for (file, span, name, what) in std::mem::take(&mut cx.calls) {
        if scripts.iter().any(|s| s.callable().any(|f| f == name)) {
            continue;
        }
        let (message, hint) = if scripts.is_empty() {
            (
                format!("{what}: `call {name}`, but the scene has no scripts"),
                format!("name a script that defines `fn {name}()` with scripts = [\"logic.rhai\"]"),
            )
        } else {
            let names: Vec<String> = scripts.iter().flat_map(|s| s.callable()).map(String::from).collect();
            (
                format!("{what}: `call {name}`: no script of the scene defines `fn {name}()`"),
                did_you_mean(&name, names.iter().map(String::as_str)).unwrap_or_else(|| {
                    if names.is_empty() {
                        "the scripts define no functions without arguments".to_string()
                    } else {
                        format!("functions that `call` can run: {}", names.join(", "))
                    }
                }),
            )
        };
        cx.err(file, span, message, hint);
    }
}

/// Names a script writes as literals (`param("x")`, `set("x", ..)`, `command("go list")`) are
/// checked against the scene when it loads, at the script's line:col; names it computes are
/// checked when it runs.
fn check_script_names(
    cx: &mut Ctx,
    script: &crate::script::Script,
    text: &str,
    names: &SceneNames,
    watches: &mut Vec<crate::script::Watch>,
) {
    let SceneNames { params, lists, inputs, triggers } = *names;
    use super::diag::did_you_mean;
    use crate::show::commands::{self, Command};
    let src = super::source::SourceText::new(script.path.clone(), text.to_string());
    let param_names = || params.iter().map(|p| p.name.as_str());
    let list_names = || lists.iter().map(|l| l.name.as_str());
    for lit in crate::script::literals(text) {
        let at = lit.offset..lit.offset + lit.len;
        let problem: Option<(String, String)> = match lit.function {
            "param" | "set" if !params.iter().any(|p| p.name == lit.text) => Some((
                format!("script: {}(\"{}\"): the scene has no parameter `{}`", lit.function, lit.text, lit.text),
                did_you_mean(&lit.text, param_names())
                    .unwrap_or_else(|| format!("declare it under [params.{}]", lit.text)),
            )),
            "input" | "on_input" => match inputs::parse_selector(&lit.text, inputs, &[]) {
                Ok((input, selector)) => {
                    if !watches.iter().any(|w| w.text == lit.text) {
                        watches.push(crate::script::Watch { text: lit.text.clone(), input, selector });
                    }
                    None
                }
                Err(problem) => problem.map(|(m, h)| (format!("script: {}(\"{}\"): {m}", lit.function, lit.text), h)),
            },
            "trigger" if !triggers.iter().any(|t| t.name == lit.text) => Some((
                format!("script: trigger(\"{}\"): the scene has no trigger `{}`", lit.text, lit.text),
                did_you_mean(&lit.text, triggers.iter().map(|t| t.name.as_str()))
                    .unwrap_or_else(|| "declare it under [[triggers]] with its name".to_string()),
            )),
            "on_input handler" if !(script.defines(&lit.text, 1) || script.defines(&lit.text, 2)) => Some((
                format!("script: on_input(..., \"{}\"): the script has no `fn {}(value)`", lit.text, lit.text),
                did_you_mean(&lit.text, script.functions(1).iter().chain(&script.functions(2)).map(String::as_str))
                    .unwrap_or_else(|| {
                        format!("define it: fn {}(value) {{ ... }} (or fn {}(value, t))", lit.text, lit.text)
                    }),
            )),
            "command" => match commands::parse(&lit.text) {
                Err(e) => {
                    Some((format!("script: command(\"{}\"): {e}", lit.text), commands::CommandError::FORMS.to_string()))
                }
                Ok(Command::Go(Some(l)) | Command::Back(Some(l)) | Command::Stop(Some(l)))
                    if !lists.iter().any(|x| x.name == l) =>
                {
                    Some((
                        format!("script: command(\"{}\"): no cue list `{l}`", lit.text),
                        did_you_mean(&l, list_names())
                            .unwrap_or_else(|| format!("lists are: {}", list_names().collect::<Vec<_>>().join(", "))),
                    ))
                }
                Ok(Command::Goto { list: Some(l), cue }) => match lists.iter().find(|x| x.name == l) {
                    None => Some((
                        format!("script: command(\"{}\"): no cue list `{l}`", lit.text),
                        did_you_mean(&l, list_names())
                            .unwrap_or_else(|| format!("lists are: {}", list_names().collect::<Vec<_>>().join(", "))),
                    )),
                    Some(list) if !list.cues.iter().any(|c| c.name == cue) => Some((
                        format!("script: command(\"{}\"): list `{l}` has no cue `{cue}`", lit.text),
                        did_you_mean(&cue, list.cues.iter().map(|c| c.name.as_str()))
                            .unwrap_or_else(|| "see the list's [[cues.LIST]] entries".to_string()),
                    )),
                    _ => None,
                },
                Ok(Command::Set { param, .. }) if !params.iter().any(|p| p.name == param) => Some((
                    format!("script: command(\"{}\"): the scene has no parameter `{param}`", lit.text),
                    did_you_mean(&param, param_names()).unwrap_or_else(|| format!("declare it under [params.{param}]")),
                )),
                _ => None,
            },
            _ => None,
        };
        if let Some((message, hint)) = problem {
            cx.diags.push(Diagnostic::new(message).at(&src, at).hint(hint));
        }
    }
}
