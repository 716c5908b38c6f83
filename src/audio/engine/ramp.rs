//! Linear parameter ramps (gains, fades, synth inputs), stepped per sample on the audio thread.

/// A value moving linearly to a target over a number of frames.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Ramp {
    pub value: f32,
    target: f32,
    step: f32,
    left: u32,
}

impl Ramp {
    pub fn new(value: f32) -> Self {
        Self { value, target: value, step: 0.0, left: 0 }
    }

    /// Moves to `target` over `frames` frames (0 = at once).
    pub fn go(&mut self, target: f32, frames: u32) {
        self.target = target;
        if frames == 0 {
            self.value = target;
            self.left = 0;
            self.step = 0.0;
        } else {
            self.step = (target - self.value) / frames as f32;
            self.left = frames;
        }
    }

    /// Whether the value is still moving.
    #[inline]
    pub fn moving(&self) -> bool {
        self.left > 0
    }

    /// The current value, then one step on.
    #[inline]
    pub fn next(&mut self) -> f32 {
        let v = self.value;
        if self.left > 0 {
            self.left -= 1;
            self.value = if self.left == 0 { self.target } else { self.value + self.step };
        }
        v
    }

    /// Fills `out` with successive values.
    #[inline]
    pub fn fill(&mut self, out: &mut [f32]) {
        if self.left == 0 {
            out.fill(self.value);
        } else {
            for o in out {
                *o = self.next();
            }
        }
    }
}

/// Frames of `seconds` at `sample_rate` (negative and NaN as 0), saturating.
pub(crate) fn frames_of(seconds: f32, sample_rate: u32) -> u32 {
    let f = (seconds.max(0.0) as f64 * sample_rate as f64).round();
    if f.is_finite() { f.min(u32::MAX as f64) as u32 } else { 0 }
}
