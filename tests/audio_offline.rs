//! `quai render --audio`: the scene's sound bounced on the offline clock, through the binary, read
//! back and measured: pitch and level of a synth, the exact sample a replayed trigger lands on,
//! a louder sound giving brighter frames (analysis → `quai.audio` → shader), determinism.

use std::path::Path;
use std::process::Command;

fn render(dir: &Path, scene: &str, frames: u32, fps: u32, extra: &[&str]) -> (Vec<f32>, u16) {
    let path = dir.join("scene.toml");
    std::fs::write(&path, scene).expect("scene");
    let wav = dir.join("out.wav");
    let run = Command::new(env!("CARGO_BIN_EXE_quai"))
        .args(["render", path.to_str().expect("path"), "--frames", &frames.to_string(), "--fps", &fps.to_string()])
        .args(["--size", "32x32", "--out", dir.join("frames").to_str().expect("out"), "--audio"])
        .arg(&wav)
        .args(extra)
        .output()
        .expect("quai");
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let mut r = hound::WavReader::open(&wav).expect("wav");
    let channels = r.spec().channels;
    assert_eq!(r.spec().sample_rate, 48_000);
    (r.samples::<f32>().map(|s| s.expect("sample")).collect(), channels)
}

const SINE: &str = r#"
[show]
canvas = [32, 32]
[audio]
channels = 1
[[synths]]
name = "tone"
graph = "sine(440)"
gain = -6.0
autoplay = true
"#;

/// A 440 Hz sine at -6 dB: one second at 48 kHz (48 frames at 48 fps), its FFT peak in the 440 Hz
/// bin (1 Hz bins) ± 1, its peak level -6.02 dBFS within 0.1 dB (after the fade-in).
#[test]
fn a_sine_synth_bounces_at_its_pitch_and_level() {
    let dir = tempfile::tempdir().expect("dir");
    let (s, channels) = render(dir.path(), SINE, 48, 48, &[]);
    assert_eq!(channels, 1);
    assert_eq!(s.len(), 48_000, "one second of audio for 48 frames at 48 fps");
    let peak = s[4800..].iter().fold(0.0f32, |m, v| m.max(v.abs()));
    let peak_db = 20.0 * peak.log10();
    assert!((peak_db + 6.0206).abs() < 0.1, "peak {peak_db:.3} dBFS");
    let mut fft = realfft::RealFftPlanner::<f32>::new();
    let plan = fft.plan_fft_forward(s.len());
    let mut input = s.clone();
    let mut spectrum = plan.make_output_vec();
    plan.process(&mut input, &mut spectrum).expect("fft");
    let bin = spectrum.iter().enumerate().max_by(|a, b| a.1.norm().total_cmp(&b.1.norm())).map(|(i, _)| i);
    assert!(bin.is_some_and(|b| (439..=441).contains(&b)), "FFT peak in bin {bin:?}");
}

/// A sound started by a trigger from a replayed OSC event at t = 0.5 s: the trigger fires at frame
/// 12 (24 fps, the first frame at or after 0.5 s) and the sound's first sample is sample
/// 0.5 × 48000 = 24000, exactly. The sound is a file of ones-like DC (a WAV written here).
#[test]
fn a_replayed_trigger_starts_its_sound_at_the_exact_sample() {
    let dir = tempfile::tempdir().expect("dir");
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 48_000,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let mut w = hound::WavWriter::create(dir.path().join("dc.wav"), spec).expect("wav");
    (0..4800).for_each(|_| w.write_sample(0.25f32).expect("write"));
    w.finalize().expect("finalize");
    let port = std::net::UdpSocket::bind("127.0.0.1:0").and_then(|s| s.local_addr()).expect("port").port();
    let scene = format!(
        r#"[show]
canvas = [32, 32]
[audio]
channels = 1
[[inputs]]
name = "phone"
osc = "{port}"
[[triggers]]
name = "go"
from = "phone:/go"
above = 0.5
[[sounds]]
name = "dc"
file = "dc.wav"
start = ["go"]
fade_in = 0.0
"#
    );
    let log = dir.path().join("take.jsonl");
    std::fs::write(&log, "{\"t\": 0.5, \"src\": \"osc\", \"port\": \"phone\", \"addr\": \"/go\", \"args\": [1.0]}\n")
        .expect("log");
    let (s, _) = render(dir.path(), &scene, 24, 24, &["--replay", log.to_str().expect("log")]);
    let first = s.iter().position(|v| v.abs() > 1e-6);
    assert_eq!(first, Some(24_000), "the sound starts at sample 24000");
    assert!((s[24_000] - 0.25).abs() < 1e-6, "and plays the file as it is: {}", s[24_000]);
}

/// The same scene bounces to the same bytes.
#[test]
fn the_bounce_is_deterministic() {
    let (a, b) = (tempfile::tempdir().expect("a"), tempfile::tempdir().expect("b"));
    render(a.path(), SINE, 12, 24, &[]);
    render(b.path(), SINE, 12, 24, &[]);
    let read = |d: &Path| std::fs::read(d.join("out.wav")).expect("wav");
    assert!(read(a.path()) == read(b.path()), "two bounces of one scene differ");
}

/// Sound drives a shader: the frames of a bounce see the analysis of that same audio through
/// `quai.audio` (here its level, `w`), so a louder synth gives a brighter frame.
#[test]
fn a_louder_sound_gives_a_brighter_frame() {
    let brightness = |gain: f32| -> u8 {
        let dir = tempfile::tempdir().expect("dir");
        std::fs::write(
            dir.path().join("level.wgsl"),
            "fn shade(uv: vec2<f32>) -> vec4<f32> {\n    return vec4<f32>(vec3<f32>(quai.audio.w), 1.0);\n}\n",
        )
        .expect("shader");
        let scene = format!(
            "[show]\ncanvas = [32, 32]\n[[layers]]\nname = \"level\"\nshader = \"level.wgsl\"\n\
             [[synths]]\nname = \"tone\"\ngraph = \"sine(220)\"\ngain = {gain}\nautoplay = true\n"
        );
        render(dir.path(), &scene, 12, 24, &[]);
        let img = image::open(dir.path().join("frames/frame-000011.png")).expect("frame").to_rgba8();
        img.get_pixel(16, 16).0[0]
    };
    let (quiet, loud) = (brightness(-40.0), brightness(-6.0));
    assert!(loud > quiet + 40, "louder must be brighter: {quiet} at -40 dB, {loud} at -6 dB");
}
