//! Projector windows on a real X server with two monitors (Xorg's dummy driver, two RandR heads:
//! tests/common/xdummy.rs): `quai run` opens one fullscreen window per monitor, each showing its
//! slice of the canvas (read back from the screen with `xwd`); both present the frames of the
//! same ticks; a monitor unplugged mid-show closes only its window (the other keeps playing) and
//! its output comes back when it is plugged in again; a window destroyed from outside does not
//! stop the show.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use image::{Rgb, RgbImage};

mod common;
use common::Proc;
use common::xdummy::{self, XDummy};

const WAIT: Duration = Duration::from_secs(30);

fn near(p: &Rgb<u8>, c: [u8; 3]) -> bool {
    p.0.iter().zip(c).all(|(a, b)| a.abs_diff(b) <= 8)
}

/// Share of the pixels of `img` that are `c`.
fn share(img: &RgbImage, c: [u8; 3]) -> f64 {
    img.pixels().filter(|p| near(p, c)).count() as f64 / (img.width() * img.height()) as f64
}

/// Wait until `pred` holds for head `head`'s pixels.
fn until_head(x: &XDummy, head: usize, what: &str, pred: impl Fn(&RgbImage) -> bool) -> RgbImage {
    let start = Instant::now();
    loop {
        let shot = x.screenshot();
        if x.heads().len() > head {
            let img = x.head_image(&shot, head);
            if pred(&img) {
                return img;
            }
        }
        if start.elapsed() > WAIT {
            let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("x11-{what}.png").replace(' ', "-"));
            let _ = shot.save(&out);
            panic!("head {head} never showed {what}; screen saved to {}", out.display());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn wait_log(log: &Path, needle: &str) -> String {
    common::wait_log(log, needle, 1, WAIT)
}

/// A 640 × 180 canvas, red on the left half and green on the right, shown by two fullscreen
/// projectors on DUMMY0 and DUMMY1 (320 × 180 each), one half each.
fn scene(dir: &Path) -> PathBuf {
    let text = r##"
[show]
name = "two projectors"
canvas = [640, 180]
background = "#000000"

[[layers]]
name = "left"
color = "#ff0000"
size = [320, 180]
position = [-160, 0]

[[layers]]
name = "right"
color = "#00ff00"
size = [320, 180]
position = [160, 0]

[[outputs]]
name = "west"
monitor = "DUMMY0"
fullscreen = true
missing = "wait"
slice = [0, 0, 320, 180]

[[outputs]]
name = "east"
monitor = "DUMMY1"
fullscreen = true
missing = "wait"
slice = [320, 0, 320, 180]
"##;
    let path = dir.join("two.toml");
    std::fs::write(&path, text).expect("scene");
    path
}

fn start(x: &XDummy, scene: &Path, log: &Path, runtime: &Path) -> Proc {
    Proc(
        Command::new(env!("CARGO_BIN_EXE_quai"))
            .args(["run", "--duration", "120"])
            .arg(scene)
            .env("DISPLAY", x.display())
            .env_remove("WAYLAND_DISPLAY")
            .env("XDG_RUNTIME_DIR", runtime)
            .env("QUAI_LOG", "info")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(log).expect("log"))
            .spawn()
            .expect("quai"),
    )
}

/// Frames each output presented, from the log at the stop.
fn presented(log: &str, output: &str) -> u64 {
    let needle = format!("output `{output}`: ");
    log.lines()
        .filter_map(|l| l.split_once(&needle).map(|(_, rest)| rest))
        .filter_map(|rest| rest.strip_suffix(" frames presented"))
        .filter_map(|n| n.parse().ok())
        .next_back()
        .unwrap_or_else(|| panic!("no frame count for `{output}` in:\n{log}"))
}

#[test]
fn two_monitors_show_their_slices_of_the_same_ticks() {
    xdummy::available().unwrap_or_else(|e| panic!("{e} (scripts/setup installs the packages)"));
    let x = XDummy::start(&[[320, 180], [320, 180]]);
    let tmp = tempfile::tempdir().expect("tmp");
    let scene = scene(tmp.path());
    let log = tmp.path().join("quai.log");
    let mut quai = start(&x, &scene, &log, tmp.path());
    wait_log(&log, "output `west`: window on monitor DUMMY0");
    wait_log(&log, "output `east`: window on monitor DUMMY1");
    until_head(&x, 0, "the red left half", |i| share(i, [255, 0, 0]) > 0.99);
    until_head(&x, 1, "the green right half", |i| share(i, [0, 255, 0]) > 0.99);
    std::thread::sleep(Duration::from_secs(2));
    let status = quai.stop();
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    assert_eq!(status, "exit status: 0", "{text}");
    let (west, east) = (presented(&text, "west"), presented(&text, "east"));
    // One tick draws and presents both: the same frames, but for the first one or two, which a
    // surface may skip while it is configured at start.
    assert!(west > 20 && west.abs_diff(east) <= 2, "west presented {west} frames, east {east}:\n{text}");
}

#[test]
fn an_unplugged_monitor_or_a_closed_window_does_not_stop_the_show() {
    xdummy::available().unwrap_or_else(|e| panic!("{e} (scripts/setup installs the packages)"));
    let x = XDummy::start(&[[320, 180], [320, 180]]);
    let tmp = tempfile::tempdir().expect("tmp");
    let scene = scene(tmp.path());
    let log = tmp.path().join("quai.log");
    let mut quai = start(&x, &scene, &log, tmp.path());
    wait_log(&log, "output `east`: window on monitor DUMMY1");
    until_head(&x, 1, "the green right half", |i| share(i, [0, 255, 0]) > 0.99);

    // The east projector unplugged: its window closes, the west one plays on.
    x.unplug(1);
    wait_log(&log, "output `east`: monitor \"DUMMY1\" was disconnected; waiting for it");
    until_head(&x, 0, "the red left half after the unplug", |i| share(i, [255, 0, 0]) > 0.99);
    assert!(quai.0.try_wait().expect("quai").is_none(), "quai stopped after an unplug");

    // Plugged back: its window opens again on it.
    x.plug(1);
    wait_log(&log, "output `east`: its monitor is connected");
    until_head(&x, 1, "the green right half after the replug", |i| share(i, [0, 255, 0]) > 0.99);

    // The west window destroyed from outside (as a crashing window manager or xkill would): the
    // east one goes on.
    let found = Command::new("xdotool")
        .args(["search", "--name", "west$"])
        .env("DISPLAY", x.display())
        .output()
        .expect("xdotool (x11 test tools: scripts/setup installs xdotool)");
    let id = String::from_utf8_lossy(&found.stdout).lines().next().unwrap_or_default().to_string();
    assert!(!id.is_empty(), "no west window");
    let closed =
        Command::new("xdotool").args(["windowclose", &id]).env("DISPLAY", x.display()).status().expect("xdotool");
    assert!(closed.success());
    wait_log(&log, "output `west` was closed");
    std::thread::sleep(Duration::from_secs(1));
    assert!(quai.0.try_wait().expect("quai").is_none(), "quai stopped after a window was closed");
    until_head(&x, 1, "the green right half after the west window closed", |i| share(i, [0, 255, 0]) > 0.99);
    let status = quai.stop();
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    assert_eq!(status, "exit status: 0", "{text}");
    assert!(!text.contains("ERROR"), "errors in the log:\n{text}");
}
