//! The parameter store: every scene parameter's current value and target. Inputs, cues and the
//! console set targets; `advance` moves values toward them with the parameter's smoothing. Values
//! whose names survive a hot reload are kept.

use crate::scene::{ParamDef, ParamId};

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
}

impl ParamStore {
    pub fn new(defs: &[ParamDef]) -> Self {
        let values: Vec<f32> = defs.iter().map(|d| d.default).collect();
        Self { defs: defs.to_vec(), targets: values.clone(), values }
    }

    /// A store for a reloaded scene: parameters whose names survive keep their value and target
    /// (clamped to the new range); new ones start at their default.
    pub fn rebind(&self, defs: &[ParamDef]) -> Self {
        let mut next = Self::new(defs);
        for (i, d) in defs.iter().enumerate() {
            if let Some(j) = self.defs.iter().position(|o| o.name == d.name) {
                next.values[i] = self.values[j].clamp(d.min, d.max);
                next.targets[i] = self.targets[j].clamp(d.min, d.max);
            }
        }
        next
    }

    pub fn id(&self, name: &str) -> Option<ParamId> {
        self.defs.iter().position(|d| d.name == name).map(ParamId)
    }

    /// Set a parameter's target (clamped to its range); smoothing carries the value there.
    pub fn set(&mut self, id: ParamId, value: f32) -> Result<(), ParamError> {
        let d = self.defs.get(id.0).ok_or_else(|| ParamError::Unknown(format!("#{}", id.0)))?;
        if value.is_nan() {
            return Err(ParamError::NotANumber { name: d.name.clone(), value });
        }
        self.targets[id.0] = value.clamp(d.min, d.max);
        if d.smoothing <= 0.0 {
            self.values[id.0] = self.targets[id.0];
        }
        Ok(())
    }

    pub fn set_by_name(&mut self, name: &str, value: f32) -> Result<(), ParamError> {
        let id = self.id(name).ok_or_else(|| ParamError::Unknown(name.to_string()))?;
        self.set(id, value)
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
        let r = s.rebind(&[def("new", 0.0), narrow]);
        assert_eq!(r.values(), &[0.5, 0.8]);
    }
}
