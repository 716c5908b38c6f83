//! ALSA and the platform's default host, through cpal. Opened on the supervisor thread; the data
//! callback runs on cpal's stream thread, the error callback on whichever thread cpal reports from.
//!
//! The device is found by name or id (case-insensitive substring, an exact id first), and opened
//! at the closest it offers to what was asked: the channel count if it has it (else the most it has,
//! logged as requested vs available), the sample rate clamped into its range, the buffer size
//! likewise, in 32-bit float where offered, else 32- or 16-bit integers converted from a scratch
//! buffer made at open.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};
use cpal::{BufferSize, ErrorKind, SampleFormat, SupportedBufferSize, SupportedStreamConfigRange};

use super::{HostChoice, Live, MAX_CHANNELS, Opened, Shared, StreamConfig, StreamState};

/// Frames rendered per `Render::render` call at most (longer device blocks go in pieces).
const MAX_BLOCK: usize = 1024;
/// Sample formats quai writes, best first.
pub(super) const FORMATS: [SampleFormat; 3] = [SampleFormat::F32, SampleFormat::I32, SampleFormat::I16];

/// The cpal host for a choice (`Jack` is not opened here).
pub(super) fn host(choice: HostChoice) -> Result<cpal::Host, String> {
    match choice {
        HostChoice::Alsa => cpal::host_from_id(cpal::HostId::Alsa).map_err(|e| format!("ALSA: {e}")),
        _ => Ok(cpal::default_host()),
    }
}

/// `Description (host:id)`, how quai names a device.
pub(super) fn label(device: &cpal::Device) -> String {
    let name = device.description().map(|d| d.name().to_owned()).unwrap_or_else(|_| "unnamed".into());
    match device.id() {
        Ok(id) => format!("{name} ({id})"),
        Err(_) => name,
    }
}

fn find(host: &cpal::Host, wanted: Option<&str>) -> Result<cpal::Device, String> {
    let host_name = host.id().name();
    let Some(wanted) = wanted else {
        return host.default_output_device().ok_or_else(|| {
            format!("{host_name} has no default output device (no sound card?): `quai devices` lists what there is")
        });
    };
    let devices: Vec<cpal::Device> = host.output_devices().map_err(|e| format!("{host_name}: {e}"))?.collect();
    let id = |d: &cpal::Device| d.id().map(|i| i.id().to_owned()).unwrap_or_default();
    let w = wanted.to_lowercase();
    devices
        .iter()
        .position(|d| id(d).eq_ignore_ascii_case(wanted))
        .or_else(|| devices.iter().position(|d| label(d).to_lowercase().contains(&w)))
        .map(|i| devices[i].clone())
        .ok_or_else(|| format!("no {host_name} output device matches \"{wanted}\": `quai devices` lists them"))
}

/// Picks the config closest to what was asked (see the module docs), logging each compromise.
fn choose(
    ranges: &[SupportedStreamConfigRange],
    config: &StreamConfig,
    device: &str,
) -> Option<cpal::SupportedStreamConfig> {
    let usable: Vec<&SupportedStreamConfigRange> =
        ranges.iter().filter(|r| FORMATS.contains(&r.sample_format())).collect();
    let want = config.channels.clamp(1, MAX_CHANNELS);
    let has = |c: usize| usable.iter().any(|r| r.channels() as usize == c);
    let channels = if has(want) {
        want
    } else {
        let most = usable.iter().map(|r| r.channels() as usize).filter(|&c| c <= MAX_CHANNELS).max();
        let c = most.or_else(|| usable.iter().map(|r| r.channels() as usize).min())?;
        let mut offered: Vec<usize> = usable.iter().map(|r| r.channels() as usize).collect();
        offered.sort_unstable();
        offered.dedup();
        tracing::warn!(
            "audio: `{device}` cannot give {want} output channels (it offers {offered:?}): using {c}; \
             the rest of the speakers stay silent"
        );
        c
    };
    let rank = |r: &&&SupportedStreamConfigRange| {
        let fits = (r.min_sample_rate()..=r.max_sample_rate()).contains(&config.sample_rate);
        let format = FORMATS.iter().position(|f| *f == r.sample_format()).unwrap_or(FORMATS.len());
        (!fits, format)
    };
    let best = usable.iter().filter(|r| r.channels() as usize == channels).min_by_key(rank)?;
    let rate = config.sample_rate.clamp(best.min_sample_rate(), best.max_sample_rate());
    if rate != config.sample_rate {
        tracing::warn!("audio: `{device}` cannot run at {} Hz: using {rate} Hz", config.sample_rate);
    }
    Some((*best).with_sample_rate(rate))
}

pub(super) fn open(config: &StreamConfig, choice: HostChoice, shared: &Arc<Shared>) -> Result<Opened, String> {
    let host = host(choice)?;
    let device = find(&host, config.device.as_deref())?;
    let name = label(&device);
    let ranges: Vec<SupportedStreamConfigRange> =
        device.supported_output_configs().map_err(|e| format!("output device `{name}`: {e}"))?.collect();
    let supported = choose(&ranges, config, &name)
        .ok_or_else(|| format!("output device `{name}` offers no float, 32- or 16-bit output"))?;
    let buffer = match supported.buffer_size() {
        SupportedBufferSize::Range { min, max } => BufferSize::Fixed(config.buffer.clamp(*min, *max)),
        SupportedBufferSize::Unknown => BufferSize::Default,
    };
    let cfg = cpal::StreamConfig {
        channels: supported.channels(),
        sample_rate: supported.sample_rate(),
        buffer_size: buffer,
    };
    let broken = Arc::new(Broken::default());
    let stream = match supported.sample_format() {
        SampleFormat::I32 => build::<i32>(&device, &cfg, shared, &broken),
        SampleFormat::I16 => build::<i16>(&device, &cfg, shared, &broken),
        _ => build::<f32>(&device, &cfg, shared, &broken),
    }
    .map_err(|e| format!("cannot open output device `{name}`: {e}"))?;
    stream.play().map_err(|e| format!("cannot start output device `{name}`: {e}"))?;
    let buffer = stream.buffer_size().unwrap_or(match buffer {
        BufferSize::Fixed(n) => n,
        _ => 0,
    });
    let running = StreamState::Running {
        host: host.id().name().to_owned(),
        device: name,
        sample_rate: cfg.sample_rate,
        buffer,
        channels: cfg.channels as usize,
    };
    Ok(Opened { live: Box::new(DeviceLive { _stream: stream, broken }), running })
}

/// Set by the error callback when the stream is gone.
#[derive(Default)]
struct Broken {
    flag: AtomicBool,
    why: Mutex<String>,
}

fn build<T: cpal::SizedSample + cpal::FromSample<f32>>(
    device: &cpal::Device,
    cfg: &cpal::StreamConfig,
    shared: &Arc<Shared>,
    broken: &Arc<Broken>,
) -> Result<cpal::Stream, cpal::Error> {
    let channels = cfg.channels as usize;
    let mut scratch = vec![0.0f32; channels * MAX_BLOCK];
    let (s, b) = (shared.clone(), broken.clone());
    let on_error = move |e: cpal::Error| match e.kind() {
        ErrorKind::Xrun => s.underrun(),
        ErrorKind::DeviceChanged | ErrorKind::RealtimeDenied => {}
        _ => {
            if let Ok(mut why) = b.why.try_lock() {
                *why = e.to_string();
            }
            b.flag.store(true, Ordering::Release);
        }
    };
    let shared = shared.clone();
    let data = move |out: &mut [T], _: &cpal::OutputCallbackInfo| {
        for chunk in out.chunks_mut(channels * MAX_BLOCK) {
            let buf = &mut scratch[..chunk.len()];
            shared.render(buf, channels);
            for (o, s) in chunk.iter_mut().zip(buf.iter()) {
                *o = T::from_sample(*s);
            }
        }
        shared.callback();
    };
    device.build_output_stream::<T, _, _>(*cfg, data, on_error, None)
}

struct DeviceLive {
    _stream: cpal::Stream,
    broken: Arc<Broken>,
}

impl Live for DeviceLive {
    fn broken(&self) -> Option<String> {
        self.broken.flag.load(Ordering::Acquire).then(|| {
            let why = self.broken.why.lock().map(|w| w.clone()).unwrap_or_default();
            format!("the output device stopped: {why}")
        })
    }

    fn close(self: Box<Self>) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(channels: u16, min: u32, max: u32, format: SampleFormat) -> SupportedStreamConfigRange {
        SupportedStreamConfigRange::new(channels, min, max, SupportedBufferSize::Range { min: 64, max: 4096 }, format)
    }

    fn want(channels: usize, sample_rate: u32) -> StreamConfig {
        StreamConfig {
            host: Some(HostChoice::Alsa),
            device: None,
            sample_rate,
            buffer: 256,
            channels,
            client_name: "quai".into(),
            connect: vec![],
        }
    }

    /// A stereo card asked for 8 channels gives its 2; float is preferred over 16-bit; a rate out
    /// of range is clamped into it.
    #[test]
    fn closest_config_wins() {
        let card = [
            range(2, 44100, 48000, SampleFormat::I16),
            range(2, 44100, 48000, SampleFormat::F32),
            range(1, 44100, 48000, SampleFormat::F32),
            range(2, 8000, 192000, SampleFormat::U8),
        ];
        let c = choose(&card, &want(8, 48000), "card").unwrap();
        assert_eq!((c.channels(), c.sample_rate(), c.sample_format()), (2, 48000, SampleFormat::F32));
        let c = choose(&card, &want(1, 96000), "card").unwrap();
        assert_eq!((c.channels(), c.sample_rate()), (1, 48000));
        assert!(choose(&[range(2, 8000, 48000, SampleFormat::U8)], &want(2, 48000), "card").is_none());
    }
}
