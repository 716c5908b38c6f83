//! The show clock. Live: monotonic time since start. Offline: a fixed timestep, `t = frame / fps`,
//! so renders are deterministic.

use std::time::Instant;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FrameTime {
    /// Seconds of show time.
    pub time: f64,
    /// Seconds since the previous frame.
    pub delta: f64,
    pub frame: u64,
}

/// The live show's time origin, shared by the frame loop and every input thread so events are
/// stamped on the same clock frames are.
#[derive(Debug, Clone, Copy)]
pub struct ShowClock {
    start: Instant,
}

impl ShowClock {
    pub fn start() -> Self {
        Self { start: Instant::now() }
    }

    /// Seconds since the show started.
    pub fn now(&self) -> f64 {
        self.start.elapsed().as_secs_f64()
    }
}

#[derive(Debug, Clone)]
pub enum Clock {
    Live { start: Instant, last: f64, frame: u64 },
    Fixed { fps: f64, frame: u64 },
}

impl Clock {
    pub fn live() -> Self {
        Self::live_at(ShowClock::start())
    }

    /// A live clock on a shared origin (see `ShowClock`).
    pub fn live_at(origin: ShowClock) -> Self {
        Clock::Live { start: origin.start, last: 0.0, frame: 0 }
    }

    pub fn fixed(fps: f64) -> Self {
        Clock::Fixed { fps, frame: 0 }
    }

    /// The time of the next frame to draw.
    pub fn tick(&mut self) -> FrameTime {
        match self {
            Clock::Live { start, last, frame } => {
                let now = start.elapsed().as_secs_f64();
                let t = FrameTime { time: now, delta: if *frame == 0 { 0.0 } else { now - *last }, frame: *frame };
                *last = now;
                *frame += 1;
                t
            }
            Clock::Fixed { fps, frame } => {
                let t = FrameTime {
                    time: *frame as f64 / *fps,
                    delta: if *frame == 0 { 0.0 } else { 1.0 / *fps },
                    frame: *frame,
                };
                *frame += 1;
                t
            }
        }
    }
}

/// The wall time now, `HH:MM:SS.mmm` in the machine's zone: how `quai monitor` lines and the web
/// console's log lines are stamped.
pub fn wall_time_ms() -> String {
    let t = jiff::tz::TimeZone::system().to_datetime(jiff::Timestamp::now());
    format!("{:02}:{:02}:{:02}.{:03}", t.hour(), t.minute(), t.second(), t.millisecond())
}
