//! Tests for `source`: reading `bind`, bind errors, log throttling (end-to-end tests: tests/osc_input.rs).

use super::*;

#[test]
fn parse_bind_forms() {
    let cases = [
        ("9000", "127.0.0.1:9000"),
        (":9000", "127.0.0.1:9000"),
        (" 9000 ", "127.0.0.1:9000"),
        ("localhost:9000", "127.0.0.1:9000"),
        ("127.0.0.1:9000", "127.0.0.1:9000"),
        ("0.0.0.0:9000", "0.0.0.0:9000"),
        ("[::1]:9000", "[::1]:9000"),
        ("[::]:9000", "[::]:9000"),
    ];
    for (text, want) in cases {
        assert_eq!(parse_bind(text).unwrap(), want.parse::<SocketAddr>().unwrap(), "{text}");
    }
    for bad in ["", "port", "90000", "127.0.0.1", "::1:9000", "phone.local:9000", "-1"] {
        let err = parse_bind(bad).unwrap_err();
        assert!(matches!(err, OscError::BadBind { .. }), "{bad}");
        assert!(err.to_string().contains(&format!("`{bad}`")), "{err}");
    }
}

/// A port another program holds at start is bound once it is freed, and messages arrive then
/// (a show once ran deaf all night because a busy port was never tried again).
#[test]
fn a_busy_port_is_bound_once_it_is_free() {
    let holder = UdpSocket::bind("127.0.0.1:0").unwrap();
    let taken = holder.local_addr().unwrap();
    let queue = EventQueue::new(8);
    let input = OscInput::spawn("phone".into(), taken, AllowList::everyone(), queue.clone(), || 0.0).expect("spawn");
    std::thread::sleep(Duration::from_millis(200));
    drop(holder);
    let sender = UdpSocket::bind("127.0.0.1:0").unwrap();
    let msg = rosc::encoder::encode(&rosc::OscPacket::Message(rosc::OscMessage {
        addr: "/fader".into(),
        args: vec![rosc::OscType::Float(0.5)],
    }))
    .unwrap();
    let start = Instant::now();
    while input.stats().messages() == 0 {
        assert!(start.elapsed() < Duration::from_secs(10), "the freed port was never bound");
        let _ = sender.send_to(&msg, taken);
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Errors that do not go away by waiting are still reported at once, saying what to do.
#[test]
fn permission_denied_says_what_to_do() {
    let e = io::Error::from(io::ErrorKind::PermissionDenied);
    assert!(!retryable(&e));
    assert!(bind_reason(&e).contains("ports below 1024"));
    assert!(bind_reason(&io::Error::from(io::ErrorKind::AddrInUse)).contains("choose another port"));
    assert!(retryable(&io::Error::from(io::ErrorKind::AddrInUse)));
}

#[test]
fn log_throttle_once_a_second() {
    let mut throttle = LogThrottle::default();
    assert!(throttle.ready());
    assert!(!throttle.ready());
    throttle.warn(|| unreachable!("not due yet"));
    assert_eq!(throttle.suppressed, 2);
}
