//! Outputs that read the canvas back to the CPU on the render thread: [`Frames`] hands every frame
//! to a sink (the PNG writer of `quai render`, tests, examples), [`Snapshot`] writes the picture to
//! one PNG after each reload, on the first frame and at the end (`quai run --headless --snapshot`).
//! Both wait for the GPU: they are for offline work and occasional snapshots, not for the live path.

use std::path::PathBuf;

use image::RgbaImage;

use super::{Frame, Output};
use crate::app::AppError;
use crate::show::FrameTime;

/// Where [`Frames`] delivers each frame; an error stops the run.
pub type FrameSink = Box<dyn FnMut(FrameTime, RgbaImage) -> Result<(), AppError>>;

/// Every frame, read back and handed to a sink.
pub struct Frames {
    sink: FrameSink,
}

impl Frames {
    pub fn new(sink: FrameSink) -> Self {
        Self { sink }
    }
}

impl Output for Frames {
    fn name(&self) -> String {
        "frame readback".into()
    }

    fn encode(&mut self, frame: &Frame<'_>, encoder: &mut wgpu::CommandEncoder) {
        frame.canvas.copy_out(encoder);
    }

    fn submitted(&mut self, frame: &Frame<'_>) -> Result<(), AppError> {
        let img = read_image(frame)?;
        (self.sink)(frame.time, img)
    }
}

/// The canvas of this tick (its copy must have been recorded and submitted) as an image.
pub fn read_image(frame: &Frame<'_>) -> Result<RgbaImage, AppError> {
    let [w, h] = frame.canvas.size;
    let rgba = frame.canvas.read(frame.gpu)?;
    RgbaImage::from_raw(w, h, rgba)
        .ok_or_else(|| AppError::Encode { frame: frame.time.frame, reason: "frame has the wrong size".into() })
}

/// The picture written to one PNG: on the first frame, after every reload, and when the show stops.
pub struct Snapshot {
    path: PathBuf,
    due: bool,
    copied: bool,
}

impl Snapshot {
    pub fn new(path: PathBuf) -> Self {
        Self { path, due: true, copied: false }
    }

    fn write(&self, frame: &Frame<'_>) {
        match read_image(frame) {
            Ok(img) => write_snapshot(&self.path, &img),
            Err(e) => tracing::warn!("snapshot {}: {e}", self.path.display()),
        }
    }
}

/// Write `img` to `path` beside and rename, so a reader never sees half a PNG; a failure is a
/// warning (a snapshot never stops the show).
pub fn write_snapshot(path: &std::path::Path, img: &RgbaImage) {
    let tmp = path.with_extension("tmp.png");
    let result =
        img.save(&tmp).map_err(|e| e.to_string()).and_then(|()| std::fs::rename(&tmp, path).map_err(|e| e.to_string()));
    if let Err(e) = result {
        tracing::warn!("snapshot {}: {e}", path.display());
    }
}

impl Output for Snapshot {
    fn name(&self) -> String {
        format!("snapshot {}", self.path.display())
    }

    fn scene_changed(&mut self, _frame: &Frame<'_>) {
        self.due = true;
    }

    fn encode(&mut self, frame: &Frame<'_>, encoder: &mut wgpu::CommandEncoder) {
        self.copied = self.due;
        if self.due {
            frame.canvas.copy_out(encoder);
            self.due = false;
        }
    }

    fn submitted(&mut self, frame: &Frame<'_>) -> Result<(), AppError> {
        if std::mem::take(&mut self.copied) {
            self.write(frame);
        }
        Ok(())
    }

    fn finish(&mut self, frame: &Frame<'_>) -> Result<(), AppError> {
        let mut encoder = frame
            .gpu
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some("quai snapshot at stop") });
        frame.canvas.copy_out(&mut encoder);
        frame.gpu.queue.submit([encoder.finish()]);
        self.write(frame);
        Ok(())
    }
}
