//! CPU cost of one frame, GPU wait excluded: a 64-layer scene with 256 parameter bindings (4 per
//! layer, all smoothed). The quai side is one real `Show::tick` (advance parameters, write
//! uniforms, record 64 draws, submit), with some parameters changed before each tick by id (ids
//! looked up once, as inputs and mappings do). Baseline in the same group, no quai code: a bare
//! wgpu program with its own fullscreen-triangle shader and pipeline, one uniform buffer of 64
//! slots written with one `queue.write_buffer` per frame and bound at 64 dynamic offsets, 64 draws
//! recorded into a 64x64 texture and submitted: the least any renderer of 64 layers pays (quai
//! writes its uniforms in three writes per frame: globals, layers, parameters). Timed: the parameter changes and the tick /
//! the uniform writes, recording and submit; `gpu.wait()` is outside. Target: quai ≤ 1 ms.

use std::path::Path;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use quai::app::offline::offline_show;
use quai::render::Gpu;

const LAYERS: usize = 64;
/// Bytes per layer in the bare uniform buffer: the dynamic-offset alignment wgpu guarantees.
const SLOT: usize = 256;

fn scene_text() -> String {
    let mut s = String::from("[show]\ncanvas = [64, 64]\n");
    for p in 0..256 {
        s += &format!("[params.p{p}]\ndefault = 0.5\nsmoothing = 0.25\n");
    }
    for l in 0..LAYERS {
        let b: Vec<String> = (0..4).map(|k| format!("u{k} = \"p{}\"", l * 4 + k)).collect();
        s += &format!(
            "[[layers]]\nname = \"l{l}\"\nshader = \"s.wgsl\"\nopacity = 0.5\nrotation = {l}\nbind = {{ {} }}\n",
            b.join(", ")
        );
    }
    s
}

const BARE_WGSL: &str = "
struct U { color: vec4<f32> }
@group(0) @binding(0) var<uniform> u: U;

@vertex
fn vs(@builtin(vertex_index) i: u32) -> @builtin(position) vec4<f32> {
    let p = vec2<f32>(f32((i << 1u) & 2u), f32(i & 2u));
    return vec4<f32>(p * 2.0 - 1.0, 0.0, 1.0);
}

@fragment
fn fs() -> @location(0) vec4<f32> {
    return u.color;
}
";

/// 64 blended fullscreen triangles, one uniform colour each: the least wgpu code for 64 layers.
struct Bare {
    gpu: Gpu,
    pipeline: wgpu::RenderPipeline,
    uniforms: wgpu::Buffer,
    bind: wgpu::BindGroup,
    staging: Vec<u8>,
    target: wgpu::TextureView,
}

impl Bare {
    fn new(gpu: Gpu) -> Self {
        let d = &gpu.device;
        let module = d.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some("bare"),
            source: wgpu::ShaderSource::Wgsl(BARE_WGSL.into()),
        });
        let layout = d.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("bare"),
            entries: &[wgpu::BindGroupLayoutEntry {
                binding: 0,
                visibility: wgpu::ShaderStages::FRAGMENT,
                ty: wgpu::BindingType::Buffer {
                    ty: wgpu::BufferBindingType::Uniform,
                    has_dynamic_offset: true,
                    min_binding_size: wgpu::BufferSize::new(16),
                },
                count: None,
            }],
        });
        let pipeline_layout = d.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("bare"),
            bind_group_layouts: &[Some(&layout)],
            immediate_size: 0,
        });
        let pipeline = d.create_render_pipeline(&wgpu::RenderPipelineDescriptor {
            label: Some("bare"),
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
                targets: &[Some(wgpu::ColorTargetState {
                    format: wgpu::TextureFormat::Rgba8Unorm,
                    blend: Some(wgpu::BlendState::ALPHA_BLENDING),
                    write_mask: wgpu::ColorWrites::ALL,
                })],
            }),
            multiview_mask: None,
            cache: None,
        });
        let uniforms = d.create_buffer(&wgpu::BufferDescriptor {
            label: Some("bare uniforms"),
            size: (SLOT * LAYERS) as u64,
            usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let bind = d.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("bare uniforms"),
            layout: &layout,
            entries: &[wgpu::BindGroupEntry {
                binding: 0,
                resource: wgpu::BindingResource::Buffer(wgpu::BufferBinding {
                    buffer: &uniforms,
                    offset: 0,
                    size: wgpu::BufferSize::new(16),
                }),
            }],
        });
        let target = d
            .create_texture(&wgpu::TextureDescriptor {
                label: Some("bare target"),
                size: wgpu::Extent3d { width: 64, height: 64, depth_or_array_layers: 1 },
                mip_level_count: 1,
                sample_count: 1,
                dimension: wgpu::TextureDimension::D2,
                format: wgpu::TextureFormat::Rgba8Unorm,
                usage: wgpu::TextureUsages::RENDER_ATTACHMENT,
                view_formats: &[],
            })
            .create_view(&Default::default());
        Self { gpu, pipeline, uniforms, bind, staging: vec![0; SLOT * LAYERS], target }
    }

    /// Write the 64 uniforms, record the 64 draws, submit (no wait).
    fn frame(&mut self, frame: u64) {
        let v = (frame % 100) as f32 / 100.0;
        for (l, slot) in self.staging.chunks_exact_mut(SLOT).enumerate() {
            let color = [v, l as f32 / LAYERS as f32, 1.0 - v, 0.5f32];
            slot[..16].copy_from_slice(bytemuck::cast_slice(&color));
        }
        self.gpu.queue.write_buffer(&self.uniforms, 0, &self.staging);
        let mut enc = self.gpu.device.create_command_encoder(&Default::default());
        {
            let mut pass = enc.begin_render_pass(&wgpu::RenderPassDescriptor {
                label: Some("bare"),
                color_attachments: &[Some(wgpu::RenderPassColorAttachment {
                    view: &self.target,
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
            for l in 0..LAYERS {
                pass.set_bind_group(0, &self.bind, &[(l * SLOT) as u32]);
                pass.draw(0..3, 0..1);
            }
        }
        self.gpu.queue.submit([enc.finish()]);
    }
}

fn bench(c: &mut Criterion) {
    let mut files = quai::scene::MemoryFiles::new();
    files.insert(
        "s.wgsl",
        "fn shade(uv: vec2<f32>) -> vec4<f32> { return vec4<f32>(params.u0, params.u1, params.u2, params.u3); }\n",
    );
    files.insert("s.toml", scene_text());
    let scene = quai::scene::load_from(&files, Path::new("s.toml")).expect("scene");
    assert_eq!((scene.layers.len(), scene.params.len()), (LAYERS, 256));
    let gpu = Gpu::headless().expect("GPU (install mesa-vulkan-drivers)");
    let mut bare = Bare::new(gpu.clone());
    let mut show = offline_show(gpu, scene, None, None).expect("show");
    let ids: Vec<_> = (0..256).map(|i| show.params.id(&format!("p{i}")).expect("param id")).collect();

    let mut g = c.benchmark_group("frame_cpu_64_layers_256_params");
    // The baseline: bare wgpu, no quai code.
    let mut frame = 0u64;
    g.bench_function("bare_wgpu_64_draws", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let t = Instant::now();
                bare.frame(frame);
                total += t.elapsed();
                frame += 1;
                bare.gpu.wait();
            }
            total
        })
    });
    let mut frame = 0u64;
    g.bench_function("quai", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let t = Instant::now();
                // About a seventh of the parameters change every frame.
                let v = (frame % 100) as f32 / 100.0;
                for &id in ids.iter().skip((frame % 7) as usize).step_by(7) {
                    show.params.set(id, v).expect("set");
                }
                show.tick().expect("tick");
                total += t.elapsed();
                frame += 1;
                show.gpu().wait();
            }
            total
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
