//! OSC output: parameter feedback to a controller (a fader app showing where the show's values
//! are), one `/addr f value` datagram per send. Created on scene load; `send` is called by the
//! render thread and never blocks (a non-blocking socket: a full send buffer drops the value) nor
//! panics; failures are counted and logged at most once a second.

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, ToSocketAddrs, UdpSocket};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use rosc::{OscMessage, OscPacket, OscType};

use crate::input::osc::source::{LogThrottle, OscError, parse_bind};

/// Where parameter feedback goes.
#[derive(Debug)]
pub struct OscOutput {
    /// As the scene wrote it, for messages.
    dest_text: String,
    dest: SocketAddr,
    socket: UdpSocket,
    sent: AtomicU64,
    failed: AtomicU64,
    log: Mutex<LogThrottle>,
}

impl OscOutput {
    /// `dest` is `host:port` (`192.168.1.30:9000`, `lights.local:8000`, `[::1]:9000`) or a port
    /// alone (this machine). Host names are resolved once, here.
    pub fn new(dest: &str) -> Result<Self, OscError> {
        let bad_dest = || OscError::BadDest { dest: dest.to_string() };
        let addr = match parse_bind(dest) {
            Ok(addr) => addr,
            Err(_) => dest.trim().to_socket_addrs().ok().and_then(|mut addrs| addrs.next()).ok_or_else(bad_dest)?,
        };
        if addr.port() == 0 {
            return Err(bad_dest());
        }
        let local: SocketAddr =
            if addr.is_ipv4() { (Ipv4Addr::UNSPECIFIED, 0).into() } else { (Ipv6Addr::UNSPECIFIED, 0).into() };
        let socket_error = |source| OscError::OutputSocket { dest: dest.to_string(), source };
        let socket = UdpSocket::bind(local).map_err(socket_error)?;
        socket.set_nonblocking(true).map_err(socket_error)?;
        Ok(Self {
            dest_text: dest.to_string(),
            dest: addr,
            socket,
            sent: AtomicU64::new(0),
            failed: AtomicU64::new(0),
            log: Mutex::new(LogThrottle::default()),
        })
    }

    /// Sends `/addr f value`. Never blocks, never panics; a failure is counted and logged.
    pub fn send(&self, addr: &str, value: f32) {
        if !addr.starts_with('/') {
            return self.fail(|| format!("address `{addr}` does not start with `/`"));
        }
        let packet = OscPacket::Message(OscMessage { addr: addr.to_string(), args: vec![OscType::Float(value)] });
        let bytes = match rosc::encoder::encode(&packet) {
            Ok(bytes) => bytes,
            Err(e) => return self.fail(|| format!("cannot encode `{addr}`: {e}")),
        };
        match self.socket.send_to(&bytes, self.dest) {
            Ok(_) => {
                self.sent.fetch_add(1, Ordering::Relaxed);
            }
            Err(e) => self.fail(|| format!("cannot send `{addr}` to {}: {e}", self.dest)),
        }
    }

    /// The resolved destination.
    pub fn dest(&self) -> SocketAddr {
        self.dest
    }

    /// Messages handed to the network.
    pub fn sent(&self) -> u64 {
        self.sent.load(Ordering::Relaxed)
    }

    /// Messages not sent (bad address, network error, full send buffer).
    pub fn failed(&self) -> u64 {
        self.failed.load(Ordering::Relaxed)
    }

    fn fail(&self, why: impl FnOnce() -> String) {
        self.failed.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut throttle) = self.log.lock() {
            throttle.warn(|| format!("OSC output `{}`: {}", self.dest_text, why()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn sends_addr_and_float() {
        let receiver = UdpSocket::bind("127.0.0.1:0").unwrap();
        receiver.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let out = OscOutput::new(&receiver.local_addr().unwrap().to_string()).unwrap();
        out.send("/fader/1", 0.25);
        let mut buf = [0u8; 1024];
        let (len, _) = receiver.recv_from(&mut buf).unwrap();
        let (_, packet) = rosc::decoder::decode_udp(&buf[..len]).unwrap();
        let want = OscMessage { addr: "/fader/1".into(), args: vec![OscType::Float(0.25)] };
        assert_eq!(packet, OscPacket::Message(want));
        assert_eq!((out.sent(), out.failed()), (1, 0));
    }

    #[test]
    fn port_alone_means_this_machine() {
        assert_eq!(OscOutput::new("9000").unwrap().dest(), "127.0.0.1:9000".parse().unwrap());
        assert_eq!(OscOutput::new("localhost:9000").unwrap().dest(), "127.0.0.1:9000".parse().unwrap());
    }

    #[test]
    fn bad_destinations_are_named() {
        for bad in ["", "lights", "127.0.0.1:0", "127.0.0.1:99999"] {
            let err = OscOutput::new(bad).unwrap_err();
            assert!(matches!(err, OscError::BadDest { .. }), "{bad}: {err}");
            assert!(err.to_string().starts_with(&format!("OSC output `{bad}`: ")), "{err}");
        }
    }

    #[test]
    fn failures_are_counted_not_panicked() {
        let out = OscOutput::new("127.0.0.1:9").unwrap();
        out.send("no-slash", 1.0);
        out.send("no-slash", 1.0);
        assert_eq!(out.failed(), 2);
        // Nobody listens on the discard port: UDP does not care, and neither do we.
        out.send("/x", f32::NAN);
        assert_eq!(out.failed() + out.sent(), 3);
    }
}
