//! The parameter store: every scene parameter's current value and target. Inputs, cues and the
//! console set targets; `advance` moves values toward them with the parameter's smoothing. Values
//! whose names survive a hot reload are kept.
//!
//! **Writers.** A parameter has several writers, each of a [`Writer`] kind: mappings (sensors and
//! audio analysis), cues (fades) and direct sets (OSC `/quai/param/...`, the console). Which one
//! the picture follows is the parameter's declared rule ([`WriterRule`], scenes/README.md,
//! "Who drives a parameter"):
//! - `priority` (the default): a running cue fade *holds* its parameter. While it runs, a write of
//!   a lower-priority kind is ignored (and counted); a write of the same or a higher priority takes
//!   the parameter over and ends the fade there (the show tells the cue engine, see
//!   [`ParamStore::take_overs`]). With no fade running, the latest write wins.
//! - `htp` (highest takes precedence, as on a lighting desk): the target is the highest of every
//!   kind's latest value.

use crate::scene::{ParamDef, ParamId};

/// A kind of parameter writer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Writer {
    /// Sensor mappings and audio analysis.
    Mapping = 0,
    /// Cue fades.
    Cue = 1,
    /// Direct sets: OSC `/quai/param/NAME`, the console.
    Direct = 2,
}

/// How a parameter's writers combine (`writers = "priority" | "htp"` on the parameter).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum WriterRule {
    /// A running cue fade holds the parameter against lower-priority writers; otherwise the latest
    /// write wins.
    #[default]
    Priority,
    /// Highest takes precedence: the highest of each writer's latest value.
    Htp,
}

/// Each writer kind's priority (`[show] priority = { mapping = 1, cue = 2, direct = 3 }`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Priorities {
    pub mapping: u8,
    pub cue: u8,
    pub direct: u8,
}

impl Default for Priorities {
    fn default() -> Self {
        Priorities { mapping: 1, cue: 2, direct: 3 }
    }
}

impl Priorities {
    pub fn of(&self, w: Writer) -> u8 {
        match w {
            Writer::Mapping => self.mapping,
            Writer::Cue => self.cue,
            Writer::Direct => self.direct,
        }
    }
}

/// What became of one write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    Applied,
    /// A running fade of a higher priority holds the parameter.
    Ignored,
    /// The write ended a running fade of the same or a lower priority.
    TookOver,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ParamError {
    #[error("no parameter named `{0}`")]
    Unknown(String),
    #[error("parameter `{name}`: value {value} is not a number")]
    NotANumber { name: String, value: f32 },
}

#[derive(Debug, Clone, Default)]
pub struct ParamStore {
    defs: Vec<ParamDef>,
    values: Vec<f32>,
    targets: Vec<f32>,
    priorities: Priorities,
    /// Parameters a running cue fade holds.
    held: Vec<bool>,
    /// Each writer kind's latest value (`htp` parameters).
    latest: Vec<[Option<f32>; 3]>,
    /// Held parameters another writer took over since the last `take_overs`.
    taken: Vec<ParamId>,
    /// Which writer kind wrote each parameter last (`None`: nobody since the start or a reset).
    last: Vec<Option<Writer>>,
    /// Writes ignored because a fade of a higher priority held the parameter.
    pub ignored: u64,
}

impl ParamStore {
    pub fn new(defs: &[ParamDef]) -> Self {
        Self::with_priorities(defs, Priorities::default())
    }

    pub fn with_priorities(defs: &[ParamDef], priorities: Priorities) -> Self {
        let values: Vec<f32> = defs.iter().map(|d| d.default).collect();
        Self {
            defs: defs.to_vec(),
            targets: values.clone(),
            values,
            priorities,
            held: vec![false; defs.len()],
            latest: vec![[None; 3]; defs.len()],
            taken: Vec::with_capacity(defs.len()),
            last: vec![None; defs.len()],
            ignored: 0,
        }
    }

    /// A store for a reloaded scene: parameters whose names survive keep their value and target
    /// (clamped to the new range); new ones start at their default.
    pub fn rebind(&self, defs: &[ParamDef], priorities: Priorities) -> Self {
        let mut next = Self::with_priorities(defs, priorities);
        next.ignored = self.ignored;
        for (i, d) in defs.iter().enumerate() {
            if let Some(j) = self.defs.iter().position(|o| o.name == d.name) {
                next.values[i] = self.values[j].clamp(d.min, d.max);
                next.targets[i] = self.targets[j].clamp(d.min, d.max);
                next.last[i] = self.last[j];
                next.latest[i][Writer::Direct as usize] = self.latest[j][Writer::Direct as usize];
            }
        }
        next
    }

    pub fn id(&self, name: &str) -> Option<ParamId> {
        self.defs.iter().position(|d| d.name == name).map(ParamId)
    }

    /// Set a parameter's target (clamped to its range) as a direct write; smoothing carries the
    /// value there.
    pub fn set(&mut self, id: ParamId, value: f32) -> Result<(), ParamError> {
        self.write(id, value, Writer::Direct).map(|_| ())
    }

    pub fn set_by_name(&mut self, name: &str, value: f32) -> Result<(), ParamError> {
        let id = self.id(name).ok_or_else(|| ParamError::Unknown(name.to_string()))?;
        self.set(id, value)
    }

    /// One write by a writer of kind `by`, under the parameter's rule (module doc).
    pub fn write(&mut self, id: ParamId, value: f32, by: Writer) -> Result<Written, ParamError> {
        let d = self.defs.get(id.0).ok_or_else(|| ParamError::Unknown(format!("#{}", id.0)))?;
        if value.is_nan() {
            return Err(ParamError::NotANumber { name: d.name.clone(), value });
        }
        let value = value.clamp(d.min, d.max);
        let outcome = match d.writers {
            WriterRule::Htp => {
                self.latest[id.0][by as usize] = Some(value);
                self.last[id.0] = Some(by);
                let top = self.latest[id.0].iter().flatten().copied().fold(f32::NEG_INFINITY, f32::max);
                self.put(id, top);
                return Ok(Written::Applied);
            }
            WriterRule::Priority if self.held[id.0] && by != Writer::Cue => {
                if self.priorities.of(by) < self.priorities.cue {
                    self.ignored += 1;
                    return Ok(Written::Ignored);
                }
                self.held[id.0] = false;
                self.taken.push(id);
                Written::TookOver
            }
            WriterRule::Priority => Written::Applied,
        };
        self.latest[id.0][by as usize] = Some(value);
        self.last[id.0] = Some(by);
        self.put(id, value);
        Ok(outcome)
    }

    /// Back to the defaults (`reset`, and `wake` at an opening). Every writer's latest value is
    /// forgotten, except, with `keep_live`, values set directly (console, OSC `/quai/param`),
    /// which a technician set for the room and which stay.
    pub fn restart(&mut self, keep_live: bool) {
        for i in 0..self.defs.len() {
            let live = self.latest[i][Writer::Direct as usize].filter(|_| keep_live);
            self.latest[i] = [None; 3];
            self.latest[i][Writer::Direct as usize] = live;
            self.last[i] = live.map(|_| Writer::Direct);
            self.held[i] = false;
            self.put(ParamId(i), live.unwrap_or(self.defs[i].default));
        }
        self.taken.clear();
    }

    /// A value from the saved state, in place at once (no smoothing): `live` when it was set
    /// directly (it then stays across openings, see `restart`), else as the cues left it.
    pub fn restore(&mut self, id: ParamId, value: f32, live: bool) {
        let Some(d) = self.defs.get(id.0) else { return };
        let v = value.clamp(d.min, d.max);
        let by = if live { Writer::Direct } else { Writer::Cue };
        self.latest[id.0][by as usize] = Some(v);
        self.last[id.0] = Some(by);
        self.targets[id.0] = v;
        self.values[id.0] = v;
    }

    pub fn priorities(&self) -> Priorities {
        self.priorities
    }

    /// Which writer kind wrote `id` last.
    pub fn last_writer(&self, id: ParamId) -> Option<Writer> {
        self.last.get(id.0).copied().flatten()
    }

    /// A cue fade's write: `active` while the fade runs (it holds the parameter), false on its last.
    pub fn write_cue(&mut self, id: ParamId, value: f32, active: bool) -> Result<Written, ParamError> {
        let w = self.write(id, value, Writer::Cue)?;
        if let Some(h) = self.held.get_mut(id.0) {
            *h = active && self.defs[id.0].writers == WriterRule::Priority;
        }
        Ok(w)
    }

    /// Stop holding `id` (its fade was released or stopped without a last write).
    pub fn unhold(&mut self, id: ParamId) {
        if let Some(h) = self.held.get_mut(id.0) {
            *h = false;
        }
    }

    /// Held parameters that another writer took over since the last call: their fades must end.
    pub fn take_overs(&mut self) -> std::vec::Drain<'_, ParamId> {
        self.taken.drain(..)
    }

    /// Whether a running fade holds `id`.
    pub fn held(&self, id: ParamId) -> bool {
        self.held.get(id.0).copied().unwrap_or(false)
    }

    fn put(&mut self, id: ParamId, target: f32) {
        self.targets[id.0] = target;
        if self.defs[id.0].smoothing <= 0.0 {
            self.values[id.0] = target;
        }
    }

    /// Advance smoothing by `dt` seconds: exponential lag that covers 95% of a step in `smoothing` s.
    pub fn advance(&mut self, dt: f32) {
        for ((v, t), d) in self.values.iter_mut().zip(&self.targets).zip(&self.defs) {
            if d.smoothing <= 0.0 {
                *v = *t;
            } else {
                let k = 1.0 - (-3.0 * dt.max(0.0) / d.smoothing).exp();
                *v += (*t - *v) * k;
                if (*t - *v).abs() <= f32::EPSILON * t.abs().max(1.0) {
                    *v = *t;
                }
            }
        }
    }

    pub fn value(&self, id: ParamId) -> f32 {
        self.values[id.0]
    }

    /// Where a parameter is heading (the last value set), before smoothing.
    pub fn target(&self, id: ParamId) -> f32 {
        self.targets[id.0]
    }

    /// Current values, indexed by `ParamId` (what the compositor reads).
    pub fn values(&self) -> &[f32] {
        &self.values
    }

    pub fn defs(&self) -> &[ParamDef] {
        &self.defs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn def(name: &str, smoothing: f32) -> ParamDef {
        ParamDef {
            name: name.into(),
            default: 0.5,
            min: 0.0,
            max: 1.0,
            unit: String::new(),
            smoothing,
            combine: Default::default(),
            writers: Default::default(),
        }
    }

    #[test]
    fn set_clamps_and_smooths() {
        let mut s = ParamStore::new(&[def("a", 0.0), def("b", 1.0)]);
        s.set_by_name("a", 7.0).unwrap();
        assert_eq!(s.value(ParamId(0)), 1.0);
        s.set_by_name("b", 1.0).unwrap();
        assert_eq!(s.value(ParamId(1)), 0.5);
        for _ in 0..60 {
            s.advance(1.0 / 60.0);
        }
        let v = s.value(ParamId(1));
        assert!((0.97..=0.98).contains(&v), "95% of the step after `smoothing` seconds, got {v}");
        assert!(s.set_by_name("zz", 1.0).is_err());
        assert!(s.set_by_name("a", f32::NAN).is_err());
    }

    /// Regression: a hot reload keeps the live value of parameters whose names survive.
    #[test]
    fn rebind_keeps_surviving_values() {
        let mut s = ParamStore::new(&[def("a", 0.0), def("gone", 0.0)]);
        s.set_by_name("a", 0.9).unwrap();
        let mut narrow = def("a", 0.0);
        narrow.max = 0.8;
        let r = s.rebind(&[def("new", 0.0), narrow], Priorities::default());
        assert_eq!(r.values(), &[0.5, 0.8]);
    }

    /// Priority rule: a fade holds its parameter against lower writers; a higher writer takes it
    /// over (and says so once); with no fade running the latest write wins.
    #[test]
    fn a_fade_holds_against_lower_writers_and_higher_ones_take_over() {
        let a = ParamId(0);
        let mut s = ParamStore::new(&[def("a", 0.0)]);
        assert_eq!(s.write(a, 0.2, Writer::Mapping), Ok(Written::Applied));
        assert_eq!(s.write_cue(a, 0.3, true), Ok(Written::Applied));
        assert!(s.held(a));
        assert_eq!(s.write(a, 0.9, Writer::Mapping), Ok(Written::Ignored));
        assert_eq!((s.target(a), s.ignored), (0.3, 1));
        assert_eq!(s.write(a, 0.7, Writer::Direct), Ok(Written::TookOver));
        assert_eq!(s.take_overs().collect::<Vec<_>>(), [a]);
        assert_eq!(s.take_overs().count(), 0);
        assert!(!s.held(a));
        assert_eq!(s.write(a, 0.1, Writer::Mapping), Ok(Written::Applied), "no fade: the latest write wins");
        assert_eq!(s.target(a), 0.1);
        // The fade's last write hands the parameter back.
        s.write_cue(a, 0.4, true).unwrap();
        s.write_cue(a, 0.5, false).unwrap();
        assert_eq!(s.write(a, 0.6, Writer::Mapping), Ok(Written::Applied));
        // Mapping above cue (`[show] priority`): the sensor takes over a fade.
        let mut s = ParamStore::with_priorities(&[def("a", 0.0)], Priorities { mapping: 3, cue: 2, direct: 1 });
        s.write_cue(a, 0.3, true).unwrap();
        assert_eq!(s.write(a, 0.9, Writer::Mapping), Ok(Written::TookOver));
        assert_eq!(s.write(a, 0.1, Writer::Direct), Ok(Written::Applied), "no fade holds it any more");
    }

    /// HTP rule: the highest of each writer kind's latest value.
    #[test]
    fn htp_takes_the_highest_latest_value() {
        let a = ParamId(0);
        let mut d = def("a", 0.0);
        d.writers = WriterRule::Htp;
        let mut s = ParamStore::new(&[d]);
        s.write(a, 0.7, Writer::Mapping).unwrap();
        s.write_cue(a, 0.2, true).unwrap();
        assert_eq!(s.target(a), 0.7);
        s.write_cue(a, 0.9, true).unwrap();
        assert_eq!(s.target(a), 0.9);
        s.write_cue(a, 0.0, false).unwrap();
        assert_eq!(s.target(a), 0.7, "the cue faded out below the sensor: the sensor shows");
        s.write(a, 0.1, Writer::Mapping).unwrap();
        assert_eq!(s.target(a), 0.1);
        assert!(!s.held(a), "htp parameters are never held");
    }
}
