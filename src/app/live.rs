//! `quai run --headless`: real-time playback into the offscreen canvas at the scene's fps, for LED
//! outputs, servers without a display, and tests. Frame pacing by deadline; stats on exit.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use super::AppError;
use super::player::{Player, load_and_open_gpu};
use crate::render::Gpu;
use crate::scene::Files;
use crate::show::FrameStats;

#[derive(Debug, Clone, Default)]
pub struct LiveOptions {
    /// Stop after this long (default: until interrupted).
    pub duration: Option<Duration>,
    /// Write the current frame here after every reload and on exit.
    pub snapshot: Option<PathBuf>,
    /// Watch the scene's files and reload on save.
    pub watch: bool,
    /// Record every input event to this log.
    pub record: Option<PathBuf>,
}

pub fn run_headless(
    files: Arc<dyn Files>,
    path: &Path,
    opts: &LiveOptions,
    stop: Arc<AtomicBool>,
) -> Result<FrameStats, AppError> {
    let started = Instant::now();
    let (scene, gpu) = load_and_open_gpu(files.clone(), path, || Ok(Gpu::headless()?))?;
    let gpu_name = gpu.describe();
    tracing::info!("playing {} headless on {gpu_name} at {} fps", scene.name, scene.fps);
    let mut player = Player::new(gpu, scene, files, opts.watch, opts.record.as_deref())?;
    let mut period = Duration::from_secs_f64(1.0 / player.scene().fps);
    let mut stats = FrameStats::new(period.as_secs_f64());
    let mut next = Instant::now();
    let mut last = None::<Instant>;
    let mut snapshot_due = false;
    while !stop.load(Ordering::Relaxed) && opts.duration.is_none_or(|d| started.elapsed() < d) {
        if player.poll_reload() {
            period = Duration::from_secs_f64(1.0 / player.scene().fps);
            stats.set_period(period.as_secs_f64());
            snapshot_due = true;
        }
        let mut encoder = player.encoder();
        let t = player.render(&mut encoder);
        let snap = opts.snapshot.as_ref().filter(|_| snapshot_due || t.frame == 0);
        if snap.is_some() {
            player.canvas.copy_out(&mut encoder);
        }
        player.gpu.queue.submit([encoder.finish()]);
        if let Some(path) = snap {
            write_snapshot(&player, path);
            snapshot_due = false;
        }
        if t.frame == 0 {
            player.gpu.wait();
            tracing::info!("first frame {:.0} ms after start", started.elapsed().as_secs_f64() * 1e3);
        }
        let now = Instant::now();
        if let Some(prev) = last {
            stats.record(now - prev);
        }
        last = Some(now);
        stats.report(now, &gpu_name);
        next += period;
        match next.checked_duration_since(Instant::now()) {
            Some(wait) => std::thread::sleep(wait),
            // Behind schedule: do not try to catch up with a burst of frames.
            None => next = Instant::now(),
        }
    }
    player.gpu.wait();
    if let Some(path) = &opts.snapshot {
        let mut encoder = player.encoder();
        player.render(&mut encoder);
        player.canvas.copy_out(&mut encoder);
        player.gpu.queue.submit([encoder.finish()]);
        write_snapshot(&player, path);
    }
    tracing::info!("stopped: {stats}");
    Ok(stats)
}

fn write_snapshot(player: &Player, path: &Path) {
    let [w, h] = player.canvas.size;
    let result = player
        .canvas
        .read(&player.gpu)
        .map_err(|e| e.to_string())
        .and_then(|rgba| image::RgbaImage::from_raw(w, h, rgba).ok_or_else(|| "wrong frame size".to_string()))
        .and_then(|img| {
            // Write beside and rename, so a reader never sees half a PNG.
            let tmp = path.with_extension("tmp.png");
            img.save(&tmp).map_err(|e| e.to_string())?;
            std::fs::rename(&tmp, path).map_err(|e| e.to_string())
        });
    if let Err(e) = result {
        tracing::warn!("snapshot {}: {e}", path.display());
    }
}
