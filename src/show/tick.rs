//! The show loop: one [`Show`] owns the scene (its compositor), the canvas, the clock, the
//! parameter store, the inputs, hot reload and the outputs, and advances once per [`Show::tick`].
//! Live (window, headless) and offline (`quai render`) runs differ only in the clock
//! ([`ClockMode`]) and in which outputs are attached. Runs on the render (main) thread; reloaded
//! scenes arrive ready-built from the loader thread and are swapped in between two ticks.

use std::sync::Arc;
use std::time::Instant;

use super::commands::Issued;
use super::control::Control;
use super::schedule::{AtStart, Scheduler, WallClock};
use super::state::{SavedState, StateSaver};
use super::{Clock, FrameStats, FrameTime, ParamStore, ShowClock};
use crate::app::AppError;
use crate::audio::show::ShowAudio;
use crate::input::event::{EventKind, InputEvent};
use crate::input::hub::InputHub;
use crate::input::log::Recorder;
use crate::output::{Frame, Output};
use crate::render::{Canvas, Compositor, FrameInput, Gpu, GpuCache};
use crate::scene::watch::{SceneWatcher, Update, panic_text};
use crate::scene::{Files, Scene};

mod status;

/// What drives the tick.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ClockMode {
    /// Monotonic time since the start; input events are stamped on the same clock.
    Live,
    /// `t = frame / fps`: offline renders, deterministic.
    Fixed(f64),
}

/// Where input events come from.
pub enum ShowInputs {
    /// None: mappings only (an offline render without `--replay`).
    Idle,
    /// The scene's live sources, optionally recorded to a log (`quai run --record`).
    Live { record: Option<Recorder> },
    /// A recorded log, delivered on the show clock (`quai render --replay`).
    Replay(Vec<InputEvent>),
}

/// What the show does with sound.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum AudioMode {
    /// No audio engine (renders without `--audio`).
    #[default]
    Off,
    /// The scene's sounds on the audio device (when the scene has any).
    Live,
    /// Bounced offline, sample-accurate on the fixed clock, into this WAV file.
    Bounce(std::path::PathBuf),
}

pub struct ShowOptions {
    pub clock: ClockMode,
    pub audio: AudioMode,
    /// Canvas size; `None` = the scene's (and a reload may change it).
    pub size: Option<[u32; 2]>,
    /// Watch the scene's files (when they are on disk) and swap in edits.
    pub watch: Option<Arc<dyn Files>>,
    pub inputs: ShowInputs,
    /// Where the schedule takes the time of day from (`None`: the schedule is not run, as in an
    /// offline render without `--clock`).
    pub wall: Option<WallClock>,
    /// Save and restore the show's state (live runs).
    pub state: Option<StateOptions>,
    /// The scripts' random seed (`--seed`); `None`: from the scene's name.
    pub seed: Option<u64>,
}

/// Where a live show keeps its state, and whether to start without it.
#[derive(Debug, Clone)]
pub struct StateOptions {
    pub path: std::path::PathBuf,
    /// `quai run --fresh`: start from the scene's defaults (the file is overwritten as the show runs).
    pub fresh: bool,
}

pub struct Show {
    gpu: Gpu,
    compositor: Compositor,
    canvas: Canvas,
    pub params: ParamStore,
    /// Cue lists, layer opacities, and what commands do to them.
    pub control: Control,
    /// Commands found this tick (reused).
    issued: Vec<Issued>,
    /// Opening hours (when the scene has a `[schedule]` and the show a wall clock).
    scheduler: Option<Scheduler>,
    wall: Option<WallClock>,
    /// Saves the state as it changes (live runs).
    saver: Option<StateSaver>,
    clock: Clock,
    origin: ShowClock,
    pub inputs: InputHub,
    /// The scene's sounds (none when it has none, or with `AudioMode::Off`).
    audio: Option<ShowAudio>,
    watcher: Option<SceneWatcher<Compositor>>,
    outputs: Vec<Box<dyn Output>>,
    /// Frame-time statistics (live clocks only).
    stats: Option<FrameStats>,
    /// The display's refresh period, when a display paces the ticks (else 1 / fps).
    display_period: Option<f64>,
    last_tick: Option<Instant>,
    /// The time of the latest tick (what `finish` shows the outputs).
    last: FrameTime,
    gpu_name: String,
    /// How many scenes have been swapped in by hot reload.
    pub reloads: u64,
    /// Ticks spent in standby (black; not counted in the frame statistics).
    pub standby_ticks: u64,
    /// Why the latest edit did not load (the diagnostics, as logged), until an edit loads again.
    pub reload_error: Option<Arc<str>>,
    /// Snapshots for the web console, a few times a second (when one is attached).
    publisher: Option<crate::console::status::Publisher>,
    /// The web console's servers (stopped when the show is dropped).
    console: Option<crate::console::Console>,
    /// A window calibrates the projector outputs (`--calibrate`): calibration moves are taken.
    pub calibrating: bool,
    /// The scene's scripts (none when it has none).
    scripts: Option<crate::script::ScriptHost>,
    seed: Option<u64>,
}

impl Show {
    pub fn new(gpu: Gpu, scene: Scene, opts: ShowOptions) -> Result<Self, AppError> {
        let scene = Arc::new(scene);
        let size = opts.size.unwrap_or(scene.canvas);
        let mut cache = GpuCache::new(&gpu);
        let compositor = Compositor::new(&gpu, scene.clone(), size, &mut cache)?;
        let canvas = Canvas::new(&gpu, size);
        let watcher = match opts.watch {
            Some(files) if files.is_disk() => spawn_watcher(&gpu, files, &scene, cache),
            _ => None,
        };
        let origin = ShowClock::start();
        let inputs = match opts.inputs {
            ShowInputs::Idle => InputHub::idle(&scene),
            ShowInputs::Replay(events) => InputHub::replay(&scene, events),
            ShowInputs::Live { record } => {
                let mut hub = InputHub::live(&scene, origin);
                if let Some(r) = record {
                    hub.record_to(r);
                }
                hub
            }
        };
        let audio = match &opts.audio {
            AudioMode::Off => None,
            AudioMode::Live => ShowAudio::new(&scene, None)?,
            AudioMode::Bounce(wav) => ShowAudio::new(&scene, Some(wav))?,
        };
        let (clock, stats) = match opts.clock {
            ClockMode::Live => (Clock::live_at(origin), Some(FrameStats::new(1.0 / scene.fps))),
            ClockMode::Fixed(fps) => (Clock::fixed(fps), None),
        };
        let mut params = ParamStore::with_priorities(&scene.params, scene.priorities);
        let mut control = Control::new(&scene);
        let (saver, saved_at) = match opts.state {
            Some(st) => restore(&st, &scene, &mut params, &mut control),
            None => (None, None),
        };
        let scheduler = match (&scene.schedule, opts.wall) {
            (Some(s), Some(wall)) => Some(start_schedule(s.clone(), wall, saved_at, &mut control)),
            _ => None,
        };
        Ok(Self {
            params,
            control,
            issued: Vec::new(),
            scheduler,
            wall: opts.wall,
            saver,
            gpu_name: gpu.describe(),
            gpu,
            compositor,
            canvas,
            clock,
            origin,
            inputs,
            audio,
            watcher,
            outputs: Vec::new(),
            stats,
            display_period: None,
            last_tick: None,
            last: FrameTime { time: 0.0, delta: 0.0, frame: 0 },
            reloads: 0,
            standby_ticks: 0,
            reload_error: None,
            publisher: None,
            console: None,
            calibrating: false,
            scripts: crate::script::ScriptHost::new(&scene, opts.seed),
            seed: opts.seed,
        })
    }

    /// Attach an output: from the next tick on it gets every canvas.
    pub fn add_output(&mut self, output: Box<dyn Output>) {
        tracing::debug!("output attached: {}", output.name());
        self.outputs.push(output);
    }

    pub fn scene(&self) -> &Arc<Scene> {
        self.compositor.scene()
    }

    pub fn gpu(&self) -> &Gpu {
        &self.gpu
    }

    pub fn canvas(&self) -> &Canvas {
        &self.canvas
    }

    /// The live show's time origin (input threads stamp events with it).
    pub fn origin(&self) -> ShowClock {
        self.origin
    }

    /// Frame-time statistics of a live show.
    pub fn stats(&self) -> Option<&FrameStats> {
        self.stats.as_ref()
    }

    /// A display paces the ticks at this period (seconds): the stats hold frames to it.
    pub fn set_display_period(&mut self, period: f64) {
        self.display_period = Some(period);
        if let Some(s) = &mut self.stats {
            s.set_period(period);
        }
    }

    /// Advance the show by one tick: swap in a reloaded scene if one is ready, deliver input
    /// events through the mappings, advance the parameters, composite the canvas once, and hand
    /// it to every output.
    pub fn tick(&mut self) -> Result<FrameTime, AppError> {
        self.poll_reload();
        let t = self.clock.tick();
        if let Some(s) = &mut self.scheduler {
            let queue = self.inputs.command_queue();
            s.poll(t.time, &mut |command, why| {
                tracing::info!("{why}");
                queue.push(InputEvent { t: t.time, input: Arc::from("schedule"), kind: EventKind::Command(command) });
            });
        }
        // Owned (no allocation on a tick without triggers): the scripts' calls below need the inputs again.
        let mut fired: Vec<String> =
            self.inputs.step(t.time, &mut self.params, &mut self.issued).into_iter().map(String::from).collect();
        let from_inputs: Vec<&str> = fired.iter().map(String::as_str).collect();
        // Scripts run after the inputs (they read this tick's values) and before the cues (their
        // commands apply in this tick).
        if let Some(s) = &mut self.scripts {
            s.tick(t.time, t.delta, &from_inputs, self.inputs.watched(), &mut self.params, &mut self.issued);
            // Triggers the scripts fired: as if their inputs had (their `do`, their sounds).
            for (name, by) in s.take_fired() {
                if self.inputs.fire(&name, t.time, by, &mut self.issued) {
                    fired.push(name);
                }
            }
            // Input values met for the first time: read from the next events on.
            for w in s.take_requests() {
                let i = self.inputs.watch(&w);
                s.watching(w.text, i);
            }
        }
        let fired: Vec<&str> = fired.iter().map(String::as_str).collect();
        for name in &fired {
            tracing::info!("trigger `{name}` fired at {:.3} s (frame {})", t.time, t.frame);
        }
        let scene = self.compositor.scene();
        self.control.step(t.time, &mut self.issued, scene, &mut self.params);
        if let Some(s) = &mut self.scripts
            && !self.control.started_cues().is_empty()
        {
            // Their commands apply at the next tick.
            s.cued(t.time, self.control.started_cues(), &mut self.params, &mut self.issued);
        }
        let audio = match &mut self.audio {
            Some(a) => a.step(t, &fired, self.control.cued(), &mut self.params)?,
            None => [0.0; 4],
        };
        self.params.advance(t.delta as f32);
        if let Some(saver) = &mut self.saver {
            let (scene, params, control) = (self.compositor.scene(), &self.params, &self.control);
            let wall = self.wall.unwrap_or(WallClock::System);
            saver.offer(
                Instant::now(),
                || SavedState::capture(scene, params, control),
                || wall.now(t.time).to_string(),
            );
        }
        let mut encoder =
            self.gpu.device.create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some("quai tick") });
        if self.control.asleep() {
            // Standby: black, and no layer is drawn.
            let black = wgpu::LoadOp::Clear(wgpu::Color::BLACK);
            drop(crate::render::pipelines::color_pass(&mut encoder, "standby", &self.canvas.view, black));
        } else {
            self.compositor.prepare(
                &self.gpu.queue,
                &FrameInput {
                    time: t.time,
                    delta: t.delta,
                    frame: t.frame,
                    params: self.params.values(),
                    audio,
                    opacity: self.control.opacity(),
                },
            );
            self.compositor.draw(&mut encoder, &self.canvas.view);
        }
        self.last = t;
        let mut outputs = std::mem::take(&mut self.outputs);
        let frame = self.frame();
        for o in &mut outputs {
            o.encode(&frame, &mut encoder);
        }
        self.gpu.queue.submit([encoder.finish()]);
        let submitted = outputs.iter_mut().try_for_each(|o| o.submitted(&frame));
        self.outputs = outputs;
        submitted?;
        let now = Instant::now();
        if let Some(stats) = &mut self.stats
            && !self.control.asleep()
        {
            if let Some(prev) = self.last_tick {
                stats.record(now - prev);
                if let Some(p) = &mut self.publisher {
                    p.frame(now - prev);
                }
            }
            self.last_tick = Some(now);
            stats.report(now, &self.gpu_name);
        }
        if self.publisher.as_ref().is_some_and(|p| p.due(now)) {
            let status = self.status();
            if let Some(p) = &mut self.publisher {
                p.publish(now, status);
            }
        }
        if self.control.asleep() {
            // Standby ticks slowly on purpose: not frames to count.
            self.last_tick = None;
            self.standby_ticks += 1;
        }
        Ok(t)
    }

    /// Whether the show is black and silent in standby (a live loop may tick slowly then).
    pub fn asleep(&self) -> bool {
        self.control.asleep()
    }

    /// The running schedule, if any.
    pub fn scheduler(&self) -> Option<&Scheduler> {
        self.scheduler.as_ref()
    }

    /// A reload may add, change or remove the schedule; the show's standby carries on, and an
    /// added or changed schedule takes over from the next tick (closing the show if it says so).
    fn rebind_schedule(&mut self, scene: &Scene) {
        match (&scene.schedule, self.wall, &mut self.scheduler) {
            (Some(s), Some(_), Some(running)) => running.rebind(s.clone(), !self.control.asleep()),
            (Some(s), Some(wall), None) => {
                let (mut running, _) = Scheduler::new(s.clone(), wall, self.last.time);
                running.rebind(s.clone(), !self.control.asleep());
                self.scheduler = Some(running);
            }
            (None, _, Some(_)) => {
                tracing::info!("the scene has no [schedule] any more: the show stays as it is (`wake` / `standby`)");
                self.scheduler = None;
            }
            _ => {}
        }
    }

    /// What the outputs see of the latest tick.
    fn frame(&self) -> Frame<'_> {
        Frame {
            time: self.last,
            gpu: &self.gpu,
            canvas: &self.canvas,
            scene: self.compositor.scene(),
            reload_error: self.reload_error.as_ref().or_else(|| self.scripts.as_ref().and_then(|s| s.error())),
        }
    }

    /// Stop: every output finishes (the canvas still holds the last tick's picture). All of them
    /// are finished even when one fails; the first error is returned.
    pub fn finish(&mut self) -> Result<(), AppError> {
        if let Some(mut saver) = self.saver.take() {
            let stamp = self.wall.unwrap_or(WallClock::System).now(self.last.time).to_string();
            saver.finish(SavedState::capture(self.compositor.scene(), &self.params, &self.control), stamp);
        }
        self.gpu.wait();
        if let Some(audio) = self.audio.take() {
            // An offline bounce ends where the last frame ends: frames × 1/fps.
            let end = match self.clock {
                crate::show::Clock::Fixed { fps, frame } => frame as f64 / fps,
                crate::show::Clock::Live { .. } => self.last.time,
            };
            audio.finish(end)?;
        }
        let mut outputs = std::mem::take(&mut self.outputs);
        let frame = self.frame();
        let mut first = None;
        for o in &mut outputs {
            if let Err(e) = o.finish(&frame) {
                tracing::error!("{}: {e}", o.name());
                first.get_or_insert(e);
            }
        }
        first.map_or(Ok(()), Err)
    }

    /// The canvas as it is now (after a tick), read back to the CPU: for tests, examples and
    /// benches. Waits for the GPU.
    pub fn read_canvas(&self) -> Result<image::RgbaImage, AppError> {
        let mut encoder =
            self.gpu.device.create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some("quai canvas read") });
        self.canvas.copy_out(&mut encoder);
        self.gpu.queue.submit([encoder.finish()]);
        crate::output::frames::read_image(&self.frame())
    }

    /// Swap in a reloaded scene if one is ready (between ticks). Returns true on a swap.
    fn poll_reload(&mut self) -> bool {
        let Some(w) = &self.watcher else { return false };
        let mut swapped = false;
        while let Ok(update) = w.updates.try_recv() {
            match update {
                Update::Ready { value, took } => {
                    let scene = value.scene().clone();
                    self.params = self.params.rebind(&scene.params, scene.priorities);
                    self.control = self.control.rebind(self.compositor.scene(), &scene);
                    if let Some(audio) = &mut self.audio
                        && let Err(e) = audio.reload(&scene)
                    {
                        tracing::error!("sound reload: {e}; the sounds that were playing go on");
                    }
                    let hub = std::mem::replace(&mut self.inputs, InputHub::idle(&scene));
                    self.inputs = hub.reload(&scene, self.origin);
                    if value.size() != self.canvas.size {
                        self.canvas = Canvas::new(&self.gpu, value.size());
                    }
                    self.compositor = value;
                    if let (Some(stats), None) = (&mut self.stats, self.display_period) {
                        stats.set_period(1.0 / scene.fps);
                    }
                    self.reloads += 1;
                    self.reload_error = None;
                    swapped = true;
                    tracing::info!(
                        "scene reloaded in {} ms: {} ({} layers, {} parameters)",
                        took.as_millis(),
                        scene.path.display(),
                        scene.layers.len(),
                        scene.params.len()
                    );
                }
                Update::Failed(msg) => {
                    tracing::error!("scene reload failed; the last good scene keeps running:\n{msg}");
                    self.reload_error = Some(msg.into());
                }
            }
        }
        if swapped {
            let scene = self.compositor.scene().clone();
            self.rebind_schedule(&scene);
            match (&mut self.scripts, scene.scripts.is_empty()) {
                (_, true) => self.scripts = None,
                (Some(h), false) => h.rebind(&scene),
                (None, false) => self.scripts = crate::script::ScriptHost::new(&scene, self.seed),
            }
            let mut outputs = std::mem::take(&mut self.outputs);
            let frame = self.frame();
            outputs.iter_mut().for_each(|o| o.scene_changed(&frame));
            self.outputs = outputs;
        }
        swapped
    }
}

impl Drop for Show {
    /// Outputs that were not finished (an error ended the run) still get to stop cleanly.
    fn drop(&mut self) {
        if !self.outputs.is_empty() {
            let _ = self.finish();
        }
    }
}

/// Reads the state file (unless `--fresh`) into `params` and `control`, and starts the saver.
/// Returns it and when the state was saved.
fn restore(
    st: &StateOptions,
    scene: &Scene,
    params: &mut ParamStore,
    control: &mut Control,
) -> (Option<StateSaver>, Option<jiff::Timestamp>) {
    let shown = st.path.display();
    let loaded = if st.fresh {
        tracing::info!("--fresh: starting from the scene's defaults; the state in {shown} will be replaced");
        None
    } else {
        match super::state::load(&st.path, &scene.path) {
            Ok(Some(s)) => {
                let r = s.apply(scene, params, control);
                tracing::info!("restored from {shown} (saved {}): {r}", s.saved_at);
                Some(s)
            }
            Ok(None) => {
                tracing::info!("no saved state in {shown} yet: starting from the scene's defaults");
                None
            }
            Err(e) => {
                tracing::warn!("state: {e}; starting from the scene's defaults");
                None
            }
        }
    };
    let saved_at = loaded.as_ref().and_then(|s| s.saved_at.parse().ok());
    (Some(StateSaver::start(st.path.clone(), loaded)), saved_at)
}

/// The schedule at start: closed → standby at once (no fade); open → as restored when the state
/// was saved during this opening, else as at opening (a `wake` at the first tick).
fn start_schedule(
    schedule: Arc<super::schedule::Schedule>,
    wall: WallClock,
    saved_at: Option<jiff::Timestamp>,
    control: &mut Control,
) -> Scheduler {
    let (mut s, at) = Scheduler::new(schedule.clone(), wall, 0.0);
    let zone = &schedule.zone_name;
    match at {
        AtStart::Closed(next) => {
            control.sleep_now();
            let next = next.map_or("not within a year".to_string(), |t| format!("opens {}", schedule.describe(t)));
            tracing::info!(
                "schedule ({zone}): closed now, {next}; standby (black, silent) until then, or until a `wake` \
                 (/quai/wake, or a key bound to it)"
            );
        }
        AtStart::Open(p) => {
            let current = saved_at.is_some_and(|t| t >= p.open) && !control.asleep();
            tracing::info!(
                "schedule ({zone}): open since {} until {}{}",
                schedule.describe(p.open),
                schedule.describe(p.close),
                if current { "; going on from the restored state" } else { "; starting as at opening" }
            );
            if !current {
                // Asleep now, so the first tick's poll opens the show: `wake` and `opening`.
                control.sleep_now();
                s.rebind(schedule, false);
            }
        }
    }
    s
}

/// The hot-reload watcher; its loader thread keeps the GPU cache, so an edit rebuilds only the
/// pipelines it changed.
fn spawn_watcher(
    gpu: &Gpu,
    files: Arc<dyn Files>,
    scene: &Arc<Scene>,
    mut cache: GpuCache,
) -> Option<SceneWatcher<Compositor>> {
    let loader_gpu = gpu.clone();
    let spawned = SceneWatcher::spawn(files, scene, move |s: Scene| {
        let canvas = s.canvas;
        let built = Compositor::new(&loader_gpu, Arc::new(s), canvas, &mut cache).map_err(|e| e.to_string());
        if built.is_ok() {
            cache.keep_only_used();
        }
        built
    });
    match spawned {
        Ok(w) => Some(w),
        Err(e) => {
            tracing::warn!("hot reload is off: cannot watch {}: {e}", scene.path.display());
            None
        }
    }
}

/// Load a scene on a helper thread while the GPU adapter is being requested: the two are the bulk
/// of start-up and do not depend on each other.
pub fn load_and_open_gpu(
    files: Arc<dyn Files>,
    path: &std::path::Path,
    open: impl FnOnce() -> Result<Gpu, AppError>,
) -> Result<(Scene, Gpu), AppError> {
    let path = path.to_path_buf();
    let loader = std::thread::spawn(move || crate::scene::load_from(files.as_ref(), &path));
    let gpu = open();
    let scene = loader.join().map_err(|p| AppError::Bug(format!("the scene loader crashed: {}", panic_text(&p))))??;
    Ok((scene, gpu?))
}
