//! Sensor and controller input: OSC, MIDI and serial sources, each on its own thread, turned into
//! timestamped `InputEvent`s that cross to the render thread in bounded drop-oldest queues; the
//! mappings that turn events into parameter values and triggers; record and replay.
//!
//! - [`event`]: the event type and the per-source queue;
//! - [`osc`], [`midi`], [`serial`]: the sources (and OSC/MIDI feedback outputs);
//! - [`sources`]: starting a scene's inputs;
//! - [`mapping`]: events → parameter values and triggers (pure, the same live and replayed);
//! - [`hub`]: what the frame loop calls once per frame;
//! - [`learn`]: MIDI / OSC learn, written into the scene file;
//! - [`log`]: the JSON-lines input log (record / replay).

pub mod event;
pub mod hub;
pub mod learn;
pub mod log;
pub mod mapping;
pub mod midi;
pub mod osc;
pub mod serial;
pub mod sources;

pub use event::{EventKind, EventQueue, InputEvent, MidiMessage, OscValue};
