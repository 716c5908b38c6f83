//! The `quai` command line as users run it: exit codes, what `check`, `render`, `schema` and
//! `devices` print and write. Runs the real binary on lavapipe.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn quai() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_quai"));
    c.current_dir(env!("CARGO_MANIFEST_DIR")).env("QUAI_LOG", "warn");
    c
}

fn run(c: &mut Command) -> Output {
    c.output().expect("run quai")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn repo(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(p)
}

/// Every bundled scene checks clean: `quai check` exits 0 and says ok for each.
#[test]
fn check_accepts_bundled_scenes() {
    let scenes: Vec<PathBuf> = std::fs::read_dir(repo("scenes"))
        .expect("scenes/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    assert!(!scenes.is_empty());
    let out = run(quai().arg("check").args(&scenes));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout).matches(": ok (").count(), scenes.len(), "{}", text(&out.stdout));
}

/// Usage errors are user errors (exit 1), not clap's default 2, which means "environment" here.
#[test]
fn bad_arguments_exit_1() {
    let out = run(quai().args(["render", "scenes/demo.toml", "--frames", "2", "--out", "x", "--size", "0x10"]));
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("1..8192"), "{}", text(&out.stderr));
    let out = run(quai().args(["check", "no/such/scene.toml"]));
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("no/such/scene.toml"), "{}", text(&out.stderr));
}

/// `quai render` writes exactly N numbered frames and a contact sheet, and the same scene renders
/// byte-identical frames twice.
#[test]
fn render_is_complete_and_deterministic() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    for dir in [&a, &b] {
        let out =
            run(quai().args(["render", "scenes/demo.toml", "--frames", "5", "--size", "96x54", "--out"]).arg(dir));
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        assert!(text(&out.stdout).contains("rendered 5 frames (96x54"), "{}", text(&out.stdout));
    }
    let mut names: Vec<String> = std::fs::read_dir(&a)
        .expect("out dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let want: Vec<String> =
        (0..5).map(|i| format!("frame-{i:06}.png")).chain(std::iter::once("contact-sheet.png".to_string())).collect();
    let mut want_sorted = want.clone();
    want_sorted.sort();
    assert_eq!(names, want_sorted);
    for name in &want {
        let (x, y) = (std::fs::read(a.join(name)).expect("a"), std::fs::read(b.join(name)).expect("b"));
        assert!(x == y, "{name} differs between two renders of the same scene");
    }
    let f0 = image::open(a.join("frame-000000.png")).expect("png").to_rgba8();
    assert_eq!(f0.dimensions(), (96, 54));
    let f4 = image::open(a.join("frame-000004.png")).expect("png").to_rgba8();
    assert_ne!(f0.as_raw(), f4.as_raw(), "the demo animates: frame 4 must differ from frame 0");
}

/// `--fps` changes the fixed clock: frame 2 at 10 fps is t = 0.2 s, the same picture as frame 12 at
/// 60 fps (t = 0.2 s) — checked on a scene whose picture depends on time only.
#[test]
fn render_fps_sets_the_clock() {
    let tmp = tempfile::tempdir().expect("tmp");
    let scene = tmp.path().join("t.toml");
    std::fs::write(
        tmp.path().join("t.wgsl"),
        "fn shade(uv: vec2<f32>) -> vec4<f32> { return vec4<f32>(fract(quai.time), 0.0, 0.0, 1.0); }\n",
    )
    .expect("wgsl");
    std::fs::write(&scene, "[show]\ncanvas = [8, 8]\n[[layers]]\nname = \"t\"\nshader = \"t.wgsl\"\n").expect("toml");
    let at = |fps: &str, frames: &str, frame: u32| {
        let dir = tmp.path().join(format!("fps{fps}"));
        let out = run(quai().args(["render"]).arg(&scene).args(["--fps", fps, "--frames", frames, "--out"]).arg(&dir));
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        image::open(dir.join(format!("frame-{frame:06}.png"))).expect("png").to_rgba8().get_pixel(4, 4).0
    };
    let (slow, fast) = (at("10", "3", 2), at("60", "13", 12));
    assert_eq!(slow, fast);
    assert!((slow[0] as i32 - 51).abs() <= 1, "t = 0.2 s should give red 51, got {}", slow[0]);
}

/// `[show] time_wrap` sends the shaders' `quai.time` back to 0: with a 2 s wrap at 2 fps, frame 4
/// (t = 2 s) draws what frame 0 draws, frame 5 what frame 1 draws.
#[test]
fn time_wrap_restarts_shader_time() {
    let tmp = tempfile::tempdir().expect("tmp");
    let scene = tmp.path().join("w.toml");
    std::fs::write(
        tmp.path().join("w.wgsl"),
        "fn shade(uv: vec2<f32>) -> vec4<f32> { return vec4<f32>(quai.time / 4.0, 0.0, 0.0, 1.0); }\n",
    )
    .expect("wgsl");
    std::fs::write(
        &scene,
        "[show]\ncanvas = [8, 8]\nfps = 2\ntime_wrap = 2\n[[layers]]\nname = \"w\"\nshader = \"w.wgsl\"\n",
    )
    .expect("toml");
    let dir = tmp.path().join("out");
    let out = run(quai().args(["render"]).arg(&scene).args(["--frames", "6", "--out"]).arg(&dir));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let red: Vec<u8> = (0..6)
        .map(|f| image::open(dir.join(format!("frame-{f:06}.png"))).expect("png").to_rgba8().get_pixel(4, 4).0[0])
        .collect();
    // t = 0, 0.5, 1, 1.5, then wrapped: 0, 0.5 → red = t / 4 × 255.
    let want = [0, 32, 64, 96, 0, 32];
    assert!(red.iter().zip(want).all(|(r, w)| (i32::from(*r) - w).abs() <= 1), "red per frame {red:?}, want {want:?}");
}

/// `quai schema` prints a valid JSON Schema (draft 2020-12) that accepts every bundled scene and
/// golden-test scene, and rejects a misspelt key.
#[test]
fn schema_is_valid_and_accepts_scenes() {
    let out = run(quai().arg("schema"));
    assert_eq!(out.status.code(), Some(0));
    let schema: serde_json::Value = serde_json::from_slice(&out.stdout).expect("schema is JSON");
    jsonschema::meta::validate(&schema).expect("a valid JSON Schema");
    let validator = jsonschema::validator_for(&schema).expect("compiles");
    let mut checked = 0;
    for dir in ["scenes", "tests/golden/scenes"] {
        for entry in std::fs::read_dir(repo(dir)).expect("dir") {
            let path = entry.expect("entry").path();
            if path.extension().is_none_or(|e| e != "toml") {
                continue;
            }
            let value: toml::Value = toml::from_str(&std::fs::read_to_string(&path).expect("read")).expect("toml");
            let json = serde_json::to_value(&value).expect("json");
            let errors: Vec<String> = validator.iter_errors(&json).map(|e| e.to_string()).collect();
            assert!(errors.is_empty(), "{} rejected by the schema: {errors:?}", path.display());
            checked += 1;
        }
    }
    assert!(checked >= 10);
    let bad = serde_json::json!({ "layers": [{ "name": "x", "color": "#fff", "opactiy": 0.5 }] });
    assert!(!validator.is_valid(&bad), "an unknown key must be rejected");
}

/// `quai devices` lists the GPU adapter (lavapipe here), the network interfaces (loopback at
/// least) and says whether a display exists.
#[test]
fn devices_lists_gpus_and_displays() {
    let out = run(quai().arg("devices").env_remove("DISPLAY").env_remove("WAYLAND_DISPLAY"));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let s = text(&out.stdout);
    assert!(s.contains("GPU adapters:") && s.contains("  0: "), "{s}");
    assert!(s.contains("MIDI ports (JACK server") && s.contains("Serial ports:"), "{s}");
    assert!(
        s.contains("Audio outputs:\n  JACK (server `") && s.contains("  ALSA:\n") && s.contains("(alsa:null)"),
        "{s}"
    );
    assert!(s.contains("Network interfaces (for LED output):\n") && s.contains(" 127.0.0.1/8  (up, loopback"), "{s}");
    assert!(s.contains("sACN multicast needs a multicast-capable interface\n"), "{s}");
    assert!(s.contains("Displays:\n  none"), "{s}");
}

/// Without a JACK server, quai says so once in its own words; libjack's own stderr lines (five per
/// attempt, which would fill a months-long journal) go to the debug log instead.
#[test]
fn jack_being_down_is_reported_without_libjack_noise() {
    let out = run(quai().arg("devices").env("JACK_DEFAULT_SERVER", "quai-test-no-such-server"));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let s = text(&out.stdout);
    assert!(s.contains("JACK server `quai-test-no-such-server` not running"), "{s}");
    let e = text(&out.stderr);
    assert!(!e.contains("Cannot connect to server") && !e.contains("JackShm"), "libjack noise on stderr:\n{e}");
}

/// With no display, `quai run` exits 2 and points at --headless and `quai render`.
#[test]
fn run_without_display_exits_2() {
    let out = run(quai().args(["run", "scenes/demo.toml"]).env_remove("DISPLAY").env_remove("WAYLAND_DISPLAY"));
    assert_eq!(out.status.code(), Some(2));
    let e = text(&out.stderr);
    assert!(e.contains("--headless") && e.contains("quai render"), "{e}");
}

/// `quai` alone with no display renders a preview of the bundled demo into ./quai-preview/ (from
/// any directory: the demo is inside the binary) and says where it is.
#[test]
fn no_arguments_renders_a_preview() {
    let tmp = tempfile::tempdir().expect("tmp");
    let out = run(quai().current_dir(tmp.path()).env_remove("DISPLAY").env_remove("WAYLAND_DISPLAY"));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("quai-preview"), "{}", text(&out.stdout));
    let dir = tmp.path().join("quai-preview");
    assert!(dir.join("frame-000119.png").is_file() && dir.join("contact-sheet.png").is_file());
    assert!(!dir.join("frame-000120.png").exists());
}

/// `QUAI_LOG=debug`, as the README suggests, shows quai's own debug lines and not the shader
/// compiler's internals (it once printed some 55,000 lines for a two-frame render); a directive
/// list still reaches a dependency.
#[test]
fn quai_log_debug_means_quais_debug() {
    let tmp = tempfile::tempdir().expect("tmp");
    let out = run(quai()
        .env("QUAI_LOG", "debug")
        .args(["render", "tests/golden/scenes/shader.toml", "--frames", "2", "--out"])
        .arg(tmp.path()));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let log = text(&out.stderr);
    assert!(log.contains("DEBUG output attached"), "no quai debug line:\n{log}");
    assert!(log.lines().count() < 40, "{} lines for a two-frame render:\n{log}", log.lines().count());
    let out = run(quai()
        .env("QUAI_LOG", "warn,naga=debug")
        .args(["render", "tests/golden/scenes/shader.toml", "--frames", "1", "--out"])
        .arg(tmp.path()));
    assert!(text(&out.stderr).lines().count() > 40, "a directive list did not reach naga");
}

/// What the user typed wrong on the command line: one clear line each (no OS error repeated by
/// the error chain), exit 1, and nothing started. Cases from the newcomer trial (issue 13).
#[test]
fn command_line_mistakes_get_one_line_each_and_exit_1() {
    let dir = tempfile::tempdir().expect("temp dir");
    let bad_log = dir.path().join("bad.jsonl");
    std::fs::write(&bad_log, "{bad\n").expect("bad log");
    let out_dir = dir.path().join("out");
    let out_dir = out_dir.to_str().expect("path");
    let scene = "scenes/cue-demo.toml";
    let cases: [(&str, Vec<&str>, &str); 5] = [
        (
            "replay_missing_log",
            vec!["render", scene, "--frames", "2", "--out", out_dir, "--replay", "missing.jsonl"],
            "input log missing.jsonl: No such file or directory",
        ),
        (
            "replay_bad_json_line",
            vec!["render", scene, "--frames", "2", "--out", out_dir, "--replay", bad_log.to_str().expect("path")],
            "bad.jsonl:1: not JSON",
        ),
        ("render_out_unwritable", vec!["render", scene, "--frames", "2", "--out", "/proc/nope"], "/proc/nope"),
        (
            "render_zero_frames",
            vec!["render", scene, "--frames", "0", "--out", out_dir],
            "--frames 0: nothing to render",
        ),
        (
            "record_into_missing_folder",
            vec!["run", scene, "--headless", "--duration", "5", "--record", "/proc/nope/x.jsonl"],
            "the recording (--record): /proc/nope/x.jsonl: cannot write there: folder /proc/nope does not exist",
        ),
    ];
    for (case, args, says) in cases {
        let out = run(quai().args(&args));
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{case}: {err}");
        let lines: Vec<&str> = err.lines().filter(|l| !l.trim().is_empty()).collect();
        assert_eq!(lines.len(), 1, "{case}: one line, got:\n{err}");
        assert!(lines[0].starts_with("error: ") && lines[0].contains(says), "{case}: {err}");
        assert!(lines[0].matches("No such file").count() <= 1, "{case}: said once: {err}");
        assert!(!err.contains("playing"), "{case}: nothing started: {err}");
    }
}
