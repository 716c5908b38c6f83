//! The audio engine (a map): `engine` runs voices, buses, the master limiter and the analysis tap
//! on the audio thread (the device callback, or a caller of `Engine::process`: tests, benches and
//! the offline bounce); `stream` opens the device (JACK, ALSA, the system default) under a
//! supervisor thread that rebuilds it when the device or server goes and comes back; `decode`
//! turns sound files into samples (loader and decoder threads); `analysis` computes levels, bands
//! and onsets from the tap (its own thread, or the offline bounce); `pan` places sounds among the
//! room's speakers (main thread).

pub mod analysis;
pub mod decode;
pub mod engine;
pub mod graph;
pub mod pan;
pub mod show;
pub mod stream;
