//! Value types of the scene file with their own spellings: sizes, colours, scales, monitors and
//! uniform bindings, each with a deserializer whose error says what was expected.

use std::fmt;

use schemars::JsonSchema;
use serde::Deserialize;
use serde::de::{self, Deserializer, SeqAccess, Visitor};

/// A size in pixels, `[width, height]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, JsonSchema)]
pub struct Size(pub [u32; 2]);

/// A colour, straight alpha, components 0..1.
#[derive(Debug, Clone, Copy, PartialEq, JsonSchema)]
#[schemars(description = "\"#rrggbb\", \"#rrggbbaa\", or [r, g, b] / [r, g, b, a] with components 0..1")]
pub struct Color(#[schemars(with = "ColorSchema")] pub [f32; 4]);

#[derive(JsonSchema)]
#[serde(untagged)]
#[allow(dead_code)]
enum ColorSchema {
    Hex(#[schemars(pattern(r"^#([0-9a-fA-F]{3,4}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$"))] String),
    Components(#[schemars(length(min = 3, max = 4))] Vec<f64>),
}

/// A scale: one number for both axes or `[x, y]`.
#[derive(Debug, Clone, Copy, PartialEq, JsonSchema)]
pub struct Scale(#[schemars(with = "ScaleSchema")] pub [f64; 2]);

#[derive(JsonSchema)]
#[serde(untagged)]
#[allow(dead_code)]
enum ScaleSchema {
    Uniform(f64),
    Axes([f64; 2]),
}

/// What feeds a shader uniform: a parameter by name, or a constant.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(untagged, expecting = "a parameter name (string) or a constant (number)")]
pub enum BindValue {
    Param(String),
    Constant(f64),
}

/// A monitor chosen by name substring or index.
#[derive(Debug, Clone, PartialEq, Eq, JsonSchema)]
#[serde(untagged)]
pub enum Monitor {
    Index(usize),
    Name(String),
}

impl<'de> Deserialize<'de> for Size {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Size;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a size in pixels like [1280, 720]")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Size, E> {
                let parsed =
                    s.split_once(['x', 'X']).and_then(|(w, h)| Some([w.trim().parse().ok()?, h.trim().parse().ok()?]));
                parsed
                    .map(Size)
                    .ok_or_else(|| E::custom(format!("invalid size `{s}`: expected [width, height] like [1280, 720]")))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Size, A::Error> {
                let mut v = [0u32; 2];
                for (i, slot) in v.iter_mut().enumerate() {
                    *slot = seq.next_element()?.ok_or_else(|| de::Error::invalid_length(i, &self))?;
                }
                if seq.next_element::<de::IgnoredAny>()?.is_some() {
                    return Err(de::Error::invalid_length(3, &self));
                }
                Ok(Size(v))
            }
        }
        d.deserialize_any(V)
    }
}

impl<'de> Deserialize<'de> for Color {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Color;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a colour: \"#rrggbb\", \"#rrggbbaa\" or [r, g, b(, a)] with components 0..1")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Color, E> {
                parse_hex(s).map(Color).ok_or_else(|| {
                    E::custom(format!("invalid colour `{s}`: expected \"#rrggbb\", \"#rrggbbaa\", \"#rgb\" or \"#rgba\" (hex digits 0-9, a-f)"))
                })
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Color, A::Error> {
                let mut c = [1.0f32; 4];
                let mut n = 0;
                while let Some(v) = seq.next_element::<f64>()? {
                    if n == 4 {
                        return Err(de::Error::invalid_length(5, &self));
                    }
                    if !(0.0..=1.0).contains(&v) {
                        return Err(de::Error::custom(format!(
                            "colour component {v} is out of range: components are 0..1 (use \"#rrggbb\" for 0..255 hex)"
                        )));
                    }
                    c[n] = v as f32;
                    n += 1;
                }
                if n < 3 {
                    return Err(de::Error::invalid_length(n, &self));
                }
                Ok(Color(c))
            }
        }
        d.deserialize_any(V)
    }
}

fn parse_hex(s: &str) -> Option<[f32; 4]> {
    let hex = s.strip_prefix('#')?;
    if !hex.is_ascii() {
        return None;
    }
    // CSS shorthand: #rgb and #rgba double each digit.
    let long: String;
    let hex = if hex.len() == 3 || hex.len() == 4 {
        long = hex.chars().flat_map(|c| [c, c]).collect();
        long.as_str()
    } else {
        hex
    };
    if !(hex.len() == 6 || hex.len() == 8) {
        return None;
    }
    let mut c = [1.0f32; 4];
    for (i, slot) in c.iter_mut().take(hex.len() / 2).enumerate() {
        *slot = u8::from_str_radix(&hex[i * 2..i * 2 + 2], 16).ok()? as f32 / 255.0;
    }
    Some(c)
}

impl<'de> Deserialize<'de> for Scale {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Scale;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a scale: a number or [x, y]")
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Scale, E> {
                Ok(Scale([v, v]))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Scale, E> {
                Ok(Scale([v as f64; 2]))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Scale, E> {
                Ok(Scale([v as f64; 2]))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Scale, A::Error> {
                let x = seq.next_element()?.ok_or_else(|| de::Error::invalid_length(0, &self))?;
                let y = seq.next_element()?.ok_or_else(|| de::Error::invalid_length(1, &self))?;
                if seq.next_element::<de::IgnoredAny>()?.is_some() {
                    return Err(de::Error::invalid_length(3, &self));
                }
                Ok(Scale([x, y]))
            }
        }
        d.deserialize_any(V)
    }
}

impl<'de> Deserialize<'de> for Monitor {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Monitor;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a monitor name (string) or index (integer from 0)")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Monitor, E> {
                usize::try_from(v)
                    .map(Monitor::Index)
                    .map_err(|_| E::custom(format!("monitor index {v} is negative: indices start at 0")))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Monitor, E> {
                Ok(Monitor::Index(v as usize))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Monitor, E> {
                Ok(Monitor::Name(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}
