//! What the console shows: a [`Status`] snapshot that the show builds on the render thread a few
//! times a second ([`Publisher`]) and hands over latest-wins ([`Board`]); the server threads only
//! ever read the newest one, so nothing a browser does can reach into the frame loop. Recent log
//! lines come from a tracing layer ([`LogRing`]) beside the terminal's.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use serde::Serialize;

/// How often the show builds a snapshot (the browser gets one every `PUSH_EVERY`).
pub const PUBLISH_EVERY: Duration = Duration::from_millis(100);
/// A snapshot older than this means the frame loop is stuck: `/healthz` says 503.
pub const STALE_AFTER: Duration = Duration::from_secs(3);
/// Frame times kept for the console's graph.
pub const GRAPH_FRAMES: usize = 120;

/// One snapshot of the running show, as `GET /api/status` returns it (README "Web console").
#[derive(Debug, Clone, Serialize, Default)]
pub struct Status {
    pub scene: String,
    pub path: String,
    pub version: &'static str,
    pub uptime_s: f64,
    /// Show time (seconds) and frame of the latest tick.
    pub time: f64,
    pub frame: u64,
    /// Frames per second over the last publish interval (0 in standby, which ticks slowly).
    pub fps: f64,
    pub target_fps: f64,
    pub frame_ms: FrameMs,
    pub dropped: u64,
    /// `awake`, `closing` (the standby fade), `asleep`.
    pub standby: &'static str,
    pub standby_ticks: u64,
    pub reloads: u64,
    pub reload_error: Option<String>,
    /// Filled in per request by the server: `on` (this client may control), `locked` (a token is
    /// needed), `off` (no token configured: view only).
    pub control: &'static str,
    pub inputs: Vec<InputStatus>,
    pub outputs: Vec<OutputStatus>,
    pub audio: Option<AudioStatus>,
    pub cues: Vec<ListStatus>,
    pub params: Vec<ParamStatus>,
    pub schedule: Option<ScheduleStatus>,
    /// Where the scene's first OSC input listens (OSCQuery's HOST_INFO names it).
    pub osc: Option<std::net::SocketAddr>,
    /// Whether a window calibrates the projector outputs (`quai run --calibrate`).
    pub calibrating: bool,
    /// What an armed learn binds the next control moved to.
    pub learning: Option<String>,
    /// The scripts' functions a `call` can run (`POST /api/call/NAME`).
    pub functions: Vec<String>,
    /// Commands refused by the show (GO past the end, in standby, ...) and by the inputs.
    pub refused: u64,
    pub healthy: bool,
    /// `ok`, or what is wrong (for `/healthz` and `quai status`).
    pub health: String,
    /// When the show published it (not sent).
    #[serde(skip)]
    pub published: Option<Instant>,
}

#[derive(Debug, Clone, Serialize, Default)]
pub struct FrameMs {
    pub mean: f64,
    pub p99: f64,
    /// The latest frame times in ms, oldest first.
    pub recent: Vec<f32>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct InputStatus {
    pub name: String,
    /// `osc`, `midi`, `serial`, or `console` for commands sent straight to the show.
    pub kind: &'static str,
    /// Connection state, as `quai monitor` words it.
    pub state: String,
    pub received: u64,
    pub dropped: u64,
    /// Events per second over the last publish interval.
    pub rate: f64,
    /// The latest event, as `quai monitor` prints it.
    pub last: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct OutputStatus {
    pub name: String,
    /// `window`, `artnet`, `sacn`, `png`.
    pub kind: &'static str,
    pub state: String,
    /// Packets (or frames) sent so far, where the output counts them; `rate` is derived from it.
    #[serde(skip)]
    pub sent: Option<u64>,
    pub rate: Option<f64>,
    /// Sending fails now (a controller unreachable, the interface gone).
    pub failing: bool,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AudioStatus {
    pub device: String,
    /// Level per channel of the output, 0..1 (peak of the last analysis block).
    pub meters: Vec<f32>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ListStatus {
    pub name: String,
    /// The cue at the playhead (the last one fired), and the one a GO fires.
    pub current: Option<String>,
    pub next: Option<String>,
    /// Progress 0..1 of the running fade, if any.
    pub fade: Option<f64>,
    pub cues: Vec<String>,
    /// Whether a bare `go` runs this list.
    pub default: bool,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ParamStatus {
    pub name: String,
    pub value: f32,
    pub min: f32,
    pub max: f32,
    pub unit: String,
    pub default: f32,
    /// Who wrote it last: `mapping`, `cue`, `direct`, or none yet.
    pub writer: Option<&'static str>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ScheduleStatus {
    pub open: bool,
    /// `closes Wed 2026-12-23 18:00 CET`, or none within a year.
    pub next: Option<String>,
    pub zone: String,
}

/// The newest snapshot, latest wins: the show replaces it, servers clone the `Arc`.
pub struct Board {
    latest: Mutex<Arc<Status>>,
    /// A small PNG of the canvas, about once a second (see `thumbnail::Thumbnails`).
    thumb: Mutex<Option<Arc<[u8]>>>,
    started: Instant,
}

impl Board {
    pub fn new() -> Arc<Self> {
        let first = Status {
            health: "starting: no frame yet".into(),
            version: env!("CARGO_PKG_VERSION"),
            ..Default::default()
        };
        Arc::new(Self { latest: Mutex::new(Arc::new(first)), thumb: Mutex::new(None), started: Instant::now() })
    }

    pub fn set_thumbnail(&self, png: Arc<[u8]>) {
        *self.thumb.lock().unwrap_or_else(|p| p.into_inner()) = Some(png);
    }

    pub fn thumbnail(&self) -> Option<Arc<[u8]>> {
        self.thumb.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub fn publish(&self, status: Status) {
        let status = Arc::new(status);
        *self.latest.lock().unwrap_or_else(|p| p.into_inner()) = status;
    }

    pub fn latest(&self) -> Arc<Status> {
        self.latest.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// The newest snapshot, marked unhealthy when the frame loop has not published for a while.
    pub fn current(&self) -> Arc<Status> {
        let s = self.latest();
        let age = s.published.map_or(self.started.elapsed(), |t| t.elapsed());
        if age < STALE_AFTER {
            return s;
        }
        let mut stale = (*s).clone();
        stale.healthy = false;
        stale.health = match s.published {
            Some(_) => format!("no frame for {:.1} s: the frame loop is stuck or stopped", age.as_secs_f64()),
            None => format!("no frame yet {:.1} s after start", age.as_secs_f64()),
        };
        Arc::new(stale)
    }
}

/// When the previous snapshot was taken, its frame, and its input and output counters.
type Counted = (Instant, u64, Vec<u64>, Vec<Option<u64>>);

/// The show's side: builds a snapshot every [`PUBLISH_EVERY`], keeps the frame-time graph and
/// the counters that rates are derived from.
pub struct Publisher {
    board: Arc<Board>,
    next: Option<Instant>,
    frames: VecDeque<f32>,
    prev: Option<Counted>,
}

impl Publisher {
    pub fn new(board: Arc<Board>) -> Self {
        Self { board, next: None, frames: VecDeque::with_capacity(GRAPH_FRAMES), prev: None }
    }

    /// A frame took `dt` (awake ticks only).
    pub fn frame(&mut self, dt: Duration) {
        if self.frames.len() == GRAPH_FRAMES {
            self.frames.pop_front();
        }
        self.frames.push_back(dt.as_secs_f32() * 1e3);
    }

    /// Whether a snapshot is due now.
    pub fn due(&self, now: Instant) -> bool {
        self.next.is_none_or(|n| now >= n)
    }

    /// Complete `s` (rates, the graph, health) and publish it.
    pub fn publish(&mut self, now: Instant, mut s: Status) {
        self.next = Some(now + PUBLISH_EVERY);
        s.uptime_s = self.board.started.elapsed().as_secs_f64();
        s.version = env!("CARGO_PKG_VERSION");
        s.frame_ms.recent = self.frames.iter().copied().collect();
        let received: Vec<u64> = s.inputs.iter().map(|i| i.received).collect();
        let sent: Vec<Option<u64>> = s.outputs.iter().map(|o| o.sent).collect();
        if let Some((at, frame, r0, s0)) = &self.prev {
            let dt = now.duration_since(*at).as_secs_f64().max(1e-6);
            s.fps = s.frame.saturating_sub(*frame) as f64 / dt;
            for (i, input) in s.inputs.iter_mut().enumerate() {
                let before = r0.get(i).copied().unwrap_or(input.received);
                input.rate = input.received.saturating_sub(before) as f64 / dt;
            }
            for (i, out) in s.outputs.iter_mut().enumerate() {
                if let (Some(now_sent), Some(Some(before))) = (out.sent, s0.get(i)) {
                    out.rate = Some(now_sent.saturating_sub(*before) as f64 / dt);
                }
            }
        }
        let mut problems: Vec<String> = Vec::new();
        for o in s.outputs.iter().filter(|o| o.failing) {
            problems.push(format!("{} `{}`: {}", o.kind, o.name, o.state));
        }
        s.healthy = problems.is_empty();
        // Slow frames are worth saying but not a failure: the show still plays.
        let slow = s.standby == "awake" && self.prev.is_some() && s.target_fps > 0.0 && s.fps < s.target_fps * 0.5;
        s.health = match (problems.is_empty(), slow) {
            (true, false) => "ok".into(),
            (true, true) => format!("ok, but slow: {:.1} fps of {}", s.fps, s.target_fps),
            (false, _) => problems.join("; "),
        };
        s.published = Some(now);
        self.prev = Some((now, s.frame, received, sent));
        self.board.publish(s);
    }
}

/// One log line as the console shows it.
#[derive(Debug, Clone, Serialize)]
pub struct LogEntry {
    pub seq: u64,
    /// Wall time, `HH:MM:SS.mmm` (UTC offset of the machine).
    pub time: String,
    pub level: &'static str,
    pub target: String,
    pub message: String,
}

/// Log lines kept for the console.
pub const LOG_LINES: usize = 500;

/// The recent log of this process: a tracing layer fills it with what the terminal log shows
/// (the same filter); the console reads it. One per process.
pub struct LogRing {
    lines: Mutex<(u64, VecDeque<LogEntry>)>,
}

static LOG: OnceLock<LogRing> = OnceLock::new();

impl LogRing {
    /// The process's ring (empty until the layer is installed).
    pub fn global() -> &'static LogRing {
        LOG.get_or_init(|| LogRing { lines: Mutex::new((0, VecDeque::with_capacity(LOG_LINES))) })
    }

    /// The layer to add to the subscriber (`main.rs`).
    pub fn layer() -> LogLayer {
        LogLayer { ring: Self::global() }
    }

    pub fn push(&self, level: &'static str, target: &str, message: String) {
        let mut g = self.lines.lock().unwrap_or_else(|p| p.into_inner());
        g.0 += 1;
        let seq = g.0;
        if g.1.len() == LOG_LINES {
            g.1.pop_front();
        }
        let time = crate::show::clock::wall_time_ms();
        g.1.push_back(LogEntry { seq, time, level, target: target.to_string(), message });
    }

    /// Lines after `seq`, oldest first.
    pub fn since(&self, seq: u64) -> Vec<LogEntry> {
        let g = self.lines.lock().unwrap_or_else(|p| p.into_inner());
        g.1.iter().filter(|e| e.seq > seq).cloned().collect()
    }

    /// Warnings and errors among the latest lines (for `quai status`).
    pub fn problems(&self, n: usize) -> Vec<LogEntry> {
        let g = self.lines.lock().unwrap_or_else(|p| p.into_inner());
        let mut v: Vec<LogEntry> =
            g.1.iter().rev().filter(|e| matches!(e.level, "WARN" | "ERROR")).take(n).cloned().collect();
        v.reverse();
        v
    }
}

pub struct LogLayer {
    ring: &'static LogRing,
}

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for LogLayer {
    fn on_event(&self, event: &tracing::Event<'_>, _ctx: tracing_subscriber::layer::Context<'_, S>) {
        struct Message(String);
        impl tracing::field::Visit for Message {
            fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
                use std::fmt::Write as _;
                if field.name() == "message" {
                    let _ = write!(self.0, "{value:?}");
                } else {
                    let _ = write!(self.0, " {}={value:?}", field.name());
                }
            }
            fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
                if field.name() == "message" {
                    self.0.push_str(value);
                } else {
                    self.0.push_str(&format!(" {}={value}", field.name()));
                }
            }
        }
        let meta = event.metadata();
        let mut m = Message(String::new());
        event.record(&mut m);
        self.ring.push(meta.level().as_str(), meta.target(), m.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(frame: u64, received: u64, sent: u64, failing: bool) -> Status {
        Status {
            frame,
            target_fps: 60.0,
            standby: "awake",
            inputs: vec![InputStatus {
                name: "desk".into(),
                kind: "osc",
                state: "listening".into(),
                received,
                dropped: 0,
                rate: 0.0,
                last: None,
            }],
            outputs: vec![OutputStatus {
                name: "wall".into(),
                kind: "artnet",
                state: "sending".into(),
                sent: Some(sent),
                rate: None,
                failing,
            }],
            ..Default::default()
        }
    }

    /// Rates come from the counters between two snapshots; a failing output makes the show
    /// unhealthy, with its name; a board nobody publishes to goes stale.
    #[test]
    fn rates_health_and_staleness() {
        let board = Board::new();
        let mut p = Publisher::new(board.clone());
        let t0 = Instant::now();
        p.publish(t0, status(0, 0, 0, false));
        assert!(board.latest().healthy);
        p.publish(t0 + Duration::from_millis(500), status(30, 10, 200, false));
        let s = board.latest();
        assert!((s.fps - 60.0).abs() < 1e-6, "{}", s.fps);
        assert!((s.inputs[0].rate - 20.0).abs() < 1e-6);
        assert_eq!(s.outputs[0].rate, Some(400.0));
        assert_eq!(s.health, "ok");
        p.publish(t0 + Duration::from_millis(1000), status(60, 10, 200, true));
        let s = board.latest();
        assert!(!s.healthy);
        assert_eq!(s.health, "artnet `wall`: sending");
        // Stale: published long ago.
        let mut old = status(60, 10, 200, false);
        old.published = Some(Instant::now() - STALE_AFTER - Duration::from_millis(10));
        board.publish(old);
        let s = board.current();
        assert!(!s.healthy && s.health.starts_with("no frame for"), "{}", s.health);
    }
}
