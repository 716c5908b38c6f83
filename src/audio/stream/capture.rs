//! The input side's ring: the input callback (JACK's process thread, or cpal's input stream
//! thread) pushes the frames it is given into an `rtrb` ring of fixed capacity (made in
//! [`super::start`], about one second); the consumer ([`super::AudioStream::take_input`]) feeds an
//! analysis thread. A full ring drops the newest frames, whole frames only, and counts them: the
//! callback never blocks, allocates, locks or logs.
//!
//! The ring carries the channel count the scene asked for (`[audio] input.channels`). A device that
//! gives fewer channels fills ring channel `c` from its channel `c % have` (a mono microphone read
//! as stereo is the same signal twice, not half its level); extra device channels are not read.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use super::StreamState;
use super::slot::Slot;

/// How many seconds of input the ring holds.
pub const INPUT_RING_SECONDS: usize = 1;

/// The producer end, borrowed per block from [`InputShared::ring`].
pub(crate) struct InputRing {
    ring: rtrb::Producer<f32>,
    channels: usize,
}

impl InputRing {
    /// A ring of [`INPUT_RING_SECONDS`] at `sample_rate`, `channels` interleaved, and its consumer.
    pub fn new(sample_rate: u32, channels: usize) -> (InputRing, rtrb::Consumer<f32>) {
        let channels = channels.max(1);
        let frames = (sample_rate as usize).max(1024) * INPUT_RING_SECONDS;
        let (ring, consumer) = rtrb::RingBuffer::new(frames * channels);
        (InputRing { ring, channels }, consumer)
    }

    /// Pushes `frames` frames; `sample(frame, channel)` reads the device's frame, `channel <
    /// have`. Returns the frames dropped because the ring was full. Real-time safe.
    pub fn push(&mut self, frames: usize, have: usize, sample: impl Fn(usize, usize) -> f32) -> usize {
        let ch = self.channels;
        let room = (self.ring.slots() / ch).min(frames);
        if room > 0
            && let Ok(chunk) = self.ring.write_chunk_uninit(room * ch)
        {
            let value = |i: usize| if have == 0 { 0.0 } else { sample(i / ch, (i % ch) % have) };
            chunk.fill_from_iter((0..room * ch).map(value));
        }
        frames - room
    }
}

/// The input side's part of the stream's shared state.
pub(crate) struct InputShared {
    pub ring: Slot<InputRing>,
    pub state: Mutex<StreamState>,
    pub frames: AtomicU64,
    pub dropped: AtomicU64,
}

impl InputShared {
    pub fn new(ring: InputRing) -> InputShared {
        InputShared {
            ring: Slot::new(Box::new(ring)),
            state: Mutex::new(StreamState::Starting),
            frames: AtomicU64::new(0),
            dropped: AtomicU64::new(0),
        }
    }

    /// Pushes one block (see [`InputRing::push`]) and counts it. Real-time safe.
    pub fn capture(&self, frames: usize, have: usize, sample: impl Fn(usize, usize) -> f32) {
        let dropped = self.ring.borrow(|r| r.push(frames, have, sample)).unwrap_or(frames);
        self.frames.fetch_add((frames - dropped) as u64, Ordering::Relaxed);
        if dropped > 0 {
            self.dropped.fetch_add(dropped as u64, Ordering::Relaxed);
        }
    }

    pub fn set_state(&self, s: StreamState) {
        *self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = s;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A mono device into a stereo ring: both channels carry it; a full ring drops whole frames
    /// and counts them; what was kept comes out in order.
    #[test]
    fn fills_missing_channels_and_counts_drops() {
        let (ring, mut out) = InputRing::new(1024, 2); // room for 1024 frames
        let input = InputShared::new(ring);
        let mono: Vec<f32> = (0..1000).map(|i| i as f32).collect();
        input.capture(1000, 1, |f, c| mono[f + c]);
        input.capture(1000, 1, |f, c| mono[f + c]);
        assert_eq!(input.frames.load(Ordering::Relaxed), 1024);
        assert_eq!(input.dropped.load(Ordering::Relaxed), 976);
        let got = out.read_chunk(out.slots()).expect("chunk");
        let v: Vec<f32> = got.into_iter().collect();
        assert_eq!(v.len(), 2048);
        assert_eq!(&v[..6], &[0.0, 0.0, 1.0, 1.0, 2.0, 2.0]);
        assert_eq!(&v[2000..2004], &[0.0, 0.0, 1.0, 1.0], "the second block starts over");
    }
}
