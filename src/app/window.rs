//! `quai run` with a display: the show ticks at the display rate and one of its outputs is a
//! window (winit) on the chosen monitor, fullscreen or windowed. Esc or closing the window quits;
//! frame statistics print on exit.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use winit::application::ApplicationHandler;
use winit::event::{ElementState, KeyEvent, WindowEvent};
use winit::event_loop::{ActiveEventLoop, ControlFlow, EventLoop};
use winit::keyboard::{Key, NamedKey};
use winit::monitor::MonitorHandle;
use winit::window::{Fullscreen, Window, WindowId};

use super::AppError;
use super::live::live_show;
use crate::output::window::WindowView;
use crate::render::Gpu;
use crate::render::present::Presenter;
use crate::scene::{Files, Monitor, Scene, WindowOutput};
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
}

struct App {
    files: Arc<dyn Files>,
    scene: Option<Scene>,
    opts: WindowOptions,
    stop: Arc<AtomicBool>,
    started: Instant,
    state: Option<(Arc<Window>, Show)>,
    stats: Option<FrameStats>,
    presented: Arc<AtomicU64>,
    error: Option<AppError>,
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
    let mut app = App {
        files,
        stats: None,
        presented: Arc::default(),
        scene: Some(scene),
        opts,
        stop,
        started: Instant::now(),
        state: None,
        error: None,
    };
    event_loop.run_app(&mut app).map_err(|e| AppError::NoDisplay(format!("the event loop failed ({e})")))?;
    if let Some((_, mut show)) = app.state.take() {
        let finished = show.finish();
        app.stats = show.stats().cloned();
        app.error = app.error.or(finished.err());
    }
    if let Some(e) = app.error {
        return Err(e);
    }
    let stats = app.stats.unwrap_or_else(|| FrameStats::new(1.0 / 60.0));
    tracing::info!("stopped after {} presented frames: {stats}", app.presented.load(Ordering::Relaxed));
    Ok(stats)
}

/// The monitor the scene asks for, or the primary one (with a warning naming what exists).
fn pick_monitor(el: &ActiveEventLoop, want: Option<&Monitor>) -> Option<MonitorHandle> {
    let monitors: Vec<MonitorHandle> = el.available_monitors().collect();
    let found = match want {
        None => None,
        Some(Monitor::Index(i)) => monitors.get(*i).cloned(),
        Some(Monitor::Name(n)) => {
            let n = n.to_lowercase();
            monitors.iter().find(|m| m.name().is_some_and(|name| name.to_lowercase().contains(&n))).cloned()
        }
    };
    if let (Some(w), None) = (want, &found) {
        let names: Vec<String> =
            monitors.iter().enumerate().map(|(i, m)| format!("{i}: {}", m.name().unwrap_or_default())).collect();
        let wanted = match w {
            Monitor::Index(i) => format!("number {i}"),
            Monitor::Name(n) => format!("\"{n}\""),
        };
        tracing::warn!("monitor {wanted} not found; using the primary monitor (available: {})", names.join(", "));
    }
    found.or_else(|| el.primary_monitor()).or_else(|| monitors.into_iter().next())
}

impl App {
    fn open(&mut self, el: &ActiveEventLoop) -> Result<(), AppError> {
        let Some(scene) = self.scene.take() else { return Ok(()) };
        let out = scene.window.clone().unwrap_or(WindowOutput {
            name: "main".into(),
            monitor: None,
            fullscreen: false,
            size: None,
        });
        let monitor = pick_monitor(el, out.monitor.as_ref());
        let [w, h] = out.size.unwrap_or(scene.canvas);
        let mut attrs = Window::default_attributes()
            .with_title(format!("quai — {}", scene.name))
            .with_inner_size(winit::dpi::PhysicalSize::new(w, h));
        if out.fullscreen {
            attrs = attrs.with_fullscreen(Some(Fullscreen::Borderless(monitor.clone())));
        } else if let Some(m) = &monitor {
            attrs = attrs.with_position(m.position());
        }
        let window = Arc::new(
            el.create_window(attrs).map_err(|e| AppError::NoDisplay(format!("the window was refused ({e})")))?,
        );
        let instance = wgpu::Instance::new(wgpu::InstanceDescriptor::new_with_display_handle_from_env(Box::new(
            el.owned_display_handle(),
        )));
        let surface =
            instance.create_surface(window.clone()).map_err(|e| crate::render::RenderError::Surface(e.to_string()))?;
        let gpu = Gpu::with_instance(instance, Some(&surface))?;
        let size = window.inner_size();
        let presenter = Presenter::new(&gpu, surface, [size.width, size.height])?;
        tracing::info!("playing {} in a window on {}", scene.name, gpu.describe());
        let mut show = live_show(gpu, scene, self.files.clone(), true, self.opts.record.as_deref())?;
        if let Some(hz) = monitor.as_ref().and_then(|m| m.refresh_rate_millihertz()) {
            show.set_display_period(1000.0 / hz as f64);
        }
        show.add_output(Box::new(WindowView::new(
            window.clone(),
            presenter,
            self.opts.no_overlay,
            self.presented.clone(),
        )));
        window.request_redraw();
        self.state = Some((window, show));
        Ok(())
    }

    fn fail(&mut self, el: &ActiveEventLoop, e: AppError) {
        self.error = Some(e);
        el.exit();
    }
}

impl ApplicationHandler for App {
    fn resumed(&mut self, el: &ActiveEventLoop) {
        if let Err(e) = self.open(el) {
            self.fail(el, e);
        }
    }

    fn window_event(&mut self, el: &ActiveEventLoop, _id: WindowId, event: WindowEvent) {
        let Some((window, show)) = &mut self.state else { return };
        match event {
            WindowEvent::CloseRequested => el.exit(),
            WindowEvent::KeyboardInput {
                event: KeyEvent { logical_key: Key::Named(NamedKey::Escape), state: ElementState::Pressed, .. },
                ..
            } => el.exit(),
            // The window output follows the window's size at every tick; ask for one now.
            WindowEvent::Resized(_) => window.request_redraw(),
            WindowEvent::RedrawRequested => {
                if let Err(e) = show.tick() {
                    return self.fail(el, e);
                }
                window.request_redraw();
            }
            _ => {}
        }
    }

    fn about_to_wait(&mut self, el: &ActiveEventLoop) {
        if self.stop.load(Ordering::Relaxed) || self.opts.duration.is_some_and(|d| self.started.elapsed() >= d) {
            el.exit();
        }
    }
}

/// Load a scene for a window run (the caller has checked the display).
pub fn load(files: &dyn Files, path: &Path) -> Result<Scene, AppError> {
    Ok(crate::scene::load_from(files, path)?)
}
