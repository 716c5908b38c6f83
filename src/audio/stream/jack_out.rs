//! The JACK output stream, through the `jack` crate (the one cpal's JACK host wraps; see the parent
//! module for why not through cpal). Opened on the supervisor thread; `Process::process` runs on
//! JACK's process thread, the `Notes` callbacks on libjack's notification thread.
//!
//! The client is named by [`StreamConfig::client_name`] on the server `$JACK_DEFAULT_SERVER`
//! (libjack reads it), never starts a server, has ports `out_1`..`out_N`, and connects them in
//! order to [`StreamConfig::connect`] or else to the system playback ports. With an input
//! ([`StreamConfig::input`]) it also has ports `in_1`..`in_N`, connected from
//! [`super::InputConfig::connect`] or else from the system capture ports, whose frames the process
//! callback pushes into the input ring (before rendering, in the same cycle). When the server shuts
//! down the client is leaked, not closed: libjack frees the clients of a dead server inside the
//! next `jack_client_open` of any thread, and closing one after that crashes (see
//! `input::midi::link`). The render object is not inside it (see `slot`).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use jack::{
    AsyncClient, AudioIn, AudioOut, Client, ClientOptions, ClientStatus, Control, Port, PortFlags, ProcessScope,
};

use super::{Live, MAX_CHANNELS, Opened, Shared, StreamConfig, StreamState};
use crate::input::midi::{jack_server_name, ports::jack_lock};

/// Frames rendered per `Render::render` call at most; longer JACK periods are rendered in pieces,
/// so the buffer is sized once, at open, and never on the audio thread.
const MAX_BLOCK: usize = 1024;

/// Why a JACK stream did not open.
pub(super) enum JackError {
    /// No server to talk to (the auto host then falls back to the default host).
    NoServer(String),
    Other(String),
}

impl From<JackError> for String {
    fn from(e: JackError) -> String {
        match e {
            JackError::NoServer(s) | JackError::Other(s) => s,
        }
    }
}

pub(super) fn open(config: &StreamConfig, shared: &Arc<Shared>) -> Result<Opened, JackError> {
    route_libjack_messages();
    let server = jack_server_name();
    let _jack = jack_lock();
    let (client, _status) = Client::new(&config.client_name, ClientOptions::NO_START_SERVER).map_err(|e| {
        JackError::NoServer(format!(
            "no JACK server `{server}` running ({e}): start one (`jackd -d alsa`) or set [audio] host = \"alsa\""
        ))
    })?;
    let other = |what: &str, e: jack::Error| JackError::Other(format!("JACK server `{server}`: {what}: {e}"));
    let channels = config.channels.clamp(1, MAX_CHANNELS);
    if channels != config.channels {
        tracing::warn!(
            "audio: {} output channels asked for, quai drives 1 to {MAX_CHANNELS}: using {channels}",
            config.channels
        );
    }
    let rate = client.sample_rate();
    if rate != config.sample_rate {
        tracing::warn!(
            "audio: JACK server `{server}` runs at {rate} Hz, the scene asks for {} Hz: playing at {rate} Hz \
             (start jackd with -r {} to match)",
            config.sample_rate,
            config.sample_rate
        );
    }
    let mut ports = Vec::with_capacity(channels);
    let mut own = Vec::with_capacity(channels);
    for i in 1..=channels {
        let port =
            client.register_port(&format!("out_{i}"), AudioOut::default()).map_err(|e| other("register a port", e))?;
        own.push(port.name().map_err(|e| other("name a port", e))?);
        ports.push(port);
    }
    let mut inputs = Vec::new();
    let mut own_in = Vec::new();
    if let Some(input) = &config.input {
        for i in 1..=input.channels.clamp(1, MAX_CHANNELS) {
            let port = client
                .register_port(&format!("in_{i}"), AudioIn::default())
                .map_err(|e| other("register a port", e))?;
            own_in.push(port.name().map_err(|e| other("name a port", e))?);
            inputs.push(port);
        }
    }
    let period = client.buffer_size();
    let name = client.name().to_owned();
    let gone = Arc::new(AtomicBool::new(false));
    let process = Process { ports, inputs, buf: vec![0.0; channels * MAX_BLOCK], shared: shared.clone() };
    let notes = Notes { shared: shared.clone(), gone: gone.clone() };
    let active = client.activate_async(notes, process).map_err(|e| other("activate the client", e))?;
    connect(active.as_client(), &own, &config.connect, Direction::Out);
    let input = config.input.as_ref().map(|i| {
        connect(active.as_client(), &own_in, &i.connect, Direction::In);
        let (device, channels) = (name.clone(), own_in.len());
        StreamState::Running { host: "JACK".into(), device, sample_rate: rate, buffer: period, channels }
    });
    let running =
        StreamState::Running { host: "JACK".into(), device: name, sample_rate: rate, buffer: period, channels };
    Ok(Opened { live: Box::new(JackLive { client: Some(active), gone, server }), running, input })
}

#[derive(Clone, Copy, PartialEq)]
enum Direction {
    /// Our outputs into the playback ports.
    Out,
    /// The capture ports into our inputs.
    In,
}

/// Connects `own[i]` with `wanted[i]`, or with the i-th system playback (capture) port when
/// `wanted` is empty. A connection that fails is logged; the stream plays on (that output is
/// simply not heard, that input reads silence).
fn connect(client: &Client, own: &[String], wanted: &[String], dir: Direction) {
    let (system, flags, kind, setting) = match dir {
        Direction::Out => ("^system:playback_", PortFlags::IS_INPUT, "output", "[audio] connect"),
        Direction::In => ("^system:capture_", PortFlags::IS_OUTPUT, "input", "[audio] input connect"),
    };
    let targets = if wanted.is_empty() {
        client.ports(Some(system), Some(AudioIn::default().jack_port_type()), flags)
    } else {
        wanted.to_vec()
    };
    for (ours, theirs) in own.iter().zip(&targets) {
        let (from, to) = if dir == Direction::Out { (ours, theirs) } else { (theirs, ours) };
        if let Err(e) = client.connect_ports_by_name(from, to) {
            tracing::warn!("audio: cannot connect JACK port `{from}` to `{to}`: {e} (`jack_lsp` lists the ports)");
        }
    }
    if targets.len() < own.len() {
        let left = &own[targets.len()..];
        let to = if wanted.is_empty() {
            if dir == Direction::Out { "system playback ports" } else { "system capture ports" }
        } else {
            "ports in the scene"
        };
        tracing::info!(
            "audio: {} {kind}(s) left unconnected (only {} {to}): {}",
            left.len(),
            targets.len(),
            left.join(", ")
        );
    } else if !wanted.is_empty() && wanted.len() > own.len() {
        tracing::warn!(
            "audio: {setting} names {} ports for {} {kind}s: the rest are not used",
            wanted.len(),
            own.len()
        );
    }
}

use jack::PortSpec as _;

struct Process {
    ports: Vec<Port<AudioOut>>,
    /// The input ports (none without an input).
    inputs: Vec<Port<AudioIn>>,
    /// Interleaved scratch of `MAX_BLOCK` frames, made at open.
    buf: Vec<f32>,
    shared: Arc<Shared>,
}

impl jack::ProcessHandler for Process {
    fn process(&mut self, _: &Client, ps: &ProcessScope) -> Control {
        let frames = ps.n_frames() as usize;
        if let Some(input) = &self.shared.input
            && !self.inputs.is_empty()
        {
            let mut slices: [&[f32]; MAX_CHANNELS] = [&[]; MAX_CHANNELS];
            for (s, port) in slices.iter_mut().zip(&self.inputs) {
                *s = port.as_slice(ps);
            }
            let have = self.inputs.len();
            input.capture(frames, have, |f, c| slices[c].get(f).copied().unwrap_or(0.0));
        }
        let channels = self.ports.len();
        let mut done = 0;
        while done < frames {
            let len = (frames - done).min(MAX_BLOCK);
            let buf = &mut self.buf[..len * channels];
            self.shared.render(buf, channels);
            for (c, port) in self.ports.iter_mut().enumerate() {
                let out = &mut port.as_mut_slice(ps)[done..done + len];
                for (o, frame) in out.iter_mut().zip(buf.chunks_exact(channels)) {
                    *o = frame[c];
                }
            }
            done += len;
        }
        self.shared.callback();
        Control::Continue
    }
}

struct Notes {
    shared: Arc<Shared>,
    gone: Arc<AtomicBool>,
}

impl jack::NotificationHandler for Notes {
    unsafe fn shutdown(&mut self, _: ClientStatus, _: &str) {
        self.gone.store(true, Ordering::Release); // async-signal-safe: a flag only
    }

    fn xrun(&mut self, _: &Client) -> Control {
        self.shared.underrun();
        Control::Continue
    }
}

struct JackLive {
    client: Option<AsyncClient<Notes, Process>>,
    gone: Arc<AtomicBool>,
    server: String,
}

impl Live for JackLive {
    fn broken(&self) -> Option<String> {
        self.gone.load(Ordering::Acquire).then(|| format!("JACK server `{}` shut down", self.server))
    }

    fn close(mut self: Box<Self>) {
        let Some(client) = self.client.take() else { return };
        if self.gone.load(Ordering::Acquire) {
            std::mem::forget(client); // see the module docs: never close a dead server's client
        } else {
            let _jack = jack_lock();
            drop(client);
        }
    }
}

/// libjack prints to stderr, and the `jack` crate's first `Client::new` would point libjack's
/// message hooks at the `log` crate; point them at the debug log instead, like the MIDI code does
/// (`input::midi::ports`), before this module's first libjack call. Marks the `jack` crate's
/// logging as set up so it does not replace them.
fn route_libjack_messages() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    unsafe extern "C" fn error(msg: *const std::ffi::c_char) {
        if !msg.is_null() {
            // SAFETY: libjack passes a NUL-terminated string that lives for this call.
            let msg = unsafe { std::ffi::CStr::from_ptr(msg) };
            tracing::debug!(target: "quai::jack", "libjack: {}", msg.to_string_lossy());
        }
    }
    unsafe extern "C" fn info(msg: *const std::ffi::c_char) {
        if !msg.is_null() {
            // SAFETY: as above.
            let msg = unsafe { std::ffi::CStr::from_ptr(msg) };
            tracing::trace!(target: "quai::jack", "libjack: {}", msg.to_string_lossy());
        }
    }
    ONCE.call_once(|| jack::set_logger(jack::LoggerType::Custom { info, error }));
}

/// Whether a JACK server answers now (opens and closes a client `quai-probe`).
pub(super) fn server_running() -> bool {
    route_libjack_messages();
    let _jack = jack_lock();
    Client::new("quai-probe", ClientOptions::NO_START_SERVER).is_ok()
}
