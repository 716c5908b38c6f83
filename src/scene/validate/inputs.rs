//! `[[inputs]]`, `[[mappings]]`, `[[triggers]]`: sources are checked for their kind's settings,
//! `from = "input:..."` selectors are parsed against the input they name, and mappings are tied to
//! parameters. Problems are collected like everywhere else.

use serde_spanned::Spanned;

use super::super::diag::did_you_mean;
use super::super::file::{Curve, Edge, InputFile, MappingFile, SerialProtocol, TriggerFile};
use super::super::load::{At, FileId};
use super::super::model::*;
use super::{Ctx, bad_identifier, whole};
use crate::input::osc::{AllowList, check_pattern, parse_bind};

pub(super) fn check(cx: &mut Ctx, params: &[ParamDef]) -> (Vec<Input>, Vec<Mapping>, Vec<Trigger>) {
    let parsed = cx.parsed;
    let mut inputs: Vec<Input> = Vec::new();
    // OSC inputs' addresses and where each was written, to find two on one port.
    let mut ports: Vec<(std::net::SocketAddr, String, FileId, std::ops::Range<usize>)> = Vec::new();
    for At { file, span, value, .. } in &parsed.inputs {
        if let Some(input) = input(cx, *file, span, value)
            && !duplicate(cx, *file, value.name.as_ref(), inputs.iter().map(|i| i.name.as_str()), "input")
        {
            if let (InputKind::Osc { bind, .. }, Some(at)) = (&input.kind, &value.osc) {
                same_port(cx, &ports, *bind, &input.name, *file, at.span());
                ports.push((*bind, input.name.clone(), *file, at.span()));
            }
            inputs.push(input);
        }
    }
    // Inputs named in the file but broken: a mapping naming them is not a second error.
    let declared: Vec<&str> =
        parsed.inputs.iter().filter_map(|i| i.value.name.as_ref().map(|n| n.get_ref().as_str())).collect();
    let mappings = parsed
        .mappings
        .iter()
        .filter_map(|At { file, span, value, .. }| mapping(cx, *file, span, value, &inputs, &declared, params))
        .collect();
    let mut triggers: Vec<Trigger> = Vec::new();
    for At { file, span, value, .. } in &parsed.triggers {
        if let Some(t) = trigger(cx, *file, span, value, &inputs, &declared)
            && !duplicate(cx, *file, value.name.as_ref(), triggers.iter().map(|t| t.name.as_str()), "trigger")
        {
            triggers.push(t);
        }
    }
    (inputs, mappings, triggers)
}

/// Two OSC inputs cannot listen on one port: the second could never bind it (`"9127"` is
/// 127.0.0.1:9127, which `"0.0.0.0:9127"` also covers).
fn same_port(
    cx: &mut Ctx,
    earlier: &[(std::net::SocketAddr, String, FileId, std::ops::Range<usize>)],
    bind: std::net::SocketAddr,
    name: &str,
    file: FileId,
    span: std::ops::Range<usize>,
) {
    if bind.port() == 0 {
        return;
    }
    let overlaps = |a: std::net::SocketAddr| {
        a.port() == bind.port()
            && a.is_ipv4() == bind.is_ipv4()
            && (a.ip() == bind.ip() || a.ip().is_unspecified() || bind.ip().is_unspecified())
    };
    if let Some((a, other, ff, fs)) = earlier.iter().find(|(a, ..)| overlaps(*a)) {
        let source = &cx.parsed.sources[*ff];
        let (l, c) = source.line_col(fs.start);
        let first = format!("{}:{l}:{c}", source.path.display());
        cx.err(
            file,
            span,
            format!("OSC input `{name}` listens on {bind}, which input `{other}` already takes ({a})"),
            format!("input `{other}` is at {first}; give one of them another port, or map both from one input"),
        );
    }
}

fn duplicate<'a>(
    cx: &mut Ctx,
    file: FileId,
    name: Option<&Spanned<String>>,
    mut existing: impl Iterator<Item = &'a str>,
    what: &str,
) -> bool {
    let Some(name) = name else { return false };
    let dup = existing.any(|n| n == name.get_ref());
    if dup {
        cx.err(
            file,
            name.span(),
            format!("{what} name `{}` is used twice", name.get_ref()),
            "names must be unique".to_string(),
        );
    }
    dup
}

fn named(
    cx: &mut Ctx,
    file: FileId,
    span: &std::ops::Range<usize>,
    name: Option<&Spanned<String>>,
    what: &str,
) -> Option<String> {
    let Some(name) = name else {
        cx.err(file, span.clone(), format!("{what} has no `name`"), format!("add `name = \"...\"` to the {what}"));
        return None;
    };
    if let Some(why) = bad_identifier(name.get_ref()) {
        cx.err(
            file,
            name.span(),
            format!("{what} name `{}` is not a valid name", name.get_ref()),
            format!("{why}; use letters, digits and _"),
        );
        return None;
    }
    Some(name.get_ref().clone())
}

/// A setting of one kind of input: its key, where it was written, and the kinds it applies to.
type KindKey<'a> = (&'a str, Option<std::ops::Range<usize>>, &'a [&'a str]);

fn input(cx: &mut Ctx, file: FileId, span: &std::ops::Range<usize>, f: &InputFile) -> Option<Input> {
    let name = named(cx, file, span, f.name.as_ref(), "input")?;
    // Settings that belong to one kind of input: a key given to another kind is pointed at.
    let kind = match (&f.osc, &f.midi, &f.serial) {
        (Some(_), None, None) => "OSC",
        (None, Some(_), None) => "MIDI",
        (None, None, Some(_)) => "serial",
        _ => "",
    };
    let specific: [KindKey; 7] = [
        ("allow", f.allow.as_ref().map(|v| v.span()), &["OSC"]),
        ("feedback", f.feedback.as_ref().map(|v| v.span()), &["OSC", "MIDI"]),
        ("channel", f.channel.as_ref().map(|v| v.span()), &["MIDI"]),
        ("baud", f.baud.as_ref().map(|v| v.span()), &["serial"]),
        ("protocol", f.protocol.as_ref().map(|v| v.span()), &["serial"]),
        ("columns", f.columns.as_ref().map(|v| v.span()), &["serial"]),
        ("max_line", f.max_line.as_ref().map(|v| v.span()), &["serial"]),
    ];
    for (key, at, kinds) in specific {
        if let Some(at) = at
            && !kind.is_empty()
            && !kinds.contains(&kind)
        {
            cx.err(file, at, format!("`{key}` does not apply to {kind} input `{name}`"), format!("remove `{key}`"));
        }
    }
    let queue = f.queue.as_ref().and_then(|q| whole(cx, file, q, "queue", 16, 1_000_000)).unwrap_or(1024) as usize;
    let kind = match (&f.osc, &f.midi, &f.serial) {
        (Some(osc), None, None) => {
            let bind = match parse_bind(osc.get_ref()) {
                Ok(b) => b,
                Err(_) => {
                    cx.err(
                        file,
                        osc.span(),
                        format!("OSC input `{name}`: `{}` is not a port or address:port", osc.get_ref()),
                        "e.g. osc = \"9000\" (this machine only) or osc = \"0.0.0.0:9000\" (the whole network)"
                            .to_string(),
                    );
                    return None;
                }
            };
            let allow = match f.allow.as_ref().map(|list| (list, AllowList::parse(list.get_ref()))) {
                None => AllowList::everyone(),
                Some((_, Ok(a))) => a,
                Some((list, Err(e))) => {
                    let hint = "write addresses like \"192.168.1.20\" or networks like \"192.168.1.0/24\"";
                    cx.err(file, list.span(), format!("OSC input `{name}`: {e}"), hint.to_string());
                    AllowList::everyone()
                }
            };
            let feedback = match &f.feedback {
                None => None,
                Some(fb) => match parse_bind(fb.get_ref()).ok().filter(|a| a.port() != 0 && fb.get_ref().contains(':'))
                {
                    Some(a) => Some(a),
                    None => {
                        cx.err(
                            file,
                            fb.span(),
                            format!("OSC input `{name}`: feedback `{}` is not host:port", fb.get_ref()),
                            "e.g. feedback = \"192.168.1.20:9001\"".to_string(),
                        );
                        None
                    }
                },
            };
            InputKind::Osc { bind, allow, feedback }
        }
        (None, Some(port), None) => {
            let channel = f.channel.as_ref().and_then(|c| whole(cx, file, c, "MIDI channel", 1, 16)).map(|c| c as u8);
            InputKind::Midi {
                port: port.get_ref().clone(),
                channel,
                feedback: f.feedback.as_ref().map(|s| s.get_ref().clone()),
            }
        }
        (None, None, Some(port)) => {
            let baud =
                f.baud.as_ref().and_then(|b| whole(cx, file, b, "baud", 50, 4_000_000)).unwrap_or(115_200) as u32;
            let max_line =
                f.max_line.as_ref().and_then(|m| whole(cx, file, m, "max_line", 16, 65_536)).unwrap_or(256) as usize;
            let protocol = f.protocol.as_ref().map(|p| *p.get_ref()).unwrap_or(SerialProtocol::Lines);
            let columns: Vec<String> = f.columns.as_ref().map(|c| c.get_ref().clone()).unwrap_or_default();
            match (&f.columns, protocol) {
                (None, SerialProtocol::Csv) => cx.err(
                    file,
                    f.protocol.as_ref().map(|p| p.span()).unwrap_or(span.clone()),
                    format!("serial input `{name}`: csv needs `columns`"),
                    "name the columns in order: columns = [\"dist\", \"light\"]".to_string(),
                ),
                (Some(c), SerialProtocol::Csv) => {
                    if let Some(bad) = columns.iter().find(|c| bad_identifier(c).is_some()) {
                        cx.err(
                            file,
                            c.span(),
                            format!("serial input `{name}`: column `{bad}` is not a valid name"),
                            "use letters, digits and _, starting with a letter".to_string(),
                        );
                    }
                }
                (Some(c), _) => cx.err(
                    file,
                    c.span(),
                    format!("`columns` applies to protocol = \"csv\", not to input `{name}`"),
                    "remove `columns` or set protocol = \"csv\"".to_string(),
                ),
                (None, _) => {}
            }
            if port.get_ref().trim().is_empty() {
                cx.err(
                    file,
                    port.span(),
                    format!("serial input `{name}`: the port is empty"),
                    "a path like \"/dev/ttyACM0\" or \"usb:2341:0043\"".to_string(),
                );
                return None;
            }
            InputKind::Serial { port: port.get_ref().clone(), baud, protocol, columns, max_line }
        }
        (None, None, None) => {
            cx.err(
                file,
                span.clone(),
                format!("input `{name}` says nothing about where its data comes from"),
                "give it `osc = \"9000\"`, `midi = \"controller name\"` or `serial = \"/dev/ttyACM0\"`".to_string(),
            );
            return None;
        }
        _ => {
            cx.err(
                file,
                span.clone(),
                format!("input `{name}` has more than one of osc, midi and serial"),
                "one source per input: split it into several [[inputs]]".to_string(),
            );
            return None;
        }
    };
    Some(Input { name, kind, queue })
}

/// `"input:..."` → the input's index and what to read from its events.
fn selector(
    cx: &mut Ctx,
    file: FileId,
    from: &Spanned<String>,
    inputs: &[Input],
    declared: &[&str],
) -> Option<(usize, Selector)> {
    match parse_selector(from.get_ref(), inputs, declared) {
        Ok(found) => Some(found),
        Err(Some((message, hint))) => {
            cx.err(file, from.span(), message, hint);
            None
        }
        Err(None) => None,
    }
}

/// `"input:..."` → the input's index and what to read from its events; else the problem and a
/// hint (`None`: an input declared elsewhere that did not load, already reported). Shared by
/// mappings, triggers and scripts' `input("...")`.
pub(crate) fn parse_selector(
    text: &str,
    inputs: &[Input],
    declared: &[&str],
) -> Result<(usize, Selector), Option<(String, String)>> {
    let Some((name, rest)) = text.split_once(':') else {
        return Err(Some((
            format!("`{text}` does not name an input"),
            "write `from = \"input_name:...\"`, e.g. \"phone:/sensor/distance\" or \"nano:cc/7\"".to_string(),
        )));
    };
    let Some(index) = inputs.iter().position(|i| i.name == name) else {
        if declared.contains(&name) {
            return Err(None);
        }
        let hint = did_you_mean(name, inputs.iter().map(|i| i.name.as_str()))
            .unwrap_or_else(|| format!("declare it under [[inputs]] with name = \"{name}\""));
        return Err(Some((format!("unknown input `{name}`"), hint)));
    };
    let bad = |why: String, hint: &str| Err(Some((format!("`{text}`: {why}"), hint.to_string())));
    let sel = match &inputs[index].kind {
        InputKind::Osc { .. } | InputKind::Serial { protocol: SerialProtocol::SlipOsc, .. } => {
            let (pattern, arg) = match rest.rsplit_once('#') {
                Some((p, n)) => match n.parse::<usize>() {
                    Ok(n) => (p, n),
                    Err(_) => {
                        return bad(
                            format!("`#{n}` is not an argument number"),
                            "`#0` is the first argument, `#1` the second",
                        );
                    }
                },
                None => (rest, 0),
            };
            if !pattern.starts_with('/') || check_pattern(pattern).is_err() {
                return bad(
                    "not an OSC address".into(),
                    "OSC addresses start with / (patterns may use * ? [a-z] {a,b}), e.g. \"phone:/sensor/distance\"",
                );
            }
            Selector::Osc { pattern: pattern.to_string(), arg }
        }
        InputKind::Midi { .. } => {
            let number = |s: &str, max: u8| s.parse::<u8>().ok().filter(|n| *n <= max);
            let parts: Vec<&str> = rest.split('/').collect();
            match parts.as_slice() {
                ["cc", n] if number(n, 127).is_some() => Selector::Cc(number(n, 127).unwrap_or(0)),
                ["cc14", n] if number(n, 31).is_some() => Selector::Cc14(number(n, 31).unwrap_or(0)),
                ["note", n] if number(n, 127).is_some() => Selector::Note(number(n, 127).unwrap_or(0)),
                ["note"] => Selector::AnyNote,
                ["bend"] => Selector::Bend,
                ["program"] => Selector::Program,
                ["program", n] if number(n, 127).is_some() => Selector::ProgramNumber(number(n, 127).unwrap_or(0)),
                _ => {
                    return bad(
                        "not a MIDI value".into(),
                        "use cc/0..127, cc14/0..31, note/0..127, note, bend, program or program/0..127",
                    );
                }
            }
        }
        InputKind::Serial { protocol, columns, .. } => {
            if bad_identifier(rest).is_some() {
                return bad(
                    "not a value name".into(),
                    "serial values are named by the line (`dist 412` → \"lab:dist\") or by `columns`",
                );
            }
            if *protocol == SerialProtocol::Csv && !columns.iter().any(|c| c == rest) {
                let hint = did_you_mean(rest, columns.iter().map(String::as_str))
                    .unwrap_or_else(|| format!("the columns are: {}", columns.join(", ")));
                return Err(Some((format!("`{text}`: `{rest}` is not one of the input's columns"), hint)));
            }
            Selector::Value(rest.to_string())
        }
    };
    Ok((index, sel))
}

fn mapping(
    cx: &mut Ctx,
    file: FileId,
    span: &std::ops::Range<usize>,
    m: &MappingFile,
    inputs: &[Input],
    declared: &[&str],
    params: &[ParamDef],
) -> Option<Mapping> {
    let (Some(from), Some(to)) = (&m.from, &m.to) else {
        let missing = if m.from.is_none() { "from" } else { "to" };
        cx.err(
            file,
            span.clone(),
            format!("mapping has no `{missing}`"),
            "a mapping needs from = \"input:...\" and to = \"parameter\"".to_string(),
        );
        return None;
    };
    let target = params.iter().position(|p| &p.name == to.get_ref());
    if target.is_none() {
        let hint = did_you_mean(to.get_ref(), params.iter().map(|p| p.name.as_str()))
            .unwrap_or_else(|| format!("declare it under [params.{}]", to.get_ref()));
        cx.err(file, to.span(), format!("mapping to unknown parameter `{}`", to.get_ref()), hint);
    }
    let (input, selector) = selector(cx, file, from, inputs, declared)?;
    let param = ParamId(target?);
    let def = &params[param.0];
    let range = |cx: &mut Ctx, r: &Spanned<[f64; 2]>, what: &str| {
        let [a, b] = *r.get_ref();
        if !(a.is_finite() && b.is_finite()) || a == b {
            cx.err(
                file,
                r.span(),
                format!("`{what}` range [{a}, {b}] is empty or not finite"),
                "give two different numbers: [low, high] (or [high, low] to reverse)".to_string(),
            );
            return None;
        }
        Some([a, b])
    };
    let input_range = match &m.input {
        Some(r) => range(cx, r, "in")?,
        None => selector.default_range(),
    };
    let output_range = match &m.out {
        Some(r) => range(cx, r, "out")?.map(|v| v as f32),
        None => [def.min, def.max],
    };
    let curve = m.curve.as_ref().map(|c| c.get_ref().clone()).unwrap_or(Curve::Linear);
    if let (Curve::Table(points), Some(at)) = (&curve, &m.curve) {
        let ok = points.len() >= 2
            && points.iter().all(|[x, y]| (0.0..=1.0).contains(x) && y.is_finite())
            && points.windows(2).all(|w| w[0][0] < w[1][0]);
        if !ok {
            cx.err(
                file,
                at.span(),
                "curve table needs 2 or more [x, y] points with x rising within 0..1".to_string(),
                "e.g. curve = [[0, 0], [0.5, 0.8], [1, 1]]".to_string(),
            );
        }
    }
    let deadzone = m.deadzone.as_ref().and_then(|d| cx.ranged(file, d, "deadzone", 0.0, 0.49)).unwrap_or(0.0);
    let filter = match (&m.lag, &m.one_euro) {
        (Some(_), Some(e)) => {
            cx.err(
                file,
                e.span(),
                "a mapping has `lag` or `one_euro`, not both".to_string(),
                "keep one smoothing filter".to_string(),
            );
            Filter::None
        }
        (Some(l), None) => cx.ranged(file, l, "lag", 0.0, 60.0).map(Filter::Lag).unwrap_or(Filter::None),
        (None, Some(e)) => {
            let v = e.get_ref();
            if !(v.min_cutoff > 0.0
                && v.d_cutoff > 0.0
                && v.beta >= 0.0
                && v.min_cutoff.is_finite()
                && v.beta.is_finite()
                && v.d_cutoff.is_finite())
            {
                cx.err(
                    file,
                    e.span(),
                    "one_euro needs min_cutoff > 0, d_cutoff > 0 and beta >= 0".to_string(),
                    "e.g. one_euro = { min_cutoff = 1.0, beta = 0.01 }".to_string(),
                );
            }
            Filter::OneEuro { min_cutoff: v.min_cutoff as f32, beta: v.beta as f32, d_cutoff: v.d_cutoff as f32 }
        }
        (None, None) => Filter::None,
    };
    Some(Mapping {
        input,
        selector,
        param,
        input_range,
        output_range,
        clamp: m.clamp.as_ref().map(|c| *c.get_ref()).unwrap_or(true),
        invert: m.invert.as_ref().map(|c| *c.get_ref()).unwrap_or(false),
        curve,
        deadzone,
        filter,
    })
}

fn trigger(
    cx: &mut Ctx,
    file: FileId,
    span: &std::ops::Range<usize>,
    t: &TriggerFile,
    inputs: &[Input],
    declared: &[&str],
) -> Option<Trigger> {
    let name = named(cx, file, span, t.name.as_ref(), "trigger")?;
    let Some(from) = &t.from else {
        cx.err(
            file,
            span.clone(),
            format!("trigger `{name}` has no `from`"),
            "a trigger needs from = \"input:...\" (and above = threshold, default 0.5)".to_string(),
        );
        return None;
    };
    let action = match &t.action {
        Some(text) => match crate::show::commands::parse(text.get_ref()) {
            Ok(c) => Some(c),
            Err(e) => {
                let hint = crate::show::commands::CommandError::FORMS.to_string();
                cx.err(file, text.span(), format!("trigger `{name}`: {e}"), hint);
                return None;
            }
        },
        None => None,
    };
    let (input, selector) = selector(cx, file, from, inputs, declared)?;
    let a = t.above.as_ref().map(|a| *a.get_ref()).unwrap_or(0.5);
    let b = t.below.as_ref().map(|b| *b.get_ref()).unwrap_or(a);
    if !a.is_finite() || !b.is_finite() || b > a {
        let at = t.below.as_ref().or(t.above.as_ref()).map(|b| b.span()).unwrap_or(from.span());
        cx.err(
            file,
            at,
            format!("trigger `{name}`: below ({b}) must not be above `above` ({a})"),
            "the gap between below and above is the hysteresis: below <= above".to_string(),
        );
        return None;
    }
    Some(Trigger {
        name,
        input,
        selector,
        above: a,
        below: b,
        edge: t.edge.as_ref().map(|e| *e.get_ref()).unwrap_or(Edge::Rising),
        action,
    })
}
