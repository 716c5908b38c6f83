//! Projector output costs, GPU time included (each iteration submits and waits).
//!
//! `projector_pass_1080p`: one output's pass at 1920×1080 — quai's `WarpPass` with a corner-pin,
//! a 4 × 4 bicubic mesh, two blended edges with black-level lift and a mask — drawn from the
//! canvas mip chain into an offscreen target. Baseline in the same group, no quai code: a bare
//! wgpu full-screen-triangle blit of a 1920×1080 texture into a 1920×1080 target (the floor of
//! "put the canvas on a projector"). Also the shared mip-chain update (copy + 11 downsampling
//! passes), paid once per tick whatever the number of outputs.
//!
//! `tick_with_outputs`: one `Show::tick` of a 1920×1080 solid-colour scene with 0, 1, 2 and 4
//! such outputs attached (drawn offscreen, not read back), submit and wait. The cost of an output
//! beyond the first should be its pass alone (the mip chain is shared). Baseline in the same
//! group, no quai code: bare wgpu clearing a 1920×1080 texture and blitting it into 4 targets.

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use quai::app::offline::offline_show;
use quai::output::projector::mips::CanvasMips;
use quai::output::projector::pass::{Look, WarpPass};
use quai::output::projector::{Projectors, Readback};
use quai::render::{CANVAS_FORMAT, Canvas, Gpu};
use quai::scene::{self, MemoryFiles};

const W: u32 = 1920;
const H: u32 = 1080;

fn output_toml(name: &str) -> String {
    format!(
        "[[outputs]]\nname = \"{name}\"\nsize = [{W}, {H}]\nheadless = true\n\
         [outputs.warp]\ncorners = [[30, 12], [1900, 0], [1920, 1070], [8, 1080]]\n\
         [outputs.warp.mesh]\ncolumns = 4\nrows = 4\n\
         [outputs.blend]\nleft = {{ width = 300 }}\nright = {{ width = 300 }}\nblack_level = 0.002\n\
         [[outputs.masks]]\nshape = \"ellipse\"\ncenter = [960, 540]\nradius = [900, 520]\nfeather = 20\n"
    )
}

fn scene_with(outputs: usize) -> scene::Scene {
    let mut text = format!("[show]\ncanvas = [{W}, {H}]\n[[layers]]\nname = \"bg\"\ncolor = \"#406080\"\n");
    for k in 0..outputs {
        text += &output_toml(&format!("p{k}"));
    }
    let mut files = MemoryFiles::new();
    files.insert("b.toml", text.into_bytes());
    scene::load_from(&files, Path::new("b.toml")).expect("bench scene")
}

/// Bare wgpu: a full-screen triangle sampling `source` into a target of the same size.
struct BareBlit {
    pipeline: wgpu::RenderPipeline,
    bind: wgpu::BindGroup,
}

const BLIT: &str = r#"
@group(0) @binding(0) var t: texture_2d<f32>;
@group(0) @binding(1) var s: sampler;
struct V { @builtin(position) p: vec4<f32>, @location(0) uv: vec2<f32> }
@vertex fn vs(@builtin(vertex_index) i: u32) -> V {
    let uv = vec2<f32>(f32((i << 1u) & 2u), f32(i & 2u));
    return V(vec4<f32>(uv.x * 2.0 - 1.0, 1.0 - uv.y * 2.0, 0.0, 1.0), uv);
}
@fragment fn fs(v: V) -> @location(0) vec4<f32> { return textureSample(t, s, v.uv); }
"#;

impl BareBlit {
    fn new(device: &wgpu::Device, source: &wgpu::TextureView) -> Self {
        let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some("bare blit"),
            source: wgpu::ShaderSource::Wgsl(BLIT.into()),
        });
        let pipeline = device.create_render_pipeline(&wgpu::RenderPipelineDescriptor {
            label: Some("bare blit"),
            layout: None,
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
                    blend: None,
                    write_mask: wgpu::ColorWrites::ALL,
                })],
            }),
            multiview_mask: None,
            cache: None,
        });
        let sampler = device.create_sampler(&wgpu::SamplerDescriptor {
            mag_filter: wgpu::FilterMode::Linear,
            min_filter: wgpu::FilterMode::Linear,
            ..Default::default()
        });
        let bind = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("bare blit"),
            layout: &pipeline.get_bind_group_layout(0),
            entries: &[
                wgpu::BindGroupEntry { binding: 0, resource: wgpu::BindingResource::TextureView(source) },
                wgpu::BindGroupEntry { binding: 1, resource: wgpu::BindingResource::Sampler(&sampler) },
            ],
        });
        BareBlit { pipeline, bind }
    }

    fn draw(&self, encoder: &mut wgpu::CommandEncoder, target: &wgpu::TextureView) {
        let mut pass = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
            label: Some("bare blit"),
            color_attachments: &[Some(wgpu::RenderPassColorAttachment {
                view: target,
                depth_slice: None,
                resolve_target: None,
                ops: wgpu::Operations { load: wgpu::LoadOp::Clear(wgpu::Color::BLACK), store: wgpu::StoreOp::Store },
            })],
            ..Default::default()
        });
        pass.set_pipeline(&self.pipeline);
        pass.set_bind_group(0, &self.bind, &[]);
        pass.draw(0..3, 0..1);
    }
}

fn texture(device: &wgpu::Device) -> (wgpu::Texture, wgpu::TextureView) {
    let t = device.create_texture(&wgpu::TextureDescriptor {
        label: Some("bench target"),
        size: wgpu::Extent3d { width: W, height: H, depth_or_array_layers: 1 },
        mip_level_count: 1,
        sample_count: 1,
        dimension: wgpu::TextureDimension::D2,
        format: wgpu::TextureFormat::Rgba8Unorm,
        usage: wgpu::TextureUsages::RENDER_ATTACHMENT | wgpu::TextureUsages::TEXTURE_BINDING,
        view_formats: &[],
    });
    let v = t.create_view(&Default::default());
    (t, v)
}

fn submit_wait(gpu: &Gpu, encoder: wgpu::CommandEncoder) {
    gpu.queue.submit([encoder.finish()]);
    let _ = gpu.device.poll(wgpu::PollType::wait_indefinitely());
}

fn projector_pass(c: &mut Criterion) {
    let gpu = Gpu::headless().expect("a GPU adapter (lavapipe)");
    let scene = scene_with(1);
    let def = scene.projectors[0].clone();
    let canvas = Canvas::new(&gpu, [W, H]);
    let mut mips = CanvasMips::new(&gpu, &canvas);
    let mut encoder = gpu.device.create_command_encoder(&Default::default());
    mips.update(&gpu, &canvas, &mut encoder);
    submit_wait(&gpu, encoder);
    let target = Canvas::new(&gpu, [W, H]);
    let mut pass = WarpPass::new(&gpu, CANVAS_FORMAT);
    let (_src, src_view) = texture(&gpu.device);
    let (_dst, dst_view) = texture(&gpu.device);
    let blit = BareBlit::new(&gpu.device, &src_view);

    let mut g = c.benchmark_group("projector_pass_1080p");
    g.bench_function("quai_warp_blend_mask", |b| {
        b.iter(|| {
            let look = Look { warp: &def.warp, pattern: false, handles: &[], canvas: [W, H] };
            pass.prepare(&gpu, &def, &look, [W, H]);
            let mut encoder = gpu.device.create_command_encoder(&Default::default());
            pass.draw(&gpu, &mips, &mut encoder, &target.view);
            submit_wait(&gpu, black_box(encoder));
        })
    });
    // The same pass with nothing to do but sample the canvas: its floor.
    let mut plain = def.clone();
    plain.warp = Default::default();
    plain.blend = Default::default();
    plain.mask = None;
    {
        let d = &plain;
        g.bench_function("quai_pass_without_warp_blend_mask", |b| {
            b.iter(|| {
                let look = Look { warp: &d.warp, pattern: false, handles: &[], canvas: [W, H] };
                pass.prepare(&gpu, d, &look, [W, H]);
                let mut encoder = gpu.device.create_command_encoder(&Default::default());
                pass.draw(&gpu, &mips, &mut encoder, &target.view);
                submit_wait(&gpu, black_box(encoder));
            })
        });
    }
    g.bench_function("bare_wgpu_blit", |b| {
        b.iter(|| {
            let mut encoder = gpu.device.create_command_encoder(&Default::default());
            blit.draw(&mut encoder, &dst_view);
            submit_wait(&gpu, black_box(encoder));
        })
    });
    g.bench_function("quai_mip_chain_update", |b| {
        b.iter(|| {
            let mut encoder = gpu.device.create_command_encoder(&Default::default());
            mips.update(&gpu, &canvas, &mut encoder);
            submit_wait(&gpu, black_box(encoder));
        })
    });
    g.finish();
}

fn tick_with_outputs(c: &mut Criterion) {
    let gpu = Gpu::headless().expect("a GPU adapter (lavapipe)");
    let mut g = c.benchmark_group("tick_with_outputs");
    for n in [0usize, 1, 2, 4] {
        let scene = scene_with(n);
        let defs = scene.projectors.clone();
        let mut show = offline_show(gpu.clone(), scene, None, None).expect("show");
        if n > 0 {
            let (p, _) = Projectors::new(show.gpu(), &defs, true, Readback::Discard);
            show.add_output(Box::new(p));
        }
        g.bench_function(format!("quai_{n}_outputs"), |b| {
            b.iter(|| {
                black_box(show.tick().expect("tick"));
                show.gpu().wait();
            })
        });
    }
    let (_canvas, canvas_view) = texture(&gpu.device);
    let targets: Vec<_> = (0..4).map(|_| texture(&gpu.device)).collect();
    let blit = BareBlit::new(&gpu.device, &canvas_view);
    g.bench_function("bare_wgpu_clear_and_4_blits", |b| {
        b.iter(|| {
            let mut encoder = gpu.device.create_command_encoder(&Default::default());
            {
                encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
                    label: Some("bare canvas"),
                    color_attachments: &[Some(wgpu::RenderPassColorAttachment {
                        view: &canvas_view,
                        depth_slice: None,
                        resolve_target: None,
                        ops: wgpu::Operations {
                            load: wgpu::LoadOp::Clear(wgpu::Color { r: 0.25, g: 0.38, b: 0.5, a: 1.0 }),
                            store: wgpu::StoreOp::Store,
                        },
                    })],
                    ..Default::default()
                });
            }
            for (_, v) in &targets {
                blit.draw(&mut encoder, v);
            }
            submit_wait(&gpu, black_box(encoder));
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).measurement_time(std::time::Duration::from_secs(4));
    targets = projector_pass, tick_with_outputs
}
criterion_main!(benches);
