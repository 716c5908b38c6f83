//! The live OSC input: a UDP socket and the thread (`quai-osc-<name>`) that owns it, receiving
//! datagrams, checking the sender against the allow-list, decoding, and pushing events into the
//! input's queue. Created and dropped by the render thread (on scene load and reload); the thread
//! wakes every [`RECV_TIMEOUT`] at most to notice it should stop.

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, UdpSocket};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime};

use thiserror::Error;

use crate::input::event::EventQueue;
use crate::input::osc::allow::AllowList;
use crate::input::osc::decode::{MAX_SCHEDULE_AHEAD_S, decode_packet_tally};

/// How long the input's thread waits for a packet before checking whether it should stop.
pub const RECV_TIMEOUT: Duration = Duration::from_millis(100);
/// The receive buffer: the largest UDP payload.
const RECV_BUFFER: usize = 64 * 1024;

/// Why an OSC input or output could not start.
#[derive(Debug, Error)]
pub enum OscError {
    #[error(
        "OSC bind address `{text}`: not a port or address (write 9000, 127.0.0.1:9000, 0.0.0.0:9000 or [::1]:9000)"
    )]
    BadBind { text: String },
    #[error("OSC input `{name}`: cannot bind {addr}: {reason}")]
    Bind { name: Arc<str>, addr: SocketAddr, reason: String, source: io::Error },
    #[error("OSC input `{name}`: cannot start its thread: {source}")]
    Thread { name: Arc<str>, source: io::Error },
    #[error("OSC output `{dest}`: not a host and port (write e.g. 192.168.1.30:9000 or lights.local:8000)")]
    BadDest { dest: String },
    #[error("OSC output `{dest}`: cannot open a socket: {source}")]
    OutputSocket { dest: String, source: io::Error },
}

/// An input's counters, shared with the stats display. `packets` counts every datagram; the
/// rejected and malformed ones are among them.
#[derive(Debug, Default)]
pub struct OscStats {
    packets: AtomicU64,
    messages: AtomicU64,
    rejected: AtomicU64,
    malformed: AtomicU64,
    far_future: AtomicU64,
}

impl OscStats {
    /// Datagrams received and handled (their events queued, their outcome counted).
    pub fn packets(&self) -> u64 {
        self.packets.load(Ordering::Acquire)
    }
    /// Messages delivered to the queue.
    pub fn messages(&self) -> u64 {
        self.messages.load(Ordering::Relaxed)
    }
    /// Datagrams from senders the allow-list does not name (dropped).
    pub fn rejected(&self) -> u64 {
        self.rejected.load(Ordering::Relaxed)
    }
    /// Datagrams that were not valid OSC (dropped).
    pub fn malformed(&self) -> u64 {
        self.malformed.load(Ordering::Relaxed)
    }
    /// Bundles scheduled implausibly far ahead (delivered as due now).
    pub fn far_future(&self) -> u64 {
        self.far_future.load(Ordering::Relaxed)
    }
}

/// A running OSC input. Dropping it stops and joins its thread.
#[derive(Debug)]
pub struct OscInput {
    name: Arc<str>,
    local_addr: SocketAddr,
    stats: Arc<OscStats>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl OscInput {
    /// Binds `bind` and starts the input's thread, which pushes each message into `queue` stamped
    /// with `clock()` (show time in seconds). A port that is busy (another program has it) or an
    /// address no interface has yet (the network is still coming up at boot) is not the end: the
    /// thread tries again with backoff ([`RETRY_BACKOFF`]), says so once, and says when it listens.
    /// Other bind errors (no permission, a malformed address) are returned.
    pub fn spawn(
        name: Arc<str>,
        bind: SocketAddr,
        allow: AllowList,
        queue: Arc<EventQueue>,
        clock: impl Fn() -> f64 + Send + 'static,
    ) -> Result<OscInput, OscError> {
        Self::spawn_with(name, bind, allow, queue, clock, false)
    }

    /// As [`OscInput::spawn`]; with `by_sender`, each event's `input` is the sender's address
    /// (`192.168.1.20:52001`) instead of the input's name: `quai monitor` tells senders apart so.
    pub fn spawn_with(
        name: Arc<str>,
        bind: SocketAddr,
        allow: AllowList,
        queue: Arc<EventQueue>,
        clock: impl Fn() -> f64 + Send + 'static,
        by_sender: bool,
    ) -> Result<OscInput, OscError> {
        let bind_error =
            |source: io::Error| OscError::Bind { name: name.clone(), addr: bind, reason: bind_reason(&source), source };
        let socket = match UdpSocket::bind(bind) {
            Ok(s) => Some(s),
            Err(e) if retryable(&e) => {
                tracing::warn!(
                    "OSC input `{name}`: cannot bind {bind}: {}; trying again every few seconds (the show goes on \
                     without it meanwhile)",
                    bind_reason(&e)
                );
                None
            }
            Err(e) => return Err(bind_error(e)),
        };
        let local_addr = match &socket {
            Some(s) => {
                s.set_read_timeout(Some(RECV_TIMEOUT)).map_err(bind_error)?;
                s.local_addr().map_err(bind_error)?
            }
            None => bind,
        };
        let bound = socket.is_some();
        let stats = Arc::new(OscStats::default());
        let stop = Arc::new(AtomicBool::new(false));
        let (thread_name, thread_stats, thread_stop) = (name.clone(), stats.clone(), stop.clone());
        let thread = std::thread::Builder::new()
            .name(format!("quai-osc-{name}"))
            .spawn(move || {
                let Some(socket) = socket.or_else(|| bind_with_retry(&thread_name, bind, &thread_stop)) else {
                    return;
                };
                let receiver = Receiver {
                    name: thread_name,
                    socket,
                    allow,
                    queue,
                    stats: thread_stats,
                    stop: thread_stop,
                    by_sender,
                };
                receiver.run(clock)
            })
            .map_err(|source| OscError::Thread { name: name.clone(), source })?;
        if bound {
            tracing::info!("OSC input `{name}`: listening on {local_addr}");
        }
        Ok(OscInput { name, local_addr, stats, stop, thread: Some(thread) })
    }

    /// The address actually bound (the real port when the scene asked for port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The input's counters (shared: keep it for the stats display).
    pub fn stats(&self) -> Arc<OscStats> {
        self.stats.clone()
    }

    /// The scene's name for this input.
    pub fn name(&self) -> &Arc<str> {
        &self.name
    }
}

impl Drop for OscInput {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        wake(self.local_addr);
        if let Some(thread) = self.thread.take()
            && thread.join().is_err()
        {
            tracing::error!("OSC input `{}`: its thread panicked", self.name);
        }
    }
}

/// Reads the scene's `bind`: a port alone (`9000`, `:9000`) listens on this machine only
/// (127.0.0.1); `0.0.0.0:9000` listens on every network; `[::1]:9000` on IPv6;
/// `localhost:9000` is 127.0.0.1.
pub fn parse_bind(text: &str) -> Result<SocketAddr, OscError> {
    let s = text.trim();
    let port = s.strip_prefix("localhost:").or_else(|| s.strip_prefix(':')).unwrap_or(s);
    let addr = match port.parse::<u16>() {
        Ok(port) => Some(SocketAddr::new(Ipv4Addr::LOCALHOST.into(), port)),
        Err(_) => s.parse().ok(),
    };
    addr.ok_or_else(|| OscError::BadBind { text: text.to_string() })
}

/// Waits between attempts to bind a busy port: 0.5 s, then doubling, at most 5 s.
pub const RETRY_BACKOFF: [Duration; 2] = [Duration::from_millis(500), Duration::from_secs(5)];

/// Bind errors that can go away by themselves.
fn retryable(e: &io::Error) -> bool {
    matches!(e.kind(), io::ErrorKind::AddrInUse | io::ErrorKind::AddrNotAvailable)
}

/// Try `bind` until it works or `stop` is set (`None`).
fn bind_with_retry(name: &str, bind: SocketAddr, stop: &AtomicBool) -> Option<UdpSocket> {
    let started = Instant::now();
    let mut wait = RETRY_BACKOFF[0];
    loop {
        // Sleep in short steps so a stop (reload, exit) is noticed at once.
        let until = Instant::now() + wait;
        while Instant::now() < until {
            if stop.load(Ordering::Relaxed) {
                return None;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        match UdpSocket::bind(bind) {
            Ok(s) if s.set_read_timeout(Some(RECV_TIMEOUT)).is_ok() => {
                tracing::info!(
                    "OSC input `{name}`: listening on {bind} (it was busy for {:.0} s)",
                    started.elapsed().as_secs_f64()
                );
                return Some(s);
            }
            Ok(_) => {}
            Err(e) if retryable(&e) => {}
            Err(e) => {
                tracing::error!("OSC input `{name}`: cannot bind {bind}: {}; giving up", bind_reason(&e));
                return None;
            }
        }
        wait = (wait * 2).min(RETRY_BACKOFF[1]);
    }
}

/// What to tell the gallery technician when binding fails.
fn bind_reason(error: &io::Error) -> String {
    match error.kind() {
        io::ErrorKind::AddrInUse => "address in use (is another program listening? choose another port)".into(),
        io::ErrorKind::PermissionDenied => {
            "permission denied (ports below 1024 need administrator rights; choose a port from 1024 up)".into()
        }
        io::ErrorKind::AddrNotAvailable => "no network interface has this address (use 0.0.0.0 to listen on \
                                            every network, or 127.0.0.1 for this machine only)"
            .into(),
        _ => error.to_string(),
    }
}

/// Best effort: an empty datagram so the thread notices `stop` now rather than at its timeout.
fn wake(local_addr: SocketAddr) {
    let target = match local_addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => SocketAddr::new(Ipv4Addr::LOCALHOST.into(), local_addr.port()),
        IpAddr::V6(ip) if ip.is_unspecified() => SocketAddr::new(Ipv6Addr::LOCALHOST.into(), local_addr.port()),
        _ => local_addr,
    };
    let from: SocketAddr =
        if target.is_ipv4() { (Ipv4Addr::UNSPECIFIED, 0).into() } else { (Ipv6Addr::UNSPECIFIED, 0).into() };
    if let Ok(socket) = UdpSocket::bind(from) {
        let _ = socket.send_to(&[], target);
    }
}

/// At most one log line per second for each kind of trouble (a flood must not flood the log).
#[derive(Debug, Default)]
pub(crate) struct LogThrottle {
    last: Option<Instant>,
    suppressed: u64,
}

impl LogThrottle {
    /// True when a line may be logged now; otherwise counts the line as suppressed.
    pub(crate) fn ready(&mut self) -> bool {
        let due = self.last.is_none_or(|t| t.elapsed() >= Duration::from_secs(1));
        if due {
            self.last = Some(Instant::now());
        } else {
            self.suppressed += 1;
        }
        due
    }

    /// Logs `line()` as a warning if one is due, noting how many were held back since the last.
    pub(crate) fn warn(&mut self, line: impl FnOnce() -> String) {
        if self.ready() {
            match std::mem::take(&mut self.suppressed) {
                0 => tracing::warn!("{}", line()),
                more => tracing::warn!("{} (and {more} more like it)", line()),
            }
        }
    }
}

/// The input's thread state.
struct Receiver {
    name: Arc<str>,
    socket: UdpSocket,
    allow: AllowList,
    queue: Arc<EventQueue>,
    stats: Arc<OscStats>,
    stop: Arc<AtomicBool>,
    /// Events carry the sender's address as their `input` (`quai monitor`).
    by_sender: bool,
}

/// One throttle per kind of trouble.
#[derive(Default)]
struct Logs {
    socket: LogThrottle,
    rejected: LogThrottle,
    malformed: LogThrottle,
    far_future: LogThrottle,
}

impl Receiver {
    fn run(self, clock: impl Fn() -> f64) {
        let mut buf = vec![0u8; RECV_BUFFER];
        let mut logs = Logs::default();
        while !self.stop.load(Ordering::Relaxed) {
            match self.socket.recv_from(&mut buf) {
                Ok(_) if self.stop.load(Ordering::Relaxed) => break,
                Ok((len, from)) => self.handle(buf.get(..len).unwrap_or_default(), from, clock(), &mut logs),
                Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => {}
                Err(e) => {
                    // e.g. ConnectionReset on Windows after an ICMP "port unreachable": not fatal.
                    logs.socket.warn(|| format!("OSC input `{}`: receive failed: {e}", self.name));
                    std::thread::sleep(Duration::from_millis(10));
                }
            }
        }
    }

    /// One datagram, counted once its events are queued and its outcome counted (so whoever
    /// sees `packets` reach n also sees the first n packets' events and counters).
    fn handle(&self, packet: &[u8], from: SocketAddr, now_t: f64, logs: &mut Logs) {
        self.deliver(packet, from, now_t, logs);
        self.stats.packets.fetch_add(1, Ordering::Release);
    }

    /// Checks the sender, decodes, queues, counts the outcome.
    fn deliver(&self, packet: &[u8], from: SocketAddr, now_t: f64, logs: &mut Logs) {
        let stats = &self.stats;
        if !self.allow.allows(from.ip()) {
            stats.rejected.fetch_add(1, Ordering::Relaxed);
            let allow = &self.allow;
            logs.rejected
                .warn(|| format!("OSC input `{}`: ignored a packet from {from} (allowed: {allow})", self.name));
            return;
        }
        let input = if self.by_sender { Arc::from(from.to_string()) } else { self.name.clone() };
        match decode_packet_tally(packet, &input, now_t, SystemTime::now(), &mut |e| self.queue.push(e)) {
            Ok(tally) => {
                stats.messages.fetch_add(tally.messages as u64, Ordering::Relaxed);
                if tally.far_future > 0 {
                    stats.far_future.fetch_add(tally.far_future as u64, Ordering::Relaxed);
                    logs.far_future.warn(|| {
                        format!(
                            "OSC input `{}`: bundle from {from} scheduled over {MAX_SCHEDULE_AHEAD_S} s ahead: \
                             applied now (is the sender's clock right?)",
                            self.name
                        )
                    });
                }
            }
            Err(e) => {
                stats.malformed.fetch_add(1, Ordering::Relaxed);
                logs.malformed.warn(|| format!("{e} (from {from})"));
            }
        }
    }
}

#[cfg(test)]
mod tests;
