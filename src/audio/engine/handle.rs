//! [`EngineHandle`]: the main-thread side of the engine. It checks what it can synchronously,
//! sends commands (never blocking: a full ring is `QueueFull`), reads events and meters, and drops
//! what the audio thread sent back ([`EngineHandle::collect_garbage`], call it every tick).

use std::sync::Arc;
use std::sync::atomic::Ordering::{Acquire, Relaxed};
use std::sync::atomic::{AtomicI32, AtomicU32, AtomicU64, AtomicUsize};

use fundsp::audiounit::AudioUnit;
use rtrb::{Consumer, Producer, RingBuffer};

use super::command::{Action, Command};
use super::process::{Ends, Engine};
use super::{
    Control, EngineError, EngineSettings, Event, FADE_SLOTS, Garbage, MAX_CHANNELS, MAX_SYNTH_INPUTS, Source, VoiceId,
    VoiceParams,
};

/// What the audio thread publishes after each block.
pub(crate) struct Shared {
    pub now: AtomicU64,
    pub peak: [AtomicU32; MAX_CHANNELS],
    pub rms: [AtomicU32; MAX_CHANNELS],
    pub playing: AtomicUsize,
    /// Lowest priority of the playing voices when all are busy, `i32::MIN` while one is free.
    pub lowest: AtomicI32,
    pub limiter: AtomicU32,
    pub commands_rejected: AtomicU64,
    pub stream_underflows: AtomicU64,
    pub tap_dropped: AtomicU64,
    pub events_dropped: AtomicU64,
    pub garbage_leaked: AtomicU64,
    pub bad_blocks: AtomicU64,
}

/// A snapshot of the engine's meters and counters (peak and RMS are of the last block, after
/// the limiter, linear).
#[derive(Debug, Clone, PartialEq)]
pub struct Meters {
    pub now: u64,
    pub channels: usize,
    pub peak: [f32; MAX_CHANNELS],
    pub rms: [f32; MAX_CHANNELS],
    /// Voices sounding (including ones fading out).
    pub voices_playing: usize,
    /// Lowest limiter gain of the last block (1 = not limiting).
    pub limiter_gain: f32,
    /// Commands dropped because the pending list was full.
    pub commands_rejected: u64,
    /// Frames of silence played because a stream's ring was empty (all voices, as they ended).
    pub stream_underflows: u64,
    /// Tap samples dropped because the analysis reader was behind.
    pub tap_dropped: u64,
    pub events_dropped: u64,
    /// Objects leaked (not freed on the audio thread) because garbage could not travel back.
    pub garbage_leaked: u64,
    /// Process calls whose buffer was not a whole number of frames.
    pub bad_blocks: u64,
}

/// The engine's main-thread handle.
pub struct EngineHandle {
    settings: EngineSettings,
    commands: Producer<Command>,
    events: Consumer<Event>,
    garbage: Consumer<Garbage>,
    tap: Option<Consumer<f32>>,
    shared: Arc<Shared>,
    next_id: u64,
    seq: u64,
}

pub(crate) fn build(s: EngineSettings) -> (EngineHandle, Engine) {
    let (cp, cc) = RingBuffer::new(s.commands);
    let (ep, ec) = RingBuffer::new(2 * (s.commands + s.voices + FADE_SLOTS));
    let (gp, gc) = RingBuffer::new(s.commands + s.voices + FADE_SLOTS + s.buses);
    let (tp, tc) = RingBuffer::new(s.sample_rate as usize * s.channels);
    let shared = Arc::new(Shared {
        now: AtomicU64::new(0),
        peak: std::array::from_fn(|_| AtomicU32::new(0)),
        rms: std::array::from_fn(|_| AtomicU32::new(0)),
        playing: AtomicUsize::new(0),
        lowest: AtomicI32::new(i32::MIN),
        limiter: AtomicU32::new(1f32.to_bits()),
        commands_rejected: AtomicU64::new(0),
        stream_underflows: AtomicU64::new(0),
        tap_dropped: AtomicU64::new(0),
        events_dropped: AtomicU64::new(0),
        garbage_leaked: AtomicU64::new(0),
        bad_blocks: AtomicU64::new(0),
    });
    let engine = Engine::new(&s, Ends { commands: cc, events: ep, garbage: gp, tap: tp, shared: Arc::clone(&shared) });
    let handle =
        EngineHandle { settings: s, commands: cp, events: ec, garbage: gc, tap: Some(tc), shared, next_id: 1, seq: 0 };
    (handle, engine)
}

impl EngineHandle {
    pub fn settings(&self) -> &EngineSettings {
        &self.settings
    }

    /// The sample clock as of the last processed block.
    pub fn now(&self) -> u64 {
        self.shared.now.load(Acquire)
    }

    fn send(&mut self, at: u64, action: Action) -> Result<(), EngineError> {
        self.seq += 1;
        self.commands
            .push(Command { at, seq: self.seq, action })
            .map_err(|_| EngineError::QueueFull { capacity: self.settings.commands })
    }

    /// Starts a voice at sample time `at` (synth inputs start at 0).
    pub fn play(&mut self, at: u64, source: Source, params: VoiceParams) -> Result<VoiceId, EngineError> {
        self.play_with_inputs(at, source, params, &[])
    }

    /// Starts a voice with its first synth input values (the rest start at 0).
    /// Synths get the engine's sample rate and their memory here, on the main thread.
    pub fn play_with_inputs(
        &mut self,
        at: u64,
        mut source: Source,
        params: VoiceParams,
        inputs: &[f32],
    ) -> Result<VoiceId, EngineError> {
        let bad = |what: String| Err(EngineError::BadSource { what });
        match &mut source {
            Source::Sample(b) => {
                if b.channels == 0 || b.sample_rate == 0 {
                    return bad(format!("sample: {} channels at {} Hz", b.channels, b.sample_rate));
                }
            }
            Source::Stream(r) => {
                if r.channels == 0 || r.channels > MAX_CHANNELS || r.sample_rate == 0 {
                    return bad(format!("stream: {} channels at {} Hz (1..=16 channels)", r.channels, r.sample_rate));
                }
            }
            Source::Synth(u) => {
                if u.outputs() != 1 || u.inputs() > MAX_SYNTH_INPUTS {
                    return bad(format!(
                        "synth graph has {} inputs / {} outputs (needs ≤ {MAX_SYNTH_INPUTS} / 1)",
                        u.inputs(),
                        u.outputs()
                    ));
                }
                u.set_sample_rate(self.settings.sample_rate as f64);
                u.allocate();
            }
        }
        if let Some(bus) = params.bus
            && bus >= self.settings.buses
        {
            return Err(EngineError::NoSuchBus { bus, buses: self.settings.buses });
        }
        if params.priority < self.shared.lowest.load(Relaxed) {
            return Err(EngineError::NoFreeVoice { voices: self.settings.voices, priority: params.priority });
        }
        let mut first = [0.0; MAX_SYNTH_INPUTS];
        for (f, &v) in first.iter_mut().zip(inputs) {
            *f = v;
        }
        let id = VoiceId(self.next_id);
        self.send(at, Action::Play { id, source, params, inputs: first })?;
        self.next_id += 1;
        Ok(id)
    }

    /// Fades a voice out from `at` over `fade` seconds (negative: its `fade_out`; at least 5 ms).
    pub fn stop(&mut self, id: VoiceId, at: u64, fade: f32) -> Result<(), EngineError> {
        self.send(at, Action::Stop { id, fade })
    }

    pub fn stop_all(&mut self, at: u64, fade: f32) -> Result<(), EngineError> {
        self.send(at, Action::StopAll { fade })
    }

    /// Gain (smoothed over the voice's smoothing) or rate (immediate) from `at`.
    pub fn set(&mut self, id: VoiceId, at: u64, what: Control, value: f32) -> Result<(), EngineError> {
        self.send(at, if what == Control::Gain { Action::Gain { id, value } } else { Action::Rate { id, value } })
    }

    /// Per-channel gains (panning), smoothed, from `at`.
    pub fn set_gains(&mut self, id: VoiceId, at: u64, gains: [f32; MAX_CHANNELS]) -> Result<(), EngineError> {
        self.send(at, Action::Gains { id, gains })
    }

    /// A synth input, smoothed, from the next block.
    pub fn set_input(&mut self, id: VoiceId, index: usize, value: f32) -> Result<(), EngineError> {
        if index >= MAX_SYNTH_INPUTS {
            return Err(EngineError::NoSuchInput { index, inputs: MAX_SYNTH_INPUTS });
        }
        self.send(0, Action::Input { id, index, value })
    }

    /// Master gain (linear, before the limiter), smoothed over 20 ms.
    pub fn set_master(&mut self, gain: f32) -> Result<(), EngineError> {
        self.send(0, Action::Master { gain })
    }

    /// A bus's gain (linear), smoothed over 20 ms.
    pub fn set_bus(&mut self, bus: usize, gain: f32) -> Result<(), EngineError> {
        if bus >= self.settings.buses {
            return Err(EngineError::NoSuchBus { bus, buses: self.settings.buses });
        }
        self.send(0, Action::Bus { bus, gain })
    }

    /// Replaces a bus's effect (`channels` in and out; see [`super::effect`]) from the next block;
    /// the old one comes back to be dropped. The swap is immediate: ramp the bus gain around it
    /// if the two differ audibly.
    pub fn set_bus_effect(&mut self, bus: usize, mut effect: Box<dyn AudioUnit>) -> Result<(), EngineError> {
        if bus >= self.settings.buses {
            return Err(EngineError::NoSuchBus { bus, buses: self.settings.buses });
        }
        let ch = self.settings.channels;
        if effect.inputs() != ch || effect.outputs() != ch {
            return Err(EngineError::EffectChannels {
                inputs: effect.inputs(),
                outputs: effect.outputs(),
                channels: ch,
            });
        }
        effect.set_sample_rate(self.settings.sample_rate as f64);
        effect.allocate();
        self.send(0, Action::BusEffect { bus, effect })
    }

    /// Events from the audio thread since the last call.
    pub fn events(&mut self) -> impl Iterator<Item = Event> + '_ {
        std::iter::from_fn(|| self.events.pop().ok())
    }

    /// Drops what the audio thread sent back; returns how many objects.
    pub fn collect_garbage(&mut self) -> usize {
        let mut n = 0;
        while let Ok(g) = self.garbage.pop() {
            drop(g);
            n += 1;
        }
        n
    }

    pub fn meters(&self) -> Meters {
        let s = &self.shared;
        let f = |a: &AtomicU32| f32::from_bits(a.load(Relaxed));
        Meters {
            now: s.now.load(Acquire),
            channels: self.settings.channels,
            peak: std::array::from_fn(|c| f(&s.peak[c])),
            rms: std::array::from_fn(|c| f(&s.rms[c])),
            voices_playing: s.playing.load(Relaxed),
            limiter_gain: f(&s.limiter),
            commands_rejected: s.commands_rejected.load(Relaxed),
            stream_underflows: s.stream_underflows.load(Relaxed),
            tap_dropped: s.tap_dropped.load(Relaxed),
            events_dropped: s.events_dropped.load(Relaxed),
            garbage_leaked: s.garbage_leaked.load(Relaxed),
            bad_blocks: s.bad_blocks.load(Relaxed),
        }
    }

    /// The analysis tap (final mix after the limiter, interleaved, about 1 s of room); `None`
    /// after the first call.
    pub fn take_tap(&mut self) -> Option<Consumer<f32>> {
        self.tap.take()
    }
}
