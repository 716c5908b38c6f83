//! `quai audio-test SCENE`: the speaker test for technicians. Through the scene's own stream
//! settings (host, device, channels, connections), it plays pink noise on one speaker at a time,
//! in the order of the layout, and names each in the log ("speaker `front-left` (channel 1, at
//! -2.0 3.0 1.5)"), so a swapped cable or a dead amplifier channel is heard at once. Without
//! `[[speakers]]` it walks the output channels. Runs on the main thread; the engine in the device
//! callback.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use fundsp::prelude::{pass, pink};

use super::AppError;
use crate::audio::engine::{self, EngineSettings, Source, VoiceParams};
use crate::audio::stream::{self, StreamConfig, StreamState};
use crate::scene::Scene;
use crate::scene::audio::{MAX_CHANNELS, Speaker};

#[derive(Debug, Clone)]
pub struct AudioTestOptions {
    /// Seconds of noise per speaker.
    pub hold: Duration,
    /// Level of the noise in dBFS (default -20: loud enough to hear, kind to tweeters).
    pub level_db: f32,
    /// Stop after this long (default: one pass over every speaker).
    pub duration: Option<Duration>,
}

/// The speakers to walk: the layout's, or one per output channel.
fn speakers(scene: &Scene, channels: usize) -> Vec<Speaker> {
    if !scene.audio.speakers.is_empty() {
        return scene.audio.speakers.clone();
    }
    (0..channels).map(|c| Speaker { name: format!("channel {}", c + 1), channel: c, position: [0.0; 3] }).collect()
}

pub fn run(scene: &Scene, opts: &AudioTestOptions, stop: Arc<AtomicBool>) -> Result<(), AppError> {
    let settings = scene.audio.settings.clone();
    let channels = settings.as_ref().map_or(2, |s| s.channels).clamp(1, MAX_CHANNELS);
    let sample_rate = settings.as_ref().map_or(48_000, |s| s.sample_rate);
    let (mut handle, engine) = engine::engine(EngineSettings { sample_rate, channels, ..EngineSettings::default() });
    let config = match &settings {
        Some(s) => StreamConfig::from_settings(s, Some("audio-test")),
        None => StreamConfig {
            host: None,
            device: None,
            sample_rate,
            buffer: 256,
            channels,
            client_name: "quai-audio-test".into(),
            connect: Vec::new(),
            input: None,
        },
    };
    let stream = stream::start(config, Box::new(crate::audio::show::EngineRender::new(engine)));
    let started = Instant::now();
    while !matches!(stream.state(), StreamState::Running { .. }) {
        if started.elapsed() > Duration::from_secs(5) || stop.load(Ordering::Relaxed) {
            let why = match stream.state() {
                StreamState::Silent { reason } => reason,
                other => format!("{other:?}"),
            };
            return Err(AppError::Environment(format!("audio-test: no audio output: {why}")));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let level = 10f32.powf(opts.level_db / 20.0);
    let list = speakers(scene, channels);
    let running = || !stop.load(Ordering::Relaxed) && opts.duration.is_none_or(|d| started.elapsed() < d);
    'test: for s in &list {
        if s.channel >= channels {
            tracing::warn!(
                "audio-test: speaker `{}` is on channel {}, past the {channels} outputs",
                s.name,
                s.channel + 1
            );
            continue;
        }
        let [x, y, z] = s.position;
        tracing::info!(
            "audio-test: speaker `{}` (channel {}, at {x:.1} {y:.1} {z:.1}): pink noise",
            s.name,
            s.channel + 1
        );
        let mut gains = [0.0; MAX_CHANNELS];
        gains[s.channel] = 1.0;
        let params = VoiceParams { gain: level, gains, fade_in: 0.02, ..VoiceParams::default() };
        let voice = handle
            .play(handle.now(), Source::Synth(Box::new(pink::<f32>() >> pass())), params)
            .map_err(|e| AppError::Bug(e.to_string()))?;
        let until = Instant::now() + opts.hold;
        while Instant::now() < until {
            if !running() {
                let _ = handle.stop(voice, handle.now(), 0.02);
                break 'test;
            }
            handle.collect_garbage();
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = handle.stop(voice, handle.now(), 0.05);
        std::thread::sleep(Duration::from_millis(150));
    }
    handle.collect_garbage();
    tracing::info!("audio-test: done");
    Ok(())
}
