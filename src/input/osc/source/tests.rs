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

#[test]
fn address_in_use_says_what_to_do() {
    let holder = UdpSocket::bind("127.0.0.1:0").unwrap();
    let taken = holder.local_addr().unwrap();
    let queue = EventQueue::new(8);
    let err = OscInput::spawn("phone".into(), taken, AllowList::everyone(), queue, || 0.0).err().unwrap();
    assert_eq!(
        err.to_string(),
        format!(
            "OSC input `phone`: cannot bind {taken}: address in use (is another program listening? choose another port)"
        )
    );
}

#[test]
fn log_throttle_once_a_second() {
    let mut throttle = LogThrottle::default();
    assert!(throttle.ready());
    assert!(!throttle.ready());
    throttle.warn(|| unreachable!("not due yet"));
    assert_eq!(throttle.suppressed, 2);
}
