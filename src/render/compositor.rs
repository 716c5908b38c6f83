//! A scene's layers on the GPU: one pipeline per (shader, blend mode), one uniform slot per layer,
//! and `draw`, which composites every layer in order into any `TextureView` of `CANVAS_FORMAT`:
//! the window path and the offscreen path share it. Built on the loader thread for hot reload,
//! used on the render thread.

use std::sync::Arc;

use bytemuck::{Pod, Zeroable};

use super::pipelines::{GpuCache, Variant, blend_index, color_pass};
use super::{Gpu, RenderError};
use crate::scene::{Blend, Fit, Layer, LayerKind, Scene, shader_time};

/// Per-frame values shared by every layer (`quai` in WGSL).
#[derive(Debug, Clone, Copy)]
pub struct FrameInput<'a> {
    pub time: f64,
    pub delta: f64,
    pub frame: u64,
    /// Current (smoothed) value of each scene parameter, indexed by `ParamId`.
    pub params: &'a [f32],
    pub audio: [f32; 4],
    /// Each layer's opacity now (cues fade it; 0 is not drawn), by layer index; empty = the
    /// scene's own (`opacity`, and `visible = false` as 0).
    pub opacity: &'a [f32],
}

#[repr(C)]
#[derive(Clone, Copy, Pod, Zeroable)]
struct GlobalsUniform {
    time: f32,
    delta: f32,
    frame: u32,
    _pad0: u32,
    resolution: [f32; 2],
    _pad1: [f32; 2],
    audio: [f32; 4],
    background: [f32; 4],
}

#[repr(C)]
#[derive(Clone, Copy, Pod, Zeroable, Debug, PartialEq)]
pub(crate) struct LayerUniform {
    basis: [f32; 4],
    origin: [f32; 2],
    size: [f32; 2],
    color: [f32; 4],
    uv_rect: [f32; 4],
    opacity: f32,
    index: u32,
    blend: u32,
    _pad: f32,
}

/// Uniform slots are placed at this stride (wgpu's minimum uniform offset alignment).
const SLOT: u64 = 256;

struct GpuLayer {
    pipeline: wgpu::RenderPipeline,
    /// The bottom layer's variant that blends with the background in the shader (see entry.wgsl);
    /// used while it is the first layer drawn.
    base: Option<wgpu::RenderPipeline>,
    uniforms: wgpu::BindGroup,
    texture: wgpu::BindGroup,
}

pub struct Compositor {
    scene: Arc<Scene>,
    size: [u32; 2],
    globals: wgpu::Buffer,
    layer_buffer: wgpu::Buffer,
    param_buffer: wgpu::Buffer,
    param_stride: u64,
    layers: Vec<GpuLayer>,
    layer_bytes: Vec<u8>,
    param_bytes: Vec<u8>,
    visible: Vec<bool>,
}

impl Compositor {
    /// Build GPU objects for `scene`, drawing at `size` pixels (the scene's canvas, or `--size`).
    /// Pipelines come from `cache` when an earlier scene already built the same ones.
    pub fn new(gpu: &Gpu, scene: Arc<Scene>, size: [u32; 2], cache: &mut GpuCache) -> Result<Self, RenderError> {
        let device = &gpu.device;
        let n = scene.layers.len().max(1) as u64;
        let max_params = scene.layers.iter().map(|l| l.program.params_size()).max().unwrap_or(4);
        let param_stride = max_params.div_ceil(SLOT) * SLOT;
        let uniform = |label: &str, size: u64| {
            device.create_buffer(&wgpu::BufferDescriptor {
                label: Some(label),
                size,
                usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
                mapped_at_creation: false,
            })
        };
        let globals = uniform("quai globals", std::mem::size_of::<GlobalsUniform>() as u64);
        let layer_buffer = uniform("quai layer uniforms", n * SLOT);
        let param_buffer = uniform("quai layer params", n * param_stride);

        let mut layers = Vec::with_capacity(scene.layers.len());
        for (i, layer) in scene.layers.iter().enumerate() {
            let pipeline = cache.pipeline(gpu, &layer.program, layer.blend, Variant::Layer, &layer.name)?;
            let base = if i == 0 {
                let [r, g, b, _] = premultiplied(scene.background);
                let over_black = r == 0.0 && g == 0.0 && b == 0.0 && layer.blend != Blend::Multiply;
                Some(cache.pipeline(gpu, &layer.program, layer.blend, Variant::Bottom { over_black }, &layer.name)?)
            } else {
                None
            };
            fn buffer_at(buffer: &wgpu::Buffer, offset: u64, size: u64) -> wgpu::BindingResource<'_> {
                wgpu::BindingResource::Buffer(wgpu::BufferBinding { buffer, offset, size: wgpu::BufferSize::new(size) })
            }
            let uniforms = device.create_bind_group(&wgpu::BindGroupDescriptor {
                label: Some(&format!("layer {} uniforms", layer.name)),
                layout: &cache.uniforms_layout,
                entries: &[
                    wgpu::BindGroupEntry { binding: 0, resource: globals.as_entire_binding() },
                    wgpu::BindGroupEntry {
                        binding: 1,
                        resource: buffer_at(&layer_buffer, i as u64 * SLOT, std::mem::size_of::<LayerUniform>() as u64),
                    },
                    wgpu::BindGroupEntry {
                        binding: 2,
                        resource: buffer_at(&param_buffer, i as u64 * param_stride, layer.program.params_size()),
                    },
                ],
            });
            let view = match &layer.image {
                Some(img) => cache.texture(gpu, img),
                None => cache.white.clone(),
            };
            let texture = device.create_bind_group(&wgpu::BindGroupDescriptor {
                label: Some(&format!("layer {} texture", layer.name)),
                layout: &cache.texture_layout,
                entries: &[
                    wgpu::BindGroupEntry { binding: 0, resource: wgpu::BindingResource::TextureView(&view) },
                    wgpu::BindGroupEntry { binding: 1, resource: wgpu::BindingResource::Sampler(&cache.sampler) },
                ],
            });
            layers.push(GpuLayer { pipeline, base, uniforms, texture });
        }
        Ok(Self {
            visible: scene.layers.iter().map(|l| l.visible).collect(),
            layer_bytes: vec![0; (n * SLOT) as usize],
            param_bytes: vec![0; (n * param_stride) as usize],
            scene,
            size,
            globals,
            layer_buffer,
            param_buffer,
            param_stride,
            layers,
        })
    }

    pub fn scene(&self) -> &Arc<Scene> {
        &self.scene
    }

    /// Pixel size this compositor draws at.
    pub fn size(&self) -> [u32; 2] {
        self.size
    }

    /// Write this frame's uniforms (globals, each layer's placement and bound parameters).
    /// CPU work only, no GPU wait: three buffer writes per frame whatever the layer count.
    pub fn prepare(&mut self, queue: &wgpu::Queue, frame: &FrameInput<'_>) {
        let globals = GlobalsUniform {
            time: shader_time(frame.time, self.scene.time_wrap),
            delta: frame.delta as f32,
            frame: frame.frame as u32,
            _pad0: 0,
            resolution: [self.size[0] as f32, self.size[1] as f32],
            _pad1: [0.0; 2],
            audio: frame.audio,
            background: premultiplied(self.scene.background),
        };
        queue.write_buffer(&self.globals, 0, bytemuck::bytes_of(&globals));
        for (i, layer) in self.scene.layers.iter().enumerate() {
            let mut u = layer_uniform(layer, i, self.scene.canvas);
            if let Some(&o) = frame.opacity.get(i) {
                u.opacity = o;
                self.visible[i] = o > 0.0;
            }
            let at = i * SLOT as usize;
            self.layer_bytes[at..at + std::mem::size_of::<LayerUniform>()].copy_from_slice(bytemuck::bytes_of(&u));
            let at = i * self.param_stride as usize;
            for (j, b) in layer.bindings.iter().enumerate() {
                let v = b.value(frame.params);
                self.param_bytes[at + j * 4..at + j * 4 + 4].copy_from_slice(&v.to_le_bytes());
            }
        }
        queue.write_buffer(&self.layer_buffer, 0, &self.layer_bytes);
        queue.write_buffer(&self.param_buffer, 0, &self.param_bytes);
    }

    /// Composite every visible layer, bottom first, into `view` (cleared to the background).
    pub fn draw(&self, encoder: &mut wgpu::CommandEncoder, view: &wgpu::TextureView) {
        let [r, g, b, a] = premultiplied(self.scene.background).map(f64::from);
        let mut pass = color_pass(encoder, "quai canvas pass", view, wgpu::LoadOp::Clear(wgpu::Color { r, g, b, a }));
        let mut first = true;
        for (gl, visible) in self.layers.iter().zip(&self.visible) {
            if !visible {
                continue;
            }
            match (&gl.base, first) {
                (Some(base), true) => pass.set_pipeline(base),
                _ => pass.set_pipeline(&gl.pipeline),
            }
            first = false;
            pass.set_bind_group(0, &gl.uniforms, &[]);
            pass.set_bind_group(1, &gl.texture, &[]);
            pass.draw(0..4, 0..1);
        }
    }
}

fn premultiplied([r, g, b, a]: [f32; 4]) -> [f32; 4] {
    [r * a, g * a, b * a, a]
}

/// Where a layer lands: its quad in clip space, its pixel size and its uv rectangle. Positions and
/// sizes are in the scene's canvas pixels, so a render at another `--size` keeps the composition.
pub(crate) fn layer_uniform(layer: &Layer, index: usize, canvas: [u32; 2]) -> LayerUniform {
    let [cw, ch] = canvas.map(|v| v as f32);
    let [bw, bh] = layer.size.unwrap_or([cw, ch]);
    let mut uv_rect = [0.0, 0.0, 1.0, 1.0];
    let (qw, qh) = match (&layer.kind, &layer.image) {
        (LayerKind::Image(_), Some(img)) => {
            let (iw, ih) = (img.width as f32, img.height as f32);
            match layer.fit {
                Fit::Contain => {
                    let s = (bw / iw).min(bh / ih);
                    (iw * s, ih * s)
                }
                Fit::Cover => {
                    let s = (bw / iw).max(bh / ih);
                    let (fx, fy) = (bw / (iw * s), bh / (ih * s));
                    uv_rect = [(1.0 - fx) / 2.0, (1.0 - fy) / 2.0, fx, fy];
                    (bw, bh)
                }
                Fit::Stretch => (bw, bh),
            }
        }
        _ => (bw, bh),
    };
    let (w, h) = (qw * layer.scale[0], qh * layer.scale[1]);
    let (sin, cos) = layer.rotation.to_radians().sin_cos();
    // Edge vectors in canvas pixels (y down); clockwise rotation on screen.
    let ex = [w * cos, w * sin];
    let ey = [-h * sin, h * cos];
    let to_clip = |v: [f32; 2]| [2.0 * v[0] / cw, -2.0 * v[1] / ch];
    let [ax, ay] = to_clip(ex);
    let [bx, by] = to_clip(ey);
    let centre = [cw / 2.0 + layer.position[0], ch / 2.0 + layer.position[1]];
    LayerUniform {
        basis: [ax, ay, bx, by],
        origin: [2.0 * centre[0] / cw - 1.0, 1.0 - 2.0 * centre[1] / ch],
        // In scene canvas pixels, like positions and sizes in the scene file: a pattern drawn in
        // pixels looks the same in a `--size` preview as in the show.
        size: [w.abs(), h.abs()],
        color: layer.color,
        uv_rect,
        opacity: layer.opacity,
        index: index as u32,
        blend: blend_index(layer.blend),
        _pad: 0.0,
    }
}
