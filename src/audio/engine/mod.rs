//! The real-time audio engine: voices (samples, streams, fundsp synths), effect buses, the master
//! gain and limiter, meters and the analysis tap. This file is the map and the main-thread side:
//! [`engine`] builds the pair, [`EngineHandle`] lives on the main thread, [`Engine`] on the audio
//! thread (the device callback, or a test / bench / offline bounce calling [`Engine::process`]
//! directly: that is the mock backend, nothing else is needed).
//!
//! Threads and channels (kira's model):
//! - main → audio: commands through an `rtrb` ring (`settings.commands`); a full ring is
//!   [`EngineError::QueueFull`], nothing blocks.
//! - audio → main: [`Event`]s through a second ring; everything the audio thread removes (sources,
//!   replaced bus effects) travels back through a garbage ring and is dropped by
//!   [`EngineHandle::collect_garbage`]. Dead voices wait in their slot while that ring is full.
//! - meters, the sample clock and counters are atomics ([`Meters`]); the final mix goes to the
//!   analysis tap ring ([`EngineHandle::take_tap`]), dropped and counted when full.
//!
//! Timing: the engine counts frames ([`Engine::now`]). A command's `at` is a sample time: one due
//! inside a block takes effect at its exact frame (the block is split there), one in the past at
//! the block start, one in the future waits in a pending list of `settings.pending` entries (full:
//! the command is rejected, counted, and reported as [`Event::Rejected`]). Internally blocks are
//! rendered in sub-blocks of at most 64 frames (fundsp's block size), so `process` accepts any
//! length; `max_block` is only the size the backend promises.
//!
//! Voice stealing: `voices` voices may sound at once, plus [`FADE_SLOTS`] extra slots for voices
//! fading out (stopped or stolen ones no longer count against `voices`). When all `voices` are
//! busy, a new voice takes over from the lowest-priority voice, the oldest among equals, if that
//! priority is ≤ the new one's: the stolen voice fades out over 5 ms in its own slot
//! ([`Event::Stolen`]) while the new one starts at its exact frame. Otherwise the play is rejected:
//! synchronously with [`EngineError::NoFreeVoice`] when the handle can already tell (from the last
//! block's voice table), else as `Event::Rejected(id, RejectReason::NoFreeVoice)`.
//!
//! Gains: fades are linear ramps of the voice gain; gain, per-channel gains and synth inputs move
//! as linear ramps over the voice's `smoothing` (at least 5 ms), so no change zippers.

mod command;
mod effect;
mod handle;
mod mix;
mod process;
mod ramp;
mod voice;

#[cfg(test)]
mod tests;

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

pub use effect::{EffectKind, chain, effect};
pub use handle::{EngineHandle, Meters};
pub use process::Engine;

/// Most output channels.
pub const MAX_CHANNELS: usize = 16;
/// Most inputs of a synth graph (each fed from a smoothed control value).
pub const MAX_SYNTH_INPUTS: usize = 8;
/// Extra voice slots for voices fading out after a stop or a steal.
pub const FADE_SLOTS: usize = 8;
/// Fade of a stolen voice, seconds.
pub const STEAL_FADE: f32 = 0.005;
/// Shortest smoothing of gain, pan and synth-input changes, seconds.
pub const MIN_SMOOTHING: f32 = 0.005;

/// What the engine is built with; fixed for the life of the stream.
#[derive(Debug, Clone, PartialEq)]
pub struct EngineSettings {
    pub sample_rate: u32,
    /// Output channels, 1..=16.
    pub channels: usize,
    /// Most voices sounding at once.
    pub voices: usize,
    /// Effect buses (each `channels` wide).
    pub buses: usize,
    /// Most frames per process call the backend will ask for (advisory: any length works).
    pub max_block: usize,
    /// Master gain, linear, before the limiter.
    pub master_gain: f32,
    /// Limiter ceiling, linear: no output sample ever exceeds it.
    pub ceiling: f32,
    /// Capacity of the command ring (main → audio).
    pub commands: usize,
    /// Capacity of the list of commands waiting for their `at`.
    pub pending: usize,
}

impl Default for EngineSettings {
    fn default() -> Self {
        Self {
            sample_rate: 48_000,
            channels: 2,
            voices: 64,
            buses: 4,
            max_block: 4096,
            master_gain: 1.0,
            ceiling: 10f32.powf(-1.0 / 20.0),
            commands: 1024,
            pending: 256,
        }
    }
}

/// Errors of the handle's methods (none of them blocks).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EngineError {
    #[error("audio engine: command queue full ({capacity} commands); the audio thread is not keeping up")]
    QueueFull { capacity: usize },
    #[error("audio engine: no free voice (all {voices} busy with higher priority than {priority})")]
    NoFreeVoice { voices: usize, priority: i32 },
    #[error("audio engine: no bus {bus} (the engine has {buses})")]
    NoSuchBus { bus: usize, buses: usize },
    #[error("audio engine: {what}")]
    BadSource { what: String },
    #[error("audio engine: synth input {index} out of range (the graph has {inputs})")]
    NoSuchInput { index: usize, inputs: usize },
    #[error("audio engine: bus effect has {inputs} inputs / {outputs} outputs, the bus needs {channels} / {channels}")]
    EffectChannels { inputs: usize, outputs: usize, channels: usize },
}

/// A voice, as named by the handle (never reused).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct VoiceId(pub u64);

/// A voice control set by [`EngineHandle::set`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    /// Linear gain, smoothed.
    Gain,
    /// Playback rate of samples and streams (ignored by synths), immediate.
    Rate,
}

/// Why the audio thread refused a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RejectReason {
    NoFreeVoice,
    PendingFull,
}

/// What the audio thread reports ([`EngineHandle::events`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    Started(VoiceId),
    /// Ended (one-shot end, stream ended, fade-out done).
    Finished(VoiceId),
    /// Taken over by a newer voice; it fades out over 5 ms, then `Finished`.
    Stolen(VoiceId),
    Rejected(VoiceId, RejectReason),
    /// A stream voice found its ring empty for `frames` frames over its life (sent when it ends).
    Underflowed {
        id: VoiceId,
        frames: u64,
    },
}

/// A decoded sound held in memory.
#[derive(Debug, Clone, PartialEq)]
pub struct SampleBuffer {
    pub sample_rate: u32,
    pub channels: usize,
    /// Interleaved.
    pub frames: Vec<f32>,
}

impl SampleBuffer {
    /// Number of frames.
    pub fn len(&self) -> usize {
        self.frames.len() / self.channels.max(1)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The consumer end of a decoder thread's ring of interleaved frames. The decoder seeks (offset)
/// and loops itself; the voice plays what is there, silence on underflow, and ends when `ended`
/// is set and the ring is empty.
pub struct StreamReader {
    pub ring: rtrb::Consumer<f32>,
    pub channels: usize,
    pub sample_rate: u32,
    pub ended: Arc<AtomicBool>,
}

/// What a voice plays.
pub enum Source {
    Sample(Arc<SampleBuffer>),
    Stream(StreamReader),
    /// 0..=8 inputs (fed from [`EngineHandle::set_input`], smoothed), 1 output.
    Synth(Box<dyn fundsp::audiounit::AudioUnit>),
}

/// How a voice plays.
///
/// Channel rule for multichannel files and streams: with `straight == false` (the default) the
/// frame is mixed down to mono (mean of its channels) and spread by `gains`; with
/// `straight == true` file channel k goes to output channel k scaled by `gains[k]` (channels
/// beyond the outputs are dropped).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VoiceParams {
    /// Linear.
    pub gain: f32,
    /// Per output channel (equal-power panning is computed by the caller).
    pub gains: [f32; MAX_CHANNELS],
    pub straight: bool,
    /// Samples only (streams loop in their decoder).
    pub looping: bool,
    /// Seconds into a sample (streams: the decoder seeks).
    pub offset: f64,
    /// Seconds of linear fade-in from silence.
    pub fade_in: f32,
    /// Seconds of linear fade-out used by `stop` with a negative `fade`; a one-shot reaching its
    /// end plays as recorded (no fade).
    pub fade_out: f32,
    pub rate: f32,
    pub bus: Option<usize>,
    pub priority: i32,
    /// Seconds over which gain, gains and synth inputs move to a new value (at least 5 ms).
    pub smoothing: f32,
}

impl Default for VoiceParams {
    fn default() -> Self {
        let mut gains = [0.0; MAX_CHANNELS];
        gains[0] = std::f32::consts::FRAC_1_SQRT_2;
        gains[1] = std::f32::consts::FRAC_1_SQRT_2;
        Self {
            gain: 1.0,
            gains,
            straight: false,
            looping: false,
            offset: 0.0,
            fade_in: 0.0,
            fade_out: 0.0,
            rate: 1.0,
            bus: None,
            priority: 0,
            smoothing: 0.02,
        }
    }
}

/// Number of inputs of a synth graph (the indices `set_input` takes).
pub fn synth_inputs(unit: &dyn fundsp::audiounit::AudioUnit) -> usize {
    unit.inputs()
}

/// Builds the pair: the handle for the main thread, the engine for the audio thread.
/// Out-of-range settings are clamped (channels to 1..=16, counts to at least 1, a non-positive
/// ceiling to -1 dBFS); validation of the scene reports them earlier.
pub fn engine(settings: EngineSettings) -> (EngineHandle, Engine) {
    let mut s = settings;
    s.channels = s.channels.clamp(1, MAX_CHANNELS);
    s.sample_rate = s.sample_rate.max(1);
    s.voices = s.voices.max(1);
    s.commands = s.commands.max(1);
    s.pending = s.pending.max(1);
    s.max_block = s.max_block.max(1);
    if !(s.ceiling > 0.0 && s.ceiling.is_finite()) {
        s.ceiling = 10f32.powf(-1.0 / 20.0);
    }
    if !s.master_gain.is_finite() {
        s.master_gain = 1.0;
    }
    handle::build(s)
}

/// A thing dropped on the main thread (held only to be dropped there).
#[allow(dead_code)]
pub(crate) enum Garbage {
    Source(Source),
    Effect(Box<dyn fundsp::audiounit::AudioUnit>),
}
