use std::path::{Path, PathBuf};

use crate::scene::audio::*;
use crate::scene::graph::{BinOp, Filter, Graph, Oscillator};
use crate::scene::{MemoryFiles, load_from};

/// A 16-bit PCM WAV of `frames` frames of silence.
pub(crate) fn wav(rate: u32, channels: u16, frames: u32) -> Vec<u8> {
    let data = frames * u32::from(channels) * 2;
    let mut b = Vec::new();
    b.extend_from_slice(b"RIFF");
    b.extend_from_slice(&(36 + data).to_le_bytes());
    b.extend_from_slice(b"WAVEfmt ");
    b.extend_from_slice(&16u32.to_le_bytes());
    b.extend_from_slice(&1u16.to_le_bytes());
    b.extend_from_slice(&channels.to_le_bytes());
    b.extend_from_slice(&rate.to_le_bytes());
    b.extend_from_slice(&(rate * u32::from(channels) * 2).to_le_bytes());
    b.extend_from_slice(&(channels * 2).to_le_bytes());
    b.extend_from_slice(&16u16.to_le_bytes());
    b.extend_from_slice(b"data");
    b.extend_from_slice(&data.to_le_bytes());
    b.resize(b.len() + data as usize, 0);
    b
}

const SCENE: &str = r#"
include = ["hw/quad.toml"]

[audio]
host = "jack"
device = "USB Audio"
sample_rate = 44100
buffer = 128
channels = 6
voices = 32
master = -3.0
ceiling = -1.5
connect = ["system:playback_1", "system:playback_2"]
input = { device = "USB Audio", channels = 1 }

[params.rain_level]
[params.presence]
[params.pitch]
min = 50
max = 800
default = 110
[params.brightness]
min = 100
max = 8000
default = 1000
[params.loudness]

[[inputs]]
name = "door_sensor"
osc = "9000"

[[triggers]]
name = "door"
from = "door_sensor:/door"
above = 0.5

[[buses]]
name = "hall"
effects = [ { reverb = { room = 0.8, time = 3.0, mix = 0.3 } }, { lowpass = { cutoff = 4000, q = 0.7 } } ]
gain = -2.0

[[sounds]]
name = "rain"
file = "sounds/rain.wav"
loop = true
gain = -6.0
gain_param = "rain_level"
pan = -0.5
offset = 0.25
fade_in = 2.0
fade_out = 3.0
rate = 1.5
bus = "hall"
autoplay = true
start = ["door", "presence > 0.5"]
stop = ["presence < 0.2"]
priority = 5

[[sounds]]
name = "bell"
file = "sounds/bell.wav"
channels = [3, 4]
stream = true

[[synths]]
name = "drone"
graph = "sine(freq) * 0.3 >> lowpass(cutoff, 0.7)"
inputs = { freq = "pitch", cutoff = "brightness" }
smoothing = 0.1
position = [0.0, 2.0, 1.0]
priority = -10

[[analysis]]
source = "input"
feature = "band:3/8"
to = "loudness"
smoothing = 0.2

[[analysis]]
feature = "rms"
to = "loudness"
"#;

const QUAD: &str = r#"
[[speakers]]
name = "front-left"
channel = 1
position = [-2.0, 3.0, 1.5]
[[speakers]]
name = "front-right"
channel = 2
position = [2.0, 3.0, 1.5]
[[speakers]]
name = "rear-left"
channel = 3
position = [-2.0, -3.0, 1.5]
[[speakers]]
name = "rear-right"
channel = 4
position = [2.0, -3.0, 1.5]
"#;

fn files() -> MemoryFiles {
    let mut f = MemoryFiles::new();
    f.insert("room/show.toml", SCENE)
        .insert("room/hw/quad.toml", QUAD)
        .insert("room/sounds/rain.wav", wav(48_000, 2, 48_000))
        .insert("room/sounds/bell.wav", wav(44_100, 1, 4410));
    f
}

/// The happy path: every key of every audio section lands in the model with the value written
/// (channels 1-based → 0-based, names → ids and indices), defaults where nothing was written.
#[test]
fn audio_sections_become_the_model() {
    let scene = load_from(&files(), Path::new("room/show.toml")).unwrap_or_else(|e| panic!("{e}"));
    let a = &scene.audio;
    let p = |n: &str| scene.param(n).expect("param");
    assert_eq!(
        a.settings,
        Some(AudioSettings {
            host: Some(AudioHost::Jack),
            device: Some("USB Audio".into()),
            sample_rate: 44_100,
            buffer: 128,
            channels: 6,
            voices: 32,
            master_db: -3.0,
            ceiling_db: -1.5,
            input: Some(AudioInput { device: Some("USB Audio".into()), channels: 1 }),
            connect: vec!["system:playback_1".into(), "system:playback_2".into()],
        })
    );
    let names: Vec<(&str, usize, [f32; 3])> =
        a.speakers.iter().map(|s| (s.name.as_str(), s.channel, s.position)).collect();
    assert_eq!(
        names,
        vec![
            ("front-left", 0, [-2.0, 3.0, 1.5]),
            ("front-right", 1, [2.0, 3.0, 1.5]),
            ("rear-left", 2, [-2.0, -3.0, 1.5]),
            ("rear-right", 3, [2.0, -3.0, 1.5]),
        ]
    );
    assert_eq!(
        a.buses,
        vec![Bus {
            name: "hall".into(),
            effects: vec![
                Effect::Reverb { room: 0.8, time: 3.0, mix: 0.3 },
                Effect::Lowpass { cutoff: 4000.0, q: 0.7 }
            ],
            gain_db: -2.0,
        }]
    );
    assert_eq!(
        a.sounds,
        vec![
            Sound {
                name: "rain".into(),
                file: PathBuf::from("room/sounds/rain.wav"),
                stream: false,
                looping: true,
                gain_db: -6.0,
                gain_param: Some(p("rain_level")),
                placement: Placement::Pan(-0.5),
                offset: 0.25,
                fade_in: 2.0,
                fade_out: 3.0,
                rate: 1.5,
                bus: Some(0),
                autoplay: true,
                start: vec![Start::Trigger("door".into()), Start::Above(p("presence"), 0.5)],
                stop: vec![Start::Below(p("presence"), 0.2)],
                priority: 5,
            },
            Sound {
                name: "bell".into(),
                file: PathBuf::from("room/sounds/bell.wav"),
                stream: true,
                looping: false,
                gain_db: 0.0,
                gain_param: None,
                placement: Placement::Channels([Some(2), Some(3), None, None]),
                offset: 0.0,
                fade_in: 0.01,
                fade_out: 0.05,
                rate: 1.0,
                bus: None,
                autoplay: false,
                start: vec![],
                stop: vec![],
                priority: 0,
            },
        ]
    );
    let ast = Graph::Filter {
        kind: Filter::Lowpass,
        signal: Box::new(Graph::Binary(
            BinOp::Mul,
            Box::new(Graph::Oscillator(Oscillator::Sine, Box::new(Graph::Input("freq".into())))),
            Box::new(Graph::Number(0.3)),
        )),
        cutoff: Box::new(Graph::Input("cutoff".into())),
        q: Box::new(Graph::Number(0.7)),
    };
    assert_eq!(
        a.synths,
        vec![Synth {
            name: "drone".into(),
            graph: "sine(freq) * 0.3 >> lowpass(cutoff, 0.7)".into(),
            ast,
            // Sorted by input name (a TOML table).
            inputs: vec![("cutoff".into(), p("brightness")), ("freq".into(), p("pitch"))],
            smoothing: 0.1,
            gain_db: 0.0,
            placement: Placement::Position([0.0, 2.0, 1.0]),
            bus: None,
            autoplay: false,
            start: vec![],
            stop: vec![],
            fade_in: 0.01,
            fade_out: 0.05,
            priority: -10,
        }]
    );
    assert_eq!(
        a.analysis,
        vec![
            Analysis {
                source: AnalysisSource::Input,
                feature: Feature::Band { index: 2, bands: 8 },
                param: p("loudness"),
                input_range: [0.0, 1.0],
                smoothing: 0.2,
            },
            Analysis {
                source: AnalysisSource::Output,
                feature: Feature::Rms,
                param: p("loudness"),
                input_range: [-60.0, 0.0],
                smoothing: 0.1,
            },
        ]
    );
    // Hot reload watches the sound files.
    for f in ["room/sounds/rain.wav", "room/sounds/bell.wav", "room/hw/quad.toml"] {
        assert!(scene.files.contains(&PathBuf::from(f)), "{f} not watched: {:?}", scene.files);
    }
}

/// Without [audio], the stream settings are the defaults, with as many channels as the highest
/// speaker channel; a scene with no sound at all has no settings (no stream is opened).
#[test]
fn defaults_follow_the_speakers() {
    let mut f = MemoryFiles::new();
    f.insert("s.toml", format!("{QUAD}\n[[synths]]\nname = \"hum\"\ngraph = \"pink() * 0.1\"\n"));
    let scene = load_from(&f, Path::new("s.toml")).unwrap_or_else(|e| panic!("{e}"));
    let s = scene.audio.settings.expect("settings");
    assert_eq!(
        (s.channels, s.sample_rate, s.buffer, s.voices, s.master_db, s.ceiling_db),
        (4, 48_000, 256, 64, 0.0, -1.0)
    );
    assert_eq!(scene.audio.synths[0].placement, Placement::Pan(0.0));
    let empty = crate::scene::load_str(Path::new("e.toml"), "").expect("empty scene");
    assert_eq!(empty.audio.settings, None);
}

/// The probe reads every supported format's header (the fixtures were made with sox: 0.1 s of a
/// 440 Hz tone), and stops a garbage file and a cut-off WAV at load.
#[test]
fn probe_reads_each_format_and_refuses_broken_files() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/broken");
    for (name, codec, channels) in
        [("_tone.wav", "pcm_s16le", 1), ("_tone.flac", "flac", 1), ("_tone.ogg", "vorbis", 2), ("_tone.mp3", "mp3", 1)]
    {
        let file = std::fs::File::open(dir.join(name)).expect("fixture");
        let ext = name.rsplit('.').next().unwrap_or("");
        let p = super::probe::probe(Box::new(file), ext).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!((p.codec, p.sample_rate, p.channels), (codec, 44_100, channels), "{name}");
        if let Some(s) = p.seconds {
            assert!((0.09..0.2).contains(&s), "{name}: {s} s");
        }
    }
    let probe = |bytes: Vec<u8>| super::probe::probe(Box::new(std::io::Cursor::new(bytes)), "wav");
    let whole = wav(48_000, 2, 4800);
    assert!(probe(whole.clone()).is_ok());
    let cut = probe(whole[..whole.len() / 2].to_vec()).expect_err("cut-off WAV");
    assert!(cut.contains("cut short"), "{cut}");
    let garbage = probe(b"this is not a sound\n".to_vec()).expect_err("text");
    assert!(garbage.contains("not a readable WAV file"), "{garbage}");
}

/// The art centre's sound room layout (hardware/speakers/room-quad.toml) loads on its own: four
/// speakers on channels 1..4, which become the default channel count.
#[test]
fn room_quad_layout_loads() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("hardware/speakers/room-quad.toml");
    let scene = crate::scene::load(&path).unwrap_or_else(|e| panic!("{e}"));
    let channels: Vec<usize> = scene.audio.speakers.iter().map(|s| s.channel).collect();
    assert_eq!(channels, vec![0, 1, 2, 3]);
    assert_eq!(scene.audio.settings.map(|s| s.channels), Some(4));
}
