//! Live playback as a technician and an artist meet it: `quai run --headless` with hot reload
//! (good edit → broken edit → good edit, observed through the log and the snapshot readback, the
//! process alive throughout), SIGTERM printing statistics, and `quai run` in a real window under
//! Xvfb.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

struct Running {
    child: Child,
    lines: Receiver<String>,
    log: Vec<String>,
}

impl Running {
    fn start(mut cmd: Command) -> Self {
        let mut child = cmd.stderr(Stdio::piped()).stdout(Stdio::null()).spawn().expect("spawn quai");
        let stderr = child.stderr.take().expect("stderr");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    return;
                }
            }
        });
        Self { child, lines, log: Vec::new() }
    }

    /// Wait for a log line containing `needle`; panics with the whole log on timeout.
    fn wait_for(&mut self, needle: &str, within: Duration) -> String {
        let deadline = Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.log.push(line.clone());
                    if line.contains(needle) {
                        return line;
                    }
                }
                Err(_) => {
                    let _ = self.child.kill();
                    panic!("no log line containing {needle:?} within {within:?}; log:\n{}", self.log.join("\n"));
                }
            }
        }
    }

    fn alive(&mut self) -> bool {
        self.child.try_wait().expect("try_wait").is_none()
    }

    fn terminate(mut self) -> (Option<i32>, Vec<String>) {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let status = self.child.wait().expect("wait");
        self.log.extend(self.lines.iter());
        (status.code(), self.log)
    }
}

/// Save like an editor does: write a new file and rename it over the old one.
fn save(path: &Path, text: &str) {
    let tmp = path.with_extension("swp");
    std::fs::write(&tmp, text).expect("write");
    std::fs::rename(&tmp, path).expect("rename");
}

/// Wait until the snapshot PNG shows `rgb` at its centre.
fn wait_for_colour(snapshot: &Path, rgb: [u8; 3], within: Duration) {
    let deadline = Instant::now() + within;
    let mut last = None;
    while Instant::now() < deadline {
        if let Ok(img) = image::open(snapshot) {
            let img = img.to_rgba8();
            let px = img.get_pixel(img.width() / 2, img.height() / 2).0;
            if px[..3].iter().zip(rgb).all(|(a, b)| a.abs_diff(b) <= 2) {
                return;
            }
            last = Some(px);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("snapshot {} never showed {rgb:?} (last centre pixel {last:?})", snapshot.display());
}

fn scene(colour: &str, extra: &str) -> String {
    format!(
        "[show]\ncanvas = [32, 24]\nfps = 30\n\n[params.level]\ndefault = 0.5\n\n[[layers]]\nname = \"wash\"\ncolor = \"{colour}\"\n{extra}\n"
    )
}

/// Hot reload: a good edit swaps in, a broken edit is reported and the last good scene keeps
/// running, the next good edit swaps in again; an edited shader reloads too; SIGTERM stops cleanly
/// with frame statistics.
#[test]
fn hot_reload_survives_a_broken_edit() {
    let tmp = tempfile::tempdir().expect("tmp");
    let path = tmp.path().join("scene.toml");
    let snapshot = tmp.path().join("snap.png");
    save(&path, &scene("#ff0000", ""));
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_quai"));
    cmd.args(["run", "--headless", "--duration", "60", "--snapshot"]).arg(&snapshot).arg(&path).env("QUAI_LOG", "info");
    let mut q = Running::start(cmd);
    q.wait_for("first frame", Duration::from_secs(20));
    wait_for_colour(&snapshot, [255, 0, 0], Duration::from_secs(10));

    save(&path, &scene("#0000ff", ""));
    q.wait_for("scene reloaded", Duration::from_secs(10));
    wait_for_colour(&snapshot, [0, 0, 255], Duration::from_secs(10));

    save(&path, &scene("#00ff00", "opacity = 5.0"));
    let failed = q.wait_for("scene reload failed", Duration::from_secs(10));
    assert!(failed.contains("last good scene keeps running"), "{failed}");
    q.wait_for("opacity 5 is out of range", Duration::from_secs(5));
    std::thread::sleep(Duration::from_millis(300));
    assert!(q.alive(), "a broken edit must not stop the show");
    wait_for_colour(&snapshot, [0, 0, 255], Duration::from_secs(1));

    // Back to good, now through a shader file: the new file is watched from then on.
    std::fs::write(
        tmp.path().join("tint.wgsl"),
        "fn shade(uv: vec2<f32>) -> vec4<f32> { return vec4<f32>(0.0, 1.0, 0.0, 1.0); }\n",
    )
    .expect("wgsl");
    save(&path, &scene("#000000", "").replace("color = \"#000000\"", "shader = \"tint.wgsl\""));
    q.wait_for("scene reloaded", Duration::from_secs(10));
    wait_for_colour(&snapshot, [0, 255, 0], Duration::from_secs(10));
    save(
        &tmp.path().join("tint.wgsl"),
        "fn shade(uv: vec2<f32>) -> vec4<f32> { return vec4<f32>(1.0, 1.0, 0.0, 1.0); }\n",
    );
    q.wait_for("scene reloaded", Duration::from_secs(10));
    wait_for_colour(&snapshot, [255, 255, 0], Duration::from_secs(10));

    let (code, log) = q.terminate();
    assert_eq!(code, Some(0), "{}", log.join("\n"));
    assert!(log.iter().any(|l| l.contains("stopped:") && l.contains("p99")), "{}", log.join("\n"));
}

/// `quai run` opens a real window under Xvfb, presents frames through a Vulkan surface and exits
/// cleanly when its time is up, printing frame statistics.
#[test]
fn window_under_xvfb() {
    if Command::new("xvfb-run").arg("--help").output().is_err() {
        panic!("xvfb-run not found: install the `xvfb` package (scripts/setup does)");
    }
    let runtime = tempfile::tempdir().expect("runtime dir");
    let out = Command::new("xvfb-run")
        .args([
            "-a",
            "-s",
            "-screen 0 1280x720x24",
            env!("CARGO_BIN_EXE_quai"),
            "run",
            "tests/golden/scenes/transform.toml",
            "--duration",
            "3",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("QUAI_LOG", "info")
        .env("XDG_RUNTIME_DIR", runtime.path())
        .output()
        .expect("xvfb-run");
    let log = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{log}");
    assert!(log.contains("in a window on"), "{log}");
    let presented: u64 = log
        .split("stopped after ")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no frame statistics in:\n{log}"));
    assert!(presented >= 5, "only {presented} frames presented in 3 s:\n{log}");
}
