//! The sockets of `quai monitor --artnet / --sacn`: UDP 6454 and 5568 opened with SO_REUSEADDR
//! and SO_REUSEPORT (so the monitor can run beside olad or a quai show), the sACN multicast groups
//! joined, and non-blocking reads drained into a [`LedView`] by the monitor's (main) thread.

use std::io::{self, Write};
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4, UdpSocket};
use std::time::Instant;

use socket2::{Domain, Protocol, Socket, Type};

use super::led_view::LedView;
use crate::output::led::{artnet, sacn};

/// Receive buffer asked of the kernel: a second of 40 packets/s on 40 universes, with room.
const RECV_BUFFER: usize = 4 << 20;
/// Datagrams read per socket per call of [`LedMonitor::poll`], so one flood cannot starve the rest.
const READS_PER_POLL: usize = 4096;

/// What `--artnet`, `--sacn` and `--interface` ask for.
#[derive(Debug, Clone, Default)]
pub struct LedOptions {
    /// The local address to hear Art-Net on (port 6454), or `None` for no Art-Net.
    pub artnet: Option<Ipv4Addr>,
    /// sACN universes, 1..=63999.
    pub sacn: Vec<u16>,
    /// The interface (its address) that joins the sACN multicast groups; `None`: the kernel's pick.
    pub interface: Option<Ipv4Addr>,
}

#[derive(Debug, thiserror::Error)]
#[error("{proto}: cannot listen on UDP {addr}: {reason}")]
pub struct BindError {
    proto: &'static str,
    addr: SocketAddrV4,
    reason: String,
}

/// The open sockets and what they heard.
pub struct LedMonitor {
    artnet: Option<UdpSocket>,
    sacn: Option<UdpSocket>,
    view: LedView,
    buf: Vec<u8>,
}

impl LedMonitor {
    /// Opens the sockets `opts` asks for (none: `Ok(None)`), saying on stderr what it listens to.
    /// A multicast group that cannot be joined is reported and skipped: unicast still arrives.
    pub fn open(opts: &LedOptions) -> Result<Option<LedMonitor>, BindError> {
        if opts.artnet.is_none() && opts.sacn.is_empty() {
            return Ok(None);
        }
        let artnet = match opts.artnet {
            Some(ip) => {
                let addr = SocketAddrV4::new(ip, artnet::PORT);
                let socket = bind("Art-Net", addr)?;
                let hears = if ip.is_unspecified() { " (unicast and broadcast)" } else { " (unicast to it only)" };
                eprintln!("artnet: listening on {addr}{hears}");
                Some(socket)
            }
            None => None,
        };
        let sacn = if opts.sacn.is_empty() {
            None
        } else {
            let addr = SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, sacn::PORT);
            let socket = bind("sACN", addr)?;
            let interface = opts.interface.unwrap_or(Ipv4Addr::UNSPECIFIED);
            let on = match opts.interface {
                None => "the default interface".to_string(),
                Some(ip) => format!("interface {ip}"),
            };
            for &u in &opts.sacn {
                let group = sacn::multicast_addr(u);
                match socket.join_multicast_v4(&group, &interface) {
                    Ok(()) => eprintln!("sacn: universe {u}: joined {group} on {on}"),
                    Err(e) => eprintln!(
                        "sacn: universe {u}: cannot join {group} on {on}: {e} (unicast to {addr} still arrives; \
                         choose a multicast-capable interface with --interface, see `quai devices`)"
                    ),
                }
            }
            eprintln!("sacn: listening on {addr} for universes {}", list(&opts.sacn));
            Some(socket)
        };
        Ok(Some(LedMonitor { artnet, sacn, view: LedView::new(opts.artnet.is_some(), &opts.sacn), buf: vec![0; 2048] }))
    }

    /// Reads every datagram waiting, prints what is due, and returns without blocking.
    pub fn poll(&mut self, out: &mut dyn Write) {
        let now = Instant::now();
        for (socket, is_artnet) in [(&self.artnet, true), (&self.sacn, false)] {
            let Some(socket) = socket else { continue };
            for _ in 0..READS_PER_POLL {
                match socket.recv_from(&mut self.buf) {
                    Ok((n, from)) if is_artnet => self.view.artnet(from, &self.buf[..n], now, out),
                    Ok((n, from)) => self.view.sacn(from, &self.buf[..n], now, out),
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    // ICMP errors surface here on some systems; the next read goes on.
                    Err(_) => break,
                }
            }
        }
        self.view.tick(now, out);
    }

    /// Parts of the once-a-second summary line.
    pub fn summary(&mut self) -> Vec<String> {
        self.view.summary()
    }
}

/// A non-blocking UDP socket on `addr` that shares the port (SO_REUSEADDR, and SO_REUSEPORT
/// where there is one).
fn bind(proto: &'static str, addr: SocketAddrV4) -> Result<UdpSocket, BindError> {
    let fail = |e: io::Error| BindError { proto, addr, reason: reason(&e, addr) };
    let socket = Socket::new(Domain::IPV4, Type::DGRAM, Some(Protocol::UDP)).map_err(fail)?;
    socket.set_reuse_address(true).map_err(fail)?;
    #[cfg(all(unix, not(any(target_os = "solaris", target_os = "illumos"))))]
    socket.set_reuse_port(true).map_err(fail)?;
    let _ = socket.set_recv_buffer_size(RECV_BUFFER); // best effort: the kernel caps it
    socket.bind(&SocketAddr::V4(addr).into()).map_err(fail)?;
    socket.set_nonblocking(true).map_err(fail)?;
    Ok(socket.into())
}

fn reason(e: &io::Error, addr: SocketAddrV4) -> String {
    let port = addr.port();
    match e.kind() {
        io::ErrorKind::AddrInUse => format!(
            "port {port} is held by a program that does not share it (no SO_REUSEADDR); \
             `ss -ulpn 'sport = :{port}'` names it: stop it, or run the monitor on another machine"
        ),
        io::ErrorKind::AddrNotAvailable => format!(
            "no network interface has the address {} (`quai devices` lists them; 0.0.0.0 listens on all)",
            addr.ip()
        ),
        io::ErrorKind::PermissionDenied => {
            format!("permission denied for port {port} (a firewall or security policy; try as another user)")
        }
        _ => format!("{e} (port {port})"),
    }
}

fn list(universes: &[u16]) -> String {
    universes.iter().map(u16::to_string).collect::<Vec<_>>().join(", ")
}
