//! The canvas with a full mip chain in linear light, shared by every projector output of a tick:
//! the canvas is copied into level 0 of an sRGB texture, each further level is drawn from the one
//! above at half size (bilinear at the shared corner = a 2×2 box, averaged in linear light since
//! the sRGB view decodes on read and encodes on write). A warp that shrinks part of the canvas
//! then samples trilinearly instead of skipping texels, so fine detail does not shimmer.

use crate::render::pipelines::{color_pass, entry, shader_pipeline};
use crate::render::{CANVAS_FORMAT, Canvas, Gpu};

const SHADER: &str = include_str!("../../../shaders/builtin/present.wgsl");
pub const MIPS_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Rgba8UnormSrgb;

pub struct CanvasMips {
    /// The canvas these mips were made for (`Canvas::id`).
    canvas_id: u64,
    /// Unique per texture made: what bind groups sampling `view` are keyed by.
    pub id: u64,
    texture: wgpu::Texture,
    /// All levels, for sampling.
    pub view: wgpu::TextureView,
    /// Level i ≥ 1: its render target and the bind group reading level i − 1.
    levels: Vec<(wgpu::TextureView, wgpu::BindGroup)>,
    pipeline: wgpu::RenderPipeline,
    layout: wgpu::BindGroupLayout,
    sampler: wgpu::Sampler,
}

impl CanvasMips {
    pub fn new(gpu: &Gpu, canvas: &Canvas) -> Self {
        let device = &gpu.device;
        let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some("mip downsample"),
            source: wgpu::ShaderSource::Wgsl(SHADER.into()),
        });
        let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("mip layout"),
            entries: &[entry::texture(0), entry::sampler(1)],
        });
        let pipeline = shader_pipeline(device, "mip downsample", &layout, &module, ("vs", "fs"), MIPS_FORMAT, None);
        let sampler = device.create_sampler(&wgpu::SamplerDescriptor {
            label: Some("mip downsample sampler"),
            mag_filter: wgpu::FilterMode::Linear,
            min_filter: wgpu::FilterMode::Linear,
            ..Default::default()
        });
        let (id, texture, view, levels) = Self::chain(gpu, canvas.size, &layout, &sampler);
        Self { canvas_id: canvas.id, id, texture, view, levels, pipeline, layout, sampler }
    }

    fn chain(
        gpu: &Gpu,
        size: [u32; 2],
        layout: &wgpu::BindGroupLayout,
        sampler: &wgpu::Sampler,
    ) -> (u64, wgpu::Texture, wgpu::TextureView, Vec<(wgpu::TextureView, wgpu::BindGroup)>) {
        let count = 32 - size[0].max(size[1]).max(1).leading_zeros();
        let texture = gpu.device.create_texture(&wgpu::TextureDescriptor {
            label: Some("canvas mips"),
            size: wgpu::Extent3d { width: size[0], height: size[1], depth_or_array_layers: 1 },
            mip_level_count: count,
            sample_count: 1,
            dimension: wgpu::TextureDimension::D2,
            format: MIPS_FORMAT,
            usage: wgpu::TextureUsages::COPY_DST
                | wgpu::TextureUsages::RENDER_ATTACHMENT
                | wgpu::TextureUsages::TEXTURE_BINDING,
            view_formats: &[],
        });
        let view =
            texture.create_view(&wgpu::TextureViewDescriptor { label: Some("canvas mips"), ..Default::default() });
        let level = |i: u32| {
            texture.create_view(&wgpu::TextureViewDescriptor {
                label: Some("canvas mip level"),
                base_mip_level: i,
                mip_level_count: Some(1),
                ..Default::default()
            })
        };
        let levels = (1..count)
            .map(|i| {
                let source = level(i - 1);
                let bind = gpu.device.create_bind_group(&wgpu::BindGroupDescriptor {
                    label: Some("mip source"),
                    layout,
                    entries: &[
                        wgpu::BindGroupEntry { binding: 0, resource: wgpu::BindingResource::TextureView(&source) },
                        wgpu::BindGroupEntry { binding: 1, resource: wgpu::BindingResource::Sampler(sampler) },
                    ],
                });
                (level(i), bind)
            })
            .collect();
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        (NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed), texture, view, levels)
    }

    /// Record this tick's copy of `canvas` and the downsampling of every level.
    pub fn update(&mut self, gpu: &Gpu, canvas: &Canvas, encoder: &mut wgpu::CommandEncoder) {
        debug_assert_eq!(CANVAS_FORMAT.remove_srgb_suffix(), MIPS_FORMAT.remove_srgb_suffix());
        if canvas.id != self.canvas_id {
            let (id, texture, view, levels) = Self::chain(gpu, canvas.size, &self.layout, &self.sampler);
            (self.id, self.texture, self.view, self.levels, self.canvas_id) = (id, texture, view, levels, canvas.id);
        }
        encoder.copy_texture_to_texture(
            canvas.texture.as_image_copy(),
            self.texture.as_image_copy(),
            wgpu::Extent3d { width: canvas.size[0], height: canvas.size[1], depth_or_array_layers: 1 },
        );
        for (target, source) in &self.levels {
            let mut pass = color_pass(encoder, "mip level", target, wgpu::LoadOp::Clear(wgpu::Color::BLACK));
            pass.set_pipeline(&self.pipeline);
            pass.set_bind_group(0, source, &[]);
            pass.draw(0..3, 0..1);
        }
    }
}
