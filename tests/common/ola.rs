//! Real Art-Net and sACN (E1.31) receivers for the LED facade tests, written by nobody on this
//! project: a private OLA daemon (`olad`, Debian package `ola`, 0.10.9) read back over its HTTP
//! API, and a packet capture (`tests/tools/led_capture.py`, PyPI `sacn` decoding) that sees every
//! packet with its sequence number, priority, sync address and terminated flag.
//!
//! Mapping (checked against olad 0.10.9's own port descriptions when patching):
//! - **Art-Net**: olad has one Art-Net device with 4 input ports. An input port listens to the
//!   15-bit port-address `(net << 8) | (subnet << 4) | (ola_universe % 16)`, where net and subnet
//!   are device-wide (ola-artnet.conf; [`Olad::start`] uses 0/0, [`Olad::start_with_artnet`]
//!   others). [`Olad::patch_input`]`(Proto::ArtNet, pa)` patches the next free input port to OLA
//!   universe [`ARTNET_OLA_BASE`]` + pa` (≡ pa mod 16, and far from every sACN universe): olad
//!   describes that port as `ArtNet Universe net:subnet:uni`.
//! - **E1.31**: the OLA universe *is* the sACN universe (`E1.31 Universe N`, 1..=63999); 16 input
//!   ports, one per patched universe. E1.31 0.10.9 ignores `ip` and listens on 0.0.0.0:5568, so
//!   unicast to 127.0.0.1 arrives; it does not implement E1.31 sync (data is applied at once) and a
//!   stream-terminated packet leaves the last values in `get_dmx`.
//!
//! Only one such olad can run at a time on a machine (6454 and 5568 are fixed by the protocols):
//! [`Olad::start`] holds an exclusive lock (`$TMPDIR/quai-olad-tests.lock`) for the olad's life and
//! fails, naming the command that stops it, when something else (the `ola` package's own olad
//! service) holds those ports. The ola_* command-line tools only talk to RPC port 9010, so this
//! module drives olad through HTTP (`/json/get_ports`, `/new_universe`, `/get_dmx`) only.
#![allow(dead_code)]

use super::Proc;
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// OLA universe of Art-Net port-address 0 (see the module docs): a multiple of 16 above every
/// sACN universe, so Art-Net and sACN never share an OLA universe.
pub const ARTNET_OLA_BASE: u32 = 0x10_0000;
/// How long [`Olad::start`] waits for the lock held by another test's olad.
pub const LOCK_WAIT: Duration = Duration::from_secs(180);
const START_WAIT: Duration = Duration::from_secs(20);
const HTTP_TIMEOUT: Duration = Duration::from_secs(5);
const E131_INPUT_PORTS: u32 = 16;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Proto {
    /// Art-Net (UDP 6454); universes are 15-bit port-addresses.
    ArtNet,
    /// sACN / E1.31 (UDP 5568); universes 1..=63999.
    E131,
}

/// A private olad for one test, stopped on drop (then its config dir is removed, then the lock
/// is released: the field order matters).
pub struct Olad {
    proc: Proc,
    http_port: u16,
    rpc_port: u16,
    artnet_net: u8,
    artnet_subnet: u8,
    log: PathBuf,
    dir: tempfile::TempDir,
    _lock: File,
}

impl Olad {
    /// Starts olad with Art-Net (net 0, subnet 0: port-addresses 0..=15) and E1.31 enabled, every
    /// other plugin disabled, on free HTTP and RPC ports; returns once both plugins' devices are
    /// up and HTTP answers. Panics (naming the package or the command to run) when it cannot.
    pub fn start() -> Olad {
        Olad::start_with_artnet(0, 0)
    }

    /// Like [`Olad::start`], with the Art-Net net (0..=127) and subnet (0..=15) its input ports use:
    /// port-addresses `net << 8 | subnet << 4 | 0..=15`.
    pub fn start_with_artnet(net: u8, subnet: u8) -> Olad {
        assert!(net < 128 && subnet < 16, "Art-Net net {net} / subnet {subnet} out of range");
        let olad_bin = which("olad").unwrap_or_else(|| {
            panic!("olad not found: install the Debian package `ola` (scripts/setup does: apt-get install ola)")
        });
        let lock = lock_receivers();
        check_ports_free();

        let dir = tempfile::Builder::new().prefix("quai-olad-").tempdir().expect("temp dir for olad");
        write_configs(dir.path(), net, subnet);
        let root = run_out("id", &["-u"]).trim() == "0";
        if root {
            // olad refuses to run as root: it runs as the `olad` user the package creates
            let uid = run_out("id", &["-u", "olad"]);
            let gid = run_out("id", &["-g", "olad"]);
            assert!(!uid.trim().is_empty(), "no `olad` user: install the Debian package `ola`");
            for entry in std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().path()).chain([dir.path().into()]) {
                std::os::unix::fs::chown(&entry, Some(uid.trim().parse().unwrap()), Some(gid.trim().parse().unwrap()))
                    .unwrap_or_else(|e| panic!("chown {} to olad: {e}", entry.display()));
            }
        }
        let log = dir.path().join("olad.log");
        let (http_port, rpc_port) = (free_tcp_port(), free_tcp_port());
        let olad_args = [
            "--config-dir".to_string(),
            dir.path().display().to_string(),
            "--http-port".into(),
            http_port.to_string(),
            "--rpc-port".into(),
            rpc_port.to_string(),
            "--log-level".into(),
            "3".into(),
            "--no-register-with-dns-sd".into(), // no avahi here: it would retry and log forever
            "--no-http-quit".into(),
        ];
        let mut cmd = if root {
            let uid = run_out("id", &["-u", "olad"]);
            let gid = run_out("id", &["-g", "olad"]);
            let mut c = Command::new("setpriv");
            c.arg(format!("--reuid={}", uid.trim()))
                .arg(format!("--regid={}", gid.trim()))
                .arg("--init-groups")
                .arg("--")
                .arg(&olad_bin); // setpriv execs olad: the pid Proc signals is olad's
            c
        } else {
            Command::new(&olad_bin)
        };
        let logf = File::create(&log).expect("olad log file");
        cmd.args(&olad_args)
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .stdout(logf.try_clone().unwrap())
            .stderr(logf);
        let child =
            cmd.spawn().unwrap_or_else(|e| panic!("cannot start {} (setpriv: util-linux): {e}", olad_bin.display()));
        let mut olad = Olad {
            proc: Proc(child),
            http_port,
            rpc_port,
            artnet_net: net,
            artnet_subnet: subnet,
            log,
            dir,
            _lock: lock,
        };
        olad.wait_ready();
        olad
    }

    fn wait_ready(&mut self) {
        let start = Instant::now();
        loop {
            if let Ok(Some(status)) = self.proc.0.try_wait() {
                panic!("olad exited during start-up ({status}); its log:\n{}", self.log());
            }
            let log = self.log();
            if log.contains("Started ArtNet")
                && log.contains("Started E1.31")
                && let Ok(ports) = self.try_get_json("/json/get_ports")
            {
                let devices: Vec<&str> =
                    ports.as_array().into_iter().flatten().filter_map(|p| p["device"].as_str()).collect();
                if devices.iter().any(|d| d.starts_with("ArtNet")) && devices.iter().any(|d| d.starts_with("E1.31")) {
                    return;
                }
            }
            assert!(
                start.elapsed() < START_WAIT,
                "olad did not load its Art-Net and E1.31 plugins within {START_WAIT:?} (HTTP port {}); log:\n{}",
                self.http_port,
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn http_port(&self) -> u16 {
        self.http_port
    }
    pub fn rpc_port(&self) -> u16 {
        self.rpc_port
    }
    pub fn config_dir(&self) -> &Path {
        self.dir.path()
    }
    /// olad's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The OLA universe that receives `universe` of `proto` once patched (see the module docs).
    pub fn ola_universe(&self, proto: Proto, universe: u16) -> u32 {
        match proto {
            Proto::ArtNet => {
                let base = (u16::from(self.artnet_net) << 8) | (u16::from(self.artnet_subnet) << 4);
                assert!(
                    universe & !0xF == base,
                    "Art-Net port-address {universe} (net {}, subnet {}) is not reachable: this olad's input ports \
                     use net {} subnet {} (port-addresses {base}..={}); use Olad::start_with_artnet({}, {})",
                    universe >> 8,
                    (universe >> 4) & 0xF,
                    self.artnet_net,
                    self.artnet_subnet,
                    base + 15,
                    universe >> 8,
                    (universe >> 4) & 0xF
                );
                ARTNET_OLA_BASE + u32::from(universe)
            }
            Proto::E131 => {
                assert!((1..=63999).contains(&universe), "sACN universe {universe} is outside 1..=63999");
                u32::from(universe)
            }
        }
    }

    /// Patches the next free input port of `proto` to receive `universe` (an Art-Net port-address,
    /// or an sACN universe) and returns the OLA universe to read it from ([`Olad::dmx`]). Art-Net
    /// has 4 input ports, E1.31 16 here.
    pub fn patch_input(&self, proto: Proto, universe: u16) -> u32 {
        let ola_u = self.ola_universe(proto, universe);
        let (prefix, expect) = match proto {
            Proto::ArtNet => {
                ("ArtNet", format!("ArtNet Universe {}:{}:{}", self.artnet_net, self.artnet_subnet, universe & 0xF))
            }
            Proto::E131 => ("E1.31", format!("E1.31 Universe {universe}")),
        };
        let ports = self.get_json("/json/get_ports");
        let port = ports
            .as_array()
            .into_iter()
            .flatten()
            .find(|p| p["is_output"] == false && p["device"].as_str().is_some_and(|d| d.starts_with(prefix)))
            .unwrap_or_else(|| {
                panic!("olad has no free {prefix} input port left (Art-Net has 4, E1.31 {E131_INPUT_PORTS}): {ports}")
            })["id"]
            .as_str()
            .expect("port id")
            .to_string();
        let body = format!("id={ola_u}&name=quai-test-{ola_u}&add_ports={port}");
        let (status, reply) =
            http(self.http_port, "POST", "/new_universe", Some(&body)).unwrap_or_else(|e| panic!("olad HTTP: {e}"));
        let reply: serde_json::Value = serde_json::from_str(&reply).unwrap_or(serde_json::Value::String(reply));
        assert!(
            status == 200 && reply["ok"] == true,
            "olad could not patch {port} to OLA universe {ola_u} ({proto:?} {universe}; already patched?): {status} {reply}"
        );
        let info = self.get_json(&format!("/json/universe_info?id={ola_u}"));
        let desc = info["input_ports"][0]["description"].as_str().unwrap_or_default().to_string();
        assert_eq!(desc, expect, "olad patched {port} to something else than {proto:?} {universe}: {info}");
        ola_u
    }

    /// The channel values olad holds for OLA universe `ola_universe` (empty before any data).
    pub fn dmx(&self, ola_universe: u32) -> Vec<u8> {
        let v = self.get_json(&format!("/get_dmx?u={ola_universe}"));
        if let Some(e) = v["error"].as_str().filter(|e| !e.is_empty()) {
            panic!("olad get_dmx?u={ola_universe}: {e} (patch it first with patch_input)");
        }
        v["dmx"]
            .as_array()
            .unwrap_or_else(|| panic!("olad get_dmx?u={ola_universe}: no `dmx` in {v}"))
            .iter()
            .map(|x| x.as_u64().and_then(|x| u8::try_from(x).ok()).expect("channel value"))
            .collect()
    }

    /// Polls [`Olad::dmx`] (every 20 ms) until `pred` holds; fails after `within` with the last
    /// values seen.
    pub fn wait_dmx(&self, ola_universe: u32, pred: impl Fn(&[u8]) -> bool, within: Duration) -> Vec<u8> {
        let start = Instant::now();
        loop {
            let v = self.dmx(ola_universe);
            if pred(&v) {
                return v;
            }
            if start.elapsed() > within {
                let shown = v.len() - v.iter().rev().take_while(|&&x| x == 0).count();
                panic!(
                    "OLA universe {ola_universe} never matched within {within:?}; last values ({} channels, \
                     trailing zeros cut): {:?}\nolad log tail:\n{}",
                    v.len(),
                    &v[..shown.max(8.min(v.len()))],
                    tail(&self.log(), 20)
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// GET `path` on olad's HTTP server, as JSON; panics on failure.
    pub fn get_json(&self, path: &str) -> serde_json::Value {
        self.try_get_json(path)
            .unwrap_or_else(|e| panic!("olad HTTP GET {path}: {e}\nlog tail:\n{}", tail(&self.log(), 20)))
    }

    fn try_get_json(&self, path: &str) -> Result<serde_json::Value, String> {
        let (status, body) = http(self.http_port, "GET", path, None)?;
        if status != 200 {
            return Err(format!("HTTP {status}: {body}"));
        }
        serde_json::from_str(&body).map_err(|e| format!("not JSON ({e}): {body}"))
    }

    /// Stops olad now and says how it ended (also done on drop).
    pub fn stop(&mut self) -> String {
        self.proc.stop()
    }
}

/// One HTTP/1.0 request to 127.0.0.1:`port`; returns (status, body). Bounded by [`HTTP_TIMEOUT`].
fn http(port: u16, method: &str, path: &str, form: Option<&str>) -> Result<(u16, String), String> {
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let mut s = TcpStream::connect_timeout(&addr, HTTP_TIMEOUT).map_err(|e| format!("connect {addr}: {e}"))?;
    s.set_read_timeout(Some(HTTP_TIMEOUT)).unwrap();
    s.set_write_timeout(Some(HTTP_TIMEOUT)).unwrap();
    let mut req = format!("{method} {path} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n");
    if let Some(body) = form {
        req +=
            &format!("Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}", body.len());
    } else {
        req += "\r\n";
    }
    s.write_all(req.as_bytes()).map_err(|e| format!("send: {e}"))?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).map_err(|e| format!("read: {e}"))?;
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").ok_or_else(|| format!("no HTTP header end in {text:?}"))?;
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("bad status line: {head}"))?;
    Ok((status, body.to_string()))
}

fn write_configs(dir: &Path, net: u8, subnet: u8) {
    // every plugin olad 0.10.9 has, off, so it never probes USB, serial, SPI, GPIO or /dev/dmx0
    for p in [
        "dummy",
        "espnet",
        "ftdidmx",
        "gpio",
        "karate",
        "kinet",
        "milinst",
        "opendmx",
        "openpixelcontrol",
        "osc",
        "pathport",
        "renard",
        "sandnet",
        "shownet",
        "spi",
        "stageprofi",
        "uartdmx",
        "usbdmx",
        "usbserial",
    ] {
        std::fs::write(dir.join(format!("ola-{p}.conf")), "enabled = false\n").unwrap();
    }
    // Art-Net honours ip (bind/announce address) and use_loopback (accept 127.0.0.1)
    std::fs::write(
        dir.join("ola-artnet.conf"),
        format!(
            "enabled = true\nip = 127.0.0.1\nuse_loopback = true\nnet = {net}\nsubnet = {subnet}\noutput_ports = 0\n\
             always_broadcast = false\nuse_limited_broadcast = false\nshort_name = quai-test\nlong_name = quai test receiver\n"
        ),
    )
    .unwrap();
    // E1.31 ignores ip in 0.10.9 (first non-loopback interface) but listens on 0.0.0.0:5568
    std::fs::write(
        dir.join("ola-e131.conf"),
        format!(
            "enabled = true\ninput_ports = {E131_INPUT_PORTS}\noutput_ports = 0\nignore_preview = true\nrevision = 0.46\n\
             prepend_hostname = false\ndraft_discovery = false\ndscp = 0\nip = 127.0.0.1\n"
        ),
    )
    .unwrap();
}

/// The lock that serialises everything that receives on UDP 6454/5568 across test processes: an
/// [`Olad`], a [`Capture::start_bind`] (taken by both; bounded by [`LOCK_WAIT`]). Released when
/// the file is dropped.
pub fn lock_receivers() -> File {
    let path = std::env::temp_dir().join("quai-olad-tests.lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .or_else(|_| File::open(&path)) // made by another user: a read-only handle still locks
        .unwrap_or_else(|e| panic!("cannot open the olad test lock {}: {e}", path.display()));
    let start = Instant::now();
    loop {
        match file.try_lock() {
            Ok(()) => return file,
            Err(std::fs::TryLockError::WouldBlock) => {
                assert!(
                    start.elapsed() < LOCK_WAIT,
                    "another test held the olad lock {} for over {LOCK_WAIT:?}",
                    path.display()
                );
                std::thread::sleep(Duration::from_millis(50));
            }
            Err(std::fs::TryLockError::Error(e)) => panic!("cannot lock {}: {e}", path.display()),
        }
    }
}

/// Fails, naming who and the command to stop it, when UDP 6454 or 5568 is taken (we hold the
/// test lock, so it is not one of ours).
fn check_ports_free() {
    for (port, proto) in [(6454, "Art-Net"), (5568, "E1.31")] {
        if let Err(e) = UdpSocket::bind(("0.0.0.0", port)) {
            let holders = run_out("ss", &["-Hulpn", &format!("sport = :{port}")]);
            let olads = run_out("pgrep", &["-a", "olad"]);
            let hint = if olads.trim().is_empty() {
                "stop whatever holds it (a receiver or led_capture.py --mode bind?)".to_string()
            } else {
                format!(
                    "a system olad is running ({}): stop it with `sudo systemctl stop olad` \
                     (or `sudo /etc/init.d/olad stop`, or `sudo kill {}`), and keep it off with `sudo systemctl disable olad`",
                    olads.trim().replace('\n', "; "),
                    olads.split_whitespace().next().unwrap_or("PID")
                )
            };
            panic!(
                "UDP {port} ({proto}) is already in use ({e}), so a test olad cannot receive: {hint}\nholders: {}",
                holders.trim()
            );
        }
    }
}

fn free_tcp_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn which(bin: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .chain(["/usr/bin".into(), "/usr/sbin".into()])
        .map(|d| d.join(bin))
        .find(|p| p.is_file())
}

fn run_out(cmd: &str, args: &[&str]) -> String {
    Command::new(cmd)
        .args(args)
        .stderr(Stdio::null())
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default()
}

fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// tests/tools/`name` (led_capture.py, led_send.py), wherever this file is compiled from.
pub fn tool(name: &str) -> PathBuf {
    let here = Path::new(file!());
    let here = if here.is_absolute() { here.to_path_buf() } else { Path::new(env!("CARGO_MANIFEST_DIR")).join(here) };
    here.parent().unwrap().parent().unwrap().join("tools").join(name)
}

/// `tests/tools/led_capture.py` running (stopped on drop), its JSON lines collected by a thread.
/// Needs python3 with PyPI `sacn` and `stupidArtnet` (scripts/setup).
pub struct Capture {
    proc: Proc,
    lines: Arc<Mutex<Vec<serde_json::Value>>>,
    stderr: PathBuf,
    _dir: tempfile::TempDir,
    _lock: Option<File>,
}

impl Capture {
    /// Sniffs (AF_PACKET, `--mode sniff`: needs root or CAP_NET_RAW) so it runs next to an
    /// [`Olad`]; extra `args` e.g. `["--proto", "sacn"]`. Waits (10 s at most) until it listens.
    pub fn start(args: &[&str]) -> Capture {
        assert!(
            run_out("id", &["-u"]).trim() == "0",
            "Capture::start sniffs packets, which needs root (or CAP_NET_RAW); without olad use Capture::start_bind"
        );
        Capture::spawn(&[&["--mode", "sniff"], args].concat(), None)
    }

    /// Binds UDP 6454/5568 itself (`--mode bind`, any user). Linux hands a unicast datagram to
    /// only one of the sockets sharing a port, so this takes [`lock_receivers`]: never start an
    /// [`Olad`] in the same test while it runs (that would wait for the lock, then fail).
    pub fn start_bind(args: &[&str]) -> Capture {
        let lock = lock_receivers();
        Capture::spawn(&[&["--mode", "bind"], args].concat(), Some(lock))
    }

    fn spawn(args: &[&str], lock: Option<File>) -> Capture {
        let dir = tempfile::tempdir().unwrap();
        let stderr = dir.path().join("capture.stderr");
        let mut child = Command::new("python3")
            .arg("-u")
            .arg(tool("led_capture.py"))
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(File::create(&stderr).unwrap())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot run python3 (Debian package python3; then scripts/setup for sacn, stupidArtnet): {e}")
            });
        let out = child.stdout.take().unwrap();
        let lines = Arc::new(Mutex::new(Vec::new()));
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let sink = lines.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                match serde_json::from_str::<serde_json::Value>(&line) {
                    Ok(v) if v["ready"] == true => {
                        let _ = ready_tx.send(());
                    }
                    Ok(v) => sink.lock().unwrap().push(v),
                    Err(_) => sink.lock().unwrap().push(serde_json::json!({ "unparsed": line })),
                }
            }
        });
        let cap = Capture { proc: Proc(child), lines, stderr, _dir: dir, _lock: lock };
        if ready_rx.recv_timeout(Duration::from_secs(10)).is_err() {
            panic!(
                "led_capture.py never said it was ready; stderr:\n{}",
                std::fs::read_to_string(&cap.stderr).unwrap_or_default()
            );
        }
        cap
    }

    /// Every packet line seen so far.
    pub fn packets(&self) -> Vec<serde_json::Value> {
        self.lines.lock().unwrap().clone()
    }

    /// Waits until `n` packet lines match `pred`; returns them. Fails after `within` with all lines.
    pub fn wait_for(
        &self,
        n: usize,
        pred: impl Fn(&serde_json::Value) -> bool,
        within: Duration,
    ) -> Vec<serde_json::Value> {
        let start = Instant::now();
        loop {
            let got: Vec<_> = self.packets().into_iter().filter(|v| pred(v)).collect();
            if got.len() >= n {
                return got;
            }
            if start.elapsed() > within {
                let all = self.packets();
                let shown: Vec<String> = all.iter().rev().take(20).rev().map(|v| v.to_string()).collect();
                panic!(
                    "capture saw {} matching packet(s) of {n} within {within:?}; {} packets in all, the last ones:\n{}\nstderr:\n{}",
                    got.len(),
                    all.len(),
                    shown.join("\n"),
                    std::fs::read_to_string(&self.stderr).unwrap_or_default()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Stops the capture; returns every packet line.
    pub fn stop(mut self) -> Vec<serde_json::Value> {
        self.proc.stop();
        std::thread::sleep(Duration::from_millis(50)); // let the reader thread drain the pipe
        self.packets()
    }
}

/// Runs `tests/tools/led_send.py ARGS` (python `stupidArtnet` / `sacn` senders, from an ephemeral
/// port) to the end, 30 s at most; panics with its output when it fails.
pub fn led_send(args: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("led_send.log");
    let f = File::create(&log).unwrap();
    let child = Command::new("python3")
        .arg(tool("led_send.py"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(f.try_clone().unwrap())
        .stderr(f)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run python3: {e}"));
    let mut p = Proc(child);
    let start = Instant::now();
    let status = loop {
        if let Ok(Some(s)) = p.0.try_wait() {
            break s;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "led_send.py {args:?} ran over 30 s: {}",
            std::fs::read_to_string(&log).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "led_send.py {args:?}: {status}\n{}", std::fs::read_to_string(&log).unwrap_or_default());
}
