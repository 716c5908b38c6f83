//! The mix stages after the voices, on the audio thread: effect buses (each `channels` wide, an
//! optional fundsp effect, a smoothed gain), the master gain and the master limiter.
//!
//! The limiter is a peak limiter with instant attack and a 100 ms release: each frame's gain is
//! at most `ceiling / peak` of that frame, so no sample can exceed the ceiling; a final clamp at
//! the ceiling (and NaN/inf → 0) guards against rounding. A mix that stays below the ceiling
//! passes with gain exactly 1. It is a safety limiter for the room, not a mastering tool: a mix
//! driven hard into it distorts on transients.

use fundsp::audiounit::AudioUnit;
use fundsp::buffer::BufferVec;

use super::ramp::Ramp;

/// Seconds over which bus and master gain changes move.
pub(crate) const GAIN_SMOOTHING: f32 = 0.02;

pub(crate) struct Bus {
    /// What the voices sent here this sub-block.
    pub input: BufferVec,
    output: BufferVec,
    pub effect: Option<Box<dyn AudioUnit>>,
    pub gain: Ramp,
}

impl Bus {
    pub fn new(channels: usize) -> Self {
        Self { input: BufferVec::new(channels), output: BufferVec::new(channels), effect: None, gain: Ramp::new(1.0) }
    }

    /// Runs the effect over `n` frames, adds the result × gain into `mix`, clears the input.
    pub fn process(&mut self, n: usize, channels: usize, mix: &mut BufferVec) {
        let src = match &mut self.effect {
            Some(e) => {
                e.process(n, &self.input.buffer_ref(), &mut self.output.buffer_mut());
                self.output.buffer_ref()
            }
            None => self.input.buffer_ref(),
        };
        let start = self.gain;
        for c in 0..channels {
            let mut g = start;
            let (s, d) = (&src.channel_f32(c)[..n], &mut mix.channel_f32_mut(c)[..n]);
            for i in 0..n {
                d[i] += s[i] * g.next();
            }
            self.gain = g;
        }
        for c in 0..channels {
            self.input.channel_f32_mut(c)[..n].fill(0.0);
        }
    }
}

/// Master gain and peak limiter.
pub(crate) struct Master {
    pub gain: Ramp,
    env: f32,
    release: f32,
    pub ceiling: f32,
}

impl Master {
    pub fn new(gain: f32, ceiling: f32, sample_rate: u32) -> Self {
        let release = 1.0 - (-1.0 / (0.1 * sample_rate as f32)).exp();
        Self { gain: Ramp::new(gain), env: 1.0, release, ceiling }
    }

    /// Applies gain and limiter to `n` frames of `mix`, writing interleaved into `out`
    /// (`n * channels` samples). Returns the lowest limiter gain used.
    pub fn process(&mut self, mix: &mut BufferVec, n: usize, channels: usize, out: &mut [f32]) -> f32 {
        let mut lowest = 1.0f32;
        let c = self.ceiling;
        for i in 0..n {
            let g = self.gain.next();
            let frame = &mut out[i * channels..(i + 1) * channels];
            let mut peak = 0.0f32;
            for (ch, o) in frame.iter_mut().enumerate() {
                let x = mix.at_f32(ch, i) * g;
                let x = if x.is_finite() { x } else { 0.0 };
                *o = x;
                peak = peak.max(x.abs());
            }
            let want = if peak > c { c / peak } else { 1.0 };
            self.env = if want < self.env { want } else { self.env + (want - self.env) * self.release };
            lowest = lowest.min(self.env);
            for o in frame.iter_mut() {
                *o = (*o * self.env).clamp(-c, c);
            }
        }
        lowest
    }
}
