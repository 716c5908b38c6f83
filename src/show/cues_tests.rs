//! Cue engine tests on a fixed 60 fps clock, `t = frame / 60`, as an offline render steps it.

use super::*;

const FPS: f64 = 60.0;
const A: Target = Target::Param(ParamId(0));
const B: Target = Target::Param(ParamId(1));

fn t(frame: u32) -> f64 {
    f64::from(frame) / FPS
}

fn cue(name: &str, targets: &[(Target, f32)], fade: f64, easing: Easing, follow: Follow) -> Cue {
    Cue {
        name: name.into(),
        targets: targets.to_vec(),
        fade,
        easing,
        follow,
        play: vec![],
        silence: vec![],
        note: String::new(),
    }
}

fn linear(name: &str, targets: &[(Target, f32)], fade: f64, follow: Follow) -> Cue {
    cue(name, targets, fade, Easing::Linear, follow)
}

fn list(name: &str, cues: Vec<Cue>) -> CueList {
    CueList { name: name.into(), cues }
}

fn engine(lists: Vec<CueList>) -> CueEngine {
    match CueEngine::new(lists) {
        Ok(e) => e,
        Err(e) => panic!("valid lists rejected: {e}"),
    }
}

/// Every parameter starts at 0 unless a fade drives it.
fn zero(_: Target) -> f32 {
    0.0
}

fn step(e: &mut CueEngine, frame: u32) -> Vec<Write> {
    let mut out = Vec::new();
    e.step(t(frame), zero, &mut out);
    out
}

fn value_of(writes: &[Write], param: Target) -> Option<f32> {
    writes.iter().find(|w| w.param == param).map(|w| w.value)
}

fn close(a: f32, b: f64) -> bool {
    (f64::from(a) - b).abs() < 1e-6
}

#[test]
fn each_easing_at_quarters_of_a_one_second_fade() {
    let table = [
        (Easing::Linear, [0.0, 0.25, 0.5, 0.75, 1.0]),
        (Easing::EaseIn, [0.0, 0.015625, 0.125, 0.421875, 1.0]),
        (Easing::EaseOut, [0.0, 0.578125, 0.875, 0.984375, 1.0]),
        (Easing::EaseInOut, [0.0, 0.0625, 0.5, 0.9375, 1.0]),
        (Easing::Step, [0.0, 0.0, 0.0, 0.0, 1.0]),
    ];
    for (easing, expected) in table {
        let mut e = engine(vec![list("main", vec![cue("1", &[(A, 1.0)], 1.0, easing, Follow::Wait)])]);
        assert!(e.go(0, 0.0).is_ok());
        for (q, want) in expected.iter().enumerate() {
            let frame = 15 * q as u32;
            let got = value_of(&step(&mut e, frame), A);
            assert!(got.is_some_and(|v| close(v, *want)), "{easing:?} at {}: {got:?}, want {want}", t(frame));
            assert_eq!(easing.apply(q as f64 / 4.0), *want, "{easing:?}.apply");
        }
        assert_eq!(easing.apply(0.0), 0.0);
        assert_eq!(easing.apply(1.0), 1.0);
    }
}

#[test]
fn go_during_a_fade_takes_over_without_a_jump() {
    let cues = vec![linear("up", &[(A, 1.0)], 1.0, Follow::Wait), linear("down", &[(A, 0.0)], 2.0, Follow::Wait)];
    let mut e = engine(vec![list("main", cues)]);
    assert!(e.go(0, 0.0).is_ok());
    for frame in 0..=24 {
        step(&mut e, frame);
    }
    // Frame 25: the first fade would be at 25/60; GO at that tick starts "down" from there.
    assert!(e.go(0, t(25)).is_ok());
    let at_go = step(&mut e, 25);
    let before = t(25);
    assert!(value_of(&at_go, A).is_some_and(|v| close(v, before)), "{at_go:?}");
    assert_eq!(at_go.len(), 1, "one fade per parameter");
    let later = step(&mut e, 85);
    assert!(value_of(&later, A).is_some_and(|v| close(v, before * (1.0 - 0.5))), "{later:?}");
}

#[test]
fn auto_follow_starts_at_the_exact_fade_end_between_ticks() {
    // 0.51 s ends at frame 30.6, between ticks 30 and 31.
    let cues =
        vec![linear("up", &[(A, 1.0)], 0.51, Follow::AutoFollow), linear("down", &[(A, 0.0)], 1.0, Follow::Wait)];
    let mut e = engine(vec![list("main", cues)]);
    assert!(e.go(0, 0.0).is_ok());
    for frame in 0..=30 {
        step(&mut e, frame);
        assert!(e.followed().is_empty());
    }
    let w = step(&mut e, 31);
    let want = 1.0 - (t(31) - 0.51);
    assert!(value_of(&w, A).is_some_and(|v| close(v, want)), "{w:?}, want {want}");
    assert_eq!(e.followed().len(), 1);
    assert_eq!((&*e.followed()[0].cue_name, e.followed()[0].at), ("down", 0.51));
    assert_eq!(e.playhead(0), Some(1));
}

#[test]
fn auto_continue_starts_the_next_cue_after_its_delay_from_go() {
    let cues =
        vec![linear("long", &[(A, 1.0)], 2.0, Follow::AutoContinue(0.25)), linear("b", &[(B, 1.0)], 1.0, Follow::Wait)];
    let mut e = engine(vec![list("main", cues)]);
    assert!(e.go(0, 0.0).is_ok());
    for frame in 0..15 {
        assert_eq!(value_of(&step(&mut e, frame), B), None, "frame {frame}");
    }
    let w = step(&mut e, 20);
    assert!(value_of(&w, B).is_some_and(|v| close(v, t(20) - 0.25)), "{w:?}");
    assert!(value_of(&w, A).is_some_and(|v| close(v, t(20) / 2.0)), "the first cue's fade keeps running");
}

#[test]
fn jump_goes_to_the_named_cue_when_the_fade_ends() {
    let cues = vec![
        linear("start", &[(A, 1.0)], 0.5, Follow::Jump("end".into())),
        linear("skipped", &[(B, 9.0)], 0.0, Follow::Wait),
        linear("end", &[(B, 1.0)], 0.5, Follow::Wait),
    ];
    let mut e = engine(vec![list("main", cues)]);
    assert!(e.go(0, 0.0).is_ok());
    for frame in 0..=30 {
        step(&mut e, frame);
    }
    assert_eq!(e.playhead(0), Some(2));
    let w = step(&mut e, 45);
    assert!(value_of(&w, B).is_some_and(|v| close(v, 0.5)), "{w:?}");
}

#[test]
fn back_restarts_the_previous_cue_from_where_things_are() {
    let cues = vec![linear("one", &[(A, 1.0)], 1.0, Follow::Wait), linear("two", &[(A, 0.0)], 1.0, Follow::Wait)];
    let mut e = engine(vec![list("main", cues)]);
    assert!(matches!(e.back(0, 0.0), Err(CueError::NoPrevious { .. })));
    assert!(e.go(0, 0.0).is_ok());
    for frame in 0..=60 {
        step(&mut e, frame);
    }
    assert!(e.go(0, t(60)).is_ok());
    let fired = e.back(0, t(90));
    assert!(fired.is_ok_and(|f| f.cue == 0 && &*f.cue_name == "one" && f.at == t(90)));
    // "two" was half way down (0.5) at the back; "one" fades up again from there.
    let mut out = Vec::new();
    e.step(t(90), |_| 1.0, &mut out); // the store still holds 1.0, where "one" left it
    assert!(value_of(&out, A).is_some_and(|v| close(v, 0.5)), "{out:?}");
    assert!(value_of(&step(&mut e, 120), A).is_some_and(|v| close(v, 0.75)));
    assert_eq!(e.playhead(0), Some(0));
}

#[test]
fn goto_starts_a_named_cue_and_rejects_an_unknown_one() {
    let cues = vec![linear("one", &[(A, 1.0)], 0.0, Follow::Wait), linear("two", &[(A, 0.5)], 0.0, Follow::Wait)];
    let mut e = engine(vec![list("main", cues)]);
    assert!(e.goto(0, "two", 0.0).is_ok_and(|f| f.cue == 1));
    assert_eq!(value_of(&step(&mut e, 0), A), Some(0.5));
    assert!(matches!(e.go(0, t(1)), Err(CueError::EndOfList { .. })));
    let err = e.goto(0, "three", t(1));
    assert!(err.is_err_and(|e| e.to_string().contains("`main`") && e.to_string().contains("`three`")));
    assert!(matches!(e.go(7, 0.0), Err(CueError::NoList(7))));
}

#[test]
fn stop_holds_the_values_and_cancels_the_follow_on() {
    let cues = vec![linear("up", &[(A, 1.0)], 1.0, Follow::AutoFollow), linear("next", &[(B, 1.0)], 0.0, Follow::Wait)];
    let mut e = engine(vec![list("main", cues)]);
    assert!(e.go(0, 0.0).is_ok());
    step(&mut e, 0);
    assert!(e.stop(0, t(30)).is_ok());
    assert_eq!(step(&mut e, 30), vec![Write { param: A, value: 0.5, list: 0, active: false }]);
    for frame in 31..=120 {
        assert!(step(&mut e, frame).is_empty(), "frame {frame}");
    }
    assert!(e.go(0, t(121)).is_ok_and(|f| &*f.cue_name == "next"), "GO goes on from the playhead");
}

#[test]
fn panic_reaches_the_safe_values_and_stays() {
    let a = list(
        "a",
        vec![linear("a1", &[(A, 1.0)], 4.0, Follow::AutoContinue(1.0)), linear("a2", &[], 0.0, Follow::Wait)],
    );
    let b = list("b", vec![linear("b1", &[(B, 1.0)], 4.0, Follow::Wait)]);
    let mut e = engine(vec![a, b]);
    assert!(e.go(0, 0.0).is_ok());
    assert!(e.go(1, 0.0).is_ok());
    step(&mut e, 0);
    let t0 = t(30);
    e.panic(t0, &[(A, 0.0), (B, 0.25)], 0.5);
    let w = step(&mut e, 30);
    assert!(w.iter().all(|w| w.list == CueEngine::PANIC_LIST && w.active), "{w:?}");
    let at_end = step(&mut e, 60);
    assert_eq!(
        at_end,
        vec![
            Write { param: A, value: 0.0, list: CueEngine::PANIC_LIST, active: false },
            Write { param: B, value: 0.25, list: CueEngine::PANIC_LIST, active: false },
        ]
    );
    for frame in 61..=600 {
        assert!(step(&mut e, frame).is_empty(), "frame {frame}: nothing moves after a panic");
        assert!(e.followed().is_empty(), "the pending auto-continue was cancelled");
    }
}

#[test]
fn the_end_of_a_fade_is_written_once_more_inactive() {
    let mut e = engine(vec![list("main", vec![linear("1", &[(A, 1.0)], 0.5, Follow::Wait)])]);
    assert!(e.go(0, 0.0).is_ok());
    let writes: Vec<Write> = (0..=40).flat_map(|frame| step(&mut e, frame)).collect();
    assert_eq!(writes.len(), 31, "frames 0..=30, then nothing");
    assert!(writes[..30].iter().all(|w| w.active));
    assert_eq!(writes[30], Write { param: A, value: 1.0, list: 0, active: false });
}

#[test]
fn a_fade_reads_current_once_and_not_after_its_start() {
    let mut e = engine(vec![list("main", vec![linear("1", &[(A, 1.0)], 1.0, Follow::Wait)])]);
    assert!(e.go(0, 0.0).is_ok());
    let mut out = Vec::new();
    e.step(0.0, |_| 0.5, &mut out);
    assert_eq!(value_of(&out, A), Some(0.5));
    out.clear();
    // Whatever the store says now, the fade goes on from its remembered start value.
    e.step(t(30), |_| 100.0, &mut out);
    assert!(value_of(&out, A).is_some_and(|v| close(v, 0.75)), "{out:?}");
}

#[test]
fn two_lists_on_one_param_the_latest_fade_wins_without_a_jump() {
    let a = list("a", vec![linear("a1", &[(A, 1.0)], 1.0, Follow::Wait)]);
    let b = list("b", vec![linear("b1", &[(A, 0.0)], 1.0, Follow::Wait)]);
    let mut e = engine(vec![a, b]);
    assert!(e.go(0, 0.0).is_ok());
    // Both start in the same tick, before any step: b takes over a's still-unread start value.
    assert!(e.go(1, 0.0).is_ok());
    let mut out = Vec::new();
    e.step(0.0, |_| 0.4, &mut out);
    assert_eq!(out, vec![Write { param: A, value: 0.4, list: 1, active: true }]);
    assert!(e.go(0, 0.0).is_err(), "a's single cue is spent");
}

#[test]
fn zero_time_follow_ons_fire_in_one_tick_each_at_its_due_time() {
    let cues = vec![
        linear("a", &[(A, 1.0)], 0.0, Follow::AutoFollow),
        linear("b", &[(B, 1.0)], 0.0, Follow::AutoContinue(0.0)),
        linear("c", &[(A, 0.0)], 0.1, Follow::Wait),
    ];
    let mut e = engine(vec![list("main", cues)]);
    assert!(e.go(0, 0.0).is_ok());
    let w = step(&mut e, 3);
    let fired: Vec<(&str, f64)> = e.followed().iter().map(|f| (&*f.cue_name, f.at)).collect();
    assert_eq!(fired, vec![("b", 0.0), ("c", 0.0)]);
    assert!(value_of(&w, A).is_some_and(|v| close(v, 1.0 - t(3) / 0.1)), "{w:?}");
    assert_eq!(value_of(&w, B), Some(1.0));
}

#[test]
fn validation_names_every_problem() {
    let bad_jump = list("songs", vec![linear("intro", &[], 1.0, Follow::Jump("outro".into()))]);
    let dup = list(
        "lights",
        vec![
            linear("blue", &[], 1.0, Follow::Wait),
            linear("red", &[], 1.0, Follow::Wait),
            linear("blue", &[], 1.0, Follow::Wait),
        ],
    );
    let zero_loop = list(
        "loop",
        vec![
            linear("wait", &[], 0.0, Follow::Wait),
            linear("ping", &[(A, 1.0)], 0.0, Follow::AutoFollow),
            linear("pong", &[(A, 0.0)], 0.0, Follow::Jump("ping".into())),
        ],
    );
    let err = CueEngine::new(vec![bad_jump.clone()]).err().map(|e| e.to_string()).unwrap_or_default();
    assert!(err.contains("`songs`") && err.contains("`intro`") && err.contains("`outro`"), "{err}");
    let err = CueEngine::new(vec![dup.clone()]).err();
    assert!(matches!(&err, Some(CueError::DuplicateName { first: 0, second: 2, .. })), "{err:?}");
    let err = CueEngine::new(vec![zero_loop.clone()]).err();
    let msg = err.as_ref().map(|e| e.to_string()).unwrap_or_default();
    assert!(msg.contains("`loop`") && msg.contains("`ping` → `pong`"), "{msg}");
    match CueEngine::new(vec![bad_jump, dup, zero_loop]) {
        Err(CueError::Several(all)) => assert_eq!(all.len(), 3, "{all:?}"),
        other => panic!("expected three problems, got {other:?}"),
    }
    let negative = list("x", vec![linear("neg", &[], -1.0, Follow::Wait)]);
    assert!(matches!(CueEngine::new(vec![negative]), Err(CueError::BadNumber { .. })));
    let timed_loop = list("ok", vec![linear("self", &[(A, 1.0)], 0.5, Follow::Jump("self".into()))]);
    assert!(CueEngine::new(vec![timed_loop]).is_ok(), "a loop with time in it is a valid chase");
}

/// Runs one fixed show: GOs, a back, a goto, a stop and a panic across two lists.
fn scripted_show() -> Vec<Write> {
    let a = list(
        "a",
        vec![
            cue("1", &[(A, 1.0), (B, 0.5)], 0.7, Easing::EaseInOut, Follow::AutoFollow),
            cue("2", &[(A, 0.2)], 0.33, Easing::EaseIn, Follow::Jump("1".into())),
            cue("3", &[(B, 0.0)], 1.0, Easing::Step, Follow::Wait),
        ],
    );
    let b = list("b", vec![cue("x", &[(B, 0.9)], 0.25, Easing::EaseOut, Follow::AutoContinue(0.1))]);
    let mut e = engine(vec![a, b]);
    let mut out = Vec::new();
    for frame in 0..400 {
        let now = t(frame);
        // Some of these fail on purpose (GO past the end); the writes must match all the same.
        match frame {
            0 => drop(e.go(0, now)),
            50 => drop(e.go(1, now)),
            90 => drop(e.back(0, now)),
            150 => drop(e.goto(0, "3", now)),
            200 => {
                drop(e.stop(0, now));
                drop(e.go(0, now));
            }
            300 => {
                e.panic(now, &[(A, 0.0)], 0.3);
                drop(e.go(1, now));
            }
            _ => {}
        }
        e.step(
            now,
            |p| match p {
                Target::Param(p) => p.0 as f32 * 0.1,
                Target::Opacity(_) => 1.0,
            },
            &mut out,
        );
    }
    out
}

#[test]
fn the_same_operations_give_the_same_writes() {
    let first = scripted_show();
    assert!(first.len() > 100);
    assert_eq!(first, scripted_show());
}

/// Stand-in for an `assert_no_alloc` proof (that needs the crate's allocator in an integration
/// test): a busy chase never grows the engine's own Vecs, and a reserved `out` is enough.
#[test]
fn step_does_not_grow_internal_vecs() {
    let cues = vec![
        linear("a", &[(A, 1.0), (B, 0.0)], 0.01, Follow::AutoFollow),
        linear("b", &[(A, 0.0), (B, 1.0)], 0.0, Follow::AutoContinue(0.005)),
        linear("c", &[(A, 0.5)], 0.02, Follow::Jump("a".into())),
    ];
    let mut e = engine(vec![list("chase", cues)]);
    assert!(e.go(0, 0.0).is_ok());
    let (fades, followed) = (e.fades.capacity(), e.followed.capacity());
    let mut out = Vec::with_capacity(2);
    for frame in 0..600 {
        out.clear();
        e.step(t(frame), zero, &mut out);
        assert!(out.len() <= 2, "one write per parameter: {out:?}");
    }
    assert_eq!((e.fades.capacity(), e.followed.capacity(), out.capacity()), (fades, followed, 2));
    assert_eq!(e.followed_dropped(), 0);
}
