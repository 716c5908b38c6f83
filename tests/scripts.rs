//! Scene scripts through the binary: a script that fires a cue at a threshold fires it at the
//! expected frame of an offline render, a script using `rand()` renders the same frames every
//! run, a syntax error is located in the `.rhai` file by `quai check`, and a script that fails at
//! run time is reported while the show renders on.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use common::{Proc, wait_log};

const SCENE: &str = r##"
scripts = ["logic.rhai"]

[show]
name = "scripted"
canvas = [32, 16]
fps = 10

[params.level]

[[layers]]
name = "wash"
color = "#ffffff"
visible = false

[[layers]]
name = "dim"
shader = "dim.wgsl"
bind = { level = "level" }

[[cues.main]]
name = "1"
show = ["wash"]
"##;

const DIM: &str = "fn shade(uv: vec2<f32>) -> vec4<f32> { return vec4<f32>(params.level, 0.0, 0.0, params.level); }\n";

fn scene(dir: &Path, script: &str) -> PathBuf {
    std::fs::write(dir.join("dim.wgsl"), DIM).expect("shader");
    std::fs::write(dir.join("logic.rhai"), script).expect("script");
    let path = dir.join("scene.toml");
    std::fs::write(&path, SCENE).expect("scene");
    path
}

fn render(scene: &Path, out: &Path, frames: u32) -> String {
    render_with(scene, out, frames, &[])
}

fn render_with(scene: &Path, out: &Path, frames: u32, args: &[&str]) -> String {
    let o = Command::new(env!("CARGO_BIN_EXE_quai"))
        .args(["render", scene.to_str().expect("path"), "--frames", &frames.to_string(), "--out"])
        .arg(out)
        .args(args)
        .env("QUAI_LOG", "info")
        .output()
        .expect("quai render");
    let log = String::from_utf8_lossy(&o.stderr).to_string();
    assert!(o.status.success(), "{log}");
    log
}

fn frame(out: &Path, n: u32) -> image::RgbaImage {
    image::open(out.join(format!("frame-{n:06}.png"))).expect("frame").to_rgba8()
}

#[test]
fn a_script_fires_a_cue_at_its_threshold_at_the_expected_frame() {
    let dir = tempfile::tempdir().expect("tmp");
    let script = "// GO once a second has passed.\nfn tick(t, dt) {\n    if t >= 1.0 && !(this.fired ?? false) {\n        this.fired = true;\n        command(\"go main\");\n    }\n}\n";
    let s = scene(dir.path(), script);
    let out = dir.path().join("out");
    let log = render(&s, &out, 15);
    assert!(log.contains("cue main/1 (1 of 1) started by script logic.rhai at 1.000 s"), "{log}");
    let lit = |n| frame(&out, n).pixels().map(|p| p.0[1]).max().unwrap_or(0);
    assert_eq!(lit(9), 0, "frame 9 (0.9 s): not yet");
    assert_eq!(lit(10), 255, "frame 10 (1.0 s): the wash is shown");
}

#[test]
fn a_script_with_rand_renders_the_same_frames_every_run() {
    let dir = tempfile::tempdir().expect("tmp");
    let s = scene(dir.path(), "fn tick(t, dt) { set(\"level\", rand()); }\n");
    let run = |name: &str, args: &[&str]| {
        let out = dir.path().join(name);
        render_with(&s, &out, 8, args);
        (0..8).map(|n| std::fs::read(out.join(format!("frame-{n:06}.png"))).expect("frame")).collect::<Vec<_>>()
    };
    let (a, b) = (run("a", &[]), run("b", &[]));
    assert_eq!(a, b, "the same frames every run");
    assert!(a.windows(2).any(|w| w[0] != w[1]), "rand() moved the level from frame to frame");
    let (c, d) = (run("c", &["--seed", "7"]), run("d", &["--seed", "7"]));
    assert_eq!(c, d, "the same frames every run with the same --seed");
    assert_ne!(a, c, "--seed 7 is another run");
}

#[test]
fn a_syntax_error_is_located_in_the_script_and_a_runtime_error_does_not_stop_the_show() {
    let dir = tempfile::tempdir().expect("tmp");
    let s = scene(dir.path(), "fn tick(t, dt) {\n    let x = 1 +;\n}\n");
    let o =
        Command::new(env!("CARGO_BIN_EXE_quai")).args(["check", s.to_str().expect("path")]).output().expect("check");
    let text = String::from_utf8_lossy(&o.stderr).to_string() + &String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{text}");
    assert!(text.contains("logic.rhai:2:"), "located in the script: {text}");
    assert!(text.contains("error: script:"), "{text}");

    // A call that fails at run time: reported with the script's line, disabled, the render goes on.
    std::fs::write(
        dir.path().join("logic.rhai"),
        "fn tick(t, dt) {\n    let x = [1, 2];\n    set(\"level\", x[5]);\n}\n",
    )
    .expect("script");
    let log = render(&s, &dir.path().join("out"), 5);
    assert!(
        log.contains("script") && log.contains("logic.rhai:3:") && log.contains("off until the script is saved again"),
        "{log}"
    );
    assert_eq!(log.matches("failed").count(), 1, "reported once: {log}");
}

#[test]
fn unknown_names_and_bad_commands_are_reported_once_with_the_script_line() {
    // Computed names (literal ones are scene errors at load: tests/broken/script_unknown_names).
    let dir = tempfile::tempdir().expect("tmp");
    let s =
        scene(dir.path(), "fn tick(t, dt) {\n    set(\"lev\" + \"le\", 0.5);\n    command(\"jump \" + \"main\");\n}\n");
    let log = render(&s, &dir.path().join("out"), 5);
    assert_eq!(log.matches("the scene has no parameter `levle`").count(), 1, "{log}");
    assert!(log.contains("logic.rhai:2:"), "{log}");
    assert_eq!(log.matches("command(\"jump main\")").count(), 1, "{log}");
}

/// The bundled demo: three replayed visitors within a minute bring the storm cue at the third.
#[test]
fn the_bundled_script_demo_brings_the_storm_on_the_third_visitor() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenes");
    let replay = root.join("script-demo.jsonl");
    let args = ["--replay", replay.to_str().expect("path"), "--fps", "10", "--size", "64x36"];
    let render_demo = |out: &Path| render_with(&root.join("script-demo.toml"), out, 120, &args);
    let out = tempfile::tempdir().expect("tmp");
    let log = render_demo(out.path());
    assert!(log.contains("a visitor (3 in the last minute)"), "{log}");
    assert!(log.contains("cue weather/storm (2 of 2) started by script script-demo.rhai at 9.000 s"), "{log}");
    assert!(log.contains("the weather is now storm"), "on_cue saw the storm start: {log}");
    assert!(log.contains("a new palette"), "the replayed `call new_palette` ran: {log}");
    // The same log again: the same bytes, frame for frame.
    let again = tempfile::tempdir().expect("tmp");
    render_demo(again.path());
    for n in (0..120).step_by(7).chain([119]) {
        let name = format!("frame-{n:06}.png");
        let (a, b) =
            (std::fs::read(out.path().join(&name)).expect("a"), std::fs::read(again.path().join(&name)).expect("b"));
        assert!(a == b, "{name} differs between two renders of the same replay");
    }
}

/// A `[[schedule.at]]` entry calls a script function at a time of day (offline, on a test clock).
#[test]
fn the_schedule_calls_a_script_function_at_a_time_of_day() {
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::write(dir.path().join("logic.rhai"), "fn noon() { log(\"noon: a new palette\"); set(\"level\", 1.0); }\n")
        .expect("script");
    let path = dir.path().join("scene.toml");
    std::fs::write(
        &path,
        "scripts = [\"logic.rhai\"]\n\n[show]\ncanvas = [16, 16]\nfps = 10\n\n[params.level]\n\n\
         [schedule]\ntimezone = \"Europe/Berlin\"\nhours = { daily = \"10:00-18:00\" }\n\n\
         [[schedule.at]]\ntime = \"12:00\"\ndo = \"call noon\"\n",
    )
    .expect("scene");
    let out = dir.path().join("out");
    // 11:59:58 at 10 fps: noon comes at frame 20.
    let log = render_with(&path, &out, 40, &["--clock", "2026-12-02T11:59:58"]);
    assert!(log.contains("the schedule (call noon at"), "{log}");
    assert_eq!(log.matches("noon: a new palette").count(), 1, "{log}");
}

/// A script saved while `run --headless` plays: good, broken (the good one keeps running, the
/// error is logged), good again, taking over with the state the first one left.
#[test]
fn a_script_saved_while_playing_swaps_in_with_its_state_and_a_broken_save_changes_nothing() {
    let dir = tempfile::tempdir().expect("tmp");
    let count = |v: &str| {
        format!(
            "fn tick(t, dt) {{\n    this.n = (this.n ?? 0) + 1;\n    if this.n % 30 == 0 {{ log(`{v} ${{this.n}}`); }}\n}}\n"
        )
    };
    let s = scene(dir.path(), &count("v1"));
    let log = dir.path().join("quai.log");
    let _quai = Proc(
        Command::new(env!("CARGO_BIN_EXE_quai"))
            .args(["run", s.to_str().expect("path"), "--headless", "--duration", "60", "--fresh", "--state"])
            .arg(dir.path().join("state.json"))
            .env("QUAI_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).expect("log"))
            .spawn()
            .expect("quai"),
    );
    let wait = Duration::from_secs(60);
    wait_log(&log, "v1 30", 1, wait);
    std::fs::write(dir.path().join("logic.rhai"), "fn tick(t, dt) {\n    let x = ;\n}\n").expect("broken");
    let text = wait_log(&log, "scene reload failed", 1, wait);
    assert!(text.contains("logic.rhai:2:"), "the error is located: {text}");
    let before = text.matches("v1 ").count();
    wait_log(&log, "v1 ", before + 1, wait);
    std::fs::write(dir.path().join("logic.rhai"), count("v2")).expect("v2");
    wait_log(&log, "its state is kept", 1, wait);
    let text = wait_log(&log, " v2 ", 1, wait);
    let n: u64 = text
        .split(" v2 ")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .expect("a count after v2");
    assert!(n > 60, "v2 went on counting from v1's state: {n}");
}

/// A script's `build()` places layers along a spiral when the scene loads; they render where it
/// put them, and `quai check` reads them like the scene's own.
#[test]
fn a_script_builds_layers_along_a_spiral() {
    let dir = tempfile::tempdir().expect("tmp");
    let script = "fn build() {\n    for i in 0..8 {\n        let a = i * 0.7;\n        let r = 6.0 + i * 3.0;\n        add(\"layers\", #{\n            name: `dot-${i}`,\n            color: \"#ffffff\",\n            size: [3, 3],\n            position: [(r * a.cos()).round(), (r * a.sin()).round()],\n        });\n    }\n}\n";
    std::fs::write(dir.path().join("logic.rhai"), script).expect("script");
    let path = dir.path().join("scene.toml");
    std::fs::write(
        &path,
        "scripts = [\"logic.rhai\"]\n\n[show]\ncanvas = [64, 64]\nfps = 10\nbackground = \"#000000\"\n",
    )
    .expect("scene");
    let o =
        Command::new(env!("CARGO_BIN_EXE_quai")).args(["check", path.to_str().expect("path")]).output().expect("check");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = dir.path().join("out");
    render(&path, &out, 1);
    let img = frame(&out, 0);
    for i in 0..8 {
        let (a, r) = (i as f64 * 0.7, 6.0 + i as f64 * 3.0);
        let (x, y) = ((32.0 + (r * a.cos()).round()) as u32, (32.0 + (r * a.sin()).round()) as u32);
        assert_eq!(img.get_pixel(x, y).0, [255, 255, 255, 255], "dot {i} at ({x}, {y})");
    }
    let lit = img.pixels().filter(|p| p.0[0] > 128).count();
    assert_eq!(lit, 8 * 9, "eight 3×3 dots and nothing else");
}

/// The sandbox through the binary: scripts that loop forever, recurse without end, build a huge
/// string or reach for a file, a module or `eval` are each stopped with a clear error, and the
/// headless show keeps its frame rate (20 fps here) all the while.
#[test]
fn runaway_scripts_are_stopped_and_the_show_keeps_its_rate() {
    let dir = tempfile::tempdir().expect("tmp");
    let scripts = [
        ("spin.rhai", "fn tick(t, dt) { loop { } }\n"),
        ("deep.rhai", "fn down(n) { down(n + 1) }\nfn tick(t, dt) { down(0); }\n"),
        ("big.rhai", "fn tick(t, dt) { let s = \"x\"; loop { s += s; } }\n"),
        ("file.rhai", "fn tick(t, dt) { let f = open(\"/etc/passwd\"); }\n"),
    ];
    for (name, text) in scripts {
        std::fs::write(dir.path().join(name), text).expect("script");
    }
    let path = dir.path().join("scene.toml");
    std::fs::write(
        &path,
        "scripts = [\"spin.rhai\", \"deep.rhai\", \"big.rhai\", \"file.rhai\"]\n\n[show]\ncanvas = [32, 16]\nfps = 20\n",
    )
    .expect("scene");
    let o = Command::new(env!("CARGO_BIN_EXE_quai"))
        .args(["run", path.to_str().expect("path"), "--headless", "--duration", "4", "--fresh", "--state"])
        .arg(dir.path().join("state.json"))
        .env("QUAI_LOG", "info")
        .stdin(Stdio::null())
        .output()
        .expect("quai run");
    let log = String::from_utf8_lossy(&o.stderr).to_string();
    assert!(o.status.success(), "{log}");
    assert!(log.contains("spin.rhai: `tick` was stopped: it took longer than 5 ms"), "the endless loop: {log}");
    assert_eq!(log.matches("`tick` was stopped").count(), 1, "stopped every tick, said once in 4 s: {log}");
    assert!(log.contains("deep.rhai") && log.contains("calls itself without end"), "{log}");
    assert!(log.contains("big.rhai") && log.contains("over the limit"), "{log}");
    assert!(log.contains("file.rhai:1:26: `tick` failed: it calls `open`, which this script does not have"), "{log}");
    // The last line: "stopped: N frames, frame time mean M ms, p99 ..., D dropped (target 50.00 ms)".
    let mean: f64 = log
        .rsplit("frame time mean ")
        .next()
        .and_then(|r| r.split(" ms").next())
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no frame time: {log}"));
    assert!(mean < 62.5, "the frames kept their 50 ms with the scripts stopped each tick: mean {mean} ms\n{log}");
}
