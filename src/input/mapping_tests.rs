//! The mapping engine against scenes written as artists write them.

use std::path::Path;
use std::sync::Arc;

use super::*;
use crate::input::event::OscValue;
use crate::scene::{self, ParamId};

fn scene(text: &str) -> Scene {
    scene::load_str(Path::new("t.toml"), text).unwrap_or_else(|e| panic!("{e}"))
}

const INPUTS: &str = r#"
[params.a]
max = 10.0
[params.b]
max = 100.0
[[inputs]]
name = "phone"
osc = "9000"
[[inputs]]
name = "nano"
midi = "nano"
[[inputs]]
name = "lab"
serial = "/dev/null"
"#;

fn osc(t: f64, addr: &str, v: f64) -> InputEvent {
    InputEvent {
        t,
        input: Arc::from("phone"),
        kind: EventKind::Osc { addr: addr.into(), args: vec![OscValue::Float(v)] },
    }
}

fn midi(t: f64, bytes: &[u8]) -> InputEvent {
    let msg = crate::input::midi::decode(bytes).expect("midi");
    InputEvent { t, input: Arc::from("nano"), kind: EventKind::Midi { bytes: bytes.to_vec(), msg } }
}

fn serial(t: f64, line: &str) -> InputEvent {
    InputEvent { t, input: Arc::from("lab"), kind: EventKind::Serial { line: line.into() } }
}

/// Feed events, apply, return the parameter values and the triggers fired.
fn run(text: &str, events: &[InputEvent]) -> (Vec<f32>, Vec<String>) {
    let s = scene(&format!("{INPUTS}{text}"));
    let mut m = Mapper::new(&s);
    let mut params = ParamStore::new(&s.params);
    let mut fired = Vec::new();
    for e in events {
        m.event(e, &mut fired);
    }
    m.apply(&mut params);
    (params.values().to_vec(), fired.iter().map(|&i| m.trigger_name(i).to_string()).collect())
}

fn mapping(extra: &str) -> Mapping {
    let s =
        scene(&format!("{INPUTS}[[mappings]]\nfrom = \"phone:/x\"\nto = \"a\"\nin = [0, 100]\nout = [0, 1]\n{extra}"));
    s.mappings[0].clone()
}

#[test]
fn ranges_clamp_invert_deadzone() {
    let m = mapping("");
    assert_eq!(transform(&m, 50.0), 0.5);
    assert_eq!(transform(&m, 150.0), 1.0, "clamped by default");
    assert_eq!(transform(&mapping("clamp = false"), 150.0), 1.5);
    assert_eq!(transform(&mapping("invert = true"), 25.0), 0.75);
    let dz = mapping("deadzone = 0.1");
    assert_eq!(transform(&dz, 5.0), 0.0, "inside the low deadzone");
    assert_eq!(transform(&dz, 95.0), 1.0, "inside the high deadzone");
    assert!((transform(&dz, 50.0) - 0.5).abs() < 1e-6);
}

#[test]
fn curves_keep_their_ends_and_shape_the_middle() {
    for c in ["\"exp\"", "\"log\"", "\"smoothstep\"", "[[0, 0], [0.5, 0.8], [1, 1]]"] {
        let m = mapping(&format!("curve = {c}"));
        assert!(transform(&m, 0.0).abs() < 1e-6 && (transform(&m, 100.0) - 1.0).abs() < 1e-6, "{c}");
    }
    assert!(transform(&mapping("curve = \"exp\""), 50.0) < 0.2, "exp: fine control at the low end");
    assert!(transform(&mapping("curve = \"log\""), 50.0) > 0.8);
    assert!((transform(&mapping("curve = \"smoothstep\""), 50.0) - 0.5).abs() < 1e-6);
    assert!((transform(&mapping("curve = [[0, 0], [0.5, 0.8], [1, 1]]"), 25.0) - 0.4).abs() < 1e-6);
}

#[test]
fn lag_and_one_euro_smooth_over_event_time() {
    let lag = "[[mappings]]\nfrom = \"phone:/x\"\nto = \"a\"\nin = [0, 1]\nout = [0, 1]\nlag = 1.0\n";
    let (v, _) = run(lag, &[osc(0.0, "/x", 0.0), osc(1.0, "/x", 1.0)]);
    assert!((v[0] - (1.0 - (-1.0f32).exp())).abs() < 1e-4, "63% of a step after one time constant: {}", v[0]);
    let euro = "[[mappings]]\nfrom = \"phone:/x\"\nto = \"a\"\nin = [0, 1]\nout = [0, 1]\none_euro = { min_cutoff = 1.0, beta = 0.0 }\n";
    let steady: Vec<InputEvent> = (0..50).map(|i| osc(i as f64 * 0.02, "/x", 0.3)).collect();
    assert!((run(euro, &steady).0[0] - 0.3).abs() < 1e-6, "a constant input passes unchanged");
    let (v, _) = run(euro, &[osc(0.0, "/x", 0.0), osc(0.02, "/x", 1.0)]);
    assert!(v[0] > 0.0 && v[0] < 0.5, "a jump is smoothed: {}", v[0]);
}

#[test]
fn several_mappings_combine_by_the_parameters_rule() {
    let maps = "[[mappings]]\nfrom = \"phone:/x\"\nto = \"b\"\nin = [0, 100]\nout = [0, 100]\n[[mappings]]\nfrom = \"phone:/y\"\nto = \"b\"\nin = [0, 100]\nout = [0, 100]\n";
    let events = [osc(0.0, "/x", 30.0), osc(0.1, "/y", 20.0)];
    assert_eq!(run(maps, &events).0[1], 20.0, "last wins by default");
    for (rule, want) in [("max", 30.0), ("sum", 50.0)] {
        let s =
            scene(&format!("{}{maps}", INPUTS.replace("max = 100.0", &format!("max = 100.0\ncombine = \"{rule}\""))));
        let mut m = Mapper::new(&s);
        let mut p = ParamStore::new(&s.params);
        events.iter().for_each(|e| m.event(e, &mut vec![]));
        m.apply(&mut p);
        assert_eq!(p.value(ParamId(1)), want, "{rule}");
    }
}

/// Regression guard for the hysteresis: a value wobbling around the threshold fires once.
#[test]
fn triggers_fire_once_per_crossing_with_hysteresis() {
    let t = "[[triggers]]\nname = \"near\"\nfrom = \"lab:dist\"\nabove = 450\nbelow = 380\n";
    let lines = ["dist 100", "dist 460", "dist 440", "dist 455", "dist 300", "dist 500"];
    let events: Vec<InputEvent> = lines.iter().enumerate().map(|(i, l)| serial(i as f64, l)).collect();
    assert_eq!(run(t, &events).1, ["near", "near"]);
    let falling = "[[triggers]]\nname = \"away\"\nfrom = \"lab:dist\"\nabove = 450\nbelow = 380\nedge = \"falling\"\n";
    // Armed at start: fires at 100, re-arms above 450 (at 460), fires again at 300.
    assert_eq!(run(falling, &events).1, ["away", "away"]);
}

#[test]
fn midi_cc_cc14_notes_and_bend() {
    let maps = "[[mappings]]\nfrom = \"nano:cc14/1\"\nto = \"b\"\nin = [0, 16383]\nout = [0, 100]\n\
                [[mappings]]\nfrom = \"nano:note/60\"\nto = \"a\"\nin = [0, 127]\nout = [0, 10]\n";
    let (v, _) = run(maps, &[midi(0.0, &[0xB0, 1, 64]), midi(0.0, &[0xB0, 33, 0]), midi(0.1, &[0x90, 60, 127])]);
    assert!((v[1] - 50.0).abs() < 0.01, "MSB 64 LSB 0 is the middle of 14 bits: {}", v[1]);
    assert_eq!(v[0], 10.0);
    let (v, _) = run(maps, &[midi(0.0, &[0x90, 60, 127]), midi(0.1, &[0x80, 60, 0])]);
    assert_eq!(v[0], 0.0, "note off → 0");
}

#[test]
fn osc_patterns_and_serial_values_reach_parameters() {
    let maps = "[[mappings]]\nfrom = \"phone:/fader/[1-4]\"\nto = \"a\"\nin = [0, 1]\nout = [0, 10]\n\
                [[mappings]]\nfrom = \"lab:light\"\nto = \"b\"\nin = [0, 1023]\nout = [0, 100]\n";
    let (v, _) = run(maps, &[osc(0.0, "/fader/3", 0.5), osc(0.1, "/fader/9", 1.0), serial(0.2, "dist 5 light 1023")]);
    assert_eq!(v, [5.0, 100.0]);
}

/// Feedback sends a controller the input value that gives the parameter's value, for every curve.
#[test]
fn inverse_undoes_transform() {
    for extra in ["", "curve = \"exp\"", "curve = \"log\"", "invert = true\ncurve = \"smoothstep\"", "deadzone = 0.1"] {
        let m = mapping(extra);
        for raw in [10.0, 37.5, 50.0, 90.0] {
            let back = inverse(&m, transform(&m, raw));
            assert!((transform(&m, back) - transform(&m, raw)).abs() < 1e-4, "{extra}: {raw} -> {back}");
        }
    }
}

/// A serial line with one bad value still delivers its good ones, and is counted as bad.
#[test]
fn a_bad_pair_costs_only_itself() {
    let maps = "[[mappings]]\nfrom = \"lab:dist\"\nto = \"a\"\nin = [0, 10]\nout = [0, 10]\n\
                [[mappings]]\nfrom = \"lab:light\"\nto = \"b\"\nin = [0, 100]\nout = [0, 100]\n";
    let s = scene(&format!("{INPUTS}{maps}"));
    let mut m = Mapper::new(&s);
    let mut params = ParamStore::new(&s.params);
    for e in [serial(0.0, "dist 2 light 40"), serial(0.1, "dist 7 light 4O"), serial(0.2, "dist=x;light=60")] {
        m.event(&e, &mut vec![]);
    }
    m.apply(&mut params);
    assert_eq!(params.values(), [7.0, 60.0], "dist from the 2nd line, light from the 3rd");
    let lab = s.inputs.iter().position(|i| i.name == "lab").expect("lab");
    assert_eq!(m.bad_lines(lab), 2);
}

/// OSC that no mapping or trigger reads is counted per address (and logged), so a performer's
/// "my fader does nothing" has an answer; messages something reads are not.
#[test]
fn unmatched_osc_is_counted_per_address() {
    let s = scene(&format!("{INPUTS}[[mappings]]\nfrom = \"phone:/level\"\nto = \"a\"\n"));
    let mut m = Mapper::new(&s);
    let mut fired = Vec::new();
    for (t, addr) in [(0.0, "/level"), (0.1, "/levle"), (0.2, "/levle"), (0.3, "/fader/2"), (0.4, "/level")] {
        m.event(&osc(t, addr, 0.5), &mut fired);
    }
    assert_eq!(
        m.unmatched(),
        vec![("phone".to_string(), "/levle".to_string(), 2), ("phone".to_string(), "/fader/2".to_string(), 1)]
    );
}

/// 14-bit controllers are paired by the one `Cc14` (as the MIDI spec says): a new MSB resets the
/// LSB, so MSB 11 after MSB 10 + LSB 5 reads 11 << 7, not 11 << 7 | 5 (the value the mapper's own
/// pairing used to give).
#[test]
fn cc14_new_msb_resets_the_lsb() {
    let map = "[params.c]\nmax = 16383.0\n[[mappings]]\nfrom = \"nano:cc14/1\"\nto = \"c\"\nin = [0, 16383]\nout = [0, 16383]\n";
    let (v, _) = run(map, &[midi(0.0, &[0xB0, 1, 10]), midi(0.1, &[0xB0, 33, 5])]);
    assert_eq!(v[2], 1285.0);
    let (v, _) = run(map, &[midi(0.0, &[0xB0, 1, 10]), midi(0.1, &[0xB0, 33, 5]), midi(0.2, &[0xB0, 1, 11])]);
    assert_eq!(v[2], 1408.0);
    // An LSB before any MSB reads nothing.
    let (v, _) = run(map, &[midi(0.0, &[0xB0, 33, 5])]);
    assert_eq!(v[2], 0.0);
}

/// Trial finding: a note-off (also a note-on at velocity 0, running status) must not change the
/// "last note played" value of `nano:note`; a program-change trigger fires on every such change.
#[test]
fn note_off_keeps_the_last_note_and_program_triggers_fire_each_time() {
    let text = "[[mappings]]\nfrom = \"nano:note\"\nto = \"b\"\nin = [0, 100]\nout = [0, 100]\n\
                [[triggers]]\nname = \"p3\"\nfrom = \"nano:program/3\"\ndo = \"go\"\n\
                [[cues.main]]\nname = \"1\"\n";
    let events = [
        midi(0.0, &[0x90, 60, 100]),
        midi(0.1, &[0x80, 72, 0]),
        midi(0.2, &[0x90, 64, 0]),
        midi(0.3, &[0xC0, 3]),
        midi(0.4, &[0xC0, 3]),
        midi(0.5, &[0xC0, 4]),
    ];
    let (values, fired) = run(text, &events);
    assert_eq!(values[1], 60.0, "the note-offs left the last note played at 60");
    assert_eq!(fired, ["p3", "p3"], "program 3 twice fires twice; program 4 does not");
}
