//! GPU objects that outlive one scene: bind-group and pipeline layouts, the sampler, compiled
//! shader modules and render pipelines, keyed by exactly what they are built from. Whoever builds
//! compositors keeps one (the loader thread, for hot reload), so an edit that leaves a shader
//! alone does not compile it again: on lavapipe each pipeline is an LLVM compile of 50-150 ms.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use super::{CANVAS_FORMAT, Gpu, RenderError};
use crate::scene::{Blend, ImageData, ShaderProgram};

/// Which fragment entry a pipeline uses (see shaders/lib/entry.wgsl).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Variant {
    /// Blended by the GPU's blend unit with what is below.
    Layer,
    /// The bottom layer, blended with the background in its shader; `over_black`: the background is
    /// black and the blend an identity.
    Bottom { over_black: bool },
}

#[derive(Clone, PartialEq, Eq, Hash)]
struct Key {
    wgsl: String,
    blend: Blend,
    variant: Variant,
}

pub struct GpuCache {
    pub(super) uniforms_layout: wgpu::BindGroupLayout,
    pub(super) texture_layout: wgpu::BindGroupLayout,
    pipeline_layout: wgpu::PipelineLayout,
    pub(super) sampler: wgpu::Sampler,
    /// Bound where a layer has no image.
    pub(super) white: wgpu::TextureView,
    modules: HashMap<String, wgpu::ShaderModule>,
    pipelines: HashMap<Key, wgpu::RenderPipeline>,
    used: HashSet<Key>,
    compiled: u64,
    /// Image textures by the address of their `ImageData`, which the entry keeps alive (so the
    /// address cannot be reused while cached). A reload that kept an image reuses its texture.
    textures: HashMap<usize, (Arc<ImageData>, wgpu::TextureView)>,
    used_textures: HashSet<usize>,
    uploaded: u64,
}

impl GpuCache {
    pub fn new(gpu: &Gpu) -> Self {
        let device = &gpu.device;
        let entry = |binding, ty| wgpu::BindGroupLayoutEntry {
            binding,
            visibility: wgpu::ShaderStages::VERTEX_FRAGMENT,
            ty,
            count: None,
        };
        let buffer = wgpu::BindingType::Buffer {
            ty: wgpu::BufferBindingType::Uniform,
            has_dynamic_offset: false,
            min_binding_size: None,
        };
        let uniforms_layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("quai layer uniforms layout"),
            entries: &[entry(0, buffer), entry(1, buffer), entry(2, buffer)],
        });
        let texture_layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("quai layer texture layout"),
            entries: &[
                entry(
                    0,
                    wgpu::BindingType::Texture {
                        sample_type: wgpu::TextureSampleType::Float { filterable: true },
                        view_dimension: wgpu::TextureViewDimension::D2,
                        multisampled: false,
                    },
                ),
                entry(1, wgpu::BindingType::Sampler(wgpu::SamplerBindingType::Filtering)),
            ],
        });
        let pipeline_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("quai layer pipeline layout"),
            bind_group_layouts: &[Some(&uniforms_layout), Some(&texture_layout)],
            immediate_size: 0,
        });
        let sampler = device.create_sampler(&wgpu::SamplerDescriptor {
            label: Some("quai layer sampler"),
            address_mode_u: wgpu::AddressMode::ClampToEdge,
            address_mode_v: wgpu::AddressMode::ClampToEdge,
            mag_filter: wgpu::FilterMode::Linear,
            min_filter: wgpu::FilterMode::Linear,
            ..Default::default()
        });
        let white = upload_texture(gpu, "quai white 1x1", 1, 1, &[255; 4]);
        Self {
            uniforms_layout,
            texture_layout,
            pipeline_layout,
            sampler,
            white,
            modules: HashMap::new(),
            pipelines: HashMap::new(),
            used: HashSet::new(),
            compiled: 0,
            textures: HashMap::new(),
            used_textures: HashSet::new(),
            uploaded: 0,
        }
    }

    /// The texture of `image` (premultiplied), uploaded only if no scene since the last
    /// `keep_only_used` has needed the same image.
    pub fn texture(&mut self, gpu: &Gpu, image: &Arc<ImageData>) -> wgpu::TextureView {
        let key = Arc::as_ptr(image) as usize;
        self.used_textures.insert(key);
        if let Some((_, view)) = self.textures.get(&key) {
            return view.clone();
        }
        let label = format!("image {}", image.path.display());
        let view = upload_texture(gpu, &label, image.width, image.height, &premultiply(&image.rgba));
        self.uploaded += 1;
        self.textures.insert(key, (image.clone(), view.clone()));
        view
    }

    /// How many image textures this cache has uploaded in all.
    pub fn uploaded(&self) -> u64 {
        self.uploaded
    }

    /// Number of image textures held.
    pub fn textures_held(&self) -> usize {
        self.textures.len()
    }

    /// The pipeline for `program` drawn with `blend` as `variant`, compiled only if no scene
    /// since the last `keep_only_used` has needed the same one.
    pub fn pipeline(
        &mut self,
        gpu: &Gpu,
        program: &ShaderProgram,
        blend: Blend,
        variant: Variant,
        layer: &str,
    ) -> Result<wgpu::RenderPipeline, RenderError> {
        let key = Key { wgsl: program.wgsl.clone(), blend, variant };
        if let Some(p) = self.pipelines.get(&key) {
            self.used.insert(key);
            return Ok(p.clone());
        }
        let device = &gpu.device;
        let scope = device.push_error_scope(wgpu::ErrorFilter::Validation);
        // naga's backends can panic on WGSL that passed validation (a compiler bug, e.g. with
        // `override` constants in arithmetic); that must cost the new scene, not the running show.
        let built = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let module = self.modules.entry(program.wgsl.clone()).or_insert_with(|| {
                device.create_shader_module(wgpu::ShaderModuleDescriptor {
                    label: Some(&program.label),
                    source: wgpu::ShaderSource::Wgsl(program.wgsl.as_str().into()),
                })
            });
            make_pipeline(device, &self.pipeline_layout, module, &program.label, blend, variant)
        }));
        let error = pollster::block_on(scope.pop());
        let pipeline = match (built, error) {
            (Ok(p), None) => p,
            (Ok(_), Some(e)) => return Err(RenderError::Pipeline { layer: layer.into(), reason: e.to_string() }),
            (Err(_), _) => {
                self.modules.remove(&program.wgsl);
                return Err(RenderError::Pipeline {
                    layer: layer.into(),
                    reason: "the shader compiler crashed on this shader (a bug in wgpu/naga: see the panic above); \
                             rewriting the construct it names avoids it"
                        .into(),
                });
            }
        };
        self.compiled += 1;
        self.pipelines.insert(key.clone(), pipeline.clone());
        self.used.insert(key);
        Ok(pipeline)
    }

    /// Forget what the last scene built did not use, so edits do not pile up compiled shaders.
    pub fn keep_only_used(&mut self) {
        let used = std::mem::take(&mut self.used);
        self.pipelines.retain(|k, _| used.contains(k));
        self.modules.retain(|wgsl, _| used.iter().any(|k| &k.wgsl == wgsl));
        let used = std::mem::take(&mut self.used_textures);
        self.textures.retain(|k, _| used.contains(k));
    }

    /// Number of pipelines held.
    pub fn len(&self) -> usize {
        self.pipelines.len()
    }

    pub fn is_empty(&self) -> bool {
        self.pipelines.is_empty()
    }

    /// How many pipelines this cache has compiled in all.
    pub fn compiled(&self) -> u64 {
        self.compiled
    }
}

fn make_pipeline(
    device: &wgpu::Device,
    layout: &wgpu::PipelineLayout,
    module: &wgpu::ShaderModule,
    label: &str,
    blend: Blend,
    variant: Variant,
) -> wgpu::RenderPipeline {
    use wgpu::{BlendComponent, BlendFactor as F, BlendOperation};
    let color = |src, dst| BlendComponent { src_factor: src, dst_factor: dst, operation: BlendOperation::Add };
    // Premultiplied colour throughout: the fragment entry multiplies by alpha and opacity.
    let hardware = wgpu::BlendState {
        color: match blend {
            Blend::Normal => color(F::One, F::OneMinusSrcAlpha),
            Blend::Add => color(F::One, F::One),
            Blend::Multiply => color(F::Dst, F::OneMinusSrcAlpha),
            Blend::Screen => color(F::One, F::OneMinusSrc),
        },
        alpha: color(F::One, F::OneMinusSrcAlpha),
    };
    let (entry, blend_state, constants): (&str, _, Vec<(&str, f64)>) = match variant {
        Variant::Layer => (crate::scene::shader::FRAGMENT_ENTRY, Some(hardware), vec![]),
        Variant::Bottom { over_black } => (
            crate::scene::shader::BASE_FRAGMENT_ENTRY,
            None,
            vec![
                ("quai_base_blend", blend_index(blend) as f64),
                ("quai_base_over_black", if over_black { 1.0 } else { 0.0 }),
            ],
        ),
    };
    device.create_render_pipeline(&wgpu::RenderPipelineDescriptor {
        label: Some(&format!("{label} ({blend:?}, {variant:?})")),
        layout: Some(layout),
        vertex: wgpu::VertexState {
            module,
            entry_point: Some(crate::scene::shader::VERTEX_ENTRY),
            compilation_options: Default::default(),
            buffers: &[],
        },
        primitive: wgpu::PrimitiveState { topology: wgpu::PrimitiveTopology::TriangleStrip, ..Default::default() },
        depth_stencil: None,
        multisample: wgpu::MultisampleState::default(),
        fragment: Some(wgpu::FragmentState {
            module,
            entry_point: Some(entry),
            compilation_options: wgpu::PipelineCompilationOptions { constants: &constants, ..Default::default() },
            targets: &[Some(wgpu::ColorTargetState {
                format: CANVAS_FORMAT,
                blend: blend_state,
                write_mask: wgpu::ColorWrites::ALL,
            })],
        }),
        multiview_mask: None,
        cache: None,
    })
}

/// The number a blend mode has in WGSL (`layer.blend`, `quai_base_blend`).
pub(super) fn blend_index(blend: Blend) -> u32 {
    match blend {
        Blend::Normal => 0,
        Blend::Add => 1,
        Blend::Multiply => 2,
        Blend::Screen => 3,
    }
}

/// Textures hold premultiplied colour, so linear filtering next to transparent texels does not
/// bleed their (meaningless) colour into the picture as dark fringes.
pub(super) fn premultiply(rgba: &[u8]) -> Vec<u8> {
    let mut out = rgba.to_vec();
    for px in out.chunks_exact_mut(4) {
        let a = px[3] as u32;
        if a != 255 {
            for c in &mut px[..3] {
                *c = ((*c as u32 * a + 127) / 255) as u8;
            }
        }
    }
    out
}

pub(super) fn upload_texture(gpu: &Gpu, label: &str, width: u32, height: u32, rgba: &[u8]) -> wgpu::TextureView {
    let size = wgpu::Extent3d { width, height, depth_or_array_layers: 1 };
    let texture = gpu.device.create_texture(&wgpu::TextureDescriptor {
        label: Some(label),
        size,
        mip_level_count: 1,
        sample_count: 1,
        dimension: wgpu::TextureDimension::D2,
        format: wgpu::TextureFormat::Rgba8Unorm,
        usage: wgpu::TextureUsages::TEXTURE_BINDING | wgpu::TextureUsages::COPY_DST,
        view_formats: &[],
    });
    gpu.queue.write_texture(
        texture.as_image_copy(),
        rgba,
        wgpu::TexelCopyBufferLayout { offset: 0, bytes_per_row: Some(4 * width), rows_per_image: Some(height) },
        size,
    );
    texture.create_view(&wgpu::TextureViewDescriptor { label: Some(label), ..Default::default() })
}

/// A pipeline whose vertices the shader makes itself (no vertex buffers, triangle list) into one
/// colour target: what the present, mip, projector and LED passes all are.
pub fn shader_pipeline(
    device: &wgpu::Device,
    label: &str,
    layout: &wgpu::BindGroupLayout,
    module: &wgpu::ShaderModule,
    entries: (&str, &str),
    format: wgpu::TextureFormat,
    blend: Option<wgpu::BlendState>,
) -> wgpu::RenderPipeline {
    let pipeline_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
        label: Some(label),
        bind_group_layouts: &[Some(layout)],
        immediate_size: 0,
    });
    device.create_render_pipeline(&wgpu::RenderPipelineDescriptor {
        label: Some(label),
        layout: Some(&pipeline_layout),
        vertex: wgpu::VertexState {
            module,
            entry_point: Some(entries.0),
            compilation_options: Default::default(),
            buffers: &[],
        },
        primitive: Default::default(),
        depth_stencil: None,
        multisample: Default::default(),
        fragment: Some(wgpu::FragmentState {
            module,
            entry_point: Some(entries.1),
            compilation_options: Default::default(),
            targets: &[Some(wgpu::ColorTargetState { format, blend, write_mask: wgpu::ColorWrites::ALL })],
        }),
        multiview_mask: None,
        cache: None,
    })
}

/// Bind group layout entries for the common cases.
pub mod entry {
    /// A filterable 2D float texture seen by the fragment stage.
    pub fn texture(binding: u32) -> wgpu::BindGroupLayoutEntry {
        wgpu::BindGroupLayoutEntry {
            binding,
            visibility: wgpu::ShaderStages::FRAGMENT,
            ty: wgpu::BindingType::Texture {
                sample_type: wgpu::TextureSampleType::Float { filterable: true },
                view_dimension: wgpu::TextureViewDimension::D2,
                multisampled: false,
            },
            count: None,
        }
    }

    /// A filtering sampler seen by the fragment stage.
    pub fn sampler(binding: u32) -> wgpu::BindGroupLayoutEntry {
        wgpu::BindGroupLayoutEntry {
            binding,
            visibility: wgpu::ShaderStages::FRAGMENT,
            ty: wgpu::BindingType::Sampler(wgpu::SamplerBindingType::Filtering),
            count: None,
        }
    }

    /// A uniform buffer seen by `visibility`.
    pub fn uniform(binding: u32, visibility: wgpu::ShaderStages) -> wgpu::BindGroupLayoutEntry {
        wgpu::BindGroupLayoutEntry {
            binding,
            visibility,
            ty: wgpu::BindingType::Buffer {
                ty: wgpu::BufferBindingType::Uniform,
                has_dynamic_offset: false,
                min_binding_size: None,
            },
            count: None,
        }
    }
}

/// A render pass into one colour target, `load` = clear it (to a colour) or keep what it holds:
/// every pass quai records (canvas, present, overlay, mips, projectors, LED sampling).
pub fn color_pass<'e>(
    encoder: &'e mut wgpu::CommandEncoder,
    label: &str,
    target: &wgpu::TextureView,
    load: wgpu::LoadOp<wgpu::Color>,
) -> wgpu::RenderPass<'e> {
    encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
        label: Some(label),
        color_attachments: &[Some(wgpu::RenderPassColorAttachment {
            view: target,
            depth_slice: None,
            resolve_target: None,
            ops: wgpu::Operations { load, store: wgpu::StoreOp::Store },
        })],
        depth_stencil_attachment: None,
        timestamp_writes: None,
        occlusion_query_set: None,
        multiview_mask: None,
    })
}
