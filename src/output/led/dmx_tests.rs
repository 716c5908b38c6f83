//! Tests of the DMX encoder, with the expected values worked out by hand (run by `cargo test` on
//! its test threads). Gamma 1 makes the 16-bit value of canvas value v exactly v × 257
//! (65535 / 255 = 257), and the 8-bit output (v × 257 + 128) / 257 = v.

use super::*;
use crate::output::led::map;
use crate::scene::led::{Corner, Major, OnStop, Placement, Sample, Shape, Wiring};

fn strip(pixels: u32, universe: u16, channel: u16, order: ColorOrder, depth: Depth) -> Fixture {
    Fixture {
        name: "s".into(),
        shape: Shape::Strip { pixels, points: vec![[0.0, 0.0], [10.0, 0.0]] },
        placement: Placement { position: [0.0, 0.0], size: [10.0, 0.0], rotation: 0.0 },
        universe,
        channel,
        order,
        depth,
        gamma: 1.0,
        white_balance: [1.0; 3],
        brightness: 1.0,
        power_limit: 1.0,
        sample: Sample::Point,
    }
}

fn output(fixtures: Vec<Fixture>) -> LedOutput {
    LedOutput {
        name: "o".into(),
        protocol: crate::scene::led::LedProtocol::Sacn,
        destinations: vec![],
        broadcast: None,
        interface: None,
        rate: 40.0,
        on_stop: OnStop::Black,
        priority: 100,
        source_name: "quai o".into(),
        ttl: 1,
        sync: None,
        fixtures,
    }
}

/// Encodes `colors` for the single fixture `f` and returns the output's frame.
fn encode_one(f: Fixture, colors: &[[u8; 4]]) -> Frame {
    let layout = Layout::new(&output(vec![f]));
    let mut frame = layout.frame();
    layout.encode(colors, &mut frame);
    frame
}

/// Gamma 2.2 raises the normalised canvas value: 128 → (128/255)^2.2 = 0.219520 → × 65535 =
/// 14386.22 → 14386; 8-bit (14386 + 128) / 257 = 56.47 → 56; 16-bit 14386 = 56 × 256 + 50.
#[test]
fn gamma_2_2_of_128() {
    let mut f = strip(1, 1, 1, ColorOrder::Rgb, Depth::Bits8);
    f.gamma = 2.2;
    assert_eq!(encode_one(f.clone(), &[[128, 0, 255, 255]]).universes[0][..3], [56, 0, 255]);
    f.depth = Depth::Bits16;
    assert_eq!(encode_one(f, &[[128, 0, 255, 255]]).universes[0][..6], [56, 50, 0, 0, 255, 255]);
}

/// White balance scales before the gamma and clamps at full: wb (1, 0.5, 2) at gamma 1 on
/// (255, 255, 128): r 65535; g 0.5 × 65535 = 32767.5 → 32768 = 0x8000; b 128/255 × 2 = 1.004 →
/// clamped to 1 → 65535. At gamma 2.2, g is 0.5^2.2 × 65535 = 14262.88 → 14263 = 0x37B7 (after
/// the gamma it would be 32768).
#[test]
fn white_balance_before_gamma() {
    let mut f = strip(1, 1, 1, ColorOrder::Rgb, Depth::Bits16);
    f.white_balance = [1.0, 0.5, 2.0];
    let frame = encode_one(f.clone(), &[[255, 255, 128, 255]]);
    assert_eq!(frame.universes[0][..6], [0xFF, 0xFF, 0x80, 0x00, 0xFF, 0xFF]);
    f.gamma = 2.2;
    let frame = encode_one(f, &[[255, 255, 128, 255]]);
    assert_eq!(frame.universes[0][2..4], [0x37, 0xB7]);
}

/// Brightness 0.5 scales after the gamma: 255 → 1^2.2 × 0.5 × 65535 = 32767.5 → 32768 →
/// 8-bit (32768 + 128) / 257 = 128; 16-bit 0x80 0x00. Black stays 0.
#[test]
fn brightness_half() {
    let mut f = strip(1, 1, 1, ColorOrder::Rgb, Depth::Bits8);
    f.gamma = 2.2;
    f.brightness = 0.5;
    assert_eq!(encode_one(f.clone(), &[[255, 0, 255, 255]]).universes[0][..3], [128, 0, 128]);
    f.depth = Depth::Bits16;
    assert_eq!(encode_one(f, &[[255, 255, 0, 255]]).universes[0][..6], [0x80, 0, 0x80, 0, 0, 0]);
}

/// White extraction of (255, 128, 64) at gamma 1: linear (65535, 32896, 16448), w = 16448;
/// r 65535 − 16448 = 49087 → (49087 + 128) / 257 = 191.5 → 191; g 32896 − 16448 = 16448 → 64;
/// b 0; w 16448 → 64. Rgbw (191, 64, 0, 64), Grbw (64, 191, 0, 64).
#[test]
fn rgbw_extraction() {
    let c = [[255, 128, 64, 255]];
    assert_eq!(encode_one(strip(1, 1, 1, ColorOrder::Rgbw, Depth::Bits8), &c).universes[0][..4], [191, 64, 0, 64]);
    assert_eq!(encode_one(strip(1, 1, 1, ColorOrder::Grbw, Depth::Bits8), &c).universes[0][..4], [64, 191, 0, 64]);
    // 16-bit: 49087 = 0xBFBF, 16448 = 0x4040.
    let frame = encode_one(strip(1, 1, 1, ColorOrder::Rgbw, Depth::Bits16), &c);
    assert_eq!(frame.universes[0][..8], [0xBF, 0xBF, 0x40, 0x40, 0, 0, 0x40, 0x40]);
}

/// Channel orders: (10, 20, 30) at gamma 1 is written as 10 20 30 (Rgb), 20 10 30 (Grb),
/// 30 20 10 (Bgr).
#[test]
fn grb_and_bgr_order() {
    let c = [[10, 20, 30, 255]];
    assert_eq!(encode_one(strip(1, 1, 1, ColorOrder::Rgb, Depth::Bits8), &c).universes[0][..3], [10, 20, 30]);
    assert_eq!(encode_one(strip(1, 1, 1, ColorOrder::Grb, Depth::Bits8), &c).universes[0][..3], [20, 10, 30]);
    assert_eq!(encode_one(strip(1, 1, 1, ColorOrder::Bgr, Depth::Bits8), &c).universes[0][..3], [30, 20, 10]);
}

/// 16-bit depth: coarse byte then fine, 6 bytes per RGB pixel. At gamma 1, 200 → 200 × 257 =
/// 51400 = 0xC8C8, 1 → 257 = 0x0101; the second pixel starts at channel 7 (index 6).
#[test]
fn sixteen_bit_coarse_then_fine() {
    let frame = encode_one(strip(2, 1, 1, ColorOrder::Rgb, Depth::Bits16), &[[200, 1, 0, 255], [0, 0, 1, 255]]);
    assert_eq!(frame.universes[0][..12], [0xC8, 0xC8, 0x01, 0x01, 0, 0, 0, 0, 0, 0, 0x01, 0x01]);
}

/// Power limit 0.5 on 10 RGB pixels of full white: budget 0.5 × 3 × 10 × 65535 = 983025, sum
/// 30 × 65535 = 1966050 > budget, so every value becomes (65535 × 983025 + 1966050 / 2) /
/// 1966050 = 32768 exactly → 8-bit (32768 + 128) / 257 = 128. Half of them black: sum 983025 =
/// budget, not over it, so the white ones stay 255.
#[test]
fn power_limit_scales_the_fixture() {
    let mut f = strip(10, 1, 1, ColorOrder::Rgb, Depth::Bits8);
    f.power_limit = 0.5;
    let frame = encode_one(f.clone(), &[[255; 4]; 10]);
    assert!(frame.universes[0][..30].iter().all(|&v| v == 128), "{:?}", &frame.universes[0][..30]);
    let half: Vec<[u8; 4]> = (0..10).map(|i| if i < 5 { [255; 4] } else { [0, 0, 0, 255] }).collect();
    let frame = encode_one(f.clone(), &half);
    assert!(frame.universes[0][..15].iter().all(|&v| v == 255));
    f.depth = Depth::Bits16;
    let frame = encode_one(f, &[[255; 4]; 10]);
    assert!(frame.universes[0][..60].chunks(2).all(|v| v == [0x80, 0x00]));
}

/// A serpentine 3×2 matrix from the top left, patched from channel 1: the LED in the bottom-left
/// cell (column 0, row 1) is the 6th on the chain (0→1→2 along row 0, then 3 = (2,1), 4 = (1,1),
/// 5 = (0,1)), so a canvas red only in that cell lands on channels 16–18 (indices 15..18).
#[test]
fn serpentine_matrix_pixel_lands_on_its_channel() {
    let mut f = strip(0, 1, 1, ColorOrder::Rgb, Depth::Bits8);
    f.shape =
        Shape::Matrix { columns: 3, rows: 2, wiring: Wiring::Serpentine, start: Corner::TopLeft, major: Major::Rows };
    f.placement = Placement { position: [0.0, 0.0], size: [30.0, 20.0], rotation: 0.0 };
    // Sample a canvas that is red in the cell 0..10 × 10..20 only.
    let colors: Vec<[u8; 4]> = map::pixels(&f)
        .iter()
        .map(|p| if p.center[0] < 10.0 && p.center[1] > 10.0 { [255, 0, 0, 255] } else { [0, 0, 0, 255] })
        .collect();
    let frame = encode_one(f, &colors);
    let mut want = [0u8; 18];
    want[15] = 255;
    assert_eq!(frame.universes[0][..18], want);
}

/// 171 RGB pixels from channel 1 of universe 3: 170 fill channels 1..510, pixel 170 starts
/// universe 4 at channel 1 instead of straddling; channels 511, 512 of universe 3 stay 0.
#[test]
fn fixture_spanning_two_universes() {
    let colors: Vec<[u8; 4]> = (0..171).map(|i| if i == 170 { [1, 2, 3, 255] } else { [9, 9, 9, 255] }).collect();
    let layout = Layout::new(&output(vec![strip(171, 3, 1, ColorOrder::Rgb, Depth::Bits8)]));
    assert_eq!(layout.universes(), [3, 4]);
    assert_eq!(layout.pixels(), 171);
    let mut frame = layout.frame();
    layout.encode(&colors, &mut frame);
    assert_eq!(frame.universes[0][507..512], [9, 9, 9, 0, 0]);
    assert_eq!(frame.universes[1][..4], [1, 2, 3, 0]);
}

/// Two fixtures in one output: colours are read fixture after fixture. A: 2 RGB pixels at
/// universe 1 channel 1; B: 1 GRB pixel at universe 7 channel 4. The universes are 1 and 7.
#[test]
fn two_fixtures_in_one_output() {
    let a = strip(2, 1, 1, ColorOrder::Rgb, Depth::Bits8);
    let b = strip(1, 7, 4, ColorOrder::Grb, Depth::Bits8);
    let layout = Layout::new(&output(vec![b.clone(), a.clone()]));
    assert_eq!(layout.universes(), [1, 7]);
    let layout = Layout::new(&output(vec![a, b]));
    let mut frame = layout.frame();
    layout.encode(&[[1, 2, 3, 255], [4, 5, 6, 255], [7, 8, 9, 255]], &mut frame);
    assert_eq!(frame.universes[0][..7], [1, 2, 3, 4, 5, 6, 0]);
    assert_eq!(frame.universes[1][..6], [0, 0, 0, 8, 7, 9]);
}

/// Mono is the luminance of the linear rgb, weights 13933, 46871, 4732 / 65536: red 255 →
/// (65535 × 13933 + 32768) >> 16 = 13933 → (13933 + 128) / 257 = 54.7 → 54; green → 46870 →
/// 182; blue → 4732 → 18; white → 65535 → 255; one byte per pixel.
#[test]
fn mono_luminance() {
    let colors = [[255, 0, 0, 255], [0, 255, 0, 255], [0, 0, 255, 255], [255, 255, 255, 255]];
    let frame = encode_one(strip(4, 1, 1, ColorOrder::Mono, Depth::Bits8), &colors);
    assert_eq!(frame.universes[0][..5], [54, 182, 18, 255, 0]);
}

/// A short colour slice leaves the remaining pixels black, an empty one too, and channels no
/// fixture uses are zeroed even in a frame that held something else; a frame of the wrong size
/// is fixed up rather than indexed out of bounds.
#[test]
fn short_input_and_stale_frames() {
    let layout = Layout::new(&output(vec![strip(3, 1, 2, ColorOrder::Rgb, Depth::Bits8)]));
    let mut frame = Frame { universes: vec![[0xAA; 512]; 1] };
    layout.encode(&[[5, 6, 7, 255]], &mut frame);
    let mut want = [0u8; 512];
    want[1..4].copy_from_slice(&[5, 6, 7]);
    assert_eq!(frame.universes[0], want);
    layout.encode(&[], &mut frame);
    assert_eq!(frame.universes[0], [0; 512]);
    let mut wrong = Frame { universes: vec![] };
    layout.encode(&[[1, 1, 1, 1]; 9], &mut wrong);
    assert_eq!(wrong.universes[0][1..5], [1, 1, 1, 1]);
    assert_eq!(wrong.universes[0][10], 0);
}
