//! Shows the canvas in a window surface, letterboxed to keep the canvas aspect. Surface `Lost` and
//! `Outdated` reconfigure; a zero-sized (minimised) window skips the frame.

use super::{Canvas, Gpu, RenderError};

const SHADER: &str = include_str!("../../shaders/builtin/present.wgsl");

pub struct Presenter {
    pub surface: wgpu::Surface<'static>,
    config: wgpu::SurfaceConfiguration,
    view_format: wgpu::TextureFormat,
    pipeline: wgpu::RenderPipeline,
    layout: wgpu::BindGroupLayout,
    sampler: wgpu::Sampler,
    bind: Option<(wgpu::BindGroup, *const ())>,
}

/// What happened to a frame at the surface.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presented {
    Shown,
    /// The window is minimised or the surface was reconfigured; nothing shown this time.
    Skipped,
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
        let module = gpu.device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some("present.wgsl"),
            source: wgpu::ShaderSource::Wgsl(SHADER.into()),
        });
        let layout = gpu.device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("present layout"),
            entries: &[
                wgpu::BindGroupLayoutEntry {
                    binding: 0,
                    visibility: wgpu::ShaderStages::FRAGMENT,
                    ty: wgpu::BindingType::Texture {
                        sample_type: wgpu::TextureSampleType::Float { filterable: true },
                        view_dimension: wgpu::TextureViewDimension::D2,
                        multisampled: false,
                    },
                    count: None,
                },
                wgpu::BindGroupLayoutEntry {
                    binding: 1,
                    visibility: wgpu::ShaderStages::FRAGMENT,
                    ty: wgpu::BindingType::Sampler(wgpu::SamplerBindingType::Filtering),
                    count: None,
                },
            ],
        });
        let pipeline_layout = gpu.device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("present pipeline layout"),
            bind_group_layouts: &[Some(&layout)],
            immediate_size: 0,
        });
        let pipeline = gpu.device.create_render_pipeline(&wgpu::RenderPipelineDescriptor {
            label: Some("present pipeline"),
            layout: Some(&pipeline_layout),
            vertex: wgpu::VertexState {
                module: &module,
                entry_point: Some("vs"),
                compilation_options: Default::default(),
                buffers: &[],
            },
            primitive: Default::default(),
            depth_stencil: None,
            multisample: Default::default(),
            fragment: Some(wgpu::FragmentState {
                module: &module,
                entry_point: Some("fs"),
                compilation_options: Default::default(),
                targets: &[Some(view_format.into())],
            }),
            multiview_mask: None,
            cache: None,
        });
        let sampler = gpu.device.create_sampler(&wgpu::SamplerDescriptor {
            label: Some("present sampler"),
            mag_filter: wgpu::FilterMode::Linear,
            min_filter: wgpu::FilterMode::Linear,
            ..Default::default()
        });
        Ok(Self { surface, config, view_format, pipeline, layout, sampler, bind: None })
    }

    pub fn resize(&mut self, gpu: &Gpu, size: [u32; 2]) {
        if size[0] == 0 || size[1] == 0 {
            return;
        }
        self.config.width = size[0];
        self.config.height = size[1];
        self.surface.configure(&gpu.device, &self.config);
    }

    /// Draw the canvas into the next surface texture and present it.
    pub fn present(&mut self, gpu: &Gpu, canvas: &Canvas, mut encoder: wgpu::CommandEncoder) -> Presented {
        let frame = match self.surface.get_current_texture() {
            wgpu::CurrentSurfaceTexture::Success(f) | wgpu::CurrentSurfaceTexture::Suboptimal(f) => f,
            wgpu::CurrentSurfaceTexture::Outdated | wgpu::CurrentSurfaceTexture::Lost => {
                self.surface.configure(&gpu.device, &self.config);
                gpu.queue.submit([encoder.finish()]);
                return Presented::Skipped;
            }
            other => {
                tracing::debug!("surface: {other:?}");
                gpu.queue.submit([encoder.finish()]);
                return Presented::Skipped;
            }
        };
        let key = &canvas.view as *const _ as *const ();
        if self.bind.as_ref().map(|b| b.1) != Some(key) {
            let bg = gpu.device.create_bind_group(&wgpu::BindGroupDescriptor {
                label: Some("present canvas"),
                layout: &self.layout,
                entries: &[
                    wgpu::BindGroupEntry { binding: 0, resource: wgpu::BindingResource::TextureView(&canvas.view) },
                    wgpu::BindGroupEntry { binding: 1, resource: wgpu::BindingResource::Sampler(&self.sampler) },
                ],
            });
            self.bind = Some((bg, key));
        }
        let view = frame.texture.create_view(&wgpu::TextureViewDescriptor {
            label: Some("surface view"),
            format: Some(self.view_format),
            ..Default::default()
        });
        let (x, y, w, h) = letterbox(canvas.size, [self.config.width, self.config.height]);
        {
            let mut pass = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
                label: Some("present pass"),
                color_attachments: &[Some(wgpu::RenderPassColorAttachment {
                    view: &view,
                    depth_slice: None,
                    resolve_target: None,
                    ops: wgpu::Operations {
                        load: wgpu::LoadOp::Clear(wgpu::Color::BLACK),
                        store: wgpu::StoreOp::Store,
                    },
                })],
                depth_stencil_attachment: None,
                timestamp_writes: None,
                occlusion_query_set: None,
                multiview_mask: None,
            });
            pass.set_viewport(x, y, w, h, 0.0, 1.0);
            pass.set_pipeline(&self.pipeline);
            if let Some((bg, _)) = &self.bind {
                pass.set_bind_group(0, bg, &[]);
            }
            pass.draw(0..3, 0..1);
        }
        gpu.queue.submit([encoder.finish()]);
        gpu.queue.present(frame);
        Presented::Shown
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
