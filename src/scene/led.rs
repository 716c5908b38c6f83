//! The validated LED facade model: LED outputs (Art-Net / sACN senders) and the fixtures patched to
//! them, as the renderer's sampling pass and the DMX encoder use them. Built by validation from
//! `[[outputs]]` entries of kind `artnet` / `sacn` and `[[fixtures]]` entries (usually in a
//! `hardware/` file that the scene includes). Plain data; no other part of the crate is needed here.

use std::net::{IpAddr, SocketAddr};

/// Channels in one DMX512 universe.
pub const UNIVERSE_CHANNELS: usize = 512;

/// One LED output: a sender of one protocol, and the fixtures it drives.
#[derive(Debug, Clone, PartialEq)]
pub struct LedOutput {
    pub name: String,
    pub protocol: LedProtocol,
    /// Unicast destinations (host:port; the port defaults to 6454 / 5568). Empty for sACN means
    /// multicast to 239.255.hi.lo of each universe; Art-Net with `broadcast` sends to that address.
    pub destinations: Vec<SocketAddr>,
    /// Art-Net only: a directed broadcast address (e.g. 2.255.255.255) to send to as well, only when asked.
    pub broadcast: Option<SocketAddr>,
    /// The local address the sender binds to (selects the interface); `None` = any.
    pub interface: Option<IpAddr>,
    /// Frames per second sent (1..=44; default 40).
    pub rate: f64,
    /// What the fixtures show when the show stops or the scene fails.
    pub on_stop: OnStop,
    /// sACN only: priority 0..=200 (default 100).
    pub priority: u8,
    /// sACN source name / Art-Net short name (default "quai <output name>").
    pub source_name: String,
    /// sACN only: multicast TTL (default 1: the local network).
    pub ttl: u32,
    /// Universe synchronisation: sACN sync universe / Art-Net ArtSync after each frame. Default on
    /// (sACN: sync on the output's first universe unless set).
    pub sync: Option<u16>,
    /// Fixtures in wiring order: what this output sends.
    pub fixtures: Vec<Fixture>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LedProtocol {
    ArtNet,
    Sacn,
}

impl LedProtocol {
    /// The UDP port receivers listen on.
    pub fn port(self) -> u16 {
        match self {
            LedProtocol::ArtNet => 6454,
            LedProtocol::Sacn => 5568,
        }
    }

    /// The lowest and highest universe number the protocol allows (Art-Net: a 15-bit port-address).
    pub fn universes(self) -> (u16, u16) {
        match self {
            LedProtocol::ArtNet => (0, 32767),
            LedProtocol::Sacn => (1, 63999),
        }
    }
}

/// What an LED output sends when the show stops or the scene fails to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnStop {
    /// All channels to zero, then (sACN) stream-terminated packets. The default.
    #[default]
    Black,
    /// Stop sending: receivers keep the last frame (sACN receivers hold until their timeout).
    Hold,
}

/// One fixture: a group of LED pixels placed on the canvas and patched to DMX channels.
#[derive(Debug, Clone, PartialEq)]
pub struct Fixture {
    pub name: String,
    pub shape: Shape,
    /// Where the shape sits on the canvas: its pixel positions are computed in a unit space
    /// (see `Shape`) and mapped into this rectangle, then rotated about its centre.
    pub placement: Placement,
    /// First universe and 1-based start channel of the first pixel.
    pub universe: u16,
    pub channel: u16,
    pub order: ColorOrder,
    /// 8 or 16 bits per colour channel (16: coarse byte first, then fine).
    pub depth: Depth,
    /// Display gamma of the LEDs: canvas values are raised to this power (default 2.2; 1 = linear).
    pub gamma: f32,
    /// Per-channel multipliers for red, green, blue (white balance), applied before the gamma. Default [1, 1, 1].
    pub white_balance: [f32; 3],
    /// Overall brightness limit: every output value is scaled by this (0..1, default 1).
    pub brightness: f32,
    /// Power budget as a fraction (0..1) of every channel of the fixture at full: when a frame's
    /// sum of output values exceeds it, the whole fixture is scaled down to fit. Default 1 (no limit).
    pub power_limit: f32,
    pub sample: Sample,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Shape {
    /// `pixels` LEDs spaced evenly along a polyline in canvas pixels, the first LED on the first
    /// point and the last on the last point.
    Strip { pixels: u32, points: Vec<[f32; 2]> },
    /// A grid of `columns × rows` LEDs filling the placement rectangle, each at the centre of its cell.
    Matrix { columns: u32, rows: u32, wiring: Wiring, start: Corner, major: Major },
    /// Irregular facades: points from a CSV file (x, y[, name]) in canvas pixels, in wiring order.
    /// For strips and points `placement` is their bounding box (derived; `rotation` turns them
    /// about its centre).
    Points { points: Vec<[f32; 2]>, names: Vec<String> },
}

/// How a matrix's LED chain runs through the grid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wiring {
    /// Every row (column) starts on the same side as the first one.
    Progressive,
    /// The chain turns back at the end of each row (column): serpentine, also called zigzag.
    Serpentine,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Corner {
    TopLeft,
    TopRight,
    BottomLeft,
    BottomRight,
}

/// Whether the chain runs along rows first or along columns first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Major {
    Rows,
    Columns,
}

/// Where a fixture sits on the canvas, in canvas pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Placement {
    /// Top-left corner of the (unrotated) rectangle.
    pub position: [f32; 2],
    pub size: [f32; 2],
    /// Degrees, clockwise, about the rectangle's centre.
    pub rotation: f32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColorOrder {
    Rgb,
    Grb,
    Bgr,
    /// Red, green, blue, white; white is extracted as min(r, g, b) and taken out of the colours.
    Rgbw,
    /// Grb + white (common SK6812 order).
    Grbw,
    /// One channel per pixel (dimmers, single-colour strips): the colour's luminance.
    Mono,
}

impl ColorOrder {
    /// Colour channels per pixel.
    pub fn channels(self) -> usize {
        match self {
            ColorOrder::Rgb | ColorOrder::Grb | ColorOrder::Bgr => 3,
            ColorOrder::Rgbw | ColorOrder::Grbw => 4,
            ColorOrder::Mono => 1,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Depth {
    Bits8,
    Bits16,
}

impl Depth {
    /// DMX channels per colour channel.
    pub fn bytes(self) -> usize {
        match self {
            Depth::Bits8 => 1,
            Depth::Bits16 => 2,
        }
    }
}

/// How a pixel reads the canvas.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sample {
    /// The canvas colour at the pixel's centre.
    Point,
    /// The mean over the area the pixel covers (its cell in a matrix, the spacing along a strip),
    /// so a low-resolution facade shows a high-resolution canvas without aliasing.
    Area,
}

impl Fixture {
    /// DMX bytes one pixel takes.
    pub fn pixel_bytes(&self) -> usize {
        self.order.channels() * self.depth.bytes()
    }

    /// Pixels that fit in one universe. Rule: a pixel never straddles two universes; when the
    /// next pixel would run past channel 512, it starts at channel 1 of the next universe
    /// (170 RGB, 128 RGBW, 85 16-bit RGB, 512 mono pixels per universe from channel 1).
    pub fn pixels_per_universe(&self) -> usize {
        UNIVERSE_CHANNELS / self.pixel_bytes()
    }

    pub fn pixel_count(&self) -> usize {
        match &self.shape {
            Shape::Strip { pixels, .. } => *pixels as usize,
            Shape::Matrix { columns, rows, .. } => *columns as usize * *rows as usize,
            Shape::Points { points, .. } => points.len(),
        }
    }

    /// (universe, 0-based channel) of pixel `i` in wiring order, by the rule of `pixels_per_universe`.
    /// The universe is a u32 so that a fixture running past the last universe can be reported
    /// (validation keeps every universe within the protocol's range).
    pub fn address(&self, i: usize) -> (u32, usize) {
        let per = self.pixel_bytes();
        let first = (self.channel as usize).clamp(1, UNIVERSE_CHANNELS) - 1;
        let in_first = (UNIVERSE_CHANNELS - first) / per;
        if i < in_first {
            return (self.universe as u32, first + i * per);
        }
        let rest = i - in_first;
        let ppu = self.pixels_per_universe();
        (self.universe as u32 + 1 + (rest / ppu) as u32, (rest % ppu) * per)
    }

    /// The last universe this fixture writes to.
    pub fn last_universe(&self) -> u32 {
        match self.pixel_count() {
            0 => self.universe as u32,
            n => self.address(n - 1).0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rgb_strip(pixels: u32, channel: u16) -> Fixture {
        Fixture {
            name: "s".into(),
            shape: Shape::Strip { pixels, points: vec![[0.0, 0.0], [1.0, 0.0]] },
            placement: Placement { position: [0.0, 0.0], size: [1.0, 1.0], rotation: 0.0 },
            universe: 1,
            channel,
            order: ColorOrder::Rgb,
            depth: Depth::Bits8,
            gamma: 1.0,
            white_balance: [1.0; 3],
            brightness: 1.0,
            power_limit: 1.0,
            sample: Sample::Point,
        }
    }

    /// 170 RGB pixels fill channels 1..510 of a universe; the 171st starts the next universe at
    /// channel 1 instead of straddling channels 511, 512 and the next universe's 1.
    #[test]
    fn a_pixel_never_straddles_a_universe() {
        let f = rgb_strip(200, 1);
        assert_eq!(f.address(0), (1, 0));
        assert_eq!(f.address(169), (1, 507));
        assert_eq!(f.address(170), (2, 0));
        assert_eq!(f.address(199), (2, 87));
        assert_eq!(f.last_universe(), 2);
        // Starting at channel 508: one pixel fits (508..510), the next moves on.
        let f = rgb_strip(3, 508);
        assert_eq!(f.address(0), (1, 507));
        assert_eq!(f.address(1), (2, 0));
        assert_eq!(f.address(2), (2, 3));
    }
}
