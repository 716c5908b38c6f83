//! Proof that `Engine::process` never allocates or frees: `assert_no_alloc` around whole process
//! calls with 64 voices (samples, synths, a stream), two buses with effects, starts, stops, steals,
//! control changes and an effect swap inside the measured calls, and the tap overflowing.
//! Debug builds only (`assert_no_alloc` is a no-op in release). This test binary installs the
//! `AllocDisabler` as its global allocator: a binary of its own, so no other test (JACK clients
//! on libjack's threads above all) runs under it.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use assert_no_alloc::{AllocDisabler, assert_no_alloc};
use fundsp::prelude32::{lowpass_hz, pass, sine, sine_hz};

use quai::audio::engine::*;

fn settings(channels: usize, voices: usize, buses: usize) -> EngineSettings {
    EngineSettings { channels, voices, buses, ..EngineSettings::default() }
}

fn left() -> [f32; MAX_CHANNELS] {
    let mut g = [0.0; MAX_CHANNELS];
    g[0] = 1.0;
    g
}

#[global_allocator]
static ALLOC: AllocDisabler = AllocDisabler;

#[test]
fn process_never_allocates() {
    let (mut h, mut e) = engine(settings(2, 64, 2));
    h.set_bus_effect(0, effect(EffectKind::Reverb { room: 0.5, time: 2.0, mix: 0.3 }, 2, 48_000)).unwrap();
    h.set_bus_effect(1, effect(EffectKind::Delay { seconds: 0.1, feedback: 0.5, mix: 0.5 }, 2, 48_000)).unwrap();
    let looped: Vec<f32> = (0..4800).map(|n| (n as f32 * 0.05).sin() * 0.1).collect();
    let buf = Arc::new(SampleBuffer { sample_rate: 44_100, channels: 1, frames: looped });
    let synth = || Box::new(pass() >> sine() >> lowpass_hz(2000.0, 0.7));
    let p = |k: usize| VoiceParams {
        gain: 0.02,
        looping: true,
        bus: if k % 3 == 2 { None } else { Some(k % 3) },
        rate: 1.0 + k as f32 * 0.01,
        ..VoiceParams::default()
    };
    let mut ids = Vec::new();
    for k in 0..63 {
        let src = if k % 2 == 0 { Source::Sample(buf.clone()) } else { Source::Synth(synth()) };
        ids.push(h.play_with_inputs(0, src, p(k), &[220.0 + k as f32]).unwrap());
    }
    let (mut prod, cons) = rtrb::RingBuffer::new(48_000);
    for n in 0..20_000 {
        let _ = prod.push((n as f32 * 0.01).sin() * 0.1);
    }
    let reader = StreamReader { ring: cons, channels: 1, sample_rate: 48_000, ended: Arc::new(AtomicBool::new(false)) };
    ids.push(h.play(0, Source::Stream(reader), p(1)).unwrap());
    let mut out = vec![0.0f32; 128 * 2];
    e.process(&mut out);
    assert_eq!(h.meters().voices_playing, 64);
    for round in 0..400usize {
        // Commands sent before the measured call: a steal, a stop, controls, sometimes an effect swap.
        let src = if round % 2 == 0 { Source::Synth(synth()) } else { Source::Sample(buf.clone()) };
        let _ = h.play_with_inputs(0, src, VoiceParams { priority: 1 + round as i32, ..p(round) }, &[330.0]);
        let _ = h.stop(ids[round % ids.len()], e.now() + 17, 0.01);
        let _ = h.set_gains(ids[(round + 5) % ids.len()], e.now() + 40, left());
        let _ = h.set(ids[(round + 7) % ids.len()], e.now() + 3, Control::Gain, 0.01);
        let _ = h.set_input(ids[(round + 9) % ids.len()], 0, 440.0);
        if round % 50 == 0 {
            let kind = EffectKind::Lowpass { cutoff: 1000.0 + round as f32, q: 0.7 };
            let _ = h.set_bus_effect(1, effect(kind, 2, 48_000));
        }
        let _ = h.set_master(0.9);
        assert_no_alloc(|| e.process(&mut out));
        // The main thread's side, outside the measured call.
        ids.extend(h.events().filter_map(|ev| if let Event::Started(id) = ev { Some(id) } else { None }));
        h.collect_garbage();
    }
    let m = h.meters();
    assert!(m.tap_dropped > 0, "the tap overflowed inside measured calls");
    assert!(m.voices_playing > 0);
    assert!(out.iter().all(|v| v.abs() <= EngineSettings::default().ceiling));
    let _ = sine_hz(1.0);
}
