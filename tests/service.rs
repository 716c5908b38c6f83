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
    assert!(texts.last().is_some_and(|t| *t == "STOPPING=1\nSTATUS=stopped: --duration reached\n"), "{texts:?}");
    let pings: Vec<Instant> = got.iter().filter(|(_, t)| t == "WATCHDOG=1\n").map(|(at, _)| *at).collect();
    // 3 s at one ping per 0.5 s (half of WATCHDOG_USEC): about 6. A gap of a whole period would
    // let systemd's watchdog fire (the margin is wide: a loaded 2-core CI machine must not fail).
    assert!(pings.len() >= 3, "{} pings in 3 s: {texts:?}", pings.len());
    let widest = pings.windows(2).map(|w| w[1] - w[0]).max().unwrap_or_default();
    assert!(widest < Duration::from_secs(1), "a gap of {widest:?} lets systemd's watchdog fire");
}

/// A frame loop that hangs (made to, with `QUAI_DEBUG_HANG_AFTER`) stops feeding the watchdog
/// while the process lives on: the pings come from the frame loop, not from a thread of their own.
#[test]
fn a_hung_frame_loop_stops_the_watchdog_pings() {
    let tmp = tempfile::tempdir().expect("tmp");
    let path = tmp.path().join("notify");
    let socket = UnixDatagram::bind(&path).expect("bind");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_quai"));
    cmd.args(["run", "--headless", "--duration", "60"])
        .arg(scene(tmp.path()))
        .env("NOTIFY_SOCKET", &path)
        .env("WATCHDOG_USEC", "1000000")
        .env("QUAI_DEBUG_HANG_AFTER", "2")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(tmp.path().join("quai.log")).expect("log"));
    let mut q = Proc(cmd.spawn().expect("quai"));
    let t0 = Instant::now();
    let got = collect(&socket, Duration::from_secs(10));
    let alive = q.0.try_wait().expect("try_wait").is_none();
    let status = q.stop();
    let log = std::fs::read_to_string(tmp.path().join("quai.log")).unwrap_or_default();
    assert!(alive, "the process lives on while its frame loop hangs: {status}\n{log}");
    assert!(log.contains("the frame loop hangs now"), "{log}");
    assert!(got.iter().any(|(_, t)| t.starts_with("READY=1")), "{got:?}");
    let pings: Vec<Instant> = got.iter().filter(|(_, t)| t == "WATCHDOG=1\n").map(|(at, _)| *at).collect();
    assert!(!pings.is_empty(), "pings before the hang: {got:?}");
    let last = *pings.last().expect("a ping");
    // Collected for 10 s, hung 2 s after the first frame: no ping for well over the watchdog's
    // 1 s period at the end, which is what makes systemd restart the show.
    let silent = t0 + Duration::from_secs(10) - last;
    assert!(silent > Duration::from_millis(2500), "the pings went on until {:?} after the start: {got:?}", last - t0);
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

/// `quai service install` into a directory: the unit names the watchdog, the start limit and the
/// groups, passes `systemd-analyze verify` where systemd is installed, and `--dry-run` writes
/// nothing. A broken scene gets no unit.
#[test]
fn service_install_writes_a_unit_systemd_accepts() {
    let tmp = tempfile::tempdir().expect("tmp");
    let units = tmp.path().join("units");
    std::fs::create_dir(&units).expect("dir");
    let scene = scene(tmp.path());
    let quai = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_quai")).args(["service", "install"]).args(args).output().expect("quai")
    };
    let dry = quai(&[scene.to_str().expect("path"), "--dry-run", "--unit-dir", units.to_str().expect("units")]);
    assert!(dry.status.success(), "{}", String::from_utf8_lossy(&dry.stderr));
    assert_eq!(std::fs::read_dir(&units).expect("units").count(), 0, "--dry-run wrote something");
    let printed = String::from_utf8_lossy(&dry.stdout).to_string();
    let out = quai(&[
        scene.to_str().expect("path"),
        "--headless",
        "--user",
        "gallery",
        "--unit-dir",
        units.to_str().expect("units"),
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("systemctl enable --now quai-scene.service"), "{said}");
    let path = units.join("quai-scene.service");
    let unit = std::fs::read_to_string(&path).expect("unit");
    for line in [
        "Type=notify",
        "WatchdogSec=10",
        "Restart=always",
        "StartLimitBurst=5",
        "StartLimitIntervalSec=300",
        "SupplementaryGroups=video render audio dialout",
        "User=gallery",
        "After=network-online.target sound.target",
    ] {
        assert!(unit.lines().any(|l| l == line), "no `{line}` in\n{unit}");
    }
    assert!(unit.contains(&format!("ExecStartPre={} check ", env!("CARGO_BIN_EXE_quai"))), "{unit}");
    assert!(unit.contains("run --headless "), "{unit}");
    assert!(printed.contains("Type=notify") && !printed.contains("--headless"), "the dry run printed the window unit");
    match Command::new("systemd-analyze").arg("verify").arg(&path).output() {
        Ok(v) => {
            let err = String::from_utf8_lossy(&v.stderr);
            assert!(v.status.success() && !err.contains("quai-scene.service"), "systemd-analyze verify:\n{err}");
        }
        Err(e) => eprintln!("systemd-analyze not installed ({e}); the unit was checked by its lines only"),
    }
    std::fs::write(tmp.path().join("broken.toml"), "[show]\nfps = 0\n").expect("broken");
    let broken =
        quai(&[tmp.path().join("broken.toml").to_str().expect("path"), "--unit-dir", units.to_str().expect("units")]);
    assert_eq!(broken.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&broken.stderr).contains("fps 0 is out of range"));
    assert!(!units.join("quai-broken.service").exists());
}
