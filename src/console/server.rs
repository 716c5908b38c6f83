//! The web console's HTTP side: the page (embedded), the JSON API under `/api/`, the status
//! WebSocket and `/healthz`. Every control call is checked against the latest snapshot (the list,
//! cue or parameter exists, the value is in range) and then sent to the show as a command; what
//! is refused gets an HTTP status and `{"ok": false, "error": "..."}` saying why, and changes nothing.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

use super::status::{LogRing, Status};
use super::{Access, BODY_LIMIT, Shared};
use crate::scene::diag::did_you_mean;
use crate::show::commands::{self, Command, Learn};

const INDEX: &str = include_str!("page/index.html");
const APP_JS: &str = include_str!("page/app.js");
const STYLE: &str = include_str!("page/style.css");
/// The cookie the login form sets.
pub const COOKIE: &str = "quai_token";
/// How often the status WebSocket pushes.
pub const PUSH_EVERY: Duration = Duration::from_millis(200);

type Peer = ConnectInfo<SocketAddr>;
type St = State<Arc<Shared>>;

pub fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/", get(|| async { page(INDEX, "text/html; charset=utf-8") }))
        .route("/app.js", get(|| async { page(APP_JS, "text/javascript; charset=utf-8") }))
        .route("/style.css", get(|| async { page(STYLE, "text/css; charset=utf-8") }))
        .route("/healthz", get(healthz))
        .route("/api/status", get(status))
        .route("/api/log", get(log))
        .route("/api/ws", get(ws))
        .route("/api/thumbnail.png", get(thumbnail))
        .route("/api/login", post(login))
        .route("/api/logout", post(logout))
        .route("/api/cue/{op}", post(cue).fallback(use_post))
        .route("/api/param/{name}", post(param).fallback(use_post))
        .route("/api/calibrate", post(calibrate).fallback(use_post))
        .route("/api/call/{name}", post(call).fallback(use_post))
        .route("/api/{op}", post(action).fallback(unknown))
        .fallback(unknown)
        .layer(axum::extract::DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(shared)
}

fn page(body: &'static str, kind: &'static str) -> Response {
    ([(header::CONTENT_TYPE, kind), (header::CACHE_CONTROL, "no-cache")], body).into_response()
}

/// An error answer: counted, with the reason as JSON.
fn refuse(shared: &Shared, code: StatusCode, why: impl Into<String>) -> Response {
    let why = why.into();
    shared.refused(code.as_u16(), &why);
    (code, axum::Json(json!({"ok": false, "error": why}))).into_response()
}

async fn unknown(State(s): St, uri: axum::http::Uri) -> Response {
    s.counters.requests.fetch_add(1, Ordering::Relaxed);
    refuse(
        &s,
        StatusCode::NOT_FOUND,
        format!(
            "no such page or call: {}. The API is GET /api/status, /api/log, /api/ws, /healthz; POST /api/cue/go|back|stop|goto, \
             /api/param/NAME, /api/call/NAME, /api/panic|reset|standby|wake|learn, /api/login (see the README, \"Web console\")",
            uri.path()
        ),
    )
}

async fn use_post(State(s): St, uri: axum::http::Uri) -> Response {
    s.counters.requests.fetch_add(1, Ordering::Relaxed);
    refuse(
        &s,
        StatusCode::METHOD_NOT_ALLOWED,
        format!("{} is a control call: send it as POST with a JSON body", uri.path()),
    )
}

/// The token a request presents: `Authorization: Bearer TOKEN`, else the login cookie.
fn presented(headers: &HeaderMap) -> Option<&str> {
    if let Some(v) = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) {
        return Some(v.strip_prefix("Bearer ").unwrap_or(v).trim());
    }
    let cookies = headers.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok());
    cookies.flat_map(|c| c.split(';')).find_map(|kv| kv.trim().strip_prefix(COOKIE)?.strip_prefix('='))
}

/// How this request may see the console: `on`, `locked` or `off`.
fn role(s: &Shared, headers: &HeaderMap) -> &'static str {
    match (&s.token, presented(headers)) {
        (None, _) => "off",
        // Only a check that passes counts as `on`; a wrong cookie is not counted as a failure
        // here (a page reload would lock its own address out).
        (Some(_), Some(p)) if s.token_matches(p) => "on",
        _ => "locked",
    }
}

/// Control calls: the right token, or why not.
fn authorize(s: &Shared, peer: SocketAddr, headers: &HeaderMap) -> Result<(), Box<Response>> {
    if s.token.is_none() {
        return Err(Box::new(refuse(
            s,
            StatusCode::FORBIDDEN,
            "this console is view only: no control token is configured (set [console] token in the scene or \
             QUAI_TOKEN in the show's environment)",
        )));
    }
    // A cross-site form cannot use the cookie to drive the show (SameSite=Strict, and the origin).
    if let (Some(origin), Some(host)) = (headers.get(header::ORIGIN), headers.get(header::HOST))
        && let (Ok(origin), Ok(host)) = (origin.to_str(), host.to_str())
        && origin.split("://").nth(1) != Some(host)
    {
        return Err(Box::new(refuse(
            s,
            StatusCode::FORBIDDEN,
            format!("a page from {origin} may not control this show"),
        )));
    }
    match s.check(peer, presented(headers)) {
        Access::Control => Ok(()),
        Access::View => Err(Box::new(refuse(
            s,
            StatusCode::UNAUTHORIZED,
            "control needs the token: log in, or send Authorization: Bearer TOKEN",
        ))),
        Access::Denied => Err(Box::new(refuse(s, StatusCode::FORBIDDEN, "wrong token; nothing changed"))),
        Access::Limited => Err(Box::new(refuse(
            s,
            StatusCode::TOO_MANY_REQUESTS,
            "too many wrong tokens from this address: try again in a minute",
        ))),
    }
}

/// The snapshot as this client sees it (its role, and the servers' own counters).
fn snapshot(s: &Shared, headers: &HeaderMap) -> Value {
    let status = s.board.current();
    let mut v = serde_json::to_value(&*status).unwrap_or_else(|_| json!({}));
    v["control"] = json!(role(s, headers));
    let c = &s.counters;
    v["console"] = json!({
        "requests": c.requests.load(Ordering::Relaxed),
        "refused": c.bad.load(Ordering::Relaxed),
        "denied": c.denied.load(Ordering::Relaxed),
        "turned_away": c.turned_away.load(Ordering::Relaxed),
        "commands": c.commands.load(Ordering::Relaxed),
    });
    v
}

async fn status(State(s): St, headers: HeaderMap) -> Response {
    s.counters.requests.fetch_add(1, Ordering::Relaxed);
    axum::Json(snapshot(&s, &headers)).into_response()
}

async fn healthz(State(s): St) -> Response {
    s.counters.requests.fetch_add(1, Ordering::Relaxed);
    let st = s.board.current();
    let body = json!({
        "ok": st.healthy,
        "health": st.health,
        "scene": st.scene,
        "frame": st.frame,
        "fps": st.fps,
        "standby": st.standby,
    });
    let code = if st.healthy { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    (code, axum::Json(body)).into_response()
}

#[derive(serde::Deserialize)]
struct Since {
    since: Option<u64>,
}

async fn log(State(s): St, Query(q): Query<Since>) -> Response {
    s.counters.requests.fetch_add(1, Ordering::Relaxed);
    let since = q.since.unwrap_or(0);
    axum::Json(json!({"log": LogRing::global().since(since)})).into_response()
}

async fn thumbnail(State(s): St) -> Response {
    s.counters.requests.fetch_add(1, Ordering::Relaxed);
    match s.board.thumbnail() {
        Some(png) => {
            ([(header::CONTENT_TYPE, "image/png"), (header::CACHE_CONTROL, "no-store")], png.to_vec()).into_response()
        }
        None => refuse(&s, StatusCode::NOT_FOUND, "no thumbnail yet (the first comes a second after the first frame)"),
    }
}

async fn ws(State(s): St, headers: HeaderMap, up: WebSocketUpgrade) -> Response {
    s.counters.requests.fetch_add(1, Ordering::Relaxed);
    let Ok(permit) = s.sockets.clone().try_acquire_owned() else {
        return refuse(
            &s,
            StatusCode::SERVICE_UNAVAILABLE,
            format!("{} WebSockets are open already", super::MAX_SOCKETS),
        );
    };
    up.max_message_size(BODY_LIMIT).on_upgrade(move |socket| async move {
        push_status(socket, s, headers).await;
        drop(permit);
    })
}

/// Push the snapshot (and new log lines) every [`PUSH_EVERY`] until the client goes or the
/// console stops. What the client sends is read and ignored (pings are answered by axum).
async fn push_status(mut socket: WebSocket, s: Arc<Shared>, headers: HeaderMap) {
    let mut tick = tokio::time::interval(PUSH_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut stop = s.stop.clone();
    let mut seq = 0;
    loop {
        tokio::select! {
            _ = tick.tick() => {
                let log = LogRing::global().since(seq);
                if let Some(last) = log.last() {
                    seq = last.seq;
                }
                let msg = json!({"type": "status", "status": snapshot(&s, &headers), "log": log});
                // A client that cannot keep up: drop it rather than queue without end.
                let sent = tokio::time::timeout(Duration::from_secs(5), socket.send(Message::Text(msg.to_string().into()))).await;
                if !matches!(sent, Ok(Ok(()))) {
                    return;
                }
            }
            got = socket.recv() => match got {
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                Some(Ok(_)) => {}
            },
            _ = stop.changed() => return,
        }
    }
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct LoginBody {
    token: String,
}

async fn login(
    State(s): St,
    ConnectInfo(peer): Peer,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Response {
    s.counters.requests.fetch_add(1, Ordering::Relaxed);
    let body: LoginBody = match parse(&s, body) {
        Ok(b) => b,
        Err(r) => return *r,
    };
    if s.token.is_none() {
        return refuse(&s, StatusCode::FORBIDDEN, "this console is view only: no control token is configured");
    }
    match s.check(peer, Some(&body.token)) {
        Access::Control => {
            let cookie = format!("{COOKIE}={}; HttpOnly; SameSite=Strict; Path=/; Max-Age=43200", body.token);
            let mut r = axum::Json(json!({"ok": true})).into_response();
            if let Ok(v) = HeaderValue::from_str(&cookie) {
                r.headers_mut().insert(header::SET_COOKIE, v);
            }
            tracing::info!("console: {} logged in", peer.ip());
            r
        }
        Access::Limited => {
            refuse(&s, StatusCode::TOO_MANY_REQUESTS, "too many wrong tokens from this address: try again in a minute")
        }
        _ => refuse(&s, StatusCode::UNAUTHORIZED, "wrong token"),
    }
}

async fn logout(State(s): St) -> Response {
    s.counters.requests.fetch_add(1, Ordering::Relaxed);
    let mut r = axum::Json(json!({"ok": true})).into_response();
    let clear = format!("{COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0");
    if let Ok(v) = HeaderValue::from_str(&clear) {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    r
}

/// What every control call does first: count it, check the token, read the body as `T`.
fn control_body<T: serde::de::DeserializeOwned>(
    s: &Shared,
    peer: SocketAddr,
    headers: &HeaderMap,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<T, Box<Response>> {
    s.counters.requests.fetch_add(1, Ordering::Relaxed);
    authorize(s, peer, headers)?;
    parse(s, body)
}

/// A JSON body of type `T` (an empty body reads as `{}`), or a 400/413 saying what is wrong.
fn parse<T: serde::de::DeserializeOwned>(
    s: &Shared,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<T, Box<Response>> {
    let bytes = body.map_err(|e| {
        let code = e.status();
        let why = if code == StatusCode::PAYLOAD_TOO_LARGE {
            format!("the body is larger than {BODY_LIMIT} bytes")
        } else {
            format!("cannot read the body: {e}")
        };
        Box::new(refuse(s, code, why))
    })?;
    let bytes: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) { b"{}" } else { &bytes };
    serde_json::from_slice(bytes).map_err(|e| {
        Box::new(refuse(s, StatusCode::BAD_REQUEST, format!("the body is not the JSON this call takes: {e}")))
    })
}

#[derive(serde::Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct CueBody {
    list: Option<String>,
    cue: Option<String>,
}

async fn cue(
    State(s): St,
    ConnectInfo(peer): Peer,
    Path(op): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Response {
    let b: CueBody = match control_body(&s, peer, &headers, body) {
        Ok(b) => b,
        Err(r) => return *r,
    };
    let st = s.board.latest();
    let list = match find_list(&s, &st, b.list.as_deref()) {
        Ok(l) => l,
        Err(r) => return *r,
    };
    // The list as named in the command: none means the default list, as a bare `go` does.
    let named = b.list.clone();
    let command = match op.as_str() {
        "go" => {
            if st.standby != "awake" {
                return refuse(&s, StatusCode::CONFLICT, "the show is in standby: wake it first");
            }
            if list.next.is_none() {
                return refuse(
                    &s,
                    StatusCode::CONFLICT,
                    format!("list `{}` is at its last cue: nothing to GO to (back, goto or reset)", list.name),
                );
            }
            Command::Go(named)
        }
        "back" => {
            if st.standby != "awake" {
                return refuse(&s, StatusCode::CONFLICT, "the show is in standby: wake it first");
            }
            Command::Back(named)
        }
        "stop" => Command::Stop(named),
        "goto" => {
            let Some(cue) = b.cue else {
                return refuse(
                    &s,
                    StatusCode::BAD_REQUEST,
                    "goto needs the cue: {\"cue\": \"NAME\"} (and \"list\" for another list than the default)",
                );
            };
            if !list.cues.contains(&cue) {
                let hint = did_you_mean(&cue, list.cues.iter().map(String::as_str))
                    .unwrap_or_else(|| format!("its cues are: {}", list.cues.join(", ")));
                return refuse(&s, StatusCode::NOT_FOUND, format!("list `{}` has no cue `{cue}`; {hint}", list.name));
            }
            if st.standby != "awake" {
                return refuse(&s, StatusCode::CONFLICT, "the show is in standby: wake it first");
            }
            Command::Goto { list: named, cue }
        }
        other => {
            return refuse(&s, StatusCode::NOT_FOUND, format!("no cue operation `{other}`: go, back, stop or goto"));
        }
    };
    accepted(&s, peer, command)
}

fn find_list<'a>(
    s: &Shared,
    st: &'a Status,
    name: Option<&str>,
) -> Result<&'a super::status::ListStatus, Box<Response>> {
    if st.cues.is_empty() {
        return Err(Box::new(refuse(s, StatusCode::NOT_FOUND, "the scene has no cue lists")));
    }
    match name {
        None => Ok(st.cues.iter().find(|l| l.default).unwrap_or(&st.cues[0])),
        Some(n) => st.cues.iter().find(|l| l.name == n).ok_or_else(|| {
            let names: Vec<&str> = st.cues.iter().map(|l| l.name.as_str()).collect();
            let hint =
                did_you_mean(n, names.iter().copied()).unwrap_or_else(|| format!("lists are: {}", names.join(", ")));
            Box::new(refuse(s, StatusCode::NOT_FOUND, format!("no cue list `{n}`; {hint}")))
        }),
    }
}

/// `POST /api/call/NAME`: run `fn NAME()` of the scene's scripts (the `call` command).
async fn call(
    State(s): St,
    ConnectInfo(peer): Peer,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Response {
    let _: ActionBody = match control_body(&s, peer, &headers, body) {
        Ok(b) => b,
        Err(r) => return *r,
    };
    let st = s.board.latest();
    if !st.functions.contains(&name) {
        let hint = match st.functions.is_empty() {
            true => "the scene's scripts define no functions without arguments to call".to_string(),
            false => did_you_mean(&name, st.functions.iter().map(String::as_str))
                .unwrap_or_else(|| format!("functions are: {}", st.functions.join(", "))),
        };
        return refuse(&s, StatusCode::NOT_FOUND, format!("no script function `{name}()`; {hint}"));
    }
    accepted(&s, peer, Command::Call(name))
}

fn accepted(s: &Shared, peer: SocketAddr, command: Command) -> Response {
    let text = command.to_string();
    s.send(peer, command);
    (StatusCode::ACCEPTED, axum::Json(json!({"ok": true, "command": text}))).into_response()
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ParamBody {
    value: f64,
}

async fn param(
    State(s): St,
    ConnectInfo(peer): Peer,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Response {
    let b: ParamBody = match control_body(&s, peer, &headers, body) {
        Ok(b) => b,
        Err(r) => return *r,
    };
    match check_param(&s.board.latest(), &name, b.value) {
        Ok(value) => accepted(&s, peer, Command::Set { param: name, value }),
        Err((code, why)) => refuse(&s, code, why),
    }
}

/// A direct set of `name` to `value` is possible: the parameter exists and the value is in its
/// range. (Also used by OSCQuery writes.)
pub fn check_param(st: &Status, name: &str, value: f64) -> Result<f32, (StatusCode, String)> {
    let Some(p) = st.params.iter().find(|p| p.name == name) else {
        let names: Vec<&str> = st.params.iter().map(|p| p.name.as_str()).collect();
        let hint = did_you_mean(name, names.iter().copied())
            .unwrap_or_else(|| format!("parameters are: {}", names.join(", ")));
        return Err((StatusCode::NOT_FOUND, format!("no parameter `{name}`; {hint}")));
    };
    let v = value as f32;
    if !value.is_finite() || v < p.min || v > p.max {
        return Err((
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("{value} is outside `{name}`'s range {}..{}{}; nothing changed", p.min, p.max, unit(&p.unit)),
        ));
    }
    Ok(v)
}

fn unit(u: &str) -> String {
    if u.is_empty() { String::new() } else { format!(" {u}") }
}

#[derive(serde::Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ActionBody {
    /// `standby`: the fade in seconds.
    fade: Option<f64>,
    /// `learn`: a parameter or a command.
    what: Option<String>,
    cancel: Option<bool>,
}

async fn action(
    State(s): St,
    ConnectInfo(peer): Peer,
    Path(op): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Response {
    if !matches!(op.as_str(), "panic" | "reset" | "standby" | "wake" | "learn") {
        return unknown(State(s), format!("/api/{op}").parse().unwrap_or_default()).await;
    }
    let b: ActionBody = match control_body(&s, peer, &headers, body) {
        Ok(b) => b,
        Err(r) => return *r,
    };
    let command = match op.as_str() {
        "panic" => Command::Panic,
        "reset" => Command::Reset,
        "wake" => Command::Wake,
        "standby" => match b.fade {
            None => Command::Standby(None),
            Some(f) if f.is_finite() && (0.0..=3600.0).contains(&f) => Command::Standby(Some(f as f32)),
            Some(f) => return refuse(&s, StatusCode::UNPROCESSABLE_ENTITY, format!("fade {f}: seconds, 0 to 3600")),
        },
        _ => match (b.cancel, b.what) {
            (Some(true), _) => Command::Learn(Learn::Cancel),
            (_, Some(what)) => match commands::parse(&format!("learn {what}")) {
                Ok(Command::Learn(Learn::Param(p))) => {
                    if let Err((code, why)) = check_param(&s.board.latest(), &p, f64::NAN).or_else(|e| match e.0 {
                        StatusCode::UNPROCESSABLE_ENTITY => Ok(0.0),
                        _ => Err(e),
                    }) {
                        return refuse(&s, code, why);
                    }
                    Command::Learn(Learn::Param(p))
                }
                Ok(c) => c,
                Err(e) => return refuse(&s, StatusCode::BAD_REQUEST, format!("learn {what}: {e}")),
            },
            _ => {
                return refuse(
                    &s,
                    StatusCode::BAD_REQUEST,
                    "learn needs {\"what\": \"PARAM\"} or {\"what\": \"go LIST\"}, or {\"cancel\": true}",
                );
            }
        },
    };
    accepted(&s, peer, command)
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct CalibrateBody {
    /// A calibration address, with or without `/quai/calibrate/`: `nudge`, `select/next`,
    /// `focus`, `OUTPUT/corner/N`, `save`, ...
    address: String,
    #[serde(default)]
    args: Vec<Value>,
}

/// A calibration move for a window calibrating its projectors (`quai run --calibrate`): the
/// same moves as `/quai/calibrate/...` OSC, sent to the show as that OSC message.
async fn calibrate(
    State(s): St,
    ConnectInfo(peer): Peer,
    headers: HeaderMap,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Response {
    use crate::input::event::{EventKind, InputEvent, OscValue};
    let b: CalibrateBody = match control_body(&s, peer, &headers, body) {
        Ok(b) => b,
        Err(r) => return *r,
    };
    if !s.board.latest().calibrating {
        return refuse(
            &s,
            StatusCode::CONFLICT,
            "this show is not calibrating: start it in a window with quai run SCENE --calibrate",
        );
    }
    let address = match b.address.trim_start_matches('/').strip_prefix("quai/calibrate/") {
        Some(rest) => format!("/quai/calibrate/{rest}"),
        None => format!("/quai/calibrate/{}", b.address.trim_start_matches('/')),
    };
    let mut osc = Vec::new();
    let mut args = Vec::new();
    for a in &b.args {
        match a {
            Value::Number(n) if n.as_f64().is_some_and(f64::is_finite) => {
                let v = n.as_f64().unwrap_or(0.0);
                osc.push(rosc::OscType::Double(v));
                args.push(OscValue::Float(v));
            }
            Value::String(t) => {
                osc.push(rosc::OscType::String(t.clone()));
                args.push(OscValue::Str(t.clone()));
            }
            other => {
                return refuse(
                    &s,
                    StatusCode::BAD_REQUEST,
                    format!("calibration arguments are numbers or strings, not {other}"),
                );
            }
        }
    }
    if let Err(why) = crate::app::calibrate_osc::parse(&address, &osc) {
        return refuse(&s, StatusCode::BAD_REQUEST, why);
    }
    s.counters.commands.fetch_add(1, Ordering::Relaxed);
    let input: Arc<str> = Arc::from(format!("console {}", peer.ip()));
    s.commands.push(InputEvent { t: s.origin.now(), input, kind: EventKind::Osc { addr: address.clone(), args } });
    (StatusCode::ACCEPTED, axum::Json(json!({"ok": true, "command": address}))).into_response()
}
