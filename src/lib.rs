//! quai: a runtime for interactive media installations. Scene files (TOML + WGSL) are loaded and
//! validated by `scene`, rendered by `render` (wgpu) into windows or offscreen targets, and driven by
//! the show state in `show`. The `quai` binary (src/main.rs) is a thin CLI over `app`.

pub mod app;
pub mod audio;
pub mod bundled;
pub mod console;
pub mod input;
pub mod output;
pub mod render;
pub mod scene;
pub mod script;
pub mod show;
