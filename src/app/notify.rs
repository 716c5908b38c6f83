//! systemd's notify protocol for `quai run` under a `Type=notify` service: READY once the first
//! frame is out, WATCHDOG pings fed by the frame loop itself (so a hung render stops them and
//! systemd restarts the show), STOPPING with the reason on the way out. A datagram to
//! `$NOTIFY_SOCKET` through the `sd-notify` crate; without that variable nothing is sent.

use std::time::{Duration, Instant};

pub struct Notifier {
    /// `$NOTIFY_SOCKET` is set.
    enabled: bool,
    /// `$WATCHDOG_USEC`, when systemd asks for pings.
    watchdog: Option<Duration>,
    last_ping: Option<Instant>,
    /// A send failed and was logged (once).
    failed: bool,
}

impl Notifier {
    pub fn from_env() -> Self {
        let enabled = std::env::var_os("NOTIFY_SOCKET").is_some();
        Self { enabled, watchdog: sd_notify::watchdog_enabled(), last_ping: None, failed: false }
    }

    /// The show is up (after its first frame).
    pub fn ready(&mut self, status: &str) {
        self.send(&[sd_notify::NotifyState::Ready, sd_notify::NotifyState::Status(status)]);
        if let Some(w) = self.watchdog.filter(|_| self.enabled) {
            tracing::info!("systemd watchdog: pinging every {:.1} s from the frame loop", ping_every(w).as_secs_f64());
        }
    }

    /// Called by the frame loop after each tick: pings the watchdog at half its period, so a loop
    /// that stops ticking stops the pings.
    pub fn alive(&mut self, now: Instant) {
        let Some(w) = self.watchdog else { return };
        if self.last_ping.is_some_and(|last| now.duration_since(last) < ping_every(w)) {
            return;
        }
        self.last_ping = Some(now);
        self.send(&[sd_notify::NotifyState::Watchdog]);
    }

    /// The show is stopping, and why.
    pub fn stopping(&mut self, why: &str) {
        self.send(&[sd_notify::NotifyState::Stopping, sd_notify::NotifyState::Status(why)]);
    }

    fn send(&mut self, state: &[sd_notify::NotifyState]) {
        if !self.enabled {
            return;
        }
        if let Err(e) = sd_notify::notify(state)
            && !std::mem::replace(&mut self.failed, true)
        {
            tracing::warn!("cannot tell systemd how the show is ($NOTIFY_SOCKET): {e}; the show goes on");
        }
    }
}

/// systemd's advice: ping at half the watchdog period.
fn ping_every(watchdog: Duration) -> Duration {
    watchdog / 2
}

#[cfg(test)]
mod tests {
    use std::os::unix::net::UnixDatagram;

    use super::*;

    /// Pings come only from `alive` (the frame loop) and at most every half period: a loop that
    /// stops calling it stops them.
    #[test]
    fn pings_follow_the_frame_loop_at_half_the_period() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("notify");
        let socket = UnixDatagram::bind(&path).expect("bind");
        socket.set_nonblocking(true).expect("nonblocking");
        // SAFETY of the test: no other test reads these variables.
        let n = Notifier { enabled: true, watchdog: Some(Duration::from_millis(200)), last_ping: None, failed: false };
        unsafe { std::env::set_var("NOTIFY_SOCKET", &path) };
        let mut n = n;
        let t0 = Instant::now();
        n.ready("playing");
        for ms in [0, 50, 99, 100, 150, 210] {
            n.alive(t0 + Duration::from_millis(ms));
        }
        // Then the loop hangs: no more `alive`, no more pings.
        n.stopping("stopped by SIGTERM");
        unsafe { std::env::remove_var("NOTIFY_SOCKET") };
        let mut got = Vec::new();
        let mut buf = [0u8; 256];
        while let Ok(len) = socket.recv(&mut buf) {
            got.push(String::from_utf8_lossy(&buf[..len]).to_string());
        }
        assert_eq!(
            got,
            [
                "READY=1\nSTATUS=playing\n",
                "WATCHDOG=1\n",
                "WATCHDOG=1\n",
                "WATCHDOG=1\n",
                "STOPPING=1\nSTATUS=stopped by SIGTERM\n"
            ]
        );
    }
}
