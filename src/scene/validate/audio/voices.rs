//! `[[sounds]]` and `[[synths]]`: the keys they share (placement, gain, bus, start and stop,
//! fades, priority), a sound's file (probed, watched) and a synth's graph (parsed, with errors at
//! their column inside the graph string).

use std::ops::Range;
use std::path::Path;

use serde_spanned::Spanned;

use super::super::super::audio::*;
use super::super::super::diag::did_you_mean;
use super::super::super::file::{SoundFile, SynthFile};
use super::super::super::graph::parse_graph;
use super::super::super::load::{At, FileId, io_reason};
use super::super::super::source::resolve;
use super::super::{Ctx, whole};
use super::{Env, Names, inside, metres, param, probe, required, starts};

/// Files longer than this stream from disk unless `stream` says otherwise.
const STREAM_OVER_SECONDS: f64 = 20.0;

/// The keys sounds and synths share, borrowed from either.
struct Common<'a> {
    gain: &'a Option<Spanned<f64>>,
    pan: &'a Option<Spanned<f64>>,
    position: &'a Option<Spanned<[f64; 3]>>,
    channels: &'a Option<Spanned<Vec<Spanned<i64>>>>,
    bus: &'a Option<Spanned<String>>,
    start: &'a Option<Spanned<Vec<Spanned<String>>>>,
    stop: &'a Option<Spanned<Vec<Spanned<String>>>>,
    fade_in: &'a Option<Spanned<f64>>,
    fade_out: &'a Option<Spanned<f64>>,
    priority: &'a Option<Spanned<i64>>,
}

/// The shared keys of a `SoundFile` or a `SynthFile` (two structs with the same field names).
macro_rules! common {
    ($s:expr) => {
        Common {
            gain: &$s.gain,
            pan: &$s.pan,
            position: &$s.position,
            channels: &$s.channels,
            bus: &$s.bus,
            start: &$s.start,
            stop: &$s.stop,
            fade_in: &$s.fade_in,
            fade_out: &$s.fade_out,
            priority: &$s.priority,
        }
    };
}

/// The checked shared keys.
struct Shared {
    gain_db: f32,
    placement: Placement,
    bus: Option<usize>,
    start: Vec<Start>,
    stop: Vec<Start>,
    fade_in: f32,
    fade_out: f32,
    priority: i32,
}

pub(super) fn check(cx: &mut Ctx, env: &Env) -> (Vec<Sound>, Vec<Synth>) {
    let parsed = cx.parsed;
    let mut names = Names::default();
    let mut sounds = Vec::new();
    for At { file, span, value: s, broken } in &parsed.sounds {
        let file = *file;
        let entry = (file, span, broken.as_slice());
        let name = required(cx, entry, &s.name, "name", "sound", "\"rain\"");
        let path = required(cx, entry, &s.file, "file", "sound", "\"sounds/rain.ogg\"");
        let Some(name) = name else { continue };
        let unique = names.claim(cx, file, name, "sound", "sounds and synths");
        cx.context = format!(" in sound `{}`", name.get_ref());
        let common = common!(s);
        let shared = shared(cx, file, env, &common);
        let probed = path.and_then(|p| sound_file(cx, file, p));
        if let Some(sound) = sound(cx, file, env, s, name, probed, shared)
            && unique
        {
            sounds.push(sound);
        }
        cx.context.clear();
    }
    let mut synths = Vec::new();
    for At { file, span, value: s, broken } in &parsed.synths {
        let file = *file;
        let entry = (file, span, broken.as_slice());
        let name = required(cx, entry, &s.name, "name", "synth", "\"drone\"");
        let graph = required(cx, entry, &s.graph, "graph", "synth", "\"sine(220) * 0.2\"");
        let Some(name) = name else { continue };
        let unique = names.claim(cx, file, name, "synth", "sounds and synths");
        cx.context = format!(" in synth `{}`", name.get_ref());
        let common = common!(s);
        let shared = shared(cx, file, env, &common);
        if let Some(synth) = synth(cx, file, env, s, name, graph, shared)
            && unique
        {
            synths.push(synth);
        }
        cx.context.clear();
    }
    (sounds, synths)
}

fn sound(
    cx: &mut Ctx,
    file: FileId,
    env: &Env,
    s: &SoundFile,
    name: &Spanned<String>,
    probed: Option<(std::path::PathBuf, probe::Probed)>,
    shared: Option<Shared>,
) -> Option<Sound> {
    let offset = s.offset.as_ref().and_then(|o| cx.ranged(file, o, "offset", 0.0, 86_400.0)).map(f64::from);
    let rate = s.rate.as_ref().and_then(|r| cx.ranged(file, r, "rate", 0.125, 8.0)).unwrap_or(1.0);
    let (path, probed) = probed?;
    if let (Some(o), Some(len), Some(at)) = (offset, probed.seconds, &s.offset)
        && o >= len
    {
        cx.err(
            file,
            at.span(),
            format!("offset {o} s is past the end of {} ({len:.2} s long)", path.display()),
            format!("start within the file: offset below {len:.2}"),
        );
    }
    let gain_param = match &s.gain_param {
        Some(p) => Some(param(cx, file, env.params, p.get_ref(), p.span(), "gain_param names")?),
        None => None,
    };
    let shared = shared?;
    let stream = match &s.stream {
        Some(s) => *s.get_ref(),
        // Unknown length (some MP3s): streamed, which is safe for any length.
        None => probed.seconds.is_none_or(|l| l > STREAM_OVER_SECONDS),
    };
    Some(Sound {
        name: name.get_ref().clone(),
        file: path,
        stream,
        looping: s.looping.as_ref().is_some_and(|l| *l.get_ref()),
        gain_db: shared.gain_db,
        gain_param,
        placement: shared.placement,
        offset: offset.unwrap_or(0.0),
        fade_in: shared.fade_in,
        fade_out: shared.fade_out,
        rate,
        bus: shared.bus,
        autoplay: s.autoplay.as_ref().is_some_and(|a| *a.get_ref()),
        start: shared.start,
        stop: shared.stop,
        priority: shared.priority,
    })
}

/// Resolve, watch, open and probe a sound file.
fn sound_file(cx: &mut Ctx, file: FileId, at: &Spanned<String>) -> Option<(std::path::PathBuf, probe::Probed)> {
    let here = &cx.parsed.sources[file].path;
    let path = resolve(here, at.get_ref());
    cx.read.push(path.clone());
    let ext = path.extension().map(|e| e.to_string_lossy().to_lowercase()).unwrap_or_default();
    if !probe::EXTENSIONS.contains(&ext.as_str()) {
        let shown = if ext.is_empty() { "no extension".to_string() } else { format!(".{ext}") };
        let stem = Path::new(at.get_ref()).with_extension("flac");
        cx.err(
            file,
            at.span(),
            format!("sound file {}: {shown} is not a supported sound file type", path.display()),
            format!(
                "quai plays WAV, FLAC, OGG/Vorbis and MP3; convert it, e.g. ffmpeg -i {} {}",
                at.get_ref(),
                stem.display()
            ),
        );
        return None;
    }
    let opened = match cx.files.open(&path) {
        Ok(f) => f,
        Err(e) => {
            let msg = format!("cannot read sound file {}: {}", path.display(), io_reason(&e));
            let hint = format!("check the path; it is relative to the file that names it ({})", here.display());
            cx.err(file, at.span(), msg, hint);
            return None;
        }
    };
    match probe::probe(opened, &ext) {
        Ok(p) => Some((path, p)),
        Err(why) => {
            cx.err(
                file,
                at.span(),
                format!("sound file {} cannot be played: {why}", path.display()),
                "check that it plays elsewhere; re-export it as WAV, FLAC, OGG/Vorbis or MP3 (e.g. with ffmpeg)"
                    .to_string(),
            );
            None
        }
    }
}

fn synth(
    cx: &mut Ctx,
    file: FileId,
    env: &Env,
    s: &SynthFile,
    name: &Spanned<String>,
    graph: Option<&Spanned<String>>,
    shared: Option<Shared>,
) -> Option<Synth> {
    let smoothing = s.smoothing.as_ref().and_then(|v| cx.ranged(file, v, "smoothing", 0.0, 60.0)).unwrap_or(0.05);
    let mut inputs = Vec::new();
    for (input, p) in &s.inputs {
        if let Some(id) =
            param(cx, file, env.params, p.get_ref(), p.span(), &format!("graph input `{}` names", input.get_ref()))
        {
            inputs.push((input.get_ref().clone(), id));
        }
    }
    let graph = graph?;
    let text = graph.get_ref();
    let parsed = match parse_graph(text) {
        Ok(p) => p,
        Err(e) => {
            let at = inside(cx, file, &graph.span(), text, e.span);
            cx.err(file, at, format!("synth `{}`: {}", name.get_ref(), e.message), e.hint);
            return None;
        }
    };
    let declared: Vec<&str> = s.inputs.keys().map(|k| k.get_ref().as_str()).collect();
    let mut ok = true;
    for (used, at) in &parsed.inputs {
        if !declared.contains(&used.as_str()) {
            ok = false;
            let hint = did_you_mean(used, declared.iter().copied()).unwrap_or_else(|| {
                format!("bind it to a parameter: inputs = {{ {used} = \"PARAM\" }}, or write a number")
            });
            let at = inside(cx, file, &graph.span(), text, at.clone());
            cx.err(file, at, format!("synth `{}`: graph input `{used}` is not in `inputs`", name.get_ref()), hint);
        }
    }
    for key in s.inputs.keys() {
        if !parsed.inputs.iter().any(|(u, _)| u == key.get_ref()) {
            ok = false;
            cx.err(
                file,
                key.span(),
                format!("synth `{}`: input `{}` is not used in the graph", name.get_ref(), key.get_ref()),
                "remove it, or use it in the graph, e.g. sine(NAME)".to_string(),
            );
        }
    }
    let shared = shared?;
    if !ok || inputs.len() != s.inputs.len() {
        return None;
    }
    Some(Synth {
        name: name.get_ref().clone(),
        graph: text.clone(),
        ast: parsed.graph,
        inputs,
        smoothing,
        gain_db: shared.gain_db,
        placement: shared.placement,
        bus: shared.bus,
        autoplay: s.autoplay.as_ref().is_some_and(|a| *a.get_ref()),
        start: shared.start,
        stop: shared.stop,
        fade_in: shared.fade_in,
        fade_out: shared.fade_out,
        priority: shared.priority,
    })
}

/// The shared keys; `None` when one of them is wrong (all reported).
fn shared(cx: &mut Ctx, file: FileId, env: &Env, c: &Common) -> Option<Shared> {
    let before = cx.diags.len();
    let gain_db = c.gain.as_ref().and_then(|g| cx.ranged(file, g, "gain", -96.0, 12.0)).unwrap_or(0.0);
    let fade_in = c.fade_in.as_ref().and_then(|v| cx.ranged(file, v, "fade_in", 0.0, 3600.0)).unwrap_or(0.01);
    let fade_out = c.fade_out.as_ref().and_then(|v| cx.ranged(file, v, "fade_out", 0.0, 3600.0)).unwrap_or(0.05);
    let priority = c.priority.as_ref().and_then(|p| whole(cx, file, p, "priority", -100, 100)).unwrap_or(0) as i32;
    let placement = placement(cx, file, env, c);
    let bus = c.bus.as_ref().and_then(|b| {
        let n = b.get_ref();
        let found = env.buses.iter().position(|x| x == n);
        if found.is_none() && !env.declared_buses.contains(&n.as_str()) {
            let hint = did_you_mean(n, env.buses.iter().map(String::as_str)).unwrap_or_else(|| match env.buses.len() {
                0 => format!("declare it: [[buses]] name = \"{n}\""),
                _ => format!("the buses are: {}", env.buses.join(", ")),
            });
            cx.err(file, b.span(), format!("unknown bus `{n}`{}", cx.context), hint);
        }
        found
    });
    let start = starts::check(cx, file, env, c.start);
    let stop = starts::check(cx, file, env, c.stop);
    (cx.diags.len() == before).then_some(Shared { gain_db, placement, bus, start, stop, fade_in, fade_out, priority })
}

fn placement(cx: &mut Ctx, file: FileId, env: &Env, c: &Common) -> Placement {
    let given: Vec<(&str, Range<usize>)> = [
        ("pan", c.pan.as_ref().map(|v| v.span())),
        ("position", c.position.as_ref().map(|v| v.span())),
        ("channels", c.channels.as_ref().map(|v| v.span())),
    ]
    .into_iter()
    .filter_map(|(k, s)| Some((k, s?)))
    .collect();
    if let [(first, _), (second, at), ..] = given.as_slice() {
        cx.err(
            file,
            at.clone(),
            format!("`{first}` and `{second}` both place the sound{}", cx.context),
            "give one of pan (stereo), position (in the room) or channels (straight to outputs)".to_string(),
        );
        return Placement::Pan(0.0);
    }
    if let Some(p) = c.pan {
        return cx.ranged(file, p, "pan", -1.0, 1.0).map(Placement::Pan).unwrap_or(Placement::Pan(0.0));
    }
    if let Some(p) = c.position {
        if !env.speakers {
            cx.err(
                file,
                p.span(),
                format!("`position` needs [[speakers]]{}", cx.context),
                "declare the room's speakers (e.g. include = [\"../hardware/speakers/room-quad.toml\"]), or use pan"
                    .to_string(),
            );
            return Placement::Pan(0.0);
        }
        return metres(cx, file, p, "position").map(Placement::Position).unwrap_or(Placement::Pan(0.0));
    }
    if let Some(list) = c.channels {
        let chans = list.get_ref();
        if chans.is_empty() || chans.len() > 4 {
            cx.err(
                file,
                list.span(),
                format!("`channels` lists {} channels{}", chans.len(), cx.context),
                "give 1 to 4 output channels, counted from 1, e.g. channels = [3, 4]".to_string(),
            );
            return Placement::Pan(0.0);
        }
        let mut out = [None; 4];
        for (slot, ch) in out.iter_mut().zip(chans) {
            let n = *ch.get_ref();
            if n < 1 || n as usize > env.channels {
                cx.err(
                    file,
                    ch.span(),
                    format!("channel {n} is not one of the {} output channels{}", env.channels, cx.context),
                    format!("channels are counted from 1 to {} ([audio] channels)", env.channels),
                );
                continue;
            }
            *slot = Some(n as usize - 1);
        }
        return Placement::Channels(out);
    }
    Placement::Pan(0.0)
}
