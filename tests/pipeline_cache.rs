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
