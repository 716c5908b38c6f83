//! Start-up: loading + validating the bundled demo scene (baseline: bare TOML parse plus naga
//! parse+validate of the same composed shaders — the irreducible part), and start-to-first-frame
//! of a headless run (scene load overlapped with the adapter request, compositor, first frame on
//! the GPU; baseline: the bare wgpu adapter + device request). Target: first frame ≤ 0.5 s.

use std::path::Path;
use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use quai::app::player::{Player, load_and_open_gpu};
use quai::render::Gpu;
use quai::scene::Files;

fn bench(c: &mut Criterion) {
    let files = quai::bundled::files();
    let demo = Path::new(quai::bundled::DEMO);
    let text = String::from_utf8(files.read(demo).expect("demo")).expect("utf8");
    let composed: Vec<String> =
        quai::scene::load_from(&files, demo).expect("demo").layers.iter().map(|l| l.program.wgsl.clone()).collect();

    let mut g = c.benchmark_group("scene_load_demo");
    g.bench_function("bare_toml_and_naga", |b| {
        b.iter(|| {
            let _: toml::Table = toml::from_str(&text).expect("toml");
            for wgsl in &composed {
                let m = naga::front::wgsl::parse_str(wgsl).expect("wgsl");
                naga::valid::Validator::new(naga::valid::ValidationFlags::all(), Default::default())
                    .validate(&m)
                    .expect("valid");
            }
        })
    });
    g.bench_function("quai_load_validate", |b| b.iter(|| quai::scene::load_from(&files, demo).expect("demo")));
    g.finish();

    let mut g = c.benchmark_group("start_to_first_frame");
    g.sample_size(10);
    g.bench_function("bare_adapter_and_device", |b| b.iter(|| Gpu::headless().expect("GPU")));
    let shared: Arc<dyn Files> = Arc::new(files.clone());
    g.bench_function("quai_headless", |b| {
        b.iter(|| {
            let (scene, gpu) = load_and_open_gpu(shared.clone(), demo, || Ok(Gpu::headless()?)).expect("start");
            let mut player = Player::new(gpu, scene, shared.clone(), false, None).expect("player");
            let mut enc = player.encoder();
            player.render(&mut enc);
            player.gpu.queue.submit([enc.finish()]);
            player.gpu.wait();
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
