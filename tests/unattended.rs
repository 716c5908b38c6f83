//! The unattended gallery day through the binary: the schedule's closing goes to standby, black on
//! every output (canvas, projector outputs, LED universes); a `kill -9` in the middle of a cue
//! comes back to that cue and those parameter values; a corrupted or unwritable state file is
//! reported and never stops the show.

mod common;

use std::net::UdpSocket;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{Proc, wait_log};

/// A white wash, an Art-Net facade and a projector output; closes at 18:00 with a 1 s fade.
const SCENE: &str = r##"
[show]
name = "day"
canvas = [32, 16]
fps = 30

[params.level]
default = 0.25

[[layers]]
name = "wash"
color = "#ffffff"
visible = false

[[cues.main]]
name = "1"
fade = 20
show = ["wash"]
set = { level = 0.75 }

[[cues.main]]
name = "2"

[[outputs]]
name = "wall"
kind = "artnet"
to = ["127.0.0.1"]

[[fixtures]]
name = "strip"
output = "wall"
kind = "matrix"
pixels = [4, 1]
universe = 0

[[outputs]]
name = "beamer"
size = [32, 16]

[schedule]
timezone = "Europe/Berlin"
hours = { daily = "10:00-18:00" }
opening = "go"
fade = 1
"##;

fn quai() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_quai"));
    c.stdin(Stdio::null());
    c
}

fn write_scene(dir: &Path, extra: &str) -> PathBuf {
    let path = dir.join("day.toml");
    std::fs::write(&path, format!("{SCENE}{extra}")).expect("scene");
    path
}

fn frame(dir: &Path, n: u64) -> image::RgbaImage {
    image::open(dir.join(format!("frame-{n:06}.png"))).unwrap_or_else(|e| panic!("frame {n}: {e}")).to_rgba8()
}

fn max_channel(img: &image::RgbaImage) -> u8 {
    img.pixels().flat_map(|p| [p.0[0], p.0[1], p.0[2]]).max().unwrap_or(0)
}

/// Offline at 10 fps, on a test clock from 17:59:50: the opening `go` fades the wash in, the
/// closing at 18:00 (t = 10 s) fades it out over 1 s, and from then on every output is black: the
/// canvas, the projector output, the LED universe.
#[test]
fn closing_goes_to_standby_black_on_every_output() {
    let dir = tempfile::tempdir().expect("temp dir");
    let scene = write_scene(dir.path(), "");
    let out = dir.path().join("out");
    let run = quai()
        .args(["render", scene.to_str().expect("path"), "--frames", "130", "--out", out.to_str().expect("out")])
        .args(["--fps", "10", "--dmx", "--outputs", "--clock", "2026-12-23T17:59:50"])
        .output()
        .expect("quai");
    let log = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{log}");
    assert!(log.contains("standby from schedule at 10.000 s: fading out over 1 s"), "{log}");
    assert!(log.contains("standby at 11.000 s: black and silent"), "{log}");
    // Open: the wash is half way into its 20 s fade-in.
    assert!(max_channel(&frame(&out, 95)) > 100, "lit before closing");
    assert!(max_channel(&frame(&out.join("beamer"), 95)) > 100);
    // Asleep from frame 110 (11 s): black everywhere.
    for n in [110, 120, 129] {
        assert_eq!(max_channel(&frame(&out, n)), 0, "canvas frame {n}");
        assert_eq!(max_channel(&frame(&out.join("beamer"), n)), 0, "projector frame {n}");
    }
    let dmx = std::fs::read_to_string(out.join("dmx.jsonl")).expect("dmx.jsonl");
    let lines: Vec<serde_json::Value> = dmx.lines().map(|l| serde_json::from_str(l).expect("json")).collect();
    let level = |l: &serde_json::Value| l["dmx"].as_array().expect("dmx").iter().filter_map(|v| v.as_u64()).max();
    let at = |n: u64| lines.iter().find(|l| l["frame"] == n).unwrap_or_else(|| panic!("dmx frame {n}"));
    assert!(level(at(95)) > Some(10), "the facade is lit before closing");
    for n in 110..130 {
        assert_eq!(level(at(n)), Some(0), "the facade is black in standby (frame {n})");
    }
}

/// A show that starts while closed is black from its first frame; `quai check` tells when it opens.
#[test]
fn a_start_while_closed_is_black_and_check_says_when_it_opens() {
    let dir = tempfile::tempdir().expect("temp dir");
    let scene = write_scene(dir.path(), "");
    let out = dir.path().join("out");
    let run = quai()
        .args(["render", scene.to_str().expect("path"), "--frames", "3", "--out", out.to_str().expect("out")])
        .args(["--clock", "2026-12-23T21:00"])
        .output()
        .expect("quai");
    let log = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{log}");
    assert!(log.contains("closed now, opens Thu 2026-12-24 10:00 CET; standby"), "{log}");
    assert_eq!(max_channel(&frame(&out, 0)), 0);

    let check =
        quai().args(["check", scene.to_str().expect("path"), "--at", "2026-03-28T17:00"]).output().expect("quai");
    let text = String::from_utf8_lossy(&check.stdout);
    assert!(check.status.success(), "{text}");
    assert!(text.contains("open at Sat 2026-03-28 17:00 CET (until Sat 2026-03-28 18:00 CET)"), "{text}");
    assert!(text.contains("opens  Sun 2026-03-29 10:00 CEST"), "the day after the change: {text}");
}

/// Sends one OSC message to 127.0.0.1:`port`.
fn osc(port: u16, addr: &str, args: Vec<rosc::OscType>) {
    let msg = rosc::OscPacket::Message(rosc::OscMessage { addr: addr.to_string(), args });
    let bytes = rosc::encoder::encode(&msg).expect("encode");
    let sock = UdpSocket::bind("127.0.0.1:0").expect("socket");
    sock.send_to(&bytes, ("127.0.0.1", port)).expect("send");
}

fn free_udp_port() -> u16 {
    UdpSocket::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port()
}

/// `quai run --headless --state STATE ...`, its output into `log`.
fn run_live(scene: &Path, state: &Path, log: &Path, extra: &[&str]) -> Proc {
    let out = std::fs::File::create(log).expect("log");
    let child = quai()
        .arg("run")
        .arg(scene)
        .args(["--headless", "--state", state.to_str().expect("state")])
        .args(extra)
        .env("RUST_LOG", "info")
        .stdout(out.try_clone().expect("log"))
        .stderr(out)
        .spawn()
        .expect("quai");
    Proc(child)
}

/// `kill -9`: no chance to save anything on the way out.
fn kill9(p: &mut Proc) {
    p.0.kill().expect("SIGKILL");
    let status = p.0.wait().expect("wait");
    assert_eq!(std::os::unix::process::ExitStatusExt::signal(&status), Some(9));
}

/// `kill -9` while cue 1's 20 s fade runs, with a parameter set live: the next start is back on
/// cue 1 with the wash at its end, and the parameter as it was set, before its first frame.
#[test]
fn a_kill_in_the_middle_of_a_cue_comes_back_to_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let port = free_udp_port();
    let inputs = format!("\n[[inputs]]\nname = \"surface\"\nosc = \"{port}\"\n");
    // No schedule here: this is about the state alone.
    let text = format!("{SCENE}{inputs}").replace(
        "[schedule]\ntimezone = \"Europe/Berlin\"\nhours = { daily = \"10:00-18:00\" }\nopening = \"go\"\nfade = 1\n",
        "",
    );
    let scene = dir.path().join("day.toml");
    std::fs::write(&scene, text).expect("scene");
    let state = dir.path().join("state.json");
    let log = dir.path().join("first.log");
    let mut first = run_live(&scene, &state, &log, &["--duration", "60"]);
    wait_log(&log, "first frame", 1, Duration::from_secs(30));
    osc(port, "/quai/cue/go", vec![]);
    osc(port, "/quai/param/level", vec![rosc::OscType::Float(0.5)]);
    // Saved within half a second or so of the change; wait for it to land on disk.
    let deadline = Instant::now() + Duration::from_secs(10);
    let saved = loop {
        let text = std::fs::read_to_string(&state).unwrap_or_default();
        if text.contains("\"main\": \"1\"") && text.contains("\"level\": 0.5") {
            break text;
        }
        assert!(Instant::now() < deadline, "the state was not saved: {text:?}\n{}", first.stop());
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(saved.contains("\"wash\": 1.0"), "the fade's end is saved, not where it was: {saved}");
    kill9(&mut first);

    let log2 = dir.path().join("second.log");
    let snap = dir.path().join("snap.png");
    let started = Instant::now();
    let mut second = run_live(&scene, &state, &log2, &["--duration", "1", "--snapshot", snap.to_str().expect("png")]);
    let text = wait_log(&log2, "stopped", 1, Duration::from_secs(30));
    let took = started.elapsed();
    second.stop();
    assert!(
        text.contains(&format!("restored from {}", state.display()))
            && text.contains("cue main/1; 1 parameters (1 set live); 1 layer opacities"),
        "{text}"
    );
    let restored = text.find("restored from").expect("restored");
    let first_frame = text.find("first frame").expect("first frame");
    assert!(restored < first_frame, "restored before the first frame: {text}");
    let img = image::open(&snap).expect("snapshot").to_rgba8();
    assert_eq!(img.get_pixel(16, 8).0, [255, 255, 255, 255], "the wash is back at its cue's end");
    let ms = text.split("first frame ").nth(1).and_then(|r| r.split(' ').next()).unwrap_or("?");
    eprintln!("restart: the restored show's first frame {ms} ms after its start ({:.2} s to exit)", took.as_secs_f64());

    // --fresh starts from the scene's defaults: the wash hidden again.
    let log3 = dir.path().join("third.log");
    let mut third =
        run_live(&scene, &state, &log3, &["--duration", "0.5", "--snapshot", snap.to_str().expect("png"), "--fresh"]);
    let text = wait_log(&log3, "stopped", 1, Duration::from_secs(30));
    third.stop();
    assert!(text.contains("--fresh: starting from the scene's defaults"), "{text}");
    assert_eq!(image::open(&snap).expect("snapshot").to_rgba8().get_pixel(16, 8).0[0], 0);
}

/// A corrupted state file: a warning that says what and where, the file kept aside, the show
/// starts from the scene's defaults. An unwritable one: a warning, and the show goes on.
#[test]
fn corrupt_and_unwritable_state_files_never_stop_the_show() {
    let dir = tempfile::tempdir().expect("temp dir");
    let scene = write_scene(dir.path(), "").to_path_buf();
    let text = std::fs::read_to_string(&scene).expect("scene").replace("[schedule]", "[schedule.off]");
    let text = text.split("[schedule.off]").next().expect("head").to_string();
    std::fs::write(&scene, text).expect("scene");
    let state = dir.path().join("state.json");
    std::fs::write(&state, "{\"quai_state\": 1, \"cues\": {\"main\": ").expect("garbage");
    let log = dir.path().join("corrupt.log");
    let mut p = run_live(&scene, &state, &log, &["--duration", "0.5"]);
    let text = wait_log(&log, "stopped", 1, Duration::from_secs(30));
    assert!(p.0.wait().expect("wait").success(), "{text}");
    assert!(text.contains("is not a quai state file (line 1 column"), "{text}");
    assert!(text.contains("starting from the scene's defaults"), "{text}");
    let kept: Vec<String> = std::fs::read_dir(dir.path())
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("state.json.corrupt-"))
        .collect();
    assert_eq!(kept.len(), 1, "kept aside for inspection");

    let nowhere = Path::new("/proc/quai-nowhere/state.json");
    let log = dir.path().join("unwritable.log");
    let mut p = run_live(&scene, nowhere, &log, &["--duration", "1"]);
    let text = wait_log(&log, "stopped", 1, Duration::from_secs(30));
    assert!(p.0.wait().expect("wait").success(), "{text}");
    assert!(text.contains("state: cannot save /proc/quai-nowhere/state.json"), "{text}");
    assert!(text.contains("the show goes on"), "{text}");
}
