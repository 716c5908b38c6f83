//! What `quai devices` prints about audio: every cpal host, its output devices, and their
//! supported output configs in the formats quai writes (f32, i32, i16), up to 16 channels. Runs on the calling thread (the CLI).

use cpal::SupportedBufferSize;
use cpal::traits::{DeviceTrait, HostTrait};

use super::{device, jack_out};

/// Every audio host this build knows, in cpal's order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AudioDevices {
    pub hosts: Vec<HostDevices>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostDevices {
    /// `JACK`, `ALSA`, ...
    pub host: String,
    /// Why the host lists nothing (e.g. no JACK server running).
    pub problem: Option<String>,
    pub devices: Vec<OutputDevice>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputDevice {
    /// `Description (host:id)`; `[audio] device` matches a substring of it.
    pub name: String,
    pub default: bool,
    pub configs: Vec<OutputRange>,
}

/// Output configs that differ only in channel count, merged into a channel range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputRange {
    pub channels: (u16, u16),
    pub sample_rate: (u32, u32),
    /// Frames per block, when the device says.
    pub buffer: Option<(u32, u32)>,
    pub format: String,
}

/// Lists the hosts and their output devices (briefly opens JACK clients when a server runs).
pub fn list_devices() -> AudioDevices {
    let hosts = cpal::available_hosts()
        .into_iter()
        .map(|id| {
            let mut h = HostDevices { host: id.name().to_owned(), problem: None, devices: Vec::new() };
            if id == cpal::HostId::Jack && !jack_out::server_running() {
                let server = crate::input::midi::jack_server_name();
                h.problem = Some(format!("no JACK server `{server}` running"));
                return h;
            }
            match cpal::host_from_id(id) {
                Ok(host) => list_host(&host, &mut h),
                Err(e) => h.problem = Some(e.to_string()),
            }
            h
        })
        .collect();
    AudioDevices { hosts }
}

fn list_host(host: &cpal::Host, h: &mut HostDevices) {
    let default = host.default_output_device().map(|d| device::label(&d));
    let devices = match host.output_devices() {
        Ok(d) => d,
        Err(e) => {
            h.problem = Some(e.to_string());
            return;
        }
    };
    for d in devices {
        let name = device::label(&d);
        let mut configs: Vec<OutputRange> = Vec::new();
        let usable = |r: &cpal::SupportedStreamConfigRange| {
            device::FORMATS.contains(&r.sample_format()) && usize::from(r.channels()) <= super::MAX_CHANNELS
        };
        for r in d.supported_output_configs().into_iter().flatten().filter(usable) {
            let range = OutputRange {
                channels: (r.channels(), r.channels()),
                sample_rate: (r.min_sample_rate(), r.max_sample_rate()),
                buffer: match r.buffer_size() {
                    SupportedBufferSize::Range { min, max } => Some((*min, *max)),
                    SupportedBufferSize::Unknown => None,
                },
                format: r.sample_format().to_string(),
            };
            merge(&mut configs, range);
        }
        h.devices.push(OutputDevice { default: default.as_ref() == Some(&name), name, configs });
    }
}

/// Adds `r` to `configs`, widening an entry of the same rates and format whose channel count is
/// next to it (the buffer range shown is then the widest of them).
fn merge(configs: &mut Vec<OutputRange>, r: OutputRange) {
    let same = |c: &OutputRange| c.sample_rate == r.sample_rate && c.format == r.format;
    match configs.iter_mut().find(|c| same(c) && c.channels.1 + 1 >= r.channels.0 && r.channels.1 + 1 >= c.channels.0) {
        Some(c) => {
            c.channels = (c.channels.0.min(r.channels.0), c.channels.1.max(r.channels.1));
            c.buffer = match (c.buffer, r.buffer) {
                (Some(a), Some(b)) => Some((a.0.min(b.0), a.1.max(b.1))),
                (a, b) => a.or(b),
            };
        }
        None => configs.push(r),
    }
}

impl std::fmt::Display for OutputRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let span =
            |(a, b): (u32, u32), unit: &str| if a == b { format!("{a} {unit}") } else { format!("{a}-{b} {unit}") };
        write!(
            f,
            "{} channels, {}",
            span((self.channels.0.into(), self.channels.1.into()), "").trim_end(),
            span(self.sample_rate, "Hz")
        )?;
        if let Some(b) = self.buffer {
            write!(f, ", {}", span(b, "frames/block"))?;
        }
        write!(f, ", {}", self.format)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configs_differing_only_in_channels_merge() {
        let r = |c: u16, fmt: &str| OutputRange {
            channels: (c, c),
            sample_rate: (48000, 48000),
            buffer: Some((128, 128)),
            format: fmt.into(),
        };
        let mut all = Vec::new();
        for c in 1..=64 {
            merge(&mut all, r(c, "f32"));
        }
        merge(&mut all, r(2, "i16"));
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].to_string(), "1-64 channels, 48000 Hz, 128 frames/block, f32");
        assert_eq!(all[1].to_string(), "2 channels, 48000 Hz, 128 frames/block, i16");
    }
}
