//! Art-Net discovery: an Art-Net output answers ArtPoll with ArtPollReply (its universes, in
//! groups of four per reply as the spec has it), so quai shows up in node-discovery tools
//! (DMX-Workshop, OLA, consoles). Listens on the broadcast addresses of the output's interface
//! (or of every interface) at port 6454, sharing the port (SO_REUSEADDR / SO_REUSEPORT): a socket
//! bound to a broadcast address receives broadcasts only, so it never takes the unicast DMX that a
//! receiver on the same machine (olad) listens for. An ArtPoll sent unicast to this machine goes
//! to that receiver, not to quai. Polled without blocking from the sender thread, once per frame;
//! malformed packets are counted, never fatal.

use std::net::{IpAddr, Ipv4Addr, SocketAddr, UdpSocket};

use super::artnet::{self, ArtPacket};
use crate::scene::led::LedOutput;

pub struct PollListener {
    /// Each socket and the node address to announce for it (the interface's own address).
    sockets: Vec<(UdpSocket, Ipv4Addr)>,
    /// ArtPoll packets answered, and packets on the port that did not parse.
    pub answered: u64,
    pub malformed: u64,
}

impl PollListener {
    /// Listen for ArtPoll on the broadcast addresses that `out` sends on. Interfaces that cannot
    /// be listened on are left out (logged at debug level); none at all is fine.
    pub fn open(out: &LedOutput) -> Self {
        let mut sockets = Vec::new();
        for iface in crate::app::devices::interfaces().into_iter().filter(|i| i.up) {
            for (ip, _, broadcast) in iface.ipv4 {
                let Some(bcast) = broadcast else { continue };
                if out.interface.is_some_and(|want| want != IpAddr::V4(ip)) {
                    continue;
                }
                match bind_shared(SocketAddr::new(IpAddr::V4(bcast), artnet::PORT)) {
                    Ok(s) => sockets.push((s, ip)),
                    Err(e) => tracing::debug!("Art-Net output `{}`: no ArtPoll listener on {bcast}: {e}", out.name),
                }
            }
        }
        if !sockets.is_empty() {
            let on: Vec<String> =
                sockets.iter().map(|(s, _)| s.local_addr().map(|a| a.to_string()).unwrap_or_default()).collect();
            tracing::debug!("Art-Net output `{}`: answering ArtPoll on {}", out.name, on.join(", "));
        }
        Self { sockets, answered: 0, malformed: 0 }
    }

    /// Answer every ArtPoll waiting, from `socket` (the output's sending socket).
    pub fn serve(&mut self, socket: &UdpSocket, out: &LedOutput, universes: &[u16]) {
        let mut buf = [0u8; 1500];
        for (listener, node_ip) in &self.sockets {
            while let Ok((n, from)) = listener.recv_from(&mut buf) {
                match artnet::parse(&buf[..n]) {
                    Ok(ArtPacket::Poll { .. }) => {
                        self.answered += 1;
                        reply(socket, out, universes, *node_ip, from);
                    }
                    Ok(_) => {}
                    Err(e) => {
                        if self.malformed == 0 {
                            tracing::warn!(
                                "Art-Net output `{}`: malformed packet from {from} on the ArtPoll port: {e} (further \
                                 ones are only counted)",
                                out.name
                            );
                        }
                        self.malformed += 1;
                    }
                }
            }
        }
    }
}

/// One ArtPollReply per group of up to four port-addresses sharing Net and Sub-Net, sent to the
/// poller at port 6454.
fn reply(socket: &UdpSocket, out: &LedOutput, universes: &[u16], node_ip: Ipv4Addr, from: SocketAddr) {
    let long_name = format!("quai LED output `{}`", out.name);
    let report = format!("#0001 [{:04}] quai: sending {} universes", 0, universes.len());
    let to = SocketAddr::new(from.ip(), artnet::PORT);
    for (i, group) in artnet::poll_reply_groups(universes).enumerate() {
        let r = artnet::PollReply {
            ip: node_ip,
            port: artnet::PORT,
            version: 1,
            short_name: &out.source_name,
            long_name: &long_name,
            node_report: &report,
            port_addresses: group,
            mac: [0; 6],
            bind_index: (i + 1).min(255) as u8,
        };
        let mut packet = [0u8; artnet::POLL_REPLY_LEN];
        let n = artnet::encode_poll_reply(&mut packet, &r);
        if let Err(e) = socket.send_to(&packet[..n], to) {
            tracing::debug!("Art-Net output `{}`: ArtPollReply to {to}: {e}", out.name);
        }
    }
}

fn bind_shared(addr: SocketAddr) -> std::io::Result<UdpSocket> {
    use socket2::{Domain, Protocol, Socket, Type};
    let s = Socket::new(Domain::IPV4, Type::DGRAM, Some(Protocol::UDP))?;
    s.set_reuse_address(true)?;
    #[cfg(unix)]
    s.set_reuse_port(true)?;
    s.set_broadcast(true)?;
    s.bind(&addr.into())?;
    s.set_nonblocking(true)?;
    Ok(s.into())
}
