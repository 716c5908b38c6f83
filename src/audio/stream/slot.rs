//! The lock-free slot that hands the one [`Render`] object (and the input side's [`Capture`]) to
//! whichever stream is playing, so it survives stream rebuilds (device lost, JACK server
//! restarted) with its state intact.
//!
//! Design: the slot is an `AtomicPtr` to a heap `Box<dyn Render>` (boxed once more so the pointer
//! is thin), made once in [`RenderSlot::new`] on the caller's thread. Each audio callback *borrows*
//! it for the duration of one block: [`RenderSlot::render`] swaps the pointer out (null left
//! behind), renders, and stores it back: two atomic operations, no lock, no allocation, no free.
//! A callback that finds the slot empty (another stream is mid-block, which only happens for the
//! instant two streams overlap) writes silence.
//!
//! Why borrow per block rather than keep the object inside the stream's closure until the stream
//! is dropped: a stream whose JACK server died must not be closed (libjack may already have freed
//! its client, see `input::midi::link`), so the supervisor leaks such a stream; an object kept
//! inside it would be lost with it. Borrowed per block, the object is back in the slot whenever no
//! callback runs, dead streams included. It is dropped by [`RenderSlot::take`] on the supervisor
//! thread once the last stream has stopped (or by the slot's own `Drop` as a backstop).

use std::sync::atomic::{AtomicPtr, Ordering};

/// A slot holding one `Box<T>` (`T` = `dyn Render`, `dyn Capture`).
pub(crate) struct Slot<T: ?Sized>(AtomicPtr<Box<T>>);

pub(crate) type RenderSlot = Slot<dyn super::Render>;

impl<T: ?Sized> Slot<T> {
    pub fn new(object: Box<T>) -> Slot<T> {
        Slot(AtomicPtr::new(Box::into_raw(Box::new(object))))
    }

    /// Runs `f` on the slot's object for one block; `None` (and `f` not run) if it is out.
    /// Real-time safe: two atomic operations.
    pub fn borrow<R>(&self, f: impl FnOnce(&mut T) -> R) -> Option<R> {
        let p = self.0.swap(std::ptr::null_mut(), Ordering::Acquire);
        if p.is_null() {
            return None;
        }
        // SAFETY: a non-null pointer in the slot came from `Box::into_raw` in `new` (or was put
        // back below); swapping it out gave this call sole access until it is stored back.
        let r = f(unsafe { &mut **p });
        self.0.store(p, Ordering::Release);
        Some(r)
    }

    /// Takes the object out for good (to drop it off the audio thread); `None` if a callback has
    /// it right now or it was taken before.
    pub fn take(&self) -> Option<Box<T>> {
        let p = self.0.swap(std::ptr::null_mut(), Ordering::Acquire);
        // SAFETY: as in `borrow`; the pointer leaves the slot for good.
        (!p.is_null()).then(|| *unsafe { Box::from_raw(p) })
    }
}

impl RenderSlot {
    /// Renders one block into `out` with the slot's object, or writes silence if it is out.
    /// Returns whether the object rendered.
    pub fn render(&self, out: &mut [f32], channels: usize) -> bool {
        let done = self.borrow(|r| r.render(out, channels)).is_some();
        if !done {
            out.fill(0.0);
        }
        done
    }
}

impl<T: ?Sized> Drop for Slot<T> {
    fn drop(&mut self) {
        drop(self.take());
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::AtomicU64;

    use super::super::Render;
    use super::*;

    struct Count(u64, Arc<AtomicU64>);
    impl Render for Count {
        fn render(&mut self, out: &mut [f32], channels: usize) {
            for frame in out.chunks_mut(channels) {
                self.0 += 1;
                frame.fill(self.0 as f32);
            }
            self.1.store(self.0, Ordering::Relaxed);
        }
    }
    impl Drop for Count {
        fn drop(&mut self) {
            self.1.store(u64::MAX, Ordering::Relaxed);
        }
    }

    /// The object keeps its state from one borrower to the next, and is dropped exactly once.
    #[test]
    fn borrowed_per_block_and_dropped_once() {
        let seen = Arc::new(AtomicU64::new(0));
        let slot = RenderSlot::new(Box::new(Count(0, seen.clone())));
        let mut out = [0.0; 8];
        assert!(slot.render(&mut out, 2));
        assert!(slot.render(&mut out, 2));
        assert_eq!(out, [5.0, 5.0, 6.0, 6.0, 7.0, 7.0, 8.0, 8.0]);
        let taken = slot.take().expect("in the slot between blocks");
        assert!(!slot.render(&mut out, 2) && out == [0.0; 8], "empty slot: silence");
        assert_eq!(seen.load(Ordering::Relaxed), 8);
        drop(taken);
        assert_eq!(seen.load(Ordering::Relaxed), u64::MAX);
        drop(slot);
    }
}
