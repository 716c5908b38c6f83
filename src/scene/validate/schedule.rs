//! `[schedule]`: the time zone exists, days and dates are real, times are times of day, a day's
//! openings do not overlap (nor run into the next day's), and the commands name what exists.

use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::Arc;

use jiff::civil::Date;
use jiff::tz::TimeZone;

use super::super::diag::did_you_mean;
use super::super::file::{ScheduleFile, texts};
use super::super::load::{At, FileId};
use super::super::model::ParamDef;
use super::Ctx;
use super::cues::command_at;
use crate::show::cues::CueList;
use crate::show::schedule::{AtTime, DAY, Hours, Schedule, WEEKDAYS, hhmm};

const DAYS_HINT: &str = "days are mon, tue, wed, thu, fri, sat, sun, a range such as tue-fri, or daily";
const HOURS_HINT: &str = "write \"10:00-18:00\", a list such as [\"10:00-13:00\", \"14:00-18:00\"], or \"closed\"";

pub(super) fn check(cx: &mut Ctx, lists: &[CueList], params: &[ParamDef]) -> Option<Arc<Schedule>> {
    let At { file, value, .. } = cx.parsed.schedule.as_ref()?;
    let (file, value): (FileId, &ScheduleFile) = (*file, value);
    let errors = cx.diags.len();

    let (zone, zone_name) = match &value.timezone {
        Some(z) => {
            match TimeZone::get(z.get_ref()) {
                Ok(tz) => (tz, z.get_ref().clone()),
                Err(_) => {
                    let names: Vec<String> = jiff::tz::db().available().map(|n| n.as_str().to_string()).collect();
                    let hint = did_you_mean(z.get_ref(), names.iter().map(String::as_str))
                    .map(|h| format!("{h} (zones are IANA names such as Europe/Berlin; `timedatectl list-timezones` lists them)"))
                    .unwrap_or_else(|| {
                        "write an IANA zone such as Europe/Berlin or America/New_York; `timedatectl list-timezones` \
                         lists them"
                            .to_string()
                    });
                    cx.err(file, z.span(), format!("unknown time zone `{}`", z.get_ref()), hint);
                    (TimeZone::UTC, String::new())
                }
            }
        }
        None => {
            let tz = TimeZone::system();
            let name = tz.iana_name().unwrap_or("the machine's local time").to_string();
            (tz, name)
        }
    };

    // Weekly hours; where each day was given, for "given twice" and overlaps.
    let mut week: [Vec<Hours>; 7] = Default::default();
    let mut given: [Option<String>; 7] = Default::default();
    let mut week_at: [Option<Range<usize>>; 7] = Default::default();
    for (days, hours) in &value.hours {
        let Some(mask) = days_mask(days.get_ref()) else {
            cx.err(
                file,
                days.span(),
                format!("`{}` is not a day or a range of days", days.get_ref()),
                DAYS_HINT.to_string(),
            );
            continue;
        };
        let Some(h) = hours_of(cx, file, hours) else { continue };
        for (d, name) in WEEKDAYS.iter().enumerate().filter(|(d, _)| mask & (1 << d) != 0) {
            if let Some(first) = &given[d] {
                cx.err(
                    file,
                    days.span(),
                    format!("{name} is given twice in [schedule] hours (also by `{first}`)"),
                    "give each day once; use [schedule.dates] for single days that differ".to_string(),
                );
                continue;
            }
            given[d] = Some(days.get_ref().clone());
            week[d] = h.clone();
            week_at[d] = Some(hours.span());
        }
    }
    // An opening past midnight must end before the next day's first opening.
    for d in 0..7 {
        let next = (d + 1) % 7;
        if let (Some(spill), Some(first)) = (spill(&week[d]), week[next].first())
            && first.open < spill
        {
            let span = week_at[d].clone().unwrap_or(0..0);
            cx.err(
                file,
                span,
                format!(
                    "{}'s hours run to {} on {}, past {}'s opening at {}",
                    WEEKDAYS[d],
                    hhmm(spill),
                    WEEKDAYS[next],
                    WEEKDAYS[next],
                    hhmm(first.open)
                ),
                "end the late opening before the next day's starts".to_string(),
            );
        }
    }

    let mut dates: BTreeMap<Date, Vec<Hours>> = BTreeMap::new();
    let mut dates_at: BTreeMap<Date, Range<usize>> = BTreeMap::new();
    for (date, hours) in &value.dates {
        let Some(d) = parse_date(cx, file, date.get_ref(), date.span()) else { continue };
        let Some(h) = hours_of(cx, file, hours) else { continue };
        if dates.insert(d, h).is_some() {
            cx.err(file, date.span(), format!("{d} is given twice in [schedule.dates]"), None);
        }
        dates_at.insert(d, hours.span());
    }
    // A date's hours against its neighbours', both ways across midnight.
    let on = |d: Date| -> &[Hours] {
        dates.get(&d).map(Vec::as_slice).unwrap_or(&week[d.weekday().to_monday_zero_offset() as usize])
    };
    let mut spills = Vec::new();
    for (&d, span) in &dates_at {
        for (before, after) in [(d.yesterday().ok(), Some(d)), (Some(d), d.tomorrow().ok())] {
            let (Some(b), Some(a)) = (before, after) else { continue };
            if let (Some(spill), Some(first)) = (spill(on(b)), on(a).first())
                && first.open < spill
            {
                spills.push((
                    span.clone(),
                    format!("{b}'s hours run to {} on {a}, past its opening at {}", hhmm(spill), hhmm(first.open)),
                ));
            }
        }
    }
    for (span, msg) in spills {
        cx.err(file, span, msg, "end the late opening before the next day's starts".to_string());
    }

    let mut opening = Vec::new();
    if let Some(o) = &value.opening {
        for (text, span) in texts(o) {
            let text = serde_spanned::Spanned::new(span, text);
            if let Some(c) = command_at(cx, file, &text, lists, params, "[schedule] opening") {
                opening.push(c);
            }
        }
    }
    let fade =
        value.fade.as_ref().and_then(|f| cx.ranged(file, f, "schedule `fade`", 0.0, 3600.0)).map_or(10.0, f64::from);

    let mut at = Vec::new();
    for (i, a) in value.at.iter().enumerate() {
        let what = format!("[[schedule.at]] #{}", i + 1);
        let minute = match &a.time {
            Some(t) => parse_time(t.get_ref(), false).map_err(|(msg, hint)| cx.err(file, t.span(), msg, hint)).ok(),
            None => {
                let span = a.action.as_ref().map(|d| d.span()).unwrap_or(0..0);
                cx.err(file, span, format!("{what} has no `time`"), "add time = \"12:00\"".to_string());
                None
            }
        };
        let days = match &a.days {
            Some(d) => days_mask(d.get_ref()).or_else(|| {
                cx.err(
                    file,
                    d.span(),
                    format!("`{}` is not a day or a range of days", d.get_ref()),
                    DAYS_HINT.to_string(),
                );
                None
            }),
            None => Some(0x7f),
        };
        let command = match &a.action {
            Some(text) => command_at(cx, file, text, lists, params, &what),
            None => {
                let span = a.time.as_ref().map(|t| t.span()).unwrap_or(0..0);
                cx.err(file, span, format!("{what} has no `do`"), "add do = \"go\" (any command)".to_string());
                None
            }
        };
        if let (Some(minute), Some(days), Some(command)) = (minute, days, command) {
            at.push(AtTime { minute, days, command });
        }
    }
    if cx.diags.len() > errors {
        return None;
    }
    Some(Arc::new(Schedule { zone, zone_name, week, dates, opening, fade, at }))
}

/// Where a day's last opening ends past midnight (minutes into the next day), if it does.
fn spill(hours: &[Hours]) -> Option<u16> {
    hours.iter().map(|h| h.close).max().filter(|&c| c > DAY).map(|c| c - DAY)
}

/// `mon`, `tue-fri`, `fri-mon` (wraps), `daily`: a bit per weekday, Monday = bit 0.
pub fn days_mask(text: &str) -> Option<u8> {
    let t = text.trim().to_ascii_lowercase();
    if t == "daily" {
        return Some(0x7f);
    }
    let day = |s: &str| WEEKDAYS.iter().position(|d| *d == s.trim());
    match t.split_once('-') {
        None => day(&t).map(|d| 1 << d),
        Some((a, b)) => {
            let (a, b) = (day(a)?, day(b)?);
            let mut mask = 0u8;
            let mut d = a;
            loop {
                mask |= 1 << d;
                if d == b {
                    break Some(mask);
                }
                d = (d + 1) % 7;
            }
        }
    }
}

/// `"closed"`, `"10:00-18:00"` or a list of ranges: sorted, checked for overlaps.
fn hours_of(
    cx: &mut Ctx,
    file: FileId,
    value: &serde_spanned::Spanned<crate::scene::file::Texts>,
) -> Option<Vec<Hours>> {
    let items = texts(value);
    let mut out: Vec<(Hours, Range<usize>, String)> = Vec::new();
    let mut ok = true;
    for (text, span) in items {
        if text.trim() == "closed" {
            continue;
        }
        match parse_range(&text) {
            Ok(h) => out.push((h, span, text)),
            Err((msg, hint)) => {
                cx.err(file, span, msg, hint);
                ok = false;
            }
        }
    }
    out.sort_by_key(|(h, _, _)| *h);
    for w in out.windows(2) {
        let ((a, _, at), (b, span, bt)) = (&w[0], &w[1]);
        if b.open < a.close {
            cx.err(
                file,
                span.clone(),
                format!("opening hours `{at}` and `{bt}` overlap"),
                "make one end before the next starts; back to back (…-13:00, 13:00-…) is fine".to_string(),
            );
            ok = false;
        }
    }
    ok.then(|| out.into_iter().map(|(h, _, _)| h).collect())
}

/// `HH:MM-HH:MM`. A close at or before the open runs into the next day (`22:00-02:00`).
pub fn parse_range(text: &str) -> Result<Hours, (String, String)> {
    let Some((a, b)) = text.split_once('-') else {
        return Err((format!("`{text}` is not a range of hours"), HOURS_HINT.to_string()));
    };
    let open = parse_time(a.trim(), false)?;
    let mut close = parse_time(b.trim(), true)?;
    if close == open {
        return Err((
            format!("`{text}` opens and closes at the same time"),
            "for a whole day write \"00:00-24:00\"".to_string(),
        ));
    }
    if close < open {
        close += DAY;
    }
    Ok(Hours { open, close })
}

/// `HH:MM` (or `H:MM`) as minutes after midnight; `24:00` only as the end of a range.
pub fn parse_time(text: &str, end: bool) -> Result<u16, (String, String)> {
    let bad = |why: &str| {
        (
            format!("`{text}` is not a time of day{why}"),
            "write the time as HH:MM on a 24-hour clock, e.g. 09:30 or 18:00".to_string(),
        )
    };
    let Some((h, mm)) = text.split_once(':') else { return Err(bad("")) };
    let (Ok(h), Ok(m)) = (h.parse::<u16>(), mm.parse::<u16>()) else { return Err(bad("")) };
    if mm.len() != 2 {
        return Err(bad(": minutes have two digits"));
    }
    if h == 24 && m == 0 && end {
        return Ok(DAY);
    }
    if h > 23 {
        let why = if end { ": hours go from 00 to 23 (24:00 ends a day)" } else { ": hours go from 00 to 23" };
        return Err(bad(why));
    }
    if m > 59 {
        return Err(bad(": minutes go from 00 to 59"));
    }
    Ok(h * 60 + m)
}

/// `YYYY-MM-DD`, a date that exists.
fn parse_date(cx: &mut Ctx, file: FileId, text: &str, span: Range<usize>) -> Option<Date> {
    let parts: Vec<&str> = text.split('-').collect();
    let nums: Option<Vec<i32>> = parts.iter().map(|p| p.parse::<i32>().ok()).collect();
    let (y, m, d) = match (parts.len(), nums.as_deref()) {
        (3, Some(&[y, m, d])) if parts[0].len() == 4 => (y, m, d),
        _ => {
            cx.err(
                file,
                span,
                format!("`{text}` is not a date"),
                "write dates as YYYY-MM-DD, e.g. \"2026-12-24\"".to_string(),
            );
            return None;
        }
    };
    if !(1..=12).contains(&m) {
        cx.err(
            file,
            span,
            format!("`{text}` is not a date: there is no month {m}"),
            "months go from 01 to 12".to_string(),
        );
        return None;
    }
    let first = Date::new(y as i16, m as i8, 1).ok()?;
    let days = first.days_in_month();
    match Date::new(y as i16, m as i8, d.clamp(0, 99) as i8) {
        Ok(date) if d >= 1 => Some(date),
        _ => {
            let month = first.strftime("%B %Y").to_string();
            cx.err(
                file,
                span,
                format!("`{text}` is not a date: {month} has {days} days"),
                "check the day of the month".to_string(),
            );
            None
        }
    }
}
