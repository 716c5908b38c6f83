//! The audio output stream: owns the device connection and keeps it alive. [`start`] spawns a
//! supervisor thread `quai-audio` that opens the stream, watches it, and reopens it every second
//! while it cannot be opened or after it broke (device gone, JACK server gone); meanwhile the show
//! runs silent and [`AudioStream::state`] says why. The audio callback (JACK's process thread, or
//! cpal's stream thread for ALSA and the default host) runs the [`Render`] object borrowed from a
//! lock-free slot (see `slot`): it does not allocate, lock, free, log or block.
//!
//! The optional input side ([`StreamConfig::input`]: microphone / line in, as a sensor) follows the
//! same rules: on JACK it is ports `in_1..in_N` of the same client (opened, lost and back with the
//! outputs); on ALSA or the default host it is a cpal input stream of its own, opened and retried
//! every second independently of the output, so a missing microphone never silences the show. Its
//! callback pushes the frames into a fixed ring ([`AudioStream::take_input`]; see `capture`).
//!
//! Map: `slot` (the render object's and the input ring's hand-over), `capture` (the input ring),
//! `jack_out` (JACK through the `jack` crate, which is what cpal's JACK host uses underneath, both
//! directions), `device` (ALSA and the default host through cpal, both directions), `supervise`
//! (the supervisor thread), `list` (what `quai devices` prints).
//!
//! Why JACK is not driven through cpal 0.18's JACK host: it names the client
//! `cpal_client_<pid>_out` whatever is asked (`output_device_with_name` changes a name nobody
//! reads), names ports from `out_0`, and can only auto-connect to `system:playback_*`; quai needs
//! the scene's client name, `out_1`.. like the system ports, connections to arbitrary ports, and
//! to leak (not close) a client whose server died.

mod capture;
mod device;
mod jack_out;
mod list;
mod slot;
mod supervise;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

pub use capture::INPUT_RING_SECONDS;
use capture::{InputRing, InputShared};
pub use list::{AudioDevices, HostDevices, OutputDevice, OutputRange, list_devices};
use slot::RenderSlot;

/// Most output channels a stream drives.
pub const MAX_CHANNELS: usize = crate::scene::audio::MAX_CHANNELS;
/// How long the supervisor waits between attempts to open the stream.
pub const RETRY: Duration = Duration::from_secs(1);

/// The audio callback's work (the engine implements it). `out` is interleaved,
/// `out.len() == frames * channels`, and `channels` is what the device actually gives, which can
/// be fewer than asked for (see [`StreamConfig::channels`]). Called on the audio thread: it must
/// not allocate, lock, free, log or block.
pub trait Render: Send + 'static {
    fn render(&mut self, out: &mut [f32], channels: usize);
}

/// Which audio host to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostChoice {
    Jack,
    Alsa,
    /// The platform's default host (on Linux: ALSA's default device, often PipeWire/PulseAudio).
    Default,
}

impl From<crate::scene::audio::AudioHost> for HostChoice {
    fn from(h: crate::scene::audio::AudioHost) -> Self {
        use crate::scene::audio::AudioHost;
        match h {
            AudioHost::Jack => HostChoice::Jack,
            AudioHost::Alsa => HostChoice::Alsa,
            AudioHost::Default => HostChoice::Default,
        }
    }
}

/// What to open.
#[derive(Debug, Clone, PartialEq)]
pub struct StreamConfig {
    /// `None`: JACK while a JACK server runs, else the default host; decided again at every
    /// (re)open, so a show without JACK falls back to the default host.
    pub host: Option<HostChoice>,
    /// Output device, a case-insensitive substring of its name or id (`"null"`, `"hw:1"`); `None`
    /// = the host's default. Not used with JACK.
    pub device: Option<String>,
    /// Frames per second asked for. JACK runs at its server's rate; a device that cannot give it
    /// runs at its nearest rate. Either way [`StreamState::Running`] says what it is.
    pub sample_rate: u32,
    /// Frames per callback asked for (JACK uses its server's period).
    pub buffer: u32,
    /// Output channels, 1..=[`MAX_CHANNELS`]. A device with fewer gives what it has (logged,
    /// requested vs available), and [`Render::render`] is called with that count.
    pub channels: usize,
    /// JACK client name: `quai`, or `quai-SHOWNAME`. (JACK appends `-01` if it is taken.)
    pub client_name: String,
    /// JACK ports to connect our outputs to, in order (`out_1` to the first, ...); empty = the
    /// system playback ports.
    pub connect: Vec<String>,
    /// The input to open too, if any.
    pub input: Option<InputConfig>,
}

/// The input side: `[audio] input`.
#[derive(Debug, Clone, PartialEq)]
pub struct InputConfig {
    /// Input device, a case-insensitive substring of its name or id; `None` = the host's default
    /// input. Not used with JACK.
    pub device: Option<String>,
    /// Input channels, 1..=[`MAX_CHANNELS`]: JACK ports `in_1..in_N`; the ring carries this many.
    pub channels: usize,
    /// JACK ports to connect to our inputs, in order (the first to `in_1`, ...); empty = the
    /// system capture ports.
    pub connect: Vec<String>,
}

impl StreamConfig {
    /// The stream `[audio]` asks for, with the JACK client name `quai` or `quai-SHOW`.
    pub fn from_settings(s: &crate::scene::audio::AudioSettings, show: Option<&str>) -> StreamConfig {
        StreamConfig {
            host: s.host.map(HostChoice::from),
            device: s.device.clone(),
            sample_rate: s.sample_rate,
            buffer: s.buffer,
            channels: s.channels,
            client_name: show.map_or_else(|| "quai".to_owned(), |n| format!("quai-{n}")),
            connect: s.connect.clone(),
            input: s.input.as_ref().map(|i| InputConfig {
                device: i.device.clone(),
                channels: i.channels,
                connect: Vec::new(),
            }),
        }
    }
}

/// What the stream is doing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamState {
    /// The supervisor has not finished its first attempt.
    Starting,
    /// Playing (or, for the input, listening): what was actually opened.
    Running { host: String, device: String, sample_rate: u32, buffer: u32, channels: usize },
    /// Not playing, for this reason (with what to do); retried every [`RETRY`].
    Silent { reason: String },
}

/// Counters and state shared by the supervisor, the audio callback and [`AudioStream`].
pub(crate) struct Shared {
    slot: RenderSlot,
    state: Mutex<StreamState>,
    callbacks: AtomicU64,
    frames: AtomicU64,
    underruns: AtomicU64,
    /// The input side, when one was asked for.
    input: Option<InputShared>,
}

impl Shared {
    /// Renders `out` (or silence, if the render object is out of the slot) and counts its frames.
    /// Real-time safe.
    pub(crate) fn render(&self, out: &mut [f32], channels: usize) {
        if self.slot.render(out, channels) {
            self.frames.fetch_add((out.len() / channels.max(1)) as u64, Ordering::Relaxed);
        }
    }

    /// Counts one audio callback. Real-time safe.
    pub(crate) fn callback(&self) {
        self.callbacks.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn underrun(&self) {
        self.underruns.fetch_add(1, Ordering::Relaxed);
    }

    fn set_state(&self, s: StreamState) {
        *self.state.lock().unwrap_or_else(PoisonError::into_inner) = s;
    }
}

/// An open stream as the supervisor holds it.
pub(crate) trait Live {
    /// Why it broke, once it did (checked every 100 ms).
    fn broken(&self) -> Option<String>;
    /// Stop it (a JACK stream whose server died is leaked instead, see `jack_out`).
    fn close(self: Box<Self>);
}

/// What an open attempt gives: the stream and what it runs at.
pub(crate) struct Opened {
    pub live: Box<dyn Live>,
    pub running: StreamState,
    /// A JACK stream carries the input too: what the input side runs at.
    pub input: Option<StreamState>,
}

/// The handle to the audio stream; dropping it stops the stream and joins the supervisor.
pub struct AudioStream {
    shared: Arc<Shared>,
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
    input: Option<rtrb::Consumer<f32>>,
}

impl AudioStream {
    /// The consumer of the input ring (interleaved, [`InputConfig::channels`] per frame, about
    /// [`INPUT_RING_SECONDS`] of room), once; `None` without an input or when taken before.
    pub fn take_input(&mut self) -> Option<rtrb::Consumer<f32>> {
        self.input.take()
    }
    /// What the input side is doing; `None` when no input was asked for.
    pub fn input_state(&self) -> Option<StreamState> {
        let i = self.shared.input.as_ref()?;
        Some(i.state.lock().unwrap_or_else(PoisonError::into_inner).clone())
    }
    /// Input frames pushed into the ring so far.
    pub fn input_frames(&self) -> u64 {
        self.shared.input.as_ref().map_or(0, |i| i.frames.load(Ordering::Relaxed))
    }
    /// Input frames dropped because the ring was full (nobody read it fast enough).
    pub fn input_dropped(&self) -> u64 {
        self.shared.input.as_ref().map_or(0, |i| i.dropped.load(Ordering::Relaxed))
    }
    pub fn state(&self) -> StreamState {
        self.shared.state.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }
    /// Audio callbacks so far (all streams since [`start`]).
    pub fn callbacks(&self) -> u64 {
        self.shared.callbacks.load(Ordering::Relaxed)
    }
    /// Frames the render object produced so far.
    pub fn frames_rendered(&self) -> u64 {
        self.shared.frames.load(Ordering::Relaxed)
    }
    /// Underruns (xruns) the host reported: JACK's xrun callback (for the whole server graph, as
    /// JACK counts them), cpal's `ErrorKind::Xrun` on ALSA.
    pub fn underruns(&self) -> u64 {
        self.shared.underruns.load(Ordering::Relaxed)
    }
}

impl Drop for AudioStream {
    fn drop(&mut self) {
        drop(self.stop.take()); // wakes the supervisor
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Starts the stream on its supervisor thread; never fails (see the module docs). If even the
/// thread cannot be started the stream stays [`StreamState::Silent`] and the render is dropped.
pub fn start(mut config: StreamConfig, render: Box<dyn Render>) -> AudioStream {
    let (input, consumer) = match &mut config.input {
        Some(i) => {
            i.channels = i.channels.clamp(1, MAX_CHANNELS);
            let (ring, consumer) = InputRing::new(config.sample_rate, i.channels);
            (Some(InputShared::new(ring)), Some(consumer))
        }
        None => (None, None),
    };
    let shared = Arc::new(Shared {
        slot: RenderSlot::new(render),
        state: Mutex::new(StreamState::Starting),
        callbacks: AtomicU64::new(0),
        frames: AtomicU64::new(0),
        underruns: AtomicU64::new(0),
        input,
    });
    let (tx, rx) = mpsc::channel();
    let s = shared.clone();
    let thread =
        std::thread::Builder::new().name("quai-audio".into()).spawn(move || supervise::supervise(&config, &s, &rx));
    let thread = match thread {
        Ok(t) => Some(t),
        Err(e) => {
            let reason = format!("cannot start the audio thread: {e} (the show runs silent)");
            tracing::error!("audio: {reason}");
            if let Some(i) = &shared.input {
                i.set_state(StreamState::Silent { reason: reason.clone() });
            }
            shared.set_state(StreamState::Silent { reason });
            drop(shared.slot.take());
            None
        }
    };
    AudioStream { shared, stop: Some(tx), thread, input: consumer }
}

/// Opens the stream the config asks for, now.
fn open(config: &StreamConfig, shared: &Arc<Shared>) -> Result<Opened, String> {
    match config.host {
        Some(HostChoice::Jack) => jack_out::open(config, shared).map_err(String::from),
        None => match jack_out::open(config, shared) {
            Err(jack_out::JackError::NoServer(_)) => device::open(config, HostChoice::Default, shared),
            other => other.map_err(String::from),
        },
        Some(host) => device::open(config, host, shared),
    }
}
