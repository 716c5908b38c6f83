//! Fuzz the scene loader: any bytes as a scene file (with the bundled shaders beside it, so valid
//! layers compile for real). Loading must never panic; a failure must carry diagnostics.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut files = quai::bundled::files();
    files.insert("scenes/fuzz.toml", data.to_vec());
    if let Err(e) = quai::scene::load_from(&files, Path::new("scenes/fuzz.toml")) {
        assert!(!e.diagnostics.is_empty());
        let _ = e.to_string();
    }
});
