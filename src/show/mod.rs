//! Show state on the render (main) thread: the show loop (`tick`: one `Show`, stepped once per
//! tick, for every kind of run), the parameter store, the show clock, frame-time statistics and
//! the cue engine (cues.rs: fades and follow-ons on the show clock; not yet wired to scene files
//! and commands). Later: schedule and persistence.

pub mod clock;
pub mod commands;
pub mod control;
pub mod cues;
pub mod params;
pub mod stats;
pub mod tick;

pub use clock::{Clock, FrameTime, ShowClock};
pub use params::{ParamError, ParamStore, Priorities, Writer, WriterRule, Written};
pub use stats::FrameStats;
pub use tick::{AudioMode, ClockMode, Show, ShowInputs, ShowOptions};
