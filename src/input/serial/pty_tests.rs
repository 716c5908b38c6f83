//! Serial source tests against a real peer: a `socat` PTY pair whose one end the test writes and
//! whose other end (through socat's symlink, so re-resolution is exercised) the source reads.
//! Run on `cargo test` threads; every wait is bounded.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::source::{Framing, READ_TIMEOUT, RETRY_MAX, SerialInput, SerialState};
use super::{LineProtocol, PortSpec, parse_line};
use crate::input::event::{EventKind, EventQueue, InputEvent};
use crate::input::osc::slip;

/// A socat PTY pair: bytes written to `a` come out of `b`. Killed on drop.
struct Socat {
    child: Child,
    a: PathBuf,
    b: PathBuf,
}

impl Socat {
    fn start(dir: &Path) -> Socat {
        let (a, b) = (dir.join("a"), dir.join("b"));
        let end = |p: &Path| format!("pty,raw,echo=0,link={}", p.display());
        let child = Command::new("socat")
            .args([end(&a), end(&b)])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot run `socat` ({e}): install the `socat` package (apt-get install socat)")
            });
        let s = Socat { child, a, b };
        wait_for(Duration::from_secs(5), "socat to create its PTY links", || {
            s.a.canonicalize().is_ok() && s.b.canonicalize().is_ok()
        });
        s
    }

    /// Writes to end `a`, to come out at `b`.
    fn send(&self, bytes: &[u8]) {
        let mut f = std::fs::OpenOptions::new().write(true).open(&self.a).unwrap();
        f.write_all(bytes).unwrap();
    }

    /// SIGKILL: the PTYs vanish, like a yanked USB cable; the links go too, as udev removes
    /// /dev/serial/by-id links on unplug (a dangling link could meet a reused pts number that
    /// belongs to another test's pair).
    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.a);
        let _ = std::fs::remove_file(&self.b);
    }
}

impl Drop for Socat {
    fn drop(&mut self) {
        self.kill();
    }
}

fn wait_for(timeout: Duration, what: &str, mut f: impl FnMut() -> bool) {
    let start = Instant::now();
    while !f() {
        assert!(start.elapsed() < timeout, "timed out after {timeout:?} waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn lines_input(name: &str, spec: PortSpec, max_len: usize) -> (SerialInput, Arc<EventQueue>) {
    let queue = EventQueue::new(1024);
    let input = SerialInput::spawn(name.into(), spec, 115_200, Framing::Lines { max_len }, queue.clone(), || 7.5);
    (input, queue)
}

/// Drains `queue` into `got` until `want` lines have arrived (bounded).
fn collect(queue: &EventQueue, got: &mut Vec<InputEvent>, want: usize, what: &str) {
    wait_for(Duration::from_secs(5), what, || {
        queue.drain(|e| got.push(e));
        got.len() >= want
    });
}

fn lines(events: &[InputEvent]) -> Vec<&str> {
    events
        .iter()
        .map(|e| match &e.kind {
            EventKind::Serial { line } => line.as_str(),
            other => panic!("{other:?}"),
        })
        .collect()
}

fn connected_path(input: &SerialInput) -> Option<PathBuf> {
    match input.stats().state() {
        SerialState::Connected(p) => Some(p),
        _ => None,
    }
}

#[test]
fn lines_arrive_through_the_symlink() {
    let dir = tempfile::tempdir().unwrap();
    let peer = Socat::start(dir.path());
    let (input, queue) = lines_input("lab", PortSpec::Path(peer.b.clone()), 256);
    wait_for(Duration::from_secs(3), "connect", || connected_path(&input).is_some());
    assert_eq!(connected_path(&input), peer.b.canonicalize().ok(), "state names the resolved node");
    // The first line after connecting may be partial and is skipped: lead with a line end.
    peer.send(b"\ndist 412\r\ndist=413 light=80\n");
    let mut got = vec![];
    collect(&queue, &mut got, 2, "two lines");
    assert_eq!(lines(&got), ["dist 412", "dist=413 light=80"]);
    assert!(got.iter().all(|e| e.t == 7.5 && &*e.input == "lab"));
    let mut parsed = vec![];
    parse_line(&LineProtocol::NameValue, lines(&got)[1], &mut parsed).unwrap();
    assert_eq!(parsed, [("dist".to_string(), 413.0), ("light".to_string(), 80.0)]);
    assert_eq!((input.stats().lines(), input.stats().garbled(), input.stats().reconnects()), (2, 0, 0));
}

/// Yank the "cable" mid-stream, plug it back (a new PTY pair behind the same links):
/// the source reports Disconnected, then reconnects within the maximum backoff and values flow.
#[test]
fn reconnects_when_the_peer_comes_back() {
    let dir = tempfile::tempdir().unwrap();
    let mut peer = Socat::start(dir.path());
    let (input, queue) = lines_input("lab", PortSpec::Path(peer.b.clone()), 256);
    wait_for(Duration::from_secs(3), "connect", || connected_path(&input).is_some());
    let first = connected_path(&input);
    peer.send(b"\nv 1\n");
    let mut got = vec![];
    collect(&queue, &mut got, 1, "the first line");
    peer.kill();
    wait_for(Duration::from_secs(3), "Disconnected", || matches!(input.stats().state(), SerialState::Disconnected(_)));
    std::thread::sleep(Duration::from_secs(3)); // let the backoff reach its maximum
    let peer = Socat::start(dir.path());
    let replugged = Instant::now();
    // At most the longest backoff, plus a margin for a loaded test machine.
    wait_for(RETRY_MAX + Duration::from_secs(1), "reconnect", || connected_path(&input).is_some());
    assert!(replugged.elapsed() <= RETRY_MAX + Duration::from_secs(1));
    // The pts number may or may not be reused (tests run in parallel); either way the state names
    // what the link points to now. Re-pointed links are covered in `port::tests`.
    assert_eq!(connected_path(&input), peer.b.canonicalize().ok(), "was {first:?}");
    // A device that is quiet when the port opens is between lines: its first line after the
    // replug (one button press, say) is whole and kept, with no leading line end.
    std::thread::sleep(READ_TIMEOUT * 3);
    peer.send(b"button 1\n");
    collect(&queue, &mut got, 2, "the first line after reconnecting");
    assert_eq!(lines(&got), ["v 1", "button 1"]);
    assert_eq!(input.stats().reconnects(), 1);
}

#[test]
fn garbage_is_counted_and_the_thread_survives() {
    let dir = tempfile::tempdir().unwrap();
    let peer = Socat::start(dir.path());
    let (input, queue) = lines_input("lab", PortSpec::Path(peer.b.clone()), 32);
    wait_for(Duration::from_secs(3), "connect", || connected_path(&input).is_some());
    let mut noise = b"\n".to_vec();
    noise.extend((0..4000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8 | 0x80)); // high bytes: not UTF-8
    noise.extend(b"\n\xff\xfe bad\n");
    noise.extend(std::iter::repeat_n(b'x', 500));
    noise.extend(b"\nok 1\n");
    peer.send(&noise);
    let mut got = vec![];
    collect(&queue, &mut got, 1, "the good line after the noise");
    assert_eq!(lines(&got), ["ok 1"]);
    assert!(input.stats().garbled() >= 3, "garbled = {}", input.stats().garbled());
    assert!(connected_path(&input).is_some());
}

#[test]
fn slip_frames_go_through_the_decoder_hook() {
    let dir = tempfile::tempdir().unwrap();
    let peer = Socat::start(dir.path());
    let queue = EventQueue::new(64);
    let name: Arc<str> = "osc-serial".into();
    let input_name = name.clone();
    let decoder: super::SlipDecoder = Box::new(move |frame, t, emit| {
        assert_ne!(frame, b"boom", "a decoder bug"); // must not end the input
        let line = frame.iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(" ");
        emit(InputEvent { t: t + 1.0, input: input_name.clone(), kind: EventKind::Serial { line } });
    });
    let framing = Framing::Slip { max_len: 64, decoder };
    let input = SerialInput::spawn(name, PortSpec::Path(peer.b.clone()), 9600, framing, queue.clone(), || 2.0);
    wait_for(Duration::from_secs(3), "connect", || connected_path(&input).is_some());
    let mut stream = vec![slip::END];
    stream.extend(slip::encode(&[1, slip::END, 2]));
    stream.extend(slip::encode(&[slip::ESC]));
    stream.extend([7, slip::ESC, 0x42, slip::END]); // bad escape: dropped and counted
    stream.extend(slip::encode(b"boom"));
    stream.extend(slip::encode(b"hi"));
    peer.send(&stream);
    let mut got = vec![];
    collect(&queue, &mut got, 3, "three frames");
    assert_eq!(lines(&got), ["01 c0 02", "db", "68 69"]);
    assert!(got.iter().all(|e| e.t == 3.0));
    assert_eq!((input.stats().lines(), input.stats().garbled()), (3, 2));
    assert!(connected_path(&input).is_some());
}

/// A device that is not there yet is a state, not an error; it is picked up when it appears, and
/// dropping the input returns promptly.
#[test]
fn absent_device_is_waited_for_and_drop_is_prompt() {
    let dir = tempfile::tempdir().unwrap();
    let (input, _queue) = lines_input("later", PortSpec::Path(dir.path().join("b")), 64);
    wait_for(
        Duration::from_secs(2),
        "Disconnected",
        || matches!(input.stats().state(), SerialState::Disconnected(r) if r.contains("no such device")),
    );
    let _peer = Socat::start(dir.path());
    wait_for(RETRY_MAX + Duration::from_secs(1), "connect once it appears", || connected_path(&input).is_some());
    let start = Instant::now();
    drop(input);
    assert!(start.elapsed() < Duration::from_millis(600), "drop took {:?}", start.elapsed());
}
