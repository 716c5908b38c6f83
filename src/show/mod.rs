//! Show state on the render (main) thread: the show loop (`tick`: one `Show`, stepped once per
//! tick, for every kind of run), the parameter store, the show clock and frame-time statistics.
//! Later: cues, schedule and persistence.

pub mod clock;
pub mod params;
pub mod stats;
pub mod tick;

pub use clock::{Clock, FrameTime, ShowClock};
pub use params::{ParamError, ParamStore};
pub use stats::FrameStats;
pub use tick::{AudioMode, ClockMode, Show, ShowInputs, ShowOptions};
