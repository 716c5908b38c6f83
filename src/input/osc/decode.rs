//! OSC packet decoding: one datagram (or SLIP frame) in, `InputEvent`s out, with bundle timetags
//! turned into show time. Pure functions, run on each OSC input's thread (`quai-osc-<name>`) once
//! per packet, and by the serial input's thread for SLIP-framed OSC.
//!
//! Decisions, in the gallery's terms:
//! - Arguments quai has no value for — blobs (`b`), timetags (`t`), MIDI (`m`), colours (`r`) and
//!   arrays (`[...]`) — are skipped; the message is still delivered with its other arguments, in
//!   order. Symbols (`S`, which rosc does not read) become strings, chars (`c`) one-letter strings,
//!   `I` (impulse) and `N` (nil) `Nil`.
//! - A bundle due in the future is stamped `now_t + (timetag - now)` so the frame loop applies it
//!   when due; one due now, in the past, or "immediately" (timetag 1) is stamped `now_t`. A
//!   timetag more than [`MAX_SCHEDULE_AHEAD_S`] ahead is a sender's clock gone wrong, not a cue:
//!   it is stamped `now_t` and counted in [`DecodeTally::far_future`]. Nested bundles are never due
//!   before the bundle that holds them. Timetags are compared modulo the NTP era (2036 is fine).
//! - A packet is delivered whole or not at all: bytes left over after its content (a truncated
//!   bundle element, a sender bug) make it malformed.
//! - Bundles nested deeper than [`MAX_BUNDLE_DEPTH`] are refused before rosc sees them (rosc
//!   parses nesting by recursion; a hostile packet must not exhaust the thread's stack).

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use rosc::{OscBundle, OscError as RoscError, OscPacket, OscTime, OscType};
use thiserror::Error;

use crate::input::event::{EventKind, InputEvent, OscValue};
use crate::input::osc::slip::SlipDecoder;

/// How far ahead a bundle may be scheduled; farther is treated as due now (and counted as odd).
pub const MAX_SCHEDULE_AHEAD_S: f64 = 60.0;
/// How deep bundles may nest inside bundles.
pub const MAX_BUNDLE_DEPTH: usize = 16;

/// Seconds between the OSC/NTP epoch (1900) and the Unix epoch (1970).
const NTP_UNIX_OFFSET_S: u64 = 2_208_988_800;
const TWO_POW_32: f64 = 4_294_967_296.0;

/// Why one packet was not delivered. Every message names the input and the packet.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DecodeError {
    #[error("OSC input `{input}`: empty packet")]
    Empty { input: Arc<str> },
    #[error(
        "OSC input `{input}`: packet of {len} bytes is not OSC (starts with byte 0x{first:02X}, expected `/` or \
         `#bundle`; is the sender using another protocol, or SLIP framing over UDP?)"
    )]
    NotOsc { input: Arc<str>, len: usize, first: u8 },
    #[error("OSC input `{input}`: packet of {len} bytes nests bundles deeper than {max}")]
    TooDeep { input: Arc<str>, len: usize, max: usize },
    #[error("OSC input `{input}`: packet of {len} bytes is truncated ({detail})")]
    Truncated { input: Arc<str>, len: usize, detail: String },
    #[error("OSC input `{input}`: packet of {len} bytes has {extra} bytes left over after its content")]
    TrailingBytes { input: Arc<str>, len: usize, extra: usize },
    #[error("OSC input `{input}`: packet of {len} bytes has an address or string that is not UTF-8 text")]
    NotText { input: Arc<str>, len: usize },
    #[error("OSC input `{input}`: packet of {len} bytes is malformed ({detail})")]
    Malformed { input: Arc<str>, len: usize, detail: String },
}

/// What one packet yielded, for the input's counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DecodeTally {
    /// Messages delivered (one event each).
    pub messages: usize,
    /// Arguments skipped because quai has no value for them (blobs, MIDI, colours, arrays, timetags).
    pub skipped_args: usize,
    /// Bundles whose timetag was more than [`MAX_SCHEDULE_AHEAD_S`] ahead (delivered as due now).
    pub far_future: usize,
}

/// Decodes one packet and hands each message to `out` as an event stamped in show time.
/// Returns the number of messages delivered. Never panics.
pub fn decode_packet(
    bytes: &[u8],
    input: &Arc<str>,
    now_t: f64,
    now_system: SystemTime,
    out: &mut impl FnMut(InputEvent),
) -> Result<usize, DecodeError> {
    decode_packet_tally(bytes, input, now_t, now_system, out).map(|tally| tally.messages)
}

/// [`decode_packet`], also reporting skipped arguments and far-future timetags.
pub fn decode_packet_tally(
    bytes: &[u8],
    input: &Arc<str>,
    now_t: f64,
    now_system: SystemTime,
    out: &mut impl FnMut(InputEvent),
) -> Result<DecodeTally, DecodeError> {
    let len = bytes.len();
    let input_name = || input.clone();
    match bytes.first() {
        None => return Err(DecodeError::Empty { input: input_name() }),
        Some(b'/' | b'#') => {}
        Some(&first) => return Err(DecodeError::NotOsc { input: input_name(), len, first }),
    }
    let mut symbol_tags = Vec::new();
    survey(bytes, 0, 0, &mut symbol_tags).map_err(|problem| match problem {
        Problem::TooDeep => DecodeError::TooDeep { input: input_name(), len, max: MAX_BUNDLE_DEPTH },
        Problem::ShortElement { declared, available } => DecodeError::Truncated {
            input: input_name(),
            len,
            detail: format!("a bundle element declares {declared} bytes, {available} follow"),
        },
    })?;
    let patched;
    let bytes = if symbol_tags.is_empty() {
        bytes
    } else {
        let mut copy = bytes.to_vec();
        for &i in &symbol_tags {
            if let Some(tag) = copy.get_mut(i) {
                *tag = b's';
            }
        }
        patched = copy;
        &patched[..]
    };
    let (rest, packet) = rosc::decoder::decode_udp(bytes).map_err(|e| from_rosc(e, input, len))?;
    if !rest.is_empty() {
        return Err(DecodeError::TrailingBytes { input: input_name(), len, extra: rest.len() });
    }
    let mut delivery = Delivery { input, now_osc: osc_now(now_system), now_t, tally: DecodeTally::default(), out };
    delivery.packet(packet, now_t);
    Ok(delivery.tally)
}

/// The event value for one rosc argument, or `None` for kinds quai skips (see module doc).
pub fn to_osc_value(arg: &OscType) -> Option<OscValue> {
    Some(match arg {
        OscType::Int(i) => OscValue::Int(i64::from(*i)),
        OscType::Long(i) => OscValue::Int(*i),
        OscType::Float(f) => OscValue::Float(f64::from(*f)),
        OscType::Double(f) => OscValue::Float(*f),
        OscType::String(s) => OscValue::Str(s.clone()),
        OscType::Char(c) => OscValue::Str(c.to_string()),
        OscType::Bool(b) => OscValue::Bool(*b),
        OscType::Nil | OscType::Inf => OscValue::Nil,
        OscType::Blob(_) | OscType::Time(_) | OscType::Midi(_) | OscType::Color(_) | OscType::Array(_) => {
            return None;
        }
    })
}

/// Runs `decode_packet` on arbitrary bytes, then a `SlipDecoder` over them with each frame decoded
/// too: the body of a cargo-fuzz target. Deterministic (fixed wall clock).
pub fn fuzz_one(bytes: &[u8]) {
    let input: Arc<str> = Arc::from("fuzz");
    let now_system = UNIX_EPOCH + std::time::Duration::from_secs(1_800_000_000);
    let _ = decode_packet(bytes, &input, 0.0, now_system, &mut |_| {});
    let mut slip = SlipDecoder::new(1024);
    let (head, tail) = bytes.split_at(bytes.len() / 2);
    for part in [head, tail] {
        slip.feed(part, &mut |frame| {
            if let Ok(frame) = frame {
                let _ = decode_packet(frame, &input, 0.0, now_system, &mut |_| {});
            }
        });
    }
}

/// What `survey` found wrong before rosc sees the packet.
enum Problem {
    TooDeep,
    ShortElement { declared: usize, available: usize },
}

/// Walks the raw packet as rosc will, refusing bundles nested too deep and elements longer than
/// the packet. Records where type tag strings say `S` (symbol), which rosc does not read but reads
/// as `s` (the same encoding).
fn survey(bytes: &[u8], base: usize, depth: usize, symbol_tags: &mut Vec<usize>) -> Result<(), Problem> {
    if bytes.starts_with(b"#bundle\0") {
        if depth >= MAX_BUNDLE_DEPTH {
            return Err(Problem::TooDeep);
        }
        // `#bundle\0`, padding to the 4-byte grid counted from the packet's start (as rosc does;
        // a bundle after an odd-sized element is off the grid), the timetag, then the elements.
        let mut pos = (base + 8).next_multiple_of(4) - base + 8;
        while let Some(size) = bytes.get(pos..pos + 4).and_then(|b| b.try_into().ok()).map(u32::from_be_bytes) {
            let start = pos + 4;
            let declared = size as usize;
            let available = bytes.len() - start;
            let element = bytes
                .get(start..start.saturating_add(declared))
                .ok_or(Problem::ShortElement { declared, available })?;
            survey(element, base + start, depth + 1, symbol_tags)?;
            pos = start + element.len();
        }
    } else if let Some(nul) = bytes.iter().position(|&b| b == 0) {
        // Strings are padded to 4 bytes counted from the start of the whole packet, as rosc does.
        let tags_at = (base + nul + 1).next_multiple_of(4) - base;
        if let Some(tags) = bytes.get(tags_at..).filter(|t| t.first() == Some(&b',')) {
            let end = tags.iter().position(|&b| b == 0).unwrap_or(tags.len());
            let found = tags[..end].iter().enumerate().filter(|&(_, &b)| b == b'S');
            symbol_tags.extend(found.map(|(i, _)| base + tags_at + i));
        }
    }
    Ok(())
}

/// The wall clock as a 32.32 fixed-point OSC time (seconds since 1900, modulo the NTP era).
fn osc_now(now_system: SystemTime) -> u64 {
    let since_unix = now_system.duration_since(UNIX_EPOCH).unwrap_or_default();
    let seconds = (since_unix.as_secs() + NTP_UNIX_OFFSET_S) & 0xFFFF_FFFF;
    let fraction = (u64::from(since_unix.subsec_nanos()) << 32) / 1_000_000_000;
    (seconds << 32) | fraction
}

struct Delivery<'a, F> {
    input: &'a Arc<str>,
    now_osc: u64,
    now_t: f64,
    tally: DecodeTally,
    out: &'a mut F,
}

impl<F: FnMut(InputEvent)> Delivery<'_, F> {
    /// Delivers `packet`'s messages, due no earlier than `due` (the enclosing bundle's time).
    fn packet(&mut self, packet: OscPacket, due: f64) {
        match packet {
            OscPacket::Message(message) => {
                let before = message.args.len();
                let args: Vec<OscValue> = message.args.iter().filter_map(to_osc_value).collect();
                self.tally.skipped_args += before - args.len();
                self.tally.messages += 1;
                let kind = EventKind::Osc { addr: message.addr, args };
                (self.out)(InputEvent { t: due, input: self.input.clone(), kind });
            }
            OscPacket::Bundle(OscBundle { timetag, content }) => {
                let due = self.due(timetag).map_or(due, |t| t.max(due));
                content.into_iter().for_each(|p| self.packet(p, due));
            }
        }
    }

    /// Show time a bundle is due, or `None` for "immediately" (inherit the enclosing time).
    fn due(&mut self, timetag: OscTime) -> Option<f64> {
        if (timetag.seconds, timetag.fractional) == (0, 1) {
            return None;
        }
        let tag = (u64::from(timetag.seconds) << 32) | u64::from(timetag.fractional);
        // Wrapping difference: correct across the 2036 NTP era rollover.
        let ahead_s = tag.wrapping_sub(self.now_osc) as i64 as f64 / TWO_POW_32;
        if ahead_s > MAX_SCHEDULE_AHEAD_S {
            self.tally.far_future += 1;
            Some(self.now_t)
        } else {
            Some(self.now_t + ahead_s.max(0.0))
        }
    }
}

fn from_rosc(error: RoscError, input: &Arc<str>, len: usize) -> DecodeError {
    let input = input.clone();
    match error {
        // rosc's parsers fail with `ReadError` when the bytes run out (a number, a string's
        // terminator or its padding missing).
        RoscError::ReadError(_) | RoscError::BadPacket("Incomplete data") | RoscError::BadBundle(_) => {
            DecodeError::Truncated { input, len, detail: error.to_string() }
        }
        RoscError::StringError(_) => DecodeError::NotText { input, len },
        other => DecodeError::Malformed { input, len, detail: other.to_string() },
    }
}

#[cfg(test)]
mod hostile;
#[cfg(test)]
mod tests;
