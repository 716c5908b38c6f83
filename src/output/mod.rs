//! Outputs of the show: each takes the composited canvas of a tick and does one thing with it (a
//! window presents it, the frame writer of `quai render` reads it back to PNG, the headless
//! snapshot writes it on reload and exit, the LED output samples its pixels and sends DMX).
//! They run on the render thread inside [`crate::show::Show::tick`] and never block it on a device:
//! readbacks go through staging buffers, senders get the newest frame latest-wins.
//!
//! Adding an output kind is a new module implementing [`Output`] plus one line where the outputs of
//! a run are built (`app/`), never an edit to the loops.

pub mod frames;
pub mod led;
pub mod projector;

use std::sync::Arc;

use crate::app::AppError;
use crate::render::{Canvas, Gpu};
use crate::scene::Scene;
use crate::show::FrameTime;

/// What an output sees of one tick.
pub struct Frame<'a> {
    pub time: FrameTime,
    pub gpu: &'a Gpu,
    /// Holds this tick's picture once the tick's commands are submitted.
    pub canvas: &'a Canvas,
    pub scene: &'a Arc<Scene>,
    /// Why the latest edit did not load, until an edit loads again (the same `Arc` while unchanged).
    pub reload_error: Option<&'a Arc<str>>,
}

/// One output of the show. All methods run on the render thread, once per tick, in this order:
/// `encode` (record GPU work after the compositor has drawn the canvas), then, after the tick's
/// commands are submitted, `submitted`.
pub trait Output {
    /// What it is, for logs: "window", "PNG frames", "LED output `facade`".
    fn name(&self) -> String;

    /// A reloaded scene was swapped in (its canvas may be a new texture): rebuild what depends on it.
    fn scene_changed(&mut self, _frame: &Frame<'_>) {}

    /// Record this tick's GPU work on the canvas into `encoder`.
    fn encode(&mut self, frame: &Frame<'_>, encoder: &mut wgpu::CommandEncoder);

    /// The tick's commands are submitted: present, collect readbacks, hand frames on. An error
    /// stops the run (offline writers); live outputs report their own trouble and carry on.
    fn submitted(&mut self, _frame: &Frame<'_>) -> Result<(), AppError> {
        Ok(())
    }

    /// What the web console shows of it: one line per thing it drives (an LED output, a window).
    fn status(&self, out: &mut Vec<crate::console::status::OutputStatus>) {
        out.push(crate::console::status::OutputStatus {
            name: self.name(),
            kind: "output",
            state: "running".into(),
            sent: None,
            rate: None,
            failing: false,
        });
    }

    /// The show stops: the canvas still holds the last tick's picture. Flush, send what a stop
    /// should send, join threads.
    fn finish(&mut self, _frame: &Frame<'_>) -> Result<(), AppError> {
        Ok(())
    }
}
