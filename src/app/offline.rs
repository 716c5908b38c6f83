//! `quai render`: a fixed-timestep render to numbered PNGs plus a contact sheet. Frames are
//! encoded on a writer thread while the GPU draws the next one. Same scene → same bytes.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc;

use image::RgbaImage;

use super::AppError;
use crate::input::hub::InputHub;
use crate::render::contact::ContactSheet;
use crate::render::{Canvas, Compositor, FrameInput, Gpu, GpuCache};
use crate::scene::{self, Files, Scene};
use crate::show::{Clock, FrameTime, ParamStore};

#[derive(Debug, Clone)]
pub struct RenderOptions {
    pub frames: u64,
    pub out: PathBuf,
    /// Frames per second of the fixed clock; default: the scene's.
    pub fps: Option<f64>,
    /// Output size; default: the scene's canvas. Layout scales with it.
    pub size: Option<[u32; 2]>,
    pub progress: bool,
    /// An input log to replay through the scene's mappings.
    pub replay: Option<PathBuf>,
}

#[derive(Debug, Clone)]
pub struct RenderReport {
    pub frames: u64,
    pub size: [u32; 2],
    pub fps: f64,
    pub contact_sheet: PathBuf,
    pub seconds: f64,
}

pub fn frame_path(dir: &Path, frame: u64) -> PathBuf {
    dir.join(format!("frame-{frame:06}.png"))
}

/// Frames of one scene on the fixed offline clock, read back to the CPU: what `quai render`, the
/// golden-image tests, benches and `examples/render_offscreen.rs` all use.
pub struct Renderer {
    pub gpu: Gpu,
    pub compositor: Compositor,
    pub canvas: Canvas,
    pub params: ParamStore,
    /// Replayed input events (`--replay`), through the scene's mappings.
    pub inputs: InputHub,
    clock: Clock,
}

impl Renderer {
    /// `fps`/`size`: `None` = the scene's own.
    pub fn new(gpu: Gpu, scene: Scene, fps: Option<f64>, size: Option<[u32; 2]>) -> Result<Self, AppError> {
        let scene = Arc::new(scene);
        let size = size.unwrap_or(scene.canvas);
        let compositor = Compositor::new(&gpu, scene.clone(), size, &mut GpuCache::new(&gpu))?;
        Ok(Self {
            canvas: Canvas::new(&gpu, size),
            params: ParamStore::new(&scene.params),
            inputs: InputHub::idle(&scene),
            clock: Clock::fixed(fps.unwrap_or(scene.fps)),
            gpu,
            compositor,
        })
    }

    /// Draw the next frame and submit it, without reading it back (benchmarks use this).
    pub fn draw_next(&mut self, read_back: bool) -> FrameTime {
        let t = self.clock.tick();
        // A replayed event arrives at the first frame whose time is >= its own.
        for name in self.inputs.step(t.time, &mut self.params) {
            tracing::info!("trigger `{name}` fired at frame {} ({:.3} s)", t.frame, t.time);
        }
        self.params.advance(t.delta as f32);
        self.compositor.prepare(
            &self.gpu.queue,
            &FrameInput { time: t.time, delta: t.delta, frame: t.frame, params: self.params.values(), audio: [0.0; 4] },
        );
        let mut encoder = self
            .gpu
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some("quai render frame") });
        self.compositor.draw(&mut encoder, &self.canvas.view);
        if read_back {
            self.canvas.copy_out(&mut encoder);
        }
        self.gpu.queue.submit([encoder.finish()]);
        t
    }

    /// Draw the next frame and return it as an image.
    pub fn next_frame(&mut self) -> Result<(FrameTime, RgbaImage), AppError> {
        let t = self.draw_next(true);
        let [w, h] = self.canvas.size;
        let rgba = self.canvas.read(&self.gpu)?;
        let img = RgbaImage::from_raw(w, h, rgba)
            .ok_or_else(|| AppError::Encode { frame: t.frame, reason: "frame has the wrong size".into() })?;
        Ok((t, img))
    }
}

pub fn render(files: &dyn Files, scene_path: &Path, opts: &RenderOptions) -> Result<RenderReport, AppError> {
    let started = std::time::Instant::now();
    let scene = scene::load_from(files, scene_path)?;
    let fps = opts.fps.unwrap_or(scene.fps);
    let size = opts.size.unwrap_or(scene.canvas);
    let (sa, ca) = (size[0] as f64 / size[1] as f64, scene.canvas[0] as f64 / scene.canvas[1] as f64);
    if (sa / ca - 1.0).abs() > 0.01 {
        tracing::warn!(
            "--size {}x{} has another aspect ratio than the canvas ({}x{}): the picture will be stretched",
            size[0],
            size[1],
            scene.canvas[0],
            scene.canvas[1]
        );
    }
    let events = match &opts.replay {
        Some(log) => Some(crate::input::log::read(log, &scene)?),
        None => None,
    };
    let hub = events.map(|e| InputHub::replay(&scene, e));
    let mut renderer = Renderer::new(Gpu::headless()?, scene, Some(fps), Some(size))?;
    if let Some(hub) = hub {
        renderer.inputs = hub;
    }
    std::fs::create_dir_all(&opts.out).map_err(|source| AppError::Io { path: opts.out.clone(), source })?;

    let bar = if opts.progress {
        indicatif::ProgressBar::new(opts.frames).with_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} rendering {pos}/{len} frames [{bar:30}] {per_sec} eta {eta}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        )
    } else {
        indicatif::ProgressBar::hidden()
    };

    // The writer thread encodes PNGs and collects contact-sheet thumbnails.
    let (tx, rx) = mpsc::sync_channel::<(u64, RgbaImage)>(2);
    let out = opts.out.clone();
    let mut sheet = ContactSheet::new(opts.frames, size);
    let writer = std::thread::Builder::new()
        .name("quai-png-writer".into())
        .spawn(move || -> Result<ContactSheet, AppError> {
            for (frame, img) in rx {
                if sheet.wants(frame) {
                    sheet.add(&img);
                }
                let path = frame_path(&out, frame);
                img.save(&path).map_err(|e| AppError::Encode { frame, reason: format!("{}: {e}", path.display()) })?;
            }
            Ok(sheet)
        })
        .map_err(|source| AppError::Io { path: "writer thread".into(), source })?;

    let mut failure = None;
    for _ in 0..opts.frames {
        let (t, img) = match renderer.next_frame() {
            Ok(f) => f,
            Err(e) => {
                failure = Some(e);
                break;
            }
        };
        if tx.send((t.frame, img)).is_err() {
            break; // the writer failed; its error is reported below
        }
        bar.inc(1);
    }
    drop(tx);
    let sheet =
        writer.join().map_err(|_| AppError::Encode { frame: 0, reason: "the PNG writer thread panicked".into() })??;
    if let Some(e) = failure {
        return Err(e);
    }
    bar.finish_and_clear();
    let contact_sheet = opts.out.join("contact-sheet.png");
    sheet
        .finish()
        .save(&contact_sheet)
        .map_err(|e| AppError::Encode { frame: 0, reason: format!("{}: {e}", contact_sheet.display()) })?;
    Ok(RenderReport { frames: opts.frames, size, fps, contact_sheet, seconds: started.elapsed().as_secs_f64() })
}
