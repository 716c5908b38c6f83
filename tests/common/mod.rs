//! Helpers shared by the integration tests that drive the real binary and real peers.
#![allow(dead_code)] // each test crate uses its own subset

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A child process stopped on drop (SIGTERM, then SIGKILL after 10 s), so a failing assertion
/// leaves nothing running.
pub struct Proc(pub Child);

impl Proc {
    /// Stops the process (if it still runs) and returns its exit code.
    pub fn stop(&mut self) -> Option<i32> {
        if let Ok(Some(s)) = self.0.try_wait() {
            return s.code();
        }
        let _ = Command::new("kill").args(["-s", "TERM", &self.0.id().to_string()]).stderr(Stdio::null()).status();
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(10) {
            if let Ok(Some(s)) = self.0.try_wait() {
                return s.code();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.0.kill();
        self.0.wait().ok().and_then(|s| s.code())
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
