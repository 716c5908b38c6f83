//! Serial input (USB-serial sensor boards: Arduino, ESP32, Teensy, ...). Map of this module:
//!
//! - `port`: the `port` string ([`PortSpec`]: a path or `usb:VID:PID[:SERIAL]`), resolved to a
//!   device node on every (re)connect; [`list`] of devices for `quai devices`.
//! - `lines`: the text line protocol — [`LineSplitter`] (bytes → lines, bounded) and
//!   [`parse_line`] (a line → named numbers).
//! - `source`: [`SerialInput`], the thread `quai-serial-<name>` per input that reads, frames
//!   (text lines, or SLIP frames through `osc::slip` for OSC over serial),
//!   pushes events and reconnects; [`SerialStats`] / [`SerialState`] for status displays.
//!
//! Everything here runs on the input's own thread or is pure; nothing blocks the render thread.

pub mod lines;
pub mod port;
pub mod source;

#[cfg(test)]
mod pty_tests;

pub use lines::{Garbled, LineError, LineProtocol, LineSplitter, csv_fields, parse_line};
pub use port::{PortInfo, PortSpec, PortSpecError, SerialError, list};
pub use source::{Framing, SerialInput, SerialState, SerialStats, SlipDecoder};
