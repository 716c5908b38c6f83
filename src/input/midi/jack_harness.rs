//! Test harness for MIDI tests against a real JACK server (jackd2 with the dummy driver), used by
//! `jack_tests` on `cargo test` threads. libjack picks its server from `$JACK_DEFAULT_SERVER` at
//! client-open time, and setting an environment variable inside a multi-threaded test binary is
//! unsound, so [`in_jack_child`] re-runs a test in a child process of the test binary with its own
//! server name in the environment; the child starts (and stops, also on panic) its own [`Jackd`].
//! The parent bounds the child in time and kills its whole process group (jackd included) on
//! timeout.
//!
//! Only one test server runs at a time, across every test process of the user: the parent holds
//! the lock of `jack_lock` (which says why) while its child runs.

use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::jack_lock::lock_servers;

const CHILD_ENV: &str = "QUAI_TEST_JACK_CHILD";
pub const CHILD_TIMEOUT: Duration = Duration::from_secs(25);
pub const WAIT: Duration = Duration::from_secs(5);

/// Runs `body` in a child process that talks to its own JACK server (see the module docs).
/// `test` is the test's full path, `concat!(module_path!(), "::name")`.
pub fn in_jack_child(test: &str, body: impl FnOnce()) {
    if std::env::var(CHILD_ENV).as_deref() == Ok(test) {
        return body();
    }
    let _one_server_at_a_time = lock_servers();
    let exact = test.split_once("::").map_or(test, |(_crate, path)| path);
    let name = test.rsplit("::").next().unwrap_or(test);
    // A child killed by a signal (libjack crashing while a server starts or stops, seen on a
    // loaded machine) is run once more, saying so; a second crash fails the test.
    for attempt in 1..=2 {
        let (status, output) = run_child(test, exact, name, attempt);
        match status {
            Some(s) if s.success() && output.contains("1 passed") => return print!("{output}"), // shown with --nocapture
            Some(s) if s.signal().is_some() && attempt == 1 => {
                eprintln!("JACK test child crashed ({s}); running it once more. Its output:\n{output}");
            }
            Some(s) => panic!("JACK test child failed ({s}):\n{output}"),
            None => panic!("JACK test child timed out after {CHILD_TIMEOUT:?}:\n{output}"),
        }
    }
}

/// One run of the test in a child with its own server; afterwards nothing of its process group
/// (its jackd above all) is left running, whatever happened to it.
fn run_child(test: &str, exact: &str, name: &str, attempt: u32) -> (Option<std::process::ExitStatus>, String) {
    let log = tempfile::NamedTempFile::new().unwrap();
    let server = format!("quai-test-{}-{name}-{attempt}", std::process::id());
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([exact, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, test)
        .env("JACK_DEFAULT_SERVER", &server)
        .env("JACK_NO_AUDIO_RESERVATION", "1")
        .process_group(0)
        .stdin(Stdio::null())
        .stdout(log.reopen().unwrap())
        .stderr(log.reopen().unwrap())
        .spawn()
        .unwrap();
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if start.elapsed() > CHILD_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    // A jackd the child left behind (it crashed, or timed out): jackd puts itself in a session
    // of its own, so it is found by its server name, not by the child's process group.
    let pattern = format!("jackd -n {server} ");
    let kill = |signal: &str| {
        Command::new("pkill")
            .args(["-f", "--signal", signal, &pattern])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if kill("TERM") {
        let gone = Instant::now() + Duration::from_secs(2);
        while kill("0") && Instant::now() < gone {
            std::thread::sleep(Duration::from_millis(20));
        }
        kill("KILL");
    }
    (status, std::fs::read_to_string(log.path()).unwrap_or_default())
}

/// A `jackd` with the dummy driver, named by `$JACK_DEFAULT_SERVER`; stopped on drop.
pub struct Jackd(Option<Child>);

impl Jackd {
    pub fn start() -> Jackd {
        let server = std::env::var("JACK_DEFAULT_SERVER").unwrap();
        let child = Command::new("jackd")
            .args(["-n", &server, "--no-realtime", "-d", "dummy", "-r", "48000", "-p", "128"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot run `jackd` ({e}): install the `jackd2` package (apt-get install jackd2)")
            });
        let mut jack = Jackd(Some(child));
        // Probed from another process (jackd2's jack_wait): a client of this process opened while
        // the server is still setting up its shared memory can crash inside libjack (seen as a
        // SIGSEGV of the test child on a loaded machine); a crashing probe costs only a retry.
        wait_for(Duration::from_secs(10), "jackd to accept clients", || {
            if let Some(Ok(Some(status))) = jack.0.as_mut().map(Child::try_wait) {
                panic!("jackd exited at start ({status})");
            }
            let probe = Command::new("jack_wait")
                .args(["-s", &server, "-c"])
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .output();
            let up = probe.is_ok_and(|o| o.status.success() && String::from_utf8_lossy(&o.stdout).trim() == "running");
            up && midir::MidiInput::new("quai-test-probe").is_ok()
        });
        jack
    }

    /// SIGTERM (jackd cleans up its shared memory), then SIGKILL after 3 s.
    pub fn stop(&mut self) {
        let Some(mut child) = self.0.take() else { return };
        let _ = Command::new("kill").args(["-s", "TERM", &child.id().to_string()]).status();
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(3) {
            if let Ok(Some(_)) = child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = child.kill();
        let _ = child.wait();
    }
}

impl Drop for Jackd {
    fn drop(&mut self) {
        self.stop();
    }
}

pub fn wait_for(timeout: Duration, what: &str, mut f: impl FnMut() -> bool) {
    let start = Instant::now();
    while !f() {
        assert!(start.elapsed() < timeout, "timed out after {timeout:?} waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Retries `f` for up to [`WAIT`]: opening a JACK client fails now and then on a busy server.
pub fn retry<T, E: std::fmt::Display>(what: &str, mut f: impl FnMut() -> Result<T, E>) -> T {
    let start = Instant::now();
    loop {
        match f() {
            Ok(v) => return v,
            Err(e) if start.elapsed() > WAIT => panic!("{what}: {e}"),
            Err(_) => std::thread::sleep(Duration::from_millis(50)),
        }
    }
}
