//! MIDI from the ALSA sequencer, for a USB controller plugged into a plain Linux machine with no
//! JACK server (midir is built on JACK here, so this part talks to ALSA itself, through the `alsa`
//! crate that cpal already brings in). Kept thin: list the sequencer's readable ports, and read
//! one of them on a thread of its own, turning sequencer events back into MIDI bytes for the same
//! decoding and queue as JACK MIDI. Which port to take, and when to prefer JACK, is decided by
//! the pure functions below and the input's supervisor (source.rs), which are unit-tested; the
//! calls into ALSA are not (our machines have no sequencer, `/dev/snd/seq`). Checked by hand on a
//! machine with `snd-seq-dummy` / a USB controller: `aconnect -l` names the same ports.

use std::ffi::CString;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;

use alsa::seq::{Addr, ClientIter, MidiEvent, PortCap, PortIter, PortSubscribe, PortType, Seq};

/// One readable sequencer port, named as `aconnect -l` shows it: `CLIENT:PORT`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlsaPort {
    pub name: String,
    pub client: i32,
    pub port: i32,
}

/// Sequencer clients that are never a controller: the system timer/announce client (0) and the
/// kernel's loop-back `Midi Through`.
pub fn is_controller(client: i32, client_name: &str) -> bool {
    client != 0 && client_name != "Midi Through"
}

/// Readable, subscribable ports of every client but ours; `None` when there is no sequencer.
pub fn list(own_client: Option<i32>) -> Option<Vec<AlsaPort>> {
    let seq = Seq::open(None, Some(alsa::Direction::Capture), true).ok()?;
    let own = own_client.or_else(|| seq.client_id().ok());
    let mut out = Vec::new();
    for c in ClientIter::new(&seq) {
        let (client, cname) = (c.get_client(), c.get_name().unwrap_or("?").to_string());
        if Some(client) == own || !is_controller(client, &cname) {
            continue;
        }
        for p in PortIter::new(&seq, client) {
            let caps = p.get_capability();
            if caps.contains(PortCap::READ | PortCap::SUBS_READ) {
                let name = format!("{cname}:{}", p.get_name().unwrap_or("?"));
                out.push(AlsaPort { name, client, port: p.get_port() });
            }
        }
    }
    Some(out)
}

/// A subscription to one port, read on its own thread until dropped.
pub struct AlsaConnection {
    pub port: AlsaPort,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl AlsaConnection {
    /// Subscribes a new client `client` to `port`; every MIDI message goes to `deliver`.
    pub fn open(client: &str, port: AlsaPort, mut deliver: impl FnMut(&[u8]) + Send + 'static) -> Result<Self, String> {
        let seq = Seq::open(None, Some(alsa::Direction::Capture), true).map_err(|e| e.to_string())?;
        let name = CString::new(client).map_err(|e| e.to_string())?;
        seq.set_client_name(&name).map_err(|e| e.to_string())?;
        let caps = PortCap::WRITE | PortCap::SUBS_WRITE;
        let own = seq
            .create_simple_port(c"in", caps, PortType::MIDI_GENERIC | PortType::APPLICATION)
            .map_err(|e| e.to_string())?;
        let sub = PortSubscribe::empty().map_err(|e| e.to_string())?;
        sub.set_sender(Addr { client: port.client, port: port.port });
        sub.set_dest(Addr { client: seq.client_id().map_err(|e| e.to_string())?, port: own });
        seq.subscribe_port(&sub).map_err(|e| format!("cannot subscribe to `{}`: {e}", port.name))?;
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::Builder::new()
            .name(format!("quai-alsa-{client}"))
            .spawn(move || read(seq, &flag, &mut deliver))
            .map_err(|e| e.to_string())?;
        Ok(Self { port, stop, thread: Some(thread) })
    }
}

impl Drop for AlsaConnection {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join(); // the reader polls with a 100 ms timeout
        }
    }
}

fn read(seq: Seq, stop: &AtomicBool, deliver: &mut dyn FnMut(&[u8])) {
    use alsa::poll::Descriptors;
    let Ok(decoder) = MidiEvent::new(256) else { return };
    decoder.enable_running_status(false);
    let mut buf = [0u8; 256];
    let mut fds = match (&seq, Some(alsa::Direction::Capture)).get() {
        Ok(f) => f,
        Err(_) => return,
    };
    let mut input = seq.input();
    while !stop.load(Ordering::Relaxed) {
        if alsa::poll::poll(&mut fds, 100).unwrap_or(0) == 0 {
            continue;
        }
        while input.event_input_pending(true).unwrap_or(0) > 0 {
            let Ok(mut ev) = input.event_input() else { break };
            if let Ok(n) = decoder.decode(&mut buf, &mut ev)
                && n > 0
            {
                deliver(&buf[..n]);
            }
        }
    }
}

/// Where an input takes its MIDI from, given what JACK and the ALSA sequencer have now (`None`:
/// that system is not there). JACK wins when both have a match (a2jmidid shows ALSA ports in JACK
/// too; one connection, not two).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pick {
    Jack,
    Alsa(usize),
    Neither,
}

pub fn pick(jack_match: bool, alsa: Option<&[AlsaPort]>, wanted: &super::PortMatch) -> Pick {
    if jack_match {
        return Pick::Jack;
    }
    let Some(ports) = alsa else { return Pick::Neither };
    let names: Vec<String> = ports.iter().map(|p| p.name.clone()).collect();
    wanted.find(&names).map_or(Pick::Neither, Pick::Alsa)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::midi::PortMatch;

    fn port(name: &str, client: i32) -> AlsaPort {
        AlsaPort { name: name.into(), client, port: 0 }
    }

    #[test]
    fn jack_first_then_the_sequencer_by_name_or_index() {
        let ports = [port("Midi Through:Midi Through Port-0", 14), port("nanoKONTROL2:nanoKONTROL2 MIDI 1", 24)];
        let nano = PortMatch::parse("nano");
        assert_eq!(pick(true, Some(&ports), &nano), Pick::Jack);
        assert_eq!(pick(false, Some(&ports), &nano), Pick::Alsa(1));
        assert_eq!(pick(false, Some(&ports), &PortMatch::parse("0")), Pick::Alsa(0));
        assert_eq!(pick(false, Some(&ports), &PortMatch::parse("launchpad")), Pick::Neither);
        assert_eq!(pick(false, None, &nano), Pick::Neither, "no sequencer (no /dev/snd/seq)");
    }

    #[test]
    fn system_and_through_clients_are_not_controllers() {
        assert!(!is_controller(0, "System"));
        assert!(!is_controller(14, "Midi Through"));
        assert!(is_controller(24, "nanoKONTROL2"));
    }

    /// On a machine without a sequencer, listing says so instead of failing.
    #[test]
    fn no_sequencer_is_none_not_a_crash() {
        if !std::path::Path::new("/dev/snd/seq").exists() {
            assert_eq!(list(None), None);
        }
    }
}
