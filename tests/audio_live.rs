//! The show's sound on a real stream, through the binary: `quai run` plays a scene's synth into a
//! private JACK dummy server (one at a time, the MIDI tests' harness), and `quai audio-test` walks
//! the speakers; both checked by `jack_lsp` and `jack_rec` (jackd2), clients nobody here wrote.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

mod common;
use common::{Proc, wait_log};

#[allow(dead_code)]
#[path = "../src/input/midi/jack_harness.rs"]
mod jack_harness;
#[path = "../src/input/midi/jack_lock.rs"]
mod jack_lock;
use jack_harness::{Jackd, in_jack_child, wait_for};

fn quai(args: &[&str], log: &Path) -> Proc {
    Proc(
        Command::new(env!("CARGO_BIN_EXE_quai"))
            .args(args)
            .env("QUAI_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(log).expect("log"))
            .spawn()
            .expect("quai"),
    )
}

/// Records `seconds` of `ports` with jack_rec; returns the samples per channel (-1..1).
fn record(ports: &[&str], seconds: &str) -> Vec<Vec<f32>> {
    let wav = tempfile::NamedTempFile::new().expect("wav");
    let ok = Command::new("jack_rec")
        .args(["-f", wav.path().to_str().expect("path"), "-d", seconds, "-b", "16"])
        .args(ports)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("jack_rec (jackd2)");
    assert!(ok.success(), "jack_rec: {ok}");
    let mut r = hound::WavReader::open(wav.path()).expect("jack_rec's wav");
    let n = r.spec().channels as usize;
    let mut chans = vec![Vec::new(); n];
    for (i, s) in r.samples::<i16>().enumerate() {
        chans[i % n].push(s.expect("sample") as f32 / 32768.0);
    }
    chans
}

fn peak(v: &[f32]) -> f32 {
    v.iter().fold(0.0, |m, x| m.max(x.abs()))
}

fn ports() -> String {
    let out = Command::new("jack_lsp").arg("-c").stdin(Stdio::null()).output().expect("jack_lsp (jackd2)");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `quai run --headless` of a scene with a synth: its JACK client is named after the show, its
/// ports are connected to the system playback ports, and what they carry is the synth at its
/// level (-12 dB, centre pan: 0.251 × 0.707 = 0.178 peak).
#[test]
fn a_running_show_plays_its_synth_on_jack() {
    in_jack_child(concat!(module_path!(), "::a_running_show_plays_its_synth_on_jack"), || {
        let _jack = Jackd::start();
        let dir = tempfile::tempdir().expect("dir");
        let scene = dir.path().join("hall.toml");
        std::fs::write(
            &scene,
            "[show]\nname = \"Hall\"\ncanvas = [16, 16]\n[audio]\nhost = \"jack\"\nbuffer = 128\n\
             [[synths]]\nname = \"tone\"\ngraph = \"sine(440)\"\ngain = -12.0\nautoplay = true\n",
        )
        .expect("scene");
        let log = dir.path().join("quai.log");
        let mut q = quai(&["run", scene.to_str().expect("path"), "--headless", "--duration", "20"], &log);
        wait_for(Duration::from_secs(15), "quai's JACK ports", || ports().contains("quai-hall:out_2"));
        let lsp = ports();
        assert!(lsp.contains("quai-hall:out_1\n   system:playback_1"), "{lsp}");
        let rec = record(&["quai-hall:out_1", "quai-hall:out_2"], "1");
        for (c, samples) in rec.iter().enumerate() {
            let p = peak(samples);
            assert!((0.15..0.21).contains(&p), "channel {c} peak {p}: the synth at -12 dB, centre pan, is 0.178");
        }
        assert_eq!(q.stop(), "exit status: 0", "{}", std::fs::read_to_string(&log).unwrap_or_default());
    });
}

/// `quai audio-test`: pink noise on the left speaker alone, then on the right alone, each named.
#[test]
fn audio_test_plays_one_speaker_at_a_time() {
    in_jack_child(concat!(module_path!(), "::audio_test_plays_one_speaker_at_a_time"), || {
        let _jack = Jackd::start();
        let dir = tempfile::tempdir().expect("dir");
        let scene = dir.path().join("room.toml");
        std::fs::write(
            &scene,
            "[audio]\nhost = \"jack\"\nchannels = 2\n\
             [[speakers]]\nname = \"left\"\nchannel = 1\nposition = [-2.0, 2.0, 1.5]\n\
             [[speakers]]\nname = \"right\"\nchannel = 2\nposition = [2.0, 2.0, 1.5]\n",
        )
        .expect("scene");
        let log = dir.path().join("quai.log");
        let mut q = quai(&["audio-test", scene.to_str().expect("path"), "--hold", "2.5", "--level", "-12"], &log);
        let ours = ["quai-audio-test:out_1", "quai-audio-test:out_2"];
        for (speaker, lit) in [("left", 0), ("right", 1)] {
            wait_log(&log, &format!("audio-test: speaker `{speaker}`"), 1, Duration::from_secs(15));
            std::thread::sleep(Duration::from_millis(300));
            let rec = record(&ours, "1");
            let (on, off) = (peak(&rec[lit]), peak(&rec[1 - lit]));
            assert!(on > 0.05 && off < 0.001, "speaker {speaker}: its channel peaks at {on}, the other at {off}");
        }
        wait_log(&log, "audio-test: done", 1, Duration::from_secs(15));
        assert_eq!(q.stop(), "exit status: 0", "{}", std::fs::read_to_string(&log).unwrap_or_default());
    });
}
