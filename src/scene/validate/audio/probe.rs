//! The header probe of a sound file, at load: container, codec, sample rate, channels and length,
//! with one packet decoded at the start and one read at the end, so that a garbage or truncated
//! file is a scene error and not a surprise at play time. Nothing is decoded whole. Deliberately
//! minimal: the engine's decoder (src/audio/decode.rs) reads the file for real.

use std::io::{self, Read, Seek, SeekFrom};

use symphonia::core::codecs::CodecParameters;
use symphonia::core::codecs::audio::AudioDecoderOptions;
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, SeekMode, SeekTo, TrackType};
use symphonia::core::io::{MediaSource, MediaSourceStream};
use symphonia::core::meta::MetadataOptions;
use symphonia::core::units::Timestamp;

use super::super::super::source::ReadSeek;

/// File name extensions quai plays, lower case.
pub(super) const EXTENSIONS: [&str; 5] = ["wav", "flac", "ogg", "oga", "mp3"];

/// What the header says.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Probed {
    /// Short codec name ("pcm_s16le", "flac", "vorbis", "mp3").
    pub codec: &'static str,
    pub sample_rate: u32,
    pub channels: usize,
    /// Length in seconds, where the header tells it.
    pub seconds: Option<f64>,
}

/// A reader as symphonia wants it: seekable, with its length known.
struct Source {
    inner: Box<dyn ReadSeek>,
    len: u64,
}

impl Read for Source {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf)
    }
}

impl Seek for Source {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        self.inner.seek(pos)
    }
}

impl MediaSource for Source {
    fn is_seekable(&self) -> bool {
        true
    }
    fn byte_len(&self) -> Option<u64> {
        Some(self.len)
    }
}

/// Probe `file` (`extension`: its name's, lower case, as a hint); the error says what is wrong in
/// words for the scene author.
pub(super) fn probe(mut file: Box<dyn ReadSeek>, extension: &str) -> Result<Probed, String> {
    let len = file.seek(SeekFrom::End(0)).and_then(|l| file.seek(SeekFrom::Start(0)).map(|_| l));
    let len = len.map_err(|e| format!("cannot read it: {e}"))?;
    if len == 0 {
        return Err("the file is empty".into());
    }
    let stream = MediaSourceStream::new(Box::new(Source { inner: file, len }), Default::default());
    let mut hint = Hint::new();
    hint.with_extension(extension);
    let mut format = symphonia::default::get_probe()
        .probe(&hint, stream, FormatOptions::default(), MetadataOptions::default())
        .map_err(|e| format!("not a readable {} file ({e})", extension.to_uppercase()))?;
    let track = format.default_track(TrackType::Audio).ok_or("the file holds no audio track")?;
    let track_id = track.id;
    let Some(CodecParameters::Audio(params)) = track.codec_params.clone() else {
        return Err("the file's audio track has no codec parameters".into());
    };
    let sample_rate = params.sample_rate.ok_or("the header gives no sample rate")?;
    let channels = params.channels.as_ref().map(|c| c.count()).ok_or("the header gives no channel count")?;
    if channels == 0 {
        return Err("the header says 0 channels".into());
    }
    let num_frames = track.num_frames;
    let mut decoder = symphonia::default::get_codecs()
        .make_audio_decoder(&params, &AudioDecoderOptions::default())
        .map_err(|e| format!("its codec cannot be decoded ({e})"))?;
    let codec = decoder.codec_info().short_name;

    // The first packet of the track decodes.
    loop {
        match format.next_packet() {
            Ok(Some(p)) if p.track_id == track_id => {
                decoder.decode(&p).map_err(|e| format!("its first audio packet does not decode ({e})"))?;
                break;
            }
            Ok(Some(_)) => continue,
            Ok(None) => return Err("the file holds no audio data".into()),
            Err(e) => return Err(format!("its audio data cannot be read ({e})")),
        }
    }
    // The last frame the header promises is there: a cut-off copy fails here. A container that
    // cannot seek is not checked (no false alarms on valid files).
    if let Some(n) = num_frames.filter(|n| *n > 1)
        && let Ok(ts) = i64::try_from(n - 1)
        && format.seek(SeekMode::Coarse, SeekTo::Timestamp { ts: Timestamp::new(ts), track_id }).is_ok()
    {
        let seconds = n as f64 / f64::from(sample_rate);
        let truncated = || format!("the file is cut short: its header promises {seconds:.2} s of audio");
        loop {
            match format.next_packet() {
                Ok(Some(p)) if p.track_id == track_id => break,
                Ok(Some(_)) => continue,
                Ok(None) | Err(_) => return Err(truncated()),
            }
        }
    }
    let seconds = num_frames.map(|n| n as f64 / f64::from(sample_rate));
    Ok(Probed { codec, sample_rate, channels, seconds })
}
