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
use crate::show::tick::load_and_open_gpu;
use crate::show::{AudioMode, ClockMode, FrameStats, Show, ShowInputs, ShowOptions};

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
}

/// The live show of `scene` with the scene's own outputs attached: what the headless and the
/// window runs both start from.
pub fn live_show(
    gpu: Gpu,
    scene: Scene,
    files: Arc<dyn Files>,
    watch: bool,
    record: Option<&Path>,
) -> Result<Show, AppError> {
    let record = record.map(Recorder::create).transpose()?;
    let opts = ShowOptions {
        clock: ClockMode::Live,
        audio: AudioMode::Live,
        size: None,
        watch: watch.then_some(files),
        inputs: ShowInputs::Live { record },
    };
    let leds = crate::output::led::LedOutputs::live(&gpu, &scene);
    let mut show = Show::new(gpu, scene, opts)?;
    show.add_output(Box::new(leds));
    Ok(show)
}

pub fn run_headless(
    files: Arc<dyn Files>,
    path: &Path,
    opts: &LiveOptions,
    stop: Arc<AtomicBool>,
) -> Result<FrameStats, AppError> {
    let started = Instant::now();
    let (scene, gpu) = load_and_open_gpu(files.clone(), path, || Ok(Gpu::headless()?))?;
    tracing::info!("playing {} headless on {} at {} fps", scene.name, gpu.describe(), scene.fps);
    let mut show = live_show(gpu, scene, files, opts.watch, opts.record.as_deref())?;
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
    let mut next = Instant::now();
    let why = loop {
        if stop.load(Ordering::Relaxed) {
            break "stopped by a signal (SIGTERM / Ctrl-C)";
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
        }
        notifier.alive(Instant::now());
        next += Duration::from_secs_f64(1.0 / show.scene().fps);
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
    tracing::info!("stopped: {stats}");
    Ok(stats)
}
