//! Sound files to `f32`: whole-file decoding, cheap probing and ring-buffer streaming.
//!
//! Owns everything that reads sound files (WAV, FLAC, Ogg Vorbis, MP3, through symphonia).
//! [`decode_file`] and [`probe`] run on whichever loader thread calls them (scene load, preload);
//! [`stream`] spawns one decoder thread per stream that fills an [`rtrb`] ring ahead of playback.
//! Nothing here ever runs on the audio thread: the engine only pops samples from
//! [`StreamReader::ring`].

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use symphonia::core::codecs::audio::{AudioDecoder, AudioDecoderOptions};
use symphonia::core::errors::Error as SymError;
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, FormatReader, SeekMode, SeekTo, TrackType};
use symphonia::core::io::MediaSourceStream;
use symphonia::core::meta::MetadataOptions;
use symphonia::core::units::{Time, Timestamp};

/// What the error messages tell a user to do with a file we cannot read.
const SUPPORTED: &str = "supported formats are WAV (PCM), FLAC, Ogg Vorbis and MP3; \
convert it with e.g. `ffmpeg -i in.xyz out.flac`";

/// A failure to open, recognise or decode a sound file. Every message names the file.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    /// The file could not be opened (missing, permissions, ...).
    #[error("cannot open sound file {}: {source}", path.display())]
    Open {
        /// The file.
        path: PathBuf,
        /// The underlying I/O error.
        source: io::Error,
    },
    /// The file is not in a format or codec this build can decode.
    #[error("sound file {} is not supported ({reason}); {SUPPORTED}", path.display())]
    Unsupported {
        /// The file.
        path: PathBuf,
        /// What was not recognised.
        reason: String,
    },
    /// The file is recognised but broken (truncated, malformed data).
    #[error("sound file {} is corrupt at {at_seconds:.3} s: {reason}", path.display())]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// Position in the audio at which decoding failed (0 for a broken header).
        at_seconds: f64,
        /// What went wrong.
        reason: String,
    },
}

/// A whole decoded file.
#[derive(Debug, Clone, PartialEq)]
pub struct Decoded {
    /// Frames per second.
    pub sample_rate: u32,
    /// Samples per frame.
    pub channels: usize,
    /// Interleaved samples in -1..1; `frames.len() / channels` frames.
    pub frames: Vec<f32>,
}

impl Decoded {
    /// Number of frames (samples per channel).
    pub fn frame_count(&self) -> usize {
        self.frames.len() / self.channels.max(1)
    }
}

/// What [`probe`] learns from a file's header without decoding it.
#[derive(Debug, Clone, PartialEq)]
pub struct Info {
    /// Frames per second.
    pub sample_rate: u32,
    /// Samples per frame.
    pub channels: usize,
    /// Length in frames, when the container states it.
    pub frames: Option<u64>,
    /// Length in seconds, when known.
    pub seconds: Option<f64>,
    /// Codec short name, e.g. `pcm_s16le`, `flac`, `vorbis`, `mp3`.
    pub codec: String,
}

/// An open file: format reader, decoder and the position in frames. Shared by [`decode_file`]
/// and the stream thread so both produce identical samples.
struct Source {
    path: PathBuf,
    reader: Box<dyn FormatReader>,
    decoder: Box<dyn AudioDecoder>,
    track_id: u32,
    sample_rate: u32,
    channels: usize,
    /// Index in the file of the next frame produced (for error messages and length checks).
    position: u64,
    /// Frames still to drop after a seek (the seek lands on a packet before the target).
    skip: u64,
    /// After a seek: the target frame, resolved into `skip` at the first packet's timestamp.
    seek_target: Option<u64>,
    /// The track's stated length in frames.
    frames: Option<u64>,
    codec: String,
}

fn unsupported(path: &Path, reason: impl Into<String>) -> DecodeError {
    DecodeError::Unsupported { path: path.to_path_buf(), reason: reason.into() }
}

fn corrupt(path: &Path, at_seconds: f64, err: impl std::fmt::Display) -> DecodeError {
    DecodeError::Corrupt { path: path.to_path_buf(), at_seconds, reason: err.to_string() }
}

/// Maps a symphonia error met while opening (probe, header, decoder creation).
fn open_error(path: &Path, err: SymError) -> DecodeError {
    match err {
        SymError::Unsupported(what) => unsupported(path, what),
        SymError::IoError(e) if e.kind() == io::ErrorKind::UnexpectedEof => {
            corrupt(path, 0.0, "file ends inside its header (truncated)")
        }
        other => corrupt(path, 0.0, other),
    }
}

impl Source {
    /// Opens `path`, reads its header and creates a decoder for its first audio track.
    fn open(path: &Path) -> Result<Self, DecodeError> {
        let file = File::open(path).map_err(|source| DecodeError::Open { path: path.to_path_buf(), source })?;
        let mss = MediaSourceStream::new(Box::new(file), Default::default());
        let mut hint = Hint::new();
        if let Some(ext) = path.extension().and_then(|e| e.to_str()) {
            hint.with_extension(ext);
        }
        let reader = symphonia::default::get_probe()
            .probe(&hint, mss, FormatOptions::default(), MetadataOptions::default())
            .map_err(|e| open_error(path, e))?;
        let track = reader.default_track(TrackType::Audio).ok_or_else(|| unsupported(path, "no audio track"))?;
        let params = track
            .codec_params
            .as_ref()
            .and_then(|p| p.audio())
            .ok_or_else(|| unsupported(path, "no audio codec parameters"))?;
        let codecs = symphonia::default::get_codecs();
        let registered = codecs
            .get_audio_decoder(params.codec)
            .ok_or_else(|| unsupported(path, format!("unknown audio codec {}", params.codec)))?;
        let codec = registered.codec.info.short_name.to_string();
        let decoder =
            codecs.make_audio_decoder(params, &AudioDecoderOptions::default()).map_err(|e| open_error(path, e))?;
        let sample_rate = params.sample_rate.filter(|&r| r > 0).ok_or_else(|| corrupt(path, 0.0, "no sample rate"))?;
        let channels = params
            .channels
            .as_ref()
            .map(|c| c.count())
            .filter(|&c| c > 0)
            .ok_or_else(|| corrupt(path, 0.0, "no channel count"))?;
        let (track_id, frames) = (track.id, track.num_frames);
        Ok(Source {
            path: path.to_path_buf(),
            reader,
            decoder,
            track_id,
            sample_rate,
            channels,
            position: 0,
            skip: 0,
            seek_target: None,
            frames,
            codec,
        })
    }

    fn seconds(&self) -> f64 {
        self.position as f64 / f64::from(self.sample_rate)
    }

    /// Seeks so that the next frame produced is the one at `seconds` (sample-accurate: lands
    /// before the target and drops the extra frames). Past the end, the source simply ends.
    fn seek(&mut self, seconds: f64) -> Result<(), DecodeError> {
        let target = (seconds.max(0.0) * f64::from(self.sample_rate)).round() as u64;
        if target == 0 {
            return Ok(());
        }
        let time = Time::try_from_secs_f64(seconds.max(0.0))
            .ok_or_else(|| corrupt(&self.path, seconds, "offset out of range"))?;
        match self.reader.seek(SeekMode::Accurate, SeekTo::Time { time, track_id: Some(self.track_id) }) {
            Ok(_) => {
                self.decoder.reset();
                self.seek_target = Some(target);
                self.position = target;
                Ok(())
            }
            // Not seekable (or past the end): decode from the start and drop frames instead.
            Err(_) => {
                *self = Source::open(&self.path)?;
                self.skip = target;
                self.position = target;
                Ok(())
            }
        }
    }

    /// Converts a track timestamp to frames (the time base is 1/sample_rate for every
    /// supported format, but convert through seconds if it is not).
    fn ts_to_frames(&self, ts: Timestamp) -> u64 {
        let track = self.reader.tracks().iter().find(|t| t.id == self.track_id);
        match track.and_then(|t| t.time_base).and_then(|tb| tb.calc_time(ts)) {
            Some(time) => (time.as_secs_f64() * f64::from(self.sample_rate)).round().max(0.0) as u64,
            None => ts.get().max(0) as u64,
        }
    }

    /// At the end of the data: an error if the file stopped before the length its header states.
    fn check_complete(&self) -> Result<(), DecodeError> {
        let Some(expected) = self.frames else { return Ok(()) };
        // MP3 lengths are only estimates unless a Xing/LAME header states them; allow slack.
        let slack = if self.codec.starts_with("mp") { expected / 20 + 2304 } else { 0 };
        if self.position + slack < expected {
            let reason = format!("data ends after {} of {expected} frames (truncated)", self.position);
            return Err(corrupt(&self.path, self.seconds(), reason));
        }
        Ok(())
    }

    /// Decodes the next packet into `out` (cleared first, interleaved f32).
    /// Returns `Ok(false)` at the end of the file.
    fn next_block(&mut self, out: &mut Vec<f32>) -> Result<bool, DecodeError> {
        out.clear();
        loop {
            let packet = match self.reader.next_packet() {
                Ok(Some(p)) => p,
                Ok(None) => return Ok(false),
                Err(SymError::IoError(e)) if e.kind() == io::ErrorKind::UnexpectedEof => {
                    return Ok(false);
                }
                Err(e) => return Err(corrupt(&self.path, self.seconds(), e)),
            };
            if packet.track_id != self.track_id {
                continue;
            }
            let pts_frames = self.ts_to_frames(packet.pts);
            let at = self.seconds();
            let buf = self.decoder.decode(&packet).map_err(|e| corrupt(&self.path, at, e))?;
            if buf.spec().channels().count() != self.channels {
                return Err(corrupt(&self.path, at, "channel count changed mid-file"));
            }
            buf.copy_to_vec_interleaved(out);
            // The first packet that yields audio after a seek fixes how many frames to drop
            // (a decoder may swallow its first packet after a reset to prime itself).
            if !out.is_empty()
                && let Some(target) = self.seek_target.take()
            {
                self.skip = target.saturating_sub(pts_frames);
            }
            let frames = (out.len() / self.channels) as u64;
            if self.skip > 0 {
                let drop = self.skip.min(frames);
                out.drain(..drop as usize * self.channels);
                self.skip -= drop;
            }
            self.position += (out.len() / self.channels) as u64;
            if !out.is_empty() {
                return Ok(true);
            }
        }
    }
}

/// Decodes a whole file to interleaved f32. Runs on the caller's (loader) thread.
///
/// A file that ends before the length its header states is reported as [`DecodeError::Corrupt`]
/// at the point where the data stops.
pub fn decode_file(path: &Path) -> Result<Decoded, DecodeError> {
    let mut src = Source::open(path)?;
    let mut frames =
        Vec::with_capacity(src.frames.map_or(0, |f| (f as usize).saturating_mul(src.channels)).min(1 << 28));
    let mut block = Vec::new();
    while src.next_block(&mut block)? {
        frames.extend_from_slice(&block);
    }
    src.check_complete()?;
    Ok(Decoded { sample_rate: src.sample_rate, channels: src.channels, frames })
}

/// Reads a file's header only: rate, channels, length and codec. Cheap; use it at scene load
/// to validate files and to choose between preloading and streaming.
pub fn probe(path: &Path) -> Result<Info, DecodeError> {
    let src = Source::open(path)?;
    let seconds = src.frames.map(|f| f as f64 / f64::from(src.sample_rate));
    Ok(Info { sample_rate: src.sample_rate, channels: src.channels, frames: src.frames, seconds, codec: src.codec })
}

/// The consumer end a voice plays (the engine's type; this module fills it).
pub use super::engine::StreamReader;

/// The controlling side of a stream: dropping it stops and joins the decoder thread.
pub struct StreamHandle {
    stop: Arc<AtomicBool>,
    ended: Arc<AtomicBool>,
    error: Arc<Mutex<Option<String>>>,
    thread: Option<JoinHandle<()>>,
}

impl StreamHandle {
    /// The decode error that ended the stream early, if any (message names file and time).
    pub fn error(&self) -> Option<String> {
        self.error.lock().map(|e| e.clone()).unwrap_or_else(|p| p.into_inner().clone())
    }

    /// Whether the decoder has pushed its last sample.
    pub fn is_ended(&self) -> bool {
        self.ended.load(Ordering::Acquire)
    }
}

impl Drop for StreamHandle {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// How long the decoder thread sleeps when the ring is full.
const FULL_WAIT: Duration = Duration::from_millis(2);

/// Starts streaming `path` from `offset_seconds` into a ring of `capacity_frames` frames.
///
/// The file is opened (and seeked) before this returns, so a missing or broken file is an
/// error here; a decode error later ends the stream, is logged and is kept in
/// [`StreamHandle::error`]. With `looping`, the thread continues from the start of the file
/// without a gap after the last frame (the offset applies to the first pass only). The thread
/// stops when the handle is dropped or the reader is dropped.
pub fn stream(
    path: &Path,
    offset_seconds: f64,
    looping: bool,
    capacity_frames: usize,
) -> Result<(StreamReader, StreamHandle), DecodeError> {
    let mut src = Source::open(path)?;
    src.seek(offset_seconds)?;
    let channels = src.channels;
    let (producer, consumer) = rtrb::RingBuffer::new(capacity_frames.max(1) * channels);
    let ended = Arc::new(AtomicBool::new(false));
    let stop = Arc::new(AtomicBool::new(false));
    let error = Arc::new(Mutex::new(None));
    let reader = StreamReader { ring: consumer, channels, sample_rate: src.sample_rate, ended: ended.clone() };
    let (t_stop, t_ended, t_error) = (stop.clone(), ended.clone(), error.clone());
    let name = format!("quai-stream {}", path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default());
    let thread = std::thread::Builder::new()
        .name(name)
        .spawn(move || {
            if let Err(e) = run_stream(src, producer, looping, &t_stop) {
                tracing::warn!(error = %e, "audio stream stopped");
                let mut slot = t_error.lock().unwrap_or_else(|p| p.into_inner());
                *slot = Some(e.to_string());
            }
            t_ended.store(true, Ordering::Release);
        })
        .map_err(|e| corrupt(path, offset_seconds, format!("cannot start decoder thread: {e}")))?;
    Ok((reader, StreamHandle { stop, ended, error, thread: Some(thread) }))
}

/// The decoder thread's loop: decode a block, push it (waiting while the ring is full), repeat.
fn run_stream(
    mut src: Source,
    mut ring: rtrb::Producer<f32>,
    looping: bool,
    stop: &AtomicBool,
) -> Result<(), DecodeError> {
    let channels = src.channels;
    let mut block = Vec::new();
    let mut produced_this_pass = false;
    loop {
        if !src.next_block(&mut block)? {
            src.check_complete()?;
            if !looping {
                return Ok(());
            }
            if !produced_this_pass {
                return Ok(()); // an empty file would loop forever without producing anything
            }
            src = Source::open(&src.path)?;
            produced_this_pass = false;
            continue;
        }
        produced_this_pass = true;
        let mut pos = 0;
        while pos < block.len() {
            if stop.load(Ordering::Acquire) || ring.is_abandoned() {
                return Ok(());
            }
            let room = ring.slots() / channels * channels;
            let n = room.min(block.len() - pos);
            if n == 0 {
                std::thread::sleep(FULL_WAIT);
                continue;
            }
            if let Ok(chunk) = ring.write_chunk_uninit(n) {
                pos += chunk.fill_from_iter(block[pos..pos + n].iter().copied());
            }
        }
    }
}

#[cfg(test)]
#[path = "decode_tests.rs"]
mod tests;
