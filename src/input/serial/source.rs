//! One serial input: [`SerialInput`] owns the thread `quai-serial-<name>` that resolves and opens
//! the port, reads it, frames the bytes (text lines or SLIP) and pushes `InputEvent`s into the
//! input's queue; and, when the device goes away, reports `Disconnected` and reconnects by spec
//! (path through its symlinks, or USB id) with backoff. Stats and state are read from any thread.

use std::io::{ErrorKind, Read};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::lines::{Garbled, LineSplitter};
use super::port::{PortSpec, SerialError};
use crate::input::event::{EventKind, EventQueue, InputEvent};
use crate::input::osc::slip::{SlipDecoder as SlipFrames, SlipError};

/// How long one read waits for bytes: bounds how long stopping the thread takes.
pub const READ_TIMEOUT: Duration = Duration::from_millis(100);
/// First retry delay after a failed open or a lost device; doubles up to [`RETRY_MAX`].
pub const RETRY_MIN: Duration = Duration::from_millis(250);
/// Longest retry delay: a replugged device is picked up within about this long.
pub const RETRY_MAX: Duration = Duration::from_secs(2);

/// Turns one SLIP frame into events: `(frame, arrival time in show seconds, emit)`. Supplied by
/// the caller (the integrator plugs in the OSC decoder), so serial does not depend on OSC.
pub type SlipDecoder = Box<dyn FnMut(&[u8], f64, &mut dyn FnMut(InputEvent)) + Send>;

/// How the byte stream is cut into messages.
pub enum Framing {
    /// Text lines, each pushed as `EventKind::Serial { line }`; longer lines are dropped.
    Lines { max_len: usize },
    /// SLIP frames, each handed to `decoder`; longer frames are dropped.
    Slip { max_len: usize, decoder: SlipDecoder },
}

/// Connection state of a serial input, as the status display shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SerialState {
    Connecting,
    /// Open and reading this device node.
    Connected(PathBuf),
    /// Not open, for this reason; the thread keeps retrying.
    Disconnected(String),
}

/// Counters and state of one serial input, shared between its thread and readers.
#[derive(Debug)]
pub struct SerialStats {
    lines: AtomicU64,
    garbled: AtomicU64,
    reconnects: AtomicU64,
    state: Mutex<SerialState>,
}

impl SerialStats {
    fn new() -> Self {
        let (lines, garbled, reconnects) = (AtomicU64::new(0), AtomicU64::new(0), AtomicU64::new(0));
        Self { lines, garbled, reconnects, state: Mutex::new(SerialState::Connecting) }
    }

    /// Lines (or SLIP frames) received intact.
    pub fn lines(&self) -> u64 {
        self.lines.load(Ordering::Relaxed)
    }

    /// Lines or frames dropped: not UTF-8, longer than `max_len`, badly escaped.
    pub fn garbled(&self) -> u64 {
        self.garbled.load(Ordering::Relaxed)
    }

    /// Successful connections after the first.
    pub fn reconnects(&self) -> u64 {
        self.reconnects.load(Ordering::Relaxed)
    }

    pub fn state(&self) -> SerialState {
        self.state.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Sets the state; returns the previous one if it changed.
    fn set_state(&self, new: SerialState) -> Option<SerialState> {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        (*state != new).then(|| std::mem::replace(&mut *state, new))
    }
}

/// A running serial input. Dropping it stops and joins its thread (within about [`READ_TIMEOUT`]).
pub struct SerialInput {
    stats: Arc<SerialStats>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl SerialInput {
    /// Starts the input's thread. Never fails: a missing device, a refused open or even a thread
    /// that cannot be created shows up in [`SerialStats::state`] (and the log) instead.
    pub fn spawn(
        name: Arc<str>,
        spec: PortSpec,
        baud: u32,
        framing: Framing,
        queue: Arc<EventQueue>,
        clock: impl Fn() -> f64 + Send + 'static,
    ) -> SerialInput {
        let stats = Arc::new(SerialStats::new());
        let stop = Arc::new(AtomicBool::new(false));
        let framer = match framing {
            Framing::Lines { max_len } => Framer::Lines(LineSplitter::new(max_len)),
            Framing::Slip { max_len, decoder } => Framer::Slip(SlipFrames::new(max_len), max_len, decoder),
        };
        let worker = Worker {
            name: name.clone(),
            spec,
            baud,
            framer,
            queue,
            clock: Box::new(clock),
            stats: stats.clone(),
            stop: stop.clone(),
        };
        let thread = match std::thread::Builder::new().name(format!("quai-serial-{name}")).spawn(move || worker.run()) {
            Ok(t) => Some(t),
            Err(e) => {
                let reason = format!("cannot start its thread: {e} (input stays off)");
                tracing::error!("serial input `{name}`: {reason}");
                stats.set_state(SerialState::Disconnected(reason));
                None
            }
        };
        SerialInput { stats, stop, thread }
    }

    pub fn stats(&self) -> Arc<SerialStats> {
        self.stats.clone()
    }
}

impl Drop for SerialInput {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            t.thread().unpark();
            let _ = t.join();
        }
    }
}

enum Framer {
    Lines(LineSplitter),
    Slip(SlipFrames, usize, SlipDecoder),
}

struct Worker {
    name: Arc<str>,
    spec: PortSpec,
    baud: u32,
    framer: Framer,
    queue: Arc<EventQueue>,
    clock: Box<dyn Fn() -> f64 + Send>,
    stats: Arc<SerialStats>,
    stop: Arc<AtomicBool>,
}

impl Worker {
    fn run(mut self) {
        let mut delay = RETRY_MIN;
        let mut connected_before = false;
        while !self.stop.load(Ordering::Relaxed) {
            let opened = self.spec.resolve().and_then(|path| {
                let port = serialport::new(path.to_string_lossy(), self.baud).timeout(READ_TIMEOUT).open();
                let port = port.map_err(|source| SerialError::Open {
                    path: path.display().to_string(),
                    baud: self.baud,
                    source,
                })?;
                Ok((path, port))
            });
            let lost = match opened {
                Ok((path, port)) => {
                    if std::mem::replace(&mut connected_before, true) {
                        self.stats.reconnects.fetch_add(1, Ordering::Relaxed);
                    }
                    tracing::info!("serial input `{}`: connected to {} ({})", self.name, path.display(), self.spec);
                    self.stats.set_state(SerialState::Connected(path.clone()));
                    delay = RETRY_MIN;
                    match self.read_until_lost(&path, port) {
                        Some(e) => e,
                        None => return,
                    }
                }
                Err(e) => e,
            };
            let reason = lost.to_string();
            match self.stats.set_state(SerialState::Disconnected(reason.clone())) {
                Some(SerialState::Disconnected(_)) => {
                    tracing::info!("serial input `{}`: now {reason} (still retrying)", self.name)
                }
                Some(_) => tracing::warn!(
                    "serial input `{}`: {reason} (will retry, backing off from {} ms to every {} s)",
                    self.name,
                    RETRY_MIN.as_millis(),
                    RETRY_MAX.as_secs()
                ),
                None => {}
            }
            self.sleep(delay);
            delay = (delay * 2).min(RETRY_MAX);
        }
    }

    /// Reads until the device fails (returns why) or the input is stopped (returns `None`).
    fn read_until_lost(
        &mut self,
        path: &std::path::Path,
        mut port: Box<dyn serialport::SerialPort>,
    ) -> Option<SerialError> {
        let path_str = || path.display().to_string();
        let mut buf = [0u8; 1024];
        let mut warned_garbled = false;
        match &mut self.framer {
            Framer::Lines(s) => s.resync(),
            Framer::Slip(s, max_len, _) => *s = SlipFrames::new(*max_len),
        }
        // Bytes the OS buffered before this open may end in half a line; start from now. (Best
        // effort: if the driver cannot, those bytes are read at once and the resync drops them.)
        if let Err(e) = port.clear(serialport::ClearBuffer::Input) {
            tracing::debug!("serial input `{}`: cannot clear the input buffer of {}: {e}", self.name, path.display());
        }
        while !self.stop.load(Ordering::Relaxed) {
            let n = match port.read(&mut buf) {
                Ok(0) => return Some(SerialError::Closed { path: path_str() }),
                Ok(n) => n,
                Err(e) if matches!(e.kind(), ErrorKind::TimedOut | ErrorKind::WouldBlock | ErrorKind::Interrupted) => {
                    if e.kind() == ErrorKind::TimedOut
                        && let Framer::Lines(s) = &mut self.framer
                    {
                        s.quiet();
                    }
                    continue;
                }
                Err(source) => return Some(SerialError::Read { path: path_str(), source }),
            };
            let t = (self.clock)();
            let (name, queue, stats) = (&self.name, &self.queue, &self.stats);
            let mut garbled = |g: Garbled| {
                stats.garbled.fetch_add(1, Ordering::Relaxed);
                if !std::mem::replace(&mut warned_garbled, true) {
                    tracing::warn!(
                        "serial input `{name}`: dropped {g} from {} (further garbled input on this connection is only counted)",
                        path.display()
                    );
                }
            };
            match &mut self.framer {
                Framer::Lines(split) => split.feed(&buf[..n], |r| match r {
                    Ok(line) => {
                        stats.lines.fetch_add(1, Ordering::Relaxed);
                        let kind = EventKind::Serial { line: line.to_owned() };
                        queue.push(InputEvent { t, input: name.clone(), kind });
                    }
                    Err(g) => garbled(g),
                }),
                Framer::Slip(split, _, decode) => split.feed(&buf[..n], &mut |r| match r {
                    Ok(frame) => {
                        stats.lines.fetch_add(1, Ordering::Relaxed);
                        // The decoder is the caller's code: a panic in it must not end this input.
                        let decoded = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                            decode(frame, t, &mut |ev| queue.push(ev));
                        }));
                        if decoded.is_err() {
                            stats.lines.fetch_sub(1, Ordering::Relaxed);
                            garbled(Garbled::DecoderPanicked);
                        }
                    }
                    Err(SlipError::Oversize { max_len }) => garbled(Garbled::TooLong { len: max_len + 1 }),
                    Err(SlipError::BadEscape { .. }) => garbled(Garbled::BadEscape),
                }),
            }
        }
        None
    }

    /// Sleeps `d`, waking early when the input is stopped.
    fn sleep(&self, d: Duration) {
        let until = Instant::now() + d;
        while !self.stop.load(Ordering::Relaxed) {
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return;
            }
            std::thread::park_timeout(left);
        }
    }
}
