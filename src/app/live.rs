//! `quai run --headless`: the show in real time at the scene's fps with no window, for LED
//! facades, servers without a display, and tests. Frame pacing by deadline; stats on exit.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use super::AppError;
use crate::input::log::Recorder;
use crate::output::frames::Snapshot;
use crate::output::projector::{Projectors, Readback};
use crate::render::Gpu;
use crate::scene::{Files, Scene};
use crate::show::schedule::WallClock;
use crate::show::tick::load_and_open_gpu;
use crate::show::{AudioMode, ClockMode, FrameStats, Show, ShowInputs, ShowOptions, StateOptions};

#[derive(Debug, Clone, Default)]
pub struct LiveOptions {
    /// Stop after this long (default: until interrupted).
    pub duration: Option<Duration>,
    /// Write the current frame here after every reload and on exit (and each window output's
    /// frame beside it, `PNG-STEM.OUTPUT.png`).
    pub snapshot: Option<PathBuf>,
    /// Watch the scene's files and reload on save.
    pub watch: bool,
    /// Record every input event to this log.
    pub record: Option<PathBuf>,
    pub day: DayOptions,
}

/// What an unattended day needs: where the state is kept, and the schedule's clock.
#[derive(Debug, Clone, Default)]
pub struct DayOptions {
    /// The state file (default: `state::default_path` of the scene).
    pub state: Option<PathBuf>,
    /// Start from the scene's defaults instead of the saved state.
    pub fresh: bool,
    /// A test clock for the schedule: the wall time at the start (RFC 3339, or a civil date and
    /// time in the schedule's zone), and how much faster than real time it runs.
    pub clock: Option<(String, f64)>,
    /// `--console [ADDR:]PORT` and `--oscquery [ADDR:]PORT` (over the scene's `[console]`).
    pub console: Option<std::net::SocketAddr>,
    pub oscquery: Option<std::net::SocketAddr>,
    /// The scripts' random seed (`--seed`); `None`: from the scene's name.
    pub seed: Option<u64>,
}

impl DayOptions {
    /// A fresh start whose state is kept in `dir` (benches, examples, tests).
    pub fn fresh_in(dir: &Path) -> Self {
        Self { state: Some(dir.join("state.json")), fresh: true, ..Self::default() }
    }
}

/// The schedule's clock from `--clock` / `--clock-speed` (the system's without them), resolved in
/// `scene`'s schedule zone.
pub fn wall_clock(clock: &Option<(String, f64)>, scene: &Scene) -> Result<WallClock, AppError> {
    let Some((text, speed)) = clock else { return Ok(WallClock::System) };
    if !(speed.is_finite() && *speed > 0.0 && *speed <= 1e6) {
        return Err(AppError::Usage(format!("--clock-speed {speed}: must be a positive number up to 1000000")));
    }
    let zone = scene.schedule.as_ref().map_or(jiff::tz::TimeZone::UTC, |s| s.zone.clone());
    let start = parse_instant(text, &zone).ok_or_else(|| {
        AppError::Usage(format!(
            "--clock {text:?}: not a date and time; write 2026-03-29T01:59 (in the schedule's zone), \
             2026-03-29T01:59+01:00 or 2026-03-29T01:59[Europe/Berlin]"
        ))
    })?;
    Ok(WallClock::Test { start, at: 0.0, speed: *speed })
}

/// An instant: RFC 3339 (`...Z`, `...+01:00`), a zoned time (`...[Europe/Berlin]`), or a civil
/// date and time in `zone`.
pub fn parse_instant(text: &str, zone: &jiff::tz::TimeZone) -> Option<jiff::Timestamp> {
    if let Ok(z) = text.parse::<jiff::ZonedDateTime>() {
        return Some(z.timestamp());
    }
    if let Ok(t) = text.parse::<jiff::Timestamp>() {
        return Some(t);
    }
    let dt = text.parse::<jiff::civil::DateTime>().ok()?;
    zone.to_ambiguous_timestamp(dt).compatible().ok()
}

/// The live show of `scene` with the scene's own outputs attached: what the headless and the
/// window runs both start from.
pub fn live_show(
    gpu: Gpu,
    scene: Scene,
    files: Arc<dyn Files>,
    watch: bool,
    record: Option<&Path>,
    day: &DayOptions,
) -> Result<Show, AppError> {
    let wall = wall_clock(&day.clock, &scene)?;
    let record = record.map(Recorder::create).transpose()?;
    let path = day.state.clone().unwrap_or_else(|| crate::show::state::default_path(&scene.path));
    let opts = ShowOptions {
        clock: ClockMode::Live,
        audio: AudioMode::Live,
        size: None,
        watch: watch.then_some(files),
        inputs: ShowInputs::Live { record },
        wall: Some(wall),
        state: Some(StateOptions { path, fresh: day.fresh }),
        seed: day.seed,
    };
    let leds = crate::output::led::LedOutputs::live(&gpu, &scene);
    let console = crate::console::ConsoleOptions::resolve(
        scene.console.as_ref(),
        day.console,
        day.oscquery,
        std::env::var("QUAI_TOKEN").ok(),
    )
    .map(|c| crate::console::ConsoleOptions { name: scene.name.clone(), ..c });
    let mut show = Show::new(gpu, scene, opts)?;
    show.add_output(Box::new(leds));
    if let Some(c) = console {
        show.attach_console(&c)?;
    }
    Ok(show)
}

/// `QUAI_DEBUG_HANG_AFTER=SECONDS`: the frame loop hangs that long after the first frame, on purpose, so
/// that a technician (and the tests) can see the watchdog restart a hung show. Documented in
/// hardware/README.md.
fn debug_hang_after() -> Option<Duration> {
    let s = std::env::var("QUAI_DEBUG_HANG_AFTER").ok()?;
    let secs = s.parse::<f64>().ok().filter(|v| v.is_finite() && *v >= 0.0);
    if secs.is_none() {
        tracing::warn!("QUAI_DEBUG_HANG_AFTER={s:?} is not a number of seconds; ignored");
    }
    secs.map(Duration::from_secs_f64)
}

/// A hung frame loop: no frames, no watchdog pings, until a signal.
fn hang(stop: &AtomicBool) {
    tracing::warn!("QUAI_DEBUG_HANG_AFTER: the frame loop hangs now, on purpose; the watchdog should restart the show");
    while !stop.load(Ordering::Relaxed) {
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Seconds between ticks in standby.
pub const STANDBY_PERIOD: f64 = 0.2;

pub fn run_headless(
    files: Arc<dyn Files>,
    path: &Path,
    opts: &LiveOptions,
    stop: Arc<AtomicBool>,
) -> Result<FrameStats, AppError> {
    let started = Instant::now();
    let (scene, gpu) = load_and_open_gpu(files.clone(), path, || Ok(Gpu::headless()?))?;
    tracing::info!("playing {} headless on {} at {} fps", scene.name, gpu.describe(), scene.fps);
    let mut show = live_show(gpu, scene, files, opts.watch, opts.record.as_deref(), &opts.day)?;
    if let Some(path) = &opts.snapshot {
        show.add_output(Box::new(Snapshot::new(path.clone())));
        // Each window output as its projector would show it, beside: `SNAP.NAME.png`.
        let outputs = show.scene().projectors.clone();
        if !outputs.is_empty() {
            let readback = Readback::Snapshot { base: path.clone(), due: true };
            let (projectors, _) = Projectors::new(show.gpu(), &outputs, true, readback);
            show.add_output(Box::new(projectors));
        }
    }
    let mut notifier = super::notify::Notifier::from_env();
    let hang_after = debug_hang_after();
    let mut playing: Option<Instant> = None;
    let mut next = Instant::now();
    let why = loop {
        if stop.load(Ordering::Relaxed) {
            break "stopped by a signal (SIGTERM / Ctrl-C)";
        }
        if let (Some(h), Some(p)) = (hang_after, playing)
            && p.elapsed() >= h
        {
            hang(&stop);
            continue;
        }
        if opts.duration.is_some_and(|d| started.elapsed() >= d) {
            break "stopped: --duration reached";
        }
        let t = match show.tick() {
            Ok(t) => t,
            Err(e) => {
                notifier.stopping(&format!("stopped by an error: {e}"));
                return Err(e);
            }
        };
        if t.frame == 0 {
            show.gpu().wait();
            tracing::info!("first frame {:.0} ms after start", started.elapsed().as_secs_f64() * 1e3);
            notifier.ready(&format!("playing {} headless", show.scene().name));
            playing = Some(Instant::now());
        }
        notifier.alive(Instant::now());
        // In standby the canvas is black and nothing is drawn: a few ticks a second keep the
        // inputs, the schedule and the watchdog going.
        let period = if show.asleep() { STANDBY_PERIOD } else { 1.0 / show.scene().fps };
        next += Duration::from_secs_f64(period);
        match next.checked_duration_since(Instant::now()) {
            Some(wait) => std::thread::sleep(wait),
            // Behind schedule: do not try to catch up with a burst of frames.
            None => next = Instant::now(),
        }
    };
    tracing::info!("{why}");
    notifier.stopping(why);
    show.finish()?;
    let stats = show.stats().cloned().unwrap_or_else(|| FrameStats::new(1.0 / 60.0));
    match show.standby_ticks {
        0 => tracing::info!("stopped: {stats}"),
        n => tracing::info!("stopped: {stats}; and {n} ticks in standby (black, at {STANDBY_PERIOD} s each)"),
    }
    Ok(stats)
}
