//! Scene files: the TOML format (file.rs, serde with spans), loading with includes (load.rs),
//! validation into the typed `Scene` (validate.rs), WGSL composition (shader.rs), the synth graph
//! language (graph.rs), diagnostics (diag.rs) and the hot-reload watcher (watch.rs). Loading runs on the loader thread; the render
//! thread only ever receives finished, valid scenes.

pub mod audio;
pub mod diag;
pub mod file;
pub mod graph;
pub mod led;
pub mod load;
pub mod model;
pub mod projection;
pub mod shader;
pub mod source;
pub mod validate;
pub mod watch;
pub mod writeback;

use std::path::Path;
use std::sync::Arc;

pub use diag::{Diagnostic, Location, SceneErrors};
pub use model::*;
pub use source::{Disk, Files, MemoryFiles};

/// Load and validate a scene from the disk.
pub fn load(path: &Path) -> Result<Scene, SceneErrors> {
    load_from(&Disk, path)
}

/// Load and validate a scene from any file source.
pub fn load_from(files: &dyn Files, path: &Path) -> Result<Scene, SceneErrors> {
    reload_from(files, path, &[])
}

/// Load and validate a scene again, reusing the decoded `images` of its previous version (see
/// [`Scene::images`]) whose files have not changed: only what was edited is decoded.
pub fn reload_from(files: &dyn Files, path: &Path, images: &[Arc<ImageData>]) -> Result<Scene, SceneErrors> {
    let path = source::normalize(path);
    let parsed = load::parse(files, &path);
    validate::validate(files, &path, parsed, images)
}

/// Load a scene from TOML text alone (no includes, shaders or images can be read): for tests and fuzzing.
pub fn load_str(path: &Path, text: &str) -> Result<Scene, SceneErrors> {
    let mut files = MemoryFiles::new();
    files.insert(path, text.as_bytes().to_vec());
    load_from(&files, path)
}
