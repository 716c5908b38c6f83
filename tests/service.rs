//! quai under systemd's notify protocol, with a test standing in for systemd: a Unix datagram
//! socket as `$NOTIFY_SOCKET`, `$WATCHDOG_USEC` set. `quai run --headless` says READY after its
//! first frame, pings WATCHDOG from the frame loop at half the period, and says STOPPING with what
//! stopped it.

use std::os::unix::net::UnixDatagram;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod common;
use common::Proc;

fn scene(dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("scene.toml");
    std::fs::write(&path, "[show]\nname = \"notify test\"\ncanvas = [16, 16]\nfps = 30\n").expect("scene");
    path
}

/// Every datagram until `until` says the show stopped (or `within` passes), with its arrival time.
fn collect(socket: &UnixDatagram, within: Duration) -> Vec<(Instant, String)> {
    socket.set_read_timeout(Some(Duration::from_millis(100))).expect("timeout");
    let start = Instant::now();
    let mut got = Vec::new();
    let mut buf = [0u8; 512];
    while start.elapsed() < within {
        if let Ok(n) = socket.recv(&mut buf) {
            let text = String::from_utf8_lossy(&buf[..n]).to_string();
            let done = text.contains("STOPPING=1");
            got.push((Instant::now(), text));
            if done {
                break;
            }
        }
    }
    got
}

fn quai(dir: &std::path::Path, socket: &std::path::Path, seconds: &str) -> Proc {
    Proc(
        Command::new(env!("CARGO_BIN_EXE_quai"))
            .args(["run", "--headless", "--duration", seconds])
            .arg(scene(dir))
            .env("NOTIFY_SOCKET", socket)
            .env("WATCHDOG_USEC", "1000000")
            .env("QUAI_LOG", "info")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.join("quai.log")).expect("log"))
            .spawn()
            .expect("quai"),
    )
}

#[test]
fn ready_then_watchdog_pings_then_stopping_with_the_reason() {
    let tmp = tempfile::tempdir().expect("tmp");
    let path = tmp.path().join("notify");
    let socket = UnixDatagram::bind(&path).expect("bind");
    let mut q = quai(tmp.path(), &path, "3");
    let got = collect(&socket, Duration::from_secs(30));
    let status = q.stop();
    let log = std::fs::read_to_string(tmp.path().join("quai.log")).unwrap_or_default();
    assert_eq!(status, "exit status: 0", "{log}");
    let texts: Vec<&str> = got.iter().map(|(_, t)| t.as_str()).collect();
    assert!(
        texts.first().is_some_and(|t| t.starts_with("READY=1\nSTATUS=playing notify test headless")),
        "{texts:?}\n{log}"
    );
    assert!(texts.last().is_some_and(|t| *t == "STOPPING=1\nSTATUS=stopped after --duration\n"), "{texts:?}");
    let pings: Vec<Instant> = got.iter().filter(|(_, t)| t == "WATCHDOG=1\n").map(|(at, _)| *at).collect();
    // 3 s at one ping per 0.5 s (half of WATCHDOG_USEC): about 6. A gap of a whole period would
    // let systemd's watchdog fire (the margin is wide: a loaded 2-core CI machine must not fail).
    assert!(pings.len() >= 3, "{} pings in 3 s: {texts:?}", pings.len());
    let widest = pings.windows(2).map(|w| w[1] - w[0]).max().unwrap_or_default();
    assert!(widest < Duration::from_secs(1), "a gap of {widest:?} lets systemd's watchdog fire");
}

#[test]
fn sigterm_is_named_as_what_stopped_the_show() {
    let tmp = tempfile::tempdir().expect("tmp");
    let path = tmp.path().join("notify");
    let socket = UnixDatagram::bind(&path).expect("bind");
    let mut q = quai(tmp.path(), &path, "60");
    socket.set_read_timeout(Some(Duration::from_secs(30))).expect("timeout");
    let mut buf = [0u8; 512];
    let n = socket.recv(&mut buf).expect("READY");
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("READY=1"));
    let status = q.stop(); // SIGTERM
    let got = collect(&socket, Duration::from_secs(5));
    let log = std::fs::read_to_string(tmp.path().join("quai.log")).unwrap_or_default();
    assert_eq!(status, "exit status: 0", "{log}");
    assert!(got.iter().any(|(_, t)| t == "STOPPING=1\nSTATUS=stopped by a signal (SIGTERM / Ctrl-C)\n"), "{got:?}");
    assert!(log.contains("stopped by a signal (SIGTERM / Ctrl-C)"), "the log says it too:\n{log}");
}
