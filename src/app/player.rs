//! Live playback shared by the window and headless modes: the current scene's compositor, the
//! parameter store, the show clock and the canvas, plus hot reload. Runs on the render (main)
//! thread; reloaded scenes arrive ready-built from the loader thread and are swapped in between
//! two frames, so an edit never costs a frame.

use std::path::Path;
use std::sync::Arc;

use super::AppError;
use crate::input::hub::InputHub;
use crate::input::log::Recorder;
use crate::render::{Canvas, Compositor, FrameInput, Gpu, GpuCache};
use crate::scene::watch::{SceneWatcher, Update};
use crate::scene::{Files, Scene};
use crate::show::{Clock, FrameTime, ParamStore, ShowClock};

pub struct Player {
    pub gpu: Gpu,
    pub compositor: Compositor,
    pub canvas: Canvas,
    pub params: ParamStore,
    clock: Clock,
    origin: ShowClock,
    /// Live inputs and their mappings into `params`.
    pub inputs: InputHub,
    watcher: Option<SceneWatcher<Compositor>>,
    /// How many scenes have been swapped in by hot reload.
    pub reloads: u64,
    /// Why the latest edit did not load (the diagnostics, as logged), until an edit loads again.
    pub reload_error: Option<Arc<str>>,
}

impl Player {
    /// Start playing `scene`; with `watch`, edits to any of its files are reloaded live.
    /// `record`: write every input event to this log (`quai run --record`).
    pub fn new(
        gpu: Gpu,
        scene: Scene,
        files: Arc<dyn Files>,
        watch: bool,
        record: Option<&std::path::Path>,
    ) -> Result<Self, AppError> {
        let scene = Arc::new(scene);
        let mut cache = GpuCache::new(&gpu);
        let compositor = Compositor::new(&gpu, scene.clone(), scene.canvas, &mut cache)?;
        let canvas = Canvas::new(&gpu, scene.canvas);
        let watcher = if watch && files.is_disk() {
            let loader_gpu = gpu.clone();
            // The loader thread keeps the cache: an edit rebuilds only the pipelines it changed.
            let spawned = SceneWatcher::spawn(files, &scene, move |s: Scene| {
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
        } else {
            None
        };
        let origin = ShowClock::start();
        let mut inputs = InputHub::live(&scene, origin);
        if let Some(path) = record {
            inputs.record_to(Recorder::create(path)?);
        }
        Ok(Self {
            params: ParamStore::new(&scene.params),
            origin,
            inputs,
            gpu,
            compositor,
            canvas,
            clock: Clock::live_at(origin),
            watcher,
            reloads: 0,
            reload_error: None,
        })
    }

    pub fn scene(&self) -> &Arc<Scene> {
        self.compositor.scene()
    }

    /// Swap in a reloaded scene if one is ready (call between frames). Returns true on a swap.
    pub fn poll_reload(&mut self) -> bool {
        let Some(w) = &self.watcher else { return false };
        let mut swapped = false;
        while let Ok(update) = w.updates.try_recv() {
            match update {
                Update::Ready { value, took } => {
                    let scene = value.scene().clone();
                    if scene.window != self.scene().window {
                        tracing::warn!("the [[outputs]] window settings changed: they apply when quai is restarted");
                    }
                    self.params = self.params.rebind(&scene.params);
                    let hub = std::mem::replace(&mut self.inputs, InputHub::idle(&scene));
                    self.inputs = hub.reload(&scene, self.origin);
                    if value.size() != self.canvas.size {
                        self.canvas = Canvas::new(&self.gpu, value.size());
                    }
                    self.compositor = value;
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
        swapped
    }

    /// Advance the clock and parameters and draw the next frame into the canvas. The caller
    /// submits `encoder` (after adding its own work: present, readback).
    pub fn render(&mut self, encoder: &mut wgpu::CommandEncoder) -> FrameTime {
        let t = self.clock.tick();
        for name in self.inputs.step(t.time, &mut self.params) {
            tracing::info!("trigger `{name}` fired at {:.3} s", t.time);
        }
        self.params.advance(t.delta as f32);
        self.compositor.prepare(
            &self.gpu.queue,
            &FrameInput { time: t.time, delta: t.delta, frame: t.frame, params: self.params.values(), audio: [0.0; 4] },
        );
        self.compositor.draw(encoder, &self.canvas.view);
        t
    }

    pub fn encoder(&self) -> wgpu::CommandEncoder {
        self.gpu.device.create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some("quai frame") })
    }
}

/// Load a scene on a helper thread while the GPU adapter is being requested: the two are the bulk
/// of start-up and do not depend on each other.
pub fn load_and_open_gpu(
    files: Arc<dyn Files>,
    path: &Path,
    open: impl FnOnce() -> Result<Gpu, AppError>,
) -> Result<(Scene, Gpu), AppError> {
    let path = path.to_path_buf();
    let loader = std::thread::spawn(move || crate::scene::load_from(files.as_ref(), &path));
    let gpu = open();
    let scene = loader.join().map_err(|_| AppError::Encode { frame: 0, reason: "scene loader panicked".into() })??;
    Ok((scene, gpu?))
}
