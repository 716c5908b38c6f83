//! Trigger-to-sound latency, live on JACK (dummy driver, 48 kHz, 128-frame periods). The bench
//! starts its own private server (`jackd -n quai-bench-PID --no-realtime -d dummy -r 48000 -p 128`,
//! `JACK_DEFAULT_SERVER` set before any JACK client) and stops it at the end; without `jackd` it
//! panics naming the package (jackd2).
//!
//! Group `trigger_to_sound_jack_128`: at a random moment (so triggers fall anywhere in a period)
//! the bench acts and an observer (a JACK client of the bench's own, its inputs connected to the
//! sound's port) timestamps the first nonzero sample it sees; each iteration's time is trigger →
//! seen, wall clock.
//! - `quai_engine_play`: `handle.play(handle.now(), Source::Synth(dc(0.5)), ..)` on quai's engine,
//!   running in quai's supervised JACK stream (`audio::stream`, client `quai-bench`).
//! - `bare_jack_flag`: the baseline, a bare JACK client (no quai code) whose output flips from 0
//!   to 1 when an atomic flag is set at the same kind of moment.
//!
//! p50/p95 of each are printed after the group. Expect both within about one period (2.67 ms) plus
//! scheduling: the observer runs in the same cycle, after the client it listens to.

use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group};
use fundsp::audiounit::AudioUnit;
use fundsp::prelude32::dc;
use quai::audio::engine::{self, EngineSettings, Source, VoiceParams};
use quai::audio::show::EngineRender;
use quai::audio::stream::{self, HostChoice, StreamConfig, StreamState};

/// The private dummy server, stopped (SIGTERM, then SIGKILL) on drop.
struct Jackd(Child);

impl Jackd {
    fn start(name: &str) -> Jackd {
        let child = Command::new("jackd")
            .args(["-n", name, "--no-realtime", "-d", "dummy", "-r", "48000", "-p", "128"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot run `jackd` ({e}): install the `jackd2` package (apt-get install jackd2)")
            });
        let mut jack = Jackd(child);
        let start = Instant::now();
        loop {
            if let Ok(Some(status)) = jack.0.try_wait() {
                panic!("jackd exited at start ({status})");
            }
            if jack::Client::new("quai-bench-probe", jack::ClientOptions::NO_START_SERVER).is_ok() {
                return jack;
            }
            assert!(start.elapsed() < Duration::from_secs(10), "jackd did not accept clients within 10 s");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Jackd {
    fn drop(&mut self) {
        let _ = Command::new("kill").args(["-s", "TERM", &self.0.id().to_string()]).status();
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(3) {
            if let Ok(Some(_)) = self.0.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// What the observer knows of one of its inputs.
#[derive(Default)]
struct Watch {
    /// Set by the bench at the trigger: look for the first nonzero sample.
    armed: AtomicBool,
    /// Nanoseconds since `Observer::base` when it was seen (0: not yet).
    seen_ns: AtomicU64,
    /// Whole silent cycles in a row.
    zero_cycles: AtomicU64,
}

struct Observe {
    ports: Vec<jack::Port<jack::AudioIn>>,
    watches: Arc<[Watch; 2]>,
    base: Instant,
}

impl jack::ProcessHandler for Observe {
    fn process(&mut self, _: &jack::Client, ps: &jack::ProcessScope) -> jack::Control {
        for (port, w) in self.ports.iter().zip(self.watches.iter()) {
            let sound = port.as_slice(ps).iter().any(|s| *s != 0.0);
            if sound {
                w.zero_cycles.store(0, Ordering::Relaxed);
                if w.armed.swap(false, Ordering::AcqRel) {
                    w.seen_ns.store(self.base.elapsed().as_nanos().max(1) as u64, Ordering::Release);
                }
            } else {
                w.zero_cycles.fetch_add(1, Ordering::Relaxed);
            }
        }
        jack::Control::Continue
    }
}

/// The bare baseline: writes 1.0 while the flag is set, else 0.0.
struct Flip {
    port: jack::Port<jack::AudioOut>,
    on: Arc<AtomicBool>,
}

impl jack::ProcessHandler for Flip {
    fn process(&mut self, _: &jack::Client, ps: &jack::ProcessScope) -> jack::Control {
        let v = if self.on.load(Ordering::Acquire) { 1.0 } else { 0.0 };
        self.port.as_mut_slice(ps).fill(v);
        jack::Control::Continue
    }
}

/// Input 0 watches quai's `out_1`, input 1 the bare client's output.
const QUAI: usize = 0;
const BARE: usize = 1;

struct Rig {
    watches: Arc<[Watch; 2]>,
    base: Instant,
    rng: u64,
}

impl Rig {
    /// Sleeps 0.2..6 ms, a random phase of the 2.67 ms period.
    fn random_pause(&mut self) {
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        std::thread::sleep(Duration::from_micros(200 + self.rng % 5800));
    }

    /// Waits until `which` has been silent for two whole cycles.
    fn wait_silent(&self, which: usize) {
        let w = &self.watches[which];
        let start = Instant::now();
        while w.zero_cycles.load(Ordering::Relaxed) < 2 {
            assert!(start.elapsed() < Duration::from_secs(5), "no silence on input {which} within 5 s");
            std::thread::sleep(Duration::from_micros(200));
        }
    }

    /// Arms `which`, runs `act` (the trigger), and returns trigger → first nonzero sample seen.
    fn measure(&self, which: usize, act: impl FnOnce()) -> Duration {
        let w = &self.watches[which];
        w.seen_ns.store(0, Ordering::Release);
        w.armed.store(true, Ordering::Release);
        let t0 = self.base.elapsed().as_nanos() as u64;
        act();
        let start = Instant::now();
        loop {
            let seen = w.seen_ns.load(Ordering::Acquire);
            if seen != 0 {
                return Duration::from_nanos(seen.saturating_sub(t0));
            }
            assert!(start.elapsed() < Duration::from_secs(5), "no sound on input {which} within 5 s");
            std::hint::spin_loop();
            std::thread::sleep(Duration::from_micros(50));
        }
    }
}

fn percentile(samples: &mut [f64], p: f64) -> f64 {
    if samples.is_empty() {
        return f64::NAN;
    }
    samples.sort_by(f64::total_cmp);
    samples[((samples.len() - 1) as f64 * p).round() as usize]
}

fn unit() -> Box<dyn AudioUnit> {
    let mut g: Box<dyn AudioUnit> = Box::new(dc(0.5));
    g.set_sample_rate(48_000.0);
    g.allocate();
    g
}

fn trigger_to_sound(c: &mut Criterion) {
    // quai's engine in quai's stream.
    let (mut handle, engine) =
        engine::engine(EngineSettings { sample_rate: 48_000, channels: 2, ..Default::default() });
    let config = StreamConfig {
        host: Some(HostChoice::Jack),
        device: None,
        sample_rate: 48_000,
        buffer: 128,
        channels: 2,
        client_name: "quai-bench".into(),
        connect: Vec::new(),
        input: None,
    };
    let stream = stream::start(config, Box::new(EngineRender::new(engine)));
    let start = Instant::now();
    while !matches!(stream.state(), StreamState::Running { .. }) {
        assert!(start.elapsed() < Duration::from_secs(10), "quai's stream: {:?}", stream.state());
        std::thread::sleep(Duration::from_millis(10));
    }
    // The bare client.
    let (bare, _) = jack::Client::new("quai-bench-bare", jack::ClientOptions::NO_START_SERVER).expect("bare client");
    let port = bare.register_port("out", jack::AudioOut::default()).expect("bare port");
    let on = Arc::new(AtomicBool::new(false));
    let bare = bare.activate_async((), Flip { port, on: on.clone() }).expect("activate the bare client");
    // The observer.
    let (obs, _) = jack::Client::new("quai-bench-observer", jack::ClientOptions::NO_START_SERVER).expect("observer");
    let ports = vec![
        obs.register_port("quai", jack::AudioIn::default()).expect("observer port"),
        obs.register_port("bare", jack::AudioIn::default()).expect("observer port"),
    ];
    let watches: Arc<[Watch; 2]> = Arc::new(Default::default());
    let base = Instant::now();
    let obs = obs.activate_async((), Observe { ports, watches: watches.clone(), base }).expect("activate the observer");
    let o = obs.as_client();
    o.connect_ports_by_name("quai-bench:out_1", "quai-bench-observer:quai").expect("connect quai");
    o.connect_ports_by_name("quai-bench-bare:out", "quai-bench-observer:bare").expect("connect bare");
    let mut rig = Rig { watches, base, rng: 0x9e37_79b9_7f4a_7c15 };
    rig.wait_silent(QUAI);
    rig.wait_silent(BARE);

    let (quai_ms, bare_ms) = (Mutex::new(Vec::new()), Mutex::new(Vec::new()));
    let mut g = c.benchmark_group("trigger_to_sound_jack_128");
    g.sample_size(20).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(6));
    g.bench_function("bare_jack_flag", |b| {
        b.iter_custom(|n| {
            let mut total = Duration::ZERO;
            for _ in 0..n {
                rig.random_pause();
                let d = rig.measure(BARE, || on.store(true, Ordering::Release));
                on.store(false, Ordering::Release);
                bare_ms.lock().expect("lock").push(d.as_secs_f64() * 1e3);
                total += d;
                rig.wait_silent(BARE);
            }
            total
        })
    });
    g.bench_function("quai_engine_play", |b| {
        b.iter_custom(|n| {
            let mut total = Duration::ZERO;
            for _ in 0..n {
                let source = Source::Synth(unit());
                rig.random_pause();
                let mut id = None;
                let d = rig.measure(QUAI, || {
                    id = Some(handle.play(handle.now(), source, VoiceParams::default()).expect("play"));
                });
                if let Some(id) = id {
                    handle.stop(id, handle.now(), 0.0).expect("stop");
                }
                quai_ms.lock().expect("lock").push(d.as_secs_f64() * 1e3);
                total += d;
                rig.wait_silent(QUAI);
                handle.events().for_each(drop);
                handle.collect_garbage();
            }
            total
        })
    });
    g.finish();
    let underruns = stream.underruns();
    drop((obs, bare, stream));
    for (name, ms) in [("bare_jack_flag", bare_ms), ("quai_engine_play", quai_ms)] {
        let mut l = ms.into_inner().expect("latencies");
        eprintln!(
            "trigger_to_sound {name}: p50 {:.2} ms, p95 {:.2} ms over {} triggers (period 2.67 ms)",
            percentile(&mut l, 0.5),
            percentile(&mut l, 0.95),
            l.len()
        );
    }
    eprintln!("trigger_to_sound: {underruns} xruns during the run (dummy server, --no-realtime)");
}

criterion_group!(benches, trigger_to_sound);

fn main() {
    let name = format!("quai-bench-{}", std::process::id());
    // SAFETY: still single-threaded: nothing has started a thread or a JACK client yet.
    unsafe { std::env::set_var("JACK_DEFAULT_SERVER", &name) };
    let jackd = Jackd::start(&name);
    benches();
    Criterion::default().configure_from_args().final_summary();
    drop(jackd);
}
