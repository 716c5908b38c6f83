use std::path::Path;

use super::*;

/// A schedule from `[schedule]` text (after `timezone = "Europe/Berlin"`), through the loader.
fn schedule(body: &str) -> Arc<Schedule> {
    let text = format!(
        "[params.a]\n[[layers]]\nname = \"w\"\ncolor = \"#ffffff\"\n[[cues.main]]\nname = \"1\"\n\
         [[cues.main]]\nname = \"noon\"\n[schedule]\ntimezone = \"Europe/Berlin\"\n{body}"
    );
    let scene = crate::scene::load_str(Path::new("s.toml"), &text).unwrap_or_else(|e| panic!("{e}"));
    scene.schedule.expect("a schedule")
}

/// A wall time in Berlin (`2026-03-29T10:00`), or an instant with an offset.
fn at(text: &str) -> Timestamp {
    let berlin = TimeZone::get("Europe/Berlin").expect("zone");
    crate::app::live::parse_instant(text, &berlin).unwrap_or_else(|| panic!("{text}"))
}

fn utc(text: &str) -> Timestamp {
    text.parse().unwrap_or_else(|e| panic!("{text}: {e}"))
}

/// Each change as `+`/`-` and the UTC instant, for readable expectations.
fn changes(s: &Schedule, from: &str, n: usize) -> Vec<String> {
    s.upcoming(at(from), n)
        .into_iter()
        .map(|c| match c {
            Change::Opens(t) => format!("+{t}"),
            Change::Closes(t) => format!("-{t}"),
        })
        .collect()
}

/// Runs a scheduler from `start` (Berlin wall time) at `speed`, polling every `step` seconds of
/// show time for `seconds`; returns each command with the wall time (UTC) it was sent at.
fn run(s: &Arc<Schedule>, start: &str, speed: f64, step: f64, seconds: f64) -> (AtStart, Vec<(String, String)>) {
    let clock = WallClock::Test { start: at(start), at: 0.0, speed };
    let (mut sched, first) = Scheduler::new(s.clone(), clock, 0.0);
    let mut sent = Vec::new();
    for i in 0..=(seconds / step).round() as u64 {
        let t = i as f64 * step;
        let now = clock.now(t);
        sched.poll(t, &mut |c, _why| sent.push((now.to_string(), c.to_string())));
    }
    (first, sent)
}

#[test]
fn opening_hours_stay_on_the_wall_across_daylight_saving() {
    let s = schedule("hours = { daily = \"10:00-18:00\" }");
    // Saturday in winter time (UTC+1), Sunday in summer time (UTC+2): 10:00 on the wall both days.
    assert_eq!(
        changes(&s, "2026-03-28T09:00", 4),
        ["+2026-03-28T09:00:00Z", "-2026-03-28T17:00:00Z", "+2026-03-29T08:00:00Z", "-2026-03-29T16:00:00Z"]
    );
    // And back in October.
    assert_eq!(
        changes(&s, "2026-10-24T12:00", 3),
        ["-2026-10-24T16:00:00Z", "+2026-10-25T09:00:00Z", "-2026-10-25T17:00:00Z"]
    );
}

#[test]
fn a_time_in_the_spring_gap_moves_past_it_and_one_that_repeats_counts_once() {
    let s = schedule("hours = { daily = \"00:00-24:00\" }\n[[schedule.at]]\ntime = \"02:30\"\ndo = \"go\"\n");
    // 2026-03-29 02:30 does not exist in Berlin: the clocks go from 02:00 to 03:00.
    let (_, sent) = run(&s, "2026-03-29T01:00", 60.0, 0.5, 200.0);
    assert_eq!(sent, [("2026-03-29T01:30:00Z".to_string(), "go".to_string())], "at 03:30 CEST, moved by the gap");
    // 2026-10-25 02:30 happens twice (CEST, then CET an hour later): the cue fires once.
    let (_, sent) = run(&s, "2026-10-25T01:00+02:00", 60.0, 0.5, 240.0);
    assert_eq!(sent, [("2026-10-25T00:30:00Z".to_string(), "go".to_string())], "the first 02:30 only");
}

#[test]
fn dates_override_their_weekday() {
    let s = schedule(
        "hours = { \"tue-sat\" = \"10:00-18:00\" }\n\
         dates = { \"2026-12-24\" = \"10:00-14:00\", \"2026-12-25\" = \"closed\", \"2026-12-28\" = \"12:00-16:00\" }",
    );
    assert_eq!(
        changes(&s, "2026-12-24T08:00", 6),
        [
            "+2026-12-24T09:00:00Z", // Thursday, short
            "-2026-12-24T13:00:00Z",
            "+2026-12-26T09:00:00Z", // Friday 25th closed; Saturday as usual
            "-2026-12-26T17:00:00Z",
            "+2026-12-28T11:00:00Z", // a Monday, open by exception
            "-2026-12-28T15:00:00Z",
        ]
    );
    assert!(s.open_at(at("2026-12-25T12:00")).is_none());
}

#[test]
fn late_hours_run_into_the_next_day() {
    let s = schedule("hours = { sat = \"20:00-02:00\", sun = \"14:00-18:00\" }");
    assert!(s.open_at(at("2026-12-06T01:30")).is_some(), "Sunday 01:30 is still Saturday night");
    assert!(s.open_at(at("2026-12-06T02:00")).is_none());
    assert_eq!(
        changes(&s, "2026-12-05T12:00", 4),
        ["+2026-12-05T19:00:00Z", "-2026-12-06T01:00:00Z", "+2026-12-06T13:00:00Z", "-2026-12-06T17:00:00Z"]
    );
    // Back-to-back hours are one opening.
    let s = schedule("hours = { sat = [\"10:00-13:00\", \"13:00-18:00\"] }");
    assert_eq!(changes(&s, "2026-12-05T11:00", 1), ["-2026-12-05T17:00:00Z"]);
}

/// Two days on a clock that runs 600 times as fast, polled as a 20 fps show would: every opening
/// and closing once, on time (to the poll), the timed cue only while open, after `wake`.
#[test]
fn a_test_clock_crosses_closing_an_exception_and_the_next_opening() {
    let s = schedule(
        "hours = { daily = \"10:00-18:00\" }\ndates = { \"2026-12-25\" = \"closed\" }\n\
         [[schedule.at]]\ntime = \"10:00\"\ndo = \"goto noon\"\n[[schedule.at]]\ntime = \"20:00\"\ndo = \"go\"\n",
    );
    // From Thursday 17:00 to Saturday 11:00: 42 h = 151200 s of wall time = 252 s of show time.
    let (first, sent) = run(&s, "2026-12-24T17:00", 600.0, 0.05, 252.0);
    assert!(matches!(first, AtStart::Open(p) if p.close == at("2026-12-24T18:00")), "{first:?}");
    assert_eq!(
        sent,
        [
            ("2026-12-24T17:00:00Z".to_string(), "standby".to_string()),
            ("2026-12-26T09:00:00Z".to_string(), "wake".to_string()),
            ("2026-12-26T09:00:00Z".to_string(), "goto noon".to_string()),
        ],
        "no 20:00 cue while closed, nothing on the 25th"
    );
}

#[test]
fn a_start_while_closed_says_when_it_opens() {
    let s = schedule("hours = { \"tue-sun\" = \"10:00-18:00\" }");
    let (first, sent) = run(&s, "2026-12-07T12:00", 1.0, 0.1, 1.0);
    assert_eq!(first, AtStart::Closed(Some(at("2026-12-08T10:00"))), "a Monday");
    assert!(sent.is_empty(), "already closed at start: nothing to send {sent:?}");
    let never = schedule("hours = {}");
    assert_eq!(never.next_change(at("2026-12-07T12:00")), None);
}

/// A clock that jumps (NTP after a boot with no real-time clock) opens or closes the show at
/// once, and does not fire the timed commands it jumped over.
#[test]
fn a_clock_jump_changes_the_state_but_fires_nothing_it_skipped() {
    let s = schedule("hours = { daily = \"10:00-18:00\" }\n[[schedule.at]]\ntime = \"12:00\"\ndo = \"go\"\n");
    let jump = WallClock::Test { start: utc("1970-01-01T00:00:00Z"), at: 0.0, speed: 1.0 };
    let (mut sched, first) = Scheduler::new(s.clone(), jump, 0.0);
    assert!(matches!(first, AtStart::Closed(_)));
    sched.clock = WallClock::Test { start: at("2026-12-08T13:00"), at: 1.0, speed: 1.0 };
    let mut sent = Vec::new();
    sched.poll(1.0, &mut |c, _| sent.push(c.to_string()));
    assert_eq!(sent, ["wake"], "opened, and the 12:00 cue it jumped over is not sent");
}
