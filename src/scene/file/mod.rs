//! The scene file as written: serde structs that stay close to the TOML text and keep spans, so the
//! validator (validate.rs) can point at the exact key or value. Also the source of `quai schema`.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_spanned::Spanned;

mod audio;
mod cues;
mod inputs;
mod outputs;
mod schedule;
mod values;

pub use audio::*;
pub use cues::*;
pub use inputs::*;
pub use outputs::*;
pub use schedule::*;
pub use values::*;

/// A whole scene file (the root file or an include). Only used for the JSON Schema: the loader
/// reads each section on its own (see load.rs) so one bad entry does not hide problems in another.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "quai scene", description = "A quai scene file (TOML). See scenes/README.md.")]
pub struct SceneFile {
    /// Other scene files to merge in, relative to this file. Their params, layers and outputs come
    /// before this file's own.
    #[serde(default)]
    pub include: Vec<String>,
    /// Show settings; only in the main scene file.
    pub show: Option<ShowFile>,
    /// Named parameters that shaders, inputs and cues address by name.
    #[serde(default)]
    pub params: BTreeMap<String, ParamFile>,
    /// Layers, bottom first.
    #[serde(default)]
    pub layers: Vec<LayerFile>,
    /// Outputs: windows (projectors, with slice, warp, blend and masks) and LED outputs (Art-Net,
    /// sACN), any number of each.
    #[serde(default)]
    pub outputs: Vec<OutputFile>,
    /// LED fixtures (matrices, strips, point sets) placed on the canvas and patched to an LED
    /// output's universes and channels; usually in a hardware file that the scene includes.
    #[serde(default)]
    pub fixtures: Vec<FixtureFile>,
    /// Sensor and controller inputs: OSC, MIDI, serial.
    #[serde(default)]
    pub inputs: Vec<InputFile>,
    /// Input values → parameters.
    #[serde(default)]
    pub mappings: Vec<MappingFile>,
    /// Thresholds on input values that fire named triggers (and may send a command).
    #[serde(default)]
    pub triggers: Vec<TriggerFile>,
    /// Cue lists, by name: `[[cues.picture]]` adds a cue to list `picture`. Several lists run at
    /// once; each has its own playhead.
    #[serde(default)]
    pub cues: BTreeMap<String, Vec<CueFile>>,
    /// The safe state of a panic; only in the main scene file.
    pub panic: Option<PanicFile>,
    /// Keys in a show window and the command each sends: `space = "go"`, `b = "back picture"`.
    #[serde(default)]
    pub keys: BTreeMap<String, String>,
    /// Opening hours, closing to standby, and commands at times of day; only in the main scene file.
    pub schedule: Option<ScheduleFile>,
    /// The web console and the OSCQuery server: where they listen and the control token. In the
    /// scene or in a hardware file it includes (once).
    pub console: Option<ConsoleFile>,
    /// Rhai scripts the show runs (`fn load()`, `fn tick(t, dt)`), relative to this file; includes
    /// may add their own. See scenes/README.md, "Scripts".
    #[serde(default)]
    pub scripts: Vec<String>,
    /// The audio stream: host, device, rate, channels, voices; only in the main scene file.
    pub audio: Option<AudioFile>,
    /// The speakers of the room, usually in a hardware/speakers/ file that the scene includes.
    #[serde(default)]
    pub speakers: Vec<SpeakerFile>,
    /// Sample players: sound files, where and when they play.
    #[serde(default)]
    pub sounds: Vec<SoundFile>,
    /// Synth voices from a small graph vocabulary.
    #[serde(default)]
    pub synths: Vec<SynthFile>,
    /// Effect buses (reverb, delay, filters) that sounds and synths play through.
    #[serde(default)]
    pub buses: Vec<BusFile>,
    /// Audio features (level, onsets, bands) of the output or the input, into parameters.
    #[serde(default)]
    pub analysis: Vec<AnalysisFile>,
}

/// `[show]`
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ShowFile {
    /// Name of the show, shown in the window title and logs. Default: the file name.
    #[schemars(with = "Option<String>")]
    pub name: Option<Spanned<String>>,
    /// Canvas size in pixels, `[width, height]`; every layer is drawn into it. Default [1280, 720].
    #[schemars(with = "Option<Size>")]
    pub canvas: Option<Spanned<Size>>,
    /// Frames per second for offline rendering and headless runs; windows follow the display. Default 60.
    #[schemars(with = "Option<f64>", range(min = 1, max = 480))]
    pub fps: Option<Spanned<f64>>,
    /// Background colour: `"#rrggbb"`, `"#rrggbbaa"` or `[r, g, b]` / `[r, g, b, a]` in 0..1.
    #[schemars(with = "Option<Color>")]
    pub background: Option<Spanned<Color>>,
    /// `quai.time` in shaders starts again from 0 every this many seconds, so that it stays precise
    /// in runs of days and months (an f32 counting seconds for a day is only good to 8 ms). Pick a
    /// multiple of the periods of your animations to make the wrap seamless. Default 3600.
    #[schemars(with = "Option<f64>", range(min = 1, max = 86400))]
    pub time_wrap: Option<Spanned<f64>>,
    /// Which writer of a parameter wins while a cue fade runs: `{ mapping = 1, cue = 2, direct = 3 }`
    /// (the defaults). See scenes/README.md, "Who drives a parameter".
    pub priority: Option<PriorityFile>,
}

/// `[console]`: see scenes/README.md, "The web console and OSCQuery".
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsoleFile {
    /// Where the web console listens: a port alone (`8080`, `"8080"`) is this machine only
    /// (127.0.0.1); `"0.0.0.0:8080"` opens it to the network.
    #[schemars(with = "Option<Listen>")]
    pub bind: Option<Spanned<Listen>>,
    /// Where the OSCQuery server listens, written as `bind` (default: no OSCQuery server).
    #[schemars(with = "Option<Listen>")]
    pub oscquery: Option<Spanned<Listen>>,
    /// The control token: GO, parameters, panic and learn need it (viewing does not). At least 12
    /// characters, no spaces. The environment variable QUAI_TOKEN overrides it. Without a token the
    /// console is view only.
    #[schemars(with = "Option<String>")]
    pub token: Option<Spanned<String>>,
}

/// A listening address: a port number, or `"[ADDR:]PORT"`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Listen {
    Port(u16),
    Text(String),
}

/// `[params.NAME]`
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ParamFile {
    /// Starting value. Default: `min`, or 0.
    #[schemars(with = "Option<f64>")]
    pub default: Option<Spanned<f64>>,
    /// Lowest value. Default 0.
    #[schemars(with = "Option<f64>")]
    pub min: Option<Spanned<f64>>,
    /// Highest value. Default 1.
    #[schemars(with = "Option<f64>")]
    pub max: Option<Spanned<f64>>,
    /// Unit shown in the console and logs ("Hz", "m", "%").
    #[schemars(with = "Option<String>")]
    pub unit: Option<Spanned<String>>,
    /// Smoothing time in seconds: how long a change takes to mostly arrive (exponential lag). Default 0.
    #[schemars(with = "Option<f64>", range(min = 0))]
    pub smoothing: Option<Spanned<f64>>,
    /// When several mappings drive this parameter: `last` (default), `max` or `sum`.
    #[schemars(with = "Option<Combine>")]
    pub combine: Option<Spanned<Combine>>,
    /// When mappings, cues and direct sets all drive it: `priority` (default; a running cue fade
    /// holds it against lower-priority writers) or `htp` (the highest value wins).
    #[schemars(with = "Option<WriterRule>")]
    pub writers: Option<Spanned<WriterRule>>,
}

/// `[[layers]]`: what it draws is given by `shader`, `image` or `color`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LayerFile {
    /// Unique layer name.
    #[schemars(with = "String")]
    pub name: Option<Spanned<String>>,
    /// A WGSL file defining `fn shade(uv: vec2<f32>) -> vec4<f32>`, relative to this scene file.
    #[schemars(with = "Option<String>")]
    pub shader: Option<Spanned<String>>,
    /// A PNG or JPEG image, relative to this scene file. On a shader layer it is the shader's texture.
    #[schemars(with = "Option<String>")]
    pub image: Option<Spanned<String>>,
    /// Solid colour (solid layers), image tint or shader `layer.color`.
    #[schemars(with = "Option<Color>")]
    pub color: Option<Spanned<Color>>,
    /// 0..1. Default 1.
    #[schemars(with = "Option<f64>", range(min = 0, max = 1))]
    pub opacity: Option<Spanned<f64>>,
    /// How the layer combines with what is below. Default normal.
    #[schemars(with = "Option<Blend>")]
    pub blend: Option<Spanned<Blend>>,
    /// How an image fits the layer size. Default contain.
    #[schemars(with = "Option<Fit>")]
    pub fit: Option<Spanned<Fit>>,
    /// Layer size in canvas pixels `[w, h]`. Default: the canvas (images: fitted into it).
    #[schemars(with = "Option<Size>")]
    pub size: Option<Spanned<Size>>,
    /// Offset of the layer centre from the canvas centre in pixels `[x, y]`, y down. Default [0, 0].
    #[schemars(with = "Option<[f64; 2]>")]
    pub position: Option<Spanned<[f64; 2]>>,
    /// Scale about the layer centre: a number or `[x, y]`. Default 1.
    #[schemars(with = "Option<Scale>")]
    pub scale: Option<Spanned<Scale>>,
    /// Rotation about the layer centre in degrees, clockwise. Default 0.
    #[schemars(with = "Option<f64>")]
    pub rotation: Option<Spanned<f64>>,
    /// Whether the layer is drawn. Default true.
    #[schemars(with = "Option<bool>")]
    pub visible: Option<Spanned<bool>>,
    /// Shader uniforms, read in WGSL as `params.uniform_name`: `uniform_name = "param_name"` follows
    /// a parameter, `uniform_name = 6.0` is a constant.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, BindValue>")]
    pub bind: BTreeMap<Spanned<String>, Spanned<BindValue>>,
}

/// Blend modes, all on premultiplied colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Blend {
    #[default]
    Normal,
    Add,
    Multiply,
    Screen,
}

/// How an image fills its layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Fit {
    /// Whole image visible, aspect kept.
    #[default]
    Contain,
    /// Layer filled, aspect kept, edges cropped.
    Cover,
    /// Layer filled, aspect ignored.
    Stretch,
}

/// JSON Schema of the scene format (`quai schema`).
/// Optional keys are simply optional: no `null` alternatives (TOML has no null, and `anyOf [T, null]`
/// turns one bad value into a vague "not valid under any of the schemas" in editors).
pub fn json_schema() -> serde_json::Value {
    let mut schema = serde_json::to_value(schemars::schema_for!(SceneFile)).unwrap_or_default();
    drop_null(&mut schema);
    schema
}

fn drop_null(v: &mut serde_json::Value) {
    use serde_json::Value;
    let Value::Object(map) = v else {
        if let Value::Array(items) = v {
            items.iter_mut().for_each(drop_null);
        }
        return;
    };
    // "type": ["number", "null"] → "number"
    if let Some(Value::Array(types)) = map.get_mut("type") {
        types.retain(|t| t != "null");
        if types.len() == 1 {
            let only = types[0].clone();
            map.insert("type".into(), only);
        }
    }
    // "anyOf": [T, {"type": "null"}] → T, keeping this level's description
    if let Some(Value::Array(alts)) = map.get("anyOf") {
        let rest: Vec<Value> = alts.iter().filter(|a| a.get("type") != Some(&Value::from("null"))).cloned().collect();
        if rest.len() == 1 && rest.len() < alts.len() {
            map.remove("anyOf");
            if let Value::Object(inner) = &rest[0] {
                for (k, val) in inner {
                    map.entry(k.clone()).or_insert_with(|| val.clone());
                }
            }
        }
    }
    map.values_mut().for_each(drop_null);
}
