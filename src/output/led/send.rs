//! The sender thread of one LED output: at the output's rate it takes the newest LED colours
//! (latest wins, through a triple buffer: the render thread never waits for it), encodes the DMX
//! universes (dmx.rs) and sends them as Art-Net (ArtDmx + ArtSync) or sACN (data + sync, universe
//! discovery every 10 s). Unchanged universes are sent 3 more times, then kept alive once a second,
//! as E1.31 §6.6.1 asks (Art-Net receivers are fine with the same). On stop it sends what the
//! output declares (`black`: zeros, then sACN stream-terminated packets; `hold`: nothing).
//! Art-Net outputs answer ArtPoll (poll.rs). Network trouble (an unreachable controller, a missing interface) is reported once with what to
//! do, retried, and never stops the show.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, UdpSocket};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

use super::dmx::{Frame, Layout};
use super::poll::PollListener;
use super::{artnet, sacn};
use crate::scene::led::{LedOutput, LedProtocol, OnStop, UNIVERSE_CHANNELS};

/// How often an unchanged universe is sent again.
pub const KEEP_ALIVE: Duration = Duration::from_secs(1);
/// Times an unchanged universe is repeated at the full rate before falling back to keep-alive.
const REPEATS: u8 = 3;
/// E1.31 universe discovery interval (§4.3: E131_UNIVERSE_DISCOVERY_INTERVAL).
const DISCOVERY_EVERY: Duration = Duration::from_secs(10);

/// What a sender thread tells the console: packets sent, and whether a destination (or the
/// sending socket) is failing now.
#[derive(Debug, Default)]
pub struct LinkHealth {
    pub packets: std::sync::atomic::AtomicU64,
    pub failing: std::sync::atomic::AtomicBool,
}

/// The render thread's handle on a running sender.
pub struct Sender {
    name: String,
    health: Arc<LinkHealth>,
    colors: triple_buffer::Input<Vec<[u8; 4]>>,
    stop: Option<mpsc::Sender<OnStop>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Sender {
    /// Start sending for `out`. Nothing here touches the network: binding and errors happen on
    /// the sender's own thread.
    pub fn start(out: LedOutput) -> Self {
        let layout = Layout::new(&out);
        let (colors, rx) = triple_buffer::triple_buffer(&vec![[0u8; 4]; layout.pixels()]);
        let (stop, stop_rx) = mpsc::channel();
        let name = out.name.clone();
        let health = Arc::new(LinkHealth::default());
        let link_health = health.clone();
        let thread = std::thread::Builder::new()
            .name(format!("quai-led-{name}"))
            .spawn(move || Link::new(out, layout, link_health).run(rx, stop_rx));
        let thread = match thread {
            Ok(t) => Some(t),
            Err(e) => {
                tracing::error!("LED output `{name}`: cannot start its sender thread ({e}); it sends nothing");
                None
            }
        };
        Self { name, health, colors, stop: Some(stop), thread }
    }

    /// Packets sent so far and whether sending fails now.
    pub fn health(&self) -> &LinkHealth {
        &self.health
    }

    /// Hand over the newest colours, one RGBA8 per LED in encoder order (latest wins).
    pub fn publish(&mut self, colors: &[[u8; 4]]) {
        let buf = self.colors.input_buffer_mut();
        buf.clear();
        buf.extend_from_slice(colors);
        self.colors.publish();
    }

    /// Stop the sender after it has sent what `how` asks, and wait for it.
    pub fn stop(mut self, how: OnStop) {
        self.finish(how);
    }

    fn finish(&mut self, how: OnStop) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(how);
        }
        if let Some(t) = self.thread.take()
            && t.join().is_err()
        {
            tracing::error!("LED output `{}`: its sender thread crashed", self.name);
        }
    }
}

impl Drop for Sender {
    /// A sender dropped without `stop` (an error unwinding the show) still blacks out or holds
    /// as its output declares: the thread sees the channel close.
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Per universe: what was last sent and when.
struct Sent {
    data: [u8; UNIVERSE_CHANNELS],
    at: Option<Instant>,
    repeats: u8,
    sequence: u8,
}

/// The sender thread's state.
struct Link {
    out: LedOutput,
    layout: Layout,
    frame: Frame,
    sent: Vec<Sent>,
    socket: Option<UdpSocket>,
    bind_failed_at: Option<Instant>,
    /// Destinations currently failing (reported once until they work again).
    failing: HashMap<SocketAddr, bool>,
    cid: sacn::Cid,
    sync_sequence: u8,
    discovery_at: Option<Instant>,
    /// Art-Net: answers ArtPoll (opened on the sender thread when it starts).
    poll: Option<PollListener>,
    health: Arc<LinkHealth>,
}

impl Link {
    fn new(out: LedOutput, layout: Layout, health: Arc<LinkHealth>) -> Self {
        let frame = layout.frame();
        let sent = layout
            .universes()
            .iter()
            .map(|_| Sent { data: [0; UNIVERSE_CHANNELS], at: None, repeats: 0, sequence: 0 })
            .collect();
        let cid =
            if out.protocol == LedProtocol::Sacn { super::cid::for_output(&out.name) } else { sacn::Cid([0; 16]) };
        Self {
            out,
            layout,
            frame,
            sent,
            socket: None,
            bind_failed_at: None,
            failing: HashMap::new(),
            cid,
            sync_sequence: 0,
            discovery_at: None,
            poll: None,
            health,
        }
    }

    fn run(mut self, mut colors: triple_buffer::Output<Vec<[u8; 4]>>, stop: mpsc::Receiver<OnStop>) {
        let period = Duration::from_secs_f64(1.0 / self.out.rate.clamp(1.0, 44.0));
        if self.out.protocol == LedProtocol::ArtNet {
            self.poll = Some(PollListener::open(&self.out));
        }
        let mut next = Instant::now();
        let mut started = false;
        tracing::info!(
            "LED output `{}`: {} universes {:?} by {} to {}",
            self.out.name,
            self.layout.universes().len(),
            self.layout.universes(),
            match self.out.protocol {
                LedProtocol::ArtNet => "Art-Net",
                LedProtocol::Sacn => "sACN",
            },
            self.describe_destinations()
        );
        loop {
            let how = match stop.recv_timeout(next.saturating_duration_since(Instant::now())) {
                Ok(how) => Some(how),
                Err(RecvTimeoutError::Disconnected) => Some(self.out.on_stop),
                Err(RecvTimeoutError::Timeout) => None,
            };
            if let Some(how) = how {
                if how == OnStop::Black {
                    self.black_out();
                }
                return;
            }
            next += period;
            if next < Instant::now() {
                next = Instant::now() + period;
            }
            if colors.update() {
                self.layout.encode(colors.output_buffer(), &mut self.frame);
                started = true;
            }
            // Nothing goes out before the first frame's colours: a sender that replaces another
            // (a reload) must not flash black between the two.
            if started {
                self.send_frame(false, false);
            }
            if let (Some(poll), Some(socket)) = (&mut self.poll, &self.socket) {
                poll.serve(socket, &self.out, self.layout.universes());
            }
        }
    }

    /// Send the universes that changed or are due for keep-alive (`all`: every one), then sync.
    fn send_frame(&mut self, all: bool, terminated: bool) {
        if !self.ensure_socket() {
            return;
        }
        let now = Instant::now();
        let mut any = false;
        for k in 0..self.sent.len() {
            let data = &self.frame.universes[k];
            let s = &mut self.sent[k];
            let changed = s.data != *data;
            let due =
                all || changed || s.repeats < REPEATS || s.at.is_none_or(|at| now.duration_since(at) >= KEEP_ALIVE);
            if !due {
                continue;
            }
            s.repeats = if changed { 0 } else { s.repeats.saturating_add(1) };
            s.data = *data;
            s.at = Some(now);
            s.sequence = match self.out.protocol {
                // Art-Net: 0 means "no sequencing"; count 1..=255.
                LedProtocol::ArtNet => s.sequence % 255 + 1,
                LedProtocol::Sacn => s.sequence.wrapping_add(1),
            };
            let (universe, sequence) = (self.layout.universes()[k], s.sequence);
            self.send_universe(k, universe, sequence, terminated);
            any = true;
        }
        if any && !terminated {
            self.send_sync();
        }
        if self.out.protocol == LedProtocol::Sacn && self.discovery_at.is_none_or(|at| at.elapsed() >= DISCOVERY_EVERY)
        {
            self.discovery_at = Some(now);
            self.send_discovery();
        }
    }

    fn send_universe(&mut self, k: usize, universe: u16, sequence: u8, terminated: bool) {
        let data = self.frame.universes[k];
        match self.out.protocol {
            LedProtocol::ArtNet => {
                let mut buf = [0u8; artnet::ARTDMX_MAX];
                let n = artnet::encode_dmx(&mut buf, sequence, 0, universe, &data);
                for to in self.artnet_targets() {
                    self.send_to(&buf[..n], to);
                }
            }
            LedProtocol::Sacn => {
                let mut buf = [0u8; sacn::DATA_MAX];
                let h = sacn::DataHeader {
                    cid: self.cid,
                    source_name: &self.out.source_name,
                    priority: self.out.priority,
                    sync_address: self.out.sync.unwrap_or(0),
                    sequence,
                    preview: false,
                    terminated,
                    force_sync: false,
                    universe,
                };
                let n = sacn::encode_data(&mut buf, &h, &data);
                for to in self.sacn_targets(universe) {
                    self.send_to(&buf[..n], to);
                }
            }
        }
    }

    fn send_sync(&mut self) {
        let Some(sync) = self.out.sync else { return };
        match self.out.protocol {
            LedProtocol::ArtNet => {
                let mut buf = [0u8; artnet::SYNC_LEN];
                let n = artnet::encode_sync(&mut buf);
                for to in self.artnet_targets() {
                    self.send_to(&buf[..n], to);
                }
            }
            LedProtocol::Sacn => {
                self.sync_sequence = self.sync_sequence.wrapping_add(1);
                let mut buf = [0u8; sacn::SYNC_LEN];
                let n = sacn::encode_sync(&mut buf, &self.cid, self.sync_sequence, sync);
                for to in self.sacn_targets(sync) {
                    self.send_to(&buf[..n], to);
                }
            }
        }
    }

    fn send_discovery(&mut self) {
        let universes = self.layout.universes().to_vec();
        let pages = universes.chunks(512).count().max(1);
        for (page, list) in universes.chunks(512).enumerate() {
            let mut buf = [0u8; sacn::DISCOVERY_MAX];
            let n =
                sacn::encode_discovery(&mut buf, &self.cid, &self.out.source_name, page as u8, (pages - 1) as u8, list);
            for to in self.sacn_targets(sacn::DISCOVERY_UNIVERSE) {
                self.send_to(&buf[..n], to);
            }
        }
    }

    /// Zeros on every universe, then (sACN) three stream-terminated packets per universe.
    fn black_out(&mut self) {
        self.frame.universes.iter_mut().for_each(|u| u.fill(0));
        self.send_frame(true, false);
        if self.out.protocol == LedProtocol::Sacn {
            for _ in 0..3 {
                self.send_frame(true, true);
            }
        }
        tracing::info!("LED output `{}`: stopped, fixtures black", self.out.name);
    }

    fn artnet_targets(&self) -> Vec<SocketAddr> {
        self.out.destinations.iter().copied().chain(self.out.broadcast).collect()
    }

    fn sacn_targets(&self, universe: u16) -> Vec<SocketAddr> {
        if self.out.destinations.is_empty() {
            vec![SocketAddr::new(IpAddr::V4(sacn::multicast_addr(universe)), sacn::PORT)]
        } else {
            self.out.destinations.clone()
        }
    }

    fn describe_destinations(&self) -> String {
        let mut d: Vec<String> = self.out.destinations.iter().map(|a| a.to_string()).collect();
        if let Some(b) = self.out.broadcast {
            d.push(format!("broadcast {b}"));
        }
        if d.is_empty() {
            d.push("multicast 239.255.x.y".into());
        }
        d.join(", ")
    }

    fn send_to(&mut self, packet: &[u8], to: SocketAddr) {
        let Some(socket) = &self.socket else { return };
        let result = socket.send_to(packet, to);
        match &result {
            Ok(_) => self.health.packets.fetch_add(1, Ordering::Relaxed),
            Err(_) => 0,
        };
        let failing = self.failing.entry(to).or_insert(false);
        match result {
            Ok(_) if *failing => {
                *failing = false;
                tracing::info!("LED output `{}`: sending to {to} again", self.out.name);
            }
            Ok(_) => {}
            Err(e) if !*failing => {
                *failing = true;
                tracing::warn!(
                    "LED output `{}`: cannot send to {to}: {e}. Check that the controller is on, wired and \
                     reachable (ping {}), and the output's `to` / `interface`; quai keeps trying every frame \
                     and says when it works again",
                    self.out.name,
                    to.ip()
                );
            }
            Err(_) => {}
        }
        let any = self.failing.values().any(|f| *f);
        self.health.failing.store(any, Ordering::Relaxed);
    }

    /// Bind the sending socket (on the configured interface) if it is not bound yet: retried
    /// once a second, reported once.
    fn ensure_socket(&mut self) -> bool {
        if self.socket.is_some() {
            return true;
        }
        if self.bind_failed_at.is_some_and(|at| at.elapsed() < Duration::from_secs(1)) {
            return false;
        }
        let local = SocketAddr::new(self.out.interface.unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED)), 0);
        match open_socket(local, &self.out) {
            Ok(s) => {
                if self.bind_failed_at.is_some() {
                    tracing::info!("LED output `{}`: interface {} is usable now", self.out.name, local.ip());
                }
                self.socket = Some(s);
                self.bind_failed_at = None;
                true
            }
            Err(e) => {
                self.health.failing.store(true, Ordering::Relaxed);
                if self.bind_failed_at.is_none() {
                    tracing::warn!(
                        "LED output `{}`: cannot send from {}: {e}. Is `interface = \"{}\"` an address of this \
                         machine? `quai devices` lists the network interfaces; quai retries every second",
                        self.out.name,
                        local.ip(),
                        local.ip()
                    );
                }
                self.bind_failed_at = Some(Instant::now());
                false
            }
        }
    }
}

/// A UDP socket on an ephemeral port (receivers on this machine keep 6454 / 5568 to themselves),
/// broadcast allowed when asked, multicast TTL and interface set for sACN.
fn open_socket(local: SocketAddr, out: &LedOutput) -> std::io::Result<UdpSocket> {
    use socket2::{Domain, Protocol, Socket, Type};
    let s = Socket::new(Domain::IPV4, Type::DGRAM, Some(Protocol::UDP))?;
    s.bind(&local.into())?;
    if out.broadcast.is_some() {
        s.set_broadcast(true)?;
    }
    if out.protocol == LedProtocol::Sacn {
        s.set_multicast_ttl_v4(out.ttl)?;
        if let IpAddr::V4(ip) = local.ip()
            && !ip.is_unspecified()
        {
            s.set_multicast_if_v4(&ip)?;
        }
    }
    Ok(s.into())
}
