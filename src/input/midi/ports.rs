//! Which JACK MIDI port an input or output means ([`PortMatch`]), the port list for
//! `quai devices` ([`list_ports`]), JACK client naming, and the state and error types shared by
//! MIDI inputs and outputs. Runs on the calling thread: the MIDI supervisor threads, or the CLI.

use std::fmt;
use std::sync::{Mutex, MutexGuard, PoisonError};

/// How a MIDI input or output picks its JACK port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PortMatch {
    /// The first port whose full JACK name (`client:port`) contains this, ignoring case.
    Name(String),
    /// The n-th port (from 0) in the order [`list_ports`] shows them. Once connected, reconnects
    /// go to the port of the same name, not to whatever then sits at that index.
    Index(usize),
}

impl PortMatch {
    /// A string of digits is an index; anything else is a name.
    pub fn parse(s: &str) -> PortMatch {
        let s = s.trim();
        match s.parse::<usize>() {
            Ok(i) if s.bytes().all(|b| b.is_ascii_digit()) => PortMatch::Index(i),
            _ => PortMatch::Name(s.to_owned()),
        }
    }

    /// The position in `names` of the port this matches.
    pub fn find(&self, names: &[String]) -> Option<usize> {
        match self {
            PortMatch::Index(i) => (*i < names.len()).then_some(*i),
            PortMatch::Name(want) => {
                let want = want.to_lowercase();
                names.iter().position(|n| n.to_lowercase().contains(&want))
            }
        }
    }
}

impl fmt::Display for PortMatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PortMatch::Name(n) => write!(f, "name \"{n}\""),
            PortMatch::Index(i) => write!(f, "index {i}"),
        }
    }
}

/// Connection state of a MIDI input or output, as the status display shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MidiState {
    Connecting,
    /// Connected to this JACK port (`client:port`).
    Connected(String),
    /// Not connected, for this reason; the thread keeps retrying.
    Disconnected(String),
}

/// Why a MIDI input or output is not connected (reported as its `Disconnected` state).
#[derive(Debug, thiserror::Error)]
pub enum MidiError {
    #[error("JACK server `{server}` not running: start it with `jackd -d dummy` or a real JACK setup")]
    JackDown { server: String },
    #[error("no JACK MIDI {direction} port matches {wanted}")]
    NoMatch { direction: &'static str, wanted: String },
    #[error("JACK MIDI port `{port}` went away")]
    Vanished { port: String },
    #[error("cannot connect to JACK MIDI port `{port}`: {reason}")]
    Connect { port: String, reason: String },
    #[error("cannot start its thread: {0} (it stays off)")]
    Thread(std::io::Error),
}

impl MidiError {
    pub(crate) fn jack_down() -> MidiError {
        MidiError::JackDown { server: jack_server_name() }
    }
}

/// Serializes quai's own libjack client calls (open, connect, close) across its MIDI threads.
/// libjack deletes every client of a dead server inside the next `jack_client_open`; with one call
/// at a time no other thread can be using such a client at that moment.
/// Taking it also routes libjack's own messages into the log first (see [`route_libjack_messages`]).
pub(crate) fn jack_lock() -> MutexGuard<'static, ()> {
    static JACK: Mutex<()> = Mutex::new(());
    static ROUTED: std::sync::Once = std::sync::Once::new();
    ROUTED.call_once(route_libjack_messages);
    JACK.lock().unwrap_or_else(PoisonError::into_inner)
}

/// libjack prints its errors and notices straight to stderr: five lines ("Cannot connect to server
/// socket", "jack server is not running or cannot be started", ...) on every attempt, so a piece
/// whose scene names a MIDI input on a machine without JACK would write some 10 lines a second
/// into its journal for months. quai reports those states itself, once, in words a technician can
/// act on; libjack's own lines go to the log at debug level (`QUAI_LOG=quai::jack=debug` shows
/// them) instead.
fn route_libjack_messages() {
    unsafe extern "C" fn error(msg: *const std::ffi::c_char) {
        if !msg.is_null() {
            // SAFETY: libjack passes a NUL-terminated string that lives for this call.
            let msg = unsafe { std::ffi::CStr::from_ptr(msg) };
            tracing::debug!(target: "quai::jack", "libjack: {}", msg.to_string_lossy());
        }
    }
    unsafe extern "C" fn info(msg: *const std::ffi::c_char) {
        if !msg.is_null() {
            // SAFETY: as above.
            let msg = unsafe { std::ffi::CStr::from_ptr(msg) };
            tracing::trace!(target: "quai::jack", "libjack: {}", msg.to_string_lossy());
        }
    }
    // SAFETY: both only replace libjack's global message hooks with functions that stay valid for
    // the whole process; called once, before quai's first libjack call.
    unsafe {
        jack_sys::jack_set_error_function(Some(error));
        jack_sys::jack_set_info_function(Some(info));
    }
}

/// The JACK server clients connect to: `$JACK_DEFAULT_SERVER`, else `default`.
pub fn jack_server_name() -> String {
    std::env::var("JACK_DEFAULT_SERVER").ok().filter(|s| !s.is_empty()).unwrap_or_else(|| "default".to_owned())
}

/// A JACK client name `quai-<role>-<name>`: characters JACK port names do not like become `_`,
/// and it is kept well under JACK's 64-byte limit. (JACK appends `-01`, `-02`, ... if taken.)
pub(crate) fn client_name(role: &str, name: &str) -> String {
    let clean: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') { c } else { '_' })
        .take(40)
        .collect();
    format!("quai-{role}-{clean}")
}

/// The MIDI ports JACK offers now. `inputs` are ports quai can read from (JACK output ports:
/// hardware capture ports, other programs' outputs, virtual outputs); `outputs` are ports quai can
/// send to. `problem` says why both are empty when JACK cannot be reached.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MidiPorts {
    pub inputs: Vec<String>,
    pub outputs: Vec<String>,
    pub problem: Option<String>,
}

/// Lists the JACK MIDI ports (see [`MidiPorts`]); briefly opens two JACK clients.
pub fn list_ports() -> MidiPorts {
    let client = client_name("list", &std::process::id().to_string());
    let _jack = jack_lock();
    let (Ok(input), Ok(output)) = (midir::MidiInput::new(&client), midir::MidiOutput::new(&client)) else {
        return MidiPorts { problem: Some(MidiError::jack_down().to_string()), ..MidiPorts::default() };
    };
    MidiPorts { inputs: input_port_names(&input), outputs: output_port_names(&output), problem: None }
}

pub(crate) fn input_port_names(client: &midir::MidiInput) -> Vec<String> {
    client.ports().iter().map(|p| client.port_name(p).unwrap_or_else(|_| p.id())).collect()
}

pub(crate) fn output_port_names(client: &midir::MidiOutput) -> Vec<String> {
    client.ports().iter().map(|p| client.port_name(p).unwrap_or_else(|_| p.id())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_find() {
        let names: Vec<String> =
            ["system:midi_capture_1", "a2j:Launchpad Mini [20] (capture): MIDI 1", "quai-test:ctl"]
                .iter()
                .map(|s| s.to_string())
                .collect();
        assert_eq!(PortMatch::parse(" 2 "), PortMatch::Index(2));
        assert_eq!(PortMatch::parse("launchpad"), PortMatch::Name("launchpad".into()));
        assert_eq!(PortMatch::parse("+1"), PortMatch::Name("+1".into()));
        assert_eq!(PortMatch::parse("launchpad").find(&names), Some(1));
        assert_eq!(PortMatch::parse("CAPTURE").find(&names), Some(0), "first match wins");
        assert_eq!(PortMatch::Index(2).find(&names), Some(2));
        assert_eq!(PortMatch::Index(3).find(&names), None);
        assert_eq!(PortMatch::parse("nanoKONTROL").find(&names), None);
    }

    #[test]
    fn client_names_are_tame() {
        assert_eq!(client_name("in", "lab:ctl 1"), "quai-in-lab_ctl_1");
        assert!(client_name("out", &"x".repeat(200)).len() < 64);
    }

    #[test]
    fn messages_name_the_thing_and_what_to_do() {
        let m = MidiError::JackDown { server: "default".into() }.to_string();
        assert!(m.contains("`default` not running") && m.contains("jackd -d dummy"), "{m}");
        let m = MidiError::NoMatch { direction: "input", wanted: PortMatch::Name("x".into()).to_string() };
        assert_eq!(m.to_string(), "no JACK MIDI input port matches name \"x\"");
    }
}
