//! `[audio]`, `[[speakers]]`, `[[sounds]]`, `[[synths]]`, `[[buses]]` and `[[analysis]]` as
//! written: the output stream, the room's speakers, what plays and what listens. Every value keeps
//! its span; ranges, names and files are checked by validation (validate/audio/).

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_spanned::Spanned;

/// `[audio]`: the output stream (and an optional analysed input). Only in the main scene file.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AudioFile {
    /// `jack`, `alsa` or `default`. Default: JACK when a server runs, else the system default.
    #[schemars(with = "Option<AudioHostFile>")]
    pub host: Option<Spanned<AudioHostFile>>,
    /// Output device: a case-insensitive substring of its name. Default: the host's default.
    #[schemars(with = "Option<String>")]
    pub device: Option<Spanned<String>>,
    /// Frames per second, 8000..192000. Default 48000.
    #[schemars(with = "Option<u32>", range(min = 8000, max = 192000))]
    pub sample_rate: Option<Spanned<i64>>,
    /// Frames per callback block, 16..8192. Default 256 (JACK uses its own).
    #[schemars(with = "Option<u32>", range(min = 16, max = 8192))]
    pub buffer: Option<Spanned<i64>>,
    /// Output channels, 1..16. Default: the highest speaker channel, else 2.
    #[schemars(with = "Option<u32>", range(min = 1, max = 16))]
    pub channels: Option<Spanned<i64>>,
    /// Most voices playing at once, 1..256. Default 64.
    #[schemars(with = "Option<u32>", range(min = 1, max = 256))]
    pub voices: Option<Spanned<i64>>,
    /// Master gain in dB, -60..12, before the limiter. Default 0.
    #[schemars(with = "Option<f64>", range(min = -60, max = 12))]
    pub master: Option<Spanned<f64>>,
    /// Limiter ceiling in dBFS, -20..0. Default -1.
    #[schemars(with = "Option<f64>", range(min = -20, max = 0))]
    pub ceiling: Option<Spanned<f64>>,
    /// JACK: the ports the outputs connect to, in order. Default: the system playback ports.
    #[schemars(with = "Option<Vec<String>>")]
    pub connect: Option<Spanned<Vec<Spanned<String>>>>,
    /// An input (microphone, line in) for `[[analysis]]` with `source = "input"`.
    #[schemars(with = "Option<AudioInputFile>")]
    pub input: Option<Spanned<AudioInputFile>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum AudioHostFile {
    Jack,
    Alsa,
    Default,
}

/// `[audio] input = { device = "...", channels = 1 }`
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AudioInputFile {
    /// Input device: a case-insensitive substring of its name. Default: the host's default.
    #[schemars(with = "Option<String>")]
    pub device: Option<Spanned<String>>,
    /// Input channels, 1..16. Default 1.
    #[schemars(with = "Option<u32>", range(min = 1, max = 16))]
    pub channels: Option<Spanned<i64>>,
}

/// `[[speakers]]`: one speaker of the room, usually in a `hardware/speakers/` file.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SpeakerFile {
    /// Speaker name, unique in the scene.
    #[schemars(with = "String")]
    pub name: Option<Spanned<String>>,
    /// Output channel, counted from 1 as on the interface.
    #[schemars(with = "u32", range(min = 1, max = 16))]
    pub channel: Option<Spanned<i64>>,
    /// `[x, y, z]` in metres from the listening centre: x right, y forward, z up.
    #[schemars(with = "[f64; 3]")]
    pub position: Option<Spanned<[f64; 3]>>,
}

/// `[[sounds]]`: a sample player. Where it plays is one of `pan`, `position` and `channels`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SoundFile {
    /// Sound name, unique among sounds and synths.
    #[schemars(with = "String")]
    pub name: Option<Spanned<String>>,
    /// WAV, FLAC, OGG/Vorbis or MP3, relative to this file.
    #[schemars(with = "String")]
    pub file: Option<Spanned<String>>,
    /// Play it again from `offset` when it ends. Default false.
    #[serde(rename = "loop")]
    #[schemars(rename = "loop", with = "Option<bool>")]
    pub looping: Option<Spanned<bool>>,
    /// Gain in dB, -96..12. Default 0.
    #[schemars(with = "Option<f64>", range(min = -96, max = 12))]
    pub gain: Option<Spanned<f64>>,
    /// A parameter that scales the gain (its range mapped to 0..1), smoothed.
    #[schemars(with = "Option<String>")]
    pub gain_param: Option<Spanned<String>>,
    /// Stereo pan, -1 (left) .. 1 (right). One of `pan`, `position`, `channels`. Default 0.
    #[schemars(with = "Option<f64>", range(min = -1, max = 1))]
    pub pan: Option<Spanned<f64>>,
    /// `[x, y, z]` in the room, metres; needs `[[speakers]]`.
    #[schemars(with = "Option<[f64; 3]>")]
    pub position: Option<Spanned<[f64; 3]>>,
    /// Straight to these output channels (1..4 of them, counted from 1).
    #[schemars(with = "Option<Vec<u32>>")]
    pub channels: Option<Spanned<Vec<Spanned<i64>>>>,
    /// Seconds into the file where playback starts. Default 0.
    #[schemars(with = "Option<f64>", range(min = 0))]
    pub offset: Option<Spanned<f64>>,
    /// Fade-in, seconds. Default 0.01.
    #[schemars(with = "Option<f64>", range(min = 0))]
    pub fade_in: Option<Spanned<f64>>,
    /// Fade-out when stopped, seconds. Default 0.05.
    #[schemars(with = "Option<f64>", range(min = 0))]
    pub fade_out: Option<Spanned<f64>>,
    /// Playback rate, 0.125..8 (2 = an octave up, twice as fast). Default 1.
    #[schemars(with = "Option<f64>", range(min = 0.125, max = 8))]
    pub rate: Option<Spanned<f64>>,
    /// The `[[buses]]` entry it plays through. Default: straight to the master bus.
    #[schemars(with = "Option<String>")]
    pub bus: Option<Spanned<String>>,
    /// Start with the show. Default false.
    #[schemars(with = "Option<bool>")]
    pub autoplay: Option<Spanned<bool>>,
    /// Trigger names, or thresholds `"PARAM > X"` / `"PARAM < X"`, that start it.
    #[schemars(with = "Option<Vec<String>>")]
    pub start: Option<Spanned<Vec<Spanned<String>>>>,
    /// Trigger names or thresholds that stop it (with its fade-out).
    #[schemars(with = "Option<Vec<String>>")]
    pub stop: Option<Spanned<Vec<Spanned<String>>>>,
    /// -100..100: higher is kept longer when voices run out. Default 0.
    #[schemars(with = "Option<i32>", range(min = -100, max = 100))]
    pub priority: Option<Spanned<i64>>,
    /// Stream from disk (true) or preload (false). Default: files over 20 s stream.
    #[schemars(with = "Option<bool>")]
    pub stream: Option<Spanned<bool>>,
}

/// `[[synths]]`: a synth voice from a small graph vocabulary (see scenes/README.md).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SynthFile {
    /// Synth name, unique among sounds and synths.
    #[schemars(with = "String")]
    pub name: Option<Spanned<String>>,
    /// The graph, e.g. `"sine(freq) * 0.3 >> lowpass(cutoff, 0.7)"`.
    #[schemars(with = "String")]
    pub graph: Option<Spanned<String>>,
    /// Graph input names → parameters: `{ freq = "pitch" }`.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, String>")]
    pub inputs: BTreeMap<Spanned<String>, Spanned<String>>,
    /// Smoothing of the inputs, seconds. Default 0.05.
    #[schemars(with = "Option<f64>", range(min = 0))]
    pub smoothing: Option<Spanned<f64>>,
    /// Gain in dB, -96..12. Default 0.
    #[schemars(with = "Option<f64>", range(min = -96, max = 12))]
    pub gain: Option<Spanned<f64>>,
    /// As for sounds.
    #[schemars(with = "Option<f64>", range(min = -1, max = 1))]
    pub pan: Option<Spanned<f64>>,
    /// As for sounds.
    #[schemars(with = "Option<[f64; 3]>")]
    pub position: Option<Spanned<[f64; 3]>>,
    /// As for sounds.
    #[schemars(with = "Option<Vec<u32>>")]
    pub channels: Option<Spanned<Vec<Spanned<i64>>>>,
    /// As for sounds.
    #[schemars(with = "Option<String>")]
    pub bus: Option<Spanned<String>>,
    /// As for sounds.
    #[schemars(with = "Option<bool>")]
    pub autoplay: Option<Spanned<bool>>,
    /// As for sounds.
    #[schemars(with = "Option<Vec<String>>")]
    pub start: Option<Spanned<Vec<Spanned<String>>>>,
    /// As for sounds.
    #[schemars(with = "Option<Vec<String>>")]
    pub stop: Option<Spanned<Vec<Spanned<String>>>>,
    /// Seconds. Default 0.01.
    #[schemars(with = "Option<f64>", range(min = 0))]
    pub fade_in: Option<Spanned<f64>>,
    /// Seconds. Default 0.05.
    #[schemars(with = "Option<f64>", range(min = 0))]
    pub fade_out: Option<Spanned<f64>>,
    /// As for sounds.
    #[schemars(with = "Option<i32>", range(min = -100, max = 100))]
    pub priority: Option<Spanned<i64>>,
}

/// `[[buses]]`: an effect chain that sounds and synths can play through.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BusFile {
    /// Bus name; sounds say `bus = "NAME"`.
    #[schemars(with = "String")]
    pub name: Option<Spanned<String>>,
    /// Effects in order: `{ reverb = {...} }`, `{ delay = {...} }`, `{ lowpass = {...} }`, `{ highpass = {...} }`.
    #[serde(default)]
    #[schemars(with = "Vec<EffectFile>")]
    pub effects: Vec<Spanned<EffectFile>>,
    /// Gain of the bus in dB, -96..12. Default 0.
    #[schemars(with = "Option<f64>", range(min = -96, max = 12))]
    pub gain: Option<Spanned<f64>>,
}

/// One effect of a bus.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase", deny_unknown_fields)]
pub enum EffectFile {
    Reverb(ReverbFile),
    Delay(DelayFile),
    Lowpass(FilterFile),
    Highpass(FilterFile),
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReverbFile {
    /// Room size 0..1. Default 0.5.
    #[schemars(with = "Option<f64>", range(min = 0, max = 1))]
    pub room: Option<Spanned<f64>>,
    /// Decay time, seconds, 0.1..30. Default 2.
    #[schemars(with = "Option<f64>", range(min = 0.1, max = 30))]
    pub time: Option<Spanned<f64>>,
    /// Wet share 0..1. Default 0.3.
    #[schemars(with = "Option<f64>", range(min = 0, max = 1))]
    pub mix: Option<Spanned<f64>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DelayFile {
    /// Delay time, seconds, 0.001..10.
    #[schemars(with = "f64", range(min = 0.001, max = 10))]
    pub seconds: Option<Spanned<f64>>,
    /// Share fed back, 0..0.95. Default 0.3.
    #[schemars(with = "Option<f64>", range(min = 0, max = 0.95))]
    pub feedback: Option<Spanned<f64>>,
    /// Wet share 0..1. Default 0.3.
    #[schemars(with = "Option<f64>", range(min = 0, max = 1))]
    pub mix: Option<Spanned<f64>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FilterFile {
    /// Cut-off frequency, Hz, 10..20000.
    #[schemars(with = "f64", range(min = 10, max = 20000))]
    pub cutoff: Option<Spanned<f64>>,
    /// Resonance Q, 0.1..20. Default 0.7.
    #[schemars(with = "Option<f64>", range(min = 0.1, max = 20))]
    pub q: Option<Spanned<f64>>,
}

/// `[[analysis]]`: a feature of the output mix or the input, into a parameter.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AnalysisFile {
    /// `output` (the mix, default) or `input` (needs `[audio] input`).
    #[schemars(with = "Option<AnalysisSourceFile>")]
    pub source: Option<Spanned<AnalysisSourceFile>>,
    /// `rms`, `peak`, `onset`, or `band:K/N`: band K (from 1) of N = 8 or 16 log-spaced bands.
    #[schemars(with = "String")]
    pub feature: Option<Spanned<String>>,
    /// The parameter it drives.
    #[schemars(with = "String")]
    pub to: Option<Spanned<String>>,
    /// Raw range `[low, high]` mapped onto the parameter's range: dBFS for rms and peak
    /// (default [-60, 0]), 0..1 for bands and onset (default [0, 1]).
    #[serde(rename = "in")]
    #[schemars(rename = "in", with = "Option<[f64; 2]>")]
    pub input: Option<Spanned<[f64; 2]>>,
    /// Smoothing, seconds. Default 0.1.
    #[schemars(with = "Option<f64>", range(min = 0))]
    pub smoothing: Option<Spanned<f64>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum AnalysisSourceFile {
    Output,
    Input,
}

#[cfg(test)]
mod tests {
    /// The schema (`quai schema`) knows the audio keys: a room's stream, speakers, a sound, a
    /// synth, a bus and an analysis pass; a misspelt sound key and an unknown effect fail.
    #[test]
    fn schema_accepts_audio_sections() {
        let schema = super::super::json_schema();
        let validator = jsonschema::validator_for(&schema).expect("schema compiles");
        let scene = r#"
            [audio]
            host = "jack"
            channels = 4
            input = { device = "USB", channels = 1 }
            [[speakers]]
            name = "front-left"
            channel = 1
            position = [-2.0, 3.0, 1.5]
            [[sounds]]
            name = "rain"
            file = "rain.ogg"
            loop = true
            start = ["door", "presence > 0.5"]
            [[synths]]
            name = "drone"
            graph = "sine(freq) * 0.3"
            inputs = { freq = "pitch" }
            [[buses]]
            name = "hall"
            effects = [ { reverb = { room = 0.8 } }, { delay = { seconds = 0.3 } } ]
            [[analysis]]
            feature = "band:3/8"
            to = "loudness"
            in = [0, 1]
        "#;
        let as_json =
            |text: &str| serde_json::to_value(toml::from_str::<toml::Value>(text).expect("toml")).expect("json");
        let errors: Vec<String> = validator.iter_errors(&as_json(scene)).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{errors:?}");
        assert!(!validator.is_valid(&as_json(&scene.replace("loop = ", "lop = "))), "unknown sound key");
        assert!(!validator.is_valid(&as_json(&scene.replace("{ reverb", "{ chorus"))), "unknown effect");
    }
}
