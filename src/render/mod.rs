//! Rendering with wgpu, all on the render (main) thread except pipeline building for hot reload,
//! which the loader thread does ahead of the swap.
//! - `gpu`: instance, adapter, device and queue;
//! - `compositor`: a scene's layers as pipelines + uniforms, drawn into any `TextureView`;
//! - `pipelines`: layouts, shader modules and pipelines kept across scenes (hot reload);
//! - `canvas`: the offscreen canvas texture and its readback to RGBA bytes;
//! - `present`: shows the canvas in a window surface, letterboxed;
//! - `contact`: the contact sheet of an offline render.

pub mod canvas;
pub mod compositor;
pub mod contact;
pub mod gpu;
pub mod overlay;
pub mod pipelines;
pub mod present;

pub use canvas::Canvas;
pub use compositor::{Compositor, FrameInput};
pub use gpu::Gpu;
pub use pipelines::GpuCache;

/// The canvas texture format: 8-bit, values as authored (gamma-encoded), blending in that space like
/// image editors and most creative-coding tools do.
pub const CANVAS_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Rgba8Unorm;

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error(
        "no GPU adapter found ({0}); on Debian/Ubuntu install Mesa's software Vulkan driver: \
         apt-get install mesa-vulkan-drivers libvulkan1 (or run scripts/setup)"
    )]
    NoAdapter(String),
    #[error("GPU device could not be created on {adapter}: {reason}")]
    NoDevice { adapter: String, reason: String },
    #[error("GPU rejected the pipeline of layer `{layer}`: {reason}")]
    Pipeline { layer: String, reason: String },
    #[error("reading the frame back from the GPU failed: {0}")]
    Readback(String),
    #[error("window surface: {0}")]
    Surface(String),
}
