//! The lock that lets only one test JACK server run at a time, across every test process of the
//! user: jackd2 servers share one metadata database (`/dev/shm/jack_db-<uid>`, whatever the server
//! name), and a server that stops deletes it under the others, whose clients then crash (SIGSEGV
//! in libjack). Taken by the unit tests' harness (`jack_harness`) and, through `#[path]`, by the
//! integration tests that start a server (`tests/midi_jack.rs`): one file, so they cannot drift.

/// The lock file that serialises test servers.
pub fn lock_path() -> std::path::PathBuf {
    std::env::temp_dir().join("quai-jack-tests.lock")
}

/// Blocks until this process holds the test-server lock; released when the file is dropped.
pub fn lock_servers() -> std::fs::File {
    let path = lock_path();
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .or_else(|_| std::fs::File::open(&path)) // made by another user: a read lock file still locks
        .unwrap_or_else(|e| panic!("cannot open the JACK test lock {}: {e}", path.display()));
    file.lock().unwrap_or_else(|e| panic!("cannot lock {}: {e}", path.display()));
    file
}
