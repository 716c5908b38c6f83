//! OSC: the live UDP input (`source`, one thread per input), what it decodes (`decode`, with
//! `slip` framing for OSC over serial), who may send (`allow`), how the scene's mappings match
//! addresses (`pattern`), and feedback out to controllers (`send`).
//!
//! - [`pattern`]: OSC 1.0 address patterns (`/fader/[1-4]`, `/{left,right}/*`) — pure, any thread.
//! - [`decode`]: one packet → `InputEvent`s in show time (bundles, timetags, argument types).
//! - [`slip`]: SLIP frames (RFC 1055) from CNMAT's OSC for Arduino over a serial line.
//! - [`allow`]: the allow-list of sender addresses and networks.
//! - [`source`]: [`OscInput`], the socket and its `quai-osc-<name>` thread; its counters.
//! - [`send`]: [`OscOutput`], parameter feedback as `/addr f value`.

pub mod allow;
pub mod decode;
pub mod pattern;
pub mod send;
pub mod slip;
pub mod source;

pub use allow::{AllowError, AllowList};
pub use decode::{DecodeError, DecodeTally, decode_packet, decode_packet_tally, fuzz_one, to_osc_value};
pub use pattern::{Pattern, PatternError, check_pattern, matches};
pub use send::OscOutput;
pub use slip::{SlipDecoder, SlipError};
pub use source::{OscError, OscInput, OscStats, parse_bind};
