//! quai's OSC against a client and a server nobody on this project wrote: liblo's `oscsend` and
//! `oscdump` (Debian/Ubuntu package `liblo-tools`). Missing tools fail the test, naming the package.
//! (In quai: `use quai::input::...` instead of `quai::input::...`.)

use std::io::{BufRead, BufReader};
use std::net::UdpSocket;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use quai::input::event::{EventKind, EventQueue, InputEvent, OscValue};
use quai::input::osc::{AllowList, OscInput, OscOutput};

fn liblo_tool(name: &str) -> Command {
    let found = Command::new(name).stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok();
    assert!(found, "`{name}` not found: install the `liblo-tools` package (apt-get install liblo-tools)");
    Command::new(name)
}

fn oscsend(port: u16, addr: &str, types: &str, values: &[&str]) {
    let status = liblo_tool("oscsend").arg("127.0.0.1").arg(port.to_string()).args([addr, types]).args(values).status();
    assert!(status.as_ref().is_ok_and(|s| s.success()), "oscsend {addr} {types} {values:?}: {status:?}");
}

fn receive(osc: &OscInput, queue: &EventQueue, packets: u64) -> Vec<InputEvent> {
    let deadline = Instant::now() + Duration::from_secs(5);
    while osc.stats().packets() < packets {
        assert!(Instant::now() < deadline, "oscsend's packet never arrived");
        std::thread::sleep(Duration::from_millis(2));
    }
    let mut events = Vec::new();
    queue.drain(|e| events.push(e));
    events
}

#[test]
fn oscsend_reaches_the_input() {
    let queue = EventQueue::new(16);
    let bind = "127.0.0.1:0".parse().unwrap();
    let osc = OscInput::spawn("phone".into(), bind, AllowList::everyone(), queue.clone(), || 7.0).unwrap();
    let port = osc.local_addr().port();

    oscsend(port, "/sensor/distance", "f", &["123.5"]);
    let events = receive(&osc, &queue, 1);
    let want = EventKind::Osc { addr: "/sensor/distance".into(), args: vec![OscValue::Float(123.5)] };
    assert_eq!(events, [InputEvent { t: 7.0, input: "phone".into(), kind: want }]);

    // Every type oscsend can write; `S` (symbol) is one rosc alone would refuse, `m` is skipped.
    oscsend(port, "/sensor/all", "ihfdsScmTFNI", &["-3", "5000000000", "0.5", "0.25", "hi", "sym", "x", "00904000"]);
    let events = receive(&osc, &queue, 2);
    use OscValue::*;
    let want = vec![
        Int(-3),
        Int(5_000_000_000),
        Float(0.5),
        Float(0.25),
        Str("hi".into()),
        Str("sym".into()),
        Str("x".into()),
        Bool(true),
        Bool(false),
        Nil,
        Nil,
    ];
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].kind, EventKind::Osc { addr: "/sensor/all".into(), args: want });
    assert_eq!(osc.stats().malformed(), 0);
}

#[test]
fn oscdump_hears_the_output() {
    let port = {
        let probe = UdpSocket::bind("127.0.0.1:0").unwrap();
        probe.local_addr().unwrap().port()
    };
    let mut dump = liblo_tool("oscdump").args(["-L", &port.to_string()]).stdout(Stdio::piped()).spawn().unwrap();
    let (lines_tx, lines) = mpsc::channel();
    let stdout = dump.stdout.take().unwrap();
    std::thread::spawn(move || BufReader::new(stdout).lines().map_while(Result::ok).try_for_each(|l| lines_tx.send(l)));

    let out = OscOutput::new(&format!("localhost:{port}")).unwrap();
    // oscdump takes a moment to start listening: send until it prints.
    let deadline = Instant::now() + Duration::from_secs(5);
    let line = loop {
        out.send("/fader/1", 0.25);
        if let Ok(line) = lines.recv_timeout(Duration::from_millis(100)) {
            break line;
        }
        assert!(Instant::now() < deadline, "oscdump printed nothing");
    };
    let _ = dump.kill();
    let _ = dump.wait();
    assert!(line.ends_with("/fader/1 f 0.250000"), "oscdump printed {line:?}");
}
