//! The GPU half of an LED output, on the render thread: a small pass that writes one texel per LED
//! (the canvas averaged over the LED's footprint, see shaders/builtin/led_sample.wgsl), copied into
//! a ring of staging buffers. Live, a tick only records into a free slot and collects whichever
//! slot the GPU has finished, so the render thread never waits for a readback (when every slot is
//! still in flight, that tick's LED frame is skipped and counted). Offline, `collect(wait = true)`
//! waits for this tick's slot: every frame's DMX is written, deterministically.

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};

use super::map::LedPixel;
use crate::render::pipelines::{color_pass, entry, shader_pipeline};
use crate::render::{CANVAS_FORMAT, Canvas, Gpu};

const SHADER: &str = include_str!("../../../shaders/builtin/led_sample.wgsl");
/// Texels per row of the sampling target (LED index = row × WIDTH + column).
const WIDTH: u32 = 512;
/// Staging buffers: one being written by this tick, one in flight, one mapped.
const RING: usize = 3;

const IDLE: u8 = 0;
const RECORDED: u8 = 1;
const MAPPING: u8 = 2;
const MAPPED: u8 = 3;
const FAILED: u8 = 4;

struct Slot {
    buffer: wgpu::Buffer,
    state: Arc<AtomicU8>,
    /// The tick whose LEDs the slot holds.
    frame: u64,
}

pub struct SamplePass {
    pipeline: wgpu::RenderPipeline,
    layout: wgpu::BindGroupLayout,
    sampler: wgpu::Sampler,
    leds: wgpu::Buffer,
    info: wgpu::Buffer,
    target: wgpu::Texture,
    target_view: wgpu::TextureView,
    /// The bind group and the id of the canvas it reads (`Canvas::id`).
    bind: Option<(wgpu::BindGroup, u64)>,
    count: u32,
    size: [u32; 2],
    padded_row: u32,
    slots: Vec<Slot>,
    /// The slot this tick recorded into, until `submitted` starts mapping it.
    recorded: Option<usize>,
    /// Ticks whose LED frame was skipped because every staging buffer was still in flight.
    pub skipped: u64,
    /// RGBA8 per LED, the last collected frame.
    colors: Vec<[u8; 4]>,
}

impl SamplePass {
    /// A pass for `pixels` (an output's LEDs, in encoder order) placed on a canvas of `canvas` pixels.
    pub fn new(gpu: &Gpu, name: &str, pixels: &[LedPixel], canvas: [u32; 2]) -> Self {
        let d = &gpu.device;
        let count = pixels.len().max(1) as u32;
        let width = count.min(WIDTH);
        let size = [width, count.div_ceil(width)];
        let module = d.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some("led sample"),
            source: wgpu::ShaderSource::Wgsl(SHADER.into()),
        });
        let layout = d.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("led sample"),
            entries: &[
                entry::texture(0),
                entry::sampler(1),
                wgpu::BindGroupLayoutEntry {
                    binding: 2,
                    visibility: wgpu::ShaderStages::FRAGMENT,
                    ty: wgpu::BindingType::Buffer {
                        ty: wgpu::BufferBindingType::Storage { read_only: true },
                        has_dynamic_offset: false,
                        min_binding_size: None,
                    },
                    count: None,
                },
                entry::uniform(3, wgpu::ShaderStages::FRAGMENT),
            ],
        });
        let pipeline = shader_pipeline(d, "led sample", &layout, &module, ("vs", "fs"), CANVAS_FORMAT, None);
        let sampler = d.create_sampler(&wgpu::SamplerDescriptor {
            label: Some("led sample"),
            mag_filter: wgpu::FilterMode::Linear,
            min_filter: wgpu::FilterMode::Linear,
            ..Default::default()
        });
        let mut raw: Vec<u8> = Vec::with_capacity(pixels.len().max(1) * 32);
        for p in pixels {
            for v in [p.center, p.u, p.v, p._pad].iter().flatten() {
                raw.extend_from_slice(&v.to_le_bytes());
            }
        }
        raw.resize(raw.len().max(32), 0);
        let leds = buffer(gpu, "led pixels", &raw, wgpu::BufferUsages::STORAGE);
        let mut info = Vec::with_capacity(16);
        info.extend_from_slice(&(pixels.len() as u32).to_le_bytes());
        info.extend_from_slice(&width.to_le_bytes());
        info.extend_from_slice(&(canvas[0] as f32).to_le_bytes());
        info.extend_from_slice(&(canvas[1] as f32).to_le_bytes());
        let info = buffer(gpu, "led sample info", &info, wgpu::BufferUsages::UNIFORM);
        let target = d.create_texture(&wgpu::TextureDescriptor {
            label: Some(&format!("led samples `{name}`")),
            size: wgpu::Extent3d { width: size[0], height: size[1], depth_or_array_layers: 1 },
            mip_level_count: 1,
            sample_count: 1,
            dimension: wgpu::TextureDimension::D2,
            format: CANVAS_FORMAT,
            usage: wgpu::TextureUsages::RENDER_ATTACHMENT | wgpu::TextureUsages::COPY_SRC,
            view_formats: &[],
        });
        let target_view = target.create_view(&Default::default());
        let padded_row =
            (size[0] * 4).div_ceil(wgpu::COPY_BYTES_PER_ROW_ALIGNMENT) * wgpu::COPY_BYTES_PER_ROW_ALIGNMENT;
        let slots = (0..RING)
            .map(|i| Slot {
                buffer: d.create_buffer(&wgpu::BufferDescriptor {
                    label: Some(&format!("led staging `{name}` {i}")),
                    size: padded_row as u64 * size[1] as u64,
                    usage: wgpu::BufferUsages::COPY_DST | wgpu::BufferUsages::MAP_READ,
                    mapped_at_creation: false,
                }),
                state: Arc::new(AtomicU8::new(IDLE)),
                frame: 0,
            })
            .collect();
        Self {
            pipeline,
            layout,
            sampler,
            leds,
            info,
            target,
            target_view,
            bind: None,
            count: pixels.len() as u32,
            size,
            padded_row,
            slots,
            recorded: None,
            skipped: 0,
            colors: vec![[0; 4]; pixels.len()],
        }
    }

    /// Record the sampling pass and the copy into a free staging buffer (none free: skip).
    pub fn encode(&mut self, gpu: &Gpu, canvas: &Canvas, frame: u64, encoder: &mut wgpu::CommandEncoder) {
        let Some(i) = self.slots.iter().position(|s| s.state.load(Ordering::Acquire) == IDLE) else {
            self.skipped += 1;
            return;
        };
        if self.bind.as_ref().map(|b| b.1) != Some(canvas.id) {
            let bg = gpu.device.create_bind_group(&wgpu::BindGroupDescriptor {
                label: Some("led sample"),
                layout: &self.layout,
                entries: &[
                    wgpu::BindGroupEntry { binding: 0, resource: wgpu::BindingResource::TextureView(&canvas.view) },
                    wgpu::BindGroupEntry { binding: 1, resource: wgpu::BindingResource::Sampler(&self.sampler) },
                    wgpu::BindGroupEntry { binding: 2, resource: self.leds.as_entire_binding() },
                    wgpu::BindGroupEntry { binding: 3, resource: self.info.as_entire_binding() },
                ],
            });
            self.bind = Some((bg, canvas.id));
        }
        {
            let mut pass =
                color_pass(encoder, "led sample", &self.target_view, wgpu::LoadOp::Clear(wgpu::Color::BLACK));
            pass.set_pipeline(&self.pipeline);
            if let Some((bg, _)) = &self.bind {
                pass.set_bind_group(0, bg, &[]);
            }
            pass.draw(0..3, 0..1);
        }
        let slot = &mut self.slots[i];
        encoder.copy_texture_to_buffer(
            self.target.as_image_copy(),
            wgpu::TexelCopyBufferInfo {
                buffer: &slot.buffer,
                layout: wgpu::TexelCopyBufferLayout {
                    offset: 0,
                    bytes_per_row: Some(self.padded_row),
                    rows_per_image: Some(self.size[1]),
                },
            },
            wgpu::Extent3d { width: self.size[0], height: self.size[1], depth_or_array_layers: 1 },
        );
        slot.state.store(RECORDED, Ordering::Release);
        slot.frame = frame;
        self.recorded = Some(i);
    }

    /// After the tick's submit: start mapping what this tick recorded, then take the newest
    /// finished slot's colours (`wait`: wait for this tick's own). Returns the tick they belong to.
    pub fn collect(&mut self, gpu: &Gpu, wait: bool) -> Option<u64> {
        if let Some(i) = self.recorded.take() {
            let slot = &self.slots[i];
            slot.state.store(MAPPING, Ordering::Release);
            let state = slot.state.clone();
            slot.buffer.slice(..).map_async(wgpu::MapMode::Read, move |r| {
                state.store(if r.is_ok() { MAPPED } else { FAILED }, Ordering::Release);
            });
        }
        let poll = if wait { wgpu::PollType::wait_indefinitely() } else { wgpu::PollType::Poll };
        if let Err(e) = gpu.device.poll(poll) {
            tracing::debug!("GPU poll: {e}");
        }
        let newest = self
            .slots
            .iter()
            .enumerate()
            .filter(|(_, s)| s.state.load(Ordering::Acquire) == MAPPED)
            .max_by_key(|(_, s)| s.frame)
            .map(|(i, _)| i);
        let mut got = None;
        if let Some(i) = newest {
            let slot = &self.slots[i];
            if let Ok(mapped) = slot.buffer.slice(..).get_mapped_range() {
                let (w, n) = (self.size[0] as usize, self.count as usize);
                for (k, c) in self.colors.iter_mut().enumerate().take(n) {
                    let at = (k / w) * self.padded_row as usize + (k % w) * 4;
                    if let Some(px) = mapped.get(at..at + 4) {
                        c.copy_from_slice(px);
                    }
                }
                got = Some(slot.frame);
            }
        }
        // Older finished frames are superseded; failed maps are given up.
        for slot in &self.slots {
            match slot.state.load(Ordering::Acquire) {
                MAPPED => {
                    slot.buffer.unmap();
                    slot.state.store(IDLE, Ordering::Release);
                }
                FAILED => slot.state.store(IDLE, Ordering::Release),
                _ => {}
            }
        }
        got
    }

    /// The colours of the last collected frame, one RGBA8 (premultiplied) per LED.
    pub fn colors(&self) -> &[[u8; 4]] {
        &self.colors
    }
}

fn buffer(gpu: &Gpu, label: &str, bytes: &[u8], usage: wgpu::BufferUsages) -> wgpu::Buffer {
    let b = gpu.device.create_buffer(&wgpu::BufferDescriptor {
        label: Some(label),
        size: bytes.len() as u64,
        usage: usage | wgpu::BufferUsages::COPY_DST,
        mapped_at_creation: false,
    });
    gpu.queue.write_buffer(&b, 0, bytes);
    b
}
