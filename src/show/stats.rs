//! Frame-time statistics for technicians: mean, p99 and dropped frames, printed on exit and every
//! 10 s at debug level. Fixed memory: a ring of the last samples plus running totals.

use std::fmt;
use std::time::Duration;

const WINDOW: usize = 4096;

#[derive(Debug, Clone)]
pub struct FrameStats {
    period: f64,
    samples: Vec<f32>,
    next: usize,
    frames: u64,
    dropped: u64,
    total: f64,
}

impl FrameStats {
    /// `period`: the intended frame period in seconds (1/fps or the display's refresh).
    pub fn new(period: f64) -> Self {
        Self { period, samples: Vec::with_capacity(WINDOW), next: 0, frames: 0, dropped: 0, total: 0.0 }
    }

    /// Record the time between two frames.
    pub fn record(&mut self, dt: Duration) {
        let s = dt.as_secs_f64();
        self.frames += 1;
        self.total += s;
        // More than 1.5 periods between frames means at least one frame missed its slot.
        if s > self.period * 1.5 {
            self.dropped += ((s / self.period).round() as u64).saturating_sub(1).max(1);
        }
        if self.samples.len() < WINDOW {
            self.samples.push(s as f32);
        } else {
            self.samples[self.next] = s as f32;
            self.next = (self.next + 1) % WINDOW;
        }
    }

    pub fn frames(&self) -> u64 {
        self.frames
    }

    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    pub fn mean_ms(&self) -> f64 {
        if self.frames == 0 { 0.0 } else { self.total / self.frames as f64 * 1e3 }
    }

    /// p99 of the recent window (last 4096 frames), in ms.
    pub fn p99_ms(&self) -> f64 {
        if self.samples.is_empty() {
            return 0.0;
        }
        let mut s = self.samples.clone();
        s.sort_by(f32::total_cmp);
        s[((s.len() - 1) as f64 * 0.99).round() as usize] as f64 * 1e3
    }
}

impl fmt::Display for FrameStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} frames, frame time mean {:.2} ms, p99 {:.2} ms, {} dropped (target {:.2} ms)",
            self.frames,
            self.mean_ms(),
            self.p99_ms(),
            self.dropped,
            self.period * 1e3
        )
    }
}
