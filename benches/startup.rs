//! Start-up: loading + validating the bundled demo scene (baseline: bare TOML parse plus naga
//! parse+validate of the same composed shaders — the irreducible part), and start-to-first-frame
//! of a headless run (scene load overlapped with the adapter request, compositor, first frame on
//! the GPU; baseline: the bare wgpu adapter + device request). Target: first frame ≤ 0.5 s.
//! And reloading a scene that shows a 4K photo after an edit elsewhere in it (baseline: decoding
//! that photo alone, which every reload used to do): an unchanged image is reused, not decoded;
//! from disk it is not even read.

use std::path::Path;
use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use quai::app::live::live_show;
use quai::render::Gpu;
use quai::scene::Files;
use quai::show::tick::load_and_open_gpu;

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
    // A start reads the saved state: a fresh one each time, in a folder of its own.
    let state = tempfile::tempdir().expect("temp dir");
    let day = quai::app::live::DayOptions::fresh_in(state.path());
    g.bench_function("quai_headless", |b| {
        b.iter(|| {
            let (scene, gpu) = load_and_open_gpu(shared.clone(), demo, || Ok(Gpu::headless()?)).expect("start");
            let mut show = live_show(gpu, scene, shared.clone(), false, None, &day).expect("show");
            show.tick().expect("tick");
            show.gpu().wait();
        })
    });
    g.finish();

    let mut files = quai::scene::MemoryFiles::new();
    files.insert("photo.png", photo_4k());
    files.insert(
        "s.toml",
        "[[layers]]\nname = \"photo\"\nimage = \"photo.png\"\n[[layers]]\nname = \"tint\"\ncolor = \"#ff000020\"\n",
    );
    let scene_path = Path::new("s.toml");
    let png = files.read(Path::new("photo.png")).expect("png");
    let previous = quai::scene::load_from(&files, scene_path).expect("scene").images();
    let mut g = c.benchmark_group("reload_with_4k_photo");
    g.sample_size(10);
    g.bench_function("bare_png_decode", |b| b.iter(|| image::load_from_memory(&png).expect("decode").to_rgba8()));
    g.bench_function("quai_reload_decoding", |b| b.iter(|| quai::scene::load_from(&files, scene_path).expect("scene")));
    g.bench_function("quai_reload_reusing", |b| {
        b.iter(|| quai::scene::reload_from(&files, scene_path, &previous).expect("scene"))
    });
    // The same from disk, where an unchanged image is known by its metadata and not read at all.
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::write(dir.path().join("photo.png"), &png).expect("png");
    std::fs::write(dir.path().join("s.toml"), files.read(scene_path).expect("toml")).expect("toml");
    let disk_scene = dir.path().join("s.toml");
    let previous = quai::scene::load(&disk_scene).expect("scene").images();
    g.bench_function("quai_reload_reusing_disk", |b| {
        b.iter(|| quai::scene::reload_from(&quai::scene::Disk, &disk_scene, &previous).expect("scene"))
    });
    g.finish();
}

/// A 3840×2160 PNG with photo-like content (gradients and grain), about 15 MB like a real photo.
fn photo_4k() -> Vec<u8> {
    let (w, h) = (3840u32, 2160u32);
    let mut seed = 1u32;
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        let n = seed >> 28;
        image::Rgb([((x * 255 / w + n) & 255) as u8, ((y * 255 / h + n) & 255) as u8, ((x + y) * 255 / (w + h)) as u8])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).expect("png");
    out.into_inner()
}

criterion_group!(benches, bench);
criterion_main!(benches);
