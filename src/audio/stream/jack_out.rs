//! The JACK output stream, through the `jack` crate (the one cpal's JACK host wraps; see the parent
//! module for why not through cpal). Opened on the supervisor thread; `Process::process` runs on
//! JACK's process thread, the `Notes` callbacks on libjack's notification thread.
//!
//! The client is named by [`StreamConfig::client_name`] on the server `$JACK_DEFAULT_SERVER`
//! (libjack reads it), never starts a server, has ports `out_1`..`out_N`, and connects them in
//! order to [`StreamConfig::connect`] or else to the system playback ports. When the server shuts
//! down the client is leaked, not closed: libjack frees the clients of a dead server inside the
//! next `jack_client_open` of any thread, and closing one after that crashes (see
//! `input::midi::link`). The render object is not inside it (see `slot`).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use jack::{AsyncClient, AudioOut, Client, ClientOptions, ClientStatus, Control, Port, PortFlags, ProcessScope};

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
    let period = client.buffer_size();
    let name = client.name().to_owned();
    let gone = Arc::new(AtomicBool::new(false));
    let process = Process { ports, buf: vec![0.0; channels * MAX_BLOCK], shared: shared.clone() };
    let notes = Notes { shared: shared.clone(), gone: gone.clone() };
    let active = client.activate_async(notes, process).map_err(|e| other("activate the client", e))?;
    connect(active.as_client(), &own, &config.connect);
    let running =
        StreamState::Running { host: "JACK".into(), device: name, sample_rate: rate, buffer: period, channels };
    Ok(Opened { live: Box::new(JackLive { client: Some(active), gone, server }), running })
}

/// Connects `own[i]` to `wanted[i]`, or to the i-th system playback port when `wanted` is empty.
/// A connection that fails is logged; the stream plays on (that output is simply not heard).
fn connect(client: &Client, own: &[String], wanted: &[String]) {
    let targets = if wanted.is_empty() {
        client.ports(Some("^system:playback_"), Some(jack::AudioIn::default().jack_port_type()), PortFlags::IS_INPUT)
    } else {
        wanted.to_vec()
    };
    for (ours, theirs) in own.iter().zip(&targets) {
        if let Err(e) = client.connect_ports_by_name(ours, theirs) {
            tracing::warn!("audio: cannot connect JACK port `{ours}` to `{theirs}`: {e} (`jack_lsp` lists the ports)");
        }
    }
    if targets.len() < own.len() {
        let left = &own[targets.len()..];
        let to = if wanted.is_empty() { "system playback ports" } else { "ports in [audio] connect" };
        tracing::info!(
            "audio: {} output(s) left unconnected (only {} {to}): {}",
            left.len(),
            targets.len(),
            left.join(", ")
        );
    } else if !wanted.is_empty() && wanted.len() > own.len() {
        tracing::warn!(
            "audio: [audio] connect names {} ports for {} outputs: the rest are not used",
            wanted.len(),
            own.len()
        );
    }
}

use jack::PortSpec as _;

struct Process {
    ports: Vec<Port<AudioOut>>,
    /// Interleaved scratch of `MAX_BLOCK` frames, made at open.
    buf: Vec<f32>,
    shared: Arc<Shared>,
}

impl jack::ProcessHandler for Process {
    fn process(&mut self, _: &Client, ps: &ProcessScope) -> Control {
        let frames = ps.n_frames() as usize;
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
