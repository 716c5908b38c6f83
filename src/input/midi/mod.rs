//! MIDI input and feedback output through JACK (midir's `jack` backend). Map of this module:
//!
//! - `decode`: pure — [`decode`] bytes → [`MidiMessage`](crate::input::event::MidiMessage),
//!   [`encode`] back, and [`Cc14`] for 14-bit controller pairs.
//! - `ports`: [`PortMatch`] (which port), [`list_ports`] for `quai devices`, the shared
//!   [`MidiState`] / [`MidiError`].
//! - `source`: [`MidiInput`], a supervisor thread `quai-midi-<name>` per input that (re)connects;
//!   messages are decoded and queued on JACK's process thread.
//! - `link`: the (re)connection logic inputs and outputs share, including why a connection to a
//!   dead JACK server is leaked rather than closed.
//! - `output`: [`MidiOutput`], a non-blocking feedback handle with its thread
//!   `quai-midi-out-<name>`.
//! - `alsa`: the ALSA sequencer, for controllers on a machine without JACK: an input whose port
//!   JACK does not have takes it from the sequencer (JACK first when both have it).
//!
//! The JACK server is the one named by `$JACK_DEFAULT_SERVER` (else `default`); quai never starts
//! one. JACK being down, or a port being absent, is a state that is reported and retried.

pub mod alsa;
pub mod decode;
mod link;
pub mod output;
pub mod ports;
pub mod source;

#[cfg(test)]
mod jack_harness;
#[cfg(test)]
mod jack_lock;
#[cfg(test)]
mod jack_tests;

pub use decode::{Cc14, decode, encode};
pub use link::{JACK_RETRY_MAX, SCAN_INTERVAL, STOP_TIMEOUT, SUSPECT_SCANS};
pub use output::MidiOutput;
pub use ports::{MidiError, MidiPorts, MidiState, PortMatch, jack_server_name, list_ports};
pub use source::{MidiInput, MidiStats};
