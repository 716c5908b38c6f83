//! Scenes and shaders bundled into the binary, so `quai` with no arguments runs the demo from
//! anywhere (`cargo install`, a fresh machine) without the repository beside it.

use crate::scene::MemoryFiles;

/// Path of the bundled demo scene inside `files()`.
pub const DEMO: &str = "scenes/demo.toml";

macro_rules! bundle {
    ($($path:literal),* $(,)?) => {
        &[$(($path, include_bytes!(concat!("../", $path)) as &[u8])),*]
    };
}

/// (path, contents) of every bundled file.
pub const FILES: &[(&str, &[u8])] = bundle!(
    "scenes/demo.toml",
    "shaders/flow.wgsl",
    "shaders/facade.wgsl",
    "shaders/pulse.wgsl",
    "shaders/aurora.wgsl",
);

pub fn files() -> MemoryFiles {
    let mut files = MemoryFiles::new();
    for (path, bytes) in FILES {
        files.insert(path, bytes.to_vec());
    }
    files
}
