//! Opening hours: when the show is open (per weekday, with exceptions by date, in a time zone),
//! what it does at opening and closing, and cues at times of day. [`Schedule`] is the scene's
//! timetable (pure: given an instant, open or closed and until when); [`Scheduler`] runs it in a
//! show, on a [`WallClock`] (the system's, or a test clock that starts where it is told and may run
//! faster), and sends `wake`, `standby` and the timed commands through the show's command queue,
//! so they are logged, recorded and replayed like every other command.
//!
//! Times are civil times in the schedule's zone, so a daylight-saving change moves nothing the
//! visitor sees: opening at 10:00 is 10:00 on the wall either side of it. A time that does not
//! exist on the day (02:30 when the clocks jump from 02:00 to 03:00) moves on by the gap, to
//! 03:30; a time that happens twice (the hour the clocks go back) counts once, the first time
//! (jiff's "compatible" rule, as RFC 5545 has it).

use std::collections::BTreeMap;
use std::sync::Arc;

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;

use super::commands::Command;

/// Minutes in a day.
pub const DAY: u16 = 1440;

/// One opening on a day: from `open` to `close`, in minutes after that day's midnight. `close` is
/// after `open` and may pass midnight (up to 48:00): `22:00-02:00` closes at 02:00 the next day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Hours {
    pub open: u16,
    pub close: u16,
}

/// A command at a time of day (`[[schedule.at]]`), on the weekdays in `days` (bit 0 = Monday),
/// while the show is open.
#[derive(Debug, Clone, PartialEq)]
pub struct AtTime {
    pub minute: u16,
    pub days: u8,
    pub command: Command,
}

/// The scene's `[schedule]`.
#[derive(Debug, Clone)]
pub struct Schedule {
    pub zone: TimeZone,
    /// The zone as written (`Europe/Berlin`), or the machine's when none was written.
    pub zone_name: String,
    /// Opening hours Monday (0) to Sunday (6), each day's sorted; empty = closed.
    pub week: [Vec<Hours>; 7],
    /// Dates whose hours differ from their weekday's (empty = closed that day).
    pub dates: BTreeMap<Date, Vec<Hours>>,
    /// What `wake` does after it resets the show: the commands of `opening`.
    pub opening: Vec<Command>,
    /// Seconds the closing fades out over before standby.
    pub fade: f64,
    pub at: Vec<AtTime>,
}

/// One opening as instants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub open: Timestamp,
    pub close: Timestamp,
}

/// A change of the schedule: opening or closing, at an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Opens(Timestamp),
    Closes(Timestamp),
}

/// How far ahead (days) the schedule looks for the next opening before it calls the show closed
/// for good.
const HORIZON: i32 = 400;

impl Schedule {
    /// The hours of `date`: its exception, else its weekday's.
    pub fn hours_on(&self, date: Date) -> &[Hours] {
        match self.dates.get(&date) {
            Some(h) => h,
            None => &self.week[date.weekday().to_monday_zero_offset() as usize],
        }
    }

    /// The instant `minute` minutes after `date`'s midnight (on the wall, in the schedule's zone).
    pub fn instant(&self, date: Date, minute: u16) -> Option<Timestamp> {
        let day = if minute >= DAY { date.tomorrow().ok()? } else { date };
        let m = minute % DAY;
        let dt = day.at((m / 60) as i8, (m % 60) as i8, 0, 0);
        self.zone.to_ambiguous_timestamp(dt).compatible().ok()
    }

    /// The date on the wall at `t`.
    pub fn date_at(&self, t: Timestamp) -> Date {
        t.to_zoned_datetime(self.zone.clone()).date()
    }

    /// The openings that start on `date`, as instants.
    fn periods_on(&self, date: Date) -> impl Iterator<Item = Period> + '_ {
        self.hours_on(date).iter().filter_map(move |h| {
            let (open, close) = (self.instant(date, h.open)?, self.instant(date, h.close)?);
            (close > open).then_some(Period { open, close })
        })
    }

    /// The opening `t` is in (open ≤ t < close), if any.
    pub fn open_at(&self, t: Timestamp) -> Option<Period> {
        let today = self.date_at(t);
        // Yesterday's opening may run past midnight.
        let yesterday = today.yesterday().ok();
        yesterday.into_iter().chain([today]).flat_map(|d| self.periods_on(d)).find(|p| p.open <= t && t < p.close)
    }

    /// The next change after `t` (strictly): the closing of the opening `t` is in, else the next
    /// opening. `None` when the show never opens again within a year or so.
    pub fn next_change(&self, t: Timestamp) -> Option<Change> {
        if let Some(p) = self.open_at(t) {
            // Back-to-back openings (17:00-24:00 then 00:00-02:00) are one.
            let mut close = p.close;
            for _ in 0..HORIZON {
                match self.open_at(close) {
                    Some(next) if next.close > close => close = next.close,
                    _ => break,
                }
            }
            return Some(Change::Closes(close));
        }
        let mut day = self.date_at(t).yesterday().ok()?;
        for _ in 0..HORIZON {
            if let Some(p) = self.periods_on(day).find(|p| p.open > t) {
                return Some(Change::Opens(p.open));
            }
            day = day.tomorrow().ok()?;
        }
        None
    }

    /// The next `n` changes after `t`, for `quai check` and the console.
    pub fn upcoming(&self, mut t: Timestamp, n: usize) -> Vec<Change> {
        let mut out = Vec::with_capacity(n);
        while out.len() < n {
            let Some(c) = self.next_change(t) else { break };
            t = match c {
                Change::Opens(at) | Change::Closes(at) => at,
            };
            out.push(c);
        }
        out
    }

    /// The timed commands due after `after` and at or before `until`, in time order, counting only
    /// the ones that fall while the show is open.
    pub fn due(&self, after: Timestamp, until: Timestamp) -> Vec<(Timestamp, &AtTime)> {
        let mut out = Vec::new();
        if self.at.is_empty() || until <= after {
            return out;
        }
        let last = self.date_at(until);
        let mut day = self.date_at(after);
        loop {
            let wd = day.weekday().to_monday_zero_offset();
            for a in self.at.iter().filter(|a| a.days & (1 << wd) != 0) {
                if let Some(at) = self.instant(day, a.minute)
                    && at > after
                    && at <= until
                    && self.open_at(at).is_some()
                {
                    out.push((at, a));
                }
            }
            match day.tomorrow() {
                Ok(next) if day < last => day = next,
                _ => break,
            }
        }
        out.sort_by_key(|(t, _)| *t);
        out
    }

    /// The local wall time of `t`, for logs: `Sat 2026-03-28 18:00 CET`.
    pub fn describe(&self, t: Timestamp) -> String {
        let z = t.to_zoned_datetime(self.zone.clone());
        z.strftime("%a %Y-%m-%d %H:%M %Z").to_string()
    }
}

/// `HH:MM` of a minute count (48:00 at most), for messages.
pub fn hhmm(minute: u16) -> String {
    format!("{:02}:{:02}", minute / 60, minute % 60)
}

/// Weekday names as the scene writes them, Monday first.
pub const WEEKDAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// What the show takes the time of day from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum WallClock {
    /// The system's clock (follows NTP corrections and manual changes).
    System,
    /// A test clock: `start` at show time `at`, running `speed` times as fast as the show.
    /// Deterministic on the offline clock.
    Test { start: Timestamp, at: f64, speed: f64 },
}

impl WallClock {
    pub fn now(&self, show_time: f64) -> Timestamp {
        match *self {
            WallClock::System => Timestamp::now(),
            WallClock::Test { start, at, speed } => {
                let ms = ((show_time - at) * speed * 1000.0).round() as i64;
                Timestamp::from_millisecond(start.as_millisecond().saturating_add(ms)).unwrap_or(start)
            }
        }
    }
}

/// What the scheduler found at start, for the start log and for the state it restores.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AtStart {
    /// Open now: in `Period`.
    Open(Period),
    /// Closed now; opens next at this instant (`None`: not within a year).
    Closed(Option<Timestamp>),
}

/// Runs a scene's schedule in a show: turns the changes into `wake` / `standby` and the timed
/// commands, each at the first tick at or after its instant.
pub struct Scheduler {
    schedule: Arc<Schedule>,
    clock: WallClock,
    /// Whether the show is (as far as the schedule is concerned) open now.
    open: bool,
    /// Until when `open` holds without looking again.
    until: Option<Timestamp>,
    /// The wall time of the previous poll.
    last: Timestamp,
}

/// A clock that jumps more than this between two polls (NTP after a boot without a real-time
/// clock, a person setting the time) does not fire the timed commands it skipped.
const JUMP_MS: i64 = 60_000;

impl Scheduler {
    pub fn new(schedule: Arc<Schedule>, clock: WallClock, show_time: f64) -> (Self, AtStart) {
        let now = clock.now(show_time);
        let period = schedule.open_at(now);
        let next = schedule.next_change(now);
        let at_start = match (period, next) {
            (Some(p), _) => AtStart::Open(p),
            (None, Some(Change::Opens(t))) => AtStart::Closed(Some(t)),
            (None, _) => AtStart::Closed(None),
        };
        let until = change_instant(next);
        (Self { schedule, clock, open: period.is_some(), until, last: now }, at_start)
    }

    pub fn schedule(&self) -> &Arc<Schedule> {
        &self.schedule
    }

    pub fn is_open(&self) -> bool {
        self.open
    }

    /// A new schedule (a reload) or a show whose state is `open` (awake) or not: the next poll
    /// looks again, and opens or closes the show where the schedule disagrees.
    pub fn rebind(&mut self, schedule: Arc<Schedule>, open: bool) {
        self.schedule = schedule;
        self.open = open;
        self.until = Some(self.last);
    }

    /// The wall time now.
    pub fn now(&self, show_time: f64) -> Timestamp {
        self.clock.now(show_time)
    }

    /// What is due by `show_time`: pushes each command with why it is sent (for the log).
    pub fn poll(&mut self, show_time: f64, out: &mut impl FnMut(Command, String)) {
        let now = self.clock.now(show_time);
        let jumped = now < self.last || now.as_millisecond() - self.last.as_millisecond() > JUMP_MS;
        // Opening or closing first: a cue timed for the opening minute runs after `wake`.
        if jumped || self.until.is_some_and(|u| now >= u) {
            let open = self.schedule.open_at(now).is_some();
            if open != self.open {
                let what = if open { "opening" } else { "closing" };
                let why = format!("the schedule ({what} at {})", self.schedule.describe(now));
                out(if open { Command::Wake } else { Command::Standby(None) }, why);
                self.open = open;
            }
            self.until = change_instant(self.schedule.next_change(now));
        }
        if !jumped {
            for (at, a) in self.schedule.due(self.last, now) {
                let why = format!("the schedule ({} at {})", a.command, self.schedule.describe(at));
                out(a.command.clone(), why);
            }
        }
        self.last = now;
    }
}

fn change_instant(c: Option<Change>) -> Option<Timestamp> {
    c.map(|c| match c {
        Change::Opens(t) | Change::Closes(t) => t,
    })
}

#[cfg(test)]
#[path = "schedule_tests.rs"]
mod tests;
