//! `[[cues.LIST]]`, `[panic]` and `[keys]` as written: cue lists with their fades and follow-ons,
//! the safe state a panic fades to, and which keys in a window send which command.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_spanned::Spanned;

pub use crate::show::cues::Easing;
pub use crate::show::params::WriterRule;

/// One cue of a list: `[[cues.picture]]`. Cues run in the order they are written.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CueFile {
    /// The cue's name, unique in its list: letters, digits, `_`, `-` and `.` (`"2.5"` is a name).
    #[schemars(with = "String")]
    pub name: Option<Spanned<String>>,
    /// Fade time in seconds for everything the cue changes. Default 0 (at once).
    #[schemars(with = "Option<f64>", range(min = 0))]
    pub fade: Option<Spanned<f64>>,
    /// Shape of the fade: `linear` (default), `ease-in`, `ease-out`, `ease-in-out`, `step`.
    #[schemars(with = "Option<Easing>")]
    pub easing: Option<Spanned<Easing>>,
    /// Parameter targets: `set = { brightness = 1.0, hue = 0.3 }`.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, f64>")]
    pub set: BTreeMap<Spanned<String>, Spanned<f64>>,
    /// Layer opacity targets, 0..1: `opacity = { stars = 0.5 }` (0 hides the layer).
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, f64>")]
    pub opacity: BTreeMap<Spanned<String>, Spanned<f64>>,
    /// Layers to fade in to the opacity the scene gives them.
    #[schemars(with = "Option<Vec<String>>")]
    pub show: Option<Spanned<Vec<Spanned<String>>>>,
    /// Layers to fade out (to opacity 0).
    #[schemars(with = "Option<Vec<String>>")]
    pub hide: Option<Spanned<Vec<Spanned<String>>>>,
    /// Sounds or synths to start when the cue starts.
    #[schemars(with = "Option<Vec<String>>")]
    pub play: Option<Spanned<Vec<Spanned<String>>>>,
    /// Sounds or synths to stop (with their `fade_out`) when the cue starts.
    #[schemars(with = "Option<Vec<String>>")]
    pub silence: Option<Spanned<Vec<Spanned<String>>>>,
    /// Start the next cue when this cue's fade ends (auto-follow).
    #[schemars(with = "Option<bool>")]
    pub follow: Option<Spanned<bool>>,
    /// Start the next cue this many seconds after this one started (auto-continue).
    #[schemars(with = "Option<f64>", range(min = 0))]
    pub after: Option<Spanned<f64>>,
    /// Start this cue of the same list when this cue's fade ends, or `after` seconds after this
    /// cue started when `after` is given (a loop or a jump).
    #[schemars(with = "Option<String>")]
    pub jump: Option<Spanned<String>>,
    /// A note for the operator, shown in the log when the cue starts.
    #[schemars(with = "Option<String>")]
    pub note: Option<Spanned<String>>,
}

/// `[panic]`: the safe state `/quai/panic` (or a key, or the console) fades everything to.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PanicFile {
    /// Seconds to reach the safe state. Default 1.
    #[schemars(with = "Option<f64>", range(min = 0, max = 60))]
    pub within: Option<Spanned<f64>>,
    /// Parameter values of the safe state; the layers always fade out and the sounds stop.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, f64>")]
    pub set: BTreeMap<Spanned<String>, Spanned<f64>>,
}

/// `[show] priority`: each writer kind's priority, higher wins while a fade runs.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PriorityFile {
    /// Sensor mappings and audio analysis. Default 1.
    #[schemars(with = "Option<u8>")]
    pub mapping: Option<Spanned<i64>>,
    /// Cue fades. Default 2.
    #[schemars(with = "Option<u8>")]
    pub cue: Option<Spanned<i64>>,
    /// Direct sets: OSC /quai/param/NAME and the console. Default 3.
    #[schemars(with = "Option<u8>")]
    pub direct: Option<Spanned<i64>>,
}
