//! Shows the canvas in a window surface, letterboxed to keep the canvas aspect, with the error
//! overlay (see `overlay`) on top when there is one. Surface `Lost` and
//! `Outdated` reconfigure; a zero-sized (minimised) window skips the frame.

use super::overlay::{self, Panel};
use super::pipelines::{color_pass, entry, premultiply, shader_pipeline, upload_texture};
use super::{Canvas, Gpu, RenderError};

const SHADER: &str = include_str!("../../shaders/builtin/present.wgsl");

pub struct Presenter {
    pub surface: wgpu::Surface<'static>,
    config: wgpu::SurfaceConfiguration,
    view_format: wgpu::TextureFormat,
    pass: PresentPass,
}

impl Presenter {
    pub fn new(gpu: &Gpu, surface: wgpu::Surface<'static>, size: [u32; 2]) -> Result<Self, RenderError> {
        let caps = surface.get_capabilities(&gpu.adapter);
        let format = *caps
            .formats
            .first()
            .ok_or_else(|| RenderError::Surface("the GPU cannot present to this window".into()))?;
        // The canvas holds display-ready (gamma-encoded) values: write them through a non-sRGB view.
        let view_format = format.remove_srgb_suffix();
        let config = wgpu::SurfaceConfiguration {
            usage: wgpu::TextureUsages::RENDER_ATTACHMENT,
            format,
            width: size[0].max(1),
            height: size[1].max(1),
            present_mode: wgpu::PresentMode::AutoVsync,
            desired_maximum_frame_latency: 2,
            alpha_mode: caps.alpha_modes.first().copied().unwrap_or(wgpu::CompositeAlphaMode::Auto),
            view_formats: if view_format != format { vec![view_format] } else { vec![] },
            color_space: Default::default(),
        };
        surface.configure(&gpu.device, &config);
        Ok(Self { surface, config, view_format, pass: PresentPass::new(gpu, view_format) })
    }

    pub fn resize(&mut self, gpu: &Gpu, size: [u32; 2]) {
        if size[0] == 0 || size[1] == 0 {
            return;
        }
        self.config.width = size[0];
        self.config.height = size[1];
        self.surface.configure(&gpu.device, &self.config);
    }

    /// Show `panel` over the picture from the next frame on, or remove it (`None`).
    pub fn set_overlay(&mut self, gpu: &Gpu, panel: Option<&Panel>) {
        self.pass.set_overlay(gpu, panel);
    }

    /// The surface size the presenter is configured for.
    pub fn size(&self) -> [u32; 2] {
        [self.config.width, self.config.height]
    }

    /// The next surface texture and a view of it to draw into; present the texture once the
    /// encoder is submitted. `None`: nothing to show this time (minimised, reconfigured).
    pub fn acquire(&mut self, gpu: &Gpu) -> Option<(wgpu::SurfaceTexture, wgpu::TextureView)> {
        let frame = match self.surface.get_current_texture() {
            wgpu::CurrentSurfaceTexture::Success(f) | wgpu::CurrentSurfaceTexture::Suboptimal(f) => f,
            wgpu::CurrentSurfaceTexture::Outdated | wgpu::CurrentSurfaceTexture::Lost => {
                self.surface.configure(&gpu.device, &self.config);
                return None;
            }
            other => {
                tracing::debug!("surface: {other:?}");
                return None;
            }
        };
        let view = frame.texture.create_view(&wgpu::TextureViewDescriptor {
            label: Some("surface view"),
            format: Some(self.view_format),
            ..Default::default()
        });
        Some((frame, view))
    }

    /// The format pipelines drawing into the surface's views must target.
    pub fn view_format(&self) -> wgpu::TextureFormat {
        self.view_format
    }

    /// Draw the overlay panel (if one is set) over what `target` holds.
    pub fn draw_overlay(&mut self, encoder: &mut wgpu::CommandEncoder, target: &wgpu::TextureView) {
        self.pass.draw_overlay(encoder, target, [self.config.width, self.config.height]);
    }

    /// Record the canvas into the next surface texture; present the texture returned once the
    /// encoder is submitted. `None`: nothing to show this time (minimised, reconfigured).
    pub fn draw(
        &mut self,
        gpu: &Gpu,
        canvas: &Canvas,
        encoder: &mut wgpu::CommandEncoder,
    ) -> Option<wgpu::SurfaceTexture> {
        let (frame, view) = self.acquire(gpu)?;
        self.pass.draw(gpu, encoder, canvas, &view, [self.config.width, self.config.height]);
        Some(frame)
    }
}

/// The drawing half of the presenter, into any target view: the canvas letterboxed, then the
/// overlay panel (if any) blended on top. Tests draw it offscreen.
pub struct PresentPass {
    pipeline: wgpu::RenderPipeline,
    /// The same shader, blending premultiplied alpha: for the overlay panel.
    overlay_pipeline: wgpu::RenderPipeline,
    layout: wgpu::BindGroupLayout,
    sampler: wgpu::Sampler,
    /// For the panel drawn at a whole-number scale: text stays crisp.
    nearest: wgpu::Sampler,
    /// The canvas bind group and the id of the canvas it samples (`Canvas::id`: a reload that
    /// makes a new canvas gets a new bind group, even where the new one reuses the old's memory).
    bind: Option<(wgpu::BindGroup, u64)>,
    /// The panel's size and bind groups: sampled nearest (whole-number scales) and linear
    /// (shrunk to fit a small window).
    overlay: Option<Overlay>,
}

struct Overlay {
    size: [u32; 2],
    nearest: wgpu::BindGroup,
    linear: wgpu::BindGroup,
}

impl PresentPass {
    pub fn new(gpu: &Gpu, target: wgpu::TextureFormat) -> Self {
        let module = gpu.device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some("present.wgsl"),
            source: wgpu::ShaderSource::Wgsl(SHADER.into()),
        });
        let layout = gpu.device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("present layout"),
            entries: &[entry::texture(0), entry::sampler(1)],
        });
        let make =
            |label: &str, blend| shader_pipeline(&gpu.device, label, &layout, &module, ("vs", "fs"), target, blend);
        let pipeline = make("present pipeline", None);
        let overlay_pipeline = make("present overlay pipeline", Some(wgpu::BlendState::PREMULTIPLIED_ALPHA_BLENDING));
        let sampler = gpu.device.create_sampler(&wgpu::SamplerDescriptor {
            label: Some("present sampler"),
            mag_filter: wgpu::FilterMode::Linear,
            min_filter: wgpu::FilterMode::Linear,
            ..Default::default()
        });
        let nearest = gpu.device.create_sampler(&wgpu::SamplerDescriptor {
            label: Some("present overlay sampler (nearest)"),
            ..Default::default()
        });
        Self { pipeline, overlay_pipeline, layout, sampler, nearest, bind: None, overlay: None }
    }

    fn bind_group(&self, gpu: &Gpu, label: &str, view: &wgpu::TextureView, sampler: &wgpu::Sampler) -> wgpu::BindGroup {
        gpu.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some(label),
            layout: &self.layout,
            entries: &[
                wgpu::BindGroupEntry { binding: 0, resource: wgpu::BindingResource::TextureView(view) },
                wgpu::BindGroupEntry { binding: 1, resource: wgpu::BindingResource::Sampler(sampler) },
            ],
        })
    }

    /// Upload `panel` (or drop the overlay): once per change, not per frame.
    pub fn set_overlay(&mut self, gpu: &Gpu, panel: Option<&Panel>) {
        self.overlay = panel.map(|p| {
            let view = upload_texture(gpu, "quai overlay", p.width, p.height, &premultiply(&p.rgba));
            Overlay {
                size: [p.width, p.height],
                nearest: self.bind_group(gpu, "present overlay (nearest)", &view, &self.nearest),
                linear: self.bind_group(gpu, "present overlay (linear)", &view, &self.sampler),
            }
        });
    }

    /// Record the present pass into `target` (`size` pixels).
    pub fn draw(
        &mut self,
        gpu: &Gpu,
        encoder: &mut wgpu::CommandEncoder,
        canvas: &Canvas,
        target: &wgpu::TextureView,
        size: [u32; 2],
    ) {
        if self.bind.as_ref().map(|b| b.1) != Some(canvas.id) {
            self.bind = Some((self.bind_group(gpu, "present canvas", &canvas.view, &self.sampler), canvas.id));
        }
        let (x, y, w, h) = letterbox(canvas.size, size);
        let mut pass = color_pass(encoder, "present pass", target, wgpu::LoadOp::Clear(wgpu::Color::BLACK));
        pass.set_viewport(x, y, w, h, 0.0, 1.0);
        pass.set_pipeline(&self.pipeline);
        if let Some((bg, _)) = &self.bind {
            pass.set_bind_group(0, bg, &[]);
        }
        pass.draw(0..3, 0..1);
        self.overlay_into(&mut pass, size);
    }

    fn overlay_into(&self, pass: &mut wgpu::RenderPass<'_>, size: [u32; 2]) {
        if let Some(o) = &self.overlay
            && let Some((x, y, w, h)) = overlay::placement(o.size, size)
        {
            pass.set_viewport(x, y, w, h, 0.0, 1.0);
            pass.set_pipeline(&self.overlay_pipeline);
            let whole = w >= o.size[0] as f32;
            pass.set_bind_group(0, if whole { &o.nearest } else { &o.linear }, &[]);
            pass.draw(0..3, 0..1);
        }
    }

    /// Only the overlay panel, blended over what `target` (`size` pixels) holds; nothing
    /// without a panel.
    pub fn draw_overlay(&self, encoder: &mut wgpu::CommandEncoder, target: &wgpu::TextureView, size: [u32; 2]) {
        if self.overlay.is_none() {
            return;
        }
        let mut pass = color_pass(encoder, "overlay pass", target, wgpu::LoadOp::Load);
        self.overlay_into(&mut pass, size);
    }
}

/// The largest rectangle of the canvas aspect centred in the window: (x, y, w, h).
pub fn letterbox(canvas: [u32; 2], window: [u32; 2]) -> (f32, f32, f32, f32) {
    let [cw, ch] = canvas.map(|v| v as f32);
    let [ww, wh] = window.map(|v| v as f32);
    let s = (ww / cw).min(wh / ch);
    let (w, h) = (cw * s, ch * s);
    (((ww - w) / 2.0).floor(), ((wh - h) / 2.0).floor(), w.round().max(1.0), h.round().max(1.0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::CANVAS_FORMAT;
    use crate::render::overlay::{rasterize, reload_failed};

    fn fill(gpu: &Gpu, canvas: &Canvas, c: wgpu::Color) {
        let mut encoder = gpu.device.create_command_encoder(&Default::default());
        encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
            label: Some("test fill"),
            color_attachments: &[Some(wgpu::RenderPassColorAttachment {
                view: &canvas.view,
                depth_slice: None,
                resolve_target: None,
                ops: wgpu::Operations { load: wgpu::LoadOp::Clear(c), store: wgpu::StoreOp::Store },
            })],
            ..Default::default()
        });
        gpu.queue.submit([encoder.finish()]);
    }

    /// The present pass letterboxes the canvas and blends the overlay panel over the top-left
    /// corner (shrunk to fit this small window); without a panel the corner is letterbox black.
    #[test]
    fn overlay_draws_over_the_letterboxed_canvas() {
        let gpu = Gpu::headless().expect("a GPU adapter (lavapipe)");
        let canvas = Canvas::new(&gpu, [100, 100]);
        fill(&gpu, &canvas, wgpu::Color { r: 0.0, g: 1.0, b: 0.0, a: 1.0 });
        let window = Canvas::new(&gpu, [400, 200]); // canvas shows at x 100..300
        let mut pass = PresentPass::new(&gpu, CANVAS_FORMAT);
        let lines = reload_failed("error: fps 0 is out of range");
        let panel = rasterize(&lines);
        let draw = |pass: &mut PresentPass| {
            let mut encoder = gpu.device.create_command_encoder(&Default::default());
            pass.draw(&gpu, &mut encoder, &canvas, &window.view, window.size);
            window.copy_out(&mut encoder);
            gpu.queue.submit([encoder.finish()]);
            window.read(&gpu).expect("readback")
        };
        let at = |px: &[u8], x: u32, y: u32| -> [u8; 4] {
            let i = ((y * 400 + x) * 4) as usize;
            px[i..i + 4].try_into().unwrap()
        };

        pass.set_overlay(&gpu, Some(&panel));
        let px = draw(&mut pass);
        let (m, _, _, _) = overlay::placement([panel.width, panel.height], [400, 200]).unwrap();
        let m = m as u32;
        // The panel is wider than the window: shrunk to fit, never out of the viewport.
        assert!(panel.width > 400);
        // Panel background over letterbox black: dark, opaque.
        let corner = at(&px, m + 1, m + 1);
        assert!(corner[..3].iter().all(|c| *c < 30) && corner[3] == 255, "panel corner {corner:?}");
        // Over the canvas, below the panel, the canvas is green.
        assert_eq!(at(&px, 200, 190), [0, 255, 0, 255]);
        // The panel shows ink: some bright pixel in its first text line.
        let ink = (m..200).flat_map(|x| (m..m + 12).map(move |y| (x, y))).any(|(x, y)| at(&px, x, y)[0] > 150);
        assert!(ink, "no text drawn in the panel");

        pass.set_overlay(&gpu, None);
        let px = draw(&mut pass);
        assert_eq!(at(&px, m + 1, m + 1), [0, 0, 0, 255]);
        assert_eq!(at(&px, 200, 20), [0, 255, 0, 255]);
    }
}
