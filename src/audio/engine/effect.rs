//! Bus effects built with fundsp, from the scene's effect vocabulary. Built on the main thread
//! (sample rate set, memory allocated), then sent to the audio thread with
//! `EngineHandle::set_bus_effect`. A bus effect is `channels` in / `channels` out: mono effects
//! run one copy per channel; the reverb runs on channel pairs (0,1), (2,3)…, a last odd channel
//! through a mono-summed stereo reverb.

use fundsp::audiounit::AudioUnit;
use fundsp::net::Net;
use fundsp::prelude32::{U2, delay, feedback2, highpass_hz, join, lowpass_hz, multipass, pass, reverb_stereo, split};

/// One effect of a bus chain (the scene's `Effect`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum EffectKind {
    /// 12 dB/oct state-variable lowpass at `cutoff` Hz.
    Lowpass {
        cutoff: f32,
        q: f32,
    },
    Highpass {
        cutoff: f32,
        q: f32,
    },
    /// Feedback delay: `seconds` (1 ms..10 s), `feedback` 0..0.98, `mix` 0 (dry) ..1 (wet).
    Delay {
        seconds: f32,
        feedback: f32,
        mix: f32,
    },
    /// fundsp's `reverb_stereo`: `room` 0..1 maps to 10..30 m, `time` seconds to -60 dB, `mix` 0..1.
    Reverb {
        room: f32,
        time: f32,
        mix: f32,
    },
}

/// One effect for a bus `channels` wide at `sample_rate`, ready to send.
pub fn effect(kind: EffectKind, channels: usize, sample_rate: u32) -> Box<dyn AudioUnit> {
    chain(&[kind], channels, sample_rate)
}

/// A chain of effects (in order) for a bus `channels` wide; an empty chain passes through.
pub fn chain(kinds: &[EffectKind], channels: usize, sample_rate: u32) -> Box<dyn AudioUnit> {
    let channels = channels.max(1);
    let mut net = through(channels);
    for &k in kinds {
        net = net >> one(k, channels);
    }
    net.set_sample_rate(sample_rate.max(1) as f64);
    net.allocate();
    Box::new(net)
}

fn through(channels: usize) -> Net {
    let mut net = Net::new(channels, channels);
    for c in 0..channels {
        net.pass_through(c, c);
    }
    net
}

fn finite(x: f32, lo: f32, hi: f32, default: f32) -> f32 {
    if x.is_finite() { x.clamp(lo, hi) } else { default }
}

fn per_channel(channels: usize, make: impl Fn() -> Box<dyn AudioUnit>) -> Net {
    let mut net = Net::wrap(make());
    for _ in 1..channels {
        net = net | Net::wrap(make());
    }
    net
}

fn one(kind: EffectKind, channels: usize) -> Net {
    match kind {
        EffectKind::Lowpass { cutoff, q } => {
            let (f, q) = (finite(cutoff, 10.0, 22_000.0, 1000.0), finite(q, 0.1, 20.0, 0.707));
            per_channel(channels, || Box::new(lowpass_hz(f, q)))
        }
        EffectKind::Highpass { cutoff, q } => {
            let (f, q) = (finite(cutoff, 10.0, 22_000.0, 100.0), finite(q, 0.1, 20.0, 0.707));
            per_channel(channels, || Box::new(highpass_hz(f, q)))
        }
        EffectKind::Delay { seconds, feedback, mix } => {
            let t = finite(seconds, 0.001, 10.0, 0.25);
            let fb = finite(feedback, 0.0, 0.98, 0.3);
            let mix = finite(mix, 0.0, 1.0, 0.5);
            per_channel(channels, || Box::new((pass() * (1.0 - mix)) & (feedback2(delay(t), pass() * fb) * mix)))
        }
        EffectKind::Reverb { room, time, mix } => {
            let room = 10.0 + 20.0 * finite(room, 0.0, 1.0, 0.5);
            let time = finite(time, 0.1, 20.0, 2.0);
            let mix = finite(mix, 0.0, 1.0, 0.3);
            let pair =
                || Net::wrap(Box::new((multipass::<U2>() * (1.0 - mix)) & (reverb_stereo(room, time, 0.5) * mix)));
            let single = || {
                Net::wrap(Box::new(
                    (pass() * (1.0 - mix)) & ((split::<U2>() >> reverb_stereo(room, time, 0.5) >> join::<U2>()) * mix),
                ))
            };
            let mut net = if channels >= 2 { pair() } else { single() };
            let mut done = if channels >= 2 { 2 } else { 1 };
            while done < channels {
                if channels - done >= 2 {
                    net = net | pair();
                    done += 2;
                } else {
                    net = net | single();
                    done += 1;
                }
            }
            net
        }
    }
}
