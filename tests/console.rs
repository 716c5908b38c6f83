//! The web console and OSCQuery through the binary (`quai run --headless --console 0 --oscquery 0`):
//! the JSON API views without a token and refuses control without it (with reasons), GO with the
//! token fires the cue, bad requests change nothing, `quai status` prints the same summary; the
//! OSCQuery tree has the proposal's structure, LISTEN streams a change sent by liblo's `oscsend`
//! (a client nobody here wrote) as binary OSC, and a hot reload that adds a parameter sends
//! PATH_ADDED; 1000 bad requests leave the show playing and the server answering.

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{Proc, wait_log};
use serde_json::{Value, json};

const TOKEN: &str = "correct-horse-battery";

fn scene(osc_port: u16, extra: &str) -> String {
    format!(
        r##"
[show]
name = "console test"
canvas = [32, 16]
fps = 30

[params.level]
default = 0.25
unit = "%"

[[layers]]
name = "wash"
color = "#ffffff"
visible = false

[[cues.main]]
name = "1"
show = ["wash"]
set = {{ level = 0.75 }}

[[cues.main]]
name = "2"
set = {{ level = 0.5 }}

[[inputs]]
name = "desk"
osc = "127.0.0.1:{osc_port}"
{extra}
"##
    )
}

fn free_udp_port() -> u16 {
    std::net::UdpSocket::bind("127.0.0.1:0").expect("udp").local_addr().expect("addr").port()
}

struct Show {
    proc: Proc,
    log: PathBuf,
    console: Option<SocketAddr>,
    oscquery: Option<SocketAddr>,
    scene: PathBuf,
    osc_port: u16,
    _dir: tempfile::TempDir,
}

/// Starts the scene headless with the servers on free ports (read back from the log).
fn start(args: &[&str], token: Option<&str>) -> Show {
    start_with(args, token, "", &[])
}

/// ... with `top` before the scene's first table, and these files beside it.
fn start_with(args: &[&str], token: Option<&str>, top: &str, files: &[(&str, &str)]) -> Show {
    let dir = tempfile::tempdir().expect("temp dir");
    let osc_port = free_udp_port();
    let scene_path = dir.path().join("console.toml");
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).expect("file");
    }
    std::fs::write(&scene_path, format!("{top}\n{}", scene(osc_port, ""))).expect("scene");
    let log = dir.path().join("quai.log");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_quai"));
    cmd.args(["run", scene_path.to_str().expect("path"), "--headless", "--fresh"])
        .arg("--state")
        .arg(dir.path().join("state.json"))
        .args(args)
        .env("QUAI_LOG", "info")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).expect("log"));
    match token {
        Some(t) => cmd.env("QUAI_TOKEN", t),
        None => cmd.env_remove("QUAI_TOKEN"),
    };
    let proc = Proc(cmd.spawn().expect("quai"));
    let addr = |what: &str| -> Option<SocketAddr> {
        if !args.iter().any(|a| *a == format!("--{what}")) {
            return None;
        }
        let server = if what == "console" { "web console" } else { "OSCQuery" };
        Some(common::logged_addr(&log, server, Duration::from_secs(60)))
    };
    let (console, oscquery) = (addr("console"), addr("oscquery"));
    wait_log(&log, "first frame", 1, Duration::from_secs(60));
    Show { proc, log, console, oscquery, scene: scene_path, osc_port, _dir: dir }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .into()
}

/// (status code, JSON body) of a request.
fn call(method: &str, url: &str, token: Option<&str>, body: Option<&str>) -> (u16, Value) {
    let a = agent();
    let mut resp = match (method, body) {
        ("GET", _) => {
            let mut r = a.get(url);
            if let Some(t) = token {
                r = r.header("Authorization", &format!("Bearer {t}"));
            }
            r.call()
        }
        (_, b) => {
            let mut r = a.post(url).header("Content-Type", "application/json");
            if let Some(t) = token {
                r = r.header("Authorization", &format!("Bearer {t}"));
            }
            r.send(b.unwrap_or(""))
        }
    }
    .unwrap_or_else(|e| panic!("{method} {url}: {e}"));
    let code = resp.status().as_u16();
    let text = resp.body_mut().read_to_string().unwrap_or_default();
    (code, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

fn status(show: &Show) -> Value {
    let (code, v) = call("GET", &format!("http://{}/api/status", show.console.expect("console")), None, None);
    assert_eq!(code, 200, "{v}");
    v
}

/// Polls the status until `ok` holds for it (or fails with the last one).
fn wait_status(show: &Show, what: &str, ok: impl Fn(&Value) -> bool) -> Value {
    let start = Instant::now();
    loop {
        let v = status(show);
        if ok(&v) {
            return v;
        }
        assert!(start.elapsed() < Duration::from_secs(20), "never {what}: {v:#}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn the_api_views_freely_controls_with_the_token_and_says_why_it_refuses() {
    let show = start(&["--console", "0"], Some(TOKEN));
    let base = format!("http://{}", show.console.expect("console"));
    let v = wait_status(&show, "playing", |v| v["frame"].as_u64() > Some(0) && v["healthy"] == true);
    assert_eq!(v["scene"], "console test");
    assert_eq!(v["control"], "locked", "a token is configured and none was sent");
    assert_eq!(v["cues"][0]["name"], "main");
    assert_eq!(v["cues"][0]["current"], Value::Null);
    assert_eq!(v["cues"][0]["next"], "1");
    assert_eq!(v["params"][0]["name"], "level");
    assert_eq!(v["params"][0]["unit"], "%");
    assert_eq!(v["inputs"][0]["name"], "desk");
    assert_eq!(v["inputs"][0]["kind"], "osc");
    let (code, h) = call("GET", &format!("{base}/healthz"), None, None);
    assert_eq!((code, &h["ok"]), (200, &json!(true)), "{h}");
    let (code, page) = call("GET", &format!("{base}/"), None, None);
    assert_eq!(code, 200);
    assert!(page.as_str().is_some_and(|p| p.contains("<html")), "the page is served: {page}");

    // No token, a wrong one: refused with the reason; the cue does not run.
    let go = format!("{base}/api/cue/go");
    let (code, r) = call("POST", &go, None, Some("{}"));
    assert_eq!(code, 401, "{r}");
    assert!(r["error"].as_str().is_some_and(|e| e.contains("needs the token")), "{r}");
    let (code, r) = call("POST", &go, Some("not-the-token-at-all"), Some("{}"));
    assert_eq!(code, 403, "{r}");
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(status(&show)["cues"][0]["current"], Value::Null, "nothing changed");

    // With the token: GO fires cue 1 (its set lands on the parameter), sent as `console ADDR`.
    let (code, r) = call("POST", &go, Some(TOKEN), Some(r#"{"list": "main"}"#));
    assert_eq!(code, 202, "{r}");
    assert_eq!(r["command"], "go main");
    let v = wait_status(&show, "at cue 1", |v| v["cues"][0]["current"] == "1");
    assert!((v["params"][0]["value"].as_f64().expect("value") - 0.75).abs() < 1e-3, "{v:#}");
    wait_log(&show.log, "started by console 127.0.0.1", 1, Duration::from_secs(5));
    let (code, r) = call("GET", &format!("{base}/api/status"), Some(TOKEN), None);
    assert_eq!((code, &r["control"]), (200, &json!("on")));

    // A direct set in range goes through; bad input is refused with a reason and changes nothing.
    let (code, r) = call("POST", &format!("{base}/api/param/level"), Some(TOKEN), Some(r#"{"value": 0.1}"#));
    assert_eq!(code, 202, "{r}");
    wait_status(&show, "level 0.1", |v| (v["params"][0]["value"].as_f64().unwrap_or(0.0) - 0.1).abs() < 1e-3);
    let bad: [(&str, &str, u16, &str); 8] = [
        ("/api/param/level", r#"{"value": 7}"#, 422, "outside `level`'s range 0..1 %"),
        ("/api/param/levle", r#"{"value": 0.5}"#, 404, "did you mean `level`"),
        ("/api/param/level", r#"{"value": "#, 400, "not the JSON this call takes"),
        ("/api/param/level", r#"{"valeu": 0.5}"#, 400, "unknown field"),
        ("/api/cue/go", r#"{"list": "mian"}"#, 404, "no cue list `mian`"),
        ("/api/cue/goto", r#"{"cue": "3"}"#, 404, "list `main` has no cue `3`"),
        ("/api/cue/jump", "{}", 404, "no cue operation `jump`"),
        ("/api/standby", r#"{"fade": -1}"#, 422, "seconds, 0 to 3600"),
    ];
    for (path, body, want, says) in bad {
        let (code, r) = call("POST", &format!("{base}{path}"), Some(TOKEN), Some(body));
        assert_eq!(code, want, "{path} {body}: {r}");
        assert!(r["error"].as_str().is_some_and(|e| e.contains(says)), "{path} {body}: {r}");
    }
    let huge = format!(r#"{{"value": 0.5, "pad": "{}"}}"#, "x".repeat(20_000));
    let (code, r) = call("POST", &format!("{base}/api/param/level"), Some(TOKEN), Some(&huge));
    assert_eq!(code, 413, "{r}");
    let (code, r) = call("GET", &format!("{base}/api/nothing-here"), None, None);
    assert_eq!(code, 404, "{r}");
    std::thread::sleep(Duration::from_millis(400));
    let v = status(&show);
    assert!((v["params"][0]["value"].as_f64().unwrap_or(0.0) - 0.1).abs() < 1e-3, "nothing changed: {v:#}");
    assert_eq!(v["cues"][0]["current"], "1");
    assert!(v["console"]["refused"].as_u64() >= Some(12), "counted: {}", v["console"]);
    // ... and logged, at most once a second.
    wait_log(&show.log, "console: refused a request (401): control needs the token", 1, Duration::from_secs(5));

    // Each input's latest event and rate, and the latest command (with who sent it).
    oscsend(show.osc_port, "/sensor/distance", &["f", "1.5"]);
    let v = wait_status(&show, "the sensor seen", |v| v["inputs"][0]["received"].as_u64() >= Some(1));
    assert_eq!(v["inputs"][0]["last"], "osc /sensor/distance f:1.5", "{:#}", v["inputs"]);
    assert!(
        v["inputs"][0]["state"].as_str().is_some_and(|s| s.starts_with("listening on 127.0.0.1:")),
        "{:#}",
        v["inputs"]
    );
    let commands = v["inputs"].as_array().and_then(|a| a.last()).expect("the command queue");
    assert!(commands["last"].as_str().is_some_and(|l| l.contains("from console 127.0.0.1")), "{commands}");

    // The status WebSocket pushes the snapshot, and the frame counter moves.
    let (mut ws, _) = tungstenite::connect(format!("ws://{}/api/ws", show.console.expect("console"))).expect("ws");
    let mut frames = Vec::new();
    while frames.len() < 2 {
        if let tungstenite::Message::Text(t) = ws.read().expect("ws message") {
            let m: Value = serde_json::from_str(&t).expect("json");
            assert_eq!(m["type"], "status");
            frames.push(m["status"]["frame"].as_u64().expect("frame"));
        }
    }
    assert!(frames[1] > frames[0], "the frame counter moves: {frames:?}");
    let _ = ws.close(None);

    // `quai status` prints the summary, exit 0 while healthy.
    let out = Command::new(env!("CARGO_BIN_EXE_quai"))
        .args(["status", &show.console.expect("console").to_string()])
        .output()
        .expect("quai status");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}{}", String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("console test (") && text.contains("healthy"), "{text}");
    assert!(text.contains("cues main: at 1, next 2"), "{text}");
    assert!(text.contains("input desk (osc): listening on"), "{text}");

    // Wrong tokens are rate-limited per address: the sixth within a minute gets 429, even the right one.
    for _ in 0..5 {
        call("POST", &go, Some("still-not-the-token"), Some("{}"));
    }
    let (code, r) = call("POST", &go, Some(TOKEN), Some("{}"));
    assert_eq!(code, 429, "{r}");
    let log = wait_log(&show.log, "wrong token from 127.0.0.1", 5, Duration::from_secs(5));
    assert!(log.contains("refusing this address for the rest of the minute"), "{log}");
}

#[test]
fn without_a_token_the_console_is_view_only_and_says_so() {
    let show = start(&["--console", "0"], None);
    let log = wait_log(&show.log, "view only", 1, Duration::from_secs(10));
    assert!(log.contains("no token configured"), "{log}");
    let base = format!("http://{}", show.console.expect("console"));
    assert_eq!(status(&show)["control"], "off");
    let (code, r) = call("POST", &format!("{base}/api/cue/go"), Some("anything-at-all"), Some("{}"));
    assert_eq!(code, 403, "{r}");
    assert!(r["error"].as_str().is_some_and(|e| e.contains("view only")), "{r}");
    // Unreachable: exit 2 with what to do.
    let out = Command::new(env!("CARGO_BIN_EXE_quai")).args(["status", "127.0.0.1:1"]).output().expect("quai status");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--console PORT"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Checks one node of the tree against the proposal: FULL_PATH matches where it is; containers
/// have CONTENTS; methods have a TYPE of OSC type tags, ACCESS 0..3, and VALUE / RANGE / UNIT /
/// CLIPMODE arrays with one entry per argument. Returns the number of methods.
fn check_node(node: &Value, path: &str) -> usize {
    assert_eq!(node["FULL_PATH"], path, "{node}");
    if let Some(d) = node.get("DESCRIPTION") {
        assert!(d.is_string(), "{path}: DESCRIPTION is a string");
    }
    let access = node["ACCESS"].as_u64().unwrap_or_else(|| panic!("{path}: ACCESS"));
    assert!(access <= 3, "{path}: ACCESS {access}");
    if let Some(contents) = node.get("CONTENTS") {
        let contents = contents.as_object().unwrap_or_else(|| panic!("{path}: CONTENTS is an object"));
        return contents
            .iter()
            .map(|(k, child)| check_node(child, &format!("{}/{k}", path.trim_end_matches('/'))))
            .sum();
    }
    let ty = node["TYPE"].as_str().unwrap_or_else(|| panic!("{path}: a method has a TYPE"));
    assert!(ty.chars().all(|c| "ifsbhtdScrmTFNI[]".contains(c)), "{path}: TYPE {ty:?}");
    let args = ty.chars().filter(|c| !"NI[]".contains(*c)).count();
    for key in ["VALUE", "RANGE", "UNIT", "CLIPMODE"] {
        if let Some(v) = node.get(key) {
            let v = v.as_array().unwrap_or_else(|| panic!("{path}: {key} is an array"));
            assert_eq!(v.len(), args, "{path}: one {key} per argument");
        }
    }
    if let Some(r) = node.get("RANGE").and_then(|r| r[0].as_object()) {
        if let (Some(min), Some(max)) = (r.get("MIN").and_then(Value::as_f64), r.get("MAX").and_then(Value::as_f64)) {
            assert!(min <= max, "{path}: RANGE");
        } else {
            assert!(r.get("VALS").is_some_and(Value::is_array), "{path}: RANGE has MIN/MAX or VALS");
        }
    }
    if node.get("VALUE").is_some() {
        assert!(access & 1 == 1, "{path}: a VALUE is readable");
    }
    1
}

fn oscsend(port: u16, addr: &str, args: &[&str]) {
    let ok = Command::new("oscsend")
        .arg("localhost")
        .arg(port.to_string())
        .arg(addr)
        .args(args)
        .status()
        .expect("oscsend (liblo-tools; scripts/setup installs it)");
    assert!(ok.success());
}

#[test]
fn oscquery_serves_the_tree_streams_listened_values_and_announces_new_paths() {
    let show = start(&["--oscquery", "0"], Some(TOKEN));
    let base = format!("http://{}", show.oscquery.expect("oscquery"));
    let (code, tree) = call("GET", &format!("{base}/"), None, None);
    assert_eq!(code, 200, "{tree}");
    let methods = check_node(&tree, "/");
    assert!(methods >= 10, "{tree:#}");
    let level = &tree["CONTENTS"]["quai"]["CONTENTS"]["param"]["CONTENTS"]["level"];
    assert_eq!(level["TYPE"], "f");
    assert_eq!(level["ACCESS"], 3);
    assert_eq!(level["RANGE"], json!([{"MIN": 0.0, "MAX": 1.0}]));
    assert_eq!(level["UNIT"], json!(["%"]));
    let goto = &tree["CONTENTS"]["quai"]["CONTENTS"]["cue"]["CONTENTS"]["main"]["CONTENTS"]["goto"];
    assert_eq!(goto["RANGE"], json!([{"VALS": ["1", "2"]}]));
    let (code, one) = call("GET", &format!("{base}/quai/param/level?VALUE"), None, None);
    assert_eq!((code, one), (200, json!({"VALUE": [0.25]})));
    let (code, _) = call("GET", &format!("{base}/quai/param/nope"), None, None);
    assert_eq!(code, 404);
    let (code, info) = call("GET", &format!("{base}/?HOST_INFO"), None, None);
    assert_eq!(code, 200);
    assert_eq!(info["OSC_PORT"], show.osc_port);
    assert_eq!(info["OSC_TRANSPORT"], "UDP");
    assert_eq!(info["EXTENSIONS"]["LISTEN"], true);
    assert!(info["NAME"].as_str().is_some_and(|n| n.contains("console test")));

    // LISTEN: the current value, then a change sent over OSC by liblo's oscsend, as binary OSC.
    let (mut ws, _) = tungstenite::connect(format!("ws://{}/", show.oscquery.expect("oscquery"))).expect("ws");
    if let tungstenite::stream::MaybeTlsStream::Plain(s) = ws.get_mut() {
        s.set_read_timeout(Some(Duration::from_secs(20))).expect("timeout");
    }
    ws.send(tungstenite::Message::Text(r#"{"COMMAND": "LISTEN", "DATA": "/quai/param/level"}"#.into()))
        .expect("listen");
    let next_osc = |ws: &mut tungstenite::WebSocket<tungstenite::stream::MaybeTlsStream<TcpStream>>| loop {
        match ws.read().expect("a message") {
            tungstenite::Message::Binary(b) => match rosc::decoder::decode_udp(&b).expect("OSC").1 {
                rosc::OscPacket::Message(m) => return m,
                other => panic!("{other:?}"),
            },
            tungstenite::Message::Text(t) => panic!("unexpected text: {t}"),
            _ => {}
        }
    };
    let first = next_osc(&mut ws);
    assert_eq!(first.addr, "/quai/param/level");
    assert_eq!(first.args, vec![rosc::OscType::Float(0.25)]);
    oscsend(show.osc_port, "/quai/param/level", &["f", "0.5"]);
    let changed = next_osc(&mut ws);
    assert_eq!(changed.args, vec![rosc::OscType::Float(0.5)]);

    // A write without the token is refused with a reason (and changes nothing).
    let packet = rosc::encoder::encode(&rosc::OscPacket::Message(rosc::OscMessage {
        addr: "/quai/param/level".into(),
        args: vec![rosc::OscType::Float(0.9)],
    }))
    .expect("encode");
    ws.send(tungstenite::Message::Binary(packet.into())).expect("write");
    loop {
        if let tungstenite::Message::Text(t) = ws.read().expect("reply") {
            assert!(t.contains("need the control token"), "{t}");
            break;
        }
    }

    // A hot reload that adds a parameter: PATH_ADDED.
    std::fs::write(&show.scene, scene(show.osc_port, "[params.extra]\ndefault = 0.5\n")).expect("edit");
    let start = Instant::now();
    loop {
        assert!(start.elapsed() < Duration::from_secs(30), "no PATH_ADDED");
        if let tungstenite::Message::Text(t) = ws.read().expect("message") {
            let m: Value = serde_json::from_str(&t).expect("json");
            if m["COMMAND"] == "PATH_ADDED" && m["DATA"] == "/quai/param/extra" {
                break;
            }
        }
    }
    let _ = ws.close(None);
}

/// A console GO recorded with `--record` is in the log as a command from `console ADDR`, and
/// `quai render --replay` fires the cue at the recorded time, as any input.
#[test]
fn console_commands_are_recorded_and_replayed() {
    let rec_dir = tempfile::tempdir().expect("temp dir");
    let rec = rec_dir.path().join("rec.jsonl");
    let mut show = start(&["--console", "0", "--record", rec.to_str().expect("path")], Some(TOKEN));
    let base = format!("http://{}", show.console.expect("console"));
    let (code, r) = call("POST", &format!("{base}/api/cue/go"), Some(TOKEN), Some("{}"));
    assert_eq!(code, 202, "{r}");
    wait_log(&show.log, "started by console 127.0.0.1", 1, Duration::from_secs(10));
    assert_eq!(show.proc.stop(), "exit status: 0");
    let recorded = std::fs::read_to_string(&rec).expect("the recording");
    let line: Value = recorded
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find(|v| v["src"] == "command")
        .unwrap_or_else(|| panic!("no command in the recording:\n{recorded}"));
    assert_eq!((&line["by"], &line["do"]), (&json!("console 127.0.0.1"), &json!("go")), "{line}");
    let out = rec_dir.path().join("out");
    let t = line["t"].as_f64().expect("t");
    let frames = ((t + 1.0) * 30.0) as u64;
    let render = Command::new(env!("CARGO_BIN_EXE_quai"))
        .args(["render", show.scene.to_str().expect("scene"), "--frames", &frames.to_string(), "--out"])
        .arg(&out)
        .arg("--replay")
        .arg(&rec)
        .output()
        .expect("quai render");
    let log = String::from_utf8_lossy(&render.stderr);
    assert!(render.status.success(), "{log}");
    assert!(log.contains(&format!("cue main/1 (1 of 2) started by console 127.0.0.1 at {t:.3} s")), "{log}");
}

/// OSCQuery on the network is announced over mDNS as `_oscjson._tcp`: python-zeroconf (a browser
/// nobody here wrote) finds it with its port; on 127.0.0.1 it is not announced, and the log says why.
#[test]
fn oscquery_on_the_network_is_announced_over_mdns() {
    let show = start(&["--oscquery", "0.0.0.0:0"], None);
    let port = show.oscquery.expect("oscquery").port();
    wait_log(
        &show.log,
        "OSCQuery announced over mDNS as `quai console test._oscjson._tcp.local.`",
        1,
        Duration::from_secs(10),
    );
    let tool = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/tools/mdns_browse.py");
    let out = Command::new("python3")
        .args([tool, "_oscjson._tcp.local.", "quai console test", "20"])
        .output()
        .expect("python3 (scripts/setup installs python-zeroconf)");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "not found over mDNS: {text}{}", String::from_utf8_lossy(&out.stderr));
    let ours: Value = text
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find(|v| v["name"].as_str().is_some_and(|n| n.contains("quai console test")))
        .expect("our instance");
    assert_eq!(ours["port"], port, "{ours}");
    assert!(ours["addresses"].as_array().is_some_and(|a| !a.is_empty()), "{ours}");
    // The announced port answers OSCQuery.
    let (code, info) = call("GET", &format!("http://127.0.0.1:{port}/?HOST_INFO"), None, None);
    assert_eq!(code, 200, "{info}");
    drop(show);

    let local = start(&["--oscquery", "0"], None);
    let log = wait_log(&local.log, "not announced over mDNS", 1, Duration::from_secs(10));
    assert!(log.contains("listens on this machine only"), "{log}");
}

/// 1000 bad requests of every kind, slow clients holding connections, more WebSockets than the
/// limit: the limits hold, the show keeps playing and the server keeps answering.
#[test]
fn a_thousand_bad_requests_leave_the_show_playing_and_the_server_answering() {
    let show = start(&["--console", "0"], Some(TOKEN));
    let addr = show.console.expect("console");
    let base = format!("http://{addr}");
    let before = wait_status(&show, "playing", |v| v["frame"].as_u64() > Some(5));
    let started = Instant::now();

    // Slow clients: half a request each, held open.
    let slow: Vec<TcpStream> = (0..20)
        .map(|_| {
            let mut s = TcpStream::connect(addr).expect("connect");
            s.write_all(b"GET /api/status HTTP/1.1\r\nHost: x\r\n").expect("half a request");
            s
        })
        .collect();
    // More WebSockets than allowed: the ones over the limit get 503.
    let mut sockets = Vec::new();
    let mut refused = 0;
    for _ in 0..(quai::console::MAX_SOCKETS + 5) {
        match tungstenite::connect(format!("ws://{addr}/api/ws")) {
            Ok((ws, _)) => sockets.push(ws),
            Err(tungstenite::Error::Http(r)) if r.status() == 503 => refused += 1,
            Err(e) => panic!("ws: {e}"),
        }
    }
    assert_eq!(sockets.len(), quai::console::MAX_SOCKETS);
    assert_eq!(refused, 5);
    drop(sockets);

    let huge = "x".repeat(quai::console::BODY_LIMIT + 1);
    let kinds: [(&str, &str, Option<&str>, &str); 5] = [
        ("POST", "/api/param/level", Some(TOKEN), "{not json"),
        ("POST", "/api/cue/go", Some(TOKEN), huge.as_str()),
        ("GET", "/no/such/page", None, ""),
        ("POST", "/api/param/level", Some(TOKEN), r#"{"value": 1e9}"#),
        ("POST", "/api/cue/goto", Some(TOKEN), r#"{"cue": "nope"}"#),
    ];
    for i in 0..1000 {
        let (method, path, token, body) = kinds[i % kinds.len()];
        let (code, _) = call(method, &format!("{base}{path}"), token, Some(body));
        assert!((400..500).contains(&code), "{method} {path}: {code}");
    }

    // The connection limit: raw connections beyond it are closed at once.
    let held: Vec<TcpStream> =
        (0..quai::console::MAX_CONNECTIONS).filter_map(|_| TcpStream::connect(addr).ok()).collect();
    let mut extra = TcpStream::connect(addr).expect("connect");
    extra.set_read_timeout(Some(Duration::from_secs(5))).expect("timeout");
    let mut buf = [0u8; 16];
    let closed = matches!(extra.read(&mut buf), Ok(0) | Err(_));
    drop(held);
    drop(slow);
    assert!(closed, "a connection over the limit is closed");

    // Still answering, nothing changed, and the show kept playing meanwhile.
    let after = wait_status(&show, "answering", |_| true);
    assert_eq!(after["params"][0]["value"], before["params"][0]["value"]);
    assert_eq!(after["cues"][0]["current"], Value::Null);
    assert!(after["console"]["turned_away"].as_u64() >= Some(1), "{}", after["console"]);
    let elapsed = started.elapsed().as_secs_f64();
    let frames = after["frame"].as_u64().unwrap_or(0) - before["frame"].as_u64().unwrap_or(0);
    // Frames kept flowing the whole time (at least a third of the scene's rate on this machine).
    assert!(frames as f64 > elapsed * 30.0 / 3.0, "{frames} frames in {elapsed:.1} s");
    let (code, h) = call("GET", &format!("{base}/healthz"), None, None);
    assert_eq!(code, 200, "{h}");
}

/// `POST /api/call/NAME` runs a script function (the `call` command), with the token; the status
/// lists the functions; an unknown one is refused with the nearest name.
#[test]
fn the_console_calls_script_functions() {
    let script = "fn flash() { log(\"flash called\"); }\nfn load() { }\nprivate fn helper() { }\n";
    let args = ["--console", "0", "--oscquery", "0"];
    let show = start_with(&args, Some(TOKEN), "scripts = [\"logic.rhai\"]", &[("logic.rhai", script)]);
    let base = format!("http://{}", show.console.expect("console"));
    let v = wait_status(&show, "the functions", |v| v["functions"].as_array().is_some_and(|a| !a.is_empty()));
    assert_eq!(v["functions"], json!(["flash"]), "load and private functions are not for calling");
    let (code, v) = call("POST", &format!("{base}/api/call/flash"), None, None);
    assert_eq!(code, 401, "{v}");
    let (code, v) = call("POST", &format!("{base}/api/call/flsh"), Some(TOKEN), None);
    assert_eq!(code, 404, "{v}");
    assert!(v["error"].as_str().is_some_and(|e| e.contains("did you mean `flash`?")), "{v}");
    let (code, v) = call("POST", &format!("{base}/api/call/flash"), Some(TOKEN), None);
    assert_eq!((code, &v["command"]), (202, &json!("call flash")), "{v}");
    wait_log(&show.log, "flash called", 1, Duration::from_secs(20));
    // OSCQuery offers them too, as the values of /quai/call (a write of s:NAME runs one).
    let (code, v) = call("GET", &format!("http://{}/quai/call", show.oscquery.expect("oscquery")), None, None);
    assert_eq!((code, &v["TYPE"], &v["RANGE"]), (200, &json!("s"), &json!([{"VALS": ["flash"]}])), "{v}");
}
