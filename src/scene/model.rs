//! The validated scene: typed ids, resolved paths, decoded images and compiled shaders, ready for the
//! renderer. Built by validate.rs; immutable once built (hot reload builds a new one).

use std::path::PathBuf;
use std::sync::Arc;

pub use super::file::{Blend, Combine, Curve, Edge, Fit, Monitor, SerialProtocol};
pub use super::shader::ShaderProgram;

/// Index of a parameter in `Scene::params`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ParamId(pub usize);

/// Default `[show] time_wrap`: an hour, as in Bevy's `globals.time`. An f32 near 3600 is good to
/// 0.25 ms; near a day, only to 8 ms (half a frame at 60 fps, which shows as judder).
pub const DEFAULT_TIME_WRAP: f64 = 3600.0;

/// The `quai.time` a shader sees at show time `time` (seconds, f64 so exact for years): wrapped in
/// f64 first, so the f32 keeps its precision however long the show has run.
pub fn shader_time(time: f64, wrap: f64) -> f32 {
    time.rem_euclid(wrap) as f32
}

#[derive(Debug, Clone)]
pub struct Scene {
    pub name: String,
    /// The main scene file.
    pub path: PathBuf,
    /// Canvas size the scene is authored for; positions and sizes are in these pixels.
    pub canvas: [u32; 2],
    pub fps: f64,
    /// Seconds after which the shaders' `quai.time` starts again from 0 (`[show] time_wrap`).
    pub time_wrap: f64,
    pub background: [f32; 4],
    pub params: Vec<ParamDef>,
    /// Bottom first.
    pub layers: Vec<Layer>,
    /// Windows and projectors (and headless previews), each with its slice, warp, blend and mask.
    pub projectors: Vec<super::projection::ProjectorOutput>,
    /// LED outputs (Art-Net / sACN) with their fixtures.
    pub leds: Vec<super::led::LedOutput>,
    /// Sounds, synths, buses, speakers and the stream settings.
    pub audio: super::audio::Audio,
    pub inputs: Vec<Input>,
    pub mappings: Vec<Mapping>,
    pub triggers: Vec<Trigger>,
    /// Cue lists, in the order they are first written; `default_list` is the one a bare `go` runs
    /// (`main` if there is one, else the first).
    pub cues: Vec<crate::show::cues::CueList>,
    pub default_list: Option<usize>,
    pub panic: Panic,
    /// Keys of a show window and the command each sends.
    pub keys: Vec<KeyBinding>,
    /// Opening hours, closing to standby, commands at times of day (`[schedule]`).
    pub schedule: Option<std::sync::Arc<crate::show::schedule::Schedule>>,
    /// The web console and OSCQuery server (`[console]`).
    pub console: Option<ConsoleConf>,
    /// Rhai scripts, compiled (`scripts = [...]` of every file).
    pub scripts: Vec<crate::script::Script>,
    /// The input values the scripts read or handle, by the literal selectors they name
    /// (`input("desk:/distance")`); the show's inputs read them from the events like mappings.
    pub watches: Vec<crate::script::Watch>,
    /// Which writer of a parameter wins while a cue fade runs.
    pub priorities: crate::show::params::Priorities,
    /// Every file read to build this scene (scene files, includes, shaders, images): what hot reload watches.
    pub files: Vec<PathBuf>,
}

impl Scene {
    pub fn param(&self, name: &str) -> Option<ParamId> {
        self.params.iter().position(|p| p.name == name).map(ParamId)
    }
}

/// `[console]`, checked: where the web console and the OSCQuery server listen (each `None` when
/// not set), and the control token from the file (the environment's QUAI_TOKEN overrides it).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ConsoleConf {
    pub bind: Option<std::net::SocketAddr>,
    pub oscquery: Option<std::net::SocketAddr>,
    pub token: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ParamDef {
    pub name: String,
    pub default: f32,
    pub min: f32,
    pub max: f32,
    pub unit: String,
    /// Seconds; 0 = changes arrive at once.
    pub smoothing: f32,
    /// How several mappings into this parameter combine.
    pub combine: Combine,
    /// How mappings, cues and direct sets share it.
    pub writers: crate::show::params::WriterRule,
}

/// `[panic]`: the safe state. Every layer fades out and every sound stops, too.
#[derive(Debug, Clone, PartialEq)]
pub struct Panic {
    /// Seconds to reach it.
    pub within: f64,
    pub set: Vec<(ParamId, f32)>,
}

impl Default for Panic {
    fn default() -> Self {
        Panic { within: 1.0, set: Vec::new() }
    }
}

/// One `[keys]` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyBinding {
    /// Lower-case key name: `space`, `a`, `1`, `f5`, `left`, ...
    pub key: String,
    pub command: crate::show::commands::Command,
}

#[derive(Debug, Clone)]
pub struct Layer {
    pub name: String,
    pub kind: LayerKind,
    pub program: Arc<ShaderProgram>,
    pub image: Option<Arc<ImageData>>,
    pub color: [f32; 4],
    pub opacity: f32,
    pub blend: Blend,
    pub fit: Fit,
    pub visible: bool,
    /// Explicit size in canvas pixels; `None` = the canvas (images: fitted into it).
    pub size: Option<[f32; 2]>,
    pub position: [f32; 2],
    pub scale: [f32; 2],
    /// Degrees, clockwise.
    pub rotation: f32,
    /// What feeds each uniform of `program.uniforms`, same order.
    pub bindings: Vec<Binding>,
}

/// The source of one shader uniform.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Binding {
    Param(ParamId),
    Constant(f32),
}

impl Binding {
    /// The uniform's value given the current parameter values.
    pub fn value(self, params: &[f32]) -> f32 {
        match self {
            Binding::Param(id) => params.get(id.0).copied().unwrap_or(0.0),
            Binding::Constant(v) => v,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LayerKind {
    Shader(PathBuf),
    Image(PathBuf),
    Solid,
}

/// A decoded image, RGBA8, straight alpha.
#[derive(Clone, PartialEq, Eq)]
pub struct ImageData {
    pub path: PathBuf,
    pub width: u32,
    pub height: u32,
    pub rgba: Vec<u8>,
    /// The version of the file it was decoded from: a reload that finds the file at the same
    /// version reuses this image (and its GPU texture) instead of decoding it again.
    pub source: FileStamp,
}

/// What identifies one version of a file, to tell whether it changed since it was last read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileStamp {
    /// A file on disk: size, inode and status-change time (which every write and every rename
    /// over it moves, and which no tool can set back), taken without reading the file.
    Disk { len: u64, ino: u64, ctime_ns: i128 },
    /// Anything else (bundled files, tests): length and 64-bit hash of the bytes.
    Content { len: u64, hash: u64 },
}

impl FileStamp {
    /// The stamp of `bytes` by content.
    pub fn of(bytes: &[u8]) -> Self {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        bytes.hash(&mut h);
        FileStamp::Content { len: bytes.len() as u64, hash: h.finish() }
    }
}

impl Scene {
    /// The decoded images this scene holds (each once).
    pub fn images(&self) -> Vec<Arc<ImageData>> {
        let mut out: Vec<Arc<ImageData>> = Vec::new();
        for img in self.layers.iter().filter_map(|l| l.image.as_ref()) {
            if !out.iter().any(|o| Arc::ptr_eq(o, img)) {
                out.push(img.clone());
            }
        }
        out
    }
}

impl std::fmt::Debug for ImageData {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ImageData({}, {}x{})", self.path.display(), self.width, self.height)
    }
}

/// A sensor or controller source.
#[derive(Debug, Clone, PartialEq)]
pub struct Input {
    pub name: String,
    pub kind: InputKind,
    /// Capacity of its event queue (events between two frames).
    pub queue: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub enum InputKind {
    Osc {
        bind: std::net::SocketAddr,
        /// Allowed senders (empty = any).
        allow: crate::input::osc::AllowList,
        /// Where to send parameter feedback.
        feedback: Option<std::net::SocketAddr>,
    },
    Midi {
        port: Monitor,
        /// 1..=16; `None` = all channels.
        channel: Option<u8>,
        /// MIDI output port for feedback (controller LEDs).
        feedback: Option<String>,
    },
    Serial {
        /// As written: a path or `usb:VID:PID[:SERIAL]`.
        port: String,
        baud: u32,
        protocol: SerialProtocol,
        columns: Vec<String>,
        max_line: usize,
    },
}

/// Which value of an input's events a mapping or trigger reads.
#[derive(Debug, Clone, PartialEq)]
pub enum Selector {
    /// An OSC address or address pattern, and the argument index.
    Osc {
        pattern: String,
        arg: usize,
    },
    /// MIDI control change (7-bit).
    Cc(u8),
    /// MIDI 14-bit control change: controller 0..31 (MSB) paired with controller + 32 (LSB).
    Cc14(u8),
    /// Velocity of one note (0 when released).
    Note(u8),
    /// The number of the last note played.
    AnyNote,
    /// Pitch bend, -8192..8191.
    Bend,
    Program,
    /// 1 when a program change selects this program, 0 for any other (a momentary trigger).
    ProgramNumber(u8),
    /// A named value of a serial line (`dist 412`) or CSV column.
    Value(String),
}

impl Selector {
    /// The range a raw value of this kind usually spans: the default `in` of a mapping.
    pub fn default_range(&self) -> [f64; 2] {
        match self {
            Selector::Osc { .. } => [0.0, 1.0],
            Selector::Cc(_) | Selector::Note(_) | Selector::AnyNote | Selector::Program => [0.0, 127.0],
            Selector::Cc14(_) => [0.0, 16383.0],
            Selector::ProgramNumber(_) => [0.0, 1.0],
            Selector::Bend => [-8192.0, 8191.0],
            Selector::Value(_) => [0.0, 1023.0],
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Mapping {
    /// Index into `Scene::inputs`.
    pub input: usize,
    pub selector: Selector,
    pub param: ParamId,
    pub input_range: [f64; 2],
    pub output_range: [f32; 2],
    pub clamp: bool,
    pub invert: bool,
    pub curve: Curve,
    /// 0..0.5 of the normalised range snapped at each end.
    pub deadzone: f32,
    pub filter: Filter,
}

/// Smoothing applied to a mapping's values as events arrive.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Filter {
    None,
    /// Exponential lag with this time constant, seconds.
    Lag(f32),
    OneEuro {
        min_cutoff: f32,
        beta: f32,
        d_cutoff: f32,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Trigger {
    pub name: String,
    pub input: usize,
    pub selector: Selector,
    pub above: f64,
    pub below: f64,
    pub edge: Edge,
    /// The command it sends when it fires (`do = "go"`).
    pub action: Option<crate::show::commands::Command>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A month into a show, consecutive frames are still 1/60 s apart to within a microsecond,
    /// and the wrap lands where a wrap-length animation would repeat.
    #[test]
    fn shader_time_stays_precise_for_months() {
        let month = 30.0 * 86400.0;
        for n in 0..600u32 {
            let t = month + f64::from(n) / 60.0;
            let step = shader_time(t + 1.0 / 60.0, DEFAULT_TIME_WRAP) - shader_time(t, DEFAULT_TIME_WRAP);
            let expected = if step < 0.0 { 1.0 / 60.0 - DEFAULT_TIME_WRAP as f32 } else { 1.0 / 60.0 };
            assert!((step - expected).abs() < 1e-6 * DEFAULT_TIME_WRAP as f32, "frame {n}: step {step}");
        }
        assert_eq!(shader_time(month + 0.5, DEFAULT_TIME_WRAP), 0.5);
        assert_eq!(shader_time(7200.25, 3600.0), 0.25);
        assert_eq!(shader_time(10.0, 4.0), 2.0);
        // Without the wrap, a month in is only good to a quarter of a second:
        assert!(((month + 0.1) as f32 - month as f32) != 0.1);
    }
}
