//! Sound: the output stream (`stream`: device connection, reconnection, the audio callback's
//! hand-over to the engine). The engine, sample playback and analysis live beside it.

pub mod stream;
