//! Serial end to end through the real binary: `quai run --headless` reads a "board" that is one end
//! of a socat PTY pair (through socat's symlink, as through `/dev/serial/by-id/...`). The cable is
//! pulled mid-show (socat killed: the device node vanishes) and plugged back (a new pair behind the
//! same link): quai says so, keeps rendering, reconnects, and the lines after the replug drive the
//! scene again, up to a trigger firing.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod common;
use common::Proc;

const WAIT: Duration = Duration::from_secs(15);

/// A PTY pair: what the test writes to `a` the "board" sends out of `b`.
struct Board {
    socat: Proc,
    a: PathBuf,
    b: PathBuf,
}

impl Board {
    fn plug(dir: &Path) -> Board {
        let (a, b) = (dir.join("a"), dir.join("b"));
        let end = |p: &Path| format!("pty,raw,echo=0,link={}", p.display());
        let socat = Command::new("socat")
            .args([end(&a), end(&b)])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run `socat` ({e}): install socat (scripts/setup does)"));
        let start = Instant::now();
        while !(a.canonicalize().is_ok() && b.canonicalize().is_ok()) {
            assert!(start.elapsed() < WAIT, "socat never made its PTY links");
            std::thread::sleep(Duration::from_millis(10));
        }
        Board { socat: Proc(socat), a, b }
    }

    fn send(&self, text: &str) {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new().write(true).open(&self.a).expect("PTY end a");
        f.write_all(text.as_bytes()).expect("write");
    }

    /// Pulls the cable: the PTYs vanish, and so do the links (as udev removes by-id links).
    fn unplug(mut self) {
        self.socat.stop();
        let _ = std::fs::remove_file(&self.a);
        let _ = std::fs::remove_file(&self.b);
    }
}

fn log_text(log: &Path) -> String {
    std::fs::read_to_string(log).unwrap_or_default()
}

fn wait_log(log: &Path, needle: &str, times: usize) {
    common::wait_log(log, needle, times, WAIT);
}

#[test]
fn a_board_unplugged_and_replugged_mid_show_drives_the_scene_again() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path();
    let board = Board::plug(dir);
    std::fs::write(
        dir.join("red.wgsl"),
        "fn shade(uv: vec2<f32>) -> vec4<f32> { return vec4<f32>(params.level, 0.0, 0.0, 1.0); }\n",
    )
    .expect("wgsl");
    let scene = dir.join("scene.toml");
    std::fs::write(
        &scene,
        format!(
            "[show]\ncanvas = [16, 16]\nfps = 20\n\n[params.level]\ndefault = 0.0\n\n\
             [[inputs]]\nname = \"lab\"\nserial = \"{}\"\n\n\
             [[mappings]]\nfrom = \"lab:dist\"\nto = \"level\"\nin = [0, 100]\n\n\
             [[triggers]]\nname = \"near\"\nfrom = \"lab:dist\"\nabove = 50\nbelow = 20\n\n\
             [[layers]]\nname = \"red\"\nshader = \"red.wgsl\"\nbind = {{ level = \"level\" }}\n",
            board.b.display()
        ),
    )
    .expect("toml");
    let log = dir.join("quai.log");
    let mut quai = Proc(
        Command::new(env!("CARGO_BIN_EXE_quai"))
            .args(["run", "--headless", "--duration", "60", "--record"])
            .arg(dir.join("session.jsonl"))
            .arg("--snapshot")
            .arg(dir.join("last.png"))
            .arg(&scene)
            .env("QUAI_LOG", "info")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).expect("log"))
            .spawn()
            .expect("quai"),
    );
    wait_log(&log, "serial input `lab`: connected", 1);
    // The board is quiet when quai opens the port, so its first line is whole and kept.
    std::thread::sleep(Duration::from_millis(400));
    board.send("dist 100\n");
    wait_log(&log, "trigger `near` fired", 1);

    board.unplug();
    wait_log(&log, "serial input `lab`: ", 2);
    let unplugged = log_text(&log);
    assert!(unplugged.contains("will retry"), "the unplug is reported with what quai does next:\n{unplugged}");

    let board = Board::plug(dir);
    wait_log(&log, "serial input `lab`: connected", 2);
    std::thread::sleep(Duration::from_millis(400));
    board.send("dist 0\n"); // re-arms the trigger
    board.send("dist=100\n");
    wait_log(&log, "trigger `near` fired", 2);

    assert_eq!(
        quai.stop(),
        "exit status: 0",
        "quai stays up through the unplug and stops cleanly:\n{}",
        log_text(&log)
    );
    let png = image::open(dir.join("last.png")).expect("snapshot").to_rgba8();
    assert_eq!(png.get_pixel(8, 8).0[0], 255, "the last frame shows dist 100 → level 1");
    let rec = std::fs::read_to_string(dir.join("session.jsonl")).expect("recording");
    let lines: Vec<String> = rec
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["src"] == "serial" && v["port"] == "lab")
        .filter_map(|v| v["line"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(lines, ["dist 100", "dist 0", "dist=100"], "{rec}");
}
