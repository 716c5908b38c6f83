//! From sampled canvas colours to DMX universes, for one LED output. Owns the colour pipeline
//! (white balance, gamma, brightness, white extraction, power limit), the channel order and depth,
//! and the patch (which universe and channel each pixel lands on). [`Layout`] is built once per
//! scene, on the scene loader thread; [`Layout::encode`] runs in the LED output, once per frame,
//! and does not allocate.

use crate::scene::led::{ColorOrder, Depth, Fixture, LedOutput, UNIVERSE_CHANNELS};

/// Rec. 709 luminance weights in 1/65536: round(0.2126, 0.7152, 0.0722 × 65536), summing to 65536.
const LUMA: [u64; 3] = [13933, 46871, 4732];

/// The DMX channel values of every universe an output touches, in the order of
/// [`Layout::universes`]. Made by [`Layout::frame`] and reused from frame to frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// Channel values: `universes[k][c]` is channel `c + 1` of universe `Layout::universes()[k]`.
    pub universes: Vec<[u8; UNIVERSE_CHANNELS]>,
}

/// An output's patch and colour tables, precomputed from the scene.
#[derive(Debug, Clone)]
pub struct Layout {
    universes: Vec<u16>,
    pixels: usize,
    fixtures: Vec<Table>,
}

/// One fixture's precomputed encoding.
#[derive(Debug, Clone)]
struct Table {
    /// Index of the fixture's first pixel in the output's colour slice, and its pixel count.
    first: usize,
    count: usize,
    order: ColorOrder,
    depth: Depth,
    /// Per canvas channel (r, g, b): 8-bit canvas value → 16-bit linear output value.
    lut: [[u16; 256]; 3],
    /// Power budget: the most the sum of all the fixture's output values may reach; `None`: no limit.
    budget: Option<u64>,
    /// Consecutive pixels that land on consecutive bytes of the frame, in pixel order.
    runs: Vec<Run>,
}

/// `count` pixels from the fixture's pixel `pixel` on, written from byte `offset` of the
/// flattened frame (universe index × 512 + 0-based channel) on, back to back.
#[derive(Debug, Clone, Copy)]
struct Run {
    offset: usize,
    pixel: usize,
    count: usize,
}

impl Layout {
    /// The patch of `out`: the universes its fixtures touch, and each fixture's colour tables
    /// and pixel destinations (from [`Fixture::address`]). Fixtures that overlap in the patch
    /// overwrite each other in fixture order.
    pub fn new(out: &LedOutput) -> Layout {
        let mut universes: Vec<u16> = out
            .fixtures
            .iter()
            .filter(|f| f.pixel_count() > 0)
            .flat_map(|f| f.universe..=u16::try_from(f.last_universe()).unwrap_or(u16::MAX))
            .collect();
        universes.sort_unstable();
        universes.dedup();
        let mut first = 0;
        let fixtures = out
            .fixtures
            .iter()
            .map(|f| {
                let t = Table::new(f, first, &universes);
                first += t.count;
                t
            })
            .collect();
        Layout { universes, pixels: first, fixtures }
    }

    /// The distinct universes the output touches, ascending: what it sends, in [`Frame`] order.
    pub fn universes(&self) -> &[u16] {
        &self.universes
    }

    /// Pixels over all fixtures: the length of the colour slice [`Layout::encode`] expects.
    pub fn pixels(&self) -> usize {
        self.pixels
    }

    /// A black frame with one universe per entry of [`Layout::universes`].
    pub fn frame(&self) -> Frame {
        Frame { universes: vec![[0; UNIVERSE_CHANNELS]; self.universes.len()] }
    }

    /// Encodes one frame: `colors` holds the sampled canvas colour of every pixel (RGBA8,
    /// premultiplied: rgb is used as is, alpha ignored), fixture after fixture, each in wiring
    /// order. Pixels past the end of a short slice are black; unpatched channels are 0. Does not
    /// allocate, except to resize a `frame` that was not made by this layout.
    pub fn encode(&self, colors: &[[u8; 4]], frame: &mut Frame) {
        if frame.universes.len() != self.universes.len() {
            frame.universes.resize(self.universes.len(), [0; UNIVERSE_CHANNELS]);
        }
        let flat = frame.universes.as_flattened_mut();
        flat.fill(0);
        for t in &self.fixtures {
            let src = colors.get(t.first..).unwrap_or(&[]);
            let src = &src[..src.len().min(t.count)];
            t.encode(src, flat);
        }
    }
}

impl Table {
    fn new(f: &Fixture, first: usize, universes: &[u16]) -> Table {
        let count = f.pixel_count();
        let channels = f.order.channels();
        let per = f.pixel_bytes();
        let brightness = f64::from(f.brightness).clamp(0.0, 1.0);
        let mut lut = [[0u16; 256]; 3];
        for (c, table) in lut.iter_mut().enumerate() {
            for (v, out) in table.iter_mut().enumerate() {
                let x = (v as f64 / 255.0 * f64::from(f.white_balance[c])).clamp(0.0, 1.0);
                // Float-to-int `as` saturates and maps NaN to 0.
                *out = (x.powf(f64::from(f.gamma)) * brightness * 65535.0).round() as u16;
            }
        }
        let limit = f64::from(f.power_limit);
        let budget = (limit < 1.0 && count > 0)
            .then(|| (limit.max(0.0) * channels as f64 * count as f64 * 65535.0).floor() as u64);
        let mut runs: Vec<Run> = Vec::new();
        for i in 0..count {
            let (universe, channel) = f.address(i);
            let Ok(universe) = u16::try_from(universe) else { continue };
            let Ok(k) = universes.binary_search(&universe) else { continue };
            if channel + per > UNIVERSE_CHANNELS {
                continue;
            }
            let offset = k * UNIVERSE_CHANNELS + channel;
            match runs.last_mut() {
                Some(r) if r.pixel + r.count == i && r.offset + r.count * per == offset => r.count += 1,
                _ => runs.push(Run { offset, pixel: i, count: 1 }),
            }
        }
        Table { first, count, order: f.order, depth: f.depth, lut, budget, runs }
    }

    /// The linear 16-bit (r, g, b) of a canvas colour.
    #[inline(always)]
    fn linear(&self, c: [u8; 4]) -> [u16; 3] {
        [self.lut[0][c[0] as usize], self.lut[1][c[1] as usize], self.lut[2][c[2] as usize]]
    }

    /// Writes the fixture's pixels `src` into the flattened frame, picking the channel order.
    fn encode(&self, src: &[[u8; 4]], flat: &mut [u8]) {
        let white = |[r, g, b]: [u16; 3]| {
            let w = r.min(g).min(b);
            [r - w, g - w, b - w, w]
        };
        match self.order {
            ColorOrder::Rgb => self.put(src, flat, |c| self.linear(c)),
            ColorOrder::Grb => self.put(src, flat, |c| {
                let [r, g, b] = self.linear(c);
                [g, r, b]
            }),
            ColorOrder::Bgr => self.put(src, flat, |c| {
                let [r, g, b] = self.linear(c);
                [b, g, r]
            }),
            ColorOrder::Rgbw => self.put(src, flat, |c| white(self.linear(c))),
            ColorOrder::Grbw => self.put(src, flat, |c| {
                let [r, g, b, w] = white(self.linear(c));
                [g, r, b, w]
            }),
            ColorOrder::Mono => self.put(src, flat, |c| {
                let [r, g, b] = self.linear(c).map(u64::from);
                [((LUMA[0] * r + LUMA[1] * g + LUMA[2] * b + 32768) >> 16) as u16]
            }),
        }
    }

    /// Applies the power limit to the values `value` gives (in output order), then writes them
    /// at the fixture's depth.
    #[inline(always)]
    fn put<const N: usize>(&self, src: &[[u8; 4]], flat: &mut [u8], value: impl Fn([u8; 4]) -> [u16; N]) {
        // Over budget: every value × budget / sum, rounded to nearest (exact u64 arithmetic).
        let scale = self.budget.and_then(|budget| {
            let sum: u64 = src.iter().map(|&c| value(c).iter().map(|&v| u64::from(v)).sum::<u64>()).sum();
            (sum > budget).then_some((budget, sum))
        });
        match (self.depth, scale) {
            (Depth::Bits8, None) => self.write::<N, 1>(src, flat, value),
            (Depth::Bits16, None) => self.write::<N, 2>(src, flat, value),
            (Depth::Bits8, Some((b, s))) => self.write::<N, 1>(src, flat, |c| value(c).map(|v| scaled(v, b, s))),
            (Depth::Bits16, Some((b, s))) => self.write::<N, 2>(src, flat, |c| value(c).map(|v| scaled(v, b, s))),
        }
    }

    /// Writes `N` channels of `B` bytes per pixel along the fixture's runs.
    #[inline(always)]
    fn write<const N: usize, const B: usize>(
        &self,
        src: &[[u8; 4]],
        flat: &mut [u8],
        value: impl Fn([u8; 4]) -> [u16; N],
    ) {
        for run in &self.runs {
            let Some(px) = src.get(run.pixel..) else { break };
            let px = &px[..px.len().min(run.count)];
            let Some(dst) = flat.get_mut(run.offset..run.offset + px.len() * N * B) else { continue };
            for (d, &c) in dst.chunks_exact_mut(N * B).zip(px) {
                let v = value(c);
                for k in 0..N {
                    if B == 1 {
                        // Nearest 8-bit value: v / 257 rounded (65535 → 255).
                        d[k] = ((u32::from(v[k]) + 128) / 257) as u8;
                    } else {
                        d[2 * k] = (v[k] >> 8) as u8;
                        d[2 * k + 1] = v[k] as u8;
                    }
                }
            }
        }
    }
}

/// `v × budget / sum` rounded to nearest, with `budget < sum`.
#[inline(always)]
fn scaled(v: u16, budget: u64, sum: u64) -> u16 {
    ((u64::from(v) * budget + sum / 2) / sum) as u16
}

#[cfg(test)]
#[path = "dmx_tests.rs"]
mod tests;
