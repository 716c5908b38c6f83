//! [`Engine`]: the audio-thread side. Each `process` call drains the command ring, splits the
//! block at every command's frame (and at 64 frames), renders voices into buses and the master
//! mix, limits, meters, and feeds the analysis tap. It never allocates, locks, frees, logs or
//! blocks: everything it removes goes back to the main thread through the garbage ring.

use std::sync::Arc;
use std::sync::atomic::Ordering::{Relaxed, Release};

use fundsp::buffer::BufferVec;
use rtrb::{Consumer, Producer, PushError};

use super::command::{Action, Command, Pending};
use super::handle::Shared;
use super::mix::{Bus, GAIN_SMOOTHING, Master};
use super::ramp::frames_of;
use super::voice::{BLOCK, Scratch, State, Voice};
use super::{Event, Garbage, MAX_CHANNELS, RejectReason, STEAL_FADE, VoiceId};

/// The engine on the audio thread (`Send`); see the module docs of `audio::engine`.
pub struct Engine {
    channels: usize,
    sample_rate: u32,
    voices: usize,
    now: u64,
    commands: Consumer<Command>,
    events: Producer<Event>,
    garbage: Producer<Garbage>,
    /// Garbage waiting for room in the ring (fixed capacity).
    limbo: Vec<Garbage>,
    tap: Producer<f32>,
    shared: Arc<Shared>,
    pending: Pending,
    slots: Vec<Option<Voice>>,
    next_age: u64,
    buses: Vec<Bus>,
    mix: BufferVec,
    master: Master,
    scratch: Box<Scratch>,
}

/// The rings and shared state [`Engine::new`] is built from.
pub(crate) struct Ends {
    pub commands: Consumer<Command>,
    pub events: Producer<Event>,
    pub garbage: Producer<Garbage>,
    pub tap: Producer<f32>,
    pub shared: Arc<Shared>,
}

impl Engine {
    pub(crate) fn new(s: &super::EngineSettings, ends: Ends) -> Self {
        let mut slots = Vec::with_capacity(s.voices + super::FADE_SLOTS);
        slots.resize_with(s.voices + super::FADE_SLOTS, || None);
        Self {
            channels: s.channels,
            sample_rate: s.sample_rate,
            voices: s.voices,
            now: 0,
            commands: ends.commands,
            events: ends.events,
            garbage: ends.garbage,
            limbo: Vec::with_capacity(s.commands + s.pending),
            tap: ends.tap,
            shared: ends.shared,
            pending: Pending::new(s.pending),
            slots,
            next_age: 0,
            buses: (0..s.buses).map(|_| Bus::new(s.channels)).collect(),
            mix: BufferVec::new(s.channels),
            master: Master::new(s.master_gain, s.ceiling, s.sample_rate),
            scratch: Scratch::new(),
        }
    }

    /// Frames processed so far (the sample clock).
    pub fn now(&self) -> u64 {
        self.now
    }

    /// Output channels (`out` of [`process`](Self::process) is interleaved this wide).
    pub fn channels(&self) -> usize {
        self.channels
    }

    /// Renders `out.len() / channels` frames, interleaved. Any length works; a tail that is not a
    /// whole frame is zeroed and counted in `Meters::bad_blocks`.
    pub fn process(&mut self, out: &mut [f32]) {
        let ch = self.channels;
        let frames = out.len() / ch;
        let (out, rest) = out.split_at_mut(frames * ch);
        if !rest.is_empty() {
            rest.fill(0.0);
            self.shared.bad_blocks.fetch_add(1, Relaxed);
        }
        self.return_garbage();
        while let Ok(c) = self.commands.pop() {
            if self.pending.is_full() {
                self.apply_due(self.now);
            }
            if let Err(c) = self.pending.push(c) {
                self.shared.commands_rejected.fetch_add(1, Relaxed);
                self.reject(c);
            }
        }
        let mut peak = [0.0f32; MAX_CHANNELS];
        let mut sum = [0.0f64; MAX_CHANNELS];
        let mut lowest = 1.0f32;
        let mut pos = 0;
        while pos < frames {
            let t = self.now + pos as u64;
            self.apply_due(t);
            let mut n = BLOCK.min(frames - pos);
            if let Some(a) = self.pending.next_after(t) {
                n = n.min((a - t) as usize);
            }
            let o = &mut out[pos * ch..(pos + n) * ch];
            lowest = lowest.min(self.render(n, o));
            for f in o.chunks_exact(ch) {
                for (c, &x) in f.iter().enumerate() {
                    peak[c] = peak[c].max(x.abs());
                    sum[c] += (x * x) as f64;
                }
            }
            pos += n;
        }
        self.now += frames as u64;
        self.publish(&peak, &sum, frames, lowest);
        // Analysis tap: whole frames only, so the reader stays aligned.
        let room = (self.tap.slots() / ch * ch).min(out.len());
        let (written, _) = self.tap.push_partial_slice(&out[..room]);
        let dropped = out.len() - written.len();
        if dropped > 0 {
            self.shared.tap_dropped.fetch_add(dropped as u64, Relaxed);
        }
    }

    fn render(&mut self, n: usize, out: &mut [f32]) -> f32 {
        let ch = self.channels;
        for c in 0..ch {
            self.mix.channel_f32_mut(c)[..n].fill(0.0);
        }
        for i in 0..self.slots.len() {
            let Some(v) = &mut self.slots[i] else { continue };
            if v.state == State::Dead {
                continue;
            }
            let target = match v.bus {
                Some(b) if b < self.buses.len() => &mut self.buses[b].input,
                _ => &mut self.mix,
            };
            if v.render(n, &mut self.scratch, target, ch) {
                self.finish(i);
            }
        }
        for bus in &mut self.buses {
            bus.process(n, ch, &mut self.mix);
        }
        self.master.process(&mut self.mix, n, ch, out)
    }

    /// A voice ended: report it, send its source back (or leave it in its slot until there is room).
    fn finish(&mut self, i: usize) {
        let Some(v) = &mut self.slots[i] else { return };
        v.state = State::Dead;
        let (id, under) = (v.id, v.underflow());
        if under > 0 {
            self.shared.stream_underflows.fetch_add(under, Relaxed);
            self.event(Event::Underflowed { id, frames: under });
        }
        self.event(Event::Finished(id));
        self.free_slot(i);
    }

    fn free_slot(&mut self, i: usize) {
        if self.garbage.slots() == 0 {
            return;
        }
        if let Some(v) = self.slots[i].take() {
            self.discard(Garbage::Source(v.source));
        }
    }

    fn return_garbage(&mut self) {
        while self.garbage.slots() > 0 {
            let Some(g) = self.limbo.pop() else { break };
            self.discard(g);
        }
        for i in 0..self.slots.len() {
            if matches!(&self.slots[i], Some(v) if v.state == State::Dead) {
                self.free_slot(i);
            }
        }
    }

    /// Sends `g` to the main thread; if the ring is full it waits in limbo; if that is full too it
    /// is leaked (counted) rather than freed here.
    fn discard(&mut self, g: Garbage) {
        if let Err(PushError::Full(g)) = self.garbage.push(g) {
            if self.limbo.len() < self.limbo.capacity() {
                self.limbo.push(g);
            } else {
                std::mem::forget(g);
                self.shared.garbage_leaked.fetch_add(1, Relaxed);
            }
        }
    }

    fn event(&mut self, e: Event) {
        if self.events.push(e).is_err() {
            self.shared.events_dropped.fetch_add(1, Relaxed);
        }
    }

    /// A command that could not be kept: report it and send anything it owns back.
    fn reject(&mut self, c: Command) {
        match c.action {
            Action::Play { id, source, .. } => {
                self.event(Event::Rejected(id, RejectReason::PendingFull));
                self.discard(Garbage::Source(source));
            }
            Action::BusEffect { effect, .. } => self.discard(Garbage::Effect(effect)),
            _ => {}
        }
    }

    fn apply_due(&mut self, t: u64) {
        while let Some(c) = self.pending.take_due(t) {
            self.apply(c.action);
        }
    }

    fn voice(&mut self, id: VoiceId) -> Option<&mut Voice> {
        self.slots.iter_mut().flatten().find(|v| v.id == id && v.state != State::Dead)
    }

    fn apply(&mut self, a: Action) {
        let sr = self.sample_rate;
        match a {
            Action::Play { id, source, params, inputs } => {
                let live = self.slots.iter().flatten().filter(|v| v.state == State::Playing).count();
                let free = self.slots.iter().position(|s| s.is_none());
                let ok = match free {
                    None => false,
                    Some(_) if live < self.voices => true,
                    Some(_) => self.steal(params.priority),
                };
                match free {
                    Some(i) if ok => {
                        let age = self.next_age;
                        self.next_age += 1;
                        self.slots[i] = Some(Voice::new(id, source, &params, &inputs, age, sr));
                        self.event(Event::Started(id));
                    }
                    _ => {
                        self.event(Event::Rejected(id, RejectReason::NoFreeVoice));
                        self.discard(Garbage::Source(source));
                    }
                }
            }
            Action::Stop { id, fade } => {
                if let Some(v) = self.voice(id) {
                    v.stop(fade);
                }
            }
            Action::StopAll { fade } => {
                for v in self.slots.iter_mut().flatten() {
                    v.stop(fade);
                }
            }
            Action::Gain { id, value } => self.voice(id).into_iter().for_each(|v| v.set_gain(value)),
            Action::Rate { id, value } => self.voice(id).into_iter().for_each(|v| v.set_rate(value)),
            Action::Gains { id, gains } => self.voice(id).into_iter().for_each(|v| v.set_gains(&gains)),
            Action::Input { id, index, value } => self.voice(id).into_iter().for_each(|v| v.set_input(index, value)),
            Action::Master { gain } => self.master.gain.go(clean(gain), frames_of(GAIN_SMOOTHING, sr)),
            Action::Bus { bus, gain } => {
                if let Some(b) = self.buses.get_mut(bus) {
                    b.gain.go(clean(gain), frames_of(GAIN_SMOOTHING, sr));
                }
            }
            Action::BusEffect { bus, effect } => {
                let old = match self.buses.get_mut(bus) {
                    Some(b) => b.effect.replace(effect),
                    None => Some(effect),
                };
                if let Some(old) = old {
                    self.discard(Garbage::Effect(old));
                }
            }
        }
    }

    /// The stealing rule: the lowest-priority playing voice, the oldest among equals, if its
    /// priority is ≤ `priority`; it fades out over 5 ms in its slot.
    fn steal(&mut self, priority: i32) -> bool {
        let victim =
            self.slots.iter_mut().flatten().filter(|v| v.state == State::Playing).min_by_key(|v| (v.priority, v.age));
        match victim {
            Some(v) if v.priority <= priority => {
                v.stop(STEAL_FADE);
                v.stolen = true;
                let id = v.id;
                self.event(Event::Stolen(id));
                true
            }
            _ => false,
        }
    }

    fn publish(&self, peak: &[f32; MAX_CHANNELS], sum: &[f64; MAX_CHANNELS], frames: usize, lowest: f32) {
        let sh = &self.shared;
        for c in 0..self.channels {
            sh.peak[c].store(peak[c].to_bits(), Relaxed);
            let rms = if frames > 0 { (sum[c] / frames as f64).sqrt() as f32 } else { 0.0 };
            sh.rms[c].store(rms.to_bits(), Relaxed);
        }
        let (mut playing, mut live, mut low) = (0, 0, i32::MAX);
        for v in self.slots.iter().flatten() {
            if v.state != State::Dead {
                playing += 1;
            }
            if v.state == State::Playing {
                live += 1;
                low = low.min(v.priority);
            }
        }
        sh.playing.store(playing, Relaxed);
        sh.lowest.store(if live < self.voices { i32::MIN } else { low }, Relaxed);
        sh.limiter.store(lowest.to_bits(), Relaxed);
        sh.now.store(self.now, Release);
    }
}

fn clean(g: f32) -> f32 {
    if g.is_finite() { g } else { 0.0 }
}
