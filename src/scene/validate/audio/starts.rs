//! The `start` and `stop` lists of sounds and synths: trigger names, or thresholds
//! `"PARAM > X"` / `"PARAM < X"`, with errors pointing inside the string.

use std::ops::Range;

use serde_spanned::Spanned;

use super::super::super::audio::Start;
use super::super::super::diag::did_you_mean;
use super::super::super::load::FileId;
use super::super::Ctx;
use super::{Env, inside, param};

/// `start` / `stop`: trigger names, or `"PARAM > X"` / `"PARAM < X"`.
pub(super) fn check(cx: &mut Ctx, file: FileId, env: &Env, list: &Option<Spanned<Vec<Spanned<String>>>>) -> Vec<Start> {
    let Some(list) = list else { return Vec::new() };
    let mut out = Vec::new();
    for item in list.get_ref() {
        let text = item.get_ref();
        let at = |cx: &Ctx, r: Range<usize>| inside(cx, file, &item.span(), text, r);
        let Some(op) = text.find(['>', '<']) else {
            let name = text.trim();
            if env.triggers.iter().any(|t| t.name == name) {
                out.push(Start::Trigger(name.to_string()));
            } else if !env.declared_triggers.contains(&name) {
                let names: Vec<&str> = env.triggers.iter().map(|t| t.name.as_str()).collect();
                let hint = did_you_mean(name, names.iter().copied()).unwrap_or_else(|| match names.len() {
                    0 => "no [[triggers]] are declared; or start on a threshold: \"PARAM > 0.5\"".to_string(),
                    _ => format!("the triggers are: {}", names.join(", ")),
                });
                cx.err(file, item.span(), format!("unknown trigger `{name}`{}", cx.context), hint);
            }
            continue;
        };
        let (lhs, rhs) = (&text[..op], &text[op + 1..]);
        let above = text.as_bytes()[op] == b'>';
        let name = lhs.trim();
        let example = format!("write \"{} {} 0.5\"", if name.is_empty() { "PARAM" } else { name }, &text[op..=op]);
        if name.is_empty() {
            let span = at(cx, op..op + 1);
            cx.err(file, span, format!("threshold `{text}` names no parameter{}", cx.context), example);
            continue;
        }
        let number = rhs.trim();
        let Ok(x) = number.parse::<f32>().map_err(|_| ()).and_then(|x| if x.is_finite() { Ok(x) } else { Err(()) })
        else {
            let num_start = op + 1 + (rhs.len() - rhs.trim_start().len());
            let span = at(cx, num_start..(num_start + number.len()).max(num_start));
            let what =
                if number.is_empty() { "has no number".to_string() } else { format!("has `{number}`, not a number") };
            cx.err(file, span, format!("threshold `{text}` {what}{}", cx.context), example);
            continue;
        };
        let name_start = lhs.len() - lhs.trim_start().len();
        let span = at(cx, name_start..name_start + name.len());
        let Some(id) = param(cx, file, env.params, name, span, "threshold on") else { continue };
        out.push(if above { Start::Above(id, x) } else { Start::Below(id, x) });
    }
    out
}
