//! The show's side of the audio engine, on the render thread: once per tick it turns the scene's
//! sounds into engine commands stamped with show time (autoplay, trigger and threshold starts and
//! stops), moves parameter-driven gains, and brings the analysis back into parameters and into
//! every shader's `quai.audio`. Live, the engine runs in the device callback (stream.rs) and
//! commands start within one block; offline (`quai render --audio`), this module runs the engine
//! itself up to each frame's sample, `round(t · sample_rate)`, writes the WAV, and analyses that
//! same audio before the frame is drawn: byte-identical on re-run, and the frames see it.
//!
//! `[audio] input` (a microphone or line in, as a sensor) is live only: the stream's input side
//! feeds a second analysis thread, whose features land in the `[[analysis]] source = "input"`
//! parameters. Offline there is no input: those parameters read silence (the floor of their
//! range) every frame, so a bounce stays reproducible.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::analysis::{AnalysisHandle, Analyzer, Features, spawn_analysis};
use super::engine::{self, Engine, EngineHandle, EngineSettings, Source, VoiceId, VoiceParams};
use super::{decode, pan};
use crate::app::AppError;
use crate::scene::audio::{AnalysisSource, Feature, Sound, Start, Synth};
use crate::scene::{ParamId, Scene};
use crate::show::{FrameTime, ParamStore};

/// Files up to this long are decoded into memory at load; longer ones stream from disk.
pub const PRELOAD_SECONDS: f64 = 20.0;

/// Where the engine runs.
enum Run {
    /// In the device callback.
    Live {
        stream: super::stream::AudioStream,
        /// Underruns already reported, and when the last report was.
        xruns: (u64, Option<std::time::Instant>),
        analysis: AnalysisHandle,
        /// The input's analysis, with `[audio] input`.
        input: Option<AnalysisHandle>,
    },
    /// Here, frame by frame, into a WAV file.
    Offline(Box<Bounce>),
}

/// An offline bounce in progress.
struct Bounce {
    engine: Engine,
    wav: hound::WavWriter<std::io::BufWriter<std::fs::File>>,
    block: Vec<f32>,
    analyzer: Analyzer,
    path: PathBuf,
}

/// What a player plays.
enum Kind {
    /// A sample player: the decoded file (`None`: streamed from disk when it starts).
    Sample { sound: Sound, buffer: Option<Arc<engine::SampleBuffer>> },
    /// A synth voice: its graph is built anew each time it starts.
    Synth(Synth),
}

/// One sound or synth of the scene, and its voice when it plays.
struct Player {
    kind: Kind,
    voice: Option<VoiceId>,
    /// The streaming decoder while a streamed voice plays.
    stream: Option<decode::StreamHandle>,
    last_gain: f32,
    /// Synth inputs last sent.
    last_inputs: Vec<f32>,
    /// New since the last tick: an autoplay sound starts now.
    fresh: bool,
}

/// What sounds and synths have in common.
struct Common<'a> {
    name: &'a str,
    autoplay: bool,
    start: &'a [Start],
    stop: &'a [Start],
    fade_out: f32,
}

impl Player {
    fn new(kind: Kind) -> Self {
        Self { kind, voice: None, stream: None, last_gain: f32::NAN, last_inputs: Vec::new(), fresh: true }
    }

    fn common(&self) -> Common<'_> {
        match &self.kind {
            Kind::Sample { sound: s, .. } => {
                Common { name: &s.name, autoplay: s.autoplay, start: &s.start, stop: &s.stop, fade_out: s.fade_out }
            }
            Kind::Synth(s) => {
                Common { name: &s.name, autoplay: s.autoplay, start: &s.start, stop: &s.stop, fade_out: s.fade_out }
            }
        }
    }
}

/// What the cues that started this tick ask of the sounds, by name.
#[derive(Debug, Clone, Default)]
pub struct Cued {
    pub play: Vec<String>,
    pub silence: Vec<String>,
    /// A panic: every sound stops, fading out within this many seconds (or its own `fade_out`
    /// if shorter).
    pub panic: Option<f32>,
    /// Standby: no sound starts.
    pub silent: bool,
    /// Out of standby: the sounds that start with the scene start again.
    pub wake: bool,
}

impl Cued {
    pub fn clear(&mut self) {
        self.play.clear();
        self.silence.clear();
        self.panic = None;
        self.silent = false;
        self.wake = false;
    }
}

pub struct ShowAudio {
    handle: EngineHandle,
    run: Run,
    sample_rate: u32,
    channels: usize,
    players: Vec<Player>,
    /// Parameter values of the last tick, to see thresholds crossed.
    before: Vec<f32>,
    features: Features,
    /// The input's features (silence offline or without an input).
    input_features: Features,
    speakers: Vec<crate::scene::audio::Speaker>,
    analysis: Vec<crate::scene::audio::Analysis>,
    /// The smoothed value (0..1 of the parameter's range) of each `[[analysis]]`.
    smoothed: Vec<f32>,
    /// What the stream and buses were built from (a reload cannot change them live).
    built: (Option<crate::scene::audio::AudioSettings>, Vec<crate::scene::audio::Bus>),
}

fn db(v: f32) -> f32 {
    10f32.powf(v / 20.0)
}

impl ShowAudio {
    /// The audio of `scene`, or `None` when it has none. `wav`: bounce offline into this file
    /// instead of opening a device.
    pub fn new(scene: &Scene, wav: Option<&Path>) -> Result<Option<Self>, AppError> {
        let audio = &scene.audio;
        if audio.is_empty() && wav.is_none() {
            return Ok(None);
        }
        let s = audio.settings.clone().unwrap_or_else(|| default_settings(&audio.speakers));
        let settings = EngineSettings {
            sample_rate: s.sample_rate,
            channels: s.channels,
            voices: s.voices,
            buses: audio.buses.len().max(1),
            max_block: 8192,
            master_gain: db(s.master_db),
            ceiling: db(s.ceiling_db),
            ..EngineSettings::default()
        };
        let (mut handle, engine) = engine::engine(settings);
        for (i, bus) in audio.buses.iter().enumerate() {
            let kinds: Vec<engine::EffectKind> = bus.effects.iter().map(effect_kind).collect();
            let _ = handle.set_bus_effect(i, engine::chain(&kinds, s.channels, s.sample_rate));
            let _ = handle.set_bus(i, db(bus.gain_db));
        }
        let tap = handle.take_tap();
        let run = match wav {
            Some(path) => {
                let spec = hound::WavSpec {
                    channels: s.channels as u16,
                    sample_rate: s.sample_rate,
                    bits_per_sample: 32,
                    sample_format: hound::SampleFormat::Float,
                };
                let wav = hound::WavWriter::create(path, spec)
                    .map_err(|e| AppError::Environment(format!("--audio {}: {e}", path.display())))?;
                Run::Offline(Box::new(Bounce {
                    engine,
                    wav,
                    block: Vec::new(),
                    analyzer: Analyzer::new(s.sample_rate, s.channels, 2048, 16),
                    path: path.to_path_buf(),
                }))
            }
            None => {
                let client: String = scene
                    .name
                    .chars()
                    .map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' })
                    .collect();
                let config = super::stream::StreamConfig::from_settings(&s, Some(&client));
                let input_channels = config.input.as_ref().map(|i| i.channels);
                let mut stream = super::stream::start(config, Box::new(EngineRender::new(engine)));
                let analysis = match tap {
                    Some(tap) => spawn_analysis(tap, s.sample_rate, s.channels, 16),
                    None => return Err(AppError::Bug("the audio analysis tap was taken twice".into())),
                };
                let input = stream.take_input().zip(input_channels).map(|(ring, channels)| {
                    spawn_analysis(ring, s.sample_rate, channels.clamp(1, super::stream::MAX_CHANNELS), 16)
                });
                Run::Live { stream, xruns: (0, None), analysis, input }
            }
        };
        let mut players = Vec::new();
        for sound in &audio.sounds {
            players.push(Player::new(Kind::Sample { sound: sound.clone(), buffer: preload(sound)? }));
        }
        players.extend(audio.synths.iter().map(|s| Player::new(Kind::Synth(s.clone()))));
        Ok(Some(Self {
            handle,
            run,
            sample_rate: s.sample_rate,
            channels: s.channels,
            players,
            before: Vec::new(),
            features: Features::default(),
            input_features: Features::default(),
            speakers: audio.speakers.clone(),
            analysis: audio.analysis.clone(),
            smoothed: Vec::new(),
            built: (audio.settings.clone(), audio.buses.clone()),
        }))
    }

    /// The stream as the console shows it: the device and the output's level (peak and RMS,
    /// 0..1 over -60..0 dBFS).
    pub fn status(&self) -> crate::console::status::AudioStatus {
        let device = match &self.run {
            Run::Live { stream, .. } => match stream.state() {
                super::stream::StreamState::Starting => "starting".to_string(),
                super::stream::StreamState::Running { host, device, sample_rate, buffer, channels } => {
                    format!(
                        "{host} {device}, {sample_rate} Hz, {channels} ch, {buffer} frames; {} underruns",
                        stream.underruns()
                    )
                }
                super::stream::StreamState::Silent { reason } => format!("silent: {reason}"),
            },
            Run::Offline(_) => format!("offline bounce, {} Hz, {} ch", self.sample_rate, self.channels),
        };
        let level = |db: f32| ((db + 60.0) / 60.0).clamp(0.0, 1.0);
        crate::console::status::AudioStatus {
            device,
            meters: vec![level(self.features.peak_db), level(self.features.rms_db)],
        }
    }

    /// One tick: render offline audio up to this frame, bring analysis into `params`, start and
    /// stop sounds (by their triggers and thresholds, and as `cued` by the cues that started).
    /// Returns `quai.audio` (low, mid, high, level) for the shaders.
    pub fn step(
        &mut self,
        t: FrameTime,
        fired: &[&str],
        cued: &Cued,
        params: &mut ParamStore,
    ) -> Result<[f32; 4], AppError> {
        let at = match &mut self.run {
            Run::Offline(b) => {
                let target = (t.time * self.sample_rate as f64).round() as u64;
                b.render_until(target, self.channels)?;
                self.features = b.analyzer.features();
                target
            }
            Run::Live { analysis, input, stream, xruns } => {
                report_underruns(stream, xruns);
                self.features = analysis.latest();
                if let Some(input) = input {
                    self.input_features = input.latest();
                }
                self.handle.now()
            }
        };
        let dt = t.delta as f32;
        apply_analysis(&self.analysis, &mut self.smoothed, [&self.features, &self.input_features], params, dt);
        let values = params.values().to_vec();
        for i in 0..self.players.len() {
            let crossed = |list: &[Start]| list.iter().any(|s| started(s, fired, &self.before, &values));
            let fresh = std::mem::take(&mut self.players[i].fresh);
            let c = self.players[i].common();
            let named = |list: &[String]| list.iter().any(|n| n == c.name);
            let start = ((fresh || cued.wake) && c.autoplay) || crossed(c.start) || named(&cued.play);
            let stop = crossed(c.stop) || named(&cued.silence) || cued.panic.is_some();
            let fade = match cued.panic {
                Some(within) => within.min(c.fade_out),
                None => c.fade_out,
            };
            let start = start && cued.panic.is_none() && !cued.silent;
            if stop && let Some(id) = self.players[i].voice.take() {
                let _ = self.handle.stop(id, at, fade);
                self.players[i].stream = None;
            }
            if start && self.players[i].voice.is_none() {
                self.start(i, at, &values);
            }
            self.follow(i, at, &values);
        }
        for e in self.handle.events() {
            if let engine::Event::Finished(id) = e {
                for p in &mut self.players {
                    if p.voice == Some(id) {
                        p.voice = None;
                        p.stream = None;
                    }
                }
            }
        }
        self.handle.collect_garbage();
        self.before = values;
        Ok(self.uniform())
    }

    fn start(&mut self, i: usize, at: u64, values: &[f32]) {
        let (speakers, channels, rate) = (&self.speakers, self.channels, self.sample_rate);
        let p = &mut self.players[i];
        let mut params = VoiceParams::default();
        let mut inputs = Vec::new();
        let (name, source) = match &p.kind {
            Kind::Sample { sound: s, buffer } => {
                let source = match buffer {
                    Some(b) => Source::Sample(b.clone()),
                    None => match decode::stream(&s.file, s.offset, s.looping, rate as usize * 2) {
                        Ok((reader, handle)) => {
                            p.stream = Some(handle);
                            Source::Stream(reader)
                        }
                        Err(e) => {
                            tracing::warn!("sound `{}`: {e}; it does not play, the rest plays on", s.name);
                            return;
                        }
                    },
                };
                params = VoiceParams {
                    gain: db(s.gain_db),
                    gains: pan::gains(&s.placement, speakers, channels),
                    looping: s.looping,
                    offset: if buffer.is_some() { s.offset } else { 0.0 },
                    fade_in: s.fade_in,
                    fade_out: s.fade_out,
                    rate: s.rate,
                    bus: s.bus,
                    priority: s.priority,
                    ..params
                };
                (&s.name, source)
            }
            Kind::Synth(s) => {
                let names: Vec<String> = s.inputs.iter().map(|(n, _)| n.clone()).collect();
                inputs = s.inputs.iter().map(|(_, id)| values.get(id.0).copied().unwrap_or(0.0)).collect();
                params = VoiceParams {
                    gain: db(s.gain_db),
                    gains: pan::gains(&s.placement, speakers, channels),
                    fade_in: s.fade_in,
                    fade_out: s.fade_out,
                    bus: s.bus,
                    priority: s.priority,
                    smoothing: s.smoothing,
                    ..params
                };
                (&s.name, Source::Synth(super::graph::build(&s.ast, &names)))
            }
        };
        let name = name.clone();
        match self.handle.play_with_inputs(at, source, params, &inputs) {
            Ok(id) => {
                p.voice = Some(id);
                p.last_inputs = inputs;
                tracing::debug!("sound `{name}` started");
            }
            Err(e) => tracing::warn!("sound `{name}` does not start: {e}"),
        }
    }

    /// Gains that follow a parameter and synth inputs bound to parameters: sent when they move
    /// (the engine smooths them).
    fn follow(&mut self, i: usize, at: u64, values: &[f32]) {
        let p = &mut self.players[i];
        let Some(id) = p.voice else { return };
        match &p.kind {
            Kind::Sample { sound, .. } => {
                let Some(param) = sound.gain_param else { return };
                let g = values.get(param.0).copied().unwrap_or(1.0);
                if (g - p.last_gain).abs() > 1e-4 || p.last_gain.is_nan() {
                    p.last_gain = g;
                    let _ = self.handle.set(id, at, engine::Control::Gain, db(sound.gain_db) * g.clamp(0.0, 1.0));
                }
            }
            Kind::Synth(s) => {
                for (k, (_, param)) in s.inputs.iter().enumerate() {
                    let v = values.get(param.0).copied().unwrap_or(0.0);
                    if p.last_inputs.get(k).is_none_or(|last| (last - v).abs() > 1e-6) {
                        let _ = self.handle.set_input(id, k, v);
                        if let Some(slot) = p.last_inputs.get_mut(k) {
                            *slot = v;
                        }
                    }
                }
            }
        }
    }

    /// `quai.audio`: the mean of the lower, middle and upper third of the 16 bands, and the RMS
    /// level mapped from -60..0 dBFS to 0..1.
    fn uniform(&self) -> [f32; 4] {
        let b = &self.features.bands;
        let mean = |r: std::ops::Range<usize>| b[r.clone()].iter().sum::<f32>() / r.len() as f32;
        [mean(0..5), mean(5..11), mean(11..16), ((self.features.rms_db + 60.0) / 60.0).clamp(0.0, 1.0)]
    }

    /// A reloaded scene: sounds and synths whose definition did not change keep playing
    /// untouched; removed ones fade out; new and changed ones start afresh (autoplay at once).
    /// The stream settings and buses are fixed while the stream runs: a change is reported and
    /// applies at the next start.
    pub fn reload(&mut self, scene: &Scene) -> Result<(), AppError> {
        let audio = &scene.audio;
        if (audio.settings.clone(), audio.buses.clone()) != self.built {
            tracing::warn!("the [audio] settings or [[buses]] changed: they apply when quai is restarted");
        }
        // Decode what is new first: a file that does not load leaves everything as it was.
        let mut decoded = Vec::new();
        for sound in &audio.sounds {
            let playing = self.players.iter().any(|p| matches!(&p.kind, Kind::Sample { sound: s, .. } if s == sound));
            if !playing {
                decoded.push(preload(sound)?);
            }
        }
        let mut decoded = decoded.into_iter();
        let mut old = std::mem::take(&mut self.players);
        let mut keep =
            |same: &dyn Fn(&Kind) -> bool| old.iter().position(|p| same(&p.kind)).map(|i| old.swap_remove(i));
        let mut next = Vec::new();
        for sound in &audio.sounds {
            match keep(&|k| matches!(k, Kind::Sample { sound: s, .. } if s == sound)) {
                Some(p) => next.push(p),
                None => next.push(Player::new(Kind::Sample { sound: sound.clone(), buffer: decoded.next().flatten() })),
            }
        }
        for synth in &audio.synths {
            match keep(&|k| matches!(k, Kind::Synth(s) if s == synth)) {
                Some(p) => next.push(p),
                None => next.push(Player::new(Kind::Synth(synth.clone()))),
            }
        }
        let at = self.handle.now();
        for p in old {
            if let Some(id) = p.voice {
                let _ = self.handle.stop(id, at, p.common().fade_out);
            }
        }
        self.players = next;
        self.speakers = audio.speakers.clone();
        self.analysis = audio.analysis.clone();
        self.smoothed.clear();
        self.before.clear();
        Ok(())
    }

    /// The end of an offline bounce: render up to `end` seconds and close the WAV.
    pub fn finish(self, end: f64) -> Result<(), AppError> {
        if let Run::Offline(mut b) = self.run {
            let target = (end * self.sample_rate as f64).round() as u64;
            b.render_until(target, self.channels)?;
            let path = b.path.clone();
            b.wav.finalize().map_err(|e| AppError::Environment(format!("--audio {}: {e}", path.display())))?;
        }
        Ok(())
    }
}

/// A sound's samples decoded into memory, or `None` when it streams from disk.
fn preload(sound: &Sound) -> Result<Option<Arc<engine::SampleBuffer>>, AppError> {
    if sound.stream {
        return Ok(None);
    }
    let d = decode::decode_file(&sound.file).map_err(|e| AppError::Environment(e.to_string()))?;
    Ok(Some(Arc::new(engine::SampleBuffer { sample_rate: d.sample_rate, channels: d.channels, frames: d.frames })))
}

/// The stream a scene without `[audio]` gets: 48 kHz stereo (or as many channels as its speakers),
/// 64 voices, unity master, -1 dBFS ceiling.
fn default_settings(speakers: &[crate::scene::audio::Speaker]) -> crate::scene::audio::AudioSettings {
    crate::scene::audio::AudioSettings {
        host: None,
        device: None,
        sample_rate: 48_000,
        buffer: 256,
        channels: speakers.iter().map(|s| s.channel + 1).max().unwrap_or(2).max(2),
        voices: 64,
        master_db: 0.0,
        ceiling_db: -1.0,
        input: None,
        connect: Vec::new(),
    }
}

/// Says, at most every 10 s, how many underruns (xruns) the stream had since the last report.
fn report_underruns(stream: &super::stream::AudioStream, (seen, at): &mut (u64, Option<std::time::Instant>)) {
    let now = stream.underruns();
    if now == *seen || at.is_some_and(|t| t.elapsed() < std::time::Duration::from_secs(10)) {
        return;
    }
    tracing::warn!(
        "audio: {} underruns (the device asked for audio before it was ready; {now} since the start): \
         raise [audio] buffer, or lighten the scene's voices and effects",
        now - *seen
    );
    *seen = now;
    *at = Some(std::time::Instant::now());
}

/// Each `[[analysis]]` into its parameter, from the features of its source (`features`: the
/// output mix, the input): the raw feature mapped from its `in` range onto the parameter's range,
/// smoothed over the entry's own `smoothing` (exponential, `dt` apart; `smoothed` keeps the state).
fn apply_analysis(
    analysis: &[crate::scene::audio::Analysis],
    smoothed: &mut Vec<f32>,
    [output, input]: [&Features; 2],
    params: &mut ParamStore,
    dt: f32,
) {
    smoothed.resize(analysis.len(), f32::NAN);
    for (a, s) in analysis.iter().zip(smoothed.iter_mut()) {
        let f = match a.source {
            AnalysisSource::Output => output,
            AnalysisSource::Input => input,
        };
        let raw = match a.feature {
            Feature::Rms => f.rms_db,
            Feature::Peak => f.peak_db,
            Feature::Onset => f.onset,
            Feature::Band { index, bands } => band(f, index, bands),
        };
        let [lo, hi] = a.input_range;
        let x = ((raw - lo) / (hi - lo)).clamp(0.0, 1.0);
        *s = if s.is_nan() || a.smoothing <= 0.0 { x } else { *s + (x - *s) * (1.0 - (-dt / a.smoothing).exp()) };
        let def = &params.defs()[a.param.0];
        let _ = params.write(a.param, def.min + *s * (def.max - def.min), crate::show::Writer::Mapping);
    }
}

/// Band `index` of `bands` log bands (8 or 16) from the analyser's 16: the 8-band edges are every
/// other 16-band edge, so band k of 8 is the mean of bands 2k and 2k + 1 of 16.
fn band(f: &Features, index: usize, bands: usize) -> f32 {
    let per = (f.bands.len() / bands.clamp(1, f.bands.len())).max(1);
    let range = (index * per).min(f.bands.len())..((index + 1) * per).min(f.bands.len());
    if range.is_empty() {
        return 0.0;
    }
    f.bands[range.clone()].iter().sum::<f32>() / range.len() as f32
}

fn started(s: &Start, fired: &[&str], before: &[f32], now: &[f32]) -> bool {
    let get = |v: &[f32], p: ParamId| v.get(p.0).copied();
    match s {
        Start::Trigger(name) => fired.contains(&name.as_str()),
        Start::Above(p, x) => get(now, *p).is_some_and(|v| v > *x) && get(before, *p).is_some_and(|v| v <= *x),
        Start::Below(p, x) => get(now, *p).is_some_and(|v| v < *x) && get(before, *p).is_some_and(|v| v >= *x),
    }
}

fn effect_kind(e: &crate::scene::audio::Effect) -> engine::EffectKind {
    use crate::scene::audio::Effect as E;
    match *e {
        E::Lowpass { cutoff, q } => engine::EffectKind::Lowpass { cutoff, q },
        E::Highpass { cutoff, q } => engine::EffectKind::Highpass { cutoff, q },
        E::Delay { seconds, feedback, mix } => engine::EffectKind::Delay { seconds, feedback, mix },
        E::Reverb { room, time, mix } => engine::EffectKind::Reverb { room, time, mix },
    }
}

/// The engine as the device callback's work. When the device gave fewer or more channels than
/// asked, the engine still renders its own count into a buffer made here, and the callback copies
/// what fits (the rest silent): no allocation on the audio thread.
pub struct EngineRender {
    engine: Engine,
    scratch: Vec<f32>,
}

impl EngineRender {
    pub fn new(engine: Engine) -> Self {
        let scratch = vec![0.0; engine.channels() * 8192];
        Self { engine, scratch }
    }
}

impl super::stream::Render for EngineRender {
    fn render(&mut self, out: &mut [f32], channels: usize) {
        let ours = self.engine.channels();
        if channels == ours {
            return self.engine.process(out);
        }
        let frames = (out.len() / channels.max(1)).min(self.scratch.len() / ours.max(1));
        let mix = &mut self.scratch[..frames * ours];
        self.engine.process(mix);
        out.fill(0.0);
        for (o, m) in out.chunks_exact_mut(channels).zip(mix.chunks_exact(ours)) {
            let n = channels.min(ours);
            o[..n].copy_from_slice(&m[..n]);
        }
    }
}

impl Bounce {
    /// Run the engine from where it is up to sample `target`, writing the WAV and feeding the
    /// analyser.
    fn render_until(&mut self, target: u64, channels: usize) -> Result<(), AppError> {
        const BLOCK: u64 = 512;
        while self.engine.now() < target {
            let n = (target - self.engine.now()).min(BLOCK) as usize;
            self.block.clear();
            self.block.resize(n * channels, 0.0);
            self.engine.process(&mut self.block);
            self.analyzer.push(&self.block);
            for &v in self.block.iter() {
                self.wav
                    .write_sample(v)
                    .map_err(|e| AppError::Environment(format!("--audio {}: {e}", self.path.display())))?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Band k of 8 covers bands 2k and 2k + 1 of the analyser's 16 (regression: `band:2/8` read
    /// band 2 of 16, a much lower range).
    #[test]
    fn eight_bands_merge_pairs_of_sixteen() {
        let mut f = Features::default();
        f.bands[4] = 0.2;
        f.bands[5] = 0.6;
        assert!((band(&f, 2, 8) - 0.4).abs() < 1e-6);
        assert_eq!(band(&f, 4, 16), 0.2);
        assert_eq!(band(&f, 9, 8), 0.0, "out of range reads 0");
    }

    fn scene(drone_gain: f32) -> Scene {
        let text = format!(
            "[audio]\nchannels = 1\n\
             [[synths]]\nname = \"bed\"\ngraph = \"sine(220)\"\ngain = -20.0\nautoplay = true\n\
             [[synths]]\nname = \"drone\"\ngraph = \"sine(110)\"\ngain = {drone_gain}\nautoplay = true\n"
        );
        crate::scene::load_str(Path::new("s.toml"), &text).expect("scene")
    }

    /// A reload keeps the voice of a synth whose definition did not change (same voice, never
    /// restarted) and restarts the one that changed.
    #[test]
    fn reload_keeps_unchanged_voices_playing() {
        let dir = tempfile::tempdir().expect("dir");
        let first = scene(-20.0);
        let mut audio = ShowAudio::new(&first, Some(&dir.path().join("a.wav"))).expect("audio").expect("some");
        let mut params = ParamStore::new(&first.params);
        let tick = |audio: &mut ShowAudio, params: &mut ParamStore, frame: u64| {
            let t = FrameTime { time: frame as f64 / 24.0, delta: 1.0 / 24.0, frame };
            audio.step(t, &[], &Cued::default(), params).expect("step");
        };
        for f in 0..3 {
            tick(&mut audio, &mut params, f);
        }
        let voice = |a: &ShowAudio, name: &str| {
            a.players.iter().find(|p| matches!(&p.kind, Kind::Synth(s) if s.name == name)).and_then(|p| p.voice)
        };
        let (bed, drone) = (voice(&audio, "bed").expect("bed plays"), voice(&audio, "drone").expect("drone plays"));
        audio.reload(&scene(-12.0)).expect("reload");
        for f in 3..6 {
            tick(&mut audio, &mut params, f);
        }
        assert_eq!(voice(&audio, "bed"), Some(bed), "the unchanged synth keeps its voice");
        let again = voice(&audio, "drone").expect("the changed synth plays again");
        assert_ne!(again, drone, "the changed synth restarted with its new gain");
        audio.finish(6.0 / 24.0).expect("finish");
    }

    /// Each `[[analysis]]` reads its own source: `source = "input"` the input's features (it was
    /// skipped before the input stream existed), `"output"` the mix's.
    #[test]
    fn analysis_lands_from_its_own_source() {
        let text = "[audio]\ninput = { channels = 1 }\n\
             [params.mic]\n[params.mix]\n\
             [[analysis]]\nsource = \"input\"\nfeature = \"rms\"\nto = \"mic\"\n\
             [[analysis]]\nsource = \"output\"\nfeature = \"rms\"\nto = \"mix\"\n";
        let scene = crate::scene::load_str(Path::new("s.toml"), text).expect("scene");
        let mut params = ParamStore::new(&scene.params);
        let level = |db: f32| Features { rms_db: db, ..Features::default() };
        let mut smoothed = Vec::new();
        apply_analysis(&scene.audio.analysis, &mut smoothed, [&level(-60.0), &level(-15.0)], &mut params, 0.0);
        let get = |p: &ParamStore, name: &str| {
            let i = scene.params.iter().position(|d| d.name == name).expect("param");
            p.values()[i]
        };
        assert!((get(&params, "mic") - 0.75).abs() < 1e-6, "input at -15 dB of -60..0: {}", get(&params, "mic"));
        assert!(get(&params, "mix").abs() < 1e-6, "output at -60 dB: {}", get(&params, "mix"));
    }
}
