//! Helpers shared by the integration tests that drive the real binary and real peers.
#![allow(dead_code)] // each test crate uses its own subset

pub mod ola;
pub mod xdummy;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A child process stopped on drop (SIGTERM, then SIGKILL after 10 s), so a failing assertion
/// leaves nothing running.
pub struct Proc(pub Child);

impl Proc {
    /// Stops the process (if it still runs) and says how it ended: `exit status: 0`, or
    /// `signal: 11 (SIGSEGV)` for a crash.
    pub fn stop(&mut self) -> String {
        if let Ok(Some(s)) = self.0.try_wait() {
            return s.to_string();
        }
        let _ = Command::new("kill").args(["-s", "TERM", &self.0.id().to_string()]).stderr(Stdio::null()).status();
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(10) {
            if let Ok(Some(s)) = self.0.try_wait() {
                return s.to_string();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.0.kill();
        let status = self.0.wait().map(|s| s.to_string()).unwrap_or_else(|e| e.to_string());
        format!("{status} (did not stop within 10 s of SIGTERM)")
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Waits until `needle` occurs `times` times in the log file; returns the log. Fails with the log
/// after `within`.
pub fn wait_log(log: &Path, needle: &str, times: usize, within: Duration) -> String {
    let start = Instant::now();
    loop {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        if text.matches(needle).count() >= times {
            return text;
        }
        assert!(start.elapsed() < within, "quai never logged `{needle}` {times}×:\n{text}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The address a server logged it listens on (`web console on http://ADDR/`), once it has.
pub fn logged_addr(log: &Path, what: &str, within: Duration) -> std::net::SocketAddr {
    let needle = format!("{what} on http://");
    let text = wait_log(log, &needle, 1, within);
    let rest = &text[text.find(&needle).expect("logged") + needle.len()..];
    rest[..rest.find('/').expect("an address")].parse().expect("a socket address")
}
