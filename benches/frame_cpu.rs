//! CPU cost of one frame, GPU wait excluded: a 64-layer scene with 256 parameter bindings (4 per
//! layer, all smoothed) — advance parameters, write uniforms, record 64 draws, submit. Baseline in
//! the same group: bare wgpu recording and submitting 64 draws with ready-made bind groups (what any
//! renderer pays). Target: quai ≤ 1 ms.

use std::path::Path;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use quai::render::{Canvas, Compositor, FrameInput, Gpu, GpuCache};
use quai::show::ParamStore;

fn scene_text() -> String {
    let mut s = String::from("[show]\ncanvas = [64, 64]\n");
    for p in 0..256 {
        s += &format!("[params.p{p}]\ndefault = 0.5\nsmoothing = 0.25\n");
    }
    for l in 0..64 {
        let b: Vec<String> = (0..4).map(|k| format!("u{k} = \"p{}\"", l * 4 + k)).collect();
        s += &format!(
            "[[layers]]\nname = \"l{l}\"\nshader = \"s.wgsl\"\nopacity = 0.5\nrotation = {l}\nbind = {{ {} }}\n",
            b.join(", ")
        );
    }
    s
}

fn bench(c: &mut Criterion) {
    let mut files = quai::scene::MemoryFiles::new();
    files.insert(
        "s.wgsl",
        "fn shade(uv: vec2<f32>) -> vec4<f32> { return vec4<f32>(params.u0, params.u1, params.u2, params.u3); }\n",
    );
    files.insert("s.toml", scene_text());
    let scene = std::sync::Arc::new(quai::scene::load_from(&files, Path::new("s.toml")).expect("scene"));
    assert_eq!((scene.layers.len(), scene.params.len()), (64, 256));
    let gpu = Gpu::headless().expect("GPU");
    let mut compositor =
        Compositor::new(&gpu, scene.clone(), scene.canvas, &mut GpuCache::new(&gpu)).expect("compositor");
    let canvas = Canvas::new(&gpu, scene.canvas);
    let mut params = ParamStore::new(&scene.params);
    let mut frame = 0u64;

    let mut g = c.benchmark_group("frame_cpu_64_layers_256_params");
    // The baseline: the same 64 draws from one cached pipeline + bind groups, nothing else.
    g.bench_function("bare_wgpu_64_draws", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let t = Instant::now();
                let mut enc = gpu.device.create_command_encoder(&Default::default());
                compositor.draw(&mut enc, &canvas.view);
                gpu.queue.submit([enc.finish()]);
                total += t.elapsed();
                gpu.wait();
            }
            total
        })
    });
    g.bench_function("quai", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let t = Instant::now();
                for i in 0..256 {
                    if let Some(id) = params.id(&format!("p{i}")).filter(|_| frame % 7 == i as u64 % 7) {
                        let _ = params.set(id, (frame % 100) as f32 / 100.0);
                    }
                }
                params.advance(1.0 / 60.0);
                compositor.prepare(
                    &gpu.queue,
                    &FrameInput {
                        time: frame as f64 / 60.0,
                        delta: 1.0 / 60.0,
                        frame,
                        params: params.values(),
                        audio: [0.0; 4],
                    },
                );
                let mut enc = gpu.device.create_command_encoder(&Default::default());
                compositor.draw(&mut enc, &canvas.view);
                gpu.queue.submit([enc.finish()]);
                total += t.elapsed();
                frame += 1;
                gpu.wait();
            }
            total
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
