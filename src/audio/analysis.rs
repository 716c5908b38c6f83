//! Features of an audio stream: levels, log-spaced band energies and spectral-flux onsets.
//!
//! Owns the analysis that drives audio-reactive scenes. [`Analyzer`] is plain computation,
//! called from whatever thread feeds it; [`spawn_analysis`] runs one on its own analysis thread
//! that drains a tap ring (filled by the audio engine) and publishes the latest [`Features`].
//! Never runs on the audio thread. After construction an `Analyzer` does not allocate: the FFT
//! plan, window, scratch and history buffers are all made in [`Analyzer::new`].
//!
//! Bands are log-spaced between [`BAND_LOW_HZ`] (30 Hz) and [`BAND_HIGH_HZ`] (16 kHz, or just
//! under Nyquist for lower sample rates): with `n` bands, band `i` spans
//! `30·(16000/30)^(i/n) .. 30·(16000/30)^((i+1)/n)` Hz (see [`Analyzer::band_edges`]). At small
//! FFT sizes the lowest bands are narrower than one FFT bin and share the nearest bin.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use realfft::num_complex::Complex;
use realfft::{RealFftPlanner, RealToComplex};

/// Level floor in dB: silence reads exactly this.
pub const FLOOR_DB: f32 = -120.0;
/// Lower edge of the lowest band, Hz.
pub const BAND_LOW_HZ: f32 = 30.0;
/// Upper edge of the highest band, Hz (clamped below Nyquist).
pub const BAND_HIGH_HZ: f32 = 16_000.0;
/// Most bands an [`Analyzer`] computes.
pub const MAX_BANDS: usize = 16;
/// Band levels from `-BAND_RANGE_DB` to 0 dBFS map to 0..1.
const BAND_RANGE_DB: f32 = 90.0;
/// Onset threshold: mean + `ONSET_K`·std of the recent flux, plus `ONSET_DELTA`.
const ONSET_K: f32 = 1.5;
const ONSET_DELTA: f32 = 0.01;
/// Length of the flux history the threshold adapts over, seconds.
const THRESHOLD_SECONDS: f32 = 1.0;
/// The onset normaliser (running maximum of the flux) halves over this many seconds.
const FLUX_MAX_HALF_LIFE_S: f32 = 5.0;
/// Gain inside the log compression of bin magnitudes, `ln(1 + C·|a|)`.
const LOG_GAIN: f32 = 1000.0;

/// One frame of features. Levels are dBFS of the mono mix (a full-scale sine is -3.01 dB RMS).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Features {
    /// RMS level over the last FFT window, dBFS, floored at [`FLOOR_DB`].
    pub rms_db: f32,
    /// Peak absolute sample over the last FFT window, dBFS, floored at [`FLOOR_DB`].
    pub peak_db: f32,
    /// Band energies, 0..1 (log energy: -90 dBFS → 0, 0 dBFS → 1); only the first
    /// [`Analyzer::bands`] are used, the rest stay 0.
    pub bands: [f32; MAX_BANDS],
    /// Spectral flux of the last hop relative to its recent maximum, 0..1.
    pub onset: f32,
    /// Onsets detected since the analyzer was made.
    pub onsets: u64,
}

impl Default for Features {
    fn default() -> Self {
        Features { rms_db: FLOOR_DB, peak_db: FLOOR_DB, bands: [0.0; MAX_BANDS], onset: 0.0, onsets: 0 }
    }
}

/// Amplitude (or RMS) to dB, floored.
fn to_db(x: f32) -> f32 {
    if x > 0.0 { (20.0 * x.log10()).max(FLOOR_DB) } else { FLOOR_DB }
}

/// Hop-based analyzer of an interleaved stream (mixed to mono, Hann-windowed FFT).
pub struct Analyzer {
    channels: usize,
    hop: usize,
    bands: usize,
    fft: Arc<dyn RealToComplex<f32>>,
    window: Vec<f32>,
    /// Mono history, circular, `fft_size` long; `write` is the oldest sample.
    history: Vec<f32>,
    write: usize,
    /// Partial frame being mixed down.
    frame_sum: f32,
    frame_fill: usize,
    since_hop: usize,
    input: Vec<f32>,
    spectrum: Vec<Complex<f32>>,
    scratch: Vec<Complex<f32>>,
    /// Log-compressed magnitudes of the previous hop, per bin.
    prev_mag: Vec<f32>,
    /// Bin ranges (start, end exclusive) of each band, and the edges in Hz.
    band_bins: [(usize, usize); MAX_BANDS],
    edges: [f32; MAX_BANDS + 1],
    /// Scales |X|² to the mean-square power of the signal (Parseval with the window).
    power_scale: f32,
    /// Scales |X| to sine amplitude.
    amp_scale: f32,
    /// Circular flux history for the adaptive threshold.
    flux_hist: Vec<f32>,
    flux_pos: usize,
    flux_len: usize,
    flux_max: f32,
    flux_decay: f32,
    above: bool,
    refractory: usize,
    since_onset: usize,
    onset_flag: bool,
    features: Features,
}

impl Analyzer {
    /// Makes an analyzer. `fft_size` is rounded to a power of two in 256..=16384 (1024 or 2048
    /// are typical); the hop is `min(512, fft_size / 2)` frames. `bands` is clamped to
    /// 1..=16 (8 or 16 are typical); `channels` to at least 1.
    pub fn new(sample_rate: u32, channels: usize, fft_size: usize, bands: usize) -> Self {
        let n = fft_size.clamp(256, 16384).next_power_of_two();
        let bands = bands.clamp(1, MAX_BANDS);
        let rate = sample_rate.max(1) as f32;
        let hop = 512.min(n / 2);
        let fft = RealFftPlanner::<f32>::new().plan_fft_forward(n);
        let window: Vec<f32> =
            (0..n).map(|i| 0.5 - 0.5 * (2.0 * std::f32::consts::PI * i as f32 / n as f32).cos()).collect();
        let w_sum: f32 = window.iter().sum();
        let w_sq: f32 = window.iter().map(|w| w * w).sum();

        let bin_hz = rate / n as f32;
        let high = BAND_HIGH_HZ.min(rate * 0.5 * 0.999);
        let ratio = (high / BAND_LOW_HZ).max(1.0);
        let mut edges = [0.0; MAX_BANDS + 1];
        let mut band_bins = [(0, 0); MAX_BANDS];
        for (i, e) in edges.iter_mut().enumerate().take(bands + 1) {
            *e = BAND_LOW_HZ * ratio.powf(i as f32 / bands as f32);
        }
        let last_bin = n / 2;
        for i in 0..bands {
            let lo = ((edges[i] / bin_hz).ceil() as usize).clamp(1, last_bin - 1);
            let hi = ((edges[i + 1] / bin_hz).ceil() as usize).clamp(lo + 1, last_bin);
            band_bins[i] = (lo, hi);
        }
        let hops_per_second = rate / hop as f32;
        let flux_cap = ((THRESHOLD_SECONDS * hops_per_second).round() as usize).max(4);
        Analyzer {
            channels: channels.max(1),
            hop,
            bands,
            input: fft.make_input_vec(),
            spectrum: fft.make_output_vec(),
            scratch: fft.make_scratch_vec(),
            fft,
            window,
            history: vec![0.0; n],
            write: 0,
            frame_sum: 0.0,
            frame_fill: 0,
            since_hop: 0,
            prev_mag: vec![0.0; n / 2 + 1],
            band_bins,
            edges,
            power_scale: 2.0 / (n as f32 * w_sq),
            amp_scale: 2.0 / w_sum,
            flux_hist: vec![0.0; flux_cap],
            flux_pos: 0,
            flux_len: 0,
            flux_max: 0.0,
            flux_decay: 0.5f32.powf(1.0 / (FLUX_MAX_HALF_LIFE_S * hops_per_second)),
            above: false,
            refractory: (n / hop).max(2),
            since_onset: usize::MAX,
            onset_flag: false,
            features: Features::default(),
        }
    }

    /// Number of bands in use.
    pub fn bands(&self) -> usize {
        self.bands
    }

    /// Frames between two feature frames.
    pub fn hop(&self) -> usize {
        self.hop
    }

    /// Band edges in Hz: `bands() + 1` ascending values, band `i` is `edges[i]..edges[i + 1]`.
    pub fn band_edges(&self) -> &[f32] {
        &self.edges[..=self.bands]
    }

    /// The latest features (defaults, i.e. silence, before the first hop).
    pub fn features(&self) -> Features {
        self.features
    }

    /// True once after each detected onset (for triggering); clears the flag.
    pub fn take_onset(&mut self) -> bool {
        std::mem::take(&mut self.onset_flag)
    }

    /// Feeds interleaved samples (any length; a partial frame is kept for the next call).
    /// Computes one feature frame every [`hop`](Self::hop) frames. Does not allocate.
    pub fn push(&mut self, interleaved: &[f32]) {
        for &s in interleaved {
            self.frame_sum += s;
            self.frame_fill += 1;
            if self.frame_fill < self.channels {
                continue;
            }
            let mono = self.frame_sum / self.channels as f32;
            self.frame_sum = 0.0;
            self.frame_fill = 0;
            self.history[self.write] = mono;
            self.write = (self.write + 1) % self.history.len();
            self.since_hop += 1;
            if self.since_hop == self.hop {
                self.since_hop = 0;
                self.analyse();
            }
        }
    }

    /// One hop: levels, spectrum, bands, flux and onset detection.
    fn analyse(&mut self) {
        let n = self.history.len();
        let (mut sq, mut peak) = (0.0f32, 0.0f32);
        for i in 0..n {
            let x = self.history[(self.write + i) % n];
            sq += x * x;
            peak = peak.max(x.abs());
            self.input[i] = x * self.window[i];
        }
        self.features.rms_db = to_db((sq / n as f32).sqrt());
        self.features.peak_db = to_db(peak);
        if self.fft.process_with_scratch(&mut self.input, &mut self.spectrum, &mut self.scratch).is_err() {
            return; // cannot happen: buffers come from the plan itself
        }

        for b in 0..self.bands {
            let (lo, hi) = self.band_bins[b];
            let power: f32 = self.spectrum[lo..hi].iter().map(|c| c.norm_sqr()).sum::<f32>() * self.power_scale;
            let db = if power > 0.0 { 10.0 * power.log10() } else { FLOOR_DB };
            self.features.bands[b] = ((db + BAND_RANGE_DB) / BAND_RANGE_DB).clamp(0.0, 1.0);
        }

        let (lo, hi) = (self.band_bins[0].0, self.band_bins[self.bands - 1].1);
        let mut flux = 0.0;
        for k in lo..hi {
            let m = (1.0 + LOG_GAIN * self.amp_scale * self.spectrum[k].norm()).ln();
            flux += (m - self.prev_mag[k]).max(0.0);
            self.prev_mag[k] = m;
        }
        flux /= (hi - lo) as f32;

        let (mean, std) = self.flux_stats();
        let threshold = mean + ONSET_K * std + ONSET_DELTA;
        let above = flux > threshold;
        self.since_onset = self.since_onset.saturating_add(1);
        if above && !self.above && self.since_onset >= self.refractory {
            self.since_onset = 0;
            self.onset_flag = true;
            self.features.onsets += 1;
        }
        self.above = above;
        self.flux_max = flux.max(self.flux_max * self.flux_decay);
        self.features.onset = if self.flux_max > 1e-6 { (flux / self.flux_max).clamp(0.0, 1.0) } else { 0.0 };

        self.flux_hist[self.flux_pos] = flux;
        self.flux_pos = (self.flux_pos + 1) % self.flux_hist.len();
        self.flux_len = (self.flux_len + 1).min(self.flux_hist.len());
    }

    /// Mean and standard deviation of the recent flux (zeros before any history).
    fn flux_stats(&self) -> (f32, f32) {
        if self.flux_len == 0 {
            return (0.0, 0.0);
        }
        let h = &self.flux_hist[..self.flux_len];
        let mean = h.iter().sum::<f32>() / h.len() as f32;
        let var = h.iter().map(|x| (x - mean) * (x - mean)).sum::<f32>() / h.len() as f32;
        (mean, var.sqrt())
    }
}

/// FFT size used by [`spawn_analysis`].
pub const THREAD_FFT_SIZE: usize = 2048;
/// How long the analysis thread sleeps when the tap ring is empty.
const EMPTY_WAIT: Duration = Duration::from_millis(4);

/// A running analysis thread; dropping it stops and joins the thread.
pub struct AnalysisHandle {
    latest: Arc<Mutex<Features>>,
    onset: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl AnalysisHandle {
    /// The most recent features (latest wins).
    pub fn latest(&self) -> Features {
        *self.latest.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// True once after each onset detected since the last call (for triggering).
    pub fn take_onset(&self) -> bool {
        self.onset.swap(false, Ordering::AcqRel)
    }
}

impl Drop for AnalysisHandle {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Spawns the analysis thread: it drains `tap` (interleaved, `channels` per frame) in a loop,
/// sleeping a few ms when it is empty, runs an [`Analyzer`] (FFT [`THREAD_FFT_SIZE`]) and
/// publishes the latest [`Features`] behind a mutex (neither side is the audio thread). The
/// thread stops when the handle is dropped, or once the producer is gone and the ring drained.
pub fn spawn_analysis(mut tap: rtrb::Consumer<f32>, sample_rate: u32, channels: usize, bands: usize) -> AnalysisHandle {
    let latest = Arc::new(Mutex::new(Features::default()));
    let onset = Arc::new(AtomicBool::new(false));
    let stop = Arc::new(AtomicBool::new(false));
    let (t_latest, t_onset, t_stop) = (latest.clone(), onset.clone(), stop.clone());
    let mut analyzer = Analyzer::new(sample_rate, channels, THREAD_FFT_SIZE, bands);
    let body = move || {
        while !t_stop.load(Ordering::Acquire) {
            let n = tap.slots();
            if n == 0 {
                if tap.is_abandoned() {
                    break;
                }
                std::thread::sleep(EMPTY_WAIT);
                continue;
            }
            if let Ok(chunk) = tap.read_chunk(n) {
                let (a, b) = chunk.as_slices();
                analyzer.push(a);
                analyzer.push(b);
                chunk.commit_all();
            }
            *t_latest.lock().unwrap_or_else(|p| p.into_inner()) = analyzer.features();
            if analyzer.take_onset() {
                t_onset.store(true, Ordering::Release);
            }
        }
    };
    // If the OS refuses a thread, the handle still works and reports silence.
    let thread = std::thread::Builder::new().name("quai-analysis".into()).spawn(body).ok();
    if thread.is_none() {
        tracing::warn!("could not start the audio analysis thread; features stay silent");
    }
    AnalysisHandle { latest, onset, stop, thread }
}

#[cfg(test)]
#[path = "analysis_tests.rs"]
mod tests;
