//! `quai run` with a display: the show ticks at the display rate, and each of the scene's window
//! outputs (projectors) is a winit window on its monitor, fullscreen or windowed. The windows are
//! targets of the one projector output (output/projector/): one tick draws and presents all of
//! them. Monitors are looked for again every second: an output whose monitor is missing waits
//! for it or falls back to the primary (`missing`), and moves back when it returns. Esc quits;
//! closing one window of several only closes that output. With `--calibrate`, keys and the mouse
//! move the warp's handles (see [`calibration_key`]).

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;
use std::time::{Duration, Instant};

use winit::application::ApplicationHandler;
use winit::event::{ElementState, KeyEvent, MouseButton, WindowEvent};
use winit::event_loop::{ActiveEventLoop, ControlFlow, EventLoop};
use winit::keyboard::{Key, ModifiersState, NamedKey};
use winit::window::{Fullscreen, Window, WindowId};

use super::AppError;
use super::live::live_show;
use super::monitors::{Monitors, Screen};
use crate::output::projector::{CalOp, Command, Presented, Projectors, Readback};
use crate::render::Gpu;
use crate::render::present::Presenter;
use crate::scene::projection::{MissingMonitor, ProjectorOutput};
use crate::scene::{Files, Monitor, Scene};
use crate::show::{FrameStats, Show};

/// winit's error, without the source-file location it carries in debug builds.
fn display_name(e: &winit::error::EventLoopError) -> String {
    let s = e.to_string();
    match s.split_once(" at ") {
        Some((head, _)) if s.contains(".rs:") => head.to_string(),
        _ => s,
    }
}

/// Whether this process can reach a display server at all.
pub fn display_available() -> bool {
    if cfg!(target_os = "linux") {
        std::env::var_os("DISPLAY").is_some_and(|v| !v.is_empty())
            || std::env::var_os("WAYLAND_DISPLAY").is_some_and(|v| !v.is_empty())
    } else {
        true
    }
}

#[derive(Debug, Clone, Default)]
pub struct WindowOptions {
    /// Quit after this long (tests, timed shows); default: until Esc / close / signal.
    pub duration: Option<Duration>,
    /// Record every input event to this log.
    pub record: Option<std::path::PathBuf>,
    /// Keep reload errors off the picture (they still go to the log).
    pub no_overlay: bool,
    /// Calibration mode: test patterns and handles on every output.
    pub calibrate: bool,
    /// With `calibrate`: also take calibration moves as OSC on this address.
    pub calibrate_osc: Option<std::net::SocketAddr>,
    /// Write the canvas to this PNG after every reload and on exit, as `--headless --snapshot` does.
    pub snapshot: Option<std::path::PathBuf>,
    pub day: super::live::DayOptions,
}

/// How often the monitors are looked for again (hot-plugged projectors).
const MONITOR_POLL: Duration = Duration::from_secs(1);

/// An output's window, and the monitor it is on.
struct Win {
    output: usize,
    window: Arc<Window>,
    /// The monitor's name it opened on (or moved to).
    on: Option<String>,
    /// It is on its own monitor (not on the primary as a fallback).
    wanted: bool,
}

struct App {
    files: Arc<dyn Files>,
    monitors: Monitors,
    /// "quai — SHOW NAME": window titles (with the output's name when there are several).
    title: String,
    scene: Option<Scene>,
    opts: WindowOptions,
    stop: Arc<AtomicBool>,
    started: Instant,
    show: Option<Show>,
    control: Option<Sender<Command>>,
    instance: Option<wgpu::Instance>,
    /// The window outputs (the scene's at start; one for the whole canvas when it has none).
    outputs: Vec<ProjectorOutput>,
    windows: Vec<Win>,
    /// Outputs waiting for their monitor.
    waiting: Vec<usize>,
    last_poll: Instant,
    /// When the next tick is due while no window paces the show.
    next_tick: Instant,
    presented: Option<Presented>,
    /// The calibration OSC listener (`--calibrate-osc`), stopped on drop.
    osc: Option<super::calibrate_osc::CalibrationOsc>,
    modifiers: ModifiersState,
    cursor: Option<(WindowId, [f64; 2])>,
    mouse_down: bool,
    stats: Option<FrameStats>,
    error: Option<AppError>,
    /// systemd's notify protocol: READY after the first tick, WATCHDOG from the ticks.
    notifier: super::notify::Notifier,
    /// What ended the show, for the stop log and systemd.
    why: &'static str,
    /// A window manager runs (else quai places fullscreen windows itself).
    window_manager: bool,
    /// The display's refresh period, when the monitor says it.
    refresh: Option<Duration>,
    pace: Pace,
}

/// Frame pacing when presenting does not wait for the display (no compositor, a presentation
/// engine that never blocks): after [`Pace::UNPACED`] frames in a row clearly faster than the
/// period, quai paces the redraws itself, by deadline, at the display's rate (or, when the display
/// does not say it, the scene's fps).
#[derive(Debug, Default)]
struct Pace {
    last: Option<Instant>,
    short: u32,
    own: bool,
    deadline: Option<Instant>,
    /// When the next redraw is due (self-paced).
    redraw_at: Option<Instant>,
}

impl Pace {
    const UNPACED: u32 = 30;

    /// A frame was presented at `now`: `None` to draw the next at once (presenting paces us),
    /// or when to draw it.
    fn after_frame(&mut self, now: Instant, period: Duration) -> Option<Instant> {
        if !self.own {
            if let Some(prev) = self.last {
                self.short = if now.duration_since(prev) < period.mul_f64(0.9) { self.short + 1 } else { 0 };
            }
            self.last = Some(now);
            if self.short < Self::UNPACED {
                return None;
            }
            self.own = true;
            tracing::info!(
                "presenting does not wait for the display here (no compositor or vsync): quai paces the frames \
                 itself at {:.1} Hz",
                1.0 / period.as_secs_f64()
            );
        }
        // The next deadline, never in the past: a late frame does not bring a burst to catch up.
        let next = self.deadline.map_or(now, |d| d + period).max(now);
        self.deadline = Some(next);
        Some(next)
    }
}

pub fn run_window(
    files: Arc<dyn Files>,
    scene: Scene,
    opts: WindowOptions,
    stop: Arc<AtomicBool>,
) -> Result<FrameStats, AppError> {
    if !display_available() {
        return Err(AppError::no_display());
    }
    let event_loop = EventLoop::new()
        .map_err(|e| AppError::NoDisplay(format!("the display server is unreachable ({})", display_name(&e))))?;
    event_loop.set_control_flow(ControlFlow::Poll);
    let title = format!("quai — {}", scene.name);
    let outputs: Vec<ProjectorOutput> = scene.window_outputs().into_iter().filter(|o| !o.headless).collect();
    let now = Instant::now();
    let monitors = Monitors::new();
    let window_manager = monitors.window_manager();
    if !window_manager {
        tracing::info!(
            "no window manager on this display: quai places its windows itself (fullscreen covers the monitor)"
        );
    }
    let mut app = App {
        files,
        monitors,
        title,
        scene: Some(scene),
        opts,
        stop,
        started: now,
        show: None,
        control: None,
        instance: None,
        outputs,
        windows: Vec::new(),
        waiting: Vec::new(),
        last_poll: now,
        next_tick: now,
        presented: None,
        osc: None,
        modifiers: ModifiersState::empty(),
        cursor: None,
        mouse_down: false,
        stats: None,
        error: None,
        notifier: super::notify::Notifier::from_env(),
        why: "the event loop ended",
        window_manager,
        refresh: None,
        pace: Pace::default(),
    };
    event_loop.run_app(&mut app).map_err(|e| AppError::NoDisplay(format!("the event loop failed ({e})")))?;
    app.windows.clear();
    if let Some(mut show) = app.show.take() {
        let finished = show.finish();
        app.stats = show.stats().cloned();
        app.error = app.error.or(finished.err());
    }
    if let Some(e) = app.error {
        app.notifier.stopping(&format!("stopped by an error: {e}"));
        return Err(e);
    }
    let stats = app.stats.unwrap_or_else(|| FrameStats::new(1.0 / 60.0));
    let presented = app
        .presented
        .map_or(0, |p| p.lock().unwrap_or_else(|e| e.into_inner()).iter().map(|(_, n)| *n).max().unwrap_or(0));
    tracing::info!("stopped after {presented} presented frames ({}): {stats}", app.why);
    app.notifier.stopping(app.why);
    Ok(stats)
}

/// The primary monitor (the first, when the server names none).
fn primary(monitors: &[Screen]) -> Option<Screen> {
    monitors.iter().find(|m| m.primary).or(monitors.first()).cloned()
}

fn describe(want: &Monitor) -> String {
    match want {
        Monitor::Index(i) => format!("number {i}"),
        Monitor::Name(n) => format!("\"{n}\""),
    }
}

fn available(monitors: &[Screen]) -> String {
    let names: Vec<String> = monitors.iter().enumerate().map(|(i, m)| format!("{i}: {}", m.name)).collect();
    if names.is_empty() { "none".into() } else { names.join(", ") }
}

/// The monitor an output asks for, if it is connected.
fn find_monitor(monitors: &[Screen], want: &Monitor) -> Option<Screen> {
    match want {
        Monitor::Index(i) => monitors.get(*i).cloned(),
        Monitor::Name(n) => {
            let n = n.to_lowercase();
            monitors.iter().find(|m| m.name.to_lowercase().contains(&n)).cloned()
        }
    }
}

impl App {
    fn open(&mut self, el: &ActiveEventLoop) -> Result<(), AppError> {
        let Some(scene) = self.scene.take() else { return Ok(()) };
        let instance = wgpu::Instance::new(wgpu::InstanceDescriptor::new_with_display_handle_from_env(Box::new(
            el.owned_display_handle(),
        )));
        let monitors = self.monitors.list(el);
        // Each output's window (or its wait), before the GPU: the first surface picks the adapter.
        let mut opened: Vec<(Win, wgpu::Surface<'static>)> = Vec::new();
        for i in 0..self.outputs.len() {
            match self.place(el, &monitors, i, true)? {
                Some(win) => {
                    let surface = instance
                        .create_surface(win.window.clone())
                        .map_err(|e| crate::render::RenderError::Surface(e.to_string()))?;
                    opened.push((win, surface));
                }
                None => self.waiting.push(i),
            }
        }
        let gpu = Gpu::with_instance(instance.clone(), opened.first().map(|(_, s)| s))?;
        tracing::info!("playing {} in a window on {}", scene.name, gpu.describe());
        let refresh =
            opened.first().and_then(|(w, _)| w.window.current_monitor()).and_then(|m| m.refresh_rate_millihertz());
        let all = scene.window_outputs();
        let mut show = live_show(gpu, scene, self.files.clone(), true, self.opts.record.as_deref(), &self.opts.day)?;
        if let Some(hz) = refresh.filter(|hz| *hz > 0) {
            show.set_display_period(1000.0 / hz as f64);
            self.refresh = Some(Duration::from_secs_f64(1000.0 / hz as f64));
        }
        let (mut out, control) = Projectors::new(show.gpu(), &all, false, Readback::None);
        if self.opts.no_overlay {
            out.hide_reload_errors();
        }
        if self.opts.calibrate {
            out.calibrate();
            show.calibrating = true;
        }
        self.presented = Some(out.presented());
        show.add_output(Box::new(out));
        if let Some(path) = &self.opts.snapshot {
            show.add_output(Box::new(crate::output::frames::Snapshot::new(path.clone())));
        }
        for (win, surface) in opened {
            let size = win.window.inner_size();
            let presenter = Presenter::new(show.gpu(), surface, [size.width, size.height])?;
            let name = self.outputs[win.output].name.clone();
            let _ = control.send(Command::Attach { name, window: win.window.clone(), presenter: Box::new(presenter) });
            win.window.request_redraw();
            self.windows.push(win);
        }
        if let (true, Some(bind)) = (self.opts.calibrate, self.opts.calibrate_osc) {
            match super::calibrate_osc::CalibrationOsc::start(bind, control.clone()) {
                Ok(l) => self.osc = Some(l),
                Err(e) => tracing::warn!("{e}; calibrate with the keys and the mouse"),
            }
        }
        self.instance = Some(instance);
        self.control = Some(control);
        self.show = Some(show);
        Ok(())
    }

    /// Open output `i`'s window on its monitor, or on the primary, or not at all (waiting), as
    /// its `missing` setting says; `start`: say why in the log (a poll only logs changes).
    fn place(&self, el: &ActiveEventLoop, monitors: &[Screen], i: usize, start: bool) -> Result<Option<Win>, AppError> {
        let out = &self.outputs[i];
        let found = out.monitor.as_ref().and_then(|w| find_monitor(monitors, w));
        let (monitor, wanted) = match (&out.monitor, found) {
            (None, _) => (primary(monitors), true),
            (Some(_), Some(m)) => (Some(m), true),
            (Some(w), None) => match out.missing {
                MissingMonitor::Wait => {
                    if start {
                        tracing::warn!(
                            "output `{}`: monitor {} is not connected; its window opens when it is (available: {})",
                            out.name,
                            describe(w),
                            available(monitors)
                        );
                    }
                    return Ok(None);
                }
                MissingMonitor::Primary => {
                    tracing::warn!(
                        "output `{}`: monitor {} is not connected; showing it on the primary monitor until it is \
                         (available: {})",
                        out.name,
                        describe(w),
                        available(monitors)
                    );
                    (primary(monitors), false)
                }
            },
        };
        let title = match self.outputs.len() {
            1 => self.title.clone(),
            _ => format!("{} — {}", self.title, out.name),
        };
        let mut attrs = Window::default_attributes()
            .with_title(title)
            .with_inner_size(winit::dpi::PhysicalSize::new(out.size[0], out.size[1]));
        attrs = match (&monitor, out.fullscreen) {
            (Some(Screen { handle: Some(h), .. }), true) if self.window_manager => {
                attrs.with_fullscreen(Some(Fullscreen::Borderless(Some(h.clone()))))
            }
            // A monitor winit does not know (connected after start, on X11), or no window manager
            // to carry out a fullscreen request: cover the monitor ourselves.
            (Some(m), true) => attrs
                .with_decorations(false)
                .with_position(winit::dpi::PhysicalPosition::new(m.position[0], m.position[1]))
                .with_inner_size(winit::dpi::PhysicalSize::new(m.size[0], m.size[1])),
            (None, true) => attrs.with_fullscreen(Some(Fullscreen::Borderless(None))),
            (Some(m), false) => attrs.with_position(winit::dpi::PhysicalPosition::new(m.position[0], m.position[1])),
            (None, false) => attrs,
        };
        let window = Arc::new(
            el.create_window(attrs).map_err(|e| AppError::NoDisplay(format!("the window was refused ({e})")))?,
        );
        let on = monitor.as_ref().map(|m| m.name.clone());
        tracing::info!("output `{}`: window on monitor {}", out.name, on.as_deref().unwrap_or("(none found)"));
        Ok(Some(Win { output: i, window, on, wanted }))
    }

    /// Monitors plugged or unplugged since the last look: waiting outputs open, outputs whose
    /// monitor went away wait or move to the primary, outputs on the primary move back.
    fn poll_monitors(&mut self, el: &ActiveEventLoop) {
        let monitors = self.monitors.list(el);
        let names: Vec<String> = monitors.iter().map(|m| m.name.clone()).collect();
        tracing::trace!("monitors: {}", names.join(", "));
        let mut k = 0;
        while k < self.windows.len() {
            let w = &self.windows[k];
            let out = &self.outputs[w.output];
            let Some(want) = &out.monitor else {
                k += 1;
                continue;
            };
            let found = find_monitor(&monitors, want);
            if w.wanted && found.is_none() {
                let name = out.name.clone();
                match out.missing {
                    MissingMonitor::Wait => {
                        tracing::warn!(
                            "output `{name}`: monitor {} was disconnected; waiting for it (the show goes on)",
                            describe(want)
                        );
                        self.detach(k, true);
                        continue;
                    }
                    MissingMonitor::Primary => {
                        tracing::warn!(
                            "output `{name}`: monitor {} was disconnected; showing it on the primary monitor",
                            describe(want)
                        );
                        self.move_to(k, primary(&monitors), false);
                    }
                }
            } else if !w.wanted && found.is_some() {
                tracing::info!("output `{}`: monitor {} is back", out.name, describe(want));
                self.move_to(k, found, true);
            }
            k += 1;
        }
        let waiting = std::mem::take(&mut self.waiting);
        for i in waiting {
            let back = self.outputs[i].monitor.as_ref().and_then(|w| find_monitor(&monitors, w)).is_some();
            if !back {
                self.waiting.push(i);
                continue;
            }
            tracing::info!(
                "output `{}`: its monitor is connected (monitors: {})",
                self.outputs[i].name,
                names.join(", ")
            );
            if let Err(e) = self.attach_new(el, &monitors, i) {
                tracing::error!("output `{}`: cannot open its window: {e}", self.outputs[i].name);
                self.waiting.push(i);
            }
        }
    }

    fn attach_new(&mut self, el: &ActiveEventLoop, monitors: &[Screen], i: usize) -> Result<(), AppError> {
        let (Some(instance), Some(show), Some(control)) = (&self.instance, &self.show, &self.control) else {
            return Ok(());
        };
        let Some(win) = self.place(el, monitors, i, false)? else { return Ok(()) };
        let surface = instance
            .create_surface(win.window.clone())
            .map_err(|e| crate::render::RenderError::Surface(e.to_string()))?;
        let size = win.window.inner_size();
        let presenter = Presenter::new(show.gpu(), surface, [size.width, size.height])?;
        let name = self.outputs[i].name.clone();
        let _ = control.send(Command::Attach { name, window: win.window.clone(), presenter: Box::new(presenter) });
        win.window.request_redraw();
        self.windows.push(win);
        Ok(())
    }

    fn move_to(&mut self, k: usize, monitor: Option<Screen>, wanted: bool) {
        let w = &mut self.windows[k];
        match (&monitor, self.outputs[w.output].fullscreen) {
            (Some(Screen { handle: Some(h), .. }), true) if self.window_manager => {
                w.window.set_fullscreen(Some(Fullscreen::Borderless(Some(h.clone()))));
            }
            (Some(m), _) => {
                w.window.set_fullscreen(None);
                w.window.set_outer_position(winit::dpi::PhysicalPosition::new(m.position[0], m.position[1]));
                if self.outputs[w.output].fullscreen {
                    let _ = w.window.request_inner_size(winit::dpi::PhysicalSize::new(m.size[0], m.size[1]));
                }
            }
            (None, _) => {}
        }
        w.on = monitor.map(|m| m.name);
        w.wanted = wanted;
    }

    /// Close window `k`. `wait`: its output waits for its monitor to come back (unplugged);
    /// else it is gone until a restart (the window was closed).
    fn detach(&mut self, k: usize, wait: bool) {
        let w = self.windows.remove(k);
        let name = self.outputs[w.output].name.clone();
        if let Some(c) = &self.control {
            let _ = c.send(Command::Detach { name });
        }
        if wait {
            self.waiting.push(w.output);
        }
        if let Some(first) = self.windows.first() {
            first.window.request_redraw();
        }
    }

    fn quit(&mut self, el: &ActiveEventLoop, why: &'static str) {
        self.why = why;
        el.exit();
    }

    fn fail(&mut self, el: &ActiveEventLoop, e: AppError) {
        self.error = Some(e);
        el.exit();
    }

    fn tick(&mut self, el: &ActiveEventLoop) {
        let Some(show) = &mut self.show else { return };
        match show.tick() {
            Err(e) => {
                self.fail(el, e);
                return;
            }
            Ok(t) if t.frame == 0 => self.notifier.ready(&format!("playing {} in a window", show.scene().name)),
            Ok(_) => {}
        }
        self.notifier.alive(Instant::now());
        // Calibration moves that came in on the scene's own OSC inputs (as with --calibrate-osc).
        let ops: Vec<Result<CalOp, String>> =
            show.inputs.calibration().iter().filter_map(super::calibrate_osc::parse_event).collect();
        for op in ops {
            match (op, self.opts.calibrate) {
                (Ok(op), true) => self.calibrate(op),
                (Ok(_), false) => tracing::warn!(
                    "a /quai/calibrate/ message arrived, but this show is not calibrating: start it with --calibrate"
                ),
                (Err(e), _) => tracing::warn!("{e}; nothing moved"),
            }
        }
    }

    fn key_bound(&self, name: &str) -> bool {
        self.show.as_ref().is_some_and(|s| s.scene().keys.iter().any(|b| b.key == name))
    }

    /// A key the scene's `[keys]` binds: its command goes to the show's command queue, stamped
    /// now, and is applied (and recorded) at the next tick like every other command.
    fn key_command(&self, name: &str) {
        let Some(show) = &self.show else { return };
        let Some(binding) = show.scene().keys.iter().find(|b| b.key == name) else { return };
        let event = crate::input::event::InputEvent {
            t: show.origin().now(),
            input: Arc::from(format!("key {name}")),
            kind: crate::input::event::EventKind::Command(binding.command.clone()),
        };
        show.inputs.command_queue().push(event);
    }

    fn calibrate(&self, op: CalOp) {
        if let Some(c) = &self.control {
            let _ = c.send(Command::Calibrate(op));
        }
    }
}

/// The `[keys]` name of a key: `space`, `enter`, `left`, `f5`, or the character typed, lower case.
pub fn key_name(key: &Key) -> Option<String> {
    let named = match key {
        Key::Character(c) => return Some(c.to_lowercase()),
        Key::Named(n) => n,
        _ => return None,
    };
    let name = match named {
        NamedKey::Space => "space",
        NamedKey::Enter => "enter",
        NamedKey::Tab => "tab",
        NamedKey::Backspace => "backspace",
        NamedKey::Escape => "escape",
        NamedKey::ArrowUp => "up",
        NamedKey::ArrowDown => "down",
        NamedKey::ArrowLeft => "left",
        NamedKey::ArrowRight => "right",
        NamedKey::Home => "home",
        NamedKey::End => "end",
        NamedKey::PageUp => "pageup",
        NamedKey::PageDown => "pagedown",
        NamedKey::Insert => "insert",
        NamedKey::Delete => "delete",
        NamedKey::F1 => "f1",
        NamedKey::F2 => "f2",
        NamedKey::F3 => "f3",
        NamedKey::F4 => "f4",
        NamedKey::F5 => "f5",
        NamedKey::F6 => "f6",
        NamedKey::F7 => "f7",
        NamedKey::F8 => "f8",
        NamedKey::F9 => "f9",
        NamedKey::F10 => "f10",
        NamedKey::F11 => "f11",
        NamedKey::F12 => "f12",
        _ => return None,
    };
    Some(name.to_string())
}

/// The calibration move a key stands for (with `--calibrate`).
pub fn calibration_key(key: &Key, mods: ModifiersState) -> Option<CalOp> {
    let step = if mods.shift_key() {
        10.0
    } else if mods.alt_key() {
        0.1
    } else {
        1.0
    };
    let ctrl = mods.control_key();
    Some(match key {
        Key::Named(NamedKey::Tab) if mods.shift_key() => CalOp::SelectPrev,
        Key::Named(NamedKey::Tab) => CalOp::SelectNext,
        Key::Named(NamedKey::ArrowLeft) => CalOp::Nudge(-step, 0.0),
        Key::Named(NamedKey::ArrowRight) => CalOp::Nudge(step, 0.0),
        Key::Named(NamedKey::ArrowUp) => CalOp::Nudge(0.0, -step),
        Key::Named(NamedKey::ArrowDown) => CalOp::Nudge(0.0, step),
        Key::Character(c) => match (c.to_lowercase().as_str(), ctrl, mods.shift_key()) {
            ("z", true, false) => CalOp::Undo,
            ("z", true, true) | ("y", true, _) => CalOp::Redo,
            ("s", _, _) => CalOp::Save,
            ("p", false, _) => CalOp::TogglePattern,
            ("o", false, _) => CalOp::NextOutput,
            ("m", false, false) => CalOp::MeshFiner,
            ("m", false, true) => CalOp::RemoveMesh,
            ("r", false, false) => CalOp::ResetSelected,
            ("r", false, true) => CalOp::ResetAll,
            _ => return None,
        },
        _ => return None,
    })
}

impl ApplicationHandler for App {
    fn resumed(&mut self, el: &ActiveEventLoop) {
        if let Err(e) = self.open(el) {
            self.fail(el, e);
        }
    }

    fn window_event(&mut self, el: &ActiveEventLoop, id: WindowId, event: WindowEvent) {
        let Some(k) = self.windows.iter().position(|w| w.window.id() == id) else { return };
        let name = self.outputs[self.windows[k].output].name.clone();
        match event {
            WindowEvent::CloseRequested if self.windows.len() == 1 && self.waiting.is_empty() => {
                self.quit(el, "stopped by the operator: the last window was closed")
            }
            // Closed by the person at it, or destroyed from outside (a window manager, xkill):
            // only this output stops; the show goes on in the other windows.
            WindowEvent::CloseRequested | WindowEvent::Destroyed => {
                tracing::warn!(
                    "the window of output `{name}` was closed; the show goes on in the others (restart quai to reopen it)"
                );
                self.detach(k, false);
            }
            // Ctrl+Q always quits; Esc quits unless the scene's [keys] gives it a command (QLab's
            // Esc is panic, and a performer's reflex must not end the show).
            WindowEvent::KeyboardInput {
                event: KeyEvent { logical_key: Key::Character(c), state: ElementState::Pressed, .. },
                ..
            } if self.modifiers.control_key() && c.eq_ignore_ascii_case("q") => {
                self.quit(el, "stopped by the operator (Ctrl+Q)")
            }
            WindowEvent::KeyboardInput {
                event: KeyEvent { logical_key: Key::Named(NamedKey::Escape), state: ElementState::Pressed, .. },
                ..
            } if !self.key_bound("escape") => self.quit(el, "stopped by the operator (Esc)"),
            // Not the synthetic presses winit makes up for keys held when a window gains focus.
            WindowEvent::KeyboardInput {
                event: KeyEvent { logical_key, state: ElementState::Pressed, .. },
                is_synthetic: false,
                ..
            } if self.opts.calibrate => {
                // Keys act on the output the handles are on (a click or the window gaining focus
                // moves them there; O cycles them).
                if let Some(op) = calibration_key(&logical_key, self.modifiers) {
                    self.calibrate(op);
                }
            }
            WindowEvent::KeyboardInput {
                event: KeyEvent { logical_key, state: ElementState::Pressed, repeat: false, .. },
                is_synthetic: false,
                ..
            } => {
                if let Some(name) = key_name(&logical_key) {
                    self.key_command(&name);
                }
            }
            WindowEvent::ModifiersChanged(m) => self.modifiers = m.state(),
            WindowEvent::Focused(true) if self.opts.calibrate => self.calibrate(CalOp::Focus(name)),
            WindowEvent::CursorMoved { position, .. } => {
                let pos = [position.x, position.y];
                self.cursor = Some((id, pos));
                if self.mouse_down && self.opts.calibrate {
                    self.calibrate(CalOp::Drag { output: name, pos });
                }
            }
            WindowEvent::MouseInput { state, button: MouseButton::Left, .. } if self.opts.calibrate => {
                let pos = self.cursor.filter(|(w, _)| *w == id).map_or([0.0, 0.0], |(_, p)| p);
                self.mouse_down = state == ElementState::Pressed;
                self.calibrate(if self.mouse_down {
                    CalOp::Press { output: name, pos }
                } else {
                    CalOp::Release { output: name }
                });
            }
            // The output follows its window's size from the next tick; ask for one now.
            WindowEvent::Resized(size) => {
                if let Some(c) = &self.control {
                    let _ = c.send(Command::Resize { name, size: [size.width, size.height] });
                }
                self.windows[k].window.request_redraw();
            }
            // The first window paces the show: one tick per redraw of it draws every window.
            WindowEvent::RedrawRequested if k == 0 => {
                self.tick(el);
                // In standby the next redraw waits (about_to_wait asks for it): a few black
                // frames a second instead of one per refresh.
                if self.show.as_ref().is_some_and(|s| s.asleep()) {
                    self.next_tick = Instant::now() + Duration::from_secs_f64(super::live::STANDBY_PERIOD);
                } else if let Some(w) = self.windows.first() {
                    let fps = self.show.as_ref().map_or(60.0, |s| s.scene().fps);
                    let period = self.refresh.unwrap_or_else(|| Duration::from_secs_f64(1.0 / fps));
                    match self.pace.after_frame(Instant::now(), period) {
                        None => w.window.request_redraw(),
                        Some(at) => self.pace.redraw_at = Some(at),
                    }
                }
            }
            _ => {}
        }
    }

    fn about_to_wait(&mut self, el: &ActiveEventLoop) {
        if self.stop.load(Ordering::Relaxed) {
            return self.quit(el, "stopped by a signal (SIGTERM / Ctrl-C)");
        }
        if self.opts.duration.is_some_and(|d| self.started.elapsed() >= d) {
            return self.quit(el, "stopped: --duration reached");
        }
        if self.last_poll.elapsed() >= MONITOR_POLL {
            self.last_poll = Instant::now();
            self.poll_monitors(el);
        }
        // No window to pace the show (all waiting for monitors): tick on the scene's clock.
        if self.windows.is_empty() && self.show.is_some() {
            let now = Instant::now();
            if now >= self.next_tick {
                self.tick(el);
                let fps = self.show.as_ref().map_or(60.0, |s| s.scene().fps);
                self.next_tick = (self.next_tick + Duration::from_secs_f64(1.0 / fps)).max(now);
            }
            el.set_control_flow(ControlFlow::WaitUntil(self.next_tick.min(self.last_poll + MONITOR_POLL)));
        } else if self.show.as_ref().is_some_and(|s| s.asleep()) {
            if Instant::now() >= self.next_tick
                && let Some(w) = self.windows.first()
            {
                w.window.request_redraw();
                self.next_tick = Instant::now() + Duration::from_secs(1);
            }
            el.set_control_flow(ControlFlow::WaitUntil(self.next_tick.min(self.last_poll + MONITOR_POLL)));
        } else if let Some(at) = self.pace.redraw_at {
            // Self-paced (presenting does not wait): the next redraw at its deadline.
            if Instant::now() >= at {
                self.pace.redraw_at = None;
                if let Some(w) = self.windows.first() {
                    w.window.request_redraw();
                }
                el.set_control_flow(ControlFlow::Poll);
            } else {
                el.set_control_flow(ControlFlow::WaitUntil(at.min(self.last_poll + MONITOR_POLL)));
            }
        } else {
            el.set_control_flow(ControlFlow::Poll);
        }
    }
}

/// Load a scene for a window run (the caller has checked the display).
pub fn load(files: &dyn Files, path: &Path) -> Result<Scene, AppError> {
    Ok(crate::scene::load_from(files, path)?)
}
