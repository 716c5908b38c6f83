//! Projector outputs: every `[[outputs]]` window of the scene as one output of the show loop. Each
//! tick the canvas is copied once into a shared mip chain (mips.rs), then every output draws its
//! slice through its own warp, blend and mask (pass.rs) into its target: a window's surface, or
//! an offscreen texture read back for `quai render --outputs` and snapshots. All targets are drawn
//! in the tick's one command buffer and presented after its one submit, so every window shows the
//! same tick.
//!
//! Windows come and go (a monitor unplugged, a window closed): the event loop owns them and hands
//! them in and out through [`Command`]s; an output without a target is skipped, the show goes on.
//! Calibration (calibrate.rs: one output's state; control.rs: the moves and saving) is driven
//! through the same commands: the keyboard, the mouse and OSC all end up as a [`CalOp`].

pub mod calibrate;
mod control;
pub mod mips;
pub mod pass;
pub mod warp;

use std::path::PathBuf;
use std::sync::mpsc::{Receiver, Sender};
use std::sync::{Arc, Mutex};

use image::RgbaImage;
use winit::window::Window;

use super::frames::write_snapshot;
use super::{Frame, Output};
use crate::app::AppError;
use crate::render::present::Presenter;
use crate::render::{CANVAS_FORMAT, Canvas, Gpu, overlay};
use crate::scene::projection::ProjectorOutput;
use crate::show::FrameTime;
use calibrate::Calibration;
pub use control::CalOp;
use control::{Calibrating, calibration_help, same_warp};
use mips::CanvasMips;
use pass::{Look, WarpPass};

/// Where an offline run's output frames go: (output name, tick, picture). An error stops the run.
pub type OutputSink = Box<dyn FnMut(&str, FrameTime, RgbaImage) -> Result<(), AppError>>;

/// Frames presented per output name (read by the event loop for its log, and by tests).
pub type Presented = Arc<Mutex<Vec<(String, u64)>>>;

/// What the event loop tells the projector outputs, applied at the start of the next tick.
pub enum Command {
    /// Show output `name` in this window from the next tick on.
    Attach {
        name: String,
        window: Arc<Window>,
        presenter: Box<Presenter>,
    },
    /// Stop drawing output `name` into a window (it was closed, or its monitor is gone).
    Detach {
        name: String,
    },
    /// Output `name`'s window has this inner size now (winit's `Resized`). The size is not asked
    /// of the window system at every tick: a window destroyed from outside (a window manager,
    /// `xdotool windowclose`) made that query fail inside winit, which panicked.
    Resize {
        name: String,
        size: [u32; 2],
    },
    Calibrate(CalOp),
}

enum Target {
    /// No window (yet, or any more).
    None,
    Window {
        window: Arc<Window>,
        presenter: Box<Presenter>,
        pending: Option<wgpu::SurfaceTexture>,
        /// The reload error the panel shows now (redrawn only on a change).
        overlay_shown: Option<Arc<str>>,
        /// The window's inner size, as the event loop last reported it.
        size: [u32; 2],
    },
    Offscreen(Canvas),
}

struct View {
    def: ProjectorOutput,
    pass: WarpPass,
    target: Target,
    /// This tick was drawn offscreen and copied for reading.
    copied: bool,
}

/// When offscreen outputs are drawn and read back.
pub enum Readback {
    /// Never (windows only).
    None,
    /// Every tick, to a sink (`quai render --outputs`).
    Every(OutputSink),
    /// Drawn every tick, never read (benchmarks: the cost of the passes alone).
    Discard,
    /// On the first tick, after every reload and at the stop, to `BASE.NAME.png` beside the
    /// canvas snapshot (`quai run --headless --snapshot`).
    Snapshot { base: PathBuf, due: bool },
}

pub struct Projectors {
    mips: Option<CanvasMips>,
    views: Vec<View>,
    commands: Receiver<Command>,
    readback: Readback,
    calibrating: Option<Calibrating>,
    /// Keep reload errors off the picture (they still go to the log).
    no_overlay: bool,
    presented: Presented,
    /// Draw outputs without a window offscreen (headless runs).
    offscreen: bool,
}

impl Projectors {
    /// The projector outputs of `outputs`. `offscreen`: every output draws into a texture (headless
    /// and offline runs); else only those marked `headless`, the others wait for a window.
    pub fn new(gpu: &Gpu, outputs: &[ProjectorOutput], offscreen: bool, readback: Readback) -> (Self, Sender<Command>) {
        let (tx, commands) = std::sync::mpsc::channel();
        let views = outputs.iter().map(|o| View::new(gpu, o.clone(), offscreen)).collect();
        let presented = Arc::new(Mutex::new(outputs.iter().map(|o| (o.name.clone(), 0)).collect()));
        let p = Projectors {
            mips: None,
            views,
            commands,
            readback,
            calibrating: None,
            no_overlay: false,
            presented,
            offscreen,
        };
        (p, tx)
    }

    pub fn hide_reload_errors(&mut self) {
        self.no_overlay = true;
    }

    /// Show test patterns and handles, and take calibration moves.
    pub fn calibrate(&mut self) {
        let cals = self.views.iter().map(|v| Calibration::new(&v.def)).collect();
        self.calibrating = Some(Calibrating { pattern: true, focus: 0, cals, dragging: None });
        tracing::info!("{}", calibration_help(&self.views));
    }

    /// Frames presented so far, per output.
    pub fn presented(&self) -> Presented {
        self.presented.clone()
    }

    fn apply(&mut self, gpu: &Gpu, command: Command) {
        match command {
            Command::Attach { name, window, presenter } => {
                if let Some(v) = self.views.iter_mut().find(|v| v.def.name == name) {
                    if v.pass.format() != presenter.view_format() {
                        v.pass = WarpPass::new(gpu, presenter.view_format());
                    }
                    let size = presenter.size();
                    v.target = Target::Window { window, presenter, pending: None, overlay_shown: None, size };
                    tracing::info!("output `{name}`: showing in its window");
                }
            }
            Command::Detach { name } => {
                if let Some(v) = self.views.iter_mut().find(|v| v.def.name == name) {
                    v.target = if self.offscreen || v.def.headless {
                        Target::Offscreen(Canvas::new(gpu, v.def.size))
                    } else {
                        Target::None
                    };
                }
            }
            Command::Resize { name, size } => {
                if let Some(Target::Window { size: s, .. }) =
                    self.views.iter_mut().find(|v| v.def.name == name).map(|v| &mut v.target)
                {
                    *s = size;
                }
            }
            Command::Calibrate(op) => self.calibrate_op(op),
        }
    }

    /// The scene's outputs after a reload: geometry applies live; what needs a window of its own
    /// (monitor, fullscreen, new outputs) applies at the next start.
    fn resync(&mut self, gpu: &Gpu, outputs: &[ProjectorOutput]) {
        let mut views = Vec::with_capacity(outputs.len());
        let mut old = std::mem::take(&mut self.views);
        for def in outputs {
            match old.iter().position(|v| v.def.name == def.name) {
                Some(i) => {
                    let mut v = old.remove(i);
                    if (&v.def.monitor, v.def.fullscreen, v.def.headless)
                        != (&def.monitor, def.fullscreen, def.headless)
                    {
                        tracing::warn!(
                            "output `{}`: monitor, fullscreen and headless changes apply when quai is restarted",
                            def.name
                        );
                    }
                    if let Target::Offscreen(c) = &v.target
                        && c.size != def.size
                    {
                        v.target = Target::Offscreen(Canvas::new(gpu, def.size));
                    }
                    v.def = def.clone();
                    views.push(v);
                }
                None => {
                    let v = View::new(gpu, def.clone(), self.offscreen);
                    if matches!(v.target, Target::None) {
                        tracing::warn!("output `{}` is new: its window opens when quai is restarted", def.name);
                    }
                    views.push(v);
                }
            }
        }
        for v in old {
            tracing::warn!(
                "output `{}` was removed from the scene: its window stays black until quai is restarted",
                v.def.name
            );
        }
        if let Some(c) = &mut self.calibrating {
            let mut cals = Vec::with_capacity(views.len());
            for v in &views {
                let kept = c.cals.iter().position(|cal| cal.output() == v.def.name).map(|i| c.cals.remove(i));
                cals.push(match kept {
                    // Unsaved moves survive a reload of some other file, and so does a saved
                    // calibration (with its undo history) when the file holds what it saved; a
                    // file edited by hand since wins.
                    Some(cal) if cal.is_dirty() || same_warp(&v.def, cal.warp()) => cal,
                    _ => Calibration::new(&v.def),
                });
            }
            c.cals = cals;
            c.dragging = None;
        }
        self.views = views;
        *self.presented.lock().unwrap_or_else(|e| e.into_inner()) =
            self.views.iter().map(|v| (v.def.name.clone(), 0)).collect();
    }
}

impl View {
    fn new(gpu: &Gpu, def: ProjectorOutput, offscreen: bool) -> Self {
        let target =
            if offscreen || def.headless { Target::Offscreen(Canvas::new(gpu, def.size)) } else { Target::None };
        View { pass: WarpPass::new(gpu, CANVAS_FORMAT), def, target, copied: false }
    }

    fn target_size(&self) -> [u32; 2] {
        match &self.target {
            Target::None => self.def.size,
            Target::Window { size, .. } => *size,
            Target::Offscreen(c) => c.size,
        }
    }
}

impl Output for Projectors {
    fn name(&self) -> String {
        let names: Vec<&str> = self.views.iter().map(|v| v.def.name.as_str()).collect();
        format!("projector outputs {}", names.join(", "))
    }

    fn status(&self, out: &mut Vec<crate::console::status::OutputStatus>) {
        for v in &self.views {
            let state = if self.offscreen { "offscreen (headless)" } else { "window" };
            out.push(crate::console::status::OutputStatus {
                name: v.def.name.clone(),
                kind: "projector",
                state: state.into(),
                sent: None,
                rate: None,
                failing: false,
            });
        }
    }

    fn scene_changed(&mut self, frame: &Frame<'_>) {
        let outputs = frame.scene.window_outputs();
        self.resync(frame.gpu, &outputs);
        if let Readback::Snapshot { due, .. } = &mut self.readback {
            *due = true;
        }
    }

    fn encode(&mut self, frame: &Frame<'_>, encoder: &mut wgpu::CommandEncoder) {
        while let Ok(command) = self.commands.try_recv() {
            self.apply(frame.gpu, command);
        }
        let read = match &self.readback {
            Readback::None => false,
            Readback::Every(_) | Readback::Discard => true,
            Readback::Snapshot { due, .. } => *due,
        };
        let drawn = |v: &View| match v.target {
            Target::None => false,
            Target::Window { .. } => true,
            Target::Offscreen(_) => read,
        };
        if !self.views.iter().any(drawn) {
            return;
        }
        let mips = match &mut self.mips {
            Some(m) => m,
            None => self.mips.insert(CanvasMips::new(frame.gpu, frame.canvas)),
        };
        mips.update(frame.gpu, frame.canvas, encoder);
        let error = frame.reload_error.filter(|_| !self.no_overlay);
        for (i, v) in self.views.iter_mut().enumerate() {
            v.copied = false;
            if !drawn(v) {
                continue;
            }
            let target = v.target_size();
            if target[0] == 0 || target[1] == 0 {
                continue; // minimised
            }
            let (warp, pattern, handles) = match &self.calibrating {
                Some(c) if i < c.cals.len() => {
                    let cal = &c.cals[i];
                    let handles: Vec<([f64; 2], bool)> = if i == c.focus {
                        let (sx, sy) =
                            (target[0] as f64 / v.def.size[0] as f64, target[1] as f64 / v.def.size[1] as f64);
                        cal.handles()
                            .into_iter()
                            .map(|(h, [x, y])| ([x * sx, y * sy], cal.selected() == Some(h)))
                            .collect()
                    } else {
                        Vec::new()
                    };
                    (cal.warp(), c.pattern, handles)
                }
                // Borrowed, not cloned: a tick copies no warp (a mesh is up to 1024 points).
                _ => (&v.def.warp, false, Vec::new()),
            };
            let look = Look { warp, pattern, handles: &handles, canvas: frame.scene.canvas };
            v.pass.prepare(frame.gpu, &v.def, &look, target);
            match &mut v.target {
                Target::None => {}
                Target::Window { presenter, pending, overlay_shown, .. } => {
                    if target != presenter.size() {
                        presenter.resize(frame.gpu, target);
                    }
                    if error.map(Arc::as_ptr) != overlay_shown.as_ref().map(Arc::as_ptr) {
                        let panel = error.map(|e| overlay::rasterize(&overlay::reload_failed(e)));
                        presenter.set_overlay(frame.gpu, panel.as_ref());
                        *overlay_shown = error.cloned();
                    }
                    if let Some((texture, view)) = presenter.acquire(frame.gpu) {
                        v.pass.draw(frame.gpu, mips, encoder, &view);
                        presenter.draw_overlay(encoder, &view);
                        *pending = Some(texture);
                    }
                }
                Target::Offscreen(canvas) => {
                    v.pass.draw(frame.gpu, mips, encoder, &canvas.view);
                    if !matches!(self.readback, Readback::Discard) {
                        canvas.copy_out(encoder);
                        v.copied = true;
                    }
                }
            }
        }
    }

    fn submitted(&mut self, frame: &Frame<'_>) -> Result<(), AppError> {
        let mut presented = self.presented.lock().unwrap_or_else(|e| e.into_inner());
        for (i, v) in self.views.iter_mut().enumerate() {
            if let Target::Window { window, pending, .. } = &mut v.target
                && let Some(texture) = pending.take()
            {
                window.pre_present_notify();
                frame.gpu.queue.present(texture);
                if let Some(slot) = presented.get_mut(i) {
                    slot.1 += 1;
                }
            }
        }
        drop(presented);
        for v in &mut self.views {
            let Target::Offscreen(canvas) = &v.target else { continue };
            if !std::mem::take(&mut v.copied) {
                continue;
            }
            let rgba = canvas.read(frame.gpu)?;
            let [w, h] = canvas.size;
            let img = RgbaImage::from_raw(w, h, rgba).ok_or_else(|| AppError::Encode {
                frame: frame.time.frame,
                reason: format!("output `{}`: frame has the wrong size", v.def.name),
            })?;
            match &mut self.readback {
                Readback::None | Readback::Discard => {}
                Readback::Every(sink) => sink(&v.def.name, frame.time, img)?,
                Readback::Snapshot { base, .. } => write_snapshot(&snapshot_path(base, &v.def.name), &img),
            }
        }
        if let Readback::Snapshot { due, .. } = &mut self.readback {
            *due = false;
        }
        Ok(())
    }

    fn finish(&mut self, frame: &Frame<'_>) -> Result<(), AppError> {
        if let Readback::Snapshot { due, .. } = &mut self.readback {
            // The stop's picture: one more pass over the last canvas.
            *due = true;
            let mut encoder = frame
                .gpu
                .device
                .create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some("quai output snapshots") });
            self.encode(frame, &mut encoder);
            frame.gpu.queue.submit([encoder.finish()]);
            self.submitted(frame)?;
        }
        if let Some(c) = &self.calibrating
            && let Some(cal) = c.cals.iter().find(|c| c.is_dirty())
        {
            tracing::warn!(
                "calibration of `{}` was not saved (press S in calibration to write it into the layout file)",
                cal.output()
            );
        }
        for (name, n) in self.presented.lock().unwrap_or_else(|e| e.into_inner()).iter() {
            if *n > 0 {
                tracing::info!("output `{name}`: {n} frames presented");
            }
        }
        Ok(())
    }
}

/// `snapshot.png` + `left` → `snapshot.left.png`.
pub fn snapshot_path(base: &std::path::Path, output: &str) -> PathBuf {
    let stem = base.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "snapshot".into());
    base.with_file_name(format!("{stem}.{output}.png"))
}
