//! The offscreen canvas: a texture every scene draws into (then shown in a window, sent to LEDs or
//! read back for PNGs), with a readback buffer for copying frames to the CPU.

use super::{CANVAS_FORMAT, Gpu, RenderError};

pub struct Canvas {
    /// Unique per canvas made in this process: what views of it (bind groups) are keyed by.
    pub id: u64,
    pub texture: wgpu::Texture,
    pub view: wgpu::TextureView,
    pub size: [u32; 2],
    readback: wgpu::Buffer,
    padded_row: u32,
}

impl Canvas {
    pub fn new(gpu: &Gpu, size: [u32; 2]) -> Self {
        let texture = gpu.device.create_texture(&wgpu::TextureDescriptor {
            label: Some("quai canvas"),
            size: wgpu::Extent3d { width: size[0], height: size[1], depth_or_array_layers: 1 },
            mip_level_count: 1,
            sample_count: 1,
            dimension: wgpu::TextureDimension::D2,
            format: CANVAS_FORMAT,
            usage: wgpu::TextureUsages::RENDER_ATTACHMENT
                | wgpu::TextureUsages::TEXTURE_BINDING
                | wgpu::TextureUsages::COPY_SRC,
            view_formats: &[],
        });
        let view =
            texture.create_view(&wgpu::TextureViewDescriptor { label: Some("quai canvas view"), ..Default::default() });
        let padded_row =
            (size[0] * 4).div_ceil(wgpu::COPY_BYTES_PER_ROW_ALIGNMENT) * wgpu::COPY_BYTES_PER_ROW_ALIGNMENT;
        let readback = gpu.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("quai canvas readback"),
            size: padded_row as u64 * size[1] as u64,
            usage: wgpu::BufferUsages::COPY_DST | wgpu::BufferUsages::MAP_READ,
            mapped_at_creation: false,
        });
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        let id = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Self { id, texture, view, size, readback, padded_row }
    }

    /// Record a copy of the canvas into the readback buffer (call `read` after submitting).
    pub fn copy_out(&self, encoder: &mut wgpu::CommandEncoder) {
        encoder.copy_texture_to_buffer(
            self.texture.as_image_copy(),
            wgpu::TexelCopyBufferInfo {
                buffer: &self.readback,
                layout: wgpu::TexelCopyBufferLayout {
                    offset: 0,
                    bytes_per_row: Some(self.padded_row),
                    rows_per_image: Some(self.size[1]),
                },
            },
            wgpu::Extent3d { width: self.size[0], height: self.size[1], depth_or_array_layers: 1 },
        );
    }

    /// Wait for the copy recorded by `copy_out` and return the frame as straight-alpha RGBA8 rows.
    pub fn read(&self, gpu: &Gpu) -> Result<Vec<u8>, RenderError> {
        let slice = self.readback.slice(..);
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        slice.map_async(wgpu::MapMode::Read, move |r| {
            let _ = tx.send(r);
        });
        gpu.wait();
        rx.recv()
            .map_err(|e| RenderError::Readback(e.to_string()))?
            .map_err(|e| RenderError::Readback(e.to_string()))?;
        let row = self.size[0] as usize * 4;
        let mut out = Vec::with_capacity(row * self.size[1] as usize);
        {
            let mapped = slice.get_mapped_range().map_err(|e| RenderError::Readback(e.to_string()))?;
            for chunk in mapped.chunks(self.padded_row as usize) {
                out.extend_from_slice(&chunk[..row]);
            }
        }
        self.readback.unmap();
        unpremultiply(&mut out);
        Ok(out)
    }
}

/// The canvas holds premultiplied colour; image files want straight alpha.
fn unpremultiply(rgba: &mut [u8]) {
    for px in rgba.chunks_exact_mut(4) {
        let a = px[3] as u32;
        if a != 255 && a != 0 {
            for c in &mut px[..3] {
                *c = ((*c as u32 * 255 + a / 2) / a).min(255) as u8;
            }
        }
    }
}
