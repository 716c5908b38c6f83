//! A real X server with several RandR monitors side by side, for the projection-mapping tests:
//! Xorg with the `dummy` video driver (Xvfb has one CRTC only). Each head is one dummy output
//! (`DUMMY0`, `DUMMY1`, ...) with its own CRTC, so winit lists one monitor per head, named by
//! output, and sees hot-unplugs ([`XDummy::unplug`], `xrandr --output DUMMYn --off`) as RandR
//! notify events.
//!
//! Needs root (Xorg opens the console and PCI/IO ports; there is no `Xorg.wrap` here) and the
//! Debian packages `xserver-xorg-core`, `xserver-xorg-video-dummy`, `x11-xserver-utils` (`xrandr`)
//! and `x11-apps` (`xwd`); [`available`] says what is missing. The server takes no input devices
//! (`AutoAddDevices` off, so it never grabs a real keyboard or mouse), never switches or takes a
//! VT (`-sharevts -novtswitch`), never blanks, and logs into its own temporary directory.
#![allow(dead_code)]

use super::Proc;
use image::{Rgb, RgbImage};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const DRIVER: &str = "/usr/lib/xorg/modules/drivers/dummy_drv.so";
const WAIT: Duration = Duration::from_secs(30);
/// RandR's limit on the screen (framebuffer) size.
const MAX_SCREEN: u32 = 32767;

/// One Xorg (dummy driver) with its heads laid out left to right; stopped on drop.
pub struct XDummy {
    display: String,
    number: u32,
    /// Head `i`: output `DUMMYi`, its mode's name, position and size as started.
    layout: Vec<(String, String, [i32; 2], [u32; 2])>,
    log: PathBuf,
    stderr: PathBuf,
    server: Proc,
    _dir: tempfile::TempDir,
}

/// Whether [`XDummy::start`] can work here: `Err` names each missing program or driver with the
/// Debian package that provides it, and says so when we are not root.
pub fn available() -> Result<(), String> {
    let mut missing = Vec::new();
    for (name, package) in [("Xorg", "xserver-xorg-core"), ("xrandr", "x11-xserver-utils"), ("xwd", "x11-apps")] {
        if which(name).is_none() {
            missing.push(format!("`{name}` not found: install the `{package}` package"));
        }
    }
    if !Path::new(DRIVER).exists() {
        missing.push(format!("the Xorg dummy driver ({DRIVER}) is missing: install `xserver-xorg-video-dummy`"));
    }
    if !is_root() {
        missing.push("not running as root: this Xorg (no Xorg.wrap / xserver-xorg-legacy) only starts as root".into());
    }
    if missing.is_empty() { Ok(()) } else { Err(missing.join("; ")) }
}

impl XDummy {
    /// Starts Xorg on a free display (`-displayfd`) with one RandR monitor per `[width, height]`,
    /// head `i` on output `DUMMYi` at x = the sum of the widths before it, y = 0; returns once
    /// `xrandr --listmonitors` shows them all. Panics, naming the missing package or with the Xorg
    /// log's tail, when it cannot.
    pub fn start(heads: &[[u32; 2]]) -> XDummy {
        if let Err(e) = available() {
            panic!("cannot start Xorg with the dummy driver: {e}");
        }
        assert!(!heads.is_empty() && heads.len() <= 16, "XDummy takes 1 to 16 heads, not {}", heads.len());
        assert!(heads.iter().all(|&[w, h]| w >= 64 && h >= 64), "heads must be at least 64x64: {heads:?}");
        let total_w: u32 = heads.iter().map(|h| h[0]).sum();
        let max_h = heads.iter().map(|h| h[1]).max().unwrap_or(0);
        assert!(total_w <= MAX_SCREEN && max_h <= MAX_SCREEN, "heads {heads:?} exceed RandR's {MAX_SCREEN} pixels");
        let mut layout = Vec::new();
        let mut x = 0i32;
        for (i, &[w, h]) in heads.iter().enumerate() {
            layout.push((format!("DUMMY{i}"), format!("quai{w}x{h}"), [x, 0], [w, h]));
            x += w as i32;
        }

        let dir = tempfile::Builder::new().prefix("quai-xdummy-").tempdir().expect("temp dir");
        let (conf, log, stderr) =
            (dir.path().join("xorg.conf"), dir.path().join("xorg.log"), dir.path().join("xorg.stderr"));
        // The dummy driver refuses a screen larger than VideoRam (KiB, 32 bpp); leave headroom.
        let video_ram = ((total_w as u64 * max_h as u64 * 4).div_ceil(1024) + 16384).max(65536);
        std::fs::write(&conf, config(video_ram)).expect("write xorg.conf");

        let mut child = Command::new("Xorg")
            .args(["-displayfd", "1", "-config"])
            .arg(&conf)
            .arg("-logfile")
            .arg(&log)
            .args(["-noreset", "-nolisten", "tcp", "-novtswitch", "-sharevts", "-s", "0", "-dpms"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&stderr).expect("Xorg stderr file"))
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run Xorg (package xserver-xorg-core): {e}"));
        let out = child.stdout.take().expect("Xorg stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(out).read_line(&mut line);
            let _ = tx.send(line);
        });
        let mut server = Proc(child);
        let line = rx.recv_timeout(WAIT).unwrap_or_default();
        let Ok(number) = line.trim().parse::<u32>() else {
            let status = server.stop();
            panic!(
                "Xorg (dummy driver) did not start ({status}; it printed `{}` for -displayfd)\n{}",
                line.trim(),
                tails(&log, &stderr)
            );
        };
        let x = XDummy { display: format!(":{number}"), number, layout, log, stderr, server, _dir: dir };

        // The server answers once -displayfd is written; wait for RandR all the same.
        x.until("the server to answer xrandr", |x| x.try_xrandr(&["--listmonitors"]).is_ok());
        // Our own 60 Hz modes, so each size exists whatever the driver's built-in list holds.
        let mut made = Vec::new();
        for (output, mode, _, size) in &x.layout {
            if !made.contains(mode) {
                x.xrandr(&modeline(mode, *size).iter().map(String::as_str).collect::<Vec<_>>());
                made.push(mode.clone());
            }
            x.xrandr(&["--addmode", output, mode]);
        }
        let mut args = vec!["--fb".to_string(), format!("{total_w}x{max_h}")];
        for i in 0..x.layout.len() {
            args.extend(x.output_args(i));
        }
        x.xrandr(&args.iter().map(String::as_str).collect::<Vec<_>>());
        let want: Vec<_> = x.layout.iter().map(|(o, _, p, s)| (o.clone(), *p, *s)).collect();
        x.until("xrandr --listmonitors to show every head", |x| x.heads() == want);
        x
    }

    /// `:N`, for `DISPLAY`.
    pub fn display(&self) -> &str {
        &self.display
    }

    /// The monitors as RandR reports them now (`xrandr --listmonitors`): output name, position
    /// and size, left to right.
    pub fn heads(&self) -> Vec<(String, [i32; 2], [u32; 2])> {
        let text = self.xrandr(&["--listmonitors"]);
        let mut heads: Vec<_> = text.lines().skip(1).filter_map(parse_monitor).collect();
        heads.sort_by_key(|(name, pos, _)| (pos[0], pos[1], name.clone()));
        heads
    }

    /// The output of head `i` as started (`DUMMYi`).
    pub fn output(&self, head: usize) -> &str {
        &self.layout[head].0
    }

    /// Head `i`'s position and size as started (what [`heads`](Self::heads) says while all are
    /// plugged).
    pub fn rect(&self, head: usize) -> ([i32; 2], [u32; 2]) {
        (self.layout[head].2, self.layout[head].3)
    }

    /// Turns head `i`'s output off (a projector unplugged); returns once RandR no longer lists it.
    /// `xrandr` keeps the top-left head at 0,0: unplugging head 0 moves the others left by its
    /// width (unplugging any other head moves nothing; the screen shrinks when it was the last).
    pub fn unplug(&self, head: usize) {
        let output = self.layout[head].0.clone();
        self.xrandr(&["--output", &output, "--off"]);
        self.until(&format!("{output} to go"), |x| x.heads().iter().all(|h| h.0 != output));
    }

    /// Turns head `i` back on in its mode, and puts every head that is on back at its position as
    /// started (less the top-left offset `xrandr` normalises away while head 0 stays unplugged);
    /// returns once RandR lists them so.
    pub fn plug(&self, head: usize) {
        let on: Vec<String> = self.heads().into_iter().map(|h| h.0).collect();
        let heads: Vec<usize> =
            (0..self.layout.len()).filter(|&i| i == head || on.contains(&self.layout[i].0)).collect();
        let args: Vec<String> = heads.iter().flat_map(|&i| self.output_args(i)).collect();
        self.xrandr(&args.iter().map(String::as_str).collect::<Vec<_>>());
        let [dx, dy] = [0, 1].map(|k| heads.iter().map(|&i| self.layout[i].2[k]).min().unwrap_or(0));
        let want: Vec<_> =
            heads.iter().map(|&i| &self.layout[i]).map(|(o, _, [x, y], s)| (o.clone(), [x - dx, y - dy], *s)).collect();
        self.until(&format!("{} to come back", self.layout[head].0), |x| x.heads() == want);
    }

    /// The whole root window (every head) as the server has it (`xwd -root`).
    pub fn screenshot(&self) -> RgbImage {
        let out = tool("xwd", "x11-apps").args(["-root", "-silent", "-display", &self.display]).output().expect("xwd");
        assert!(out.status.success(), "xwd on {}: {}", self.display, String::from_utf8_lossy(&out.stderr));
        parse_xwd(&out.stdout)
    }

    /// Head `i`'s part of a [`screenshot`](Self::screenshot) taken just before, at the head's
    /// position and size as RandR reports them now; panics when it is unplugged.
    pub fn head_image(&self, shot: &RgbImage, head: usize) -> RgbImage {
        let output = &self.layout[head].0;
        let heads = self.heads();
        let Some((_, [x, y], [w, h])) = heads.iter().find(|h| &h.0 == output) else {
            panic!("head {head} ({output}) is unplugged: RandR lists {heads:?}");
        };
        let (x, y, w, h) = (*x as u32, *y as u32, *w, *h);
        assert!(
            x + w <= shot.width() && y + h <= shot.height(),
            "head {head} ({output}, {w}x{h}+{x}+{y}) lies outside the {}x{} screenshot (taken before a plug?)",
            shot.width(),
            shot.height()
        );
        image::imageops::crop_imm(shot, x, y, w, h).to_image()
    }

    /// Runs `xrandr` on this display; panics with its stderr on failure; returns its stdout.
    pub fn xrandr(&self, args: &[&str]) -> String {
        self.try_xrandr(args)
            .unwrap_or_else(|e| panic!("xrandr {} on {}: {e}\n{}", args.join(" "), self.display, self.tails()))
    }

    /// The tails of Xorg's log and stderr, for failure messages.
    pub fn tails(&self) -> String {
        tails(&self.log, &self.stderr)
    }

    fn try_xrandr(&self, args: &[&str]) -> Result<String, String> {
        let out = tool("xrandr", "x11-xserver-utils").args(["-display", &self.display]).args(args).output();
        let out = out.map_err(|e| e.to_string())?;
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).into_owned())
        } else {
            Err(format!("{}: {}", out.status, String::from_utf8_lossy(&out.stderr).trim()))
        }
    }

    fn output_args(&self, head: usize) -> Vec<String> {
        let (output, mode, [x, y], _) = &self.layout[head];
        ["--output", output, "--mode", mode, "--pos", &format!("{x}x{y}")].map(String::from).to_vec()
    }

    fn until(&self, what: &str, ok: impl Fn(&Self) -> bool) {
        let start = Instant::now();
        while !ok(self) {
            assert!(start.elapsed() < WAIT, "timed out waiting for {what} on {}\n{}", self.display, self.tails());
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for XDummy {
    fn drop(&mut self) {
        let pid = self.server.0.id();
        self.server.stop();
        // Xorg removes both on SIGTERM; after a SIGKILL they stay. Only touch them while the lock
        // still names our server: the number may already belong to another test's server.
        let lock = PathBuf::from(format!("/tmp/.X{}-lock", self.number));
        let ours = std::fs::read_to_string(&lock).is_ok_and(|s| s.trim().parse() == Ok(pid));
        if ours {
            let _ = std::fs::remove_file(format!("/tmp/.X11-unix/X{}", self.number));
            let _ = std::fs::remove_file(&lock);
        }
    }
}

fn config(video_ram_kib: u64) -> String {
    format!(
        r#"Section "ServerFlags"
  Option "AutoAddDevices" "false"
  Option "AutoEnableDevices" "false"
  Option "DontVTSwitch" "true"
  Option "DontZap" "true"
  Option "BlankTime" "0"
  Option "StandbyTime" "0"
  Option "SuspendTime" "0"
  Option "OffTime" "0"
EndSection
Section "Device"
  Identifier "dummy"
  Driver "dummy"
  VideoRam {video_ram_kib}
EndSection
Section "Monitor"
  Identifier "m0"
  HorizSync 5.0 - 1000.0
  VertRefresh 5.0 - 200.0
EndSection
Section "Screen"
  Identifier "s0"
  Device "dummy"
  Monitor "m0"
  DefaultDepth 24
  SubSection "Display"
    Depth 24
    Virtual 1280 720
  EndSubSection
EndSection
"#
    )
}

/// `xrandr --newmode` arguments for a 60 Hz mode of this size (blanking as small as the dummy
/// driver, which only checks the Monitor section's ranges, allows).
fn modeline(name: &str, [w, h]: [u32; 2]) -> Vec<String> {
    let (ht, vt) = (w + 160, h + 30);
    let mhz = ht as f64 * vt as f64 * 60.0 / 1e6;
    let mut args = vec!["--newmode".to_string(), name.to_string(), format!("{mhz:.3}")];
    args.extend([w, w + 48, w + 80, ht, h, h + 3, h + 8, vt].map(|n| n.to_string()));
    args.extend(["-hsync".to_string(), "+vsync".to_string()]);
    args
}

/// ` 1: +DUMMY1 640/169x360/95+640+0  DUMMY1` → ("DUMMY1", [640, 0], [640, 360]).
fn parse_monitor(line: &str) -> Option<(String, [i32; 2], [u32; 2])> {
    let mut words = line.split_whitespace();
    let geometry = words.nth(2)?;
    let name = words.last()?.to_string();
    let (w, rest) = geometry.split_once('/')?;
    let (_, rest) = rest.split_once('x')?;
    let (h, rest) = rest.split_once('/')?;
    let pos = rest.find(['+', '-'])?;
    let rest = &rest[pos..];
    let split = rest[1..].find(['+', '-'])? + 1;
    let (x, y) = (rest[..split].trim_start_matches('+'), rest[split..].trim_start_matches('+'));
    Some((name, [x.parse().ok()?, y.parse().ok()?], [w.parse().ok()?, h.parse().ok()?]))
}

/// An `xwd` dump (X11 XWD file format 7) of a TrueColor ZPixmap, 32, 24 or 16 bits per pixel,
/// either byte order.
pub fn parse_xwd(d: &[u8]) -> RgbImage {
    assert!(d.len() >= 100, "xwd gave {} bytes", d.len());
    let u32_at = |i: usize| u32::from_be_bytes([d[i * 4], d[i * 4 + 1], d[i * 4 + 2], d[i * 4 + 3]]);
    let (header, format, width, height, byte_order, bpp, stride, ncolors) =
        (u32_at(0), u32_at(2), u32_at(4), u32_at(5), u32_at(7), u32_at(11), u32_at(12), u32_at(19));
    assert!(
        format == 2 && matches!(bpp, 16 | 24 | 32),
        "expected a 16/24/32-bit ZPixmap from xwd, got format {format}, {bpp} bpp"
    );
    let (rmask, gmask, bmask) = (u32_at(14), u32_at(15), u32_at(16));
    let data = &d[header as usize + ncolors as usize * 12..];
    let bytes = (bpp / 8) as usize;
    assert!(data.len() >= (stride * height) as usize, "xwd data cut short");
    let channel = |px: u32, mask: u32| {
        let v = (px & mask) >> mask.trailing_zeros();
        let max = mask >> mask.trailing_zeros();
        if max == 255 { v as u8 } else { (v * 255 / max.max(1)) as u8 }
    };
    RgbImage::from_fn(width, height, |x, y| {
        let i = (y * stride) as usize + x as usize * bytes;
        let b = &data[i..i + bytes];
        let px = b.iter().enumerate().fold(0u32, |acc, (k, &byte)| {
            let shift = (if byte_order == 0 { k } else { bytes - 1 - k }) * 8;
            acc | ((byte as u32) << shift)
        });
        Rgb([channel(px, rmask), channel(px, gmask), channel(px, bmask)])
    })
}

fn tails(log: &Path, stderr: &Path) -> String {
    let tail = |p: &Path| {
        let text = std::fs::read_to_string(p).unwrap_or_default();
        let lines: Vec<_> = text.lines().collect();
        lines[lines.len().saturating_sub(25)..].join("\n")
    };
    format!("--- {} (tail) ---\n{}\n--- Xorg stderr (tail) ---\n{}", log.display(), tail(log), tail(stderr))
}

fn which(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|d| d.join(name)).find(|p| p.is_file())
}

fn tool(name: &str, package: &str) -> Command {
    if which(name).is_none() {
        panic!("`{name}` not found: install the `{package}` package");
    }
    Command::new(name)
}

fn is_root() -> bool {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let uid = status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .and_then(|l| l.split_whitespace().nth(1).map(str::to_string));
    uid.as_deref() == Some("0")
}
