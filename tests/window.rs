//! The window as a person sees it: `quai run` on its own Xvfb display, screenshots taken by the X
//! server (`xwd`), the window resized from outside (`xdotool`, as a window manager or a person
//! dragging its corner would). Checks what the pixels on screen are: the scene, the reload-error
//! panel over it after a broken save, the canvas letterboxed after a resize, the panel gone after
//! a good save.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use image::{Rgb, RgbImage};

mod common;
use common::Proc;

const WAIT: Duration = Duration::from_secs(15);

fn tool(name: &str, package: &str) -> Command {
    if Command::new("which").arg(name).output().map(|o| !o.status.success()).unwrap_or(true) {
        panic!("`{name}` not found: install the `{package}` package (scripts/setup does)");
    }
    Command::new(name)
}

/// Xvfb on the first free display; returns it and the display name (`:N`).
fn xvfb() -> (Proc, String) {
    let mut child = tool("Xvfb", "xvfb")
        .args(["-displayfd", "1", "-screen", "0", "1024x768x24", "-nolisten", "tcp"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("Xvfb");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line).expect("Xvfb display number");
    let n: u32 = line.trim().parse().unwrap_or_else(|_| panic!("Xvfb printed `{line}`, not a display number"));
    (Proc(child), format!(":{n}"))
}

/// The window's pixels as the X server has them (`xwd`, 32-bit ZPixmap as Xvfb at depth 24 gives).
fn shot(display: &str, window: &str) -> RgbImage {
    let out = tool("xwd", "x11-apps").args(["-display", display, "-id", window, "-silent"]).output().expect("xwd");
    assert!(out.status.success(), "xwd: {}", String::from_utf8_lossy(&out.stderr));
    let d = out.stdout;
    let u32_at = |i: usize| u32::from_be_bytes([d[i * 4], d[i * 4 + 1], d[i * 4 + 2], d[i * 4 + 3]]);
    let (header, format, width, height, byte_order, bpp, stride, ncolors) =
        (u32_at(0), u32_at(2), u32_at(4), u32_at(5), u32_at(7), u32_at(11), u32_at(12), u32_at(19));
    assert_eq!((format, bpp), (2, 32), "expected a 32-bit ZPixmap from xwd");
    let (rmask, gmask, bmask) = (u32_at(14), u32_at(15), u32_at(16));
    let data = &d[header as usize + ncolors as usize * 12..];
    let channel = |px: u32, mask: u32| ((px & mask) >> mask.trailing_zeros()) as u8;
    RgbImage::from_fn(width, height, |x, y| {
        let i = (y * stride + x * 4) as usize;
        let b = [data[i], data[i + 1], data[i + 2], data[i + 3]];
        let px = if byte_order == 0 { u32::from_le_bytes(b) } else { u32::from_be_bytes(b) };
        Rgb([channel(px, rmask), channel(px, gmask), channel(px, bmask)])
    })
}

/// Takes screenshots until `ok` holds; on timeout saves the last one (in cargo's target tmp dir, so
/// it outlives the test) and fails, naming it.
fn until(display: &str, window: &str, what: &str, ok: impl Fn(&RgbImage) -> bool) -> RgbImage {
    let start = Instant::now();
    loop {
        let img = shot(display, window);
        if ok(&img) {
            // To look at what the test saw: QUAI_WINDOW_SHOTS=DIR cargo test --test window
            if let Some(dir) = std::env::var_os("QUAI_WINDOW_SHOTS") {
                img.save(Path::new(&dir).join(format!("{}.png", what.replace(' ', "-")))).expect("save screenshot");
            }
            return img;
        }
        if start.elapsed() > WAIT {
            let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("window-{}.png", what.replace(' ', "-")));
            img.save(&path).expect("save screenshot");
            panic!("timed out waiting for {what}; the last screenshot is {}", path.display());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn wait_log(log: &Path, needle: &str) {
    common::wait_log(log, needle, 1, WAIT);
}

fn near(p: &Rgb<u8>, c: [u8; 3]) -> bool {
    p.0.iter().zip(c).all(|(a, b)| a.abs_diff(b) <= 8)
}

const RED: [u8; 3] = [255, 0, 0];
const GREEN: [u8; 3] = [0, 255, 0];
const BLACK: [u8; 3] = [0, 0, 0];

/// Pixels in the top-left corner (where the error panel goes) that are not `c`.
fn panel_pixels(img: &RgbImage, c: [u8; 3]) -> usize {
    let (w, h) = (img.width().min(300), img.height().min(60));
    (0..h).flat_map(|y| (0..w).map(move |x| (x, y))).filter(|&(x, y)| !near(img.get_pixel(x, y), c)).count()
}

#[test]
fn errors_show_over_the_picture_and_resizes_letterbox() {
    let tmp = tempfile::tempdir().expect("tmp");
    let name = format!("wintest-{}", std::process::id());
    let scene: PathBuf = tmp.path().join("s.toml");
    let write = |layer: &str| {
        let text = format!("[show]\nname = \"{name}\"\ncanvas = [320, 180]\n[[layers]]\nname = \"bg\"\n{layer}\n");
        std::fs::write(&scene, text).expect("scene")
    };
    write("color = \"#ff0000\"");
    let (_x, display) = xvfb();
    let log = tmp.path().join("quai.log");
    let runtime = tempfile::tempdir().expect("runtime dir");
    // `--snapshot` works in a window too (it used to be ignored there without a word).
    let snap = tmp.path().join("snap.png");
    let mut quai = Proc(
        Command::new(env!("CARGO_BIN_EXE_quai"))
            .args(["run", "--duration", "60", "--snapshot"])
            .arg(&snap)
            .arg(&scene)
            .env("DISPLAY", &display)
            .env_remove("WAYLAND_DISPLAY")
            .env("XDG_RUNTIME_DIR", runtime.path())
            .env("QUAI_LOG", "info")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).expect("log"))
            .spawn()
            .expect("quai"),
    );
    wait_log(&log, "in a window on");
    let found = tool("xdotool", "xdotool")
        .args(["search", "--sync", "--name", &name])
        .env("DISPLAY", &display)
        .output()
        .expect("xdotool search");
    let window = String::from_utf8_lossy(&found.stdout).lines().next().unwrap_or_default().to_string();
    assert!(!window.is_empty(), "no window named {name}");

    // The scene fills its window (opened at the canvas size).
    let img = until(&display, &window, "the red scene", |i| near(i.get_pixel(160, 90), RED));
    assert_eq!(img.dimensions(), (320, 180));
    assert_eq!(panel_pixels(&img, RED), 0, "nothing over the picture yet");

    // A broken save: the errors appear over the top-left, the last good scene keeps playing.
    write("color = \"#ff0000\"\nopacity = 1.5");
    wait_log(&log, "reload failed");
    let img = until(&display, &window, "the error panel", |i| panel_pixels(i, RED) > 200);
    assert!(near(img.get_pixel(160, 170), RED), "the last good scene still shows below the panel");

    // The window made wider: the canvas keeps its aspect, centred between black bars.
    let resized = tool("xdotool", "xdotool")
        .args(["windowsize", "--sync", &window, "640", "180"])
        .env("DISPLAY", &display)
        .status()
        .expect("xdotool windowsize");
    assert!(resized.success());
    until(&display, &window, "the letterboxed canvas", |i| {
        i.dimensions() == (640, 180)
            && near(i.get_pixel(100, 170), BLACK)
            && near(i.get_pixel(320, 170), RED)
            && near(i.get_pixel(540, 170), BLACK)
    });

    // A good save: the panel goes and the new scene shows, still letterboxed.
    write("color = \"#00ff00\"");
    wait_log(&log, "scene reloaded");
    until(&display, &window, "the green scene without the panel", |i| {
        near(i.get_pixel(320, 90), GREEN)
            && (0..i.width()).all(|x| {
                let p = i.get_pixel(x, 20);
                near(p, GREEN) || near(p, BLACK)
            })
    });

    // A save that changes the canvas size: the window shows the new canvas (regression: it kept
    // sampling the old canvas texture, whose bind group was keyed by a reused field's address).
    let text =
        format!("[show]\nname = \"{name}\"\ncanvas = [640, 180]\n[[layers]]\nname = \"bg\"\ncolor = \"#0000ff\"\n");
    std::fs::write(&scene, text).expect("scene");
    common::wait_log(&log, "scene reloaded", 2, WAIT);
    until(&display, &window, "the new wider blue canvas", |i| {
        near(i.get_pixel(100, 170), [0, 0, 255]) && near(i.get_pixel(540, 20), [0, 0, 255])
    });
    assert_eq!(quai.stop(), "exit status: 0", "{}", std::fs::read_to_string(&log).unwrap_or_default());
    // The snapshot is the canvas at exit: the wide blue one.
    let img = image::open(&snap).expect("the window run's --snapshot").to_rgb8();
    assert_eq!(img.dimensions(), (640, 180));
    assert!(near(img.get_pixel(10, 10), [0, 0, 255]), "{:?}", img.get_pixel(10, 10));
}

/// A kiosk runs X with no window manager (`xinit quai run ...`), as Xvfb does: `fullscreen = true`
/// covers the whole screen (it left a small window at 0,0), and frames are paced at the scene's
/// rate although presenting does not block there (it ran at hundreds of frames a second).
#[test]
fn fullscreen_covers_the_screen_and_frames_are_paced_without_a_window_manager() {
    let tmp = tempfile::tempdir().expect("tmp");
    let name = format!("kiosk-{}", std::process::id());
    let scene = tmp.path().join("kiosk.toml");
    std::fs::write(
        &scene,
        format!(
            "[show]\nname = \"{name}\"\ncanvas = [320, 180]\nfps = 30\n[[layers]]\nname = \"bg\"\ncolor = \"#336699\"\n\
             [[outputs]]\nname = \"main\"\nfullscreen = true\n"
        ),
    )
    .expect("scene");
    let (_x, display) = xvfb();
    let log = tmp.path().join("quai.log");
    let runtime = tempfile::tempdir().expect("runtime dir");
    let seconds = 5.0;
    let mut quai = Proc(
        Command::new(env!("CARGO_BIN_EXE_quai"))
            .args(["run", "--duration", &seconds.to_string(), "--fresh", "--state"])
            .arg(tmp.path().join("state.json"))
            .arg(&scene)
            .env("DISPLAY", &display)
            .env_remove("WAYLAND_DISPLAY")
            .env("XDG_RUNTIME_DIR", runtime.path())
            .env("QUAI_LOG", "info")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).expect("log"))
            .spawn()
            .expect("quai"),
    );
    wait_log(&log, "showing in its window");
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(text.contains("no window manager on this display"), "{text}");
    let geometry = tool("xdotool", "xdotool")
        .args(["search", "--sync", "--name", &name, "getwindowgeometry"])
        .env("DISPLAY", &display)
        .output()
        .expect("xdotool");
    let geometry = String::from_utf8_lossy(&geometry.stdout).to_string();
    assert!(geometry.contains("Position: 0,0") && geometry.contains("Geometry: 1024x768"), "{geometry}");
    // The run ends by itself at --duration.
    let start = std::time::Instant::now();
    while quai.0.try_wait().ok().flatten().is_none() {
        assert!(start.elapsed() < Duration::from_secs(30), "quai did not stop at --duration");
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(quai.stop(), "exit status: 0");
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    // "stopped after N presented frames (...): ..., frame time mean X ms, ... (target 33.33 ms)"
    let after = text.split("stopped after ").nth(1).unwrap_or_else(|| panic!("no stop line:\n{text}"));
    let presented: f64 = after.split(' ').next().and_then(|n| n.parse().ok()).expect("presented frames");
    let mean: f64 = after
        .split("frame time mean ")
        .nth(1)
        .and_then(|m| m.split(' ').next())
        .and_then(|m| m.parse().ok())
        .expect("mean frame time");
    assert!(presented <= 30.0 * seconds * 1.3, "{presented} frames in {seconds} s at 30 fps:\n{text}");
    assert!(mean >= 33.33 * 0.7, "frames {mean} ms apart for a 33.33 ms target:\n{text}");
}
