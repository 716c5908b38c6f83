//! Tests of `decode.rs` against the generated fixtures in `tests/sounds/` (see its README.md).

use super::*;
use std::time::Instant;

fn sound(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sounds").join(name)
}

/// The four fixture formats of the same 0.5 s, 440 Hz, -6 dBFS stereo sine.
const FORMATS: [&str; 4] = ["sine440.wav", "sine440.flac", "sine440.ogg", "sine440.mp3"];

/// Magnitude of `freq` in channel 0 (Goertzel-style single-bin DFT).
fn tone_level(d: &Decoded, freq: f64) -> f64 {
    let w = 2.0 * std::f64::consts::PI * freq / f64::from(d.sample_rate);
    let (mut re, mut im) = (0.0, 0.0);
    for (i, frame) in d.frames.chunks_exact(d.channels).enumerate() {
        re += f64::from(frame[0]) * (w * i as f64).cos();
        im += f64::from(frame[0]) * (w * i as f64).sin();
    }
    (re * re + im * im).sqrt()
}

/// Reads a stream until `want` samples arrived or it ended (bounded in time).
fn read_stream(reader: &mut StreamReader, want: usize) -> Vec<f32> {
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut out = Vec::new();
    while out.len() < want && Instant::now() < deadline {
        match reader.ring.pop() {
            Ok(s) => out.push(s),
            Err(_) if reader.ended.load(Ordering::Acquire) && reader.ring.is_empty() => break,
            Err(_) => std::thread::sleep(Duration::from_millis(1)),
        }
    }
    out
}

/// Guards format support: each fixture format decodes with the right rate, channels, length,
/// level and a spectral peak at 440 Hz.
#[test]
fn each_format_decodes_with_rate_channels_and_440hz_peak() {
    let mut files = FORMATS.to_vec();
    files.push("sine440_f32_mono_48k.wav");
    for name in files {
        let d = decode_file(&sound(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        let (rate, ch) = if name.contains("48k") { (48000, 1) } else { (44100, 2) };
        assert_eq!((d.sample_rate, d.channels), (rate, ch), "{name}");
        let len = d.frame_count() as f64 / f64::from(rate);
        assert!((0.49..0.56).contains(&len), "{name}: {len} s");
        let peak = d.frames.iter().fold(0.0f32, |m, s| m.max(s.abs()));
        assert!((0.45..0.6).contains(&peak), "{name}: peak {peak}");
        let best =
            (20..200).map(|k| f64::from(k) * 10.0).max_by(|a, b| tone_level(&d, *a).total_cmp(&tone_level(&d, *b)));
        assert_eq!(best, Some(440.0), "{name}");
    }
}

/// Guards `probe`: header facts (rate, channels, length, codec) without a full decode.
#[test]
fn probe_reports_header_facts() {
    let wav = probe(&sound("sine440.wav")).unwrap();
    assert_eq!((wav.sample_rate, wav.channels, wav.frames), (44100, 2, Some(22050)));
    assert!((wav.seconds.unwrap_or(0.0) - 0.5).abs() < 1e-9);
    for (name, codec) in [("sine440.flac", "flac"), ("sine440.ogg", "vorbis"), ("sine440.mp3", "mp")] {
        let info = probe(&sound(name)).unwrap();
        assert_eq!((info.sample_rate, info.channels), (44100, 2), "{name}");
        assert!(info.codec.contains(codec), "{name}: codec {}", info.codec);
    }
    assert!(probe(&sound("sine440_f32_mono_48k.wav")).unwrap().codec.contains("f32"));
}

/// Guards streaming fidelity: a one-shot stream delivers exactly the samples of a whole decode
/// and then marks `ended`.
#[test]
fn stream_gives_same_samples_as_whole_decode() {
    for name in FORMATS {
        let whole = decode_file(&sound(name)).unwrap();
        let (mut reader, handle) = stream(&sound(name), 0.0, false, 1000).unwrap();
        assert_eq!((reader.channels, reader.sample_rate), (whole.channels, whole.sample_rate));
        let got = read_stream(&mut reader, usize::MAX);
        assert_eq!(got.len(), whole.frames.len(), "{name}");
        assert!(got == whole.frames, "{name}: streamed samples differ");
        assert!(handle.is_ended() && handle.error().is_none(), "{name}");
    }
}

/// Guards seamless looping: sample N past the end equals sample N - len, for several passes.
#[test]
fn looping_stream_wraps_seamlessly() {
    for name in ["sine440.wav", "sine440.ogg", "sine440.mp3"] {
        let whole = decode_file(&sound(name)).unwrap().frames;
        let (mut reader, handle) = stream(&sound(name), 0.0, true, 512).unwrap();
        let got = read_stream(&mut reader, whole.len() * 5 / 2);
        assert_eq!(got.len(), whole.len() * 5 / 2, "{name}");
        for (i, s) in got.iter().enumerate() {
            assert_eq!(*s, whole[i % whole.len()], "{name}: sample {i}");
        }
        assert!(!handle.is_ended(), "{name}: a looping stream never ends");
    }
}

/// Guards the start offset: a stream from 0.2 s starts at frame 8820 of the whole decode
/// (sample-exact for PCM and FLAC, within 1e-3 for the lossy codecs after their reset).
#[test]
fn stream_starts_at_offset() {
    for name in FORMATS {
        let whole = decode_file(&sound(name)).unwrap().frames;
        let (mut reader, _handle) = stream(&sound(name), 0.2, false, 4096).unwrap();
        let got = read_stream(&mut reader, usize::MAX);
        let expect = &whole[8820 * 2..];
        assert_eq!(got.len(), expect.len(), "{name}");
        let tol = if name.ends_with(".ogg") || name.ends_with(".mp3") { 1e-3 } else { 0.0 };
        let worst = got.iter().zip(expect).map(|(a, b)| (a - b).abs()).fold(0.0f32, f32::max);
        assert!(worst <= tol, "{name}: differs by {worst}");
    }
    // An offset past the end is an empty, ended stream, not an error.
    let (mut reader, handle) = stream(&sound("sine440.wav"), 9.0, false, 256).unwrap();
    assert!(read_stream(&mut reader, usize::MAX).is_empty());
    assert!(handle.error().is_none());
}

/// Guards the missing-file path: `Open`, naming the file, from every entry point.
#[test]
fn missing_file_is_open_error() {
    let path = sound("no_such_file.wav");
    for err in [probe(&path).err(), decode_file(&path).err(), stream(&path, 0.0, false, 64).err()] {
        match err {
            Some(e @ DecodeError::Open { .. }) => assert!(e.to_string().contains("no_such_file.wav")),
            other => panic!("expected Open, got {other:?}"),
        }
    }
}

/// Guards garbage input: a text file named .wav is `Unsupported`, and the message names the
/// file, the supported formats and how to convert.
#[test]
fn text_file_named_wav_is_unsupported() {
    let err = decode_file(&sound("not_audio.wav")).unwrap_err();
    assert!(matches!(err, DecodeError::Unsupported { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(msg.contains("not_audio.wav") && msg.contains("FLAC") && msg.contains("ffmpeg"), "{msg}");
    assert!(matches!(probe(&sound("not_audio.wav")), Err(DecodeError::Unsupported { .. })));
}

/// Guards a header cut short: an error (never a panic), naming the file.
#[test]
fn truncated_header_is_an_error() {
    let err = probe(&sound("truncated_header.wav")).unwrap_err();
    assert!(matches!(err, DecodeError::Corrupt { .. } | DecodeError::Unsupported { .. }), "{err:?}");
    assert!(err.to_string().contains("truncated_header.wav"));
}

/// Guards truncated data: the header probes fine, a whole decode is `Corrupt` at the time the
/// data stops, and a stream plays what there is, then ends with the error recorded.
#[test]
fn truncated_data_is_corrupt_at_the_break() {
    let path = sound("truncated.wav");
    assert_eq!(probe(&path).unwrap().frames, Some(22050));
    match decode_file(&path) {
        Err(DecodeError::Corrupt { at_seconds, .. }) => {
            assert!((at_seconds - 5000.0 / 44100.0).abs() < 0.01, "at {at_seconds}")
        }
        other => panic!("expected Corrupt, got {other:?}"),
    }
    let (mut reader, handle) = stream(&path, 0.0, true, 256).unwrap();
    let got = read_stream(&mut reader, usize::MAX);
    assert_eq!(got.len(), 5000 * 2);
    let deadline = Instant::now() + Duration::from_secs(5);
    while handle.error().is_none() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(1));
    }
    let msg = handle.error().unwrap_or_default();
    assert!(msg.contains("truncated.wav") && msg.contains("0.113"), "{msg}");
}

/// Guards thread lifetime: dropping the reader ends the decoder thread, and dropping the
/// handle of a looping stream with a full ring stops and joins it promptly.
#[test]
fn stream_stops_when_either_side_is_dropped() {
    let (reader, handle) = stream(&sound("sine440.wav"), 0.0, true, 64).unwrap();
    drop(reader);
    let deadline = Instant::now() + Duration::from_secs(5);
    while !handle.is_ended() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(1));
    }
    assert!(handle.is_ended());
    let (_reader, handle) = stream(&sound("sine440.flac"), 0.0, true, 64).unwrap();
    std::thread::sleep(Duration::from_millis(20));
    let t = Instant::now();
    drop(handle);
    assert!(t.elapsed() < Duration::from_secs(2));
}
