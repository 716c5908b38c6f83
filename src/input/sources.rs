//! Starting the scene's inputs: one live source per `[[inputs]]` entry, each on its own thread
//! feeding its own queue, plus its feedback output. Owned by the input hub on the render thread;
//! dropping a `Source` stops its thread and closes its port.

use std::sync::Arc;
use std::time::SystemTime;

use super::event::EventQueue;
use super::midi::{MidiInput, MidiOutput, PortMatch};
use super::osc::{OscInput, OscOutput, decode_packet};
use super::serial::{Framing, PortSpec, SerialInput};
use crate::scene::{Input, InputKind, Monitor, Selector, SerialProtocol};
use crate::show::ShowClock;

#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("{0}")]
    Osc(#[from] super::osc::OscError),
    #[error("serial input `{name}`: {source}")]
    SerialSpec { name: String, source: super::serial::PortSpecError },
}

/// A running input.
pub enum Source {
    Osc { input: OscInput, feedback: Option<OscOutput> },
    Midi { input: MidiInput, feedback: Option<MidiOutput>, channel: Option<u8> },
    Serial { input: SerialInput },
}

impl Source {
    pub fn start(input: &Input, queue: Arc<EventQueue>, clock: ShowClock) -> Result<Source, SourceError> {
        let name: Arc<str> = Arc::from(input.name.as_str());
        let now = move || clock.now();
        match &input.kind {
            InputKind::Osc { bind, allow, feedback } => {
                let osc = OscInput::spawn(name.clone(), *bind, allow.clone(), queue, now)?;
                let feedback = match feedback.map(|a| OscOutput::new(&a.to_string())) {
                    Some(Ok(out)) => Some(out),
                    Some(Err(e)) => {
                        tracing::warn!("OSC input `{name}`: no feedback: {e}");
                        None
                    }
                    None => None,
                };
                Ok(Source::Osc { input: osc, feedback })
            }
            InputKind::Midi { port, channel, feedback } => {
                let port = match port {
                    Monitor::Name(n) => PortMatch::Name(n.clone()),
                    Monitor::Index(i) => PortMatch::Index(*i),
                };
                let input = MidiInput::spawn(name.clone(), port, *channel, queue, now);
                let feedback = feedback.as_ref().and_then(|f| {
                    match MidiOutput::connect(name.clone(), PortMatch::Name(f.clone())) {
                        Ok(out) => Some(out),
                        Err(e) => {
                            tracing::warn!("MIDI input `{name}`: no feedback: {e}");
                            None
                        }
                    }
                });
                Ok(Source::Midi { input, feedback, channel: *channel })
            }
            // Lines are parsed where they are mapped (mapping.rs), the same code live and replayed.
            InputKind::Serial { port, baud, protocol, max_line, .. } => {
                let spec = PortSpec::parse(port)
                    .map_err(|source| SourceError::SerialSpec { name: input.name.clone(), source })?;
                let framing = match protocol {
                    SerialProtocol::SlipOsc => {
                        let input_name = name.clone();
                        Framing::Slip {
                            max_len: *max_line,
                            decoder: Box::new(move |frame, t, emit| {
                                if let Err(e) =
                                    decode_packet(frame, &input_name, t, SystemTime::now(), &mut |ev| emit(ev))
                                {
                                    tracing::debug!("{e}");
                                }
                            }),
                        }
                    }
                    _ => Framing::Lines { max_len: *max_line },
                };
                Ok(Source::Serial { input: SerialInput::spawn(name, spec, *baud, framing, queue, now) })
            }
        }
    }
}

impl Source {
    pub fn has_feedback(&self) -> bool {
        matches!(self, Source::Osc { feedback: Some(_), .. } | Source::Midi { feedback: Some(_), .. })
    }

    /// Send `value` (in the input's own units) back where `selector` reads from: the OSC address
    /// (literal addresses only) or the MIDI controller / note. Never blocks.
    pub fn send_feedback(&self, selector: &Selector, value: f64) {
        match (self, selector) {
            (Source::Osc { feedback: Some(out), .. }, Selector::Osc { pattern, arg: 0 })
                if !pattern.contains(['*', '?', '[', '{']) =>
            {
                out.send(pattern, value as f32);
            }
            (Source::Midi { feedback: Some(out), channel, .. }, sel) => {
                let channel = channel.unwrap_or(1);
                let v = value.round().clamp(0.0, 127.0) as u8;
                match *sel {
                    Selector::Cc(c) => out.send_cc(channel, c, v),
                    Selector::Cc14(c) => {
                        let v14 = value.round().clamp(0.0, 16383.0) as u16;
                        out.send_cc(channel, c, (v14 >> 7) as u8);
                        out.send_cc(channel, c + 32, (v14 & 0x7f) as u8);
                    }
                    Selector::Note(n) => out.send_note(channel, n, v),
                    _ => {}
                }
            }
            _ => {}
        }
    }

    /// One line for status displays and `quai monitor`: connection state and counters.
    pub fn status(&self) -> String {
        let link = |connected: Option<String>, down: Option<String>| match (connected, down) {
            (Some(at), _) => format!("connected to {at}"),
            (None, Some(why)) => format!("disconnected: {why}"),
            (None, None) => "connecting".to_string(),
        };
        match self {
            Source::Osc { input, .. } => {
                let s = input.stats();
                format!(
                    "listening on {}, {} packets ({} not allowed, {} malformed)",
                    input.local_addr(),
                    s.packets(),
                    s.rejected(),
                    s.malformed()
                )
            }
            Source::Midi { input, .. } => {
                let s = input.stats();
                let state = match s.state() {
                    super::midi::MidiState::Connected(p) => link(Some(p), None),
                    super::midi::MidiState::Disconnected(why) => link(None, Some(why)),
                    super::midi::MidiState::Connecting => link(None, None),
                };
                format!("{state}, {} messages", s.messages())
            }
            Source::Serial { input } => {
                let s = input.stats();
                let state = match s.state() {
                    super::serial::SerialState::Connected(p) => link(Some(p.display().to_string()), None),
                    super::serial::SerialState::Disconnected(why) => link(None, Some(why)),
                    super::serial::SerialState::Connecting => link(None, None),
                };
                format!("{state}, {} lines, {} garbled, {} reconnects", s.lines(), s.garbled(), s.reconnects())
            }
        }
    }
}
