//! `[[cues.LIST]]`, `[panic]`, `[keys]` and the commands triggers send: names resolve to
//! parameters, layers, sounds and cues; values are checked against their ranges; follow-ons that
//! jump nowhere or loop with no time between them are errors at the cue that starts them.

use std::ops::Range;

use serde_spanned::Spanned;

use super::super::diag::did_you_mean;
use super::super::file::CueFile;
use super::super::load::{At, FileId};
use super::super::model::*;
use super::Ctx;
use crate::scene::audio::Audio;
use crate::show::commands::{self, Command, CommandError, Learn};
use crate::show::cues::{Cue, CueEngine, CueError, CueList, Follow, Target};

pub(super) struct Checked {
    pub lists: Vec<CueList>,
    pub default_list: Option<usize>,
    pub panic: Panic,
    pub keys: Vec<KeyBinding>,
}

/// Where a cue's name and its `jump` were written.
type CueAt = (FileId, Range<usize>, Option<Range<usize>>);

/// Longest fade or auto-continue delay: a day.
const MAX_TIME: f64 = 86400.0;

pub(super) fn check(
    cx: &mut Ctx,
    params: &[ParamDef],
    layers: &[Layer],
    audio: &Audio,
    triggers: &[Trigger],
) -> Checked {
    let parsed = cx.parsed;
    let mut lists: Vec<CueList> = Vec::new();
    // Where each cue's name and `jump` were written, by (list, cue index), for errors found
    // across cues.
    let mut at: Vec<Vec<CueAt>> = Vec::new();
    for At { file, span, value: (list_name, cue), .. } in &parsed.cues {
        let file = *file;
        let ln = list_name.get_ref();
        let li = match lists.iter().position(|l| &l.name == ln) {
            Some(i) => i,
            None => {
                if !commands::is_name(ln) {
                    cx.err(
                        file,
                        list_name.span(),
                        format!("cue list name `{ln}` is not a valid name"),
                        "use letters, digits, _, - and ., e.g. [[cues.picture]]".to_string(),
                    );
                }
                lists.push(CueList { name: ln.clone(), cues: Vec::new() });
                at.push(Vec::new());
                lists.len() - 1
            }
        };
        let c = check_cue(cx, file, span, ln, cue, params, layers, audio);
        cx.context.clear();
        let Some(c) = c else { continue };
        if let Some(first) = lists[li].cues.iter().position(|o| o.name == c.name) {
            let (ff, fs, _) = at[li][first].clone();
            let (l, col) = parsed.sources[ff].line_col(fs.start);
            let name_span = cue.name.as_ref().map(|n| n.span()).unwrap_or(span.clone());
            cx.err(
                file,
                name_span,
                format!("cue list `{ln}`: two cues are named `{}`", c.name),
                format!(
                    "the first is at {}:{l}:{col}; cue names are unique in their list",
                    parsed.sources[ff].path.display()
                ),
            );
            continue;
        }
        lists[li].cues.push(c);
        let name_span = cue.name.as_ref().map(|n| n.span()).unwrap_or(span.clone());
        at[li].push((file, name_span, cue.jump.as_ref().map(|j| j.span())));
    }
    // Jumps and zero-time loops: the engine's own checks, reported at the cue that starts them.
    if let Err(e) = CueEngine::new(lists.clone()) {
        let all = match e {
            CueError::Several(all) => all,
            one => vec![one],
        };
        for e in all {
            let (list, cue, hint, at_jump) = match &e {
                CueError::UnknownJump { list, cue, target } => {
                    let li = lists.iter().position(|l| &l.name == list);
                    let names = li.map(|i| lists[i].cues.iter().map(|c| c.name.as_str()).collect::<Vec<_>>());
                    let hint = names
                        .and_then(|n| did_you_mean(target, n))
                        .unwrap_or_else(|| format!("`jump` names a cue of list `{list}`"));
                    (list, cue.clone(), hint, true)
                }
                CueError::ZeroTimeLoop { list, cues } => (
                    list,
                    cues.first().cloned().unwrap_or_default(),
                    "give one of these cues a fade or an `after` time, or end the loop with a cue that waits".into(),
                    false,
                ),
                _ => continue, // numbers and duplicate names are checked above, with their spans
            };
            let Some(li) = lists.iter().position(|l| &l.name == list) else { continue };
            let Some(ci) = lists[li].cues.iter().position(|c| c.name == cue) else { continue };
            let (file, name, jump) = at[li][ci].clone();
            let span = if at_jump { jump.unwrap_or(name) } else { name };
            cx.err(file, span, e.to_string(), hint);
        }
    }
    let default_list = default_list(&lists);

    let panic = match &parsed.panic {
        Some(At { file, value, .. }) => {
            let file = *file;
            let within =
                value.within.as_ref().and_then(|w| cx.ranged(file, w, "panic `within`", 0.0, 60.0)).unwrap_or(1.0);
            cx.context = " in [panic]".into();
            let set = param_targets(cx, file, &value.set, params, "[panic]");
            cx.context.clear();
            Panic { within: f64::from(within), set }
        }
        None => Panic::default(),
    };

    let mut keys: Vec<KeyBinding> = Vec::new();
    for At { file, value: (key, text), .. } in &parsed.keys {
        let file = *file;
        let k = key.get_ref().to_lowercase();
        if !is_key_name(&k) {
            cx.err(
                file,
                key.span(),
                format!("`{}` is not a key name", key.get_ref()),
                "keys are one character (\"a\", \"1\", \".\") or space, enter, tab, backspace, escape, up, down, \
                 left, right, home, end, pageup, pagedown, insert, delete, f1..f12"
                    .to_string(),
            );
            continue;
        }
        if keys.iter().any(|b| b.key == k) {
            cx.err(file, key.span(), format!("key `{k}` is bound twice"), "each key sends one command".to_string());
            continue;
        }
        if let Some(command) = command_at(cx, file, text, &lists, params, &format!("key `{k}`")) {
            keys.push(KeyBinding { key: k, command });
        }
    }
    // Triggers' commands were read with the triggers; their names are checked here, now that the
    // cue lists are known.
    for At { file, value, .. } in &parsed.triggers {
        let (Some(name), Some(text)) = (&value.name, &value.action) else { continue };
        if let Some(Trigger { action: Some(c), .. }) = triggers.iter().find(|t| &t.name == name.get_ref()) {
            check_refs(cx, *file, text.span(), c, &lists, params, &format!("trigger `{}`", name.get_ref()));
        }
    }
    Checked { lists, default_list, panic, keys }
}

#[allow(clippy::too_many_arguments)]
fn check_cue(
    cx: &mut Ctx,
    file: FileId,
    span: &Range<usize>,
    list: &str,
    c: &CueFile,
    params: &[ParamDef],
    layers: &[Layer],
    audio: &Audio,
) -> Option<Cue> {
    let Some(name) = &c.name else {
        cx.err(file, span.clone(), format!("a cue of list `{list}` has no `name`"), "add name = \"1\"".to_string());
        return None;
    };
    let n = name.get_ref().clone();
    if !commands::is_name(&n) {
        cx.err(
            file,
            name.span(),
            format!("cue name `{n}` is not a valid name"),
            "use letters, digits, _, - and ., e.g. \"1\", \"2.5\" or \"dawn\"".to_string(),
        );
        return None;
    }
    let what = format!("cue `{list}/{n}`");
    // Range errors say which cue (the caller clears it).
    cx.context = format!(" in {what}");
    let fade = match &c.fade {
        Some(f) => cx.ranged(file, f, "fade", 0.0, MAX_TIME).map_or(0.0, |_| *f.get_ref()),
        None => 0.0,
    };
    let easing = c.easing.as_ref().map(|e| *e.get_ref()).unwrap_or_default();
    let mut targets: Vec<(Target, f32)> =
        param_targets(cx, file, &c.set, params, &what).into_iter().map(|(p, v)| (Target::Param(p), v)).collect();
    let layer_names = || layers.iter().map(|l| l.name.as_str());
    let layer = |cx: &mut Ctx, l: &Spanned<String>| -> Option<usize> {
        let found = layers.iter().position(|x| &x.name == l.get_ref());
        if found.is_none() {
            let hint = did_you_mean(l.get_ref(), layer_names()).unwrap_or_else(|| "name a [[layers]] entry".into());
            cx.err(file, l.span(), format!("{what}: no layer named `{}`", l.get_ref()), hint);
        }
        found
    };
    for (l, v) in &c.opacity {
        if let (Some(i), Some(v)) =
            (layer(cx, l), cx.ranged(file, v, &format!("opacity of `{}`", l.get_ref()), 0.0, 1.0))
        {
            targets.push((Target::Opacity(i), v));
        }
    }
    for l in c.show.iter().flat_map(|s| s.get_ref()) {
        if let Some(i) = layer(cx, l) {
            targets.push((Target::Opacity(i), layers[i].opacity));
        }
    }
    for l in c.hide.iter().flat_map(|s| s.get_ref()) {
        if let Some(i) = layer(cx, l) {
            targets.push((Target::Opacity(i), 0.0));
        }
    }
    // One value per target: the same layer shown and hidden, or set twice, is a mistake.
    for i in 1..targets.len() {
        if targets[..i].iter().any(|(t, _)| *t == targets[i].0) {
            cx.err(
                file,
                span.clone(),
                format!("{what} changes the same layer twice (in `opacity`, `show` or `hide`)"),
                "give each layer one of them".to_string(),
            );
            break;
        }
    }
    let sound_names =
        || audio.sounds.iter().map(|s| s.name.as_str()).chain(audio.synths.iter().map(|s| s.name.as_str()));
    let mut sounds = |key: &Option<Spanned<Vec<Spanned<String>>>>| -> Vec<String> {
        let mut out = Vec::new();
        for s in key.iter().flat_map(|s| s.get_ref()) {
            if sound_names().any(|n| n == s.get_ref()) {
                out.push(s.get_ref().clone());
            } else {
                let hint = did_you_mean(s.get_ref(), sound_names())
                    .unwrap_or_else(|| "name a [[sounds]] or [[synths]] entry".into());
                cx.err(file, s.span(), format!("{what}: no sound or synth named `{}`", s.get_ref()), hint);
            }
        }
        out
    };
    let play = sounds(&c.play);
    let silence = sounds(&c.silence);
    if let (Some(f), Some(_)) = (c.follow.as_ref().filter(|f| *f.get_ref()), &c.after) {
        cx.err(
            file,
            f.span(),
            format!("{what} has both `follow` and `after`"),
            "a cue either follows when its fade ends (`follow = true`) or after a delay from its start \
             (`after = 3.0`); either may go with `jump = \"name\"`"
                .to_string(),
        );
    }
    if let Some(a) = &c.after {
        cx.ranged(file, a, "`after`", 0.0, MAX_TIME);
    }
    let follow = if let (Some(j), Some(a)) = (&c.jump, &c.after) {
        Follow::JumpAfter(j.get_ref().clone(), *a.get_ref())
    } else if let Some(a) = &c.after {
        Follow::AutoContinue(*a.get_ref())
    } else if let Some(j) = &c.jump {
        Follow::Jump(j.get_ref().clone())
    } else if c.follow.as_ref().is_some_and(|f| *f.get_ref()) {
        Follow::AutoFollow
    } else {
        Follow::Wait
    };
    let note = c.note.as_ref().map(|n| n.get_ref().clone()).unwrap_or_default();
    Some(Cue { name: n, targets, fade, easing, follow, play, silence, note })
}

/// The list a command without a list name goes to: `main`, else the first.
fn default_list(lists: &[CueList]) -> Option<usize> {
    lists.iter().position(|l| l.name == "main").or((!lists.is_empty()).then_some(0))
}

/// `set = { name = value }`: each name a parameter, each value in its range.
fn param_targets(
    cx: &mut Ctx,
    file: FileId,
    set: &std::collections::BTreeMap<Spanned<String>, Spanned<f64>>,
    params: &[ParamDef],
    what: &str,
) -> Vec<(ParamId, f32)> {
    let mut out = Vec::new();
    for (name, v) in set {
        let Some(i) = params.iter().position(|p| &p.name == name.get_ref()) else {
            let hint = did_you_mean(name.get_ref(), params.iter().map(|p| p.name.as_str()))
                .unwrap_or_else(|| format!("declare it as [params.{}]", name.get_ref()));
            cx.err(file, name.span(), format!("{what}: no parameter named `{}`", name.get_ref()), hint);
            continue;
        };
        let p = &params[i];
        if let Some(v) = cx.ranged(file, v, &format!("`{}`", p.name), f64::from(p.min), f64::from(p.max)) {
            out.push((ParamId(i), v));
        }
    }
    out
}

/// A command's text at `text`: parsed, and its names checked.
pub(super) fn command_at(
    cx: &mut Ctx,
    file: FileId,
    text: &Spanned<String>,
    lists: &[CueList],
    params: &[ParamDef],
    what: &str,
) -> Option<Command> {
    match commands::parse(text.get_ref()) {
        Ok(c) => check_refs(cx, file, text.span(), &c, lists, params, what).then_some(c),
        Err(e) => {
            cx.err(file, text.span(), format!("{what}: {e}"), CommandError::FORMS.to_string());
            None
        }
    }
}

/// Whether the lists, cues and parameters `c` names exist (reported where not).
fn check_refs(
    cx: &mut Ctx,
    file: FileId,
    span: Range<usize>,
    c: &Command,
    lists: &[CueList],
    params: &[ParamDef],
    what: &str,
) -> bool {
    let list_names = || lists.iter().map(|l| l.name.as_str());
    let list = |cx: &mut Ctx, l: &Option<String>| -> Option<usize> {
        let found = match l {
            Some(l) => lists.iter().position(|x| &x.name == l),
            None => default_list(lists),
        };
        if found.is_none() {
            let (msg, hint) = match l {
                Some(l) => (
                    format!("{what}: no cue list named `{l}`"),
                    did_you_mean(l, list_names()).unwrap_or_else(|| format!("add cues with [[cues.{l}]]")),
                ),
                None => (format!("{what}: the scene has no cue lists"), "add cues with [[cues.main]]".to_string()),
            };
            cx.err(file, span.clone(), msg, hint);
        }
        found
    };
    match c {
        Command::Go(l) | Command::Back(l) => list(cx, l).is_some(),
        Command::Stop(Some(l)) => list(cx, &Some(l.clone())).is_some(),
        Command::Goto { list: l, cue } => {
            let Some(li) = list(cx, l) else { return false };
            let names = || lists[li].cues.iter().map(|c| c.name.as_str());
            if names().any(|n| n == cue) {
                return true;
            }
            let hint =
                did_you_mean(cue, names()).unwrap_or_else(|| format!("list `{}` has no such cue", lists[li].name));
            cx.err(file, span, format!("{what}: no cue `{cue}` in list `{}`", lists[li].name), hint);
            false
        }
        Command::Set { param, value } => {
            let Some(p) = params.iter().find(|p| &p.name == param) else {
                let hint = did_you_mean(param, params.iter().map(|p| p.name.as_str()))
                    .unwrap_or_else(|| format!("declare it as [params.{param}]"));
                cx.err(file, span, format!("{what}: no parameter named `{param}`"), hint);
                return false;
            };
            if *value < p.min || *value > p.max {
                cx.err(
                    file,
                    span,
                    format!("{what}: {value} is out of the range of `{param}`"),
                    format!("`{param}` goes from {} to {}", p.min, p.max),
                );
                return false;
            }
            true
        }
        Command::Learn(Learn::Param(param)) => {
            let known = params.iter().any(|p| &p.name == param);
            if !known {
                let hint = did_you_mean(param, params.iter().map(|p| p.name.as_str()))
                    .unwrap_or_else(|| format!("declare it as [params.{param}]"));
                cx.err(file, span, format!("{what}: no parameter named `{param}` to learn"), hint);
            }
            known
        }
        Command::Learn(Learn::Command(c)) => check_refs(cx, file, span, c, lists, params, what),
        Command::Call(name) => {
            cx.calls.push((file, span, name.clone(), what.to_string()));
            true
        }
        Command::Stop(None)
        | Command::Panic
        | Command::Reset
        | Command::Standby(_)
        | Command::Wake
        | Command::Learn(Learn::Cancel) => true,
    }
}

/// Key names a `[keys]` table may use (lower case).
pub fn is_key_name(k: &str) -> bool {
    const NAMED: [&str; 15] = [
        "space",
        "enter",
        "tab",
        "backspace",
        "escape",
        "up",
        "down",
        "left",
        "right",
        "home",
        "end",
        "pageup",
        "pagedown",
        "insert",
        "delete",
    ];
    let mut chars = k.chars();
    let one = matches!((chars.next(), chars.next()), (Some(c), None) if c.is_ascii_graphic());
    let function = k.strip_prefix('f').and_then(|n| n.parse::<u8>().ok()).is_some_and(|n| (1..=12).contains(&n));
    one || function || NAMED.contains(&k)
}
