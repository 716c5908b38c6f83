//! One MIDI input: [`MidiInput`] owns the supervisor thread `quai-midi-<name>` that finds its
//! JACK port, connects to it, rescans every 500 ms and reconnects (by name) when the port or the
//! JACK server comes back (see `link`). Messages are decoded in the midir callback, which runs on
//! JACK's process thread, and pushed into the input's queue from there (never blocks).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use super::decode::{channel_of, decode};
use super::link::{Direction, Link, Supervised};
use super::ports::{MidiError, MidiState, PortMatch, client_name, jack_lock};
use crate::input::event::{EventKind, EventQueue, InputEvent};

/// How a connection through the ALSA sequencer is named in the state (JACK ports are bare).
const ALSA_PREFIX: &str = "ALSA sequencer port";

/// Counters and state of one MIDI input, shared between its threads and readers.
#[derive(Debug)]
pub struct MidiStats {
    pub(super) messages: AtomicU64,
    pub(super) filtered: AtomicU64,
    pub(super) reconnects: AtomicU64,
    state: Mutex<MidiState>,
}

impl MidiStats {
    pub(crate) fn new() -> Self {
        let (messages, filtered, reconnects) = (AtomicU64::new(0), AtomicU64::new(0), AtomicU64::new(0));
        Self { messages, filtered, reconnects, state: Mutex::new(MidiState::Connecting) }
    }

    /// Channel messages delivered to the queue.
    pub fn messages(&self) -> u64 {
        self.messages.load(Ordering::Relaxed)
    }

    /// Messages received but not delivered: another channel than the input's, or not a channel
    /// message quai decodes (clock, sysex, aftertouch, ...).
    pub fn filtered(&self) -> u64 {
        self.filtered.load(Ordering::Relaxed)
    }

    /// Successful connections after the first.
    pub fn reconnects(&self) -> u64 {
        self.reconnects.load(Ordering::Relaxed)
    }

    pub fn state(&self) -> MidiState {
        self.state.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Sets the state and logs the change once: a warning when the connection is lost or fails,
    /// info for a connection or a changed reason. `detail` is appended to the log line only.
    pub(crate) fn report(&self, what: &str, new: MidiState, detail: &str) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if *state == new {
            return;
        }
        let old = std::mem::replace(&mut *state, new.clone());
        drop(state);
        match (&old, &new) {
            (_, MidiState::Connected(port)) if port.starts_with(ALSA_PREFIX) => {
                tracing::info!("{what}: connected to {port}")
            }
            (_, MidiState::Connected(port)) => tracing::info!("{what}: connected to JACK port `{port}`"),
            (MidiState::Disconnected(_), MidiState::Disconnected(r)) => {
                tracing::info!("{what}: now {r}{detail} (still retrying)")
            }
            (_, MidiState::Disconnected(r)) => tracing::warn!("{what}: {r}{detail} (will keep retrying)"),
            (_, MidiState::Connecting) => {}
        }
    }
}

/// A running MIDI input. Dropping it disconnects and stops its supervisor thread (waiting at most
/// [`STOP_TIMEOUT`](super::STOP_TIMEOUT) for it).
pub struct MidiInput {
    stats: Arc<MidiStats>,
    _thread: Option<Supervised>,
}

impl MidiInput {
    /// Starts the supervisor. Never fails: JACK being down, a missing port or even a thread that
    /// cannot be created shows up in [`MidiStats::state`] (and the log). `channel` (1..=16) keeps
    /// only that channel. `clock` is called on JACK's process thread: it must be cheap and never
    /// block.
    pub fn spawn(
        name: Arc<str>,
        port: PortMatch,
        channel: Option<u8>,
        queue: Arc<EventQueue>,
        clock: impl Fn() -> f64 + Send + Sync + 'static,
    ) -> MidiInput {
        let stats = Arc::new(MidiStats::new());
        let what = format!("midi input `{name}`");
        if let Some(c) = channel.filter(|c| !(1..=16).contains(c)) {
            tracing::warn!("{what}: channel {c} is outside 1..=16, so every message will be filtered out");
        }
        let client = client_name("midi", &name);
        let alsa = AlsaSide { client: client.clone(), wanted: port.clone(), conn: None, warned: false };
        let link = Link::new(what.clone(), client, port, Direction::Input, stats.clone());
        let sink = Sink { name: name.clone(), channel, queue, clock: Arc::new(clock), stats: stats.clone() };
        let label = what.clone();
        let thread = Supervised::spawn(&what, format!("quai-midi-{name}"), move |stop| {
            Supervisor { what: label, link, sink, stop, alsa }.run()
        });
        let thread = match thread {
            Ok(t) => Some(t),
            Err(e) => {
                stats.report(&what, MidiState::Disconnected(MidiError::Thread(e).to_string()), "");
                None
            }
        };
        MidiInput { stats, _thread: thread }
    }

    pub fn stats(&self) -> Arc<MidiStats> {
        self.stats.clone()
    }
}

struct Supervisor {
    what: String,
    link: Link<midir::MidiInputConnection<()>>,
    sink: Sink,
    stop: Arc<AtomicBool>,
    alsa: AlsaSide,
}

/// The ALSA-sequencer side of an input: used when JACK has no matching port (or no server).
struct AlsaSide {
    client: String,
    wanted: PortMatch,
    conn: Option<super::alsa::AlsaConnection>,
    /// Whether "no sequencer" was said (once).
    warned: bool,
}

impl Supervisor {
    fn run(mut self) {
        while !self.stop.load(Ordering::Relaxed) {
            let sink = &self.sink;
            let delay = match &self.alsa.conn {
                // Connected through ALSA: only check that the port is still there.
                Some(c) => {
                    let here = super::alsa::list(None).is_some_and(|ports| ports.contains(&c.port));
                    if !here {
                        let port = c.port.name.clone();
                        self.alsa.conn = None;
                        let why = format!("ALSA sequencer port `{port}` went away");
                        self.sink.stats.report(&self.what, MidiState::Disconnected(why), "");
                    }
                    super::SCAN_INTERVAL
                }
                None => {
                    let delay = self.link.scan(|client, port| connect(client, port, sink.clone()));
                    if self.link.conn().is_none() {
                        self.try_alsa();
                    }
                    if self.alsa.conn.is_some() { super::SCAN_INTERVAL } else { delay }
                }
            };
            let until = Instant::now() + delay;
            while !self.stop.load(Ordering::Relaxed) && Instant::now() < until {
                std::thread::park_timeout(until.saturating_duration_since(Instant::now()));
            }
        }
        self.link.shutdown(); // disconnect on this thread, before the join returns
    }
}

impl Supervisor {
    /// JACK has no matching port: look in the ALSA sequencer and subscribe to a match.
    fn try_alsa(&mut self) {
        let ports = super::alsa::list(None);
        if ports.is_none() && !self.alsa.warned {
            self.alsa.warned = true;
            tracing::debug!("{}: no ALSA sequencer on this machine (/dev/snd/seq); JACK only", self.what);
        }
        let super::alsa::Pick::Alsa(i) = super::alsa::pick(false, ports.as_deref(), &self.alsa.wanted) else { return };
        let Some(port) = ports.and_then(|p| p.into_iter().nth(i)) else { return };
        let sink = self.sink.clone();
        match super::alsa::AlsaConnection::open(&self.alsa.client, port.clone(), move |b| sink.deliver(b)) {
            Ok(c) => {
                self.alsa.conn = Some(c);
                let state = MidiState::Connected(format!("{ALSA_PREFIX} `{}`", port.name));
                self.sink.stats.report(&self.what, state, "");
            }
            Err(e) => tracing::warn!("{}: ALSA sequencer port `{}`: {e}", self.what, port.name),
        }
    }
}

/// Where decoded messages go: what each connection's callback owns.
#[derive(Clone)]
struct Sink {
    name: Arc<str>,
    channel: Option<u8>,
    queue: Arc<EventQueue>,
    clock: Arc<dyn Fn() -> f64 + Send + Sync>,
    stats: Arc<MidiStats>,
}

impl Sink {
    /// Runs on JACK's process thread for every incoming message: decode, filter, queue.
    fn deliver(&self, bytes: &[u8]) {
        match decode(bytes) {
            Some(msg) if self.channel.is_none_or(|c| channel_of(&msg) == c) => {
                self.stats.messages.fetch_add(1, Ordering::Relaxed);
                let kind = EventKind::Midi { bytes: bytes.to_vec(), msg };
                self.queue.push(InputEvent { t: (self.clock)(), input: self.name.clone(), kind });
            }
            _ => {
                self.stats.filtered.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}

/// Connects a new JACK client `client` to `port`, delivering into `sink`.
fn connect(client: &str, port: &str, sink: Sink) -> Result<midir::MidiInputConnection<()>, MidiError> {
    let _jack = jack_lock();
    let client = midir::MidiInput::new(client).map_err(|_| MidiError::jack_down())?;
    let handle = client.find_port_by_id(port).ok_or_else(|| MidiError::Vanished { port: port.to_owned() })?;
    client
        .connect(&handle, "in", move |_jack_us, bytes, _| sink.deliver(bytes), ())
        .map_err(|e| MidiError::Connect { port: port.to_owned(), reason: e.kind().to_string() })
}
