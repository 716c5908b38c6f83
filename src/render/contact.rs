//! The contact sheet of an offline render: evenly spaced frames as thumbnails in a grid, so a whole
//! render can be judged at a glance.

use image::{RgbaImage, imageops};

/// Collects thumbnails of chosen frames while a render runs.
pub struct ContactSheet {
    picks: Vec<u64>,
    thumb: [u32; 2],
    thumbs: Vec<RgbaImage>,
}

/// At most this many frames on one sheet.
pub const MAX_THUMBS: u64 = 48;
const THUMB_WIDTH: u32 = 240;
const GAP: u32 = 4;

impl ContactSheet {
    pub fn new(frames: u64, size: [u32; 2]) -> Self {
        let n = frames.min(MAX_THUMBS);
        let picks = (0..n).map(|i| if n <= 1 { 0 } else { i * (frames - 1) / (n - 1) }).collect();
        let w = THUMB_WIDTH.min(size[0]);
        let h = ((size[1] as u64 * w as u64) / size[0] as u64).max(1) as u32;
        Self { picks, thumb: [w, h], thumbs: Vec::new() }
    }

    pub fn wants(&self, frame: u64) -> bool {
        self.picks.binary_search(&frame).is_ok()
    }

    pub fn add(&mut self, frame: &RgbaImage) {
        self.thumbs.push(imageops::resize(frame, self.thumb[0], self.thumb[1], imageops::FilterType::Triangle));
    }

    pub fn finish(self) -> RgbaImage {
        let n = self.thumbs.len().max(1) as u32;
        let cols = (n as f64).sqrt().ceil() as u32;
        let rows = n.div_ceil(cols);
        let [w, h] = self.thumb;
        let mut sheet =
            RgbaImage::from_pixel(cols * (w + GAP) + GAP, rows * (h + GAP) + GAP, image::Rgba([24, 24, 28, 255]));
        for (i, t) in self.thumbs.iter().enumerate() {
            let (c, r) = (i as u32 % cols, i as u32 / cols);
            imageops::overlay(&mut sheet, t, (GAP + c * (w + GAP)) as i64, (GAP + r * (h + GAP)) as i64);
        }
        sheet
    }
}
