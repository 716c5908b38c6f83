//! Tests of `analysis.rs` on synthetic signals.

use super::*;
use std::time::Instant;

const RATE: u32 = 48_000;

/// `seconds` of a sine at `freq` Hz and `amp` amplitude, duplicated into `channels`.
fn sine(freq: f32, amp: f32, seconds: f32, channels: usize) -> Vec<f32> {
    let frames = (seconds * RATE as f32) as usize;
    let w = 2.0 * std::f32::consts::PI * freq / RATE as f32;
    (0..frames).flat_map(|i| std::iter::repeat_n(amp * (w * i as f32).sin(), channels)).collect()
}

/// Mono clicks (single-sample impulses of 0.9) every `period` s, starting at `period`/2.
fn clicks(count: usize, period: f32) -> Vec<f32> {
    let step = (period * RATE as f32) as usize;
    let mut v = vec![0.0; step * count];
    for c in 0..count {
        v[step / 2 + c * step] = 0.9;
    }
    v
}

/// Guards band placement: a 440 Hz sine's energy lands in the band whose edges contain 440 Hz,
/// and that band reads highest, for 8 and 16 bands and FFT sizes 1024 and 2048.
#[test]
fn sine_energy_lands_in_its_band() {
    for (fft, bands) in [(2048, 16), (1024, 16), (2048, 8), (1024, 8)] {
        let mut a = Analyzer::new(RATE, 2, fft, bands);
        a.push(&sine(440.0, 0.5, 1.0, 2));
        let e = a.band_edges();
        let want = (0..bands).find(|&b| e[b] <= 440.0 && 440.0 < e[b + 1]).unwrap();
        let f = a.features();
        let best = (0..bands).max_by(|&x, &y| f.bands[x].total_cmp(&f.bands[y])).unwrap();
        assert_eq!(best, want, "fft {fft}, {bands} bands: {:?}", &f.bands[..bands]);
        assert!(f.bands[want] > 0.8, "{}", f.bands[want]);
        assert!(f.bands[bands..].iter().all(|&x| x == 0.0));
    }
}

/// Guards the documented band edges: log-spaced from 30 Hz to 16 kHz (below Nyquist at low
/// rates).
#[test]
fn band_edges_are_log_spaced_30_to_16k() {
    let a = Analyzer::new(RATE, 1, 2048, 16);
    let e = a.band_edges();
    assert_eq!(e.len(), 17);
    assert!((e[0] - 30.0).abs() < 1e-3 && (e[16] - 16_000.0).abs() < 1.0);
    let r = e[1] / e[0];
    assert!(e.windows(2).all(|w| (w[1] / w[0] - r).abs() < 1e-3));
    let low = Analyzer::new(22_050, 1, 1024, 8);
    assert!(*low.band_edges().last().unwrap() < 11_025.0);
}

/// Guards level calibration: a -6 dBFS sine reads -9.03 dB RMS ±0.1 and -6 dB peak; a
/// full-scale sine reads -3.01 dB RMS.
#[test]
fn sine_levels_in_dbfs() {
    let amp = 10f32.powf(-6.0 / 20.0);
    for channels in [1, 2] {
        let mut a = Analyzer::new(RATE, channels, 2048, 16);
        a.push(&sine(440.0, amp, 0.5, channels));
        let f = a.features();
        assert!((f.rms_db + 9.03).abs() < 0.1, "rms {}", f.rms_db);
        assert!((f.peak_db + 6.0).abs() < 0.05, "peak {}", f.peak_db);
    }
    let mut a = Analyzer::new(RATE, 1, 1024, 8);
    a.push(&sine(1000.0, 1.0, 0.5, 1));
    assert!((a.features().rms_db + 3.01).abs() < 0.1, "{}", a.features().rms_db);
}

/// Guards onset detection: a click train gives one onset per click (±1), the trigger flag is
/// set once per onset, and a steady sine after its start gives no more onsets.
#[test]
fn click_train_onsets_are_counted() {
    for (period, count) in [(0.25, 16), (0.1, 20)] {
        let mut a = Analyzer::new(RATE, 1, 2048, 16);
        let mut flags = 0;
        for chunk in clicks(count, period).chunks(300) {
            a.push(chunk);
            flags += usize::from(a.take_onset());
        }
        let n = a.features().onsets as i64;
        assert!((n - count as i64).abs() <= 1, "period {period}: {n} onsets for {count} clicks");
        assert!((flags as i64 - n).abs() <= 1, "{flags} flags for {n} onsets");
    }
    let mut a = Analyzer::new(RATE, 1, 2048, 16);
    a.push(&sine(440.0, 0.5, 0.5, 1));
    let after_start = a.features().onsets;
    a.push(&sine(440.0, 0.5, 2.0, 1)[24_000..]);
    assert!(after_start <= 1 && a.features().onsets == after_start);
}

/// Guards the silence floor: silence reads -120 dB, zero bands, no onsets.
#[test]
fn silence_is_floor_and_zeros() {
    let mut a = Analyzer::new(RATE, 2, 2048, 16);
    assert_eq!(a.features(), Features::default());
    a.push(&vec![0.0; RATE as usize * 2]);
    let f = a.features();
    assert_eq!((f.rms_db, f.peak_db), (FLOOR_DB, FLOOR_DB));
    assert_eq!(f.bands, [0.0; MAX_BANDS]);
    assert_eq!((f.onset, f.onsets), (0.0, 0));
    assert!(!a.take_onset());
}

/// Guards frame mixing across calls: pushing a stereo stream in odd-sized pieces (partial
/// frames) gives the same features as pushing it whole.
#[test]
fn partial_frames_across_pushes() {
    let s = sine(440.0, 0.3, 0.3, 2);
    let mut whole = Analyzer::new(RATE, 2, 1024, 8);
    whole.push(&s);
    let mut pieces = Analyzer::new(RATE, 2, 1024, 8);
    for c in s.chunks(77) {
        pieces.push(c);
    }
    assert_eq!(whole.features(), pieces.features());
}

/// Guards the thread wrapper: it drains the tap, publishes the latest features and onset flag,
/// and stops on drop.
#[test]
fn analysis_thread_publishes_latest() {
    let (mut tx, rx) = rtrb::RingBuffer::new(RATE as usize);
    let handle = spawn_analysis(rx, RATE, 1, 8);
    let mut signal = clicks(2, 0.25);
    signal.extend(sine(440.0, 0.5, 0.5, 1));
    let mut pos = 0;
    let deadline = Instant::now() + Duration::from_secs(10);
    while pos < signal.len() && Instant::now() < deadline {
        let n = tx.slots().min(signal.len() - pos);
        if let Ok(chunk) = tx.write_chunk_uninit(n) {
            pos += chunk.fill_from_iter(signal[pos..].iter().copied());
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    while tx.slots() < tx.buffer().capacity() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(2));
    }
    std::thread::sleep(Duration::from_millis(50)); // let it publish what it read last
    let f = handle.latest();
    assert!((f.rms_db + 9.03).abs() < 0.2, "{f:?}");
    assert!(f.onsets >= 2 && handle.take_onset(), "{f:?}");
    let t = Instant::now();
    drop(handle);
    assert!(t.elapsed() < Duration::from_secs(1));
}
