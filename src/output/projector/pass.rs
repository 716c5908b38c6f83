//! The pass of one projector output: the slice of the canvas (from the shared mip chain) through
//! the output's mesh and corner-pin, with soft edges, black-level lift and mask, into any target
//! (a window's surface texture, or an offscreen texture), at the target's own size. In
//! calibration the test pattern replaces the content and the handles are drawn over it.

use bytemuck::{Pod, Zeroable};

use super::mips::CanvasMips;
use super::warp::{Homography, MESH_WGSL, MeshUniform};
use crate::render::pipelines::{color_pass, entry, shader_pipeline};
use crate::render::{Gpu, overlay};
use crate::scene::projection::{ProjectorOutput, Warp};

const SHADER: &str = include_str!("../../../shaders/builtin/projector.wgsl");
const HANDLES: &str = include_str!("../../../shaders/builtin/handles.wgsl");
/// Most handles drawn: what fits a 16 KiB uniform buffer (the 4 corners and all but 5 points of
/// the largest, 32 × 32, mesh).
const MAX_HANDLES: usize = 1023;
/// Handle half-size in target pixels.
const HANDLE_PX: f32 = 7.0;

#[repr(C)]
#[derive(Clone, Copy, Pod, Zeroable)]
struct Params {
    h: [[f32; 4]; 3],
    slice: [f32; 4],
    slice_px: [f32; 4],
    edge_width: [f32; 4],
    edge_curve: [f32; 4],
    edge_inv_gamma: [f32; 4],
    black: [f32; 4],
    grid: [f32; 4],
    label: [f32; 4],
}

#[repr(C)]
#[derive(Clone, Copy, Pod, Zeroable)]
struct HandlesUniform {
    items: [[f32; 4]; MAX_HANDLES],
    shape: [f32; 4],
}

/// What one draw shows, beside the output's own settings.
pub struct Look<'a> {
    /// The warp to draw with (the calibration's while calibrating, else the scene's).
    pub warp: &'a Warp,
    /// The test pattern instead of the content.
    pub pattern: bool,
    /// Calibration handles, target pixels, and whether each is selected.
    pub handles: &'a [([f64; 2], bool)],
    /// The scene's canvas size (what `slice` is written in).
    pub canvas: [u32; 2],
}

pub struct WarpPass {
    format: wgpu::TextureFormat,
    pipeline: wgpu::RenderPipeline,
    /// The same pass with the calibration pattern instead of the canvas.
    pattern_pipeline: wgpu::RenderPipeline,
    /// This draw shows the pattern.
    pattern: bool,
    handle_pipeline: wgpu::RenderPipeline,
    layout: wgpu::BindGroupLayout,
    params: wgpu::Buffer,
    mesh: wgpu::Buffer,
    handles: wgpu::Buffer,
    handle_bind: wgpu::BindGroup,
    handle_count: u32,
    canvas_sampler: wgpu::Sampler,
    plain_sampler: wgpu::Sampler,
    mask: wgpu::TextureView,
    /// The mask uploaded (to upload again only when it changes).
    mask_of: Option<std::sync::Arc<crate::scene::projection::MaskImage>>,
    label: (wgpu::TextureView, [u32; 2]),
    label_text: String,
    /// The mesh in the uniform buffer (`Some(None)`: no mesh; `None`: nothing uploaded yet).
    mesh_of: Option<Option<crate::scene::projection::MeshWarp>>,
    /// The bind group and the mip texture id it samples.
    bind: Option<(wgpu::BindGroup, u64)>,
    vertices: u32,
}

fn texture(
    gpu: &Gpu,
    label: &str,
    size: [u32; 2],
    format: wgpu::TextureFormat,
    data: &[u8],
    bpp: u32,
) -> wgpu::TextureView {
    let extent = wgpu::Extent3d { width: size[0], height: size[1], depth_or_array_layers: 1 };
    let texture = gpu.device.create_texture(&wgpu::TextureDescriptor {
        label: Some(label),
        size: extent,
        mip_level_count: 1,
        sample_count: 1,
        dimension: wgpu::TextureDimension::D2,
        format,
        usage: wgpu::TextureUsages::TEXTURE_BINDING | wgpu::TextureUsages::COPY_DST,
        view_formats: &[],
    });
    gpu.queue.write_texture(
        texture.as_image_copy(),
        data,
        wgpu::TexelCopyBufferLayout { offset: 0, bytes_per_row: Some(size[0] * bpp), rows_per_image: Some(size[1]) },
        extent,
    );
    texture.create_view(&Default::default())
}

impl WarpPass {
    pub fn new(gpu: &Gpu, format: wgpu::TextureFormat) -> Self {
        let device = &gpu.device;
        let source = format!("{SHADER}\n{MESH_WGSL}");
        let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some("projector.wgsl"),
            source: wgpu::ShaderSource::Wgsl(source.into()),
        });
        let both = wgpu::ShaderStages::VERTEX | wgpu::ShaderStages::FRAGMENT;
        let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("projector layout"),
            entries: &[
                entry::uniform(0, both),
                entry::uniform(1, wgpu::ShaderStages::VERTEX),
                entry::texture(2),
                entry::sampler(3),
                entry::texture(4),
                entry::texture(5),
                entry::sampler(6),
            ],
        });
        let make = |label: &str, fs: &str| shader_pipeline(device, label, &layout, &module, ("vs", fs), format, None);
        let pipeline = make("projector pipeline", "fs");
        let pattern_pipeline = make("projector pattern pipeline", "fs_pattern");
        let handle_module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some("handles.wgsl"),
            source: wgpu::ShaderSource::Wgsl(HANDLES.into()),
        });
        let handle_layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("handles layout"),
            entries: &[entry::uniform(0, wgpu::ShaderStages::VERTEX)],
        });
        let handle_pipeline = shader_pipeline(
            device,
            "handles pipeline",
            &handle_layout,
            &handle_module,
            ("handle_vs", "handle_fs"),
            format,
            None,
        );
        let buffer = |label: &str, size: usize| {
            device.create_buffer(&wgpu::BufferDescriptor {
                label: Some(label),
                size: size as u64,
                usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
                mapped_at_creation: false,
            })
        };
        let params = buffer("projector params", size_of::<Params>());
        let mesh = buffer("projector mesh", size_of::<MeshUniform>());
        let handles = buffer("projector handles", size_of::<HandlesUniform>());
        let handle_bind = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("handles"),
            layout: &handle_layout,
            entries: &[wgpu::BindGroupEntry { binding: 0, resource: handles.as_entire_binding() }],
        });
        // Anisotropic filtering keeps a steeply angled region sharp; a GPU does it almost for
        // free, a software rasteriser (lavapipe: tests, CI) pays per tap, and trilinear alone
        // already keeps the picture from shimmering.
        let software = gpu.adapter.get_info().device_type == wgpu::DeviceType::Cpu;
        let max_aniso = if software { 1 } else { 16 };
        let canvas_sampler = device.create_sampler(&wgpu::SamplerDescriptor {
            label: Some("projector canvas sampler (trilinear)"),
            mag_filter: wgpu::FilterMode::Linear,
            min_filter: wgpu::FilterMode::Linear,
            mipmap_filter: wgpu::MipmapFilterMode::Linear,
            anisotropy_clamp: max_aniso,
            ..Default::default()
        });
        let plain_sampler = device.create_sampler(&wgpu::SamplerDescriptor {
            label: Some("projector mask sampler"),
            mag_filter: wgpu::FilterMode::Linear,
            min_filter: wgpu::FilterMode::Linear,
            ..Default::default()
        });
        let white = texture(gpu, "no mask", [1, 1], wgpu::TextureFormat::R8Unorm, &[255], 1);
        let clear = texture(gpu, "no label", [1, 1], wgpu::TextureFormat::Rgba8Unorm, &[0; 4], 4);
        Self {
            format,
            pipeline,
            pattern_pipeline,
            pattern: false,
            handle_pipeline,
            layout,
            params,
            mesh,
            handles,
            handle_bind,
            handle_count: 0,
            canvas_sampler,
            plain_sampler,
            mask: white,
            mask_of: None,
            mesh_of: None,
            label: (clear, [0, 0]),
            label_text: String::new(),
            bind: None,
            vertices: 6,
        }
    }

    /// The target format its pipelines draw into.
    pub fn format(&self) -> wgpu::TextureFormat {
        self.format
    }

    /// Upload what this draw needs: the geometry for a target of `target` pixels, the blend, the
    /// mask and label when they changed, the handles.
    pub fn prepare(&mut self, gpu: &Gpu, out: &ProjectorOutput, look: &Look<'_>, target: [u32; 2]) {
        if self.mask_of.as_ref().map(std::sync::Arc::as_ptr) != out.mask.as_ref().map(std::sync::Arc::as_ptr) {
            self.mask = match &out.mask {
                Some(m) => texture(gpu, "projector mask", m.size, wgpu::TextureFormat::R8Unorm, &m.coverage, 1),
                None => texture(gpu, "no mask", [1, 1], wgpu::TextureFormat::R8Unorm, &[255], 1),
            };
            self.mask_of = out.mask.clone();
            self.bind = None;
        }
        // The label only matters for the pattern: no string is built per tick of a show.
        let text = look.pattern.then(|| format!("{}  {}x{}", out.name, target[0], target[1]));
        if let Some(text) = text.filter(|t| *t != self.label_text) {
            let panel = overlay::rasterize(std::slice::from_ref(&text));
            self.label = (
                texture(
                    gpu,
                    "projector label",
                    [panel.width, panel.height],
                    wgpu::TextureFormat::Rgba8Unorm,
                    &panel.rgba,
                    4,
                ),
                [panel.width, panel.height],
            );
            self.label_text = text;
            self.bind = None;
        }
        let corners = match look.warp.corners {
            Some(c) => {
                let (sx, sy) = (target[0] as f64 / out.size[0] as f64, target[1] as f64 / out.size[1] as f64);
                c.map(|[x, y]| [x * sx, y * sy])
            }
            None => out.corners_in(target),
        };
        // Validated quads only reach here; a degenerate one draws nothing rather than garbage.
        let h = Homography::from_corners(&corners).map(|h| h.to_ndc(target)).unwrap_or([[0.0; 4]; 3]);
        let [sx, sy, sw, sh] = out.slice;
        let [cw, ch] = look.canvas.map(|v| v as f64);
        let b = &out.blend;
        let edge = |f: &dyn Fn(&crate::scene::projection::BlendEdge) -> f64| {
            [0, 1, 2, 3].map(|k| b.edges[k].as_ref().map_or(0.0, |e| f(e) as f32))
        };
        let (columns, rows) = look.warp.mesh.as_ref().map_or((1, 1), |m| (m.columns - 1, m.rows - 1));
        let sub = |cells: u32| (256 / cells).clamp(1, 16);
        let grid = if look.warp.mesh.is_some() { [columns * sub(columns), rows * sub(rows)] } else { [1, 1] };
        self.vertices = grid[0] * grid[1] * 6;
        self.pattern = look.pattern;
        // The label: a line of text a fifth of the slice wide, above the centre.
        let label = if look.pattern && self.label.1[0] > 0 {
            let [lw, lh] = self.label.1.map(|v| v as f64);
            let w = 0.4;
            let hgt = w * sw / lw * lh / sh;
            [(0.5 - w / 2.0) as f32, (0.38 - hgt) as f32, w as f32, hgt as f32]
        } else {
            [0.0; 4]
        };
        let params = Params {
            h,
            slice: [(sx / cw) as f32, (sy / ch) as f32, (sw / cw) as f32, (sh / ch) as f32],
            slice_px: [
                sw as f32,
                sh as f32,
                f32::from(u8::from(look.pattern)),
                f32::from(u8::from(out.mask.is_some())),
            ],
            edge_width: edge(&|e| e.width),
            edge_curve: edge(&|e| e.curve),
            edge_inv_gamma: edge(&|e| 1.0 / e.gamma),
            black: [b.black_level[0] as f32, b.black_level[1] as f32, b.black_level[2] as f32, b.gamma as f32],
            grid: [grid[0] as f32, grid[1] as f32, target[0] as f32, target[1] as f32],
            label,
        };
        gpu.queue.write_buffer(&self.params, 0, bytemuck::bytes_of(&params));
        // The mesh (8 KiB) is uploaded when it changes, not every tick.
        if self.mesh_of.as_ref() != Some(&look.warp.mesh) {
            let mesh = MeshUniform::new(look.warp.mesh.as_ref());
            gpu.queue.write_buffer(&self.mesh, 0, &mesh_bytes(&mesh));
            self.mesh_of = Some(look.warp.mesh.clone());
        }
        self.handle_count = look.handles.len().min(MAX_HANDLES) as u32;
        if self.handle_count > 0 {
            let mut hu = HandlesUniform::zeroed();
            let [tw, th] = target.map(|v| v as f32);
            for (slot, (p, selected)) in hu.items.iter_mut().zip(look.handles) {
                *slot = [
                    p[0] as f32 / tw * 2.0 - 1.0,
                    1.0 - p[1] as f32 / th * 2.0,
                    HANDLE_PX * 2.0 / tw,
                    f32::from(u8::from(*selected)),
                ];
            }
            hu.shape = [th / tw, 0.0, 0.0, 0.0];
            gpu.queue.write_buffer(&self.handles, 0, bytemuck::bytes_of(&hu));
        }
    }

    /// Record the pass into `target` (cleared to black first).
    pub fn draw(
        &mut self,
        gpu: &Gpu,
        mips: &CanvasMips,
        encoder: &mut wgpu::CommandEncoder,
        target: &wgpu::TextureView,
    ) {
        if self.bind.as_ref().map(|b| b.1) != Some(mips.id) {
            let bind = gpu.device.create_bind_group(&wgpu::BindGroupDescriptor {
                label: Some("projector"),
                layout: &self.layout,
                entries: &[
                    wgpu::BindGroupEntry { binding: 0, resource: self.params.as_entire_binding() },
                    wgpu::BindGroupEntry { binding: 1, resource: self.mesh.as_entire_binding() },
                    wgpu::BindGroupEntry { binding: 2, resource: wgpu::BindingResource::TextureView(&mips.view) },
                    wgpu::BindGroupEntry { binding: 3, resource: wgpu::BindingResource::Sampler(&self.canvas_sampler) },
                    wgpu::BindGroupEntry { binding: 4, resource: wgpu::BindingResource::TextureView(&self.mask) },
                    wgpu::BindGroupEntry { binding: 5, resource: wgpu::BindingResource::TextureView(&self.label.0) },
                    wgpu::BindGroupEntry { binding: 6, resource: wgpu::BindingResource::Sampler(&self.plain_sampler) },
                ],
            });
            self.bind = Some((bind, mips.id));
        }
        let mut pass = color_pass(encoder, "projector pass", target, wgpu::LoadOp::Clear(wgpu::Color::BLACK));
        pass.set_pipeline(if self.pattern { &self.pattern_pipeline } else { &self.pipeline });
        if let Some((bind, _)) = &self.bind {
            pass.set_bind_group(0, bind, &[]);
        }
        pass.draw(0..self.vertices, 0..1);
        if self.handle_count > 0 {
            pass.set_pipeline(&self.handle_pipeline);
            pass.set_bind_group(0, &self.handle_bind, &[]);
            pass.draw(0..6, 0..self.handle_count);
        }
    }
}

/// The mesh uniform's bytes, in the layout MESH_WGSL declares (points, then shape).
fn mesh_bytes(m: &MeshUniform) -> Vec<u8> {
    let mut out = Vec::with_capacity(size_of::<MeshUniform>());
    out.extend(m.points.iter().flatten().flat_map(|v| v.to_le_bytes()));
    out.extend(m.shape.iter().flat_map(|v| v.to_le_bytes()));
    out
}
