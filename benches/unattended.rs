//! What an unattended day costs per tick, beside baselines that do not call quai.
//!
//! - `schedule_poll`: `Scheduler::poll` with a week of hours and 8 timed commands, once per tick
//!   on a test clock moving 1/60 s a tick (the live show's case: nothing due almost always).
//!   Baseline: bare jiff turning the same instant into a civil time in the same zone, the least
//!   any schedule must do to know the time of day.
//! - `state_offer`: building the show's state (64 parameters, 4 cue lists, 16 layers) and
//!   comparing it with the last saved one, which `StateSaver::offer` does at most every 100 ms.
//!   Baseline: a bare `BTreeMap<String, f32>` with as many entries as that state holds, built and
//!   compared the same way.
//!
//! Targets: a poll ≤ 5 µs per tick; a state build ≤ 50 µs (it runs at most every 100 ms, so
//! under 1 µs per frame at 60 fps).

use std::collections::BTreeMap;
use std::hint::black_box;
use std::path::Path;
use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use quai::show::ParamStore;
use quai::show::control::Control;
use quai::show::schedule::{Scheduler, WallClock};
use quai::show::state::SavedState;

fn scene() -> quai::scene::Scene {
    let mut text = String::new();
    for p in 0..64 {
        text += &format!("[params.p{p}]\n");
    }
    for l in 0..16 {
        text += &format!("[[layers]]\nname = \"l{l}\"\ncolor = \"#ffffff\"\n");
    }
    for list in 0..4 {
        for c in 0..4 {
            text += &format!("[[cues.c{list}]]\nname = \"{c}\"\nset = {{ p{} = 0.5 }}\n", list * 4 + c);
        }
    }
    text += "[schedule]\ntimezone = \"Europe/Berlin\"\n\
             hours = { \"tue-fri\" = \"10:00-18:00\", sat = [\"10:00-13:00\", \"14:00-22:00\"], sun = \"12:00-02:00\" }\n\
             dates = { \"2026-12-24\" = \"10:00-14:00\", \"2026-12-25\" = \"closed\" }\n";
    for h in 10..18 {
        text += &format!("[[schedule.at]]\ntime = \"{h}:30\"\ndo = \"go c0\"\n");
    }
    quai::scene::load_str(Path::new("bench.toml"), &text).expect("scene")
}

fn bench(c: &mut Criterion) {
    let scene = scene();
    let schedule = scene.schedule.clone().expect("schedule");
    let start: jiff::Timestamp = "2026-12-23T09:00:00Z".parse().expect("instant");

    let mut g = c.benchmark_group("schedule_poll");
    let clock = WallClock::Test { start, at: 0.0, speed: 1.0 };
    let (mut sched, _) = Scheduler::new(schedule.clone(), clock, 0.0);
    let mut t = 0.0;
    g.bench_function("quai_scheduler_poll", |b| {
        b.iter(|| {
            t += 1.0 / 60.0;
            sched.poll(t, &mut |c, _| {
                black_box(c);
            });
        })
    });
    let zone = jiff::tz::TimeZone::get("Europe/Berlin").expect("zone");
    let mut ms = start.as_millisecond();
    g.bench_function("bare_jiff_civil_time", |b| {
        b.iter(|| {
            ms += 16;
            let now = jiff::Timestamp::from_millisecond(ms).expect("instant");
            black_box(zone.to_datetime(now));
        })
    });
    g.finish();

    let mut g = c.benchmark_group("state_offer");
    let mut params = ParamStore::new(&scene.params);
    let mut control = Control::new(&scene);
    let mut go: Vec<quai::show::commands::Issued> = (0..4)
        .map(|l| quai::show::commands::Issued {
            t: 0.0,
            by: Arc::from("bench"),
            command: quai::show::commands::Command::Go(Some(format!("c{l}"))),
        })
        .collect();
    control.step(0.0, &mut go, &scene, &mut params);
    let last = SavedState::capture(&scene, &params, &control);
    g.bench_function("quai_capture_and_compare", |b| {
        b.iter(|| black_box(SavedState::capture(&scene, &params, &control) == last))
    });
    let entries = last.cues.len() + last.params.len() + last.live.len() + last.opacity.len();
    let names: Vec<String> = (0..entries).map(|i| format!("p{i}")).collect();
    let bare_last: BTreeMap<String, f32> = names.iter().map(|n| (n.clone(), 0.5)).collect();
    g.bench_function("bare_btreemap_build_and_compare", |b| {
        b.iter(|| {
            let m: BTreeMap<String, f32> = names.iter().map(|n| (n.clone(), black_box(0.5))).collect();
            black_box(m == bare_last)
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
