//! The console's picture of the canvas: about once a second the canvas is copied into a staging
//! buffer of its own, mapped without waiting (the frame loop polls, never blocks), and handed to a
//! worker thread that scales it to at most [`WIDTH`] pixels wide, encodes a PNG and puts it on the
//! board (`GET /api/thumbnail.png`).

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::mpsc::{SyncSender, sync_channel};
use std::time::{Duration, Instant};

use super::status::Board;
use crate::app::AppError;
use crate::output::{Frame, Output};
use crate::render::Gpu;

/// Thumbnail width in pixels (height follows the canvas).
pub const WIDTH: u32 = 320;
/// How often a thumbnail is taken.
pub const EVERY: Duration = Duration::from_secs(1);

const PENDING: u8 = 0;
const MAPPED: u8 = 1;
const FAILED: u8 = 2;

enum State {
    Idle,
    /// The copy is recorded in this tick's commands.
    Copied,
    /// Waiting for the map.
    Mapping(Arc<AtomicU8>),
}

pub struct Thumbnails {
    buffer: Option<(wgpu::Buffer, [u32; 2], u32)>,
    state: State,
    next: Instant,
    worker: Option<SyncSender<(Vec<u8>, [u32; 2])>>,
}

impl Thumbnails {
    pub fn new(_gpu: &Gpu, board: Arc<Board>) -> Self {
        let (tx, rx) = sync_channel::<(Vec<u8>, [u32; 2])>(1);
        let spawned = std::thread::Builder::new().name("quai-thumbnail".into()).spawn(move || {
            while let Ok((rgba, [w, h])) = rx.recv() {
                let Some(mut img) = image::RgbaImage::from_raw(w, h, rgba) else { continue };
                // Premultiplied colour over black is the colour as seen: opaque.
                img.pixels_mut().for_each(|p| p.0[3] = 255);
                let tw = WIDTH.min(w).max(1);
                let th = ((h as u64 * tw as u64) / w.max(1) as u64).max(1) as u32;
                let small = image::imageops::thumbnail(&img, tw, th);
                let mut png = Vec::new();
                let encoded = image::DynamicImage::ImageRgba8(small)
                    .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png);
                if encoded.is_ok() {
                    board.set_thumbnail(png.into());
                }
            }
        });
        let worker = match spawned {
            Ok(_) => Some(tx),
            Err(e) => {
                tracing::warn!("console: no thumbnails (cannot start their thread: {e})");
                None
            }
        };
        Self { buffer: None, state: State::Idle, next: Instant::now() + Duration::from_millis(500), worker }
    }
}

impl Output for Thumbnails {
    fn name(&self) -> String {
        "console thumbnail".into()
    }

    fn status(&self, _out: &mut Vec<super::status::OutputStatus>) {}

    fn encode(&mut self, frame: &Frame<'_>, encoder: &mut wgpu::CommandEncoder) {
        if !matches!(self.state, State::Idle) || Instant::now() < self.next || self.worker.is_none() {
            return;
        }
        let size = frame.canvas.size;
        if self.buffer.as_ref().is_none_or(|(_, s, _)| *s != size) {
            let padded =
                (size[0] * 4).div_ceil(wgpu::COPY_BYTES_PER_ROW_ALIGNMENT) * wgpu::COPY_BYTES_PER_ROW_ALIGNMENT;
            let buffer = frame.gpu.device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("quai console thumbnail"),
                size: padded as u64 * size[1] as u64,
                usage: wgpu::BufferUsages::COPY_DST | wgpu::BufferUsages::MAP_READ,
                mapped_at_creation: false,
            });
            self.buffer = Some((buffer, size, padded));
        }
        let Some((buffer, size, padded)) = &self.buffer else { return };
        encoder.copy_texture_to_buffer(
            frame.canvas.texture.as_image_copy(),
            wgpu::TexelCopyBufferInfo {
                buffer,
                layout: wgpu::TexelCopyBufferLayout {
                    offset: 0,
                    bytes_per_row: Some(*padded),
                    rows_per_image: Some(size[1]),
                },
            },
            wgpu::Extent3d { width: size[0], height: size[1], depth_or_array_layers: 1 },
        );
        self.state = State::Copied;
    }

    fn submitted(&mut self, frame: &Frame<'_>) -> Result<(), AppError> {
        let Some((buffer, size, padded)) = &self.buffer else { return Ok(()) };
        match &self.state {
            State::Idle => {}
            State::Copied => {
                let flag = Arc::new(AtomicU8::new(PENDING));
                let f = flag.clone();
                buffer.slice(..).map_async(wgpu::MapMode::Read, move |r| {
                    f.store(if r.is_ok() { MAPPED } else { FAILED }, Ordering::Release);
                });
                self.state = State::Mapping(flag);
            }
            State::Mapping(flag) => {
                let _ = frame.gpu.device.poll(wgpu::PollType::Poll);
                match flag.load(Ordering::Acquire) {
                    PENDING => {}
                    MAPPED => {
                        let row = size[0] as usize * 4;
                        let mut rgba = Vec::with_capacity(row * size[1] as usize);
                        if let Ok(mapped) = buffer.slice(..).get_mapped_range() {
                            for chunk in mapped.chunks(*padded as usize) {
                                rgba.extend_from_slice(&chunk[..row]);
                            }
                        }
                        buffer.unmap();
                        if let Some(w) = &self.worker {
                            // The worker still busy with the last one: skip this one.
                            let _ = w.try_send((rgba, *size));
                        }
                        self.state = State::Idle;
                        self.next = Instant::now() + EVERY;
                    }
                    _ => {
                        self.state = State::Idle;
                        self.next = Instant::now() + EVERY;
                    }
                }
            }
        }
        Ok(())
    }

    /// A new canvas (a reload may change its size): start again with a buffer of its size.
    fn scene_changed(&mut self, _frame: &Frame<'_>) {
        if matches!(self.state, State::Idle) {
            self.buffer = None;
        }
    }
}
