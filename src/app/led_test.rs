//! `quai led-test SCENE`: the wiring test for technicians. Through the scene's own LED outputs
//! (same senders, same patch and colour settings as the show) it lights one fixture at a time,
//! then chases LED by LED in wiring order: the chasing LED white, the fixture's first LED (its
//! start corner) green and the first LED of each further universe red, so a mis-wired matrix, a
//! swapped colour order or a wrong universe boundary is seen from the street in minutes. Each
//! step is logged with what should light. Runs on the main thread; no GPU.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use super::AppError;
use crate::output::led::send::Sender;
use crate::scene::Scene;
use crate::scene::led::{LedOutput, OnStop};

#[derive(Debug, Clone)]
pub struct LedTestOptions {
    /// Only this fixture (default: all, in scene order).
    pub fixture: Option<String>,
    /// How long each fixture stays lit in the first pass.
    pub hold: Duration,
    /// LEDs per second of the chase.
    pub speed: f64,
    /// Brightness of the test colours, 0..1 (before each fixture's own limits).
    pub level: f32,
    /// Stop after this long (default: until interrupted; the test repeats).
    pub duration: Option<Duration>,
}

const WHITE: [u8; 3] = [255, 255, 255];
const GREEN: [u8; 3] = [0, 255, 0];
const RED: [u8; 3] = [255, 0, 0];

/// Where one fixture's LEDs sit in its output's colour list.
struct Target {
    output: usize,
    first: usize,
    count: usize,
    name: String,
    /// LED indices (in wiring order) where a new universe starts, with the universe.
    boundaries: Vec<(usize, u32)>,
}

pub fn run(scene: &Scene, opts: &LedTestOptions, stop: Arc<AtomicBool>) -> Result<(), AppError> {
    let outputs: Vec<&LedOutput> = scene.leds.iter().collect();
    if outputs.is_empty() {
        return Err(AppError::Usage(format!(
            "{} has no LED outputs to test; add an [[outputs]] entry of kind \"artnet\" or \"sacn\" and its \
             [[fixtures]] (scenes/README.md, \"LED facades\")",
            scene.path.display()
        )));
    }
    let mut targets = Vec::new();
    for (o, out) in outputs.iter().enumerate() {
        let mut first = 0;
        for f in &out.fixtures {
            let count = f.pixel_count();
            let boundaries = (0..count)
                .filter(|&i| i == 0 || f.address(i).0 != f.address(i - 1).0)
                .map(|i| (i, f.address(i).0))
                .collect();
            if opts.fixture.as_ref().is_none_or(|n| *n == f.name) {
                targets.push(Target { output: o, first, count, name: f.name.clone(), boundaries });
            }
            first += count;
        }
    }
    if targets.is_empty() {
        let names: Vec<&str> = outputs.iter().flat_map(|o| o.fixtures.iter().map(|f| f.name.as_str())).collect();
        return Err(AppError::Usage(format!(
            "--fixture {}: no such fixture; the scene has: {}",
            opts.fixture.as_deref().unwrap_or_default(),
            names.join(", ")
        )));
    }
    let mut senders: Vec<Sender> = outputs.iter().map(|o| Sender::start((*o).clone())).collect();
    let mut colors: Vec<Vec<[u8; 4]>> =
        outputs.iter().map(|o| vec![[0; 4]; o.fixtures.iter().map(|f| f.pixel_count()).sum()]).collect();
    let level = |c: [u8; 3]| c.map(|v| (v as f32 * opts.level.clamp(0.0, 1.0)).round() as u8);
    let started = Instant::now();
    let running = || !stop.load(Ordering::Relaxed) && opts.duration.is_none_or(|d| started.elapsed() < d);
    let frame = Duration::from_millis(25);
    'test: while running() {
        for t in &targets {
            tracing::info!("led-test: fixture `{}` lit white ({} LEDs); every other fixture dark", t.name, t.count);
            paint(&mut colors, t, |_| Some(level(WHITE)));
            let until = Instant::now() + opts.hold;
            while Instant::now() < until {
                if !running() {
                    break 'test;
                }
                publish(&mut senders, &colors);
                std::thread::sleep(frame);
            }
        }
        for t in &targets {
            tracing::info!(
                "led-test: chase along `{}` in wiring order; its first LED green, the first LED of each next \
                 universe red",
                t.name
            );
            for &(i, u) in t.boundaries.iter().skip(1) {
                tracing::info!("led-test: `{}`: universe {u} starts at LED {} (red)", t.name, i + 1);
            }
            let step = Duration::from_secs_f64(1.0 / opts.speed.max(0.1));
            for i in 0..t.count {
                paint(&mut colors, t, |k| {
                    if k == i {
                        Some(level(WHITE))
                    } else if k == 0 {
                        Some(level(GREEN))
                    } else if t.boundaries.iter().any(|&(b, _)| b == k) {
                        Some(level(RED))
                    } else {
                        None
                    }
                });
                let until = Instant::now() + step;
                loop {
                    if !running() {
                        break 'test;
                    }
                    publish(&mut senders, &colors);
                    if Instant::now() >= until {
                        break;
                    }
                    std::thread::sleep(frame.min(step));
                }
            }
        }
    }
    for (s, o) in senders.into_iter().zip(&outputs) {
        s.stop(if o.on_stop == OnStop::Hold { OnStop::Hold } else { OnStop::Black });
    }
    tracing::info!("led-test: done");
    Ok(())
}

/// Every LED of every output dark, then `t`'s LEDs as `colour(k)` says (k: index in the fixture).
fn paint(colors: &mut [Vec<[u8; 4]>], t: &Target, colour: impl Fn(usize) -> Option<[u8; 3]>) {
    colors.iter_mut().for_each(|c| c.fill([0; 4]));
    let out = &mut colors[t.output];
    for k in 0..t.count {
        if let (Some(c), Some(px)) = (colour(k), out.get_mut(t.first + k)) {
            *px = [c[0], c[1], c[2], 255];
        }
    }
}

fn publish(senders: &mut [Sender], colors: &[Vec<[u8; 4]>]) {
    for (s, c) in senders.iter_mut().zip(colors) {
        s.publish(c);
    }
}
