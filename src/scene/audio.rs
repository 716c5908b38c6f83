//! The validated audio model: the stream settings (`[audio]`), the speakers of the room (usually a
//! `hardware/` layout the scene includes), the sounds (sample players), the synth voices (fundsp
//! graphs), the effect buses, and what starts and stops them. Built by validation; plain data that
//! the engine (src/audio) turns into voices. Nothing here runs on the audio thread.

use std::path::PathBuf;

/// Most output channels quai drives (speakers of one stream).
pub const MAX_CHANNELS: usize = 16;

/// `[audio]`: the output stream (and optional input).
#[derive(Debug, Clone, PartialEq)]
pub struct AudioSettings {
    /// Host: `None` = JACK when a server runs, else the system default (PipeWire/PulseAudio/ALSA).
    pub host: Option<AudioHost>,
    /// Output device by name (case-insensitive substring); `None` = the host's default.
    pub device: Option<String>,
    /// Frames per second of the stream and of offline bounces (default 48000).
    pub sample_rate: u32,
    /// Frames per callback block requested from the device (default 256; JACK uses its own).
    pub buffer: u32,
    /// Output channels (default: the speaker layout's highest channel, else 2).
    pub channels: usize,
    /// Most voices playing at once (default 64); fixed when the stream starts.
    pub voices: usize,
    /// Master gain in dB (default 0), before the limiter.
    pub master_db: f32,
    /// Limiter ceiling in dBFS (default -1): the output never goes above it.
    pub ceiling_db: f32,
    /// Optional input (microphone / line in) analysed like the output mix.
    pub input: Option<AudioInput>,
    /// JACK: ports to connect the outputs to (default: the system playback ports, in order).
    pub connect: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AudioHost {
    Jack,
    Alsa,
    /// The platform's default host (PipeWire/PulseAudio through ALSA on Linux).
    Default,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AudioInput {
    pub device: Option<String>,
    pub channels: usize,
}

/// One speaker of the room: its output channel (0-based) and position in metres
/// (x right, y forward, z up, from the listening centre).
#[derive(Debug, Clone, PartialEq)]
pub struct Speaker {
    pub name: String,
    pub channel: usize,
    pub position: [f32; 3],
}

/// Where a sound plays.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Placement {
    /// Stereo pan -1 (left) .. 1 (right), equal power, on channels 0 and 1.
    Pan(f32),
    /// A position in the room, equal-power panned between the nearest speakers.
    Position([f32; 3]),
    /// Straight to these output channels (0-based), equal gain.
    Channels([Option<usize>; 4]),
}

/// A sample player: `[[sounds]]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Sound {
    pub name: String,
    pub file: PathBuf,
    /// Files longer than this many seconds are streamed from disk, shorter ones preloaded.
    pub stream: bool,
    pub looping: bool,
    /// Gain in dB (default 0).
    pub gain_db: f32,
    /// A parameter that scales the gain (0..1 linear), smoothed; `None` = 1.
    pub gain_param: Option<crate::scene::ParamId>,
    pub placement: Placement,
    /// Seconds into the file where playback starts.
    pub offset: f64,
    pub fade_in: f32,
    pub fade_out: f32,
    /// Playback rate (1 = as recorded; 2 = an octave up, twice as fast).
    pub rate: f32,
    /// Effect bus index (`None` = straight to the master bus).
    pub bus: Option<usize>,
    /// Start with the show (soundscapes); otherwise only when triggered.
    pub autoplay: bool,
    pub start: Vec<Start>,
    pub stop: Vec<Start>,
    /// Higher is kept longer when voices run out (default 0); see the voice-stealing rule.
    pub priority: i32,
}

/// What starts (or stops) a sound or synth voice.
#[derive(Debug, Clone, PartialEq)]
pub enum Start {
    /// A named trigger of the input system (`[[triggers]]`).
    Trigger(String),
    /// A parameter crossing a threshold upwards.
    Above(crate::scene::ParamId, f32),
    /// A parameter crossing a threshold downwards.
    Below(crate::scene::ParamId, f32),
}

/// A synth voice: `[[synths]]`, a fundsp graph from a small declared vocabulary.
#[derive(Debug, Clone, PartialEq)]
pub struct Synth {
    pub name: String,
    /// The graph as written (e.g. `"sine(freq) * 0.2 >> lowpass(cutoff, 0.7)"`), checked at load.
    pub graph: String,
    /// `graph` parsed (what `scene::graph::parse_graph` returns for it): the engine builds the
    /// fundsp graph from this tree, so it never parses or fails at play time.
    pub ast: super::graph::Graph,
    /// Graph inputs bound to parameters (name in the graph → parameter), smoothed over `smoothing` s.
    pub inputs: Vec<(String, crate::scene::ParamId)>,
    pub smoothing: f32,
    pub gain_db: f32,
    pub placement: Placement,
    pub bus: Option<usize>,
    pub autoplay: bool,
    pub start: Vec<Start>,
    pub stop: Vec<Start>,
    pub fade_in: f32,
    pub fade_out: f32,
    pub priority: i32,
}

/// An effect bus: `[[buses]]`, a chain of effects its sounds pass through before the master bus.
#[derive(Debug, Clone, PartialEq)]
pub struct Bus {
    pub name: String,
    pub effects: Vec<Effect>,
    pub gain_db: f32,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Effect {
    Lowpass { cutoff: f32, q: f32 },
    Highpass { cutoff: f32, q: f32 },
    Delay { seconds: f32, feedback: f32, mix: f32 },
    Reverb { room: f32, time: f32, mix: f32 },
}

/// Audio analysis landing in parameters: `[[analysis]]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Analysis {
    /// `"output"` (the mix) or `"input"`.
    pub source: AnalysisSource,
    pub feature: Feature,
    pub param: crate::scene::ParamId,
    /// Raw range mapped onto the parameter's range (dBFS for levels, 0..1 for bands).
    pub input_range: [f32; 2],
    pub smoothing: f32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnalysisSource {
    Output,
    Input,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Feature {
    Rms,
    Peak,
    /// Band k of `bands` log-spaced bands (8 or 16), 0 = lowest.
    Band {
        index: usize,
        bands: usize,
    },
    /// Spectral-flux onset strength.
    Onset,
}

/// Everything audio in a scene.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Audio {
    pub settings: Option<AudioSettings>,
    pub speakers: Vec<Speaker>,
    pub sounds: Vec<Sound>,
    pub synths: Vec<Synth>,
    pub buses: Vec<Bus>,
    pub analysis: Vec<Analysis>,
}

impl Audio {
    /// Whether the scene makes or analyses any sound (no stream is opened otherwise).
    pub fn is_empty(&self) -> bool {
        self.sounds.is_empty() && self.synths.is_empty() && self.analysis.is_empty()
    }
}
