//! MIDI end to end through the real binary: a JACK server (jackd2, dummy driver), `quai run
//! --headless` with a MIDI input, and a sequencer nobody here wrote (jackd2's `jack_midiseq`)
//! that appears *after* quai started, as a controller plugged in mid-show. quai finds its port,
//! the notes move a parameter, and the recording holds them.
//!
//! Only one test JACK server runs at a time across test processes: the unit tests' harness takes
//! the same lock, from the same source file (`src/input/midi/jack_lock.rs`, which says why). The
//! server's name reaches every JACK client here through its environment only, never this
//! process's.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod common;
use common::{Proc, wait_log};

/// The lock the unit tests' JACK harness takes too: one test server at a time.
#[path = "../src/input/midi/jack_lock.rs"]
mod jack_lock;
use jack_lock::lock_servers;

fn jack_tool(name: &str, server: &str) -> Command {
    let mut c = Command::new(name);
    c.env("JACK_DEFAULT_SERVER", server).env("JACK_NO_AUDIO_RESERVATION", "1").stdin(Stdio::null());
    c
}

#[test]
fn a_sequencer_plugged_in_mid_show_drives_a_parameter() {
    let _one_server = lock_servers();
    let tmp = tempfile::tempdir().expect("tmp");
    let server = format!("quai-it-{}", std::process::id());
    let _jackd = Proc(
        jack_tool("jackd", &server)
            .args(["-n", &server, "--no-realtime", "-d", "dummy", "-r", "48000", "-p", "128"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run `jackd` ({e}): install jackd2 (scripts/setup does)")),
    );
    let up = jack_tool("jack_wait", &server).args(["-s", &server, "-w", "-t", "10"]).output().expect("jack_wait");
    assert!(up.status.success(), "jackd did not come up: {}", String::from_utf8_lossy(&up.stdout));

    std::fs::write(
        tmp.path().join("red.wgsl"),
        "fn shade(uv: vec2<f32>) -> vec4<f32> { return vec4<f32>(params.level, 0.0, 0.0, 1.0); }\n",
    )
    .expect("wgsl");
    let scene = tmp.path().join("scene.toml");
    std::fs::write(
        &scene,
        "[show]\ncanvas = [16, 16]\nfps = 20\n\n[params.level]\ndefault = 0.0\n\n\
         [[inputs]]\nname = \"keys\"\nmidi = \"quai-seq\"\n\n\
         [[mappings]]\nfrom = \"keys:note/60\"\nto = \"level\"\n\n\
         [[triggers]]\nname = \"struck\"\nfrom = \"keys:note/60\"\nabove = 32\nbelow = 16\n\n\
         [[layers]]\nname = \"red\"\nshader = \"red.wgsl\"\nbind = { level = \"level\" }\n",
    )
    .expect("toml");
    let log_path = tmp.path().join("quai.log");
    let mut quai = Proc(
        jack_tool(env!("CARGO_BIN_EXE_quai"), &server)
            .args(["run", "--headless", "--duration", "6", "--record"])
            .arg(tmp.path().join("session.jsonl"))
            .arg(&scene)
            .env("QUAI_LOG", "info")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log_path).expect("log"))
            .spawn()
            .expect("quai"),
    );
    // quai is up and has found no port matching `quai-seq` yet.
    wait_log(&log_path, "first frame", 1, Duration::from_secs(20));
    // Now "plug in" the sequencer: middle C, velocity 64, 0.25 s on in every 0.5 s.
    let _seq = Proc(
        jack_tool("jack_midiseq", &server)
            .args(["quai-seq", "24000", "0", "60", "12000"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("jack_midiseq (jackd2)"),
    );
    let log = wait_log(&log_path, "connected to JACK port `quai-seq", 1, Duration::from_secs(5));
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(s) = quai.0.try_wait().expect("wait") {
            break s;
        }
        assert!(Instant::now() < deadline, "quai did not stop after --duration 6");
        std::thread::sleep(Duration::from_millis(50));
    };
    let log = std::fs::read_to_string(&log_path).unwrap_or(log);
    assert!(status.success(), "{log}");
    assert!(log.contains("trigger `struck` fired"), "a note-on at velocity 64 crosses `above = 32`:\n{log}");

    let rec = std::fs::read_to_string(tmp.path().join("session.jsonl")).expect("recording");
    let notes: Vec<serde_json::Value> = rec
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["src"] == "midi" && v["port"] == "keys")
        .collect();
    let on = notes.iter().filter(|v| v["msg"] == serde_json::json!([0x90, 60, 64])).count();
    let off = notes.iter().filter(|v| v["msg"][0] == 0x80 && v["msg"][1] == 60).count();
    assert!(on >= 2 && off >= 2, "a few seconds of a 0.5 s loop: {on} note-ons, {off} note-offs recorded\n{rec}");
}
