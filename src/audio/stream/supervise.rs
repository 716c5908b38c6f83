//! The supervisor thread `quai-audio`: opens the output (and the input), checks them every 100 ms,
//! and reopens a side every [`RETRY`] while it cannot be opened or after it broke. Each problem is
//! logged once (not at every retry), a loss and a comeback are logged too, and the state says why
//! a side is silent. On JACK the input ports belong to the output's client, so the input follows
//! the output; on ALSA and the default host the input is a cpal stream supervised on its own.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use super::{HostChoice, Live, Opened, RETRY, Shared, StreamConfig, StreamState, device, open};

/// One side (the output, or a cpal input) as the supervisor keeps it.
struct Side {
    /// `audio` or `audio input`, the log's prefix.
    what: &'static str,
    /// `playing on` or `listening on`.
    verb: &'static str,
    /// What the show does meanwhile.
    meanwhile: &'static str,
    live: Option<Box<dyn Live>>,
    /// The problem last logged.
    reported: Option<String>,
    lost: bool,
    next_try: Instant,
}

impl Side {
    fn new(what: &'static str, verb: &'static str, meanwhile: &'static str) -> Side {
        Side { what, verb, meanwhile, live: None, reported: None, lost: false, next_try: Instant::now() }
    }

    fn due(&self) -> bool {
        self.live.is_none() && Instant::now() >= self.next_try
    }

    /// Takes the outcome of an attempt: logs it (a problem once), sets `state`, and gives back
    /// what a JACK stream says about the input it carries.
    fn opened(&mut self, r: Result<Opened, String>, state: &Mutex<StreamState>) -> Option<StreamState> {
        match r {
            Ok(Opened { live, running, input }) => {
                if let StreamState::Running { host, device, sample_rate, buffer, channels } = &running {
                    let again = if self.lost || self.reported.is_some() { " back" } else { "" };
                    tracing::info!(
                        "{}{again}: {} {host} `{device}`: {channels} channels, {sample_rate} Hz, {buffer}-frame blocks",
                        self.what,
                        self.verb
                    );
                }
                set(state, running);
                self.live = Some(live);
                input
            }
            Err(why) => {
                let reason = format!("{why}; {} meanwhile, retrying every second", self.meanwhile);
                if self.reported.as_deref() != Some(&reason) {
                    tracing::warn!("{}: {reason}", self.what);
                    self.reported = Some(reason.clone());
                }
                set(state, StreamState::Silent { reason });
                self.next_try = Instant::now() + RETRY;
                None
            }
        }
    }

    /// Checks a live side; once it broke, closes it, says so, and returns the reason.
    fn check(&mut self, state: &Mutex<StreamState>) -> Option<String> {
        let why = self.live.as_ref()?.broken()?;
        self.close();
        let reason = format!("{why}; {} meanwhile, retrying every second", self.meanwhile);
        tracing::warn!("{} lost: {reason}", self.what);
        set(state, StreamState::Silent { reason: reason.clone() });
        self.reported = Some(reason.clone());
        self.lost = true;
        self.next_try = Instant::now() + RETRY;
        Some(reason)
    }

    fn close(&mut self) {
        if let Some(live) = self.live.take() {
            live.close();
        }
    }
}

fn set(state: &Mutex<StreamState>, s: StreamState) {
    *state.lock().unwrap_or_else(PoisonError::into_inner) = s;
}

pub(super) fn supervise(config: &StreamConfig, shared: &Arc<Shared>, stop: &mpsc::Receiver<()>) {
    let stopped = AtomicBool::new(false);
    // Waits up to `d`; true once the handle was dropped.
    let wait = |d: Duration| {
        if !stopped.load(Ordering::Relaxed) && !matches!(stop.recv_timeout(d), Err(RecvTimeoutError::Timeout)) {
            stopped.store(true, Ordering::Relaxed);
        }
        stopped.load(Ordering::Relaxed)
    };
    let mut out = Side::new("audio", "playing on", "the show runs silent");
    let mut inp = Side::new("audio input", "listening on", "the input reads as silence");
    // The output's JACK client carries the input ports right now.
    let mut carried = false;
    loop {
        if let Some(reason) = out.check(&shared.state)
            && std::mem::take(&mut carried)
            && let Some(i) = &shared.input
        {
            i.set_state(StreamState::Silent { reason });
        }
        if out.due() {
            let jack_input = out.opened(open(config, shared), &shared.state);
            if let (Some(i), Some(s)) = (&shared.input, jack_input) {
                inp.close(); // a cpal input opened meanwhile gives way to the JACK ports
                i.set_state(s);
                carried = true;
            } else if let (Some(i), Some(HostChoice::Jack), None) = (&shared.input, config.host, &out.live) {
                // JACK only: the input waits for the client, for the same reason.
                let reason = shared.state.lock().unwrap_or_else(PoisonError::into_inner).clone();
                i.set_state(reason);
            }
        }
        if let (Some(i), Some(want)) = (&shared.input, &config.input)
            && !carried
            && config.host != Some(HostChoice::Jack)
        {
            inp.check(&i.state);
            if inp.due() {
                let host = config.host.unwrap_or(HostChoice::Default);
                inp.opened(device::open_input(config, want, host, shared), &i.state);
            }
        }
        if wait(Duration::from_millis(100)) {
            break;
        }
    }
    inp.close();
    out.close();
    drop(shared.slot.take()); // the render object ends here, off the audio thread
    if let Some(i) = &shared.input {
        drop(i.ring.take());
    }
}
