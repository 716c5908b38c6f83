//! MIDI feedback output (LEDs and motor faders on controllers): [`MidiOutput`] is a non-blocking
//! handle; the thread `quai-midi-out-<name>` owns the JACK connection, sends what the handle
//! queued, rescans every 500 ms and reconnects when the port or JACK comes back.
//! Callers (usually the render thread) only push into a bounded queue and never wait on JACK.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crossbeam_queue::ArrayQueue;

use super::decode::encode;
use super::link::{Direction, Link, Supervised};
use super::ports::{MidiError, PortMatch, client_name, jack_lock};
use super::source::MidiStats;
use crate::input::event::MidiMessage;

/// Messages waiting for the output thread (also while disconnected: the newest are sent on
/// connecting); when full, the oldest is dropped (and counted).
const QUEUE_CAPACITY: usize = 1024;
/// Sending budget: at most this many messages per second, in bursts of at most [`BURST`]; the
/// rest waits in the queue. Keeps midir's JACK ring buffer (2047 messages; it corrupts memory when
/// full) from filling even if JACK stops draining it until the next scan notices.
const RATE: f64 = 1000.0;
const BURST: f64 = 128.0;

/// A feedback output. `stats()` counts sent messages in `messages`, dropped ones (queue overflow,
/// channel outside 1..=16) in `filtered`, and reconnections: when `reconnects` rises, the device
/// may have been power-cycled and the show should resend its full feedback state.
pub struct MidiOutput {
    queue: Arc<ArrayQueue<([u8; 3], usize)>>,
    stats: Arc<MidiStats>,
    overflow: Arc<AtomicU64>,
    /// Dropping it stops the thread (waiting at most [`STOP_TIMEOUT`](super::STOP_TIMEOUT)).
    thread: Supervised,
}

impl MidiOutput {
    /// Starts the output thread, which connects to the JACK MIDI port matching `port` as soon as
    /// there is one. JACK being down or the port missing is not an error (see `stats().state()`);
    /// the only error is the OS refusing a thread.
    pub fn connect(name: Arc<str>, port: PortMatch) -> Result<MidiOutput, MidiError> {
        let queue = Arc::new(ArrayQueue::new(QUEUE_CAPACITY));
        let stats = Arc::new(MidiStats::new());
        let overflow = Arc::new(AtomicU64::new(0));
        let what = format!("midi output `{name}`");
        let link = Link::new(what.clone(), client_name("midi-out", &name), port, Direction::Output, stats.clone());
        let (q, st, of, w) = (queue.clone(), stats.clone(), overflow.clone(), what.clone());
        let thread = Supervised::spawn(&what, format!("quai-midi-out-{name}"), move |stop| {
            let (tokens, refilled) = (BURST, Instant::now());
            let (dropped_unlogged, last_drop_log) = (0, None);
            let worker = Worker {
                what: w,
                link,
                queue: q,
                stats: st,
                overflow: of,
                stop,
                tokens,
                refilled,
                dropped_unlogged,
                last_drop_log,
            };
            worker.run()
        })
        .map_err(MidiError::Thread)?;
        Ok(MidiOutput { queue, stats, overflow, thread })
    }

    /// Queues a control change (`channel` 1..=16; `controller` and `value` are clamped to 0..=127).
    pub fn send_cc(&self, channel: u8, controller: u8, value: u8) {
        self.send(MidiMessage::ControlChange { channel, controller: controller.min(127), value: value.min(127) });
    }

    /// Queues a note on (`velocity` 0 means note off, which is what most controllers expect for
    /// LEDs; `note` and `velocity` are clamped to 0..=127).
    pub fn send_note(&self, channel: u8, note: u8, velocity: u8) {
        self.send(MidiMessage::NoteOn { channel, note: note.min(127), velocity: velocity.min(127) });
    }

    /// Queues any channel message. Never blocks; a message on a channel outside 1..=16 is dropped.
    pub fn send(&self, msg: MidiMessage) {
        let Some(bytes) = encode(&msg) else {
            self.stats.filtered.fetch_add(1, Ordering::Relaxed);
            return;
        };
        if self.queue.force_push(bytes).is_some() {
            self.overflow.fetch_add(1, Ordering::Relaxed);
            self.stats.filtered.fetch_add(1, Ordering::Relaxed);
        }
        if let Some(t) = self.thread.thread() {
            t.unpark();
        }
    }

    pub fn stats(&self) -> Arc<MidiStats> {
        self.stats.clone()
    }
}

struct Worker {
    what: String,
    link: Link<midir::MidiOutputConnection>,
    queue: Arc<ArrayQueue<([u8; 3], usize)>>,
    stats: Arc<MidiStats>,
    overflow: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    tokens: f64,
    refilled: Instant,
    dropped_unlogged: u64,
    last_drop_log: Option<Instant>,
}

impl Worker {
    fn run(mut self) {
        let mut next_scan = Instant::now();
        while !self.stop.load(Ordering::Relaxed) {
            if Instant::now() >= next_scan {
                next_scan = Instant::now() + self.link.scan(connect);
            }
            self.flush();
            let mut wait = next_scan.saturating_duration_since(Instant::now());
            if self.link.conn().is_some() && !self.queue.is_empty() {
                wait = wait.min(Duration::from_millis(5)); // over budget: wait for tokens
            }
            std::thread::park_timeout(wait);
        }
        self.link.shutdown();
    }

    /// Sends what the budget allows (nothing while disconnected); logs drops at most once a second.
    fn flush(&mut self) {
        let now = Instant::now();
        self.tokens = (self.tokens + now.duration_since(self.refilled).as_secs_f64() * RATE).min(BURST);
        self.refilled = now;
        if let Some(conn) = self.link.conn() {
            while self.tokens >= 1.0 {
                let Some((bytes, len)) = self.queue.pop() else { break };
                // With JACK, send only writes into midir's ring buffer and cannot fail.
                if conn.send(&bytes[..len]).is_ok() {
                    self.stats.messages.fetch_add(1, Ordering::Relaxed);
                }
                self.tokens -= 1.0;
            }
        }
        let dropped = self.overflow.swap(0, Ordering::Relaxed);
        self.dropped_unlogged += dropped;
        if self.dropped_unlogged > 0 && self.last_drop_log.is_none_or(|t| t.elapsed() >= Duration::from_secs(1)) {
            let why = if self.link.conn().is_some() { "sending faster than 1000 messages/s" } else { "not connected" };
            tracing::warn!(
                "{}: dropped the {} oldest queued messages ({why}; logged at most once per second)",
                self.what,
                self.dropped_unlogged
            );
            self.dropped_unlogged = 0;
            self.last_drop_log = Some(now);
        }
    }
}

/// Connects a new JACK client `client` to `port`.
fn connect(client: &str, port: &str) -> Result<midir::MidiOutputConnection, MidiError> {
    let jack = jack_lock();
    let client = midir::MidiOutput::new(client).map_err(|_| MidiError::jack_down())?;
    let handle = client.find_port_by_id(port).ok_or_else(|| MidiError::Vanished { port: port.to_owned() })?;
    let conn = client
        .connect(&handle, "out")
        .map_err(|e| MidiError::Connect { port: port.to_owned(), reason: e.kind().to_string() })?;
    drop(jack);
    // JACK applies a new connection at a later process cycle: give it a few cycles (a 1024-frame
    // period at 44.1 kHz is 23 ms) before sending what waited in the queue.
    std::thread::sleep(Duration::from_millis(50));
    Ok(conn)
}
