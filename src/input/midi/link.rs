//! The connection logic shared by MIDI inputs and outputs: one JACK connection per input/output,
//! checked at every scan, reconnected to the same port name, and abandoned when the JACK server
//! died. Runs on the owning input's or output's thread.
//!
//! Why abandon: when any client is opened after the server died, libjack deletes every client of
//! the dead server ("Jack server was closed but clients are still allocated, cleanup..."); closing
//! a midir connection after that calls `jack_port_unregister` on freed memory and crashes. So a
//! connection is only closed when the server that made it is known to be alive (our own port is
//! still listed), and only leaked (a few hundred bytes plus what its callback holds) once a
//! working server is seen without our port. A failed scan proves nothing either way — opening a
//! client also fails now and then on a live but busy server — so it only suspends sending and,
//! after [`SUSPECT_SCANS`] failures in a row, reports JACK as down; the connection is held.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread::{JoinHandle, Thread};
use std::time::Duration;

use super::ports::{MidiError, MidiState, PortMatch, input_port_names, jack_lock, output_port_names};
use super::source::MidiStats;

/// How often a link checks its port (and JACK) while JACK is up.
pub const SCAN_INTERVAL: Duration = Duration::from_millis(500);
/// Longest wait between attempts while JACK is down (each attempt makes libjack print to stderr).
pub const JACK_RETRY_MAX: Duration = Duration::from_secs(2);
/// Failed scans in a row before a connected link reports JACK as down.
pub const SUSPECT_SCANS: u32 = 3;
/// How long dropping a MIDI input or output waits for its thread before leaving it behind.
pub const STOP_TIMEOUT: Duration = Duration::from_secs(3);

/// Which side of a connection quai is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Direction {
    /// quai reads: targets are JACK output ports, quai's own port is an input (`:in`).
    Input,
    /// quai writes: targets are JACK input ports, quai's own port is an output (`:out`).
    Output,
}

/// All JACK MIDI ports now: `sources` (JACK output ports) and `sinks` (JACK input ports).
struct View {
    sources: Vec<String>,
    sinks: Vec<String>,
}

/// Opens two short-lived clients to list the ports; `None` if JACK cannot be reached.
fn view(client: &str) -> Option<View> {
    let _jack = jack_lock();
    let sources = input_port_names(&midir::MidiInput::new(client).ok()?);
    let sinks = output_port_names(&midir::MidiOutput::new(client).ok()?);
    Some(View { sources, sinks })
}

struct Live<C> {
    conn: C,
    /// The port connected to.
    port: String,
    /// Our own port's full name, e.g. `quai-midi-ctl:in`.
    own: String,
}

pub(crate) struct Link<C> {
    what: String,
    base: String,
    wanted: PortMatch,
    dir: Direction,
    stats: Arc<MidiStats>,
    live: Option<Live<C>>,
    /// After the first connection: the port name to come back to.
    sticky: Option<String>,
    connected_before: bool,
    jack_delay: Duration,
    /// Scans that failed in a row; while > 0 the connection is not used.
    failed_scans: u32,
}

impl<C> Link<C> {
    pub fn new(what: String, base: String, wanted: PortMatch, dir: Direction, stats: Arc<MidiStats>) -> Self {
        Self {
            what,
            base,
            wanted,
            dir,
            stats,
            live: None,
            sticky: None,
            connected_before: false,
            jack_delay: SCAN_INTERVAL,
            failed_scans: 0,
        }
    }

    /// The connection, if the last scan found it working.
    pub fn conn(&mut self) -> Option<&mut C> {
        self.live.as_mut().filter(|_| self.failed_scans == 0).map(|l| &mut l.conn)
    }

    /// One look at JACK: keep, close, abandon or make the connection, and report the state.
    /// `connect(client_name, port)` makes a connection from a new client of that name. Returns
    /// how long to wait before the next scan.
    pub fn scan(&mut self, connect: impl FnOnce(&str, &str) -> Result<C, MidiError>) -> Duration {
        match self.try_scan(connect) {
            Ok(()) => {
                self.jack_delay = SCAN_INTERVAL;
                SCAN_INTERVAL
            }
            Err((e, detail)) => {
                let jack_down = matches!(e, MidiError::JackDown { .. });
                self.stats.report(&self.what, MidiState::Disconnected(e.to_string()), &detail);
                if !jack_down {
                    self.jack_delay = SCAN_INTERVAL;
                    return SCAN_INTERVAL;
                }
                let delay = self.jack_delay;
                self.jack_delay = (delay * 2).min(JACK_RETRY_MAX);
                delay
            }
        }
    }

    fn try_scan(
        &mut self,
        connect: impl FnOnce(&str, &str) -> Result<C, MidiError>,
    ) -> Result<(), (MidiError, String)> {
        let Some(view) = view(&format!("{}-scan", self.base)) else {
            self.failed_scans += 1;
            if self.live.is_some() && self.failed_scans < SUSPECT_SCANS {
                return Ok(()); // maybe a busy server: hold the connection, look again soon
            }
            return Err((MidiError::jack_down(), String::new()));
        };
        self.failed_scans = 0;
        let (targets, own_side) = match self.dir {
            Direction::Input => (&view.sources, &view.sinks),
            Direction::Output => (&view.sinks, &view.sources),
        };
        if let Some(live) = &self.live {
            if !own_side.contains(&live.own) {
                let port = live.port.clone();
                self.abandon(); // the server restarted since we connected
                return Err((MidiError::Vanished { port }, " (the JACK server restarted)".into()));
            }
            if targets.contains(&live.port) {
                // The server was only busy, if a JACK-down state had been reported.
                self.stats.report(&self.what, MidiState::Connected(live.port.clone()), "");
                return Ok(());
            }
            let port = live.port.clone();
            self.close(); // the server is alive: closing is safe
            return Err((MidiError::Vanished { port }, String::new()));
        }
        let found = match &self.sticky {
            Some(port) => targets.iter().position(|n| n == port),
            None => self.wanted.find(targets),
        };
        let Some(i) = found else {
            let wanted = self.sticky.as_ref().map_or_else(|| self.wanted.to_string(), |p| format!("`{p}`"));
            let ports = if targets.is_empty() { "none".to_owned() } else { targets.join(", ") };
            let direction = if self.dir == Direction::Input { "input" } else { "output" };
            return Err((MidiError::NoMatch { direction, wanted }, format!("; ports now: {ports}")));
        };
        let port = targets[i].clone();
        // Our own port must be unambiguous: skip client names another program already uses.
        let suffix = if self.dir == Direction::Input { "in" } else { "out" };
        let client = (1..)
            .map(|n| if n == 1 { self.base.clone() } else { format!("{}-{n}", self.base) })
            .find(|c| !own_side.contains(&format!("{c}:{suffix}")))
            .unwrap_or_else(|| self.base.clone());
        let conn = connect(&client, &port).map_err(|e| (e, String::new()))?;
        if std::mem::replace(&mut self.connected_before, true) {
            self.stats.reconnects.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        self.sticky = Some(port.clone());
        self.live = Some(Live { conn, port: port.clone(), own: format!("{client}:{suffix}") });
        self.stats.report(&self.what, MidiState::Connected(port), "");
        Ok(())
    }

    fn close(&mut self) {
        let _jack = jack_lock();
        self.live = None;
    }

    /// Forgets the connection without closing it (see the module docs).
    fn abandon(&mut self) {
        if let Some(live) = self.live.take() {
            std::mem::forget(live);
        }
    }

    /// Closes the connection if its server is still alive, else abandons it.
    pub fn shutdown(&mut self) {
        let Some(live) = &self.live else { return };
        let scan = || view(&format!("{}-scan", self.base));
        let Some(view) = scan().or_else(scan).or_else(scan) else {
            self.abandon(); // JACK is gone (or too busy to say): never close
            return;
        };
        let alive = match self.dir {
            Direction::Input => view.sinks.contains(&live.own),
            Direction::Output => view.sources.contains(&live.own),
        };
        if alive {
            self.close();
        } else {
            self.abandon();
        }
    }
}

/// A MIDI thread that is stopped without blocking the caller for long: a libjack call can hang
/// (a wedged JACK server), and then the thread is left behind with a warning.
pub(crate) struct Supervised {
    what: String,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    done: mpsc::Receiver<()>,
}

impl Supervised {
    /// Runs `body(stop)` on a new thread; `body` should return soon after `stop` is set.
    pub fn spawn(
        what: &str,
        thread_name: String,
        body: impl FnOnce(Arc<AtomicBool>) + Send + 'static,
    ) -> std::io::Result<Self> {
        let stop = Arc::new(AtomicBool::new(false));
        let (done_tx, done) = mpsc::channel();
        let flag = stop.clone();
        let thread = std::thread::Builder::new().name(thread_name).spawn(move || {
            body(flag);
            let _ = done_tx.send(());
        })?;
        Ok(Self { what: what.to_owned(), stop, thread: Some(thread), done })
    }

    /// The thread, to wake it early.
    pub fn thread(&self) -> Option<&Thread> {
        self.thread.as_ref().map(JoinHandle::thread)
    }
}

impl Drop for Supervised {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        let Some(t) = self.thread.take() else { return };
        t.thread().unpark();
        match self.done.recv_timeout(STOP_TIMEOUT) {
            Ok(()) | Err(RecvTimeoutError::Disconnected) => {
                let _ = t.join();
            }
            Err(RecvTimeoutError::Timeout) => tracing::warn!(
                "{}: its thread did not stop within {} s (JACK not answering?); leaving it behind",
                self.what,
                STOP_TIMEOUT.as_secs()
            ),
        }
    }
}
