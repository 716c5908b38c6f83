//! Frame-time statistics for technicians: mean, p99 and dropped frames, printed on exit and every
//! 10 s at debug level, and a warning when the show stops keeping pace (and a note when it catches
//! up again). Fixed memory: a ring of the last samples plus running totals.

use std::fmt;
use std::time::{Duration, Instant};

const WINDOW: usize = 4096;

/// How often [`FrameStats::report`] logs the stats and checks the pace.
pub const REPORT_EVERY: Duration = Duration::from_secs(10);
/// Share of frame slots missed over one interval that counts as not keeping pace...
const BEHIND: f64 = 0.10;
/// ...and the share below which it counts as keeping pace again.
const CAUGHT_UP: f64 = 0.02;

/// A change in whether frames keep pace, over one reporting interval.
#[derive(Debug, Clone, PartialEq)]
pub enum Pace {
    /// `late` of `slots` frame slots were missed; frames took `mean_ms` on average.
    Behind {
        late: u64,
        slots: u64,
        mean_ms: f64,
    },
    CaughtUp,
}

#[derive(Debug, Clone)]
pub struct FrameStats {
    period: f64,
    samples: Vec<f32>,
    next: usize,
    frames: u64,
    dropped: u64,
    total: f64,
    /// Frames, dropped frames and total time at the last pace check.
    mark: (u64, u64, f64),
    behind: bool,
    last_report: Option<Instant>,
}

impl FrameStats {
    /// `period`: the intended frame period in seconds (1/fps or the display's refresh).
    pub fn new(period: f64) -> Self {
        Self {
            period,
            samples: Vec::with_capacity(WINDOW),
            next: 0,
            frames: 0,
            dropped: 0,
            total: 0.0,
            mark: (0, 0, 0.0),
            behind: false,
            last_report: None,
        }
    }

    /// A new intended frame period (a reload changed `fps`): frames from now on are held to it.
    pub fn set_period(&mut self, period: f64) {
        self.period = period;
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

    /// Whether frames kept pace since the last call: `Behind` when more than 10% of the frame
    /// slots were missed (and they were keeping pace before), `CaughtUp` when fewer than 2% were
    /// (and they were behind), else `None`.
    pub fn check_pace(&mut self) -> Option<Pace> {
        let (frames, late, total) = (self.frames - self.mark.0, self.dropped - self.mark.1, self.total - self.mark.2);
        self.mark = (self.frames, self.dropped, self.total);
        let slots = frames + late;
        if frames == 0 {
            return None;
        }
        let missed = late as f64 / slots as f64;
        if !self.behind && missed > BEHIND {
            self.behind = true;
            return Some(Pace::Behind { late, slots, mean_ms: total / frames as f64 * 1e3 });
        }
        if self.behind && missed < CAUGHT_UP {
            self.behind = false;
            return Some(Pace::CaughtUp);
        }
        None
    }

    /// Call once per frame: every [`REPORT_EVERY`] logs the stats at debug level, and warns (once,
    /// until it recovers) when the show does not keep pace, naming the GPU and what to change.
    pub fn report(&mut self, now: Instant, gpu: &str) {
        let last = *self.last_report.get_or_insert(now);
        if now.duration_since(last) < REPORT_EVERY {
            return;
        }
        self.last_report = Some(now);
        tracing::debug!("{self}");
        match self.check_pace() {
            Some(Pace::Behind { late, slots, mean_ms }) => tracing::warn!(
                "frames are late: {late} of the last {slots} frame slots were missed ({:.0}%), frames take \
                 {mean_ms:.1} ms on average for a {:.1} ms target. The scene is too heavy for this GPU ({gpu}): \
                 lower [show] canvas or fps, simplify the heaviest shader layers, or use a faster GPU \
                 (`quai devices` lists them)",
                late as f64 / slots as f64 * 100.0,
                self.period * 1e3
            ),
            Some(Pace::CaughtUp) => tracing::info!("frames keep pace again ({self})"),
            None => {}
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pace_is_reported_when_it_changes_only() {
        let mut s = FrameStats::new(1.0 / 60.0);
        let feed =
            |s: &mut FrameStats, n: usize, ms: f64| (0..n).for_each(|_| s.record(Duration::from_secs_f64(ms / 1e3)));
        feed(&mut s, 600, 16.7);
        assert_eq!(s.check_pace(), None, "on time");
        feed(&mut s, 590, 16.7);
        feed(&mut s, 1, 400.0); // one hiccup (a shader compile): 23 slots of 614, under 10%
        assert_eq!(s.check_pace(), None, "a single hiccup is not a pace problem");
        feed(&mut s, 60, 100.0);
        match s.check_pace() {
            Some(Pace::Behind { late, slots, mean_ms }) => {
                assert_eq!((late, slots), (300, 360));
                assert!((mean_ms - 100.0).abs() < 0.1);
            }
            other => panic!("{other:?}"),
        }
        feed(&mut s, 60, 100.0);
        assert_eq!(s.check_pace(), None, "said once, not every interval");
        feed(&mut s, 600, 16.7);
        assert_eq!(s.check_pace(), Some(Pace::CaughtUp));
    }
}
