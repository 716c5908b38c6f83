//! Show state on the render (main) thread: the show loop (`tick`: one `Show`, stepped once per
//! tick, for every kind of run), the parameter store and its writer rule (params.rs), the show
//! clock, frame-time statistics, commands (commands.rs: the one text and OSC form of every control
//! action), the cue engine (cues.rs: playheads, fades and follow-ons on the show clock) and the
//! control state that applies commands to it (control.rs). Later: schedule and persistence.

pub mod clock;
pub mod commands;
pub mod control;
pub mod cues;
pub mod params;
pub mod schedule;
pub mod state;
pub mod stats;
pub mod tick;

pub use clock::{Clock, FrameTime, ShowClock};
pub use params::{ParamError, ParamStore, Priorities, Writer, WriterRule, Written};
pub use stats::FrameStats;
pub use tick::{AudioMode, ClockMode, Show, ShowInputs, ShowOptions, StateOptions};
