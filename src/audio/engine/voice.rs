//! One voice on the audio thread: reading a sample (linear interpolation, click-free loop seam),
//! a stream ring, or a fundsp synth; its fades and smoothed gains; mixing into a bus or the master
//! mix. Runs only on the audio thread; a finished voice's source goes back to the main thread.

use std::sync::atomic::Ordering;

use fundsp::buffer::BufferVec;

use super::ramp::{Ramp, frames_of};
use super::{MAX_CHANNELS, MAX_SYNTH_INPUTS, MIN_SMOOTHING, Source, VoiceId, VoiceParams};

/// Frames per sub-block (fundsp's `MAX_BUFFER_SIZE`).
pub(crate) const BLOCK: usize = fundsp::MAX_BUFFER_SIZE;

/// Per-engine scratch memory for rendering voices, allocated once.
pub(crate) struct Scratch {
    sig: [[f32; BLOCK]; MAX_CHANNELS],
    env: [f32; BLOCK],
    synth_in: BufferVec,
    synth_out: BufferVec,
}

impl Scratch {
    pub fn new() -> Box<Self> {
        Box::new(Self {
            sig: [[0.0; BLOCK]; MAX_CHANNELS],
            env: [0.0; BLOCK],
            synth_in: BufferVec::new(MAX_SYNTH_INPUTS),
            synth_out: BufferVec::new(1),
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum State {
    Playing,
    /// Fading out (stopped or stolen); ends when the fade reaches 0.
    Stopping,
    /// Done; waits in its slot for room in the garbage ring.
    Dead,
}

/// Where a stream or sample read has got to.
struct Reader {
    /// Sample: position in file frames. Stream: fraction between `cur` and `next`.
    pos: f64,
    cur: [f32; MAX_CHANNELS],
    next: [f32; MAX_CHANNELS],
    primed: bool,
    /// The stream ended: `next` is silence and the voice ends at the next advance.
    ending: bool,
    underflow: u64,
}

pub(crate) struct Voice {
    pub id: VoiceId,
    pub state: State,
    pub source: Source,
    pub priority: i32,
    /// Start order, for "oldest among equals".
    pub age: u64,
    pub bus: Option<usize>,
    pub stolen: bool,
    looping: bool,
    straight: bool,
    rate: f32,
    /// Source frames per output frame at rate 1.
    ratio: f64,
    smoothing: u32,
    fade_out: f32,
    sample_rate: u32,
    gain: Ramp,
    fade: Ramp,
    gains: [Ramp; MAX_CHANNELS],
    inputs: [Ramp; MAX_SYNTH_INPUTS],
    reader: Reader,
}

impl Voice {
    pub fn new(
        id: VoiceId,
        source: Source,
        p: &VoiceParams,
        inputs: &[f32; MAX_SYNTH_INPUTS],
        age: u64,
        sample_rate: u32,
    ) -> Self {
        let (ratio, pos) = match &source {
            Source::Sample(b) => {
                let len = b.len() as f64;
                let mut pos = (p.offset.max(0.0) * b.sample_rate as f64).max(0.0);
                if p.looping && len > 0.0 {
                    pos %= len;
                }
                (b.sample_rate as f64 / sample_rate as f64, if pos.is_finite() { pos } else { 0.0 })
            }
            Source::Stream(s) => (s.sample_rate as f64 / sample_rate as f64, 0.0),
            Source::Synth(_) => (1.0, 0.0),
        };
        let mut fade = Ramp::new(0.0);
        fade.go(1.0, frames_of(p.fade_in, sample_rate));
        Self {
            id,
            state: State::Playing,
            source,
            priority: p.priority,
            age,
            bus: p.bus,
            stolen: false,
            looping: p.looping,
            straight: p.straight,
            rate: clean_rate(p.rate),
            ratio,
            smoothing: frames_of(p.smoothing.max(MIN_SMOOTHING), sample_rate),
            fade_out: p.fade_out,
            sample_rate,
            gain: Ramp::new(p.gain),
            fade,
            gains: p.gains.map(Ramp::new),
            inputs: inputs.map(Ramp::new),
            reader: Reader {
                pos,
                cur: [0.0; MAX_CHANNELS],
                next: [0.0; MAX_CHANNELS],
                primed: false,
                ending: false,
                underflow: 0,
            },
        }
    }

    /// Starts the fade-out: `fade` seconds (negative: the voice's `fade_out`), at least 5 ms.
    pub fn stop(&mut self, fade: f32) {
        if self.state != State::Playing {
            return;
        }
        let secs = if fade < 0.0 || fade.is_nan() { self.fade_out } else { fade };
        let frames = frames_of(secs.max(MIN_SMOOTHING), self.sample_rate).max(1);
        // Scale the ramp so it falls from the current level at the rate of a full fade.
        let frames = ((frames as f32) * self.fade.value).ceil().max(1.0) as u32;
        self.fade.go(0.0, frames);
        self.state = State::Stopping;
    }

    pub fn set_gain(&mut self, g: f32) {
        self.gain.go(if g.is_finite() { g } else { 0.0 }, self.smoothing);
    }

    pub fn set_rate(&mut self, r: f32) {
        self.rate = clean_rate(r);
    }

    pub fn set_gains(&mut self, gains: &[f32; MAX_CHANNELS]) {
        for (r, &g) in self.gains.iter_mut().zip(gains) {
            r.go(if g.is_finite() { g } else { 0.0 }, self.smoothing);
        }
    }

    pub fn set_input(&mut self, index: usize, v: f32) {
        if let Some(r) = self.inputs.get_mut(index) {
            r.go(if v.is_finite() { v } else { 0.0 }, self.smoothing);
        }
    }

    /// Frames of stream underflow so far.
    pub fn underflow(&self) -> u64 {
        self.reader.underflow
    }

    /// Renders `n` ≤ [`BLOCK`] frames and adds them into `out` (planar, `channels` wide).
    /// Returns whether the voice has ended. Counts stream underflow frames into `underflows`.
    pub fn render(&mut self, n: usize, s: &mut Scratch, out: &mut BufferVec, channels: usize) -> bool {
        let (sc, mut ended) = self.read(n, s);
        let sig_len = ended.unwrap_or(n);
        // Envelope: gain × fade.
        for e in s.env[..n].iter_mut() {
            *e = self.gain.next() * self.fade.next();
        }
        if self.state == State::Stopping && self.fade.value <= 0.0 && !self.fade.moving() {
            ended = Some(n);
        }
        for (c, g) in self.gains.iter_mut().enumerate().take(channels) {
            let src = if sc == 1 {
                &s.sig[0]
            } else if c < sc {
                &s.sig[c]
            } else {
                continue;
            };
            let dst = &mut out.channel_f32_mut(c)[..n];
            if g.moving() {
                for i in 0..n {
                    dst[i] += src[i] * s.env[i] * g.next();
                }
            } else {
                let gv = g.value;
                if gv == 0.0 {
                    continue;
                }
                for i in 0..sig_len.min(n) {
                    dst[i] += src[i] * s.env[i] * gv;
                }
            }
        }
        ended.is_some()
    }

    /// Fills `s.sig` with the source signal; returns the signal channels and, when the source
    /// ended inside this sub-block, the frame where it did (the rest is silence).
    fn read(&mut self, n: usize, s: &mut Scratch) -> (usize, Option<usize>) {
        let step = self.rate as f64 * self.ratio;
        match &mut self.source {
            Source::Synth(unit) => {
                for (k, r) in self.inputs.iter_mut().enumerate().take(unit.inputs().min(MAX_SYNTH_INPUTS)) {
                    r.fill(&mut s.synth_in.channel_f32_mut(k)[..n]);
                }
                let k = unit.inputs().min(MAX_SYNTH_INPUTS);
                unit.process(n, &s.synth_in.buffer_ref().subset(0, k), &mut s.synth_out.buffer_mut());
                s.sig[0][..n].copy_from_slice(&s.synth_out.channel_f32(0)[..n]);
                (1, None)
            }
            Source::Sample(buf) => {
                let fc = buf.channels.max(1);
                let len = buf.len();
                let sc = if self.straight { fc.min(MAX_CHANNELS) } else { 1 };
                let frames = &buf.frames[..len * fc];
                let r = &mut self.reader;
                for i in 0..n {
                    if r.pos >= len as f64 {
                        for ch in s.sig.iter_mut().take(sc) {
                            ch[i..n].fill(0.0);
                        }
                        return (sc, Some(i));
                    }
                    let i0 = r.pos as usize;
                    let f = (r.pos - i0 as f64) as f32;
                    // The seam: a looping voice interpolates towards frame 0, a one-shot towards silence.
                    let i1 = if i0 + 1 < len {
                        Some(i0 + 1)
                    } else if self.looping {
                        Some(0)
                    } else {
                        None
                    };
                    let a = &frames[i0 * fc..i0 * fc + fc];
                    if self.straight {
                        for (k, ch) in s.sig.iter_mut().enumerate().take(sc) {
                            let b = i1.map_or(0.0, |j| frames[j * fc + k]);
                            ch[i] = a[k] + (b - a[k]) * f;
                        }
                    } else {
                        let am = a.iter().sum::<f32>() / fc as f32;
                        let bm = i1.map_or(0.0, |j| frames[j * fc..j * fc + fc].iter().sum::<f32>() / fc as f32);
                        s.sig[0][i] = am + (bm - am) * f;
                    }
                    r.pos += step;
                    if self.looping && len > 0 {
                        while r.pos >= len as f64 {
                            r.pos -= len as f64;
                        }
                    }
                }
                (sc, None)
            }
            Source::Stream(st) => {
                let fc = st.channels.clamp(1, MAX_CHANNELS);
                let sc = if self.straight { fc } else { 1 };
                let r = &mut self.reader;
                if !r.primed {
                    r.primed = true;
                    match pop_frame(st, fc, &mut r.cur) {
                        Pop::End => return silence(s, sc, n),
                        Pop::Underflow => r.underflow += 1,
                        Pop::Frame => {}
                    }
                    match pop_frame(st, fc, &mut r.next) {
                        Pop::End => r.ending = true,
                        Pop::Underflow => r.underflow += 1,
                        Pop::Frame => {}
                    }
                }
                for i in 0..n {
                    let f = r.pos as f32;
                    if self.straight {
                        for (k, ch) in s.sig.iter_mut().enumerate().take(sc) {
                            ch[i] = r.cur[k] + (r.next[k] - r.cur[k]) * f;
                        }
                    } else {
                        let a = r.cur[..fc].iter().sum::<f32>() / fc as f32;
                        let b = r.next[..fc].iter().sum::<f32>() / fc as f32;
                        s.sig[0][i] = a + (b - a) * f;
                    }
                    r.pos += step;
                    while r.pos >= 1.0 {
                        r.pos -= 1.0;
                        if r.ending {
                            for ch in s.sig.iter_mut().take(sc) {
                                ch[i + 1..n].fill(0.0);
                            }
                            return (sc, Some(i + 1));
                        }
                        r.cur = r.next;
                        match pop_frame(st, fc, &mut r.next) {
                            Pop::Frame => {}
                            Pop::Underflow => r.underflow += 1,
                            Pop::End => {
                                r.next = [0.0; MAX_CHANNELS];
                                r.ending = true;
                            }
                        }
                    }
                }
                (sc, None)
            }
        }
    }
}

fn silence(s: &mut Scratch, sc: usize, n: usize) -> (usize, Option<usize>) {
    for ch in s.sig.iter_mut().take(sc) {
        ch[..n].fill(0.0);
    }
    (sc, Some(0))
}

enum Pop {
    Frame,
    Underflow,
    End,
}

/// Reads one interleaved frame of `fc` (= the stream's channels, ≤ 16: checked by the handle);
/// silence (zeros) on underflow.
fn pop_frame(st: &mut super::StreamReader, fc: usize, into: &mut [f32; MAX_CHANNELS]) -> Pop {
    let ended = st.ended.load(Ordering::Acquire);
    if st.ring.slots() >= fc && st.ring.pop_entire_slice(&mut into[..fc]).is_ok() {
        return Pop::Frame;
    }
    if ended {
        return Pop::End;
    }
    into[..fc].fill(0.0);
    Pop::Underflow
}

fn clean_rate(r: f32) -> f32 {
    if r.is_finite() { r.clamp(0.0, 64.0) } else { 1.0 }
}
