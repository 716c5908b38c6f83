//! ALSA and the platform's default host, through cpal: the output stream, and the input stream
//! ([`open_input`]) the same way. Opened on the supervisor thread; the data callbacks run on cpal's
//! stream threads, the error callback on whichever thread cpal reports from.
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

use super::{HostChoice, InputConfig, Live, MAX_CHANNELS, Opened, Shared, StreamConfig, StreamState};

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

/// `output` or `input`.
#[derive(Clone, Copy, PartialEq)]
enum Direction {
    Output,
    Input,
}

impl Direction {
    fn word(self) -> &'static str {
        if self == Direction::Output { "output" } else { "input" }
    }
}

fn find(host: &cpal::Host, wanted: Option<&str>, dir: Direction) -> Result<cpal::Device, String> {
    let host_name = host.id().name();
    let what = dir.word();
    let Some(wanted) = wanted else {
        let default = if dir == Direction::Output { host.default_output_device() } else { host.default_input_device() };
        return default.ok_or_else(|| {
            format!("{host_name} has no default {what} device (no sound card?): `quai devices` lists what there is")
        });
    };
    let devices = if dir == Direction::Output { host.output_devices() } else { host.input_devices() };
    let devices: Vec<cpal::Device> = devices.map_err(|e| format!("{host_name}: {e}"))?.collect();
    let id = |d: &cpal::Device| d.id().map(|i| i.id().to_owned()).unwrap_or_default();
    let w = wanted.to_lowercase();
    devices
        .iter()
        .position(|d| id(d).eq_ignore_ascii_case(wanted))
        .or_else(|| devices.iter().position(|d| label(d).to_lowercase().contains(&w)))
        .map(|i| devices[i].clone())
        .ok_or_else(|| format!("no {host_name} {what} device matches \"{wanted}\": `quai devices` lists them"))
}

/// Picks the config closest to what was asked (see the module docs), logging each compromise.
fn choose(
    ranges: &[SupportedStreamConfigRange],
    (want, sample_rate): (usize, u32),
    device: &str,
    dir: Direction,
) -> Option<cpal::SupportedStreamConfig> {
    let usable: Vec<&SupportedStreamConfigRange> =
        ranges.iter().filter(|r| FORMATS.contains(&r.sample_format())).collect();
    let what = dir.word();
    let want = want.clamp(1, MAX_CHANNELS);
    let has = |c: usize| usable.iter().any(|r| r.channels() as usize == c);
    let channels = if has(want) {
        want
    } else {
        let most = usable.iter().map(|r| r.channels() as usize).filter(|&c| c <= MAX_CHANNELS).max();
        let c = most.or_else(|| usable.iter().map(|r| r.channels() as usize).min())?;
        let mut offered: Vec<usize> = usable.iter().map(|r| r.channels() as usize).collect();
        offered.sort_unstable();
        offered.dedup();
        let rest = if dir == Direction::Output {
            "the rest of the speakers stay silent"
        } else {
            "its channels are repeated into the rest"
        };
        tracing::warn!(
            "audio: `{device}` cannot give {want} {what} channels (it offers {offered:?}): using {c}; {rest}"
        );
        c
    };
    let rank = |r: &&&SupportedStreamConfigRange| {
        let fits = (r.min_sample_rate()..=r.max_sample_rate()).contains(&sample_rate);
        let format = FORMATS.iter().position(|f| *f == r.sample_format()).unwrap_or(FORMATS.len());
        (!fits, format)
    };
    let best = usable.iter().filter(|r| r.channels() as usize == channels).min_by_key(rank)?;
    let rate = sample_rate.clamp(best.min_sample_rate(), best.max_sample_rate());
    if rate != sample_rate {
        tracing::warn!("audio: `{device}` cannot run at {sample_rate} Hz: using {rate} Hz");
    }
    Some((*best).with_sample_rate(rate))
}

pub(super) fn open(config: &StreamConfig, choice: HostChoice, shared: &Arc<Shared>) -> Result<Opened, String> {
    open_one(config, choice, shared, (config.device.as_deref(), config.channels), Direction::Output)
}

/// Opens the input stream `input` asks for on `choice`'s host, at the config's sample rate (or the
/// nearest the device has) and buffer size; its callback pushes into the input ring.
pub(super) fn open_input(
    config: &StreamConfig,
    input: &InputConfig,
    choice: HostChoice,
    shared: &Arc<Shared>,
) -> Result<Opened, String> {
    open_one(config, choice, shared, (input.device.as_deref(), input.channels), Direction::Input)
}

/// One stream of `dir` on the device named `want.0` (or the default) with `want.1` channels, at
/// the config's sample rate and buffer size or the nearest the device has.
fn open_one(
    config: &StreamConfig,
    choice: HostChoice,
    shared: &Arc<Shared>,
    (device_name, channels): (Option<&str>, usize),
    dir: Direction,
) -> Result<Opened, String> {
    let what = if dir == Direction::Input { "input" } else { "output" };
    let host = host(choice)?;
    let device = find(&host, device_name, dir)?;
    let name = label(&device);
    let ranges: Result<Vec<SupportedStreamConfigRange>, String> = match dir {
        Direction::Input => device.supported_input_configs().map(|r| r.collect()).map_err(|e| e.to_string()),
        Direction::Output => device.supported_output_configs().map(|r| r.collect()).map_err(|e| e.to_string()),
    };
    let ranges = ranges.map_err(|e| format!("{what} device `{name}`: {e}"))?;
    let supported = choose(&ranges, (channels, config.sample_rate), &name, dir)
        .ok_or_else(|| format!("{what} device `{name}` offers no float, 32- or 16-bit {what}"))?;
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
    let stream = match (dir, supported.sample_format()) {
        (Direction::Output, SampleFormat::I32) => build::<i32>(&device, &cfg, shared, &broken),
        (Direction::Output, SampleFormat::I16) => build::<i16>(&device, &cfg, shared, &broken),
        (Direction::Output, _) => build::<f32>(&device, &cfg, shared, &broken),
        (Direction::Input, SampleFormat::I32) => build_input::<i32>(&device, &cfg, shared, &broken),
        (Direction::Input, SampleFormat::I16) => build_input::<i16>(&device, &cfg, shared, &broken),
        (Direction::Input, _) => build_input::<f32>(&device, &cfg, shared, &broken),
    }
    .map_err(|e| format!("cannot open {what} device `{name}`: {e}"))?;
    stream.play().map_err(|e| format!("cannot start {what} device `{name}`: {e}"))?;
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
    Ok(Opened { live: Box::new(DeviceLive { _stream: stream, broken, what }), running, input: None })
}

/// Set by the error callback when the stream is gone.
#[derive(Default)]
struct Broken {
    flag: AtomicBool,
    why: Mutex<String>,
}

/// The error callback: xruns counted (the output's only), a lost stream flagged.
fn on_error(shared: &Arc<Shared>, broken: &Arc<Broken>, count_xruns: bool) -> impl FnMut(cpal::Error) + use<> {
    let (s, b) = (shared.clone(), broken.clone());
    move |e: cpal::Error| match e.kind() {
        ErrorKind::Xrun if count_xruns => s.underrun(),
        ErrorKind::Xrun | ErrorKind::DeviceChanged | ErrorKind::RealtimeDenied => {}
        _ => {
            if let Ok(mut why) = b.why.try_lock() {
                *why = e.to_string();
            }
            b.flag.store(true, Ordering::Release);
        }
    }
}

fn build<T: cpal::SizedSample + cpal::FromSample<f32>>(
    device: &cpal::Device,
    cfg: &cpal::StreamConfig,
    shared: &Arc<Shared>,
    broken: &Arc<Broken>,
) -> Result<cpal::Stream, cpal::Error> {
    let channels = cfg.channels as usize;
    let mut scratch = vec![0.0f32; channels * MAX_BLOCK];
    let on_error = on_error(shared, broken, true);
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

fn build_input<T: cpal::SizedSample>(
    device: &cpal::Device,
    cfg: &cpal::StreamConfig,
    shared: &Arc<Shared>,
    broken: &Arc<Broken>,
) -> Result<cpal::Stream, cpal::Error>
where
    f32: cpal::FromSample<T>,
{
    let have = cfg.channels as usize;
    let on_error = on_error(shared, broken, false);
    let shared = shared.clone();
    let data = move |data: &[T], _: &cpal::InputCallbackInfo| {
        if let Some(input) = &shared.input {
            let frames = data.len() / have.max(1);
            input.capture(frames, have, |f, c| cpal::Sample::to_sample::<f32>(data[f * have + c]));
        }
    };
    device.build_input_stream::<T, _, _>(*cfg, data, on_error, None)
}

struct DeviceLive {
    _stream: cpal::Stream,
    broken: Arc<Broken>,
    /// `output` or `input`.
    what: &'static str,
}

impl Live for DeviceLive {
    fn broken(&self) -> Option<String> {
        self.broken.flag.load(Ordering::Acquire).then(|| {
            let why = self.broken.why.lock().map(|w| w.clone()).unwrap_or_default();
            format!("the {} device stopped: {why}", self.what)
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
        let c = choose(&card, (8, 48000), "card", Direction::Output).unwrap();
        assert_eq!((c.channels(), c.sample_rate(), c.sample_format()), (2, 48000, SampleFormat::F32));
        let c = choose(&card, (1, 96000), "card", Direction::Output).unwrap();
        assert_eq!((c.channels(), c.sample_rate()), (1, 48000));
        assert!(choose(&[range(2, 8000, 48000, SampleFormat::U8)], (2, 48000), "card", Direction::Input).is_none());
    }
}
