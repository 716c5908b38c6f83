//! One `[[outputs]]` entry of kind `artnet` or `sacn`: its settings, and its addresses resolved now
//! (a host name is looked up once, at load time, so a typo shows up in `quai check`, not mid-show).

use std::net::{IpAddr, Ipv4Addr, SocketAddr, SocketAddrV4, ToSocketAddrs};

use serde_spanned::Spanned;

use super::super::super::file::{OnStopFile, OutputFile, SyncFile};
use super::super::super::led::{LedOutput, LedProtocol, OnStop};
use super::super::super::load::FileId;
use super::super::{Ctx, whole};

/// The `sync` setting; the default's universe is only known once the fixtures are.
#[derive(Debug, Clone, Copy)]
pub(super) enum Sync {
    Default,
    Off,
    Universe(u16),
}

/// Longest source name: sACN's field is 64 bytes with a terminating zero (Art-Net's long name too).
const MAX_SOURCE_NAME: usize = 63;

pub(super) fn check(
    cx: &mut Ctx,
    file: FileId,
    name: &Spanned<String>,
    protocol: LedProtocol,
    o: &OutputFile,
) -> Option<(LedOutput, Sync)> {
    let n = name.get_ref();
    let kind = word(protocol);
    cx.context = format!(" in output `{n}`");
    let port = protocol.port();
    let mut ok = true;
    let mut destinations = Vec::new();
    for to in o.to.iter().flat_map(|t| t.get_ref()) {
        match destination(to.get_ref(), port) {
            Ok(a) => destinations.push(a),
            Err(why) => {
                ok = false;
                cx.err(
                    file,
                    to.span(),
                    format!("{kind} output `{n}`: destination `{}` {why}", to.get_ref()),
                    "write an IPv4 address or a host name, with an optional port: \"192.168.1.50\", \"10.0.0.7:6454\", \"controller.local\"".to_string(),
                );
            }
        }
    }
    let broadcast = match &o.broadcast {
        Some(b) if protocol == LedProtocol::ArtNet => match destination(b.get_ref(), port) {
            Ok(a) => Some(a),
            Err(why) => {
                ok = false;
                cx.err(
                    file,
                    b.span(),
                    format!("artnet output `{n}`: broadcast address `{}` {why}", b.get_ref()),
                    "use the directed broadcast address of the LED network, e.g. \"2.255.255.255\" or \"192.168.1.255\"".to_string(),
                );
                None
            }
        },
        _ => None,
    };
    if protocol == LedProtocol::ArtNet && destinations.is_empty() && broadcast.is_none() && ok {
        let at = o.to.as_ref().map(|t| t.span()).unwrap_or(name.span());
        cx.err(
            file,
            at,
            format!("artnet output `{n}` has nowhere to send"),
            "add to = [\"192.168.1.50\"] (the LED controller's address), or broadcast = \"2.255.255.255\"".to_string(),
        );
    }
    let interface = match &o.interface {
        None => None,
        Some(i) => match i.get_ref().parse::<Ipv4Addr>() {
            Ok(a) => Some(IpAddr::V4(a)),
            Err(_) => {
                cx.err(
                    file,
                    i.span(),
                    format!("{kind} output `{n}`: interface `{}` is not an IPv4 address", i.get_ref()),
                    "give this machine's address on the LED network, e.g. interface = \"192.168.1.10\" (`ip -4 addr` lists them)".to_string(),
                );
                None
            }
        },
    };
    let rate = match &o.rate {
        Some(r) => cx.ranged(file, r, "rate", 1.0, 44.0).map(|_| *r.get_ref()).unwrap_or(40.0),
        None => 40.0,
    };
    let on_stop = match o.on_stop.as_ref().map(|s| *s.get_ref()) {
        Some(OnStopFile::Hold) => OnStop::Hold,
        Some(OnStopFile::Black) | None => OnStop::Black,
    };
    let sacn = protocol == LedProtocol::Sacn;
    let priority = match &o.priority {
        Some(p) if sacn => whole(cx, file, p, "priority", 0, 200).unwrap_or(100) as u8,
        _ => 100,
    };
    let source_name = match &o.source_name {
        Some(s) if s.get_ref().len() > MAX_SOURCE_NAME => {
            cx.err(
                file,
                s.span(),
                format!("source_name of output `{n}` is {} bytes long", s.get_ref().len()),
                format!("receivers show at most {MAX_SOURCE_NAME} bytes; shorten it"),
            );
            s.get_ref().clone()
        }
        Some(s) => s.get_ref().clone(),
        None => format!("quai {n}"),
    };
    let ttl = match &o.ttl {
        Some(t) if sacn && !destinations.is_empty() => {
            cx.err(
                file,
                t.span(),
                format!("`ttl` does not apply to sacn output `{n}`: it sends unicast to `to`"),
                "ttl is for multicast (no `to`); remove it here".to_string(),
            );
            1
        }
        Some(t) if sacn => whole(cx, file, t, "ttl", 1, 255).unwrap_or(1) as u32,
        _ => 1,
    };
    let sync = match o.sync.as_ref().map(|s| (s, *s.get_ref())) {
        None | Some((_, SyncFile::On(true))) => Sync::Default,
        Some((_, SyncFile::On(false))) => Sync::Off,
        Some((s, SyncFile::Universe(_))) if !sacn => {
            cx.err(
                file,
                s.span(),
                format!("artnet output `{n}`: a sync universe is an sACN setting"),
                "Art-Net synchronises with ArtSync: write sync = true (the default) or sync = false".to_string(),
            );
            Sync::Default
        }
        Some((s, SyncFile::Universe(u))) => {
            let (lo, hi) = protocol.universes();
            let spanned = Spanned::new(s.span(), u);
            whole(cx, file, &spanned, "sync universe", lo.into(), hi.into())
                .map_or(Sync::Default, |u| Sync::Universe(u as u16))
        }
    };
    cx.context.clear();
    let output = LedOutput {
        name: n.clone(),
        protocol,
        destinations,
        broadcast,
        interface,
        rate,
        on_stop,
        priority,
        source_name,
        ttl,
        sync: None,
        fixtures: Vec::new(),
    };
    Some((output, sync))
}

pub(super) fn word(protocol: LedProtocol) -> &'static str {
    match protocol {
        LedProtocol::ArtNet => "artnet",
        LedProtocol::Sacn => "sacn",
    }
}

/// `"host"` or `"host:port"` → an IPv4 socket address; `Err` says why not, after the value.
fn destination(s: &str, default_port: u16) -> Result<SocketAddr, String> {
    if let Ok(a) = s.parse::<SocketAddrV4>() {
        return nonzero(SocketAddr::V4(a));
    }
    if let Ok(ip) = s.parse::<Ipv4Addr>() {
        return Ok(SocketAddr::V4(SocketAddrV4::new(ip, default_port)));
    }
    if s.parse::<std::net::Ipv6Addr>().is_ok() || s.parse::<std::net::SocketAddrV6>().is_ok() {
        return Err("is an IPv6 address; Art-Net and sACN outputs use IPv4".into());
    }
    let (host, port) = match s.rsplit_once(':') {
        Some((h, p)) => match p.parse::<u16>() {
            Ok(p) => (h, p),
            Err(_) => return Err(format!("has `{p}` where a port number (1..65535) belongs")),
        },
        None => (s, default_port),
    };
    if host.trim().is_empty() {
        return Err("has no host".into());
    }
    match (host, port).to_socket_addrs() {
        Err(e) => Err(format!("does not resolve ({e})")),
        Ok(addrs) => match addrs.into_iter().find(SocketAddr::is_ipv4) {
            Some(a) => nonzero(a),
            None => Err("has no IPv4 address".into()),
        },
    }
}

fn nonzero(a: SocketAddr) -> Result<SocketAddr, String> {
    if a.port() == 0 { Err("has port 0; leave the port out for the protocol's own".into()) } else { Ok(a) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn destinations_default_the_port_and_resolve_names() {
        assert_eq!(destination("10.0.0.7", 6454), Ok("10.0.0.7:6454".parse().unwrap()));
        assert_eq!(destination("10.0.0.7:7000", 6454), Ok("10.0.0.7:7000".parse().unwrap()));
        assert_eq!(destination("localhost", 5568).map(|a| a.port()), Ok(5568));
        assert!(destination("::1", 5568).unwrap_err().contains("IPv6"));
        assert!(destination("10.0.0.7:x", 5568).unwrap_err().contains("port"));
        assert!(destination("10.0.0.7:0", 5568).is_err());
    }
}
