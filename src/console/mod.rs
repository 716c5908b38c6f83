//! The web console and the OSCQuery server (scenes/README.md, "The web console and OSCQuery").
//!
//! Both run on one thread of their own with a small tokio runtime ([`Console::start`]); the frame
//! loop never waits for them. They see the show only through the latest [`status::Status`]
//! snapshot the show publishes a few times a second, and act on it only by pushing commands into
//! the show's bounded command queue (the same one keys use), stamped `console ADDR`: every action is
//! logged, recorded with `--record` and replayed like any other input.
//!
//! - Anyone who can reach the console may view. Control (`POST /api/...`, OSCQuery writes) needs
//!   the token, as `Authorization: Bearer TOKEN` or the cookie the login form sets; it is compared
//!   in constant time, and an address with 5 wrong tokens in a minute is refused (429) for the
//!   rest of that minute. No token configured = view only.
//! - Limits: request bodies 16 KiB, 64 connections at once (more are closed at once), 50 WebSockets,
//!   request headers within 10 s (a client that trickles them is dropped).

pub mod oscquery;
pub mod server;
pub mod status;
pub mod thumbnail;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::input::event::EventQueue;
use crate::scene::ConsoleConf;
use crate::scene::validate::MIN_TOKEN;
use crate::show::ShowClock;

pub use status::{Board, LogRing, Status};

/// Largest request body accepted (a command is a few dozen bytes).
pub const BODY_LIMIT: usize = 16 * 1024;
/// Connections served at once; more are accepted and closed at once.
pub const MAX_CONNECTIONS: usize = 64;
/// WebSockets open at once (consoles, OSCQuery listeners); more get 503.
pub const MAX_SOCKETS: usize = 50;
/// A client must send its request headers within this long.
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// Wrong tokens from one address per minute before it is refused (429) for the rest of it.
pub const MAX_FAILURES: u32 = 5;

/// Where the console and OSCQuery listen, and the token, as the run resolved them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ConsoleOptions {
    pub bind: Option<SocketAddr>,
    pub oscquery: Option<SocketAddr>,
    pub token: Option<String>,
    /// The show's name, for the OSCQuery announcement over mDNS.
    pub name: String,
}

impl ConsoleOptions {
    /// The scene's `[console]`, then the command line over it, then `QUAI_TOKEN` over the file's
    /// token. `None` when neither server is asked for.
    pub fn resolve(
        scene: Option<&ConsoleConf>,
        bind: Option<SocketAddr>,
        oscquery: Option<SocketAddr>,
        env_token: Option<String>,
    ) -> Option<Self> {
        let file = scene.cloned().unwrap_or_default();
        let env_token = env_token.filter(|t| !t.is_empty()).filter(|t| {
            let ok = t.chars().count() >= MIN_TOKEN && !t.chars().any(|c| c.is_whitespace() || c.is_control());
            if !ok {
                tracing::error!(
                    "QUAI_TOKEN is shorter than {MIN_TOKEN} characters or has spaces: ignored (pick one with \
                     `openssl rand -hex 16`)"
                );
            }
            ok
        });
        let opts = ConsoleOptions {
            bind: bind.or(file.bind),
            oscquery: oscquery.or(file.oscquery),
            token: env_token.or(file.token),
            name: String::new(),
        };
        (opts.bind.is_some() || opts.oscquery.is_some()).then_some(opts)
    }
}

/// Counters of what the servers refused, for the log, `/api/status` and the abuse test.
#[derive(Debug, Default)]
pub struct Counters {
    pub requests: AtomicU64,
    /// Malformed, unknown, out of range, too large.
    pub bad: AtomicU64,
    /// Wrong or missing token, rate-limited.
    pub denied: AtomicU64,
    /// Connections closed because the limit was reached.
    pub turned_away: AtomicU64,
    /// Commands sent to the show.
    pub commands: AtomicU64,
}

/// What every request handler shares.
pub struct Shared {
    pub board: Arc<Board>,
    /// The show's name (mDNS).
    pub name: String,
    pub commands: Arc<EventQueue>,
    pub origin: ShowClock,
    pub token: Option<String>,
    pub counters: Counters,
    pub sockets: Arc<tokio::sync::Semaphore>,
    failures: std::sync::Mutex<std::collections::HashMap<std::net::IpAddr, (Instant, u32)>>,
    /// Refusals logged: when the last was, and how many were not logged since.
    refusals: std::sync::Mutex<(Option<Instant>, u64)>,
    /// Where each server listens once bound (`web console`, `OSCQuery`).
    pub bound: std::sync::Mutex<Vec<(&'static str, SocketAddr)>>,
    pub stop: tokio::sync::watch::Receiver<bool>,
}

/// Whether a request may control the show.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Access {
    /// The right token.
    Control,
    /// No token or a wrong one (`Denied` is counted against the address).
    View,
    Denied,
    /// Too many wrong tokens from this address this minute.
    Limited,
}

impl Shared {
    /// Whether `presented` is the configured token (constant time; counts nothing).
    pub fn token_matches(&self, presented: &str) -> bool {
        self.token.as_ref().is_some_and(|t| constant_time_eq::constant_time_eq(t.as_bytes(), presented.as_bytes()))
    }

    /// Checks a presented token in constant time and counts failures per address.
    pub fn check(&self, peer: SocketAddr, presented: Option<&str>) -> Access {
        let ip = peer.ip();
        let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        failures.retain(|_, (since, _)| now.duration_since(*since) < Duration::from_secs(60));
        if failures.get(&ip).is_some_and(|(_, n)| *n >= MAX_FAILURES) {
            return Access::Limited;
        }
        let (Some(_), Some(presented)) = (&self.token, presented) else { return Access::View };
        if self.token_matches(presented) {
            return Access::Control;
        }
        let entry = failures.entry(ip).or_insert((now, 0));
        entry.1 += 1;
        let n = entry.1;
        drop(failures);
        self.counters.denied.fetch_add(1, Ordering::Relaxed);
        if n <= MAX_FAILURES {
            tracing::warn!(
                "console: wrong token from {ip} ({n} this minute{})",
                if n == MAX_FAILURES { "; refusing this address for the rest of the minute" } else { "" }
            );
        }
        Access::Denied
    }

    /// Count a refused request and log it, at most once a second (with how many came meanwhile).
    pub fn refused(&self, code: u16, why: &str) {
        self.counters.bad.fetch_add(1, Ordering::Relaxed);
        let mut r = self.refusals.lock().unwrap_or_else(|p| p.into_inner());
        if r.0.is_some_and(|t| t.elapsed() < Duration::from_secs(1)) {
            r.1 += 1;
            return;
        }
        let more = match std::mem::take(&mut r.1) {
            0 => String::new(),
            n => format!(" ({n} more refused since the last such line)"),
        };
        r.0 = Some(Instant::now());
        drop(r);
        tracing::warn!("console: refused a request ({code}): {why}{more}");
    }

    /// Send a command to the show (as `console ADDR`).
    pub fn send(&self, peer: SocketAddr, command: crate::show::commands::Command) {
        use crate::input::event::{EventKind, InputEvent};
        self.counters.commands.fetch_add(1, Ordering::Relaxed);
        let input: Arc<str> = Arc::from(format!("console {}", peer.ip()));
        self.commands.push(InputEvent { t: self.origin.now(), input, kind: EventKind::Command(command) });
    }
}

/// The running servers; stopping (drop) closes them and joins their thread.
pub struct Console {
    pub board: Arc<Board>,
    pub shared: Arc<Shared>,
    stop: tokio::sync::watch::Sender<bool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Console {
    /// Start the servers `opts` asks for on a thread of their own. A port that is busy now is
    /// reported and retried every 2 s; the show does not wait for it.
    pub fn start(opts: &ConsoleOptions, commands: Arc<EventQueue>, origin: ShowClock) -> std::io::Result<Self> {
        let board = Board::new();
        let (stop, stop_rx) = tokio::sync::watch::channel(false);
        let shared = Arc::new(Shared {
            board: board.clone(),
            name: opts.name.clone(),
            commands,
            origin,
            token: opts.token.clone(),
            counters: Counters::default(),
            sockets: Arc::new(tokio::sync::Semaphore::new(MAX_SOCKETS)),
            failures: Default::default(),
            bound: Default::default(),
            refusals: Default::default(),
            stop: stop_rx,
        });
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        if opts.token.is_none() {
            tracing::info!(
                "console: no token configured ([console] token or QUAI_TOKEN): view only, nothing can be controlled from it"
            );
        }
        let (bind, oscq) = (opts.bind, opts.oscquery);
        let s = shared.clone();
        let thread = std::thread::Builder::new().name("quai-console".into()).spawn(move || {
            runtime.block_on(async move {
                let mut tasks = Vec::new();
                if let Some(addr) = bind {
                    let router = server::router(s.clone());
                    tasks.push(tokio::spawn(serve("web console", addr, router, s.clone())));
                }
                if let Some(addr) = oscq {
                    let router = oscquery::router(s.clone());
                    tasks.push(tokio::spawn(serve("OSCQuery", addr, router, s.clone())));
                }
                let mut stop = s.stop.clone();
                let _ = stop.wait_for(|v| *v).await;
                for t in tasks {
                    t.abort();
                }
            });
        })?;
        Ok(Self { board, shared, stop, thread: Some(thread) })
    }
}

impl Console {
    /// Where the web console listens, once bound (`None` before, or when it is not served).
    pub fn console_addr(&self) -> Option<SocketAddr> {
        let bound = self.shared.bound.lock().unwrap_or_else(|p| p.into_inner());
        bound.iter().find(|(w, _)| *w == "web console").map(|(_, a)| *a)
    }
}

impl Drop for Console {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Bind (retrying a busy port every 2 s), then serve HTTP/1 connections with the limits above.
async fn serve(what: &'static str, addr: SocketAddr, router: axum::Router, shared: Arc<Shared>) {
    let listener = bind_with_retry(what, addr).await;
    let Some(listener) = listener else { return };
    let local = listener.local_addr().unwrap_or(addr);
    let reach = if local.ip().is_loopback() { "this machine only" } else { "open to the network" };
    tracing::info!("{what} on http://{local}/ ({reach})");
    shared.bound.lock().unwrap_or_else(|p| p.into_inner()).push((what, local));
    // Dropped (unannounced) when the server stops.
    let _announced = if what == "OSCQuery" { oscquery::Announce::start(&shared.name, local) } else { None };
    let permits = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
    let mut logged_full: Option<Instant> = None;
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(c) => c,
            Err(e) => {
                // Out of file descriptors and the like: wait a little rather than spin.
                tracing::warn!("{what}: accept failed ({e}); retrying");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let Ok(permit) = permits.clone().try_acquire_owned() else {
            shared.counters.turned_away.fetch_add(1, Ordering::Relaxed);
            if logged_full.is_none_or(|t| t.elapsed() > Duration::from_secs(10)) {
                tracing::warn!("{what}: {MAX_CONNECTIONS} connections open; closing new ones (the latest from {peer})");
                logged_full = Some(Instant::now());
            }
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
                req.extensions_mut().insert(axum::extract::ConnectInfo(peer));
                let mut router = router.clone();
                async move { tower_service_call(&mut router, req).await }
            });
            let conn = hyper::server::conn::http1::Builder::new()
                .timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(HEADER_TIMEOUT)
                .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                .with_upgrades();
            let _ = conn.await;
            drop(permit);
        });
    }
}

fn tower_service_call(
    router: &mut axum::Router,
    req: hyper::Request<hyper::body::Incoming>,
) -> impl Future<Output = Result<axum::response::Response, std::convert::Infallible>> + use<> {
    use tower_service::Service as _;
    router.call(req.map(axum::body::Body::new))
}

async fn bind_with_retry(what: &str, addr: SocketAddr) -> Option<tokio::net::TcpListener> {
    let mut reported = false;
    loop {
        match tokio::net::TcpListener::bind(addr).await {
            Ok(l) => {
                if reported {
                    tracing::info!("{what}: {addr} is free now");
                }
                return Some(l);
            }
            Err(e) if matches!(e.kind(), std::io::ErrorKind::AddrInUse | std::io::ErrorKind::AddrNotAvailable) => {
                if !reported {
                    tracing::error!(
                        "{what}: cannot listen on {addr}: {e}. Another program (another quai?) holds the port: \
                         `ss -ltnp | grep {}` shows which; retrying every 2 s, the show runs meanwhile",
                        addr.port()
                    );
                    reported = true;
                }
                tokio::time::sleep(Duration::from_secs(2)).await;
            }
            Err(e) => {
                tracing::error!(
                    "{what}: cannot listen on {addr}: {e}; the show runs without it. Ports below 1024 need \
                     privileges: pick 8080 or above"
                );
                return None;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conf(bind: &str, token: Option<&str>) -> ConsoleConf {
        ConsoleConf { bind: Some(bind.parse().expect("addr")), oscquery: None, token: token.map(str::to_string) }
    }

    /// The command line wins over the file; QUAI_TOKEN over the file's token, unless it is too short.
    #[test]
    fn options_resolve_in_the_documented_order() {
        assert_eq!(
            ConsoleOptions::resolve(None, None, None, Some("a-long-enough-token".into())),
            None,
            "nothing asked for"
        );
        let file = conf("0.0.0.0:8080", Some("file-token-1234"));
        let o = ConsoleOptions::resolve(Some(&file), None, None, None).expect("from the file");
        assert_eq!(
            (o.bind, o.token.as_deref()),
            (Some("0.0.0.0:8080".parse().expect("addr")), Some("file-token-1234"))
        );
        let cli: SocketAddr = "127.0.0.1:9999".parse().expect("addr");
        let o = ConsoleOptions::resolve(Some(&file), Some(cli), None, Some("env-token-123456".into())).expect("cli");
        assert_eq!((o.bind, o.token.as_deref()), (Some(cli), Some("env-token-123456")));
        let o = ConsoleOptions::resolve(Some(&file), None, None, Some("short".into())).expect("short env token");
        assert_eq!(o.token.as_deref(), Some("file-token-1234"), "a too-short QUAI_TOKEN is ignored");
        let o = ConsoleOptions::resolve(None, None, Some(cli), Some(String::new())).expect("oscquery alone");
        assert_eq!((o.bind, o.oscquery, o.token), (None, Some(cli), None));
    }
}
