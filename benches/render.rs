//! Offline rendering throughput: a one-shader 1920x1080 scene through quai (scene → compositor →
//! canvas, GPU wait per frame, no readback) against a bare wgpu baseline that draws the same
//! composed WGSL with a hand-written minimal pipeline into a texture of the same format.
//! Target: quai ≥ 0.95 × baseline.

use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use quai::app::offline::offline_show;
use quai::render::{CANVAS_FORMAT, Gpu};

const SCENE: &str = "[show]\ncanvas = [1920, 1080]\n[[layers]]\nname = \"pulse\"\nshader = \"shaders/pulse.wgsl\"\nbind = { speed = 1.0, rings = 5.0, intensity = 1.0 }\n";

fn scene() -> quai::scene::Scene {
    let mut files = quai::bundled::files();
    files.insert("bench.toml", SCENE.as_bytes().to_vec());
    quai::scene::load_from(&files, Path::new("bench.toml")).expect("bench scene")
}

/// The same shader, drawn by the least code wgpu allows: one pipeline, one bind group, one pass.
struct Bare {
    gpu: Gpu,
    pipeline: wgpu::RenderPipeline,
    bind: wgpu::BindGroup,
    tex: wgpu::TextureView,
}

impl Bare {
    fn new(gpu: Gpu, wgsl: &str) -> Self {
        let d = &gpu.device;
        let module = d.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some("bare"),
            source: wgpu::ShaderSource::Wgsl(wgsl.into()),
        });
        let pipeline = d.create_render_pipeline(&wgpu::RenderPipelineDescriptor {
            label: Some("bare"),
            layout: None,
            vertex: wgpu::VertexState {
                module: &module,
                entry_point: Some("quai_vs"),
                compilation_options: Default::default(),
                buffers: &[],
            },
            primitive: wgpu::PrimitiveState { topology: wgpu::PrimitiveTopology::TriangleStrip, ..Default::default() },
            depth_stencil: None,
            multisample: Default::default(),
            fragment: Some(wgpu::FragmentState {
                module: &module,
                entry_point: Some("quai_fs"),
                compilation_options: Default::default(),
                targets: &[Some(CANVAS_FORMAT.into())],
            }),
            multiview_mask: None,
            cache: None,
        });
        let buf = |bytes: &[u8]| {
            let b = d.create_buffer(&wgpu::BufferDescriptor {
                label: Some("bare uniform"),
                size: 256,
                usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
                mapped_at_creation: false,
            });
            gpu.queue.write_buffer(&b, 0, bytes);
            b
        };
        let globals =
            buf(bytemuck::cast_slice(&[1.0f32, 0.016, 0.0, 0.0, 1920.0, 1080.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]));
        // Full-screen quad: basis (2,0 | 0,-2), origin 0, size 1920x1080, white, uv rect 0..1, opacity 1.
        let layer: [f32; 20] =
            [2.0, 0.0, 0.0, -2.0, 0.0, 0.0, 1920.0, 1080.0, 1.0, 1.0, 1.0, 1.0, 0.0, 0.0, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0];
        let layer = buf(bytemuck::cast_slice(&layer));
        let params = buf(bytemuck::cast_slice(&[1.0f32, 1.0, 5.0, 0.0]));
        let bind = d.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("bare uniforms"),
            layout: &pipeline.get_bind_group_layout(0),
            entries: &[
                wgpu::BindGroupEntry { binding: 0, resource: globals.as_entire_binding() },
                wgpu::BindGroupEntry { binding: 1, resource: layer.as_entire_binding() },
                wgpu::BindGroupEntry { binding: 2, resource: params.as_entire_binding() },
            ],
        });
        // The shader samples no texture, so the derived layout has no group 1 to fill.
        let tex = d
            .create_texture(&wgpu::TextureDescriptor {
                label: Some("bare target"),
                size: wgpu::Extent3d { width: 1920, height: 1080, depth_or_array_layers: 1 },
                mip_level_count: 1,
                sample_count: 1,
                dimension: wgpu::TextureDimension::D2,
                format: CANVAS_FORMAT,
                usage: wgpu::TextureUsages::RENDER_ATTACHMENT,
                view_formats: &[],
            })
            .create_view(&Default::default());
        Self { gpu, pipeline, bind, tex }
    }

    fn frame(&self) {
        let mut enc = self.gpu.device.create_command_encoder(&Default::default());
        {
            let mut pass = enc.begin_render_pass(&wgpu::RenderPassDescriptor {
                label: Some("bare"),
                color_attachments: &[Some(wgpu::RenderPassColorAttachment {
                    view: &self.tex,
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
            pass.set_pipeline(&self.pipeline);
            pass.set_bind_group(0, &self.bind, &[]);
            pass.draw(0..4, 0..1);
        }
        self.gpu.queue.submit([enc.finish()]);
        self.gpu.wait();
    }
}

fn bench(c: &mut Criterion) {
    let gpu = Gpu::headless().expect("GPU (install mesa-vulkan-drivers)");
    let scene = scene();
    let wgsl = scene.layers[0].program.wgsl.clone();
    let mut quai = offline_show(gpu.clone(), scene, None, None).expect("show");
    let bare = Bare::new(gpu.clone(), &wgsl);

    let mut g = c.benchmark_group("render_1080p_one_shader");
    g.sample_size(20).throughput(Throughput::Elements(1));
    g.bench_function("bare_wgpu", |b| b.iter(|| bare.frame()));
    g.bench_function("quai", |b| {
        b.iter(|| {
            quai.tick().expect("tick");
            quai.gpu().wait();
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
