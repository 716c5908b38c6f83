//! OSCQuery (the Vidvox proposal, github.com/Vidvox/OSCQueryProposal): other tools (ossia score,
//! Chataigne, TouchOSC, TouchDesigner) discover quai's parameters and cue operations instead of
//! having them typed in.
//!
//! - `GET /` (or any node's path): the tree as JSON, each node with `FULL_PATH`, and for methods
//!   `TYPE` (OSC type tags; `N` for a method without arguments), `ACCESS` (1 read, 2 write, 3 both),
//!   `VALUE`, `RANGE`, `UNIT`, `CLIPMODE`, `DESCRIPTION`; `GET /PATH?VALUE` (or another attribute)
//!   answers that attribute alone.
//! - `GET /?HOST_INFO`: the name, the OSC port and transport (the scene's first OSC input, UDP), and
//!   the extensions supported.
//! - A WebSocket on the same port: `{"COMMAND":"LISTEN","DATA":"/quai/param/speed"}` and `IGNORE`;
//!   the server sends each change of a listened value as a binary OSC message, and
//!   `{"COMMAND":"PATH_ADDED","DATA":PATH}` / `PATH_REMOVED` when a reload changes the tree.
//!   Binary OSC messages from the client are writes (`/quai/param/NAME f`, `/quai/cue/...`): they
//!   need the control token, sent as `Authorization: Bearer TOKEN` when the WebSocket opens.
//! - Announced over mDNS as `_oscjson._tcp` ([`Announce`], a responder of quai's own: no
//!   avahi-daemon needed) when it listens on the network; a server on 127.0.0.1 is not announced
//!   (nobody else could reach it), and the log says so.

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::Router;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::status::Status;
use super::{Access, Shared};
use crate::show::commands::{self, FromOsc};

/// How often listened values and the tree are compared with what was sent.
pub const POLL_EVERY: Duration = Duration::from_millis(100);

/// The attributes a `?ATTRIBUTE` query may ask for.
const ATTRIBUTES: [&str; 8] = ["TYPE", "ACCESS", "VALUE", "RANGE", "UNIT", "CLIPMODE", "DESCRIPTION", "CONTENTS"];

pub fn router(shared: Arc<Shared>) -> Router {
    Router::new().fallback(any).with_state(shared)
}

fn method(path: &str, ty: Option<&str>, access: u8, description: String) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("FULL_PATH".into(), json!(path));
    if let Some(t) = ty {
        m.insert("TYPE".into(), json!(t));
    }
    m.insert("ACCESS".into(), json!(access));
    m.insert("DESCRIPTION".into(), json!(description));
    m
}

/// Insert `node` at its `FULL_PATH`, creating containers on the way.
fn insert(root: &mut Map<String, Value>, node: Map<String, Value>) {
    let path = node["FULL_PATH"].as_str().unwrap_or("/").to_string();
    let mut at = root;
    let mut full = String::new();
    let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
    for (i, part) in parts.iter().enumerate() {
        full.push('/');
        full.push_str(part);
        let contents =
            at.entry("CONTENTS").or_insert_with(|| json!({})).as_object_mut().expect("CONTENTS is an object");
        if i + 1 == parts.len() {
            contents.insert(part.to_string(), Value::Object(node));
            return;
        }
        let child = contents.entry(part.to_string()).or_insert_with(|| json!({"FULL_PATH": full.clone(), "ACCESS": 0}));
        at = child.as_object_mut().expect("a node is an object");
    }
}

/// The whole tree of the show as it is now.
pub fn tree(st: &Status) -> Value {
    let mut root = Map::new();
    root.insert("FULL_PATH".into(), json!("/"));
    root.insert("ACCESS".into(), json!(0));
    root.insert("DESCRIPTION".into(), json!(format!("quai: {}", st.scene)));
    for p in &st.params {
        let path = format!("/quai/param/{}", p.name);
        let mut m = method(&path, Some("f"), 3, format!("parameter {} (default {})", p.name, p.default));
        m.insert("VALUE".into(), json!([p.value]));
        m.insert("RANGE".into(), json!([{"MIN": p.min, "MAX": p.max}]));
        m.insert("CLIPMODE".into(), json!(["both"]));
        if !p.unit.is_empty() {
            m.insert("UNIT".into(), json!([p.unit]));
        }
        insert(&mut root, m);
    }
    for l in &st.cues {
        let base = format!("/quai/cue/{}", l.name);
        for (op, what) in
            [("go", "GO: the next cue"), ("back", "the cue before the playhead"), ("stop", "stop the list's fades")]
        {
            insert(&mut root, method(&format!("{base}/{op}"), Some("N"), 2, format!("{what} of list {}", l.name)));
        }
        let mut goto = method(&format!("{base}/goto"), Some("s"), 2, format!("jump to a cue of list {}", l.name));
        goto.insert("RANGE".into(), json!([{"VALS": l.cues}]));
        insert(&mut root, goto);
        let mut current =
            method(&format!("{base}/current"), Some("s"), 1, format!("the cue at list {}'s playhead", l.name));
        current.insert("VALUE".into(), json!([l.current.clone().unwrap_or_default()]));
        insert(&mut root, current);
    }
    if !st.cues.is_empty() {
        for (op, what) in [
            ("go", "GO on the default list"),
            ("back", "back on the default list"),
            ("stop", "stop every list's fades"),
        ] {
            insert(&mut root, method(&format!("/quai/cue/{op}"), Some("N"), 2, what.into()));
        }
    }
    for (op, what) in [
        ("panic", "everything to the safe state"),
        ("reset", "back to the scene's start"),
        ("standby", "fade out, then black and silent"),
        ("wake", "out of standby"),
    ] {
        insert(&mut root, method(&format!("/quai/{op}"), Some("N"), 2, what.into()));
    }
    if !st.functions.is_empty() {
        let mut call = method("/quai/call", Some("s"), 2, "run a function of the scene's scripts".into());
        call.insert("RANGE".into(), json!([{"VALS": st.functions}]));
        insert(&mut root, call);
    }
    let mut fps = method("/quai/status/fps", Some("f"), 1, "frames per second now".into());
    fps.insert("VALUE".into(), json!([st.fps]));
    insert(&mut root, fps);
    let mut standby = method("/quai/status/standby", Some("s"), 1, "awake, closing or asleep".into());
    standby.insert("VALUE".into(), json!([st.standby]));
    insert(&mut root, standby);
    Value::Object(root)
}

/// The node at `path` in `tree`.
pub fn node<'a>(tree: &'a Value, path: &str) -> Option<&'a Value> {
    let mut at = tree;
    for part in path.split('/').filter(|p| !p.is_empty()) {
        at = at.get("CONTENTS")?.get(part)?;
    }
    Some(at)
}

/// Every method's path with its value (methods without one map to `None`).
fn leaves(tree: &Value, out: &mut BTreeMap<String, Option<Value>>) {
    if let Some(contents) = tree.get("CONTENTS").and_then(Value::as_object) {
        contents.values().for_each(|c| leaves(c, out));
    } else if let Some(p) = tree.get("FULL_PATH").and_then(Value::as_str) {
        out.insert(p.to_string(), tree.get("VALUE").cloned());
    }
}

fn host_info(st: &Status, local: Option<SocketAddr>) -> Value {
    let ext: Map<String, Value> =
        ["ACCESS", "VALUE", "RANGE", "DESCRIPTION", "UNIT", "TYPE", "CLIPMODE", "LISTEN", "PATH_ADDED", "PATH_REMOVED"]
            .iter()
            .map(|e| (e.to_string(), json!(true)))
            .chain(
                ["TAGS", "CRITICAL", "HTML", "PATH_RENAMED", "PATH_CHANGED", "EXTENDED_TYPE", "OVERLOADS"]
                    .iter()
                    .map(|e| (e.to_string(), json!(false))),
            )
            .collect();
    let mut v = json!({"NAME": format!("quai: {}", st.scene), "EXTENSIONS": ext});
    if let Some(osc) = st.osc {
        v["OSC_IP"] = json!(osc.ip().to_string());
        v["OSC_PORT"] = json!(osc.port());
        v["OSC_TRANSPORT"] = json!("UDP");
    }
    if let Some(l) = local {
        v["WS_PORT"] = json!(l.port());
    }
    v
}

/// An error answer: counted and logged (rate-limited), with the reason as JSON.
fn refuse(s: &Shared, code: StatusCode, why: String) -> Response {
    s.refused(code.as_u16(), &format!("OSCQuery: {why}"));
    answer(code, json!({ "error": why }))
}

fn answer(code: StatusCode, v: Value) -> Response {
    (code, [(header::ACCESS_CONTROL_ALLOW_ORIGIN, "*")], axum::Json(v)).into_response()
}

async fn any(State(s): State<Arc<Shared>>, req: Request) -> Response {
    s.counters.requests.fetch_add(1, Ordering::Relaxed);
    let (mut parts, _body) = req.into_parts();
    let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0);
    let upgrade = parts
        .headers
        .get(header::UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"));
    if upgrade {
        let headers = parts.headers.clone();
        return match WebSocketUpgrade::from_request_parts(&mut parts, &()).await {
            Ok(up) => socket(s, peer, headers, up),
            Err(e) => e.into_response(),
        };
    }
    if parts.method != axum::http::Method::GET {
        return refuse(
            &s,
            StatusCode::METHOD_NOT_ALLOWED,
            "OSCQuery answers GET (and WebSockets); writes go over OSC".into(),
        );
    }
    let st = s.board.latest();
    let path = parts.uri.path();
    let query = parts.uri.query().unwrap_or("");
    if query == "HOST_INFO" {
        let local =
            parts.headers.get(header::HOST).and_then(|h| h.to_str().ok()).and_then(|h| h.parse::<SocketAddr>().ok());
        return answer(StatusCode::OK, host_info(&st, local));
    }
    let t = tree(&st);
    let Some(n) = node(&t, path) else {
        return refuse(&s, StatusCode::NOT_FOUND, format!("no node {path}"));
    };
    match query {
        "" => answer(StatusCode::OK, n.clone()),
        q if ATTRIBUTES.contains(&q) => match n.get(q) {
            Some(v) => answer(StatusCode::OK, json!({ q: v })),
            None => StatusCode::NO_CONTENT.into_response(),
        },
        q => refuse(
            &s,
            StatusCode::BAD_REQUEST,
            format!("unknown attribute `{q}`; attributes are {}, or HOST_INFO", ATTRIBUTES.join(", ")),
        ),
    }
}

fn socket(s: Arc<Shared>, peer: Option<SocketAddr>, headers: HeaderMap, up: WebSocketUpgrade) -> Response {
    let Ok(permit) = s.sockets.clone().try_acquire_owned() else {
        return refuse(&s, StatusCode::SERVICE_UNAVAILABLE, "too many WebSockets are open".into());
    };
    let peer = peer.unwrap_or_else(|| SocketAddr::from(([0, 0, 0, 0], 0)));
    // Whether this socket may write: the token when it opened (a wrong one is counted).
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.strip_prefix("Bearer ").unwrap_or(v).trim().to_string());
    let may_write = token.is_some() && s.check(peer, token.as_deref()) == Access::Control;
    up.max_message_size(super::BODY_LIMIT).on_upgrade(move |ws| async move {
        listen(ws, s, peer, may_write).await;
        drop(permit);
    })
}

async fn listen(mut ws: WebSocket, s: Arc<Shared>, peer: SocketAddr, may_write: bool) {
    let mut listened: BTreeSet<String> = BTreeSet::new();
    let mut sent: BTreeMap<String, Option<Value>> = BTreeMap::new();
    let mut known: Option<BTreeSet<String>> = None;
    let mut tick = tokio::time::interval(POLL_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut stop = s.stop.clone();
    loop {
        tokio::select! {
            _ = tick.tick() => {
                let st = s.board.latest();
                let mut now = BTreeMap::new();
                leaves(&tree(&st), &mut now);
                let paths: BTreeSet<String> = now.keys().cloned().collect();
                let mut out: Vec<Message> = Vec::new();
                if let Some(before) = &known {
                    for p in paths.difference(before) {
                        out.push(Message::Text(json!({"COMMAND": "PATH_ADDED", "DATA": p}).to_string().into()));
                    }
                    for p in before.difference(&paths) {
                        out.push(Message::Text(json!({"COMMAND": "PATH_REMOVED", "DATA": p}).to_string().into()));
                        listened.remove(p);
                    }
                }
                known = Some(paths);
                for p in &listened {
                    let v = now.get(p).cloned().flatten();
                    if sent.get(p) != Some(&v) {
                        if let Some(packet) = v.as_ref().and_then(|v| osc_packet(p, v)) {
                            out.push(Message::Binary(packet.into()));
                        }
                        sent.insert(p.clone(), v);
                    }
                }
                for m in out {
                    if !matches!(tokio::time::timeout(Duration::from_secs(5), ws.send(m)).await, Ok(Ok(()))) {
                        return;
                    }
                }
            }
            got = ws.recv() => match got {
                Some(Ok(Message::Text(t))) => {
                    if let Some(reply) = command(&t, &mut listened, &mut sent) {
                        s.refused(400, &format!("OSCQuery WebSocket from {}: {}", peer.ip(), reply["DATA"]));
                        if ws.send(Message::Text(reply.to_string().into())).await.is_err() {
                            return;
                        }
                    }
                }
                Some(Ok(Message::Binary(b))) => {
                    if let Some(reply) = write(&s, peer, may_write, &b) {
                        s.refused(400, &format!("OSCQuery write from {}: {}", peer.ip(), reply["DATA"]));
                        if ws.send(Message::Text(reply.to_string().into())).await.is_err() {
                            return;
                        }
                    }
                }
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                Some(Ok(_)) => {}
            },
            _ = stop.changed() => return,
        }
    }
}

/// A LISTEN or IGNORE; anything else gets an error reply (returned).
fn command(text: &str, listened: &mut BTreeSet<String>, sent: &mut BTreeMap<String, Option<Value>>) -> Option<Value> {
    let v: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => return Some(json!({"COMMAND": "ERROR", "DATA": format!("not JSON: {e}")})),
    };
    let (cmd, data) = (v.get("COMMAND").and_then(Value::as_str), v.get("DATA").and_then(Value::as_str));
    match (cmd, data) {
        (Some("LISTEN"), Some(p)) => {
            listened.insert(p.to_string());
            // The current value goes out at the next poll.
            sent.remove(p);
            None
        }
        (Some("IGNORE"), Some(p)) => {
            listened.remove(p);
            sent.remove(p);
            None
        }
        _ => Some(
            json!({"COMMAND": "ERROR", "DATA": "send {\"COMMAND\": \"LISTEN\" or \"IGNORE\", \"DATA\": \"/path\"}"}),
        ),
    }
}

/// The OSC message for a value (`VALUE` is an array of arguments).
fn osc_packet(path: &str, value: &Value) -> Option<Vec<u8>> {
    let args = value
        .as_array()?
        .iter()
        .map(|a| match a {
            Value::String(s) => rosc::OscType::String(s.clone()),
            Value::Bool(b) => rosc::OscType::Bool(*b),
            v => rosc::OscType::Float(v.as_f64().unwrap_or(0.0) as f32),
        })
        .collect();
    rosc::encoder::encode(&rosc::OscPacket::Message(rosc::OscMessage { addr: path.to_string(), args })).ok()
}

/// A binary OSC write from a client: sent to the show as a command (a reply explains a refusal).
fn write(s: &Shared, peer: SocketAddr, may_write: bool, bytes: &[u8]) -> Option<Value> {
    let err = |why: String| Some(json!({"COMMAND": "ERROR", "DATA": why}));
    if !may_write {
        return err("writes need the control token: open the WebSocket with Authorization: Bearer TOKEN".into());
    }
    let msg = match rosc::decoder::decode_udp(bytes) {
        Ok((_, rosc::OscPacket::Message(m))) => m,
        Ok(_) => return err("send one OSC message (bundles are not taken here)".into()),
        Err(e) => return err(format!("not an OSC message: {e}")),
    };
    let first = msg.args.first().and_then(|a| match a {
        rosc::OscType::Float(f) => Some(*f as f64),
        rosc::OscType::Double(d) => Some(*d),
        rosc::OscType::Int(i) => Some(*i as f64),
        rosc::OscType::Bool(b) => Some(*b as u8 as f64),
        _ => None,
    });
    let text = msg.args.first().and_then(|a| match a {
        rosc::OscType::String(s) => Some(s.as_str()),
        _ => None,
    });
    match commands::from_osc(&msg.addr, first, text) {
        Ok(FromOsc::Command(commands::Command::Set { param, value })) => {
            match super::server::check_param(&s.board.latest(), &param, value as f64) {
                Ok(v) => s.send(peer, commands::Command::Set { param, value: v }),
                Err((_, why)) => return err(why),
            }
        }
        Ok(FromOsc::Command(c)) => s.send(peer, c),
        Ok(FromOsc::Release) => {}
        Ok(FromOsc::NotOurs | FromOsc::Calibrate) => return err(format!("{}: not a method of this tree", msg.addr)),
        Err(e) => return err(e.to_string()),
    }
    None
}

/// The OSCQuery server announced over mDNS as `_oscjson._tcp` while it runs.
pub struct Announce {
    daemon: mdns_sd::ServiceDaemon,
    fullname: String,
}

impl Announce {
    /// Announce the server listening on `local` as `quai NAME`; `None` (and a log line saying
    /// why) when it cannot be.
    pub fn start(name: &str, local: SocketAddr) -> Option<Self> {
        if local.ip().is_loopback() {
            tracing::info!(
                "OSCQuery is not announced over mDNS: it listens on this machine only (--oscquery 0.0.0.0:{} to \
                 reach it from the network and announce it)",
                local.port()
            );
            return None;
        }
        let fail = |e: &dyn std::fmt::Display| {
            tracing::warn!(
                "OSCQuery: cannot announce it over mDNS ({e}); clients can still be given the address \
                 http://THIS-MACHINE:{}/",
                local.port()
            );
        };
        let daemon = mdns_sd::ServiceDaemon::new().map_err(|e| fail(&e)).ok()?;
        let host = std::fs::read_to_string("/etc/hostname")
            .ok()
            .map(|h| h.trim().to_string())
            .filter(|h| !h.is_empty() && h.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
            .unwrap_or_else(|| "quai".into());
        // An instance name is at most 63 bytes; what a browser shows.
        let shown = if name.is_empty() { "quai".to_string() } else { format!("quai {name}") };
        let instance: String = shown.chars().filter(|c| *c != '.').take(60).collect();
        let ip: Vec<std::net::IpAddr> = if local.ip().is_unspecified() { Vec::new() } else { vec![local.ip()] };
        let info = mdns_sd::ServiceInfo::new(
            "_oscjson._tcp.local.",
            &instance,
            &format!("{host}.local."),
            &ip[..],
            local.port(),
            None::<std::collections::HashMap<String, String>>,
        );
        let info = match info {
            Ok(i) if ip.is_empty() => i.enable_addr_auto(),
            Ok(i) => i,
            Err(e) => {
                fail(&e);
                let _ = daemon.shutdown();
                return None;
            }
        };
        let fullname = info.get_fullname().to_string();
        if let Err(e) = daemon.register(info) {
            fail(&e);
            let _ = daemon.shutdown();
            return None;
        }
        tracing::info!("OSCQuery announced over mDNS as `{fullname}` on port {}", local.port());
        Some(Self { daemon, fullname })
    }
}

impl Drop for Announce {
    fn drop(&mut self) {
        let _ = self.daemon.unregister(&self.fullname);
        let _ = self.daemon.shutdown();
    }
}
