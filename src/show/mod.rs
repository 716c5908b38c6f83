//! Show state on the render (main) thread: the parameter store, the show clock and frame-time
//! statistics. Later: cues, schedule and persistence.

pub mod clock;
pub mod params;
pub mod stats;

pub use clock::{Clock, FrameTime, ShowClock};
pub use params::{ParamError, ParamStore};
pub use stats::FrameStats;
