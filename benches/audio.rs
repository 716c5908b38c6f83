//! Audio engine cost per block. Group `audio_block_128_64_voices`: one 128-frame stereo block at
//! 48 kHz with 64 synth voices (`sine >> lowpass`), 2 bus effects (lowpass, delay) and the
//! master limiter (`quai_engine`), against the same 64 fundsp graphs summed by hand
//! (`bare_fundsp_64_voices`). Target: quai_engine ≤ 10 % of the block's duration
//! (128 / 48000 s = 2.67 ms → ≤ 0.267 ms).

use criterion::{Criterion, criterion_group, criterion_main};
use fundsp::audiounit::AudioUnit;
use fundsp::buffer::{BufferRef, BufferVec};
use fundsp::prelude32::{lowpass_hz, sine_hz};
use quai::audio::engine::{EffectKind, EngineSettings, Source, VoiceParams, effect, engine};

fn graph(k: usize) -> Box<dyn AudioUnit> {
    let mut g: Box<dyn AudioUnit> = Box::new(sine_hz(110.0 + 7.0 * k as f32) >> lowpass_hz(1500.0, 0.7));
    g.set_sample_rate(48_000.0);
    g.allocate();
    g
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("audio_block_128_64_voices");
    let settings = EngineSettings { channels: 2, voices: 64, buses: 2, ..EngineSettings::default() };
    let (mut h, mut e) = engine(settings);
    let _ = h.set_bus_effect(0, effect(EffectKind::Lowpass { cutoff: 3000.0, q: 0.7 }, 2, 48_000));
    let _ = h.set_bus_effect(1, effect(EffectKind::Delay { seconds: 0.25, feedback: 0.4, mix: 0.3 }, 2, 48_000));
    for k in 0..64 {
        let p = VoiceParams { gain: 0.01, bus: Some(k % 2), ..VoiceParams::default() };
        if h.play(0, Source::Synth(graph(k)), p).is_err() {
            panic!("bench setup: could not start voice {k}");
        }
    }
    let _tap = h.take_tap();
    let mut out = vec![0.0f32; 128 * 2];
    e.process(&mut out);
    group.bench_function("quai_engine", |b| b.iter(|| e.process(std::hint::black_box(&mut out))));

    let mut graphs: Vec<Box<dyn AudioUnit>> = (0..64).map(graph).collect();
    let mut buf = BufferVec::new(1);
    let mut mix = vec![0.0f32; 128 * 2];
    group.bench_function("bare_fundsp_64_voices", |b| {
        b.iter(|| {
            mix.fill(0.0);
            for g in graphs.iter_mut() {
                for half in 0..2 {
                    g.process(64, &BufferRef::empty(), &mut buf.buffer_mut());
                    for (i, x) in buf.channel_f32(0).iter().enumerate() {
                        let f = half * 64 + i;
                        mix[2 * f] += x * 0.007;
                        mix[2 * f + 1] += x * 0.007;
                    }
                }
            }
            std::hint::black_box(&mut mix);
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
