//! `[[inputs]]`, `[[mappings]]` and `[[triggers]]` as written: where sensor data comes from, how
//! it becomes parameter values, and which thresholds fire named triggers.

use std::fmt;

use schemars::JsonSchema;
use serde::Deserialize;
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde_spanned::Spanned;

use super::values::Monitor as NameOrIndex;

/// `[[inputs]]`: what kind is given by `osc`, `midi` or `serial`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InputFile {
    /// Unique input name; mappings say `from = "NAME:..."`.
    #[schemars(with = "String")]
    pub name: Option<Spanned<String>>,
    /// OSC over UDP: `"9000"` (on 127.0.0.1), `"0.0.0.0:9000"` (the whole network: say so on purpose).
    #[schemars(with = "Option<String>")]
    pub osc: Option<Spanned<String>>,
    /// MIDI input port: a name (case-insensitive substring) or an index.
    #[schemars(with = "Option<NameOrIndex>")]
    pub midi: Option<Spanned<NameOrIndex>>,
    /// Serial port: a path (`/dev/ttyACM0`, `/dev/serial/by-id/...`) or `usb:VID:PID[:SERIAL]`.
    #[schemars(with = "Option<String>")]
    pub serial: Option<Spanned<String>>,
    /// OSC: only accept packets from these addresses / networks (`"192.168.1.0/24"`). Default: any.
    #[schemars(with = "Option<Vec<String>>")]
    pub allow: Option<Spanned<Vec<String>>>,
    /// Feedback: OSC `"host:port"` to send parameter changes to; MIDI output port name.
    #[schemars(with = "Option<String>")]
    pub feedback: Option<Spanned<String>>,
    /// MIDI: only this channel (1..16). Default: all.
    #[schemars(with = "Option<u8>", range(min = 1, max = 16))]
    pub channel: Option<Spanned<i64>>,
    /// Serial: baud rate. Default 115200.
    #[schemars(with = "Option<u32>")]
    pub baud: Option<Spanned<i64>>,
    /// Serial: `lines` (`name value` / `name=value`), `csv` (with `columns`) or `slip-osc`. Default lines.
    #[schemars(with = "Option<SerialProtocol>")]
    pub protocol: Option<Spanned<SerialProtocol>>,
    /// Serial csv: the column names, in order.
    #[schemars(with = "Option<Vec<String>>")]
    pub columns: Option<Spanned<Vec<String>>>,
    /// Serial: longest line (or SLIP packet) accepted, in bytes. Default 256.
    #[schemars(with = "Option<u32>")]
    pub max_line: Option<Spanned<i64>>,
    /// Events held between two frames before the oldest are dropped. Default 1024.
    #[schemars(with = "Option<u32>")]
    pub queue: Option<Spanned<i64>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum SerialProtocol {
    Lines,
    Csv,
    SlipOsc,
}

/// `[[mappings]]`: one input value → one parameter.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MappingFile {
    /// `"input:/osc/address"` (`#N` for argument N), `"input:cc/7"`, `"input:cc14/1"`, `"input:note/60"`,
    /// `"input:note"`, `"input:bend"`, `"input:program"`, `"input:value_name"` (serial).
    #[schemars(with = "String")]
    pub from: Option<Spanned<String>>,
    /// The parameter it drives.
    #[schemars(with = "String")]
    pub to: Option<Spanned<String>>,
    /// Input range `[low, high]`; default by source (OSC 0..1, MIDI 0..127, serial 0..1023).
    #[serde(rename = "in")]
    #[schemars(with = "Option<[f64; 2]>")]
    pub input: Option<Spanned<[f64; 2]>>,
    /// Output range `[low, high]`; default: the parameter's min..max.
    #[schemars(with = "Option<[f64; 2]>")]
    pub out: Option<Spanned<[f64; 2]>>,
    /// Keep the result inside the output range. Default true.
    #[schemars(with = "Option<bool>")]
    pub clamp: Option<Spanned<bool>>,
    /// Turn the input around (high input → low output). Default false.
    #[schemars(with = "Option<bool>")]
    pub invert: Option<Spanned<bool>>,
    /// `linear`, `exp`, `log`, `smoothstep`, or a table `[[x, y], ...]` over 0..1. Default linear.
    #[schemars(with = "Option<Curve>")]
    pub curve: Option<Spanned<Curve>>,
    /// Fraction (0..0.5) of the input range at each end that snaps to the end: a sensor's noise floor.
    #[schemars(with = "Option<f64>")]
    pub deadzone: Option<Spanned<f64>>,
    /// Exponential lag over time, seconds (per event). Use `smoothing` on the parameter for a per-frame glide.
    #[schemars(with = "Option<f64>")]
    pub lag: Option<Spanned<f64>>,
    /// One Euro filter: smooth when still, responsive when moving.
    #[schemars(with = "Option<OneEuroFile>")]
    pub one_euro: Option<Spanned<OneEuroFile>>,
}

/// One Euro filter settings (Casiez et al. 2012).
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OneEuroFile {
    /// Cut-off frequency at rest, Hz: lower = smoother, more lag. Default 1.
    #[serde(default = "one")]
    pub min_cutoff: f64,
    /// How fast the cut-off rises with speed: higher = less lag when moving. Default 0.
    #[serde(default)]
    pub beta: f64,
    /// Cut-off for the speed estimate, Hz. Default 1.
    #[serde(default = "one")]
    pub d_cutoff: f64,
}

fn one() -> f64 {
    1.0
}

/// `[[triggers]]`: a threshold with hysteresis on an input value that fires a named trigger.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TriggerFile {
    /// Trigger name (cues will refer to it).
    #[schemars(with = "String")]
    pub name: Option<Spanned<String>>,
    /// The input value, as in a mapping's `from`.
    #[schemars(with = "String")]
    pub from: Option<Spanned<String>>,
    /// Rising: fires when the value goes above this. Default 0.5 (a button press, a note-on,
    /// a controller leaving 0).
    #[schemars(with = "Option<f64>")]
    pub above: Option<Spanned<f64>>,
    /// Rising: re-arms when the value falls below this (hysteresis). Default: `above`.
    #[schemars(with = "Option<f64>")]
    pub below: Option<Spanned<f64>>,
    /// `rising` (default): fire going up through `above`; `falling`: fire going down through `below`.
    #[schemars(with = "Option<Edge>")]
    pub edge: Option<Spanned<Edge>>,
    /// A command to send when it fires: `"go"`, `"go picture"`, `"goto picture/dawn"`, `"panic"`, ...
    #[serde(rename = "do")]
    #[schemars(rename = "do", with = "Option<String>")]
    pub action: Option<Spanned<String>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Edge {
    #[default]
    Rising,
    Falling,
}

/// How several mappings into one parameter combine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Combine {
    /// The most recent event wins.
    #[default]
    Last,
    Max,
    Sum,
}

/// A response curve over 0..1.
#[derive(Debug, Clone, PartialEq, JsonSchema)]
#[schemars(with = "CurveSchema")]
pub enum Curve {
    Linear,
    /// Slow start, fast end (x²-like; fine control at the low end).
    Exp,
    /// Fast start, slow end.
    Log,
    Smoothstep,
    /// Points `[x, y]` over 0..1, x increasing; linear between them.
    Table(Vec<[f64; 2]>),
}

#[derive(JsonSchema)]
#[serde(untagged)]
#[allow(dead_code)]
enum CurveSchema {
    Named(CurveName),
    Table(Vec<[f64; 2]>),
}

#[derive(JsonSchema)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code)]
enum CurveName {
    Linear,
    Exp,
    Log,
    Smoothstep,
}

impl<'de> Deserialize<'de> for Curve {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Curve;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a curve: \"linear\", \"exp\", \"log\", \"smoothstep\" or a table [[x, y], ...]")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Curve, E> {
                match s {
                    "linear" => Ok(Curve::Linear),
                    "exp" => Ok(Curve::Exp),
                    "log" => Ok(Curve::Log),
                    "smoothstep" => Ok(Curve::Smoothstep),
                    _ => Err(E::unknown_variant(s, &["linear", "exp", "log", "smoothstep"])),
                }
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Curve, A::Error> {
                let mut points = Vec::new();
                while let Some(p) = seq.next_element::<[f64; 2]>()? {
                    points.push(p);
                }
                Ok(Curve::Table(points))
            }
        }
        d.deserialize_any(V)
    }
}
