//! Commands from the main thread to the audio thread, and the fixed-capacity list where future ones
//! wait for their sample time. Built on the main thread, applied on the audio thread.

use super::{MAX_CHANNELS, Source, VoiceId, VoiceParams};

/// What a command does.
pub(crate) enum Action {
    Play { id: VoiceId, source: Source, params: VoiceParams, inputs: [f32; super::MAX_SYNTH_INPUTS] },
    Stop { id: VoiceId, fade: f32 },
    StopAll { fade: f32 },
    Gain { id: VoiceId, value: f32 },
    Rate { id: VoiceId, value: f32 },
    Gains { id: VoiceId, gains: [f32; MAX_CHANNELS] },
    Input { id: VoiceId, index: usize, value: f32 },
    Master { gain: f32 },
    Bus { bus: usize, gain: f32 },
    BusEffect { bus: usize, effect: Box<dyn fundsp::audiounit::AudioUnit> },
}

/// A command and its sample time; `seq` orders commands due at the same frame as they were sent.
pub(crate) struct Command {
    pub at: u64,
    pub seq: u64,
    pub action: Action,
}

/// Commands waiting for their time; capacity fixed at creation, never grows.
pub(crate) struct Pending {
    list: Vec<Command>,
}

impl Pending {
    pub fn new(capacity: usize) -> Self {
        Self { list: Vec::with_capacity(capacity) }
    }

    /// Adds a command, or gives it back when full (by value: boxing it would allocate on the
    /// audio thread).
    #[allow(clippy::result_large_err)]
    pub fn push(&mut self, c: Command) -> Result<(), Command> {
        if self.list.len() == self.list.capacity() {
            return Err(c);
        }
        self.list.push(c);
        Ok(())
    }

    pub fn is_full(&self) -> bool {
        self.list.len() == self.list.capacity()
    }

    /// Removes the earliest command (by `at`, then `seq`) due at or before `t`.
    pub fn take_due(&mut self, t: u64) -> Option<Command> {
        let mut best: Option<usize> = None;
        for (i, c) in self.list.iter().enumerate() {
            if c.at <= t && best.is_none_or(|b| (c.at, c.seq) < (self.list[b].at, self.list[b].seq)) {
                best = Some(i);
            }
        }
        best.map(|i| self.list.swap_remove(i))
    }

    /// The earliest time of a command after `t`, if any.
    pub fn next_after(&self, t: u64) -> Option<u64> {
        self.list.iter().map(|c| c.at).filter(|&a| a > t).min()
    }
}
