//! The window output: presents the canvas of every tick in a winit window's surface, letterboxed,
//! with the reload-error panel over it while an edit does not load. The surface follows the
//! window's size at every tick (no resize event can be missed); `Lost`/`Outdated` reconfigure.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use winit::window::Window;

use super::{Frame, Output};
use crate::app::AppError;
use crate::render::overlay;
use crate::render::present::Presenter;

pub struct WindowView {
    window: Arc<Window>,
    presenter: Presenter,
    /// Keep reload errors off the picture (they still go to the log).
    no_overlay: bool,
    /// The reload error the panel shows now, to redraw the panel only when it changes.
    overlay_shown: Option<Arc<str>>,
    pending: Option<wgpu::SurfaceTexture>,
    /// Frames shown so far (the caller keeps a handle to read it).
    presented: Arc<AtomicU64>,
}

impl WindowView {
    /// `presented` counts the frames shown.
    pub fn new(window: Arc<Window>, presenter: Presenter, no_overlay: bool, presented: Arc<AtomicU64>) -> Self {
        Self { window, presenter, no_overlay, overlay_shown: None, pending: None, presented }
    }
}

impl Output for WindowView {
    fn name(&self) -> String {
        "window".into()
    }

    fn encode(&mut self, frame: &Frame<'_>, encoder: &mut wgpu::CommandEncoder) {
        let size = self.window.inner_size();
        if [size.width, size.height] != self.presenter.size() {
            self.presenter.resize(frame.gpu, [size.width, size.height]);
        }
        let error = frame.reload_error.filter(|_| !self.no_overlay);
        if error.map(Arc::as_ptr) != self.overlay_shown.as_ref().map(Arc::as_ptr) {
            let panel = error.map(|e| overlay::rasterize(&overlay::reload_failed(e)));
            self.presenter.set_overlay(frame.gpu, panel.as_ref());
            self.overlay_shown = error.cloned();
        }
        self.pending = self.presenter.draw(frame.gpu, frame.canvas, encoder);
    }

    fn submitted(&mut self, frame: &Frame<'_>) -> Result<(), AppError> {
        if let Some(texture) = self.pending.take() {
            self.window.pre_present_notify();
            frame.gpu.queue.present(texture);
            self.presented.fetch_add(1, Ordering::Relaxed);
        }
        Ok(())
    }
}
