//! `[audio]`, `[[speakers]]`, `[[buses]]`, `[[sounds]]`, `[[synths]]` and `[[analysis]]` into
//! `Scene::audio`. This file is the map: the stream settings, the speakers, the buses, unique
//! names. voices.rs checks sounds and synths (starts.rs their start and stop lists), probe.rs a
//! sound file's header, analysis.rs `[[analysis]]`; `scene::graph` parses synth graphs.

mod analysis;
mod probe;
mod starts;
mod voices;

use std::ops::Range;

use serde_spanned::Spanned;

use super::super::audio::*;
use super::super::diag::did_you_mean;
use super::super::file::{AudioHostFile, EffectFile};
use super::super::load::{At, FileId};
use super::super::model::{ParamDef, ParamId, Trigger};
use super::{Ctx, whole};

/// What sounds and synths are checked against.
pub(super) struct Env<'a> {
    params: &'a [ParamDef],
    triggers: &'a [Trigger],
    /// Trigger names written in the file, broken ones too: naming one is not a second error.
    declared_triggers: Vec<&'a str>,
    buses: Vec<String>,
    declared_buses: Vec<&'a str>,
    channels: usize,
    speakers: bool,
}

pub(super) fn check(cx: &mut Ctx, params: &[ParamDef], triggers: &[Trigger]) -> Audio {
    let parsed = cx.parsed;
    let speakers = speakers(cx);
    let highest = speakers.iter().map(|s| s.channel + 1).max();
    let mut settings = settings(cx, highest.unwrap_or(2));
    if let (Some(s), Some(At { file, value, .. })) = (&settings, &parsed.audio)
        && let Some(ch) = &value.channels
    {
        for (speaker, at) in speakers.iter().zip(&parsed.speakers) {
            if speaker.channel >= s.channels {
                let written = at.value.channel.as_ref().map(|c| c.span()).unwrap_or(at.span.clone());
                let (l, c) = parsed.sources[*file].line_col(ch.span().start);
                cx.err(
                    at.file,
                    written,
                    format!(
                        "speaker `{}` is on channel {}, but [audio] channels = {}",
                        speaker.name,
                        speaker.channel + 1,
                        s.channels
                    ),
                    format!(
                        "raise `channels` (at {}:{l}:{c}) to {}, or patch the speaker to a channel of 1..{}",
                        parsed.sources[*file].path.display(),
                        speaker.channel + 1,
                        s.channels
                    ),
                );
            }
        }
    }
    let buses = buses(cx);
    let mut audio = Audio { speakers, buses, ..Default::default() };
    let env = Env {
        params,
        triggers,
        declared_triggers: parsed
            .triggers
            .iter()
            .filter_map(|t| t.value.name.as_ref())
            .map(|n| n.get_ref().as_str())
            .collect(),
        buses: audio.buses.iter().map(|b| b.name.clone()).collect(),
        declared_buses: parsed
            .buses
            .iter()
            .filter_map(|b| b.value.name.as_ref())
            .map(|n| n.get_ref().as_str())
            .collect(),
        channels: settings.as_ref().map(|s| s.channels).unwrap_or(highest.unwrap_or(2)),
        speakers: !audio.speakers.is_empty(),
    };
    (audio.sounds, audio.synths) = voices::check(cx, &env);
    let has_input = settings.as_ref().is_some_and(|s| s.input.is_some());
    audio.analysis = analysis::check(cx, params, has_input);
    // A scene that makes, analyses or places sound gets stream settings, [audio] or not.
    if settings.is_none() && !(audio.is_empty() && audio.speakers.is_empty()) {
        settings = Some(default_settings(env.channels));
    }
    audio.settings = settings;
    audio
}

fn default_settings(channels: usize) -> AudioSettings {
    AudioSettings {
        host: None,
        device: None,
        sample_rate: 48_000,
        buffer: 256,
        channels,
        voices: 64,
        master_db: 0.0,
        ceiling_db: -1.0,
        input: None,
        connect: Vec::new(),
    }
}

/// `[audio]`; `None` when the scene has none.
fn settings(cx: &mut Ctx, default_channels: usize) -> Option<AudioSettings> {
    let At { file, value: a, .. } = cx.parsed.audio.as_ref()?;
    let file = *file;
    let mut s = default_settings(default_channels);
    s.host = a.host.as_ref().map(|h| match h.get_ref() {
        AudioHostFile::Jack => AudioHost::Jack,
        AudioHostFile::Alsa => AudioHost::Alsa,
        AudioHostFile::Default => AudioHost::Default,
    });
    s.device = a.device.as_ref().map(|d| d.get_ref().clone());
    let num = |cx: &mut Ctx, v: &Option<Spanned<i64>>, what, lo, hi, default: usize| {
        v.as_ref().and_then(|v| whole(cx, file, v, what, lo, hi)).map(|v| v as usize).unwrap_or(default)
    };
    s.sample_rate = num(cx, &a.sample_rate, "sample_rate", 8000, 192_000, 48_000) as u32;
    s.buffer = num(cx, &a.buffer, "buffer", 16, 8192, 256) as u32;
    s.channels = num(cx, &a.channels, "channels", 1, MAX_CHANNELS as i64, default_channels);
    s.voices = num(cx, &a.voices, "voices", 1, 256, 64);
    s.master_db = a.master.as_ref().and_then(|v| cx.ranged(file, v, "master", -60.0, 12.0)).unwrap_or(0.0);
    s.ceiling_db = a.ceiling.as_ref().and_then(|v| cx.ranged(file, v, "ceiling", -20.0, 0.0)).unwrap_or(-1.0);
    if let Some(list) = &a.connect {
        if matches!(s.host, Some(AudioHost::Alsa | AudioHost::Default)) {
            cx.err(
                file,
                list.span(),
                "`connect` names JACK ports, but [audio] host is not JACK",
                "remove `connect`, or set host = \"jack\"".to_string(),
            );
        }
        for port in list.get_ref() {
            let p = port.get_ref();
            if !p.contains(':') || p.starts_with(':') || p.ends_with(':') {
                cx.err(
                    file,
                    port.span(),
                    format!("`{p}` is not a JACK port name"),
                    "JACK ports are CLIENT:PORT, e.g. \"system:playback_1\" (see `jack_lsp`)".to_string(),
                );
            }
        }
        s.connect = list.get_ref().iter().map(|p| p.get_ref().clone()).collect();
    }
    s.input = a.input.as_ref().map(|i| {
        let i = i.get_ref();
        let channels = num(cx, &i.channels, "input channels", 1, MAX_CHANNELS as i64, 1);
        AudioInput { device: i.device.as_ref().map(|d| d.get_ref().clone()), channels }
    });
    Some(s)
}

/// Names already taken in one namespace (sounds and synths share one), with where.
#[derive(Default)]
pub(super) struct Names(Vec<(String, FileId, Range<usize>)>);

impl Names {
    /// Take `name`; `false` (reported) when it is taken already.
    pub(super) fn claim(
        &mut self,
        cx: &mut Ctx,
        file: FileId,
        name: &Spanned<String>,
        what: &str,
        among: &str,
    ) -> bool {
        let n = name.get_ref();
        if let Some((_, ff, fs)) = self.0.iter().find(|(m, ..)| m == n) {
            let (l, c) = cx.parsed.sources[*ff].line_col(fs.start);
            cx.err(
                file,
                name.span(),
                format!("{what} name `{n}` is used twice"),
                format!(
                    "first used at {}:{l}:{c}; names must be unique among {among}",
                    cx.parsed.sources[*ff].path.display()
                ),
            );
            return false;
        }
        self.0.push((n.clone(), file, name.span()));
        true
    }
}

/// An entry of a section: its file, its span and the keys already reported as broken.
pub(super) type Entry<'a> = (FileId, &'a Range<usize>, &'a [String]);

/// A key an entry must have; `None` after reporting (unless it was reported as broken already).
pub(super) fn required<'a, T>(
    cx: &mut Ctx,
    (file, span, broken): Entry,
    value: &'a Option<Spanned<T>>,
    key: &str,
    what: &str,
    example: &str,
) -> Option<&'a Spanned<T>> {
    if value.is_none() && !broken.iter().any(|k| k == key) {
        cx.err(file, span.clone(), format!("{what} has no `{key}`"), format!("add `{key} = {example}`"));
    }
    value.as_ref()
}

fn speakers(cx: &mut Ctx) -> Vec<Speaker> {
    let parsed = cx.parsed;
    let mut names = Names::default();
    let mut out = Vec::new();
    for At { file, span, value: s, broken } in &parsed.speakers {
        let file = *file;
        let name = required(cx, (file, span, broken), &s.name, "name", "speaker", "\"front-left\"");
        let channel = required(cx, (file, span, broken), &s.channel, "channel", "speaker", "1");
        let position = required(cx, (file, span, broken), &s.position, "position", "speaker", "[x, y, z]");
        let (Some(name), Some(channel), Some(position)) = (name, channel, position) else { continue };
        if !names.claim(cx, file, name, "speaker", "speakers") {
            continue;
        }
        let Some(ch) = whole(cx, file, channel, "speaker channel", 1, MAX_CHANNELS as i64) else { continue };
        let Some(position) = metres(cx, file, position, "speaker position") else { continue };
        if let Some(other) = out.iter().find(|o: &&Speaker| o.channel + 1 == ch as usize) {
            cx.err(
                file,
                channel.span(),
                format!("speakers `{}` and `{}` are both on channel {ch}", other.name, name.get_ref()),
                "each speaker has its own output channel".to_string(),
            );
            continue;
        }
        out.push(Speaker { name: name.get_ref().clone(), channel: ch as usize - 1, position });
    }
    out
}

/// A position in the room: finite, within a kilometre.
pub(super) fn metres(cx: &mut Ctx, file: FileId, p: &Spanned<[f64; 3]>, what: &str) -> Option<[f32; 3]> {
    let v = *p.get_ref();
    if v.iter().any(|x| !x.is_finite() || x.abs() > 1000.0) {
        cx.err(
            file,
            p.span(),
            format!("{what} [{}, {}, {}] is out of range", v[0], v[1], v[2]),
            "positions are [x, y, z] in metres from the listening centre, within 1000".to_string(),
        );
        return None;
    }
    Some(v.map(|x| x as f32))
}

fn buses(cx: &mut Ctx) -> Vec<Bus> {
    let parsed = cx.parsed;
    let mut names = Names::default();
    let mut out = Vec::new();
    for At { file, span, value: b, broken } in &parsed.buses {
        let file = *file;
        let Some(name) = required(cx, (file, span, broken), &b.name, "name", "bus", "\"hall\"") else { continue };
        if !names.claim(cx, file, name, "bus", "buses") {
            continue;
        }
        cx.context = format!(" in bus `{}`", name.get_ref());
        let mut effects = Vec::new();
        for e in &b.effects {
            let val =
                |cx: &mut Ctx, v: &Option<Spanned<f64>>, what: &str, lo: f64, hi: f64, default: Option<f32>| match v {
                    Some(v) => cx.ranged(file, v, what, lo, hi),
                    None if default.is_none() => {
                        cx.err(file, e.span(), format!("the effect has no `{what}`"), format!("add `{what} = ...`"));
                        None
                    }
                    None => default,
                };
            let effect = match e.get_ref() {
                EffectFile::Reverb(r) => (|| {
                    Some(Effect::Reverb {
                        room: val(cx, &r.room, "room", 0.0, 1.0, Some(0.5))?,
                        time: val(cx, &r.time, "time", 0.1, 30.0, Some(2.0))?,
                        mix: val(cx, &r.mix, "mix", 0.0, 1.0, Some(0.3))?,
                    })
                })(),
                EffectFile::Delay(d) => (|| {
                    Some(Effect::Delay {
                        seconds: val(cx, &d.seconds, "seconds", 0.001, 10.0, None)?,
                        feedback: val(cx, &d.feedback, "feedback", 0.0, 0.95, Some(0.3))?,
                        mix: val(cx, &d.mix, "mix", 0.0, 1.0, Some(0.3))?,
                    })
                })(),
                EffectFile::Lowpass(f) | EffectFile::Highpass(f) => (|| {
                    let cutoff = val(cx, &f.cutoff, "cutoff", 10.0, 20_000.0, None)?;
                    let q = val(cx, &f.q, "q", 0.1, 20.0, Some(0.7))?;
                    Some(match e.get_ref() {
                        EffectFile::Lowpass(_) => Effect::Lowpass { cutoff, q },
                        _ => Effect::Highpass { cutoff, q },
                    })
                })(),
            };
            effects.extend(effect);
        }
        let gain_db = b.gain.as_ref().and_then(|g| cx.ranged(file, g, "gain", -96.0, 12.0)).unwrap_or(0.0);
        cx.context.clear();
        out.push(Bus { name: name.get_ref().clone(), effects, gain_db });
    }
    out
}

/// A parameter named by `name`; reported (with "did you mean") when there is none.
pub(super) fn param(
    cx: &mut Ctx,
    file: FileId,
    params: &[ParamDef],
    name: &str,
    at: Range<usize>,
    what: &str,
) -> Option<ParamId> {
    if let Some(i) = params.iter().position(|p| p.name == name) {
        return Some(ParamId(i));
    }
    let hint = did_you_mean(name, params.iter().map(|p| p.name.as_str()))
        .unwrap_or_else(|| format!("declare it under [params.{name}]"));
    cx.err(file, at, format!("{what} unknown parameter `{name}`"), hint);
    None
}

/// The byte range in the scene file of `sub`, a byte range of the string value written at `span`,
/// so errors can point inside a string. Falls back to the whole value when the text as written
/// differs from the value (escapes, line continuations).
pub(super) fn inside(cx: &Ctx, file: FileId, span: &Range<usize>, value: &str, sub: Range<usize>) -> Range<usize> {
    let raw = cx.parsed.sources[file].text.get(span.clone()).unwrap_or("");
    let mut open = if raw.starts_with("\"\"\"") || raw.starts_with("'''") { 3 } else { 1 };
    if open == 3 {
        open += raw[3..].bytes().take_while(|b| *b == b'\r').count();
        open += usize::from(raw.as_bytes().get(open) == Some(&b'\n'));
    }
    let body = raw.get(open..raw.len().saturating_sub(if open >= 3 { 3 } else { 1 }));
    if body == Some(value) && sub.end <= value.len() {
        let start = span.start + open;
        start + sub.start..start + sub.end.max(sub.start + 1)
    } else {
        span.clone()
    }
}

#[cfg(test)]
mod tests;
