//! `quai render --dmx`: the DMX of every frame written to `DIR/dmx.jsonl` and a facade preview,
//! the LEDs drawn at their canvas positions in the colour their channels receive, to
//! `DIR/facade/frame-NNNNNN.png` plus `DIR/facade/contact-sheet.png`. Runs on the render thread
//! of an offline render (where waiting for the disk is fine); same scene → same bytes.
//!
//! `dmx.jsonl` has one line per frame and universe, in frame order, then output order, then
//! ascending universe:
//! `{"frame":0,"t":0.000000,"output":"facade","protocol":"artnet","universe":0,"dmx":[0,255,...]}`
//! with all 512 channel values.

use std::io::Write;
use std::path::{Path, PathBuf};

use image::{Rgba, RgbaImage};

use super::dmx::{Frame, Layout};
use super::map::{self, LedPixel};
use crate::app::AppError;
use crate::render::contact::ContactSheet;
use crate::scene::led::{ColorOrder, Depth, Fixture, LedOutput, LedProtocol, Sample};

/// Longest side of the facade preview, in preview pixels.
const PREVIEW_MAX: f32 = 960.0;

/// Where one LED is drawn in the preview and where its channels are.
struct Dot {
    center: [f32; 2],
    radius: f32,
    /// Index into `Layout::universes` and 0-based channel.
    universe: usize,
    channel: usize,
    order: ColorOrder,
    depth: Depth,
}

pub struct DmxRecorder {
    out: PathBuf,
    jsonl: std::io::BufWriter<std::fs::File>,
    dots: Vec<Vec<Dot>>,
    size: [u32; 2],
    sheet: Option<ContactSheet>,
    line: String,
}

impl DmxRecorder {
    /// `frames`: how many frames the render has (for the contact sheet); `canvas`: the scene's.
    pub fn create(
        dir: &Path,
        outputs: &[(&LedOutput, &Layout)],
        canvas: [u32; 2],
        frames: u64,
    ) -> Result<Self, AppError> {
        let facade = dir.join("facade");
        std::fs::create_dir_all(&facade).map_err(|source| AppError::Io { path: facade.clone(), source })?;
        let path = dir.join("dmx.jsonl");
        let file = std::fs::File::create(&path).map_err(|source| AppError::Io { path: path.clone(), source })?;
        let scale = (PREVIEW_MAX / canvas[0].max(canvas[1]) as f32).min(1.0);
        let size = canvas.map(|v| ((v as f32 * scale).round() as u32).max(1));
        let dots = outputs.iter().map(|(o, layout)| dots(o, layout, scale)).collect();
        Ok(Self {
            out: facade,
            jsonl: std::io::BufWriter::new(file),
            dots,
            size,
            sheet: Some(ContactSheet::new(frames, size)),
            line: String::with_capacity(4096),
        })
    }

    /// Write frame `frame`'s universes of every output (`frames[i]` belongs to `outputs[i]` of `create`).
    pub fn write(&mut self, frame: u64, t: f64, outputs: &[(&LedOutput, &Layout, &Frame)]) -> Result<(), AppError> {
        use std::fmt::Write as _;
        let io = |e: std::io::Error| AppError::Io { path: self.out.with_file_name("dmx.jsonl"), source: e };
        for (o, layout, f) in outputs {
            let protocol = match o.protocol {
                LedProtocol::ArtNet => "artnet",
                LedProtocol::Sacn => "sacn",
            };
            for (u, data) in layout.universes().iter().zip(&f.universes) {
                self.line.clear();
                let _ = write!(
                    self.line,
                    "{{\"frame\":{frame},\"t\":{t:.6},\"output\":{},\"protocol\":\"{protocol}\",\"universe\":{u},\"dmx\":[",
                    serde_json::Value::from(o.name.as_str())
                );
                for (i, v) in data.iter().enumerate() {
                    let _ = write!(self.line, "{}{v}", if i == 0 { "" } else { "," });
                }
                self.line.push_str("]}\n");
                self.jsonl.write_all(self.line.as_bytes()).map_err(io)?;
            }
        }
        let img = self.preview(outputs);
        if let Some(sheet) = &mut self.sheet
            && sheet.wants(frame)
        {
            sheet.add(&img);
        }
        let path = self.out.join(format!("frame-{frame:06}.png"));
        img.save(&path).map_err(|e| AppError::Encode { frame, reason: format!("{}: {e}", path.display()) })
    }

    /// Flush the log and write the preview's contact sheet.
    pub fn finish(&mut self) -> Result<(), AppError> {
        let path = self.out.with_file_name("dmx.jsonl");
        self.jsonl.flush().map_err(|source| AppError::Io { path, source })?;
        if let Some(sheet) = self.sheet.take() {
            let path = self.out.join("contact-sheet.png");
            sheet
                .finish()
                .save(&path)
                .map_err(|e| AppError::Encode { frame: 0, reason: format!("{}: {e}", path.display()) })?;
        }
        Ok(())
    }

    fn preview(&self, outputs: &[(&LedOutput, &Layout, &Frame)]) -> RgbaImage {
        let mut img = RgbaImage::from_pixel(self.size[0], self.size[1], Rgba([0, 0, 0, 255]));
        for (dots, (_, _, f)) in self.dots.iter().zip(outputs) {
            for d in dots {
                let Some(u) = f.universes.get(d.universe) else { continue };
                disc(&mut img, d.center, d.radius, received(u, d));
            }
        }
        img
    }
}

/// The LEDs of `out` for the preview: area footprints (whatever the fixture samples) give the size.
fn dots(out: &LedOutput, layout: &Layout, scale: f32) -> Vec<Dot> {
    let mut v = Vec::new();
    for f in &out.fixtures {
        let area = Fixture { sample: Sample::Area, ..f.clone() };
        for (i, p) in map::pixels(&area).iter().enumerate() {
            let (universe, channel) = f.address(i);
            let Some(k) = layout.universes().iter().position(|&u| u as u32 == universe) else { continue };
            v.push(Dot {
                center: [p.center[0] * scale, p.center[1] * scale],
                radius: radius(p) * scale,
                universe: k,
                channel,
                order: f.order,
                depth: f.depth,
            });
        }
    }
    v
}

/// Dots a little smaller than their footprint, so neighbours stay apart.
fn radius(p: &LedPixel) -> f32 {
    let len = |v: [f32; 2]| (v[0] * v[0] + v[1] * v[1]).sqrt();
    (0.8 * len(p.u).min(len(p.v))).max(0.75)
}

/// The colour an LED's channels hold (coarse bytes for 16 bit; white added back to RGB).
fn received(u: &[u8; 512], d: &Dot) -> [u8; 3] {
    let step = d.depth.bytes();
    let ch = |k: usize| u.get(d.channel + k * step).copied().unwrap_or(0);
    let add = |a: u8, w: u8| a.saturating_add(w);
    match d.order {
        ColorOrder::Rgb => [ch(0), ch(1), ch(2)],
        ColorOrder::Grb => [ch(1), ch(0), ch(2)],
        ColorOrder::Bgr => [ch(2), ch(1), ch(0)],
        ColorOrder::Rgbw => [add(ch(0), ch(3)), add(ch(1), ch(3)), add(ch(2), ch(3))],
        ColorOrder::Grbw => [add(ch(1), ch(3)), add(ch(0), ch(3)), add(ch(2), ch(3))],
        ColorOrder::Mono => [ch(0); 3],
    }
}

fn disc(img: &mut RgbaImage, c: [f32; 2], r: f32, rgb: [u8; 3]) {
    let (w, h) = (img.width() as i64, img.height() as i64);
    let (x0, x1) = (((c[0] - r).floor() as i64).max(0), ((c[0] + r).ceil() as i64).min(w - 1));
    let (y0, y1) = (((c[1] - r).floor() as i64).max(0), ((c[1] + r).ceil() as i64).min(h - 1));
    for y in y0..=y1 {
        for x in x0..=x1 {
            let (dx, dy) = (x as f32 + 0.5 - c[0], y as f32 + 0.5 - c[1]);
            if dx * dx + dy * dy <= r * r {
                img.put_pixel(x as u32, y as u32, Rgba([rgb[0], rgb[1], rgb[2], 255]));
            }
        }
    }
}
