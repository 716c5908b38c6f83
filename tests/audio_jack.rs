//! The audio output stream for real: JACK (jackd2, dummy driver, private server per test through
//! the MIDI tests' harness: one server at a time, each test in its own child process, "1 passed"
//! required) and ALSA's `null` device. Through the library (`quai::audio::stream`, and the input
//! side through `quai::audio::show::ShowAudio`), checked by JACK clients nobody here wrote
//! (`jack_lsp`, `jack_rec`, both from jackd2) and by JACK clients of the test's own (the `jack`
//! crate: an observer, and a sine player into quai's inputs).

use std::io::Write as _;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use quai::audio::analysis::spawn_analysis;
use quai::audio::stream::{self, AudioStream, HostChoice, InputConfig, Render, StreamConfig, StreamState};

/// The lock the unit tests' JACK harness takes too: one test server at a time.
#[path = "../src/input/midi/jack_lock.rs"]
mod jack_lock;

/// The MIDI tests' harness, reused (not copied): a child process per test with its own server.
#[allow(dead_code)]
#[path = "../src/input/midi/jack_harness.rs"]
mod jack_harness;
use jack_harness::{Jackd, in_jack_child, wait_for};

fn config(host: HostChoice) -> StreamConfig {
    StreamConfig {
        host: Some(host),
        device: None,
        sample_rate: 48000,
        buffer: 128,
        channels: 2,
        client_name: "quai-test".into(),
        connect: Vec::new(),
        input: None,
    }
}

/// A 440 Hz sine at -12 dB on every channel.
struct Sine(f32);
impl Render for Sine {
    fn render(&mut self, out: &mut [f32], channels: usize) {
        for frame in out.chunks_mut(channels) {
            frame.fill((self.0 * std::f32::consts::TAU).sin() * 0.25);
            self.0 = (self.0 + 440.0 / 48000.0).fract();
        }
    }
}

/// Counts the frames it rendered in itself and publishes the count; says when it is dropped.
struct Counter {
    frames: u64,
    seen: Arc<AtomicU64>,
    dropped: Arc<AtomicBool>,
}
impl Render for Counter {
    fn render(&mut self, out: &mut [f32], channels: usize) {
        out.fill(0.1);
        self.frames += (out.len() / channels) as u64;
        self.seen.store(self.frames, Ordering::Relaxed);
    }
}
impl Drop for Counter {
    fn drop(&mut self) {
        self.dropped.store(true, Ordering::Relaxed);
    }
}

fn running(s: &AudioStream) -> bool {
    matches!(s.state(), StreamState::Running { .. })
}

fn jack_tool(name: &str) -> Command {
    let mut c = Command::new(name);
    c.stdin(Stdio::null()); // JACK_DEFAULT_SERVER comes from the child's environment
    c
}

/// Peak of a 16-bit PCM WAV's samples (0..=32768).
fn wav_peak(bytes: &[u8]) -> u32 {
    let data = bytes.windows(4).position(|w| w == b"data").expect("a data chunk") + 8;
    bytes[data..].chunks_exact(2).map(|s| i16::from_le_bytes([s[0], s[1]]).unsigned_abs() as u32).max().unwrap_or(0)
}

/// 3 s on a 48 kHz / 128-frame dummy server: callbacks at the server's rate, no xruns, the JACK
/// host with our client name, ports `quai-test:out_1`/`out_2` connected to `system:playback_1`/`_2`
/// (as `jack_lsp -c` sees it), and the sine audible in a `jack_rec` recording of `out_1`.
#[test]
fn jack_stream_runs_in_time_named_and_connected() {
    in_jack_child(concat!(module_path!(), "::jack_stream_runs_in_time_named_and_connected"), || {
        let _jack = Jackd::start();
        let s = stream::start(config(HostChoice::Jack), Box::new(Sine(0.0)));
        wait_for(Duration::from_secs(5), "the stream to run", || running(&s));
        assert_eq!(
            s.state(),
            StreamState::Running {
                host: "JACK".into(),
                device: "quai-test".into(),
                sample_rate: 48000,
                buffer: 128,
                channels: 2
            }
        );
        // Paced by the server, as a client of the test's sees it: on a loaded 2-core machine a
        // --no-realtime dummy server itself falls behind and skips cycles (xruns), so wall time
        // is checked only loosely (TESTING.md: no wall-time assertions) and our frames are
        // compared with the frames the server ran the observer for. The observer also counts
        // the xruns JACK reports, to compare with ours (JACK counts them for the whole graph).
        let observer = XrunObserver::start();
        wait_for(Duration::from_secs(2), "the observer to run", || observer.frames() > 0);
        let (f0, c0, t0, j0, o0, x0) = (
            s.frames_rendered(),
            s.callbacks(),
            Instant::now(),
            observer.frame_time(),
            observer.frames(),
            s.underruns(),
        );
        std::thread::sleep(Duration::from_secs(3));
        let (frames, calls, secs) = (s.frames_rendered() - f0, s.callbacks() - c0, t0.elapsed().as_secs_f64());
        let (clock, ran, xruns) =
            (observer.frame_time().wrapping_sub(j0), (observer.frames() - o0) as f64, s.underruns() - x0);
        eprintln!(
            "{frames} frames in {calls} callbacks over {secs:.2} s ({:.0} frames/s wall); the server's clock \
             advanced {clock} frames and ran the observer for {ran:.0}; {xruns} xruns (observer saw {})",
            frames as f64 / secs,
            observer.xruns()
        );
        assert!((frames as f64 - ran).abs() < ran * 0.1, "{frames} frames rendered, the server ran {ran:.0}");
        assert!(frames as f64 > secs * 48000.0 * 0.5, "{frames} frames in {secs:.2} s: far below 48 kHz");
        // (read at two instants: a callback may fall between them)
        assert!(frames.abs_diff(calls * 128) <= 256, "{frames} frames in {calls} callbacks of 128");
        // (notifications reach each client on its own thread, a little apart)
        let told = observer.xruns();
        assert!(xruns.abs_diff(told) <= 2 + told / 10, "{xruns} xruns counted, JACK told another client of {told}");
        if observer.xruns() == 0 {
            assert_eq!(xruns, 0);
        }
        drop(observer);

        let lsp = jack_tool("jack_lsp").arg("-c").output().expect("jack_lsp (jackd2)");
        let lsp = String::from_utf8_lossy(&lsp.stdout).into_owned();
        for (ours, theirs) in [("quai-test:out_1", "system:playback_1"), ("quai-test:out_2", "system:playback_2")] {
            let mut lines = lsp.lines().skip_while(|l| *l != ours);
            assert!(lines.next().is_some(), "no port {ours}:\n{lsp}");
            let connections: Vec<&str> = lines.take_while(|l| l.starts_with(' ')).map(str::trim).collect();
            assert_eq!(connections, [theirs], "{lsp}");
        }

        let wav = tempfile::NamedTempFile::new().unwrap();
        let rec = jack_tool("jack_rec")
            .args(["-f", wav.path().to_str().unwrap(), "-d", "1", "-b", "16", "quai-test:out_1"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("jack_rec (jackd2)");
        assert!(rec.success(), "jack_rec: {rec}");
        let peak = wav_peak(&std::fs::read(wav.path()).unwrap());
        assert!((6000..=9000).contains(&peak), "peak {peak} of 32768: the sine is at 0.25 (8192)");
    });
}

/// A JACK client of the test's own: the server's frame clock, and the xruns JACK reports.
struct XrunObserver {
    client: jack::AsyncClient<Xruns, Cycles>,
    xruns: Arc<AtomicU64>,
    cycles: Arc<AtomicU64>,
}
struct Cycles(Arc<AtomicU64>);
impl jack::ProcessHandler for Cycles {
    fn process(&mut self, _: &jack::Client, ps: &jack::ProcessScope) -> jack::Control {
        self.0.fetch_add(ps.n_frames().into(), Ordering::Relaxed);
        jack::Control::Continue
    }
}
struct Xruns(Arc<AtomicU64>);
impl jack::NotificationHandler for Xruns {
    fn xrun(&mut self, _: &jack::Client) -> jack::Control {
        self.0.fetch_add(1, Ordering::Relaxed);
        jack::Control::Continue
    }
}
impl XrunObserver {
    fn start() -> XrunObserver {
        let (client, _) =
            jack::Client::new("quai-test-observer", jack::ClientOptions::NO_START_SERVER).expect("observer");
        let xruns = Arc::new(AtomicU64::new(0));
        let cycles = Arc::new(AtomicU64::new(0));
        let client =
            client.activate_async(Xruns(xruns.clone()), Cycles(cycles.clone())).expect("activate the observer");
        XrunObserver { client, xruns, cycles }
    }
    /// Frames the server ran this client for.
    fn frames(&self) -> u64 {
        self.cycles.load(Ordering::Relaxed)
    }
    fn frame_time(&self) -> u32 {
        self.client.as_client().frame_time()
    }
    fn xruns(&self) -> u64 {
        self.xruns.load(Ordering::Relaxed)
    }
}

/// A `tracing` writer into a shared buffer, to read what the stream logged.
#[derive(Clone, Default)]
struct Log(Arc<Mutex<Vec<u8>>>);
impl std::io::Write for Log {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
impl Log {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

/// The JACK server stops mid-show and comes back: the stream goes silent with the reason, then
/// plays again within a few seconds, on the same render object (its own frame count carried on
/// and equals all frames rendered; it is dropped only when the stream is); the log said lost and
/// back, and another thread of the show ticked on throughout.
#[test]
fn jack_server_restart_keeps_the_render_object() {
    in_jack_child(concat!(module_path!(), "::jack_server_restart_keeps_the_render_object"), || {
        let log = Log::default();
        let writer = log.clone();
        tracing_subscriber::fmt().with_ansi(false).with_writer(move || writer.clone()).init();
        let ticks = Arc::new(AtomicU64::new(0));
        let stop_ticker = Arc::new(AtomicBool::new(false));
        let ticker = {
            let (ticks, stop) = (ticks.clone(), stop_ticker.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    ticks.fetch_add(1, Ordering::Relaxed);
                    std::thread::sleep(Duration::from_millis(10));
                }
            })
        };

        let mut jack = Jackd::start();
        let (seen, dropped) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicBool::new(false)));
        let render = Counter { frames: 0, seen: seen.clone(), dropped: dropped.clone() };
        let s = stream::start(config(HostChoice::Jack), Box::new(render));
        wait_for(Duration::from_secs(5), "the stream to run", || running(&s));
        wait_for(Duration::from_secs(5), "half a second of audio", || seen.load(Ordering::Relaxed) > 24000);

        jack.stop();
        wait_for(
            Duration::from_secs(5),
            "the stream to notice",
            || matches!(s.state(), StreamState::Silent { reason } if reason.contains("shut down")),
        );
        let before = seen.load(Ordering::Relaxed);
        let ticks_before = ticks.load(Ordering::Relaxed);
        std::thread::sleep(Duration::from_millis(1500)); // a retry or two against no server
        assert!(
            matches!(s.state(), StreamState::Silent { reason } if reason.contains("no JACK server")),
            "{:?}",
            s.state()
        );

        let _jack = Jackd::start();
        let back = Instant::now();
        wait_for(Duration::from_secs(5), "the stream to come back", || running(&s));
        wait_for(Duration::from_secs(5), "audio after the restart", || seen.load(Ordering::Relaxed) > before + 24000);
        eprintln!("back after {:?}", back.elapsed());
        let (own, total) = (seen.load(Ordering::Relaxed), s.frames_rendered());
        assert!(own.abs_diff(total) <= 4 * 1024, "the object's own count {own} vs all frames rendered {total}");
        assert!(!dropped.load(Ordering::Relaxed), "the render object was dropped by a rebuild");
        assert!(ticks.load(Ordering::Relaxed) > ticks_before + 100, "the rest of the show kept going");

        let text = log.text();
        assert!(text.contains("audio lost: JACK server") && text.contains("shut down"), "{text}");
        assert!(text.contains("no JACK server") && text.contains("retrying every second"), "{text}");
        assert!(text.contains("audio back: playing on JACK `quai-test`"), "{text}");
        assert_eq!(text.matches("no JACK server").count(), 1, "said once, not at every retry:\n{text}");
        drop(s);
        assert!(dropped.load(Ordering::Relaxed), "dropping the stream drops the render object");
        stop_ticker.store(true, Ordering::Relaxed);
        ticker.join().unwrap();
        std::io::stderr().flush().ok();
    });
}

/// No JACK server and `host = "jack"`: silent with the reason and what to do, retried, nothing
/// rendered, no panic, and dropping the handle returns at once.
#[test]
fn no_jack_server_is_silent_with_a_reason() {
    in_jack_child(concat!(module_path!(), "::no_jack_server_is_silent_with_a_reason"), || {
        let server = std::env::var("JACK_DEFAULT_SERVER").unwrap();
        let s = stream::start(config(HostChoice::Jack), Box::new(Sine(0.0)));
        wait_for(Duration::from_secs(5), "a silent state", || matches!(s.state(), StreamState::Silent { .. }));
        std::thread::sleep(Duration::from_millis(2500)); // a few retries
        let StreamState::Silent { reason } = s.state() else { panic!("{:?}", s.state()) };
        assert!(reason.contains(&format!("no JACK server `{server}` running")), "{reason}");
        assert!(
            reason.contains("jackd -d alsa") && reason.contains("host = \"alsa\"") && reason.contains("retrying"),
            "{reason}"
        );
        assert_eq!((s.callbacks(), s.frames_rendered()), (0, 0));
        let t = Instant::now();
        drop(s);
        assert!(t.elapsed() < Duration::from_secs(2), "drop took {:?}", t.elapsed());
    });
}

/// ALSA's `null` device opens by name and calls the render object. (It is not paced: callbacks
/// come as fast as the CPU allows, so nothing here is about timing.)
#[test]
fn alsa_null_device_opens_and_renders() {
    let mut c = config(HostChoice::Alsa);
    c.device = Some("null".into());
    let s = stream::start(c, Box::new(Sine(0.0)));
    wait_for(Duration::from_secs(5), "the stream to run", || running(&s));
    let StreamState::Running { host, device, channels, .. } = s.state() else { unreachable!() };
    assert_eq!((host.as_str(), channels), ("ALSA", 2));
    assert!(device.contains("alsa:null"), "{device}");
    wait_for(Duration::from_secs(5), "frames rendered", || s.frames_rendered() > 0);
}

/// A JACK client of the test's own playing a 1 kHz sine of amplitude `amp` from its port `out`
/// (RMS `amp / √2`: 0.5 reads -9.03 dBFS).
struct SinePlayer {
    _client: jack::AsyncClient<(), PlaySine>,
}
struct PlaySine {
    port: jack::Port<jack::AudioOut>,
    phase: f32,
    amp: f32,
}
impl jack::ProcessHandler for PlaySine {
    fn process(&mut self, _: &jack::Client, ps: &jack::ProcessScope) -> jack::Control {
        for s in self.port.as_mut_slice(ps) {
            *s = (self.phase * std::f32::consts::TAU).sin() * self.amp;
            self.phase = (self.phase + 1000.0 / 48000.0).fract();
        }
        jack::Control::Continue
    }
}
impl SinePlayer {
    /// Starts the player and connects its `out` to each of `to`.
    fn start(amp: f32, to: &[String]) -> SinePlayer {
        let (client, _) =
            jack::Client::new("quai-test-player", jack::ClientOptions::NO_START_SERVER).expect("player client");
        let port = client.register_port("out", jack::AudioOut::default()).expect("player port");
        let name = port.name().expect("port name");
        let client = client.activate_async((), PlaySine { port, phase: 0.0, amp }).expect("activate the player");
        for theirs in to {
            client.as_client().connect_ports_by_name(&name, theirs).expect("connect the player");
        }
        SinePlayer { _client: client }
    }
}

/// What `jack_lsp -c` says `port` is connected to.
fn connections(port: &str) -> Vec<String> {
    let lsp = jack_tool("jack_lsp").arg("-c").output().expect("jack_lsp (jackd2)");
    let lsp = String::from_utf8_lossy(&lsp.stdout).into_owned();
    let mut lines = lsp.lines().skip_while(|l| *l != port);
    assert!(lines.next().is_some(), "no port {port}:\n{lsp}");
    lines.take_while(|l| l.starts_with(' ')).map(|l| l.trim().to_owned()).collect()
}

/// The input side on JACK: ports `quai-test:in_1`/`in_2` on the output's client, connected from
/// `system:capture_1`/`_2` (silent on the dummy driver); a sine of amplitude 0.5 that a client of
/// the test's plays into both reaches the input analysis as its RMS, -9.03 dBFS (±0.5 dB), with no
/// frame dropped; once the player is gone the input reads silence again.
#[test]
fn jack_input_analysis_reads_another_clients_sine() {
    in_jack_child(concat!(module_path!(), "::jack_input_analysis_reads_another_clients_sine"), || {
        let _jack = Jackd::start();
        let mut c = config(HostChoice::Jack);
        c.input = Some(InputConfig { device: None, channels: 2, connect: Vec::new() });
        let mut s = stream::start(c, Box::new(Sine(0.0)));
        let analysis = spawn_analysis(s.take_input().expect("the input ring"), 48000, 2, 16);
        wait_for(Duration::from_secs(5), "the stream to run", || running(&s));
        assert_eq!(
            s.input_state(),
            Some(StreamState::Running {
                host: "JACK".into(),
                device: "quai-test".into(),
                sample_rate: 48000,
                buffer: 128,
                channels: 2
            })
        );
        assert_eq!(connections("quai-test:in_1"), ["system:capture_1"]);
        assert_eq!(connections("quai-test:in_2"), ["system:capture_2"]);
        wait_for(Duration::from_secs(2), "input frames", || s.input_frames() > 4800);
        assert!(analysis.latest().rms_db < -100.0, "the dummy capture ports are silent: {:?}", analysis.latest());

        let player = SinePlayer::start(0.5, &["quai-test:in_1".into(), "quai-test:in_2".into()]);
        let want = 20.0 * (0.5f32 / 2f32.sqrt()).log10();
        wait_for(Duration::from_secs(5), "the sine's level", || (analysis.latest().rms_db - want).abs() < 0.5);
        std::thread::sleep(Duration::from_millis(500));
        let got = analysis.latest().rms_db;
        eprintln!(
            "input RMS {got:.2} dBFS (the sine: {want:.2}); {} frames in, {} dropped",
            s.input_frames(),
            s.input_dropped()
        );
        assert!((got - want).abs() < 0.5, "input RMS {got} dBFS, the sine is {want}");
        assert_eq!(s.input_dropped(), 0, "the analysis thread kept up");

        drop(player);
        wait_for(Duration::from_secs(5), "silence after the player left", || analysis.latest().rms_db < -100.0);
        drop(s);
        drop(analysis);
    });
}

/// `[[analysis]] source = "input"` lands in its parameter through `ShowAudio` (live, JACK): the
/// parameter `mic` (RMS, -60..0 dBFS onto 0..1) reads the sine a client of the test's plays into
/// `in_1`: 0.85 for -9.03 dBFS. (Before the input side it was skipped and stayed at 0.)
#[test]
fn show_input_analysis_lands_in_its_parameter() {
    in_jack_child(concat!(module_path!(), "::show_input_analysis_lands_in_its_parameter"), || {
        use quai::show::{FrameTime, ParamStore};
        let _jack = Jackd::start();
        let text = "[show]\nname = \"mic\"\n[audio]\nhost = \"jack\"\nchannels = 2\ninput = { channels = 1 }\n\
                    [params.mic]\n\
                    [[analysis]]\nsource = \"input\"\nfeature = \"rms\"\nto = \"mic\"\n";
        let scene = quai::scene::load_str(std::path::Path::new("s.toml"), text).expect("scene");
        let mut audio = quai::audio::show::ShowAudio::new(&scene, None).expect("audio").expect("some audio");
        let mut params = ParamStore::new(&scene.params);
        let mic = scene.params.iter().position(|p| p.name == "mic").expect("mic");
        let port = |suffix: &str| {
            let lsp = jack_tool("jack_lsp").output().expect("jack_lsp (jackd2)");
            String::from_utf8_lossy(&lsp.stdout)
                .lines()
                .find(|l| l.starts_with("quai-") && l.ends_with(suffix))
                .map(str::to_owned)
        };
        let mut input = None;
        wait_for(Duration::from_secs(5), "quai's in_1", || {
            input = port(":in_1");
            input.is_some()
        });
        let _player = SinePlayer::start(0.5, &[input.expect("in_1")]);
        let want = (20.0 * (0.5f32 / 2f32.sqrt()).log10() + 60.0) / 60.0;
        let mut frame = 0;
        let mut step = |audio: &mut quai::audio::show::ShowAudio, params: &mut ParamStore| {
            let t = FrameTime { time: frame as f64 / 60.0, delta: 1.0 / 60.0, frame };
            frame += 1;
            audio.step(t, &[], &quai::audio::show::Cued::default(), params).expect("step");
            params.values()[mic]
        };
        wait_for(Duration::from_secs(5), "mic to read the sine", || {
            (step(&mut audio, &mut params) - want).abs() < 0.01
        });
        std::thread::sleep(Duration::from_millis(300));
        let got = step(&mut audio, &mut params);
        eprintln!("mic = {got:.3} (want {want:.3})");
        assert!((got - want).abs() < 0.01, "mic = {got}, the sine maps to {want}");
    });
}
