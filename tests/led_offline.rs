//! `quai render --dmx` against values computed by hand: the whole path (GPU sampling at the LED
//! positions, wiring order, colour order, gamma, white balance, brightness, RGBW, 16 bit, power
//! limit, patch) through the binary, and its determinism (same scene → same bytes).

use std::path::Path;
use std::process::Command;

fn render(scene: &str, out: &Path) -> Vec<serde_json::Value> {
    let dir = out.parent().expect("parent");
    let path = dir.join("scene.toml");
    std::fs::write(&path, scene).expect("scene");
    let run = Command::new(env!("CARGO_BIN_EXE_quai"))
        .args(["render", path.to_str().expect("path"), "--frames", "2", "--out", out.to_str().expect("out"), "--dmx"])
        .output()
        .expect("quai");
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let text = std::fs::read_to_string(out.join("dmx.jsonl")).expect("dmx.jsonl");
    text.lines().map(|l| serde_json::from_str(l).expect("a JSON line")).collect()
}

fn channels(line: &serde_json::Value) -> Vec<u8> {
    line["dmx"].as_array().expect("dmx").iter().map(|v| v.as_u64().expect("value") as u8).collect()
}

const QUADRANTS: &str = r##"
[show]
canvas = [40, 20]
background = "#000000"
[[layers]]
name = "tl"
color = "#ff0000"
size = [20, 10]
position = [-10, -5]
[[layers]]
name = "tr"
color = "#00ff00"
size = [20, 10]
position = [10, -5]
[[layers]]
name = "bl"
color = "#0000ff"
size = [20, 10]
position = [-10, 5]
[[layers]]
name = "br"
color = "#ffffff"
size = [20, 10]
position = [10, 5]

[[outputs]]
name = "wall"
kind = "artnet"
to = ["127.0.0.1"]

[[fixtures]]
name = "snake"
output = "wall"
kind = "matrix"
pixels = [2, 2]
wiring = "serpentine"
universe = 3
sample = "point"

[[fixtures]]
name = "columns"
output = "wall"
kind = "matrix"
pixels = [2, 2]
wiring = "progressive"
start = "bottom-right"
major = "columns"
universe = 3
channel = 13
sample = "area"
"##;

/// Serpentine from the top-left: red, green, then the row turns back: white, blue. Progressive by
/// columns from the bottom-right: white, green (up the column), then the next column from the
/// bottom again: blue, red. Nothing else on the universe.
#[test]
fn wiring_order_reaches_the_right_channels() {
    let dir = tempfile::tempdir().expect("dir");
    let lines = render(QUADRANTS, &dir.path().join("out"));
    assert_eq!(lines.len(), 2, "one universe, two frames: {lines:?}");
    assert_eq!(lines[0]["universe"], 3);
    assert_eq!(lines[0]["protocol"], "artnet");
    assert_eq!(lines[1]["frame"], 1);
    let dmx = channels(&lines[0]);
    assert_eq!(dmx.len(), 512);
    #[rustfmt::skip]
    let want: [u8; 24] = [
        255, 0, 0,   0, 255, 0,   255, 255, 255,   0, 0, 255, // snake
        255, 255, 255,   0, 255, 0,   0, 0, 255,   255, 0, 0, // columns
    ];
    assert_eq!(dmx[..24], want);
    assert!(dmx[24..].iter().all(|&v| v == 0));
}

const FLAT: &str = r##"
[show]
canvas = [40, 20]
[[layers]]
name = "flat"
color = "#c08040"

[[outputs]]
name = "bench"
kind = "sacn"
to = ["127.0.0.1"]

[[fixtures]]
name = "gamma"
kind = "strip"
pixels = 2
points = [[5, 10], [35, 10]]
universe = 9
gamma = 2.2

[[fixtures]]
name = "grb"
kind = "strip"
pixels = 2
points = [[5, 12], [35, 12]]
universe = 9
channel = 7
order = "grb"
gamma = 1.0

[[fixtures]]
name = "rgbw"
kind = "strip"
pixels = 2
points = [[5, 14], [35, 14]]
universe = 9
channel = 13
order = "rgbw"
gamma = 1.0

[[fixtures]]
name = "deep"
kind = "strip"
pixels = 2
points = [[5, 16], [35, 16]]
universe = 9
channel = 21
depth = 16
gamma = 1.0

[[fixtures]]
name = "budget"
kind = "strip"
pixels = 2
points = [[5, 18], [35, 18]]
universe = 9
channel = 33
gamma = 1.0
power_limit = 0.25

[[fixtures]]
name = "dimmer"
kind = "strip"
pixels = 1
points = [[5, 4], [35, 4]]
universe = 9
channel = 39
order = "mono"
gamma = 1.0

[[fixtures]]
name = "balanced"
kind = "strip"
pixels = 1
points = [[5, 6], [35, 6]]
universe = 9
channel = 40
gamma = 1.0
brightness = 0.5
white_balance = [1.0, 0.5, 1.0]
"##;

/// One flat colour (192, 128, 64), every colour step computed by hand, in 16-bit linear values
/// v * 257 (8 bit back: (x + 128) / 257):
/// - gamma 2.2: 192 → 0.752941^2.2 = 0.535684 → 35106 → 137; 128 → 0.219520 → 14386 → 56;
///   64 → 0.047773 → 3131 → 12.
/// - GRB: 128, 192, 64.
/// - RGBW: 49344, 32896, 16448, w = 16448 taken out: 32896, 16448, 0, 16448 → 128, 64, 0, 64.
/// - 16 bit: coarse and fine bytes, 192 192, 128 128, 64 64.
/// - power limit 0.25 over 2 pixels: budget 0.25 × 6 × 65535 = 98302 of a sum of 197376, so each
///   value × 98302 / 197376: 24576, 16384, 8192 → 96, 64, 32.
/// - mono: 0.2126 × 49344 + 0.7152 × 32896 + 0.0722 × 16448 = 35205 → 137.
/// - white balance [1, 0.5, 1] then brightness 0.5: 24672, 8224, 8224 → 96, 32, 32.
#[test]
fn colour_pipeline_matches_hand_computed_values() {
    let dir = tempfile::tempdir().expect("dir");
    let lines = render(FLAT, &dir.path().join("out"));
    assert_eq!(lines[0]["protocol"], "sacn");
    assert_eq!(lines[0]["output"], "bench");
    let dmx = channels(&lines[0]);
    #[rustfmt::skip]
    let want: [u8; 42] = [
        137, 56, 12,   137, 56, 12,                        // gamma, ch 1
        128, 192, 64,   128, 192, 64,                      // grb, ch 7
        128, 64, 0, 64,   128, 64, 0, 64,                  // rgbw, ch 13
        192, 192, 128, 128, 64, 64,   192, 192, 128, 128, 64, 64, // 16 bit, ch 21
        96, 64, 32,   96, 64, 32,                          // power limit, ch 33
        137,                                               // mono, ch 39
        96, 32, 32,                                        // white balance + brightness, ch 40
    ];
    assert_eq!(dmx[..42], want);
    assert!(dmx[42..].iter().all(|&v| v == 0));
}

/// The same scene renders to the same DMX log and the same facade preview, byte for byte.
#[test]
fn dmx_and_facade_preview_are_deterministic() {
    let dir = tempfile::tempdir().expect("dir");
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    render(QUADRANTS, &a);
    render(QUADRANTS, &b);
    for f in ["dmx.jsonl", "facade/frame-000000.png", "facade/frame-000001.png", "facade/contact-sheet.png"] {
        let (x, y) = (std::fs::read(a.join(f)).expect(f), std::fs::read(b.join(f)).expect(f));
        assert!(x == y, "{f} differs between two renders of the same scene");
    }
    // The preview shows the four LEDs of each matrix in their colours: the top-left LED is red.
    let img = image::open(a.join("facade/frame-000000.png")).expect("preview").to_rgba8();
    assert_eq!(img.get_pixel(10, 5).0, [255, 0, 0, 255]);
    assert_eq!(img.get_pixel(30, 15).0, [255, 255, 255, 255]);
}
