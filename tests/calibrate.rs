//! Calibration as a technician does it: `quai run --calibrate` on a real X server, keys and a
//! mouse drag (XTEST, through `xdotool`) move the corner-pin, S writes it into the hardware
//! layout file — only the `corners` line changes, comments and every other byte stay — and the
//! saved file reloads live; the same moves arrive as OSC from liblo's `oscsend`. And without a window: a layout file rewritten by the write-back while
//! `run --headless` plays is picked up by hot reload, and the output's picture follows it.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use image::RgbaImage;

mod common;
use common::Proc;
use common::xdummy::{self, XDummy};
use quai::scene::projection::Warp;

const WAIT: Duration = Duration::from_secs(30);

const LAYOUT: &str = r##"# The wall projector. Calibrated on site; see hardware/README.md.
[[outputs]]
name = "wall"     # the only projector
size = [320, 180]
missing = "primary"

[outputs.warp]
# top-left, top-right, bottom-right, bottom-left
corners = [[0, 0], [320, 0], [320, 180], [0, 180]]

# An unrelated table that must survive byte for byte.
[[outputs]]
name = "preview"
headless = true
size = [160, 90]   # half size
"##;

/// The scene and its layout; `osc`: the port of an OSC input of the scene.
fn files(dir: &Path, osc: Option<u16>) -> (PathBuf, PathBuf) {
    let layout = dir.join("layout.toml");
    std::fs::write(&layout, LAYOUT).expect("layout");
    let scene = dir.join("scene.toml");
    let mut text = "include = [\"layout.toml\"]\n[show]\nname = \"calibration test\"\ncanvas = [320, 180]\nbackground = \"#ffffff\"\n".to_string();
    if let Some(port) = osc {
        text += &format!("[[inputs]]\nname = \"tablet\"\nosc = \"{port}\"\n");
    }
    std::fs::write(&scene, text).expect("scene");
    (scene, layout)
}

fn xdotool(x: &XDummy, args: &[&str]) {
    let ok = Command::new("xdotool")
        .args(args)
        .env("DISPLAY", x.display())
        .status()
        .expect("xdotool (scripts/setup installs it)");
    assert!(ok.success(), "xdotool {args:?}");
}

/// The lines of `after` that differ from `before` (same line count expected).
fn changed_lines(before: &str, after: &str) -> Vec<(String, String)> {
    assert_eq!(before.lines().count(), after.lines().count(), "lines added or removed:\n{after}");
    before.lines().zip(after.lines()).filter(|(a, b)| a != b).map(|(a, b)| (a.to_string(), b.to_string())).collect()
}

fn corners_of(text: &str) -> [[f64; 2]; 4] {
    let line = text.lines().find(|l| l.starts_with("corners")).expect("corners line");
    let nums: Vec<f64> = line
        .split(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-'))
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().expect("number"))
        .collect();
    assert_eq!(nums.len(), 8, "{line}");
    [[nums[0], nums[1]], [nums[2], nums[3]], [nums[4], nums[5]], [nums[6], nums[7]]]
}

fn wait_for(what: &str, mut ok: impl FnMut() -> bool) {
    let start = Instant::now();
    while !ok() {
        assert!(start.elapsed() < WAIT, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn keys_and_mouse_move_corners_and_s_saves_them_into_the_layout() {
    xdummy::available().unwrap_or_else(|e| panic!("{e} (scripts/setup installs the packages)"));
    let x = XDummy::start(&[[640, 360]]);
    let tmp = tempfile::tempdir().expect("tmp");
    let free = || std::net::UdpSocket::bind("127.0.0.1:0").expect("udp").local_addr().expect("addr").port();
    let scene_port = free();
    let (scene, layout) = files(tmp.path(), Some(scene_port));
    let log = tmp.path().join("quai.log");
    let port = free().to_string();
    let mut quai = Proc(
        Command::new(env!("CARGO_BIN_EXE_quai"))
            .args(["run", "--calibrate", "--calibrate-osc", &port, "--duration", "120", "--console", "0"])
            .arg(&scene)
            .env("QUAI_TOKEN", "calibration-token")
            .env("DISPLAY", x.display())
            .env_remove("WAYLAND_DISPLAY")
            .env("XDG_RUNTIME_DIR", tmp.path())
            .env("QUAI_LOG", "info")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).expect("log"))
            .spawn()
            .expect("quai"),
    );
    common::wait_log(&log, "calibrating wall", 1, WAIT);
    common::wait_log(&log, "output `wall`: showing in its window", 1, WAIT);
    // The pattern shows (the canvas is plain white; the pattern's grid and bars are not).
    wait_for("the test pattern", || {
        let img = x.head_image(&x.screenshot(), 0);
        img.pixels().filter(|p| p.0[0] < 60 && p.0[1] < 60).count() > 5_000
    });

    // Keys: the window is given the keyboard (no window manager here to do it); Tab
    // selects the first corner (top-left), Shift+Right twice moves it 20 px, S saves.
    let found = Command::new("xdotool")
        .args(["search", "--name", "calibration test"])
        .env("DISPLAY", x.display())
        .output()
        .expect("xdotool");
    let id = String::from_utf8_lossy(&found.stdout).lines().next().unwrap_or_default().to_string();
    assert!(!id.is_empty(), "no calibration window");
    xdotool(&x, &["mousemove", "160", "90", "windowfocus", "--sync", &id]);
    xdotool(&x, &["key", "Tab", "shift+Right", "shift+Right", "Down", "s"]);
    common::wait_log(&log, "calibration of `wall` saved", 1, WAIT);
    let saved = std::fs::read_to_string(&layout).expect("layout");
    let changed = changed_lines(LAYOUT, &saved);
    assert_eq!(changed.len(), 1, "only the corners line may change:\n{saved}");
    assert!(changed[0].1.starts_with("corners = "), "{changed:?}");
    assert_eq!(corners_of(&saved), [[20.0, 1.0], [320.0, 0.0], [320.0, 180.0], [0.0, 180.0]]);
    // The save reloads the scene (the calibration and the file now agree).
    common::wait_log(&log, "scene reloaded", 1, WAIT);

    // The mouse: grab the bottom-right corner handle and drag it 30 px left and 20 px up.
    xdotool(&x, &["mousemove", "318", "178", "mousedown", "1"]);
    for (px, py) in [(310, 172), (300, 166), (288, 158)] {
        xdotool(&x, &["mousemove", &px.to_string(), &py.to_string()]);
        std::thread::sleep(Duration::from_millis(80));
    }
    xdotool(&x, &["mouseup", "1", "key", "s"]);
    common::wait_log(&log, "calibration of `wall` saved", 2, WAIT);
    let saved = std::fs::read_to_string(&layout).expect("layout");
    let c = corners_of(&saved);
    assert!((c[2][0] - 290.0).abs() <= 2.0 && (c[2][1] - 160.0).abs() <= 2.0, "bottom-right after the drag: {c:?}");
    assert_eq!(changed_lines(LAYOUT, &saved).len(), 1, "{saved}");

    // Undo (Ctrl+Z) brings the drag back in one step; saved, the file says so.
    xdotool(&x, &["key", "ctrl+z", "s"]);
    common::wait_log(&log, "calibration of `wall` saved", 3, WAIT);
    assert_eq!(corners_of(&std::fs::read_to_string(&layout).expect("layout"))[2], [320.0, 180.0]);

    // OSC, as a tablet would send it (liblo's oscsend, a client nobody here wrote): a corner put
    // at a position, a nudge of the selection, then save.
    common::wait_log(&log, "calibration OSC: listening on", 1, WAIT);
    for args in [vec!["/quai/calibrate/wall/corner/bl", "ff", "5", "170"], vec!["/quai/calibrate/save"]] {
        let ok =
            Command::new("oscsend").arg("localhost").arg(&port).args(&args).status().expect("oscsend (liblo-tools)");
        assert!(ok.success(), "oscsend {args:?}");
        std::thread::sleep(Duration::from_millis(150));
    }
    common::wait_log(&log, "calibration of `wall` saved", 4, WAIT);
    assert_eq!(corners_of(&std::fs::read_to_string(&layout).expect("layout"))[3], [5.0, 170.0]);

    // The same addresses on the scene's own OSC input: one OSC surface for the show.
    let scene_port = scene_port.to_string();
    for args in [vec!["/quai/calibrate/wall/corner/tl", "ff", "7", "3"], vec!["/quai/calibrate/save"]] {
        let ok = Command::new("oscsend")
            .arg("localhost")
            .arg(&scene_port)
            .args(&args)
            .status()
            .expect("oscsend (liblo-tools)");
        assert!(ok.success(), "oscsend {args:?}");
        std::thread::sleep(Duration::from_millis(150));
    }
    common::wait_log(&log, "calibration of `wall` saved", 5, WAIT);
    assert_eq!(corners_of(&std::fs::read_to_string(&layout).expect("layout"))[0], [7.0, 3.0]);

    // The web console's calibration calls: the same moves, from a phone on a ladder.
    let console = common::logged_addr(&log, "web console", WAIT);
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    for body in [r#"{"address": "wall/corner/br", "args": [300, 160]}"#, r#"{"address": "save"}"#] {
        let r = agent
            .post(&format!("http://{console}/api/calibrate"))
            .header("Authorization", "Bearer calibration-token")
            .send(body)
            .expect("POST /api/calibrate");
        assert_eq!(r.status().as_u16(), 202, "{body}");
        std::thread::sleep(Duration::from_millis(150));
    }
    let mut bad = agent
        .post(&format!("http://{console}/api/calibrate"))
        .header("Authorization", "Bearer calibration-token")
        .send(r#"{"address": "wall/corner/9", "args": [1, 2]}"#)
        .expect("POST /api/calibrate");
    assert_eq!(bad.status().as_u16(), 400);
    assert!(bad.body_mut().read_to_string().unwrap_or_default().contains("corner"), "the reason names the corner");
    common::wait_log(&log, "calibration of `wall` saved", 6, WAIT);
    assert_eq!(corners_of(&std::fs::read_to_string(&layout).expect("layout"))[2], [300.0, 160.0]);
    let status = quai.stop();
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    assert_eq!(status, "exit status: 0", "{text}");
}

/// A calibration saved into the layout (the same write-back `--calibrate` uses) while a show
/// plays headless: hot reload picks it up and the output's picture follows, with no restart.
#[test]
fn a_saved_calibration_reloads_live() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (scene, layout) = files(tmp.path(), None);
    let snap = tmp.path().join("snap.png");
    let log = tmp.path().join("quai.log");
    let mut quai = Proc(
        Command::new(env!("CARGO_BIN_EXE_quai"))
            .args(["run", "--headless", "--duration", "60", "--snapshot"])
            .arg(&snap)
            .arg(&scene)
            .env("QUAI_LOG", "info")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).expect("log"))
            .spawn()
            .expect("quai"),
    );
    let out = tmp.path().join("snap.wall.png");
    let read = |p: &Path| -> Option<RgbaImage> { image::open(p).ok().map(|i| i.to_rgba8()) };
    wait_for("the first output snapshot", || read(&out).is_some());
    let before = read(&out).expect("snapshot");
    assert_eq!(before.get_pixel(5, 90).0[0], 255, "the white canvas fills the output before");

    let warp = Warp { corners: Some([[40.0, 0.0], [320.0, 0.0], [320.0, 180.0], [40.0, 180.0]]), mesh: None };
    quai::scene::writeback::save_warp(&layout, "wall", &warp).expect("write back");
    common::wait_log(&log, "scene reloaded", 1, WAIT);
    wait_for("the output snapshot after the reload", || read(&out).is_some_and(|i| i.get_pixel(5, 90).0[0] == 0));
    let after = read(&out).expect("snapshot");
    assert_eq!(after.get_pixel(60, 90).0[0], 255, "the picture starts at x 40 now");
    let text = std::fs::read_to_string(&layout).expect("layout");
    assert!(text.starts_with("# The wall projector.") && text.contains("size = [160, 90]   # half size"), "{text}");
    let status = quai.stop();
    assert_eq!(status, "exit status: 0", "{}", std::fs::read_to_string(&log).unwrap_or_default());
}
