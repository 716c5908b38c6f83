//! `[schedule]` as written: opening hours by weekday and by date, the time zone, what happens at
//! opening and closing, and commands at times of day.

use std::collections::BTreeMap;
use std::fmt;

use schemars::JsonSchema;
use serde::Deserialize;
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde_spanned::Spanned;

/// `[schedule]` (main scene file only).
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScheduleFile {
    /// IANA time zone the hours are in (`Europe/Berlin`). Default: the machine's.
    #[schemars(with = "Option<String>")]
    pub timezone: Option<Spanned<String>>,
    /// Opening hours by weekday: `tue-fri = "10:00-18:00"`, `sat = ["10:00-13:00", "14:00-20:00"]`,
    /// `daily = ...`, `mon = "closed"`. Days not named are closed.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, Texts>")]
    pub hours: BTreeMap<Spanned<String>, Spanned<Texts>>,
    /// Dates whose hours differ from their weekday's: `"2026-12-24" = "10:00-14:00"`,
    /// `"2026-12-25" = "closed"`.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, Texts>")]
    pub dates: BTreeMap<Spanned<String>, Spanned<Texts>>,
    /// Commands at each opening, after the show is reset to its start (`"goto picture/dawn"`, or a
    /// list of commands).
    #[schemars(with = "Option<Texts>")]
    pub opening: Option<Spanned<Texts>>,
    /// Seconds the closing fades out over before standby. Default 10.
    #[schemars(with = "Option<f64>", range(min = 0, max = 3600))]
    pub fade: Option<Spanned<f64>>,
    /// Commands at times of day, while open.
    #[serde(default)]
    pub at: Vec<AtFile>,
}

/// `[[schedule.at]]`: a command at a time of day.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AtFile {
    /// `HH:MM` on the wall, in the schedule's zone.
    #[schemars(with = "String")]
    pub time: Option<Spanned<String>>,
    /// The command (`"go picture"`, `"goto sound/noon"`).
    #[serde(rename = "do")]
    #[schemars(with = "String")]
    pub action: Option<Spanned<String>>,
    /// Which days: `"sat-sun"`, `"mon"`, `"daily"` (default).
    #[schemars(with = "Option<String>")]
    pub days: Option<Spanned<String>>,
}

/// One text or a list of them (`"10:00-18:00"` or `["10:00-13:00", "14:00-18:00"]`); each list
/// item keeps where it was written.
#[derive(Debug, Clone, PartialEq, JsonSchema)]
#[serde(untagged)]
pub enum Texts {
    One(String),
    #[schemars(with = "Vec<String>")]
    Many(Vec<Spanned<String>>),
}

impl<'de> Deserialize<'de> for Texts {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Texts;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string or an array of strings")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Texts, E> {
                Ok(Texts::One(s.to_string()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Texts, A::Error> {
                let mut out = Vec::new();
                while let Some(s) = seq.next_element::<Spanned<String>>()? {
                    out.push(s);
                }
                Ok(Texts::Many(out))
            }
        }
        d.deserialize_any(V)
    }
}

/// Each text with where it was written (a lone text: the value's own place).
pub fn texts(v: &Spanned<Texts>) -> Vec<(String, std::ops::Range<usize>)> {
    match v.get_ref() {
        Texts::One(s) => vec![(s.clone(), v.span())],
        Texts::Many(items) => items.iter().map(|s| (s.get_ref().clone(), s.span())).collect(),
    }
}
