//! `[[outputs]]` and `[[fixtures]]`: windows (projectors), LED outputs (Art-Net, sACN) and the
//! fixtures patched to them, into `Scene::projectors` and `Scene::leds`. This file is the map:
//! names, fixtures grouped by output, outputs that drive nothing, sync universes. projector.rs
//! checks one window (masks.rs rasterises its masks); led.rs one LED output's settings and
//! addresses; fixtures.rs one fixture (points_csv.rs its CSV file, centres.rs where its LEDs sit
//! on the canvas); patch.rs universes and channels.

mod centres;
mod fixtures;
mod led;
mod masks;
mod patch;
mod points_csv;
mod projector;
mod shape;

use std::ops::Range;

use serde_spanned::Spanned;

use super::super::file::{OutputFile, OutputKind};
use super::super::led::{LedOutput, LedProtocol};
use super::super::load::{At, FileId};
use super::super::projection::ProjectorOutput;
use super::Ctx;
use fixtures::Patched;

/// An LED output that checked out, while its fixtures are being gathered.
struct LedAt {
    output: LedOutput,
    file: FileId,
    name_span: Range<usize>,
    sync: led::Sync,
}

/// A key of one kind of entry: its name, where it was written, and the kinds it belongs to.
type KindKey<'a> = (&'a str, Option<Range<usize>>, &'a [&'a str]);

/// Report each key written on an entry of `kind` that belongs to other kinds.
fn foreign_keys(cx: &mut Ctx, file: FileId, keys: &[KindKey], kind: &str, what: &str, name: &str) {
    for (key, at, kinds) in keys {
        let Some(at) = at else { continue };
        if kinds.contains(&kind) {
            continue;
        }
        let owners = kinds.join(" and ");
        let or_kind = match kinds {
            [only] => format!(", or set kind = \"{only}\""),
            _ => String::new(),
        };
        cx.err(
            file,
            at.clone(),
            format!("`{key}` does not apply to {kind} {what} `{name}`"),
            format!("`{key}` is a setting of {owners} {what}s; remove it here{or_kind}"),
        );
    }
}

fn span<T>(v: &Option<Spanned<T>>) -> Option<Range<usize>> {
    v.as_ref().map(|s| s.span())
}

pub(super) fn check(cx: &mut Ctx, canvas: [u32; 2]) -> (Vec<ProjectorOutput>, Vec<LedOutput>) {
    let parsed = cx.parsed;
    let mut windows_out = Vec::new();
    let mut leds: Vec<LedAt> = Vec::new();
    // Every output name seen, with where it was first written.
    let mut names: Vec<(String, FileId, Range<usize>)> = Vec::new();
    for At { file, span, value: o, broken } in &parsed.outputs {
        let file = *file;
        let Some(name) = &o.name else {
            if !broken.iter().any(|k| k == "name") {
                cx.err(file, span.clone(), "output has no `name`", "add `name = \"main\"`".to_string());
            }
            continue;
        };
        let n = name.get_ref().clone();
        if let Some((_, ff, fs)) = names.iter().find(|(m, ..)| *m == n) {
            let (l, c) = parsed.sources[*ff].line_col(fs.start);
            let first = format!("{}:{l}:{c}", parsed.sources[*ff].path.display());
            cx.err(
                file,
                name.span(),
                format!("output name `{n}` is used twice"),
                format!("first used at {first}; output names must be unique across all outputs"),
            );
            continue;
        }
        names.push((n.clone(), file, name.span()));
        if broken.iter().any(|k| k == "kind") {
            continue;
        }
        let kind = o.kind.as_ref().map(|k| *k.get_ref()).unwrap_or(OutputKind::Window);
        foreign_keys(cx, file, &output_keys(o), kind.word(), "output", &n);
        match kind {
            OutputKind::Window => {
                if let Some(p) = projector::check(cx, file, name, o, canvas) {
                    windows_out.push(p);
                }
            }
            OutputKind::Artnet | OutputKind::Sacn => {
                let protocol = if kind == OutputKind::Artnet { LedProtocol::ArtNet } else { LedProtocol::Sacn };
                if let Some((output, sync)) = led::check(cx, file, name, protocol, o) {
                    leds.push(LedAt { output, file, name_span: name.span(), sync });
                }
            }
        }
    }

    // Names an output was declared under whose kind is LED or unknown: a fixture naming one of
    // those that failed its own checks is not a second error.
    let declared: Vec<&str> = parsed
        .outputs
        .iter()
        .filter(|o| o.broken.iter().any(|k| k == "kind") || o.value.kind.as_ref().is_some_and(|k| is_led(*k.get_ref())))
        .filter_map(|o| o.value.name.as_ref().map(|n| n.get_ref().as_str()))
        .collect();
    let windows: Vec<&str> = parsed
        .outputs
        .iter()
        .filter(|o| {
            !o.broken.iter().any(|k| k == "kind") && !o.value.kind.as_ref().is_some_and(|k| is_led(*k.get_ref()))
        })
        .filter_map(|o| o.value.name.as_ref().map(|n| n.get_ref().as_str()))
        .collect();

    cx.context.clear();
    let outs: Vec<(&str, LedProtocol)> = leds.iter().map(|l| (l.output.name.as_str(), l.output.protocol)).collect();
    let mut patched: Vec<Patched> = Vec::new();
    let mut fixture_names: Vec<(String, FileId, Range<usize>)> = Vec::new();
    // Outputs some fixture entry names (even a broken one): those do not "drive no fixtures".
    let mut named_outputs: Vec<String> = Vec::new();
    let mut unresolved = false;
    for entry in &parsed.fixtures {
        let target = fixtures::target(&entry.value, &outs, &declared);
        match target {
            Some(t) if declared.contains(&t.as_str()) => named_outputs.push(t),
            // Reported at the fixture; which output it meant is anyone's guess.
            _ => unresolved = true,
        }
        let Some(p) = fixtures::check(cx, entry, &outs, &declared, &windows, canvas) else { continue };
        if let Some((_, ff, fs)) = fixture_names.iter().find(|(m, ..)| *m == p.fixture.name) {
            let (l, c) = parsed.sources[*ff].line_col(fs.start);
            cx.err(
                p.file,
                p.name_span.clone(),
                format!("fixture name `{}` is used twice", p.fixture.name),
                format!(
                    "first used at {}:{l}:{c}; fixture names must be unique in the scene",
                    parsed.sources[*ff].path.display()
                ),
            );
            continue;
        }
        fixture_names.push((p.fixture.name.clone(), p.file, p.name_span.clone()));
        patched.push(p);
    }
    cx.context.clear();

    let mut out = Vec::new();
    for (i, mut l) in leds.into_iter().enumerate() {
        let mine: Vec<&Patched> = patched.iter().filter(|p| p.output == i).collect();
        if mine.is_empty() {
            if !unresolved && !named_outputs.contains(&l.output.name) {
                let n = &l.output.name;
                cx.err(
                    l.file,
                    l.name_span.clone(),
                    format!("output `{n}` drives no fixtures"),
                    format!("add [[fixtures]] with output = \"{n}\" (for example in the hardware file), or remove this output"),
                );
            }
            continue;
        }
        patch::overlaps(cx, &mine);
        let first_universe = mine.iter().map(|p| p.fixture.universe).min().unwrap_or(1);
        l.output.sync = match l.sync {
            led::Sync::Off => None,
            led::Sync::Universe(u) => Some(u),
            led::Sync::Default => Some(match l.output.protocol {
                LedProtocol::ArtNet => 0,
                LedProtocol::Sacn => first_universe,
            }),
        };
        l.output.fixtures = mine.into_iter().map(|p| p.fixture.clone()).collect();
        out.push(l.output);
    }
    (windows_out, out)
}

fn is_led(kind: OutputKind) -> bool {
    matches!(kind, OutputKind::Artnet | OutputKind::Sacn)
}

/// Which kinds of output each kind-specific key belongs to.
fn output_keys(o: &OutputFile) -> [KindKey<'_>; 18] {
    const WINDOW: &[&str] = &["window"];
    const LED: &[&str] = &["artnet", "sacn"];
    const ARTNET: &[&str] = &["artnet"];
    const SACN: &[&str] = &["sacn"];
    [
        ("monitor", span(&o.monitor), WINDOW),
        ("fullscreen", span(&o.fullscreen), WINDOW),
        ("size", span(&o.size), WINDOW),
        ("missing", span(&o.missing), WINDOW),
        ("headless", span(&o.headless), WINDOW),
        ("slice", span(&o.slice), WINDOW),
        ("warp", span(&o.warp), WINDOW),
        ("blend", span(&o.blend), WINDOW),
        ("masks", span(&o.masks), WINDOW),
        ("to", span(&o.to), LED),
        ("broadcast", span(&o.broadcast), ARTNET),
        ("interface", span(&o.interface), LED),
        ("rate", span(&o.rate), LED),
        ("on_stop", span(&o.on_stop), LED),
        ("priority", span(&o.priority), SACN),
        ("source_name", span(&o.source_name), LED),
        ("ttl", span(&o.ttl), SACN),
        ("sync", span(&o.sync), LED),
    ]
}

#[cfg(test)]
mod tests;
