//! `[[outputs]]` and `[[fixtures]]` as written: the window, LED outputs (Art-Net, sACN) and the LED
//! fixtures patched to them. One flat struct per section holds the keys of every kind, so a key
//! given to the wrong kind can be pointed at by validation (validate/led/) instead of vanishing in
//! a serde error about untagged enums.

use schemars::JsonSchema;
use serde::Deserialize;
use serde_spanned::Spanned;

use super::values::{Monitor, Size};

/// `[[outputs]]`: a window or projector (`kind = "window"`, the default) or an LED output
/// (`"artnet"`, `"sacn"`).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OutputFile {
    /// Output name, unique among all outputs; fixtures say `output = "NAME"`.
    #[schemars(with = "String")]
    pub name: Option<Spanned<String>>,
    /// `window` (the default), `artnet` or `sacn`; any number of each.
    #[schemars(with = "Option<OutputKind>")]
    pub kind: Option<Spanned<OutputKind>>,
    /// Window: monitor by name (a substring, case-insensitive) or by index (0 = first).
    #[schemars(with = "Option<Monitor>")]
    pub monitor: Option<Spanned<Monitor>>,
    /// Window: borderless fullscreen on the chosen monitor. Default false.
    #[schemars(with = "Option<bool>")]
    pub fullscreen: Option<Spanned<bool>>,
    /// Window: the output's resolution `[w, h]`: the window's size when not fullscreen, what a
    /// headless output renders at, and the pixels `warp` and masks are written in. Default: the
    /// size of `slice`.
    #[schemars(with = "Option<Size>")]
    pub size: Option<Spanned<Size>>,
    /// Window: when `monitor` is not connected (at start or unplugged): `primary` (show on the
    /// primary monitor instead, the default) or `wait` (no window until it is connected).
    #[schemars(with = "Option<MissingFile>")]
    pub missing: Option<Spanned<MissingFile>>,
    /// Window: render offscreen only, never open a window (previews, tests). Default false.
    #[schemars(with = "Option<bool>")]
    pub headless: Option<Spanned<bool>>,
    /// Window: the part of the canvas it shows, `[x, y, width, height]` in canvas pixels.
    /// Default: the whole canvas.
    #[schemars(with = "Option<[f64; 4]>")]
    pub slice: Option<Spanned<[f64; 4]>>,
    /// Window: geometry correction, corner-pin then mesh (`quai run --calibrate` writes it).
    #[schemars(with = "Option<WarpFile>")]
    pub warp: Option<Spanned<WarpFile>>,
    /// Window: soft-edge blending where projectors overlap, and black-level compensation.
    #[schemars(with = "Option<BlendFile>")]
    pub blend: Option<Spanned<BlendFile>>,
    /// Window: masks (`[[outputs.masks]]`), multiplied together: PNG images at the output's
    /// resolution, or shapes (rect, ellipse, polygon) in output pixels.
    #[schemars(with = "Option<Vec<MaskFile>>")]
    pub masks: Option<Spanned<Vec<Spanned<MaskFile>>>>,
    /// LED: unicast destinations, `"host"` or `"host:port"` (IPv4 address or a name that resolves to
    /// one; port default 6454 Art-Net, 5568 sACN). sACN: leave out for multicast to 239.255.hi.lo.
    #[schemars(with = "Option<Vec<String>>")]
    pub to: Option<Spanned<Vec<Spanned<String>>>>,
    /// Art-Net only: also send to this broadcast address, e.g. `"2.255.255.255"`.
    #[schemars(with = "Option<String>")]
    pub broadcast: Option<Spanned<String>>,
    /// LED: local IPv4 address to send from (picks the network interface). Default: any.
    #[schemars(with = "Option<String>")]
    pub interface: Option<Spanned<String>>,
    /// LED: frames per second sent, 1..44 (DMX timing). Default 40.
    #[schemars(with = "Option<f64>", range(min = 1, max = 44))]
    pub rate: Option<Spanned<f64>>,
    /// LED: what the fixtures show when the show stops: `black` (default) or `hold` (the last frame).
    #[schemars(with = "Option<OnStopFile>")]
    pub on_stop: Option<Spanned<OnStopFile>>,
    /// sACN only: priority 0..200. Default 100.
    #[schemars(with = "Option<u8>", range(min = 0, max = 200))]
    pub priority: Option<Spanned<i64>>,
    /// LED: sACN source name / Art-Net node name, at most 63 bytes. Default "quai NAME".
    #[schemars(with = "Option<String>")]
    pub source_name: Option<Spanned<String>>,
    /// sACN multicast only: time to live of the packets, 1..255. Default 1 (the local network).
    #[schemars(with = "Option<u8>", range(min = 1, max = 255))]
    pub ttl: Option<Spanned<i64>>,
    /// LED: universe synchronisation (ArtSync / sACN sync) after each frame: `true` (default),
    /// `false`, or (sACN) the number of the sync universe.
    #[schemars(with = "Option<SyncFile>")]
    pub sync: Option<Spanned<SyncFile>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum OutputKind {
    /// A window on a monitor: a projector, a screen, or (headless) an offscreen preview. Any number.
    Window,
    /// Art-Net 4 over UDP (port 6454).
    Artnet,
    /// sACN, ANSI E1.31 (streaming ACN), over UDP (port 5568).
    Sacn,
}

impl OutputKind {
    pub fn word(self) -> &'static str {
        match self {
            OutputKind::Window => "window",
            OutputKind::Artnet => "artnet",
            OutputKind::Sacn => "sacn",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum MissingFile {
    /// Show on the primary monitor instead (and say so in the log).
    Primary,
    /// Open no window until the monitor is connected; close it while it is gone.
    Wait,
}

/// `[outputs.warp]`: where the slice lands on the output.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WarpFile {
    /// Corner-pin: where the slice's corners land, `[[x, y], ...]` in output pixels, in the order
    /// top-left, top-right, bottom-right, bottom-left. Default: the slice fitted into the output.
    #[schemars(with = "Option<Vec<[f64; 2]>>")]
    pub corners: Option<Spanned<Vec<Spanned<[f64; 2]>>>>,
    /// A mesh of control points inside the corner-pinned quad (`[outputs.warp.mesh]`).
    #[schemars(with = "Option<MeshFile>")]
    pub mesh: Option<Spanned<MeshFile>>,
}

/// `[outputs.warp.mesh]`: a grid of control points in the corner-pinned quad's unit square.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MeshFile {
    /// Points per row, 2..32.
    #[schemars(with = "u32", range(min = 2, max = 32))]
    pub columns: Option<Spanned<i64>>,
    /// Points per column, 2..32.
    #[schemars(with = "u32", range(min = 2, max = 32))]
    pub rows: Option<Spanned<i64>>,
    /// `columns × rows` points `[u, v]` (0..1 across the quad), row by row from the top.
    /// Default: the regular grid (no deformation).
    #[schemars(with = "Option<Vec<[f64; 2]>>")]
    pub points: Option<Spanned<Vec<Spanned<[f64; 2]>>>>,
    /// `bicubic` (smooth through the points, the default) or `linear`.
    #[schemars(with = "Option<InterpolationFile>")]
    pub interpolation: Option<Spanned<InterpolationFile>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum InterpolationFile {
    Bicubic,
    Linear,
}

/// `[outputs.blend]`: soft edges where this projector overlaps its neighbours.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BlendFile {
    #[schemars(with = "Option<EdgeFile>")]
    pub left: Option<Spanned<EdgeFile>>,
    #[schemars(with = "Option<EdgeFile>")]
    pub right: Option<Spanned<EdgeFile>>,
    #[schemars(with = "Option<EdgeFile>")]
    pub top: Option<Spanned<EdgeFile>>,
    #[schemars(with = "Option<EdgeFile>")]
    pub bottom: Option<Spanned<EdgeFile>>,
    /// The projector's gamma, 1..4 (for every edge that does not set its own). Default 2.2.
    #[schemars(with = "Option<f64>", range(min = 1, max = 4))]
    pub gamma: Option<Spanned<f64>>,
    /// The light the projector shows for black, as a share of its white (0..0.5): one number or
    /// `[r, g, b]`. The area outside the blend zones is lifted by it. Default 0.
    #[schemars(with = "Option<BlackLevelFile>")]
    pub black_level: Option<Spanned<BlackLevelFile>>,
}

/// One blended edge.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EdgeFile {
    /// Width of the overlap, canvas pixels of the slice.
    #[schemars(with = "f64")]
    pub width: Option<Spanned<f64>>,
    /// Exponent of the ramp, 1..8: 1 linear, 2 (default) an S-curve.
    #[schemars(with = "Option<f64>", range(min = 1, max = 8))]
    pub curve: Option<Spanned<f64>>,
    /// This edge's projector gamma, 1..4. Default: the blend's `gamma`.
    #[schemars(with = "Option<f64>", range(min = 1, max = 4))]
    pub gamma: Option<Spanned<f64>>,
}

/// `black_level = 0.02` or `[0.02, 0.02, 0.03]`.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, JsonSchema)]
#[serde(untagged, expecting = "a share of white 0..0.5, or [r, g, b]")]
pub enum BlackLevelFile {
    All(f64),
    Rgb([f64; 3]),
}

/// `[[outputs.masks]]`: an image or a shape; what is outside it is black.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MaskFile {
    /// A PNG at the output's resolution, relative to this file: white (and opaque) shows the content.
    #[schemars(with = "Option<String>")]
    pub image: Option<Spanned<String>>,
    /// `rect` (with `rect`), `ellipse` (with `center`, `radius`) or `polygon` (with `points`).
    #[schemars(with = "Option<ShapeFile>")]
    pub shape: Option<Spanned<ShapeFile>>,
    /// Rect: `[x, y, width, height]`, output pixels.
    #[schemars(with = "Option<[f64; 4]>")]
    pub rect: Option<Spanned<[f64; 4]>>,
    /// Ellipse: its centre `[x, y]`, output pixels.
    #[schemars(with = "Option<[f64; 2]>")]
    pub center: Option<Spanned<[f64; 2]>>,
    /// Ellipse: its radii `[rx, ry]`, output pixels.
    #[schemars(with = "Option<[f64; 2]>")]
    pub radius: Option<Spanned<[f64; 2]>>,
    /// Polygon: its corners `[[x, y], ...]`, output pixels, at least 3.
    #[schemars(with = "Option<Vec<[f64; 2]>>")]
    pub points: Option<Spanned<Vec<[f64; 2]>>>,
    /// Shapes: a soft edge this many output pixels wide, centred on the outline. Default 0 (the
    /// outline is still anti-aliased).
    #[schemars(with = "Option<f64>")]
    pub feather: Option<Spanned<f64>>,
    /// Show what is outside instead (cut a hole). Default false.
    #[schemars(with = "Option<bool>")]
    pub invert: Option<Spanned<bool>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ShapeFile {
    Rect,
    Ellipse,
    Polygon,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum OnStopFile {
    /// All channels to zero.
    Black,
    /// Stop sending; receivers keep the last frame.
    Hold,
}

/// `sync = true | false | UNIVERSE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(untagged, expecting = "true, false or a sync universe number")]
pub enum SyncFile {
    On(bool),
    Universe(i64),
}

/// `pixels = N` (strip) or `pixels = [columns, rows]` (matrix).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(untagged, expecting = "a number of pixels (strip) or [columns, rows] (matrix)")]
pub enum PixelsFile {
    Count(i64),
    Grid([i64; 2]),
}

/// `[[fixtures]]`: LEDs placed on the canvas and patched to an LED output.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FixtureFile {
    /// Fixture name, unique in the scene.
    #[schemars(with = "String")]
    pub name: Option<Spanned<String>>,
    /// The LED output that drives it; may be left out when the scene has exactly one LED output.
    #[schemars(with = "Option<String>")]
    pub output: Option<Spanned<String>>,
    /// `matrix` (a grid), `strip` (LEDs along a line) or `points` (positions from a CSV file).
    #[schemars(with = "FixtureKind")]
    pub kind: Option<Spanned<FixtureKind>>,
    /// Matrix: `[columns, rows]`, each 1..4096. Strip: the number of LEDs, 1..100000.
    #[schemars(with = "Option<PixelsFile>")]
    pub pixels: Option<Spanned<PixelsFile>>,
    /// Matrix: `serpentine` (alias `zigzag`: the chain turns back at each row end) or `progressive`. Default serpentine.
    #[schemars(with = "Option<WiringFile>")]
    pub wiring: Option<Spanned<WiringFile>>,
    /// Matrix: the corner of the first LED. Default top-left.
    #[schemars(with = "Option<CornerFile>")]
    pub start: Option<Spanned<CornerFile>>,
    /// Matrix: whether the chain runs along `rows` (default) or `columns` first.
    #[schemars(with = "Option<MajorFile>")]
    pub major: Option<Spanned<MajorFile>>,
    /// Matrix: top-left corner of its area on the canvas, canvas pixels. Default [0, 0].
    #[schemars(with = "Option<[f64; 2]>")]
    pub position: Option<Spanned<[f64; 2]>>,
    /// Matrix: size of its area on the canvas, canvas pixels. Default: the whole canvas.
    #[schemars(with = "Option<[f64; 2]>")]
    pub size: Option<Spanned<[f64; 2]>>,
    /// Degrees clockwise about the centre of the area (matrix) or of the points' bounding box. Default 0.
    #[schemars(with = "Option<f64>")]
    pub rotation: Option<Spanned<f64>>,
    /// Strip: the line the LEDs sit on, `[[x, y], ...]` in canvas pixels, at least 2 points.
    #[schemars(with = "Option<Vec<[f64; 2]>>")]
    pub points: Option<Spanned<Vec<[f64; 2]>>>,
    /// Points: a CSV file of rows `x, y[, name]` in canvas pixels, in wiring order, relative to this file.
    #[schemars(with = "Option<String>")]
    pub csv: Option<Spanned<String>>,
    /// First universe (Art-Net 0..32767, sACN 1..63999); the fixture flows on into the next ones.
    #[schemars(with = "u16")]
    pub universe: Option<Spanned<i64>>,
    /// Channel of the first pixel, 1..512. Default 1.
    #[schemars(with = "Option<u16>", range(min = 1, max = 512))]
    pub channel: Option<Spanned<i64>>,
    /// Colour channels of each pixel, in wire order. Default rgb.
    #[schemars(with = "Option<OrderFile>")]
    pub order: Option<Spanned<OrderFile>>,
    /// Bits per colour channel: 8 or 16 (coarse byte first). Default 8.
    #[schemars(with = "Option<u8>")]
    pub depth: Option<Spanned<i64>>,
    /// Display gamma of the LEDs, 1..4 (1 = linear). Default 2.2.
    #[schemars(with = "Option<f64>", range(min = 1, max = 4))]
    pub gamma: Option<Spanned<f64>>,
    /// Multipliers for red, green, blue, each 0..1, applied first. Default [1, 1, 1].
    #[schemars(with = "Option<[f64; 3]>")]
    pub white_balance: Option<Spanned<[f64; 3]>>,
    /// Scales every output value, 0..1. Default 1.
    #[schemars(with = "Option<f64>", range(min = 0, max = 1))]
    pub brightness: Option<Spanned<f64>>,
    /// Largest share (0..1) of "every channel at full" the fixture may draw; brighter frames are
    /// scaled down as a whole. Default 1 (no limit).
    #[schemars(with = "Option<f64>", range(min = 0, max = 1))]
    pub power_limit: Option<Spanned<f64>>,
    /// How a pixel reads the canvas: `point` (at its centre) or `area` (mean over its cell, default).
    #[schemars(with = "Option<SampleFile>")]
    pub sample: Option<Spanned<SampleFile>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum FixtureKind {
    Matrix,
    Strip,
    Points,
}

impl FixtureKind {
    pub fn word(self) -> &'static str {
        match self {
            FixtureKind::Matrix => "matrix",
            FixtureKind::Strip => "strip",
            FixtureKind::Points => "points",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum WiringFile {
    /// The chain turns back at the end of each row (column).
    Serpentine,
    /// Another word for serpentine. (A variant, not a serde alias, so the schema lists it.)
    Zigzag,
    /// Every row (column) starts on the same side.
    Progressive,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum CornerFile {
    TopLeft,
    TopRight,
    BottomLeft,
    BottomRight,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum MajorFile {
    Rows,
    Columns,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum OrderFile {
    Rgb,
    Grb,
    Bgr,
    Rgbw,
    Grbw,
    Mono,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum SampleFile {
    Point,
    Area,
}

#[cfg(test)]
mod tests {
    /// The schema (`quai schema`) knows the LED keys: a facade's outputs and fixtures pass, a
    /// misspelt fixture key and a wiring word it does not know fail.
    #[test]
    fn schema_accepts_led_outputs_and_fixtures() {
        let schema = super::super::json_schema();
        let validator = jsonschema::validator_for(&schema).expect("schema compiles");
        let scene = r#"
            [[outputs]]
            name = "facade"
            kind = "sacn"
            priority = 120
            sync = 9
            [[fixtures]]
            name = "front"
            kind = "matrix"
            pixels = [40, 12]
            wiring = "zigzag"
            start = "bottom-right"
            universe = 1
            white_balance = [1.0, 0.9, 0.8]
            [[fixtures]]
            name = "gutter"
            kind = "strip"
            pixels = 60
            points = [[40, 700], [1240, 700]]
            universe = 4
            order = "grbw"
        "#;
        let as_json =
            |text: &str| serde_json::to_value(toml::from_str::<toml::Value>(text).expect("toml")).expect("json");
        let errors: Vec<String> = validator.iter_errors(&as_json(scene)).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{errors:?}");
        let typo = scene.replace("order = ", "ordr = ");
        assert!(!validator.is_valid(&as_json(&typo)), "an unknown fixture key must be rejected");
        let wiring = scene.replace("\"zigzag\"", "\"snake\"");
        assert!(!validator.is_valid(&as_json(&wiring)), "an unknown wiring must be rejected");
    }
}
