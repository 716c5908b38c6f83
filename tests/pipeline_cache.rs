//! Hot reload compiles only what an edit changed: the loader thread keeps a `GpuCache`, so an edit
//! of a value (opacity, position, a parameter) reuses every pipeline, and a shader edit compiles
//! just that shader's. On lavapipe a pipeline is an LLVM compile of 50-150 ms; save → frame must
//! stay under ~100 ms.

use std::path::Path;
use std::sync::Arc;

use quai::render::{Compositor, Gpu, GpuCache};
use quai::scene::{self, MemoryFiles};

fn scene(files: &MemoryFiles) -> Arc<scene::Scene> {
    Arc::new(scene::load_from(files, Path::new("s.toml")).unwrap_or_else(|e| panic!("{e}")))
}

/// Regression: every reload recompiled every pipeline, even for an opacity change.
#[test]
fn value_edits_reuse_pipelines_and_shader_edits_compile_one() {
    let gpu = Gpu::headless().expect("GPU adapter (install mesa-vulkan-drivers)");
    let mut files = MemoryFiles::new();
    let red = "fn shade(uv: vec2<f32>) -> vec4<f32> { return vec4<f32>(1.0, 0.0, 0.0, 1.0); }\n";
    files.insert("a.wgsl", red).insert("b.wgsl", red.replace("1.0, 0.0, 0.0", "0.0, 1.0, 0.0"));
    let text = |opacity: f32| {
        format!(
            "[[layers]]\nname = \"a\"\nshader = \"a.wgsl\"\n[[layers]]\nname = \"b\"\nshader = \"b.wgsl\"\nopacity = {opacity}\n"
        )
    };
    files.insert("s.toml", text(0.5));
    let mut cache = GpuCache::new(&gpu);
    let build = |files: &MemoryFiles, cache: &mut GpuCache| {
        let s = scene(files);
        Compositor::new(&gpu, s.clone(), s.canvas, cache).expect("compositor");
        cache.keep_only_used();
    };
    build(&files, &mut cache);
    // a: layer + bottom variant, b: layer.
    assert_eq!(cache.compiled(), 3);

    files.insert("s.toml", text(0.8));
    build(&files, &mut cache);
    assert_eq!(cache.compiled(), 3, "an opacity edit compiled a pipeline");

    files.insert("b.wgsl", red.replace("1.0, 0.0, 0.0", "0.0, 0.0, 1.0"));
    build(&files, &mut cache);
    assert_eq!(cache.compiled(), 4, "a shader edit compiles that shader only");
    assert_eq!(cache.len(), 3, "the old version of b.wgsl is dropped");
}

/// A PNG of `w`×`h` pixels of one colour.
fn png(w: u32, h: u32, rgba: [u8; 4]) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    image::RgbaImage::from_pixel(w, h, image::Rgba(rgba)).write_to(&mut out, image::ImageFormat::Png).expect("png");
    out.into_inner()
}

/// Regression: every reload decoded and uploaded every image again, so with a 4K photo in the
/// scene any edit (a colour, an opacity) took about 270 ms instead of about 30. An unchanged image
/// file is now reused, decoded pixels and GPU texture alike; a changed one is decoded again, and
/// the old texture is dropped.
#[test]
fn reloads_reuse_unchanged_images_and_their_textures() {
    let gpu = Gpu::headless().expect("GPU adapter (install mesa-vulkan-drivers)");
    let mut files = MemoryFiles::new();
    files.insert("photo.png", png(64, 32, [200, 100, 50, 255])).insert("logo.png", png(8, 8, [0, 0, 255, 128]));
    let text = |opacity: f32| {
        format!(
            "[[layers]]\nname = \"photo\"\nimage = \"photo.png\"\n[[layers]]\nname = \"logo\"\nimage = \"logo.png\"\nopacity = {opacity}\n"
        )
    };
    files.insert("s.toml", text(0.5));
    let mut cache = GpuCache::new(&gpu);
    let first = scene(&files);
    Compositor::new(&gpu, first.clone(), first.canvas, &mut cache).expect("compositor");
    cache.keep_only_used();
    assert_eq!(cache.uploaded(), 2);

    let reload = |files: &MemoryFiles, previous: &scene::Scene, cache: &mut GpuCache| {
        let s = Arc::new(scene::reload_from(files, Path::new("s.toml"), &previous.images()).expect("reload"));
        Compositor::new(&gpu, s.clone(), s.canvas, cache).expect("compositor");
        cache.keep_only_used();
        s
    };
    files.insert("s.toml", text(0.8));
    let second = reload(&files, &first, &mut cache);
    for (a, b) in first.images().iter().zip(second.images()) {
        assert!(Arc::ptr_eq(a, &b), "{} was decoded again though its file did not change", b.path.display());
    }
    assert_eq!(cache.uploaded(), 2, "an opacity edit uploaded an image again");

    files.insert("logo.png", png(8, 8, [255, 0, 0, 255]));
    let third = reload(&files, &second, &mut cache);
    let (photo, logo) = (&third.images()[0], &third.images()[1]);
    assert!(Arc::ptr_eq(photo, &second.images()[0]), "the photo did not change");
    assert!(!Arc::ptr_eq(logo, &second.images()[1]) && logo.rgba[..4] == [255, 0, 0, 255], "the new logo is decoded");
    assert_eq!(cache.uploaded(), 3, "only the changed image is uploaded");
    assert_eq!(cache.textures_held(), 2, "the old logo's texture is dropped");
}

/// The disk, counting which files are read.
#[derive(Default)]
struct CountingDisk {
    reads: std::sync::Mutex<Vec<std::path::PathBuf>>,
}

impl scene::Files for CountingDisk {
    fn read(&self, path: &Path) -> std::io::Result<Vec<u8>> {
        self.reads.lock().expect("lock").push(path.to_path_buf());
        scene::Disk.read(path)
    }
    fn is_disk(&self) -> bool {
        true
    }
    fn stamp(&self, path: &Path) -> Option<scene::FileStamp> {
        scene::Disk.stamp(path)
    }
}

/// On disk an unchanged image is recognised by its file's metadata and not even read again
/// (reading and hashing a 15 MB photo costs ~10 ms, per photo, per save); a rewritten file is
/// read and decoded, even with the same size.
#[test]
fn disk_images_are_reused_without_reading_them() {
    let dir = tempfile::tempdir().expect("tmp");
    let (scene_path, photo) = (dir.path().join("s.toml"), dir.path().join("photo.png"));
    std::fs::write(&photo, png(16, 16, [10, 20, 30, 255])).expect("png");
    std::fs::write(&scene_path, "[[layers]]\nname = \"photo\"\nimage = \"photo.png\"\n").expect("toml");
    let files = CountingDisk::default();
    let first = scene::load_from(&files, &scene_path).expect("load");
    std::fs::write(&scene_path, "[[layers]]\nname = \"photo\"\nimage = \"photo.png\"\nopacity = 0.5\n").expect("toml");
    files.reads.lock().expect("lock").clear();
    let second = scene::reload_from(&files, &scene_path, &first.images()).expect("reload");
    assert!(Arc::ptr_eq(&first.images()[0], &second.images()[0]), "the same decoded image");
    let reads = files.reads.lock().expect("lock").clone();
    assert!(!reads.iter().any(|p| p.ends_with("photo.png")), "the photo was read again: {reads:?}");
    assert!(second.files.iter().any(|p| p.ends_with("photo.png")), "it is still watched");

    std::fs::write(&photo, png(16, 16, [200, 20, 30, 255])).expect("png"); // same size, new pixels
    let third = scene::reload_from(&files, &scene_path, &second.images()).expect("reload");
    assert_eq!(third.images()[0].rgba[..4], [200, 20, 30, 255], "the rewritten photo is decoded");
}
