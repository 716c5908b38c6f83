//! Inputs end to end through the real binary: OSC from clients nobody here wrote (liblo's
//! `oscsend`, python-osc with a timed bundle) moves a parameter in `quai run --headless`, the run is
//! recorded, and a log replayed with `quai render` changes the picture exactly at the frame its
//! time says, byte-identically on every render.

use std::net::UdpSocket;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A scene whose picture is the parameter `level` as red.
fn scene(dir: &Path, port: u16) -> std::path::PathBuf {
    std::fs::write(
        dir.join("red.wgsl"),
        "fn shade(uv: vec2<f32>) -> vec4<f32> { return vec4<f32>(params.level, 0.0, 0.0, 1.0); }\n",
    )
    .expect("wgsl");
    let path = dir.join("scene.toml");
    let text = format!(
        "[show]\ncanvas = [16, 16]\nfps = 10\n\n[params.level]\ndefault = 0.0\n\n\
         [[inputs]]\nname = \"phone\"\nosc = \"{port}\"\n\n\
         [[mappings]]\nfrom = \"phone:/level\"\nto = \"level\"\nin = [0, 1]\n\n\
         [[layers]]\nname = \"red\"\nshader = \"red.wgsl\"\nbind = {{ level = \"level\" }}\n"
    );
    std::fs::write(&path, text).expect("toml");
    path
}

fn free_udp_port() -> u16 {
    UdpSocket::bind("127.0.0.1:0").and_then(|s| s.local_addr()).map(|a| a.port()).expect("free port")
}

fn red(png: &Path) -> u8 {
    image::open(png).unwrap_or_else(|e| panic!("{}: {e}", png.display())).to_rgba8().get_pixel(8, 8).0[0]
}

fn wait_listening(log: &Path, within: Duration) {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        if std::fs::read_to_string(log).is_ok_and(|s| s.contains("listening on")) {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("quai never said it was listening:\n{}", std::fs::read_to_string(log).unwrap_or_default());
}

fn run_headless(dir: &Path, scene: &Path, seconds: &str) -> std::process::Child {
    let log = std::fs::File::create(dir.join("quai.log")).expect("log");
    Command::new(env!("CARGO_BIN_EXE_quai"))
        .args(["run", "--headless", "--duration", seconds, "--record"])
        .arg(dir.join("session.jsonl"))
        .arg("--snapshot")
        .arg(dir.join("last.png"))
        .arg(scene)
        .env("QUAI_LOG", "info")
        .stderr(log)
        .stdout(Stdio::null())
        .spawn()
        .expect("quai")
}

/// liblo's `oscsend` moves a parameter live, and the run's recording holds the event.
#[test]
fn oscsend_moves_a_parameter_and_is_recorded() {
    let tmp = tempfile::tempdir().expect("tmp");
    let port = free_udp_port();
    let path = scene(tmp.path(), port);
    let mut quai = run_headless(tmp.path(), &path, "4");
    wait_listening(&tmp.path().join("quai.log"), Duration::from_secs(20));
    let sent = Command::new("oscsend")
        .args(["127.0.0.1", &port.to_string(), "/level", "f", "1.0"])
        .status()
        .unwrap_or_else(|e| panic!("oscsend: {e} (install the liblo-tools package; scripts/setup does)"));
    assert!(sent.success());
    let status = quai.wait().expect("wait");
    let log = std::fs::read_to_string(tmp.path().join("quai.log")).unwrap_or_default();
    assert!(status.success(), "{log}");
    assert_eq!(red(&tmp.path().join("last.png")), 255, "the last frame shows level = 1\n{log}");
    let rec = std::fs::read_to_string(tmp.path().join("session.jsonl")).expect("recording");
    let line = rec.lines().find(|l| l.contains("/level")).unwrap_or_else(|| panic!("not recorded: {rec}"));
    let v: serde_json::Value = serde_json::from_str(line).expect("json line");
    assert_eq!((v["src"].as_str(), v["port"].as_str(), v["args"][0].as_f64()), (Some("osc"), Some("phone"), Some(1.0)));
}

/// The scene's OSC port is held by another program when the show starts: quai says so and goes
/// on; once the port is freed it binds it, and oscsend's message arrives and is recorded.
#[test]
fn a_port_busy_at_start_is_bound_once_freed() {
    let tmp = tempfile::tempdir().expect("tmp");
    let holder = UdpSocket::bind("127.0.0.1:0").expect("hold a port");
    let port = holder.local_addr().expect("addr").port();
    let path = scene(tmp.path(), port);
    let mut quai = run_headless(tmp.path(), &path, "8");
    let log = tmp.path().join("quai.log");
    let deadline = Instant::now() + Duration::from_secs(20);
    while !std::fs::read_to_string(&log).unwrap_or_default().contains("trying again") {
        assert!(
            Instant::now() < deadline,
            "no retry announced:\n{}",
            std::fs::read_to_string(&log).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    drop(holder);
    wait_listening(&log, Duration::from_secs(20));
    let sent = Command::new("oscsend")
        .args(["127.0.0.1", &port.to_string(), "/level", "f", "1.0"])
        .status()
        .unwrap_or_else(|e| panic!("oscsend: {e} (install the liblo-tools package; scripts/setup does)"));
    assert!(sent.success());
    let status = quai.wait().expect("wait");
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(status.success(), "{text}");
    assert!(text.contains("(it was busy for"), "{text}");
    let rec = std::fs::read_to_string(tmp.path().join("session.jsonl")).expect("recording");
    assert!(rec.lines().any(|l| l.contains("/level")), "not recorded after the port was freed: {rec}\n{text}");
}

/// python-osc sends a bundle timed 1 s ahead: the value arrives when the bundle is due, not before.
#[test]
fn python_osc_timed_bundle_arrives_when_due() {
    let tmp = tempfile::tempdir().expect("tmp");
    let port = free_udp_port();
    let path = scene(tmp.path(), port);
    let mut quai = run_headless(tmp.path(), &path, "5");
    wait_listening(&tmp.path().join("quai.log"), Duration::from_secs(20));
    let script = format!(
        "import time\nfrom pythonosc import udp_client, osc_bundle_builder, osc_message_builder\n\
         c = udp_client.SimpleUDPClient('127.0.0.1', {port})\n\
         b = osc_bundle_builder.OscBundleBuilder(time.time() + 1.0)\n\
         m = osc_message_builder.OscMessageBuilder(address='/level'); m.add_arg(0.5)\n\
         b.add_content(m.build()); c.send(b.build())\n"
    );
    let sent = Command::new("python3").args(["-c", &script]).status().expect("python3");
    assert!(sent.success(), "python-osc missing? scripts/setup installs it (python3 -m pip install python-osc)");
    let sent_at = Instant::now();
    assert!(quai.wait().expect("wait").success());
    let rec = std::fs::read_to_string(tmp.path().join("session.jsonl")).expect("recording");
    let t_rec: f64 = rec
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|v| v["addr"] == "/level")
        .and_then(|v| v["t"].as_f64())
        .unwrap_or_else(|| panic!("bundle not recorded: {rec}"));
    let log = std::fs::read_to_string(tmp.path().join("quai.log")).unwrap_or_default();
    assert!(sent_at.elapsed() > Duration::from_millis(500), "quai stopped before the bundle was due\n{log}");
    assert!((127..=129).contains(&red(&tmp.path().join("last.png"))), "level 0.5 after the bundle is due\n{log}");
    assert!(t_rec > 1.0, "the recorded time is when the bundle is due (t = {t_rec})");
}

/// A hand-written log moves the parameter exactly at the frame its time says (the first frame
/// whose time is >= the event's), and two renders of the same replay are byte-identical.
#[test]
fn replay_is_frame_exact_and_deterministic() {
    let tmp = tempfile::tempdir().expect("tmp");
    let path = scene(tmp.path(), free_udp_port());
    let log = tmp.path().join("hand.jsonl");
    std::fs::write(
        &log,
        "{\"t\": 0.45, \"src\": \"osc\", \"port\": \"phone\", \"addr\": \"/level\", \"args\": [0.5]}\n\
         {\"t\": 0.7, \"src\": \"osc\", \"addr\": \"/level\", \"args\": [1.0]}\n",
    )
    .expect("log");
    let render = |out: &str| {
        let dir = tmp.path().join(out);
        let o = Command::new(env!("CARGO_BIN_EXE_quai"))
            .args(["render", "--frames", "10", "--replay"])
            .arg(&log)
            .arg("--out")
            .arg(&dir)
            .arg(&path)
            .output()
            .expect("render");
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        dir
    };
    let (a, b) = (render("a"), render("b"));
    let reds: Vec<u8> = (0..10).map(|f| red(&a.join(format!("frame-{f:06}.png")))).collect();
    // 10 fps: frame 4 is t = 0.4 (before 0.45), frame 5 is t = 0.5; frame 7 is t = 0.7.
    assert_eq!(reds, [0, 0, 0, 0, 0, 128, 128, 255, 255, 255]);
    for f in 0..10 {
        let name = format!("frame-{f:06}.png");
        assert!(std::fs::read(a.join(&name)).ok() == std::fs::read(b.join(&name)).ok(), "{name} differs");
    }
}

/// A log line that is wrong says file:line and what is wrong; quai exits 1.
#[test]
fn bad_log_line_is_located() {
    let tmp = tempfile::tempdir().expect("tmp");
    let path = scene(tmp.path(), free_udp_port());
    let log = tmp.path().join("bad.jsonl");
    std::fs::write(&log, "{\"t\": 0.1, \"src\": \"osc\", \"addr\": \"/level\", \"args\": [1]}\n{\"t\": 0.2, \"src\": \"midi\", \"port\": \"nope\", \"msg\": [176, 7, 1]}\n").expect("log");
    let o = Command::new(env!("CARGO_BIN_EXE_quai"))
        .args(["render", "--frames", "2", "--out"])
        .arg(tmp.path().join("o"))
        .arg("--replay")
        .arg(&log)
        .arg(&path)
        .output()
        .expect("render");
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("bad.jsonl:2:") && err.contains("no input `nope`") && err.contains("phone"), "{err}");
}

/// `quai monitor --osc PORT` prints each message as `HH:MM:SS.mmm osc ADDR type:value... from
/// SENDER`, so two senders can be told apart (each oscsend is a sender of its own), and a
/// once-a-second summary with the rate on stderr.
#[test]
fn monitor_prints_live_osc() {
    let port = free_udp_port();
    let child = Command::new(env!("CARGO_BIN_EXE_quai"))
        .args(["monitor", "--osc", &port.to_string(), "--duration", "2.5"])
        .env("QUAI_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("quai monitor");
    std::thread::sleep(Duration::from_millis(800));
    for args in [vec!["/sensor/distance", "f", "123.5"], vec!["/mix", "isT", "3", "hi"]] {
        let ok = Command::new("oscsend").args(["127.0.0.1", &port.to_string()]).args(&args).status();
        assert!(ok.is_ok_and(|s| s.success()), "oscsend (liblo-tools) failed");
    }
    let out = child.wait_with_output().expect("wait");
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{stdout}{stderr}");
    let mut senders = Vec::new();
    for (line, want) in lines.iter().zip(["osc /sensor/distance f:123.5", "osc /mix i:3 s:\"hi\" T"]) {
        let (time, rest) = line.split_once(' ').expect("a timestamp first");
        let b = time.as_bytes();
        assert!(time.len() == 12 && b[2] == b':' && b[5] == b':' && b[8] == b'.', "HH:MM:SS.mmm: {line}");
        let (event, from) = rest.split_once(" from ").unwrap_or_else(|| panic!("the sender: {line}"));
        assert_eq!(event, want);
        assert!(from.starts_with("127.0.0.1:"), "{line}");
        senders.push(from.to_string());
    }
    assert_ne!(senders[0], senders[1], "two senders told apart");
    assert!(stderr.contains("[2 s]") && stderr.contains("listening on"), "{stderr}");
}

/// Feedback: at start the controller is told the show's values, and a parameter moved from one
/// input (a tracker) is sent to a controller input's feedback destination at that input's own
/// address and units, so its fader follows.
#[test]
fn feedback_follows_a_parameter_moved_elsewhere() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (tracker, phone) = (free_udp_port(), free_udp_port());
    let touch = UdpSocket::bind("127.0.0.1:0").expect("feedback receiver");
    touch.set_read_timeout(Some(Duration::from_secs(15))).expect("timeout");
    std::fs::write(
        tmp.path().join("red.wgsl"),
        "fn shade(uv: vec2<f32>) -> vec4<f32> { return vec4<f32>(params.level, 0.0, 0.0, 1.0); }\n",
    )
    .expect("wgsl");
    let path = tmp.path().join("fb.toml");
    std::fs::write(
        &path,
        format!(
            "[show]\ncanvas = [8, 8]\nfps = 30\n[params.level]\nmax = 10.0\n\
             [[inputs]]\nname = \"tracker\"\nosc = \"{tracker}\"\n\
             [[inputs]]\nname = \"phone\"\nosc = \"{phone}\"\nfeedback = \"{}\"\n\
             [[mappings]]\nfrom = \"tracker:/x\"\nto = \"level\"\nin = [0, 100]\n\
             [[mappings]]\nfrom = \"phone:/fader/1\"\nto = \"level\"\nin = [0, 1]\n\
             [[layers]]\nname = \"red\"\nshader = \"red.wgsl\"\nbind = {{ level = \"level\" }}\n",
            touch.local_addr().expect("addr")
        ),
    )
    .expect("toml");
    let mut quai = run_headless(tmp.path(), &path, "6");
    wait_listening(&tmp.path().join("quai.log"), Duration::from_secs(20));
    let mut buf = [0u8; 256];
    let mut fader = || {
        let n = touch.recv(&mut buf).unwrap_or_else(|e| panic!("no feedback: {e}"));
        let (_, packet) = rosc::decoder::decode_udp(&buf[..n]).expect("OSC");
        let rosc::OscPacket::Message(m) = packet else { panic!("not a message") };
        assert_eq!(m.addr, "/fader/1");
        let rosc::OscType::Float(v) = m.args[0] else { panic!("not a float: {:?}", m.args) };
        v
    };
    // At start the fader is told where the show is (level's default 0), before anything moves.
    let start = fader();
    assert!(start.abs() < 1e-6, "the starting value (0) is sent when the feedback destination appears, got {start}");
    let ok = Command::new("oscsend").args(["127.0.0.1", &tracker.to_string(), "/x", "f", "25"]).status();
    assert!(ok.is_ok_and(|s| s.success()), "oscsend (liblo-tools)");
    let v = fader();
    assert!((v - 0.25).abs() < 1e-3, "tracker 25 of 100 → level 2.5 of 10 → fader 0.25, got {v}");
    let _ = quai.kill();
    let _ = quai.wait();
}
