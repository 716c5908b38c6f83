//! Tests of the engine through its public API, on the mock backend (`Engine::process` called
//! directly). Run on the test thread; nothing here needs a sound card.

use std::f32::consts::{FRAC_PI_4, PI};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use fundsp::prelude32::sine_hz;

use super::*;

pub(super) fn settings(channels: usize, voices: usize, buses: usize) -> EngineSettings {
    EngineSettings { channels, voices, buses, ..EngineSettings::default() }
}

/// Renders `frames` frames in blocks of `block`.
pub(super) fn render(e: &mut Engine, frames: usize, block: usize) -> Vec<f32> {
    let ch = e.channels();
    let mut out = vec![0.0; frames * ch];
    for chunk in out.chunks_mut(block * ch) {
        e.process(chunk);
    }
    out
}

fn channel(out: &[f32], ch: usize, c: usize) -> Vec<f32> {
    out.iter().skip(c).step_by(ch).copied().collect()
}

fn rms(x: &[f32]) -> f32 {
    (x.iter().map(|v| (v * v) as f64).sum::<f64>() / x.len() as f64).sqrt() as f32
}

fn db(x: f32) -> f32 {
    20.0 * x.log10()
}

pub(super) fn left() -> [f32; MAX_CHANNELS] {
    let mut g = [0.0; MAX_CHANNELS];
    g[0] = 1.0;
    g
}

fn params(gain: f32) -> VoiceParams {
    VoiceParams { gain, gains: left(), smoothing: 0.0, ..VoiceParams::default() }
}

fn ones(frames: usize, sample_rate: u32) -> Source {
    Source::Sample(Arc::new(SampleBuffer { sample_rate, channels: 1, frames: vec![1.0; frames] }))
}

fn nonzero(x: &[f32]) -> usize {
    x.iter().filter(|v| **v != 0.0).count()
}

#[test]
fn sine_440_level_and_pitch() {
    let (mut h, mut e) = engine(settings(2, 8, 0));
    let gain = 10f32.powf(-6.0 / 20.0);
    h.play(0, Source::Synth(Box::new(sine_hz(440.0))), params(gain)).unwrap();
    let out = render(&mut e, 48_000, 128);
    let l = channel(&out, 2, 0);
    assert!((db(rms(&l)) - db(gain / 2f32.sqrt())).abs() < 0.1, "rms {} dB", db(rms(&l)));
    let ups = l.windows(2).filter(|w| w[0] <= 0.0 && w[1] > 0.0).count() as f32;
    assert!((ups - 440.0).abs() <= 1.0, "{ups} Hz");
    assert_eq!(rms(&channel(&out, 2, 1)), 0.0);
}

#[test]
fn play_starts_at_its_exact_frame() {
    let (mut h, mut e) = engine(settings(2, 8, 0));
    h.play(12_345, ones(48_000, 48_000), params(0.5)).unwrap();
    let l = channel(&render(&mut e, 20_000, 128), 2, 0);
    assert_eq!(l.iter().position(|v| *v != 0.0), Some(12_345));
    assert_eq!(l[12_345], 0.5);
}

#[test]
fn command_in_the_past_takes_effect_at_block_start() {
    let (mut h, mut e) = engine(settings(1, 8, 0));
    render(&mut e, 1000, 100);
    h.play(10, ones(100, 48_000), params(0.5)).unwrap();
    let out = render(&mut e, 200, 200);
    assert_eq!(out.iter().position(|v| *v != 0.0), Some(0));
    assert_eq!(nonzero(&out), 100);
}

/// Guards the loop seam: interpolation across the seam uses the wrapped index.
#[test]
fn loop_seam_is_click_free() {
    let (mut h, mut e) = engine(settings(1, 8, 0));
    let period = 480;
    let frames: Vec<f32> = (0..period * 10).map(|n| 0.5 * (2.0 * PI * n as f32 / period as f32).sin()).collect();
    let src = Source::Sample(Arc::new(SampleBuffer { sample_rate: 48_000, channels: 1, frames }));
    let rate = 1.37;
    h.play(0, src, VoiceParams { looping: true, rate, ..params(1.0) }).unwrap();
    let out = render(&mut e, 48_000, 128);
    let max_slope = 0.5 * 2.0 * PI * rate / period as f32;
    let worst = out.windows(2).map(|w| (w[1] - w[0]).abs()).fold(0.0, f32::max);
    assert!(worst <= max_slope * 1.001, "step {worst} > slope {max_slope}");
    assert!(rms(&out[40_000..]) > 0.3, "still looping");
}

#[test]
fn rate_and_file_rate_change_length() {
    for (rate, sr, expect) in [(1.0, 48_000, 1000), (2.0, 48_000, 500), (1.0, 24_000, 2000), (0.5, 96_000, 1000)] {
        let (mut h, mut e) = engine(settings(1, 8, 0));
        h.play(0, ones(1000, sr), VoiceParams { rate, ..params(0.5) }).unwrap();
        let out = render(&mut e, 4000, 128);
        let n = nonzero(&out);
        assert!(n.abs_diff(expect) <= 1, "rate {rate} at {sr} Hz: {n} frames, expected {expect}");
        assert!(h.events().any(|ev| matches!(ev, Event::Finished(_))));
    }
}

#[test]
fn offset_skips_into_the_sample() {
    let (mut h, mut e) = engine(settings(1, 8, 0));
    let frames: Vec<f32> = (0..4800).map(|n| n as f32 * 1e-4).collect();
    let src = Source::Sample(Arc::new(SampleBuffer { sample_rate: 48_000, channels: 1, frames }));
    h.play(0, src, VoiceParams { offset: 0.01, ..params(1.0) }).unwrap();
    let out = render(&mut e, 6000, 128);
    assert!((out[0] - 480.0 * 1e-4).abs() < 1e-6, "{}", out[0]);
    assert_eq!(nonzero(&out), 4800 - 480);
}

#[test]
fn equal_power_pan_splits_energy() {
    let (mut h, mut e) = engine(settings(2, 8, 0));
    let pan = 0.4f32;
    let theta = (pan + 1.0) * FRAC_PI_4;
    let mut gains = [0.0; MAX_CHANNELS];
    gains[0] = theta.cos();
    gains[1] = theta.sin();
    h.play(0, Source::Synth(Box::new(sine_hz(1000.0))), VoiceParams { gains, ..params(0.5) }).unwrap();
    let out = render(&mut e, 48_000, 256);
    let (l, r) = (rms(&channel(&out, 2, 0)), rms(&channel(&out, 2, 1)));
    let total = 0.5 / 2f32.sqrt();
    assert!((l - total * theta.cos()).abs() < 1e-3 && (r - total * theta.sin()).abs() < 1e-3, "{l} {r}");
    assert!((l * l + r * r - total * total).abs() < 1e-3, "power kept");
}

#[test]
fn multichannel_sample_downmix_and_straight() {
    // Stereo file: left 1, right 0.
    let buf = Arc::new(SampleBuffer { sample_rate: 48_000, channels: 2, frames: [1.0, 0.0].repeat(100) });
    let mut gains = [0.0; MAX_CHANNELS];
    gains[0] = 1.0;
    gains[1] = 1.0;
    let (mut h, mut e) = engine(settings(2, 8, 0));
    h.play(0, Source::Sample(buf.clone()), VoiceParams { gains, ..params(1.0) }).unwrap();
    let out = render(&mut e, 50, 50);
    assert_eq!((out[0], out[1]), (0.5, 0.5), "downmix to mono, then gains");
    let (mut h, mut e) = engine(settings(2, 8, 0));
    gains[0] = 0.5;
    h.play(0, Source::Sample(buf), VoiceParams { gains, straight: true, ..params(1.0) }).unwrap();
    let out = render(&mut e, 50, 50);
    assert_eq!((out[0], out[1]), (0.5, 0.0), "straight: file channel k to output k × gains[k]");
}

fn sine_out(ceiling: f32, gain: f32) -> Vec<f32> {
    let (mut h, mut e) = engine(EngineSettings { ceiling, ..settings(2, 8, 0) });
    h.play(0, Source::Synth(Box::new(sine_hz(220.0))), params(gain)).unwrap();
    h.play(0, Source::Synth(Box::new(sine_hz(331.0))), params(gain)).unwrap();
    render(&mut e, 48_000, 128)
}

#[test]
fn limiter_holds_the_ceiling_and_passes_quiet_mixes() {
    let ceiling = 10f32.powf(-1.0 / 20.0);
    // Two sines each at the ceiling +20 dB (peaks near +26 dB).
    let loud = sine_out(ceiling, ceiling * 10.0);
    let peak = loud.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    assert!(peak <= ceiling, "peak {peak} > {ceiling}");
    assert!(peak > ceiling * 0.99, "limited to the ceiling, not far below");
    // A quiet mix (peak ≤ 0.5) is untouched: compare with no limiting at all.
    let quiet = sine_out(ceiling, 0.25);
    let open = sine_out(1000.0, 0.25);
    let worst = quiet.iter().zip(&open).map(|(a, b)| (a - b).abs()).fold(0.0f32, f32::max);
    assert!(worst == 0.0 || db(rms(&quiet) / rms(&open)).abs() < 0.01, "quiet mix changed by {worst}");
    assert_eq!(worst, 0.0);
}

#[test]
fn stealing_takes_the_lowest_oldest_or_rejects() {
    let (mut h, mut e) = engine(settings(2, 64, 0));
    let mut ids = Vec::new();
    for k in 0..64 {
        let p = if k == 10 { 3 } else { 5 };
        ids.push(h.play(0, ones(1 << 20, 48_000), VoiceParams { priority: p, ..params(0.001) }).unwrap());
    }
    // Sent before the audio thread saw the 64: only the audio thread can tell.
    let late = h.play(0, ones(100, 48_000), VoiceParams { priority: 2, ..params(0.001) }).unwrap();
    render(&mut e, 128, 128);
    let ev: Vec<Event> = h.events().collect();
    assert_eq!(ev.iter().filter(|e| matches!(e, Event::Started(_))).count(), 64);
    assert!(ev.contains(&Event::Rejected(late, RejectReason::NoFreeVoice)), "{ev:?}");
    assert_eq!(h.meters().voices_playing, 64);
    // Lower than all: rejected synchronously.
    assert!(matches!(
        h.play(0, ones(10, 48_000), VoiceParams { priority: 2, ..params(0.001) }),
        Err(EngineError::NoFreeVoice { .. })
    ));
    // Higher than the lowest (3, voice 10): steals it.
    let a = h.play(0, ones(1 << 20, 48_000), VoiceParams { priority: 6, ..params(0.001) }).unwrap();
    render(&mut e, 128, 128);
    let ev: Vec<Event> = h.events().collect();
    assert_eq!(ev[..2], [Event::Stolen(ids[10]), Event::Started(a)]);
    // Equal to the lowest (5 now): steals the oldest of them, voice 0.
    let b = h.play(0, ones(1 << 20, 48_000), VoiceParams { priority: 5, ..params(0.001) }).unwrap();
    render(&mut e, 128, 128);
    let ev: Vec<Event> = h.events().collect();
    assert_eq!(ev[..2], [Event::Stolen(ids[0]), Event::Started(b)]);
    assert!(ev.contains(&Event::Finished(ids[10])), "{ev:?}");
    // The stolen voices fade out over 5 ms (240 frames), then finish and come back.
    render(&mut e, 512, 128);
    let ev: Vec<Event> = h.events().collect();
    assert!(ev.contains(&Event::Finished(ids[0])), "{ev:?}");
    assert!(h.collect_garbage() >= 3, "two stolen voices and the rejected one");
}

#[test]
fn stolen_voice_fades_without_a_click() {
    let (mut h, mut e) = engine(settings(1, 1, 0));
    h.play(0, ones(1 << 20, 48_000), params(0.5)).unwrap();
    h.play(1000, ones(1 << 20, 48_000), VoiceParams { gains: [0.0; MAX_CHANNELS], ..params(0.5) }).unwrap();
    let out = render(&mut e, 2000, 128);
    let worst = out.windows(2).map(|w| (w[1] - w[0]).abs()).fold(0.0, f32::max);
    assert!(worst <= 0.5 / 240.0 * 1.01, "step {worst}");
    assert_eq!(out[1999], 0.0);
}

#[test]
fn stop_fades_out_linearly() {
    let (mut h, mut e) = engine(settings(1, 4, 0));
    let id = h.play(0, ones(1 << 20, 48_000), params(0.5)).unwrap();
    h.stop(id, 100, 0.01).unwrap();
    let out = render(&mut e, 1000, 64);
    assert_eq!(out[99], 0.5);
    assert!((out[100 + 240] - 0.25).abs() < 0.01, "{}", out[340]);
    assert_eq!(nonzero(&out), 100 + 480);
    assert!(h.events().any(|ev| ev == Event::Finished(id)));
}

#[test]
fn stream_plays_the_ring_then_finishes_when_ended() {
    let (mut h, mut e) = engine(settings(2, 4, 0));
    let (mut prod, cons) = rtrb::RingBuffer::new(4096);
    for n in 0..100 {
        prod.push(n as f32 * 0.001).unwrap();
        prod.push(-(n as f32) * 0.001).unwrap();
    }
    let ended = Arc::new(AtomicBool::new(false));
    let reader = StreamReader { ring: cons, channels: 2, sample_rate: 48_000, ended: ended.clone() };
    let mut gains = [0.0; MAX_CHANNELS];
    gains[0] = 1.0;
    gains[1] = 1.0;
    let id = h.play(0, Source::Stream(reader), VoiceParams { gains, straight: true, ..params(1.0) }).unwrap();
    let out = render(&mut e, 150, 64);
    assert_eq!(out[2 * 42], 42.0f32 * 0.001);
    assert_eq!(out[2 * 42 + 1], -(42.0f32 * 0.001));
    assert_eq!(out[2 * 99], 99.0f32 * 0.001);
    assert!(out[2 * 101..].iter().all(|v| *v == 0.0), "underflow is silence");
    assert!(!h.events().any(|ev| matches!(ev, Event::Finished(_))), "not ended yet");
    ended.store(true, Ordering::Release);
    render(&mut e, 64, 64);
    let ev: Vec<Event> = h.events().collect();
    assert!(ev.contains(&Event::Finished(id)), "{ev:?}");
    assert!(ev.iter().any(|e| matches!(e, Event::Underflowed { id: i, frames } if *i == id && *frames > 0)));
    assert!(h.meters().stream_underflows > 0);
}

#[test]
fn buses_effects_meters_and_tap() {
    let (mut h, mut e) = engine(settings(2, 8, 2));
    h.set_bus_effect(0, effect(EffectKind::Lowpass { cutoff: 200.0, q: 0.7 }, 2, 48_000)).unwrap();
    h.set_bus_effect(1, effect(EffectKind::Reverb { room: 0.5, time: 1.0, mix: 0.5 }, 2, 48_000)).unwrap();
    assert!(matches!(
        h.set_bus_effect(1, Box::new(sine_hz(1.0))),
        Err(EngineError::EffectChannels { inputs: 0, outputs: 1, channels: 2 })
    ));
    assert!(matches!(h.set_bus(2, 1.0), Err(EngineError::NoSuchBus { bus: 2, buses: 2 })));
    h.play(0, Source::Synth(Box::new(sine_hz(5000.0))), VoiceParams { bus: Some(0), ..params(0.5) }).unwrap();
    let mut tap = h.take_tap().unwrap();
    assert!(h.take_tap().is_none());
    let out = render(&mut e, 4800, 128);
    let l = channel(&out, 2, 0);
    assert!(rms(&l[2400..]) < 0.5 / 2f32.sqrt() * 0.1, "lowpass at 200 Hz cuts 5 kHz by > 20 dB");
    let m = h.meters();
    assert_eq!(m.now, 4800);
    assert_eq!(h.now(), 4800);
    assert!(m.peak[0] > 0.0 && m.rms[0] > 0.0 && m.peak[1] == 0.0);
    assert_eq!(tap.slots(), 4800 * 2);
    let mut first = [0.0; 256];
    tap.pop_entire_slice(&mut first).unwrap();
    assert_eq!(&first[..], &out[..256]);
    // Overfill the tap: drops are counted, whole frames only.
    render(&mut e, 48_000, 1024);
    assert!(h.meters().tap_dropped > 0);
    assert_eq!(tap.slots() % 2, 0);
}

#[test]
fn synth_inputs_are_smoothed() {
    use fundsp::prelude32::{pass, sine};
    let (mut h, mut e) = engine(settings(1, 4, 0));
    let unit = Box::new(pass() >> sine());
    assert_eq!(synth_inputs(unit.as_ref()), 1);
    let p = VoiceParams { smoothing: 0.01, ..params(0.5) };
    let id = h.play_with_inputs(0, Source::Synth(unit), p, &[440.0]).unwrap();
    render(&mut e, 1000, 128);
    h.set_input(id, 0, 880.0).unwrap();
    let out = render(&mut e, 4800, 128);
    let worst = out.windows(2).map(|w| (w[1] - w[0]).abs()).fold(0.0, f32::max);
    assert!(worst <= 0.5 * 2.0 * PI * 880.0 / 48_000.0 * 1.01, "no jump: {worst}");
    assert!(matches!(h.set_input(id, 8, 1.0), Err(EngineError::NoSuchInput { .. })));
}

#[test]
fn full_pending_list_rejects_and_counts() {
    let (mut h, mut e) = engine(EngineSettings { pending: 4, ..settings(1, 8, 0) });
    let ids: Vec<VoiceId> = (0..6).map(|k| h.play(1_000_000 + k, ones(10, 48_000), params(0.1)).unwrap()).collect();
    render(&mut e, 64, 64);
    let ev: Vec<Event> = h.events().collect();
    assert_eq!(
        ev,
        vec![Event::Rejected(ids[4], RejectReason::PendingFull), Event::Rejected(ids[5], RejectReason::PendingFull)]
    );
    assert_eq!(h.meters().commands_rejected, 2);
    assert_eq!(h.collect_garbage(), 2);
}

#[test]
fn queue_full_is_an_error() {
    let (mut h, _e) = engine(EngineSettings { commands: 2, ..settings(1, 8, 0) });
    h.set_master(0.5).unwrap();
    h.set_master(0.5).unwrap();
    assert_eq!(h.set_master(0.5), Err(EngineError::QueueFull { capacity: 2 }));
}
