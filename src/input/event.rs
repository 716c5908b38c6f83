//! Input events: what every source (OSC, MIDI, serial) produces, stamped with show time on
//! arrival, and the bounded per-source queue they cross threads in. Shared by all source threads
//! (producers) and the render thread (the consumer, once per frame).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crossbeam_queue::ArrayQueue;

/// One value carried by an OSC message (OSC 1.0 types that carry numbers, strings and booleans).
#[derive(Debug, Clone, PartialEq)]
pub enum OscValue {
    Int(i64),
    Float(f64),
    Str(String),
    Bool(bool),
    /// `N` (nil) and `I` (impulse / infinitum): no value, but the message still counts (a trigger).
    Nil,
}

impl OscValue {
    /// The number this value stands for, if any (`T`/`F` → 1/0).
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            OscValue::Int(i) => Some(*i as f64),
            OscValue::Float(f) => Some(*f),
            OscValue::Bool(b) => Some(if *b { 1.0 } else { 0.0 }),
            OscValue::Str(s) => s.trim().parse().ok(),
            OscValue::Nil => None,
        }
    }
}

/// A decoded MIDI channel message. Channels are 1..=16 as musicians count them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MidiMessage {
    NoteOn {
        channel: u8,
        note: u8,
        velocity: u8,
    },
    NoteOff {
        channel: u8,
        note: u8,
        velocity: u8,
    },
    ControlChange {
        channel: u8,
        controller: u8,
        value: u8,
    },
    /// -8192..=8191
    PitchBend {
        channel: u8,
        value: i16,
    },
    ProgramChange {
        channel: u8,
        program: u8,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum EventKind {
    Osc {
        addr: String,
        args: Vec<OscValue>,
    },
    /// The raw bytes (as recorded) and their decoding.
    Midi {
        bytes: Vec<u8>,
        msg: MidiMessage,
    },
    /// One text line from a serial device (without its line ending).
    Serial {
        line: String,
    },
    /// A control command (cue GO, panic, ...) sent straight to the show by a key in a window, the
    /// console or the schedule; the event's `input` says who (`key space`, `console`).
    Command(crate::show::commands::Command),
}

/// One input event.
#[derive(Debug, Clone, PartialEq)]
pub struct InputEvent {
    /// Seconds of show time at arrival (or, for a scheduled OSC bundle, when it is due).
    pub t: f64,
    /// The scene's name for the input it came through (`[[inputs]] name`).
    pub input: Arc<str>,
    pub kind: EventKind,
}

impl std::fmt::Display for InputEvent {
    /// One line as `quai monitor` prints it: `osc /sensor/distance f:123.5`,
    /// `midi nano ch1 cc 7 100`, `serial lab "dist 412"`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.kind {
            EventKind::Osc { addr, args } => {
                write!(f, "osc {addr}")?;
                for a in args {
                    match a {
                        OscValue::Int(i) => write!(f, " i:{i}")?,
                        OscValue::Float(x) => write!(f, " f:{x}")?,
                        OscValue::Str(s) => write!(f, " s:{s:?}")?,
                        OscValue::Bool(b) => write!(f, " {}", if *b { "T" } else { "F" })?,
                        OscValue::Nil => write!(f, " N")?,
                    }
                }
                Ok(())
            }
            EventKind::Midi { msg, .. } => {
                write!(f, "midi {} ", self.input)?;
                match *msg {
                    MidiMessage::NoteOn { channel, note, velocity } => {
                        write!(f, "ch{channel} note-on {note} {velocity}")
                    }
                    MidiMessage::NoteOff { channel, note, velocity } => {
                        write!(f, "ch{channel} note-off {note} {velocity}")
                    }
                    MidiMessage::ControlChange { channel, controller, value } => {
                        write!(f, "ch{channel} cc {controller} {value}")
                    }
                    MidiMessage::PitchBend { channel, value } => write!(f, "ch{channel} bend {value}"),
                    MidiMessage::ProgramChange { channel, program } => write!(f, "ch{channel} program {program}"),
                }
            }
            EventKind::Serial { line } => write!(f, "serial {} {line:?}", self.input),
            EventKind::Command(c) => write!(f, "command {:?} from {}", c.to_string(), self.input),
        }
    }
}

/// A bounded queue from one source thread to the frame loop. When full, the oldest event is
/// dropped (and counted): a flooding sensor never blocks its thread nor grows memory, and the
/// newest values — the ones that matter for a live show — always get through.
pub struct EventQueue {
    queue: ArrayQueue<InputEvent>,
    received: AtomicU64,
    dropped: AtomicU64,
}

impl EventQueue {
    pub fn new(capacity: usize) -> Arc<Self> {
        Arc::new(Self {
            queue: ArrayQueue::new(capacity.max(1)),
            received: AtomicU64::new(0),
            dropped: AtomicU64::new(0),
        })
    }

    /// Producer side: never blocks.
    pub fn push(&self, event: InputEvent) {
        self.received.fetch_add(1, Ordering::Relaxed);
        if self.queue.force_push(event).is_some() {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Consumer side: take everything queued now, oldest first.
    pub fn drain(&self, mut f: impl FnMut(InputEvent)) {
        while let Some(e) = self.queue.pop() {
            f(e);
        }
    }

    pub fn received(&self) -> u64 {
        self.received.load(Ordering::Relaxed)
    }

    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(t: f64) -> InputEvent {
        InputEvent { t, input: Arc::from("x"), kind: EventKind::Serial { line: String::new() } }
    }

    /// Overflow drops the oldest and counts it; the newest survive.
    #[test]
    fn overflow_drops_oldest() {
        let q = EventQueue::new(3);
        for i in 0..5 {
            q.push(ev(i as f64));
        }
        let mut got = vec![];
        q.drain(|e| got.push(e.t));
        assert_eq!(got, [2.0, 3.0, 4.0]);
        assert_eq!((q.received(), q.dropped()), (5, 2));
    }
}
