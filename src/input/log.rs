//! The input log: every input event as one JSON object per line (DESIGN.md), written by
//! `quai run --record` on a writer thread and read back by `quai render --replay` so the same
//! events go through the same mappings on the offline clock.
//!
//! ```text
//! {"t": 1.250, "src": "osc",    "port": "phone", "addr": "/sensor/distance", "args": [123.5]}
//! {"t": 1.262, "src": "midi",   "port": "nanoKONTROL2", "msg": [176, 7, 100]}
//! {"t": 1.300, "src": "serial", "port": "lab-arduino", "line": "dist 412"}
//! {"t": 2.000, "src": "command", "by": "key space", "do": "go picture"}
//! ```
//! `port` is the scene's input name; an OSC line without it goes to the scene's first OSC input.
//! Command lines are what was sent straight to the show (keys, the console); commands that come
//! from events (OSC `/quai/...`, a trigger's `do`) are not logged twice: the event is, and a
//! replay derives the command from it again.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{self, SyncSender};

use serde_json::{Value, json};

use super::event::{EventKind, InputEvent, OscValue};
use crate::scene::{InputKind, Scene};

#[derive(Debug, thiserror::Error)]
pub enum LogError {
    #[error("input log {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("input log {path}:{line}: {why}")]
    Line { path: PathBuf, line: usize, why: String },
}

/// One event as a log line (no newline).
pub fn to_line(e: &InputEvent) -> String {
    let t = (e.t * 1e6).round() / 1e6;
    let v = match &e.kind {
        EventKind::Osc { addr, args } => {
            let args: Vec<Value> = args
                .iter()
                .map(|a| match a {
                    OscValue::Int(i) => json!(i),
                    OscValue::Float(f) => json!(f),
                    OscValue::Str(s) => json!(s),
                    OscValue::Bool(b) => json!(b),
                    OscValue::Nil => Value::Null,
                })
                .collect();
            json!({"t": t, "src": "osc", "port": &*e.input, "addr": addr, "args": args})
        }
        EventKind::Midi { bytes, .. } => json!({"t": t, "src": "midi", "port": &*e.input, "msg": bytes}),
        EventKind::Serial { line } => json!({"t": t, "src": "serial", "port": &*e.input, "line": line}),
        EventKind::Command(c) => json!({"t": t, "src": "command", "by": &*e.input, "do": c.to_string()}),
    };
    v.to_string()
}

/// Read a log for `scene`: events in time order, each tied to one of the scene's inputs.
pub fn read(path: &Path, scene: &Scene) -> Result<Vec<InputEvent>, LogError> {
    let file = std::fs::File::open(path).map_err(|source| LogError::Io { path: path.into(), source })?;
    let names: Vec<Arc<str>> = scene.inputs.iter().map(|i| Arc::from(i.name.as_str())).collect();
    let mut events = Vec::new();
    for (n, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line.map_err(|source| LogError::Io { path: path.into(), source })?;
        if line.trim().is_empty() {
            continue;
        }
        let err = |why: String| LogError::Line { path: path.into(), line: n + 1, why };
        let v: Value = serde_json::from_str(&line).map_err(|e| err(format!("not JSON: {e}")))?;
        events.push(parse(&v, scene, &names).map_err(err)?);
    }
    // Stable: events with the same time keep their order in the file.
    events.sort_by(|a, b| a.t.total_cmp(&b.t));
    Ok(events)
}

fn parse(v: &Value, scene: &Scene, names: &[Arc<str>]) -> Result<InputEvent, String> {
    let t = v
        .get("t")
        .and_then(Value::as_f64)
        .filter(|t| t.is_finite() && *t >= 0.0)
        .ok_or("`t` must be a number of seconds >= 0")?;
    let src =
        v.get("src").and_then(Value::as_str).ok_or("`src` must be \"osc\", \"midi\", \"serial\" or \"command\"")?;
    if src == "command" {
        let by = v.get("by").and_then(Value::as_str).unwrap_or("log");
        let text = v.get("do").and_then(Value::as_str).ok_or("a command line needs `do`, e.g. \"do\": \"go\"")?;
        let cmd = crate::show::commands::parse(text).map_err(|e| e.to_string())?;
        return Ok(InputEvent { t, input: Arc::from(by), kind: EventKind::Command(cmd) });
    }
    let port = v.get("port").and_then(Value::as_str);
    let input = |want: &str| -> Result<Arc<str>, String> {
        let fits = |k: &InputKind| {
            matches!(
                (want, k),
                ("osc", InputKind::Osc { .. })
                    | ("midi", InputKind::Midi { .. })
                    | ("serial", InputKind::Serial { .. })
            )
        };
        let found = match port {
            Some(p) => scene.inputs.iter().position(|i| i.name == p),
            None => scene.inputs.iter().position(|i| fits(&i.kind)),
        };
        found.map(|i| names[i].clone()).ok_or_else(|| {
            let known: Vec<&str> = scene.inputs.iter().map(|i| i.name.as_str()).collect();
            format!(
                "no input `{}` in the scene (its inputs: {})",
                port.unwrap_or(want),
                if known.is_empty() { "none".into() } else { known.join(", ") }
            )
        })
    };
    let kind = match src {
        "osc" => {
            let addr = v
                .get("addr")
                .and_then(Value::as_str)
                .filter(|a| a.starts_with('/'))
                .ok_or("`addr` must be an OSC address")?;
            let args = v.get("args").and_then(Value::as_array).map(|a| a.as_slice()).unwrap_or(&[]);
            let args = args
                .iter()
                .map(|a| match a {
                    Value::Null => Ok(OscValue::Nil),
                    Value::Bool(b) => Ok(OscValue::Bool(*b)),
                    Value::String(s) => Ok(OscValue::Str(s.clone())),
                    Value::Number(n) if n.is_i64() => Ok(OscValue::Int(n.as_i64().unwrap_or_default())),
                    Value::Number(n) => n.as_f64().map(OscValue::Float).ok_or("bad number"),
                    _ => Err("`args` holds numbers, strings, booleans or null"),
                })
                .collect::<Result<Vec<_>, _>>()?;
            EventKind::Osc { addr: addr.to_string(), args }
        }
        "midi" => {
            let bytes: Vec<u8> = v
                .get("msg")
                .and_then(Value::as_array)
                .ok_or("`msg` must be the MIDI bytes, e.g. [176, 7, 100]")?
                .iter()
                .map(|b| b.as_u64().filter(|b| *b < 256).map(|b| b as u8).ok_or("MIDI bytes are 0..255"))
                .collect::<Result<_, _>>()?;
            let msg = super::midi::decode::decode(&bytes).ok_or("`msg` is not a MIDI channel message")?;
            EventKind::Midi { bytes, msg }
        }
        "serial" => {
            EventKind::Serial { line: v.get("line").and_then(Value::as_str).ok_or("`line` must be text")?.to_string() }
        }
        other => return Err(format!("unknown src `{other}`: use \"osc\", \"midi\" or \"serial\"")),
    };
    Ok(InputEvent { t, input: input(src)?, kind })
}

/// Writes events to a log file on its own thread, so the frame loop never waits on the disk: the
/// render thread only hands each event over (a bounded queue); the JSON is built and written on
/// the recorder's thread. If the disk cannot keep up, events are dropped and counted rather than
/// blocking the show: the first drop is warned about at once, the total when recording stops.
pub struct Recorder {
    tx: Option<SyncSender<InputEvent>>,
    thread: Option<std::thread::JoinHandle<()>>,
    dropped: u64,
    path: PathBuf,
}

/// Events the recorder holds between the render thread and the disk.
pub const RECORDER_QUEUE: usize = 65_536;

impl Recorder {
    pub fn create(path: &Path) -> Result<Self, LogError> {
        let file = std::fs::File::create(path).map_err(|source| LogError::Io { path: path.into(), source })?;
        let (tx, rx) = mpsc::sync_channel::<InputEvent>(RECORDER_QUEUE);
        let shown = path.display().to_string();
        let thread = std::thread::Builder::new()
            .name("quai-recorder".into())
            .spawn(move || {
                let mut out = std::io::BufWriter::new(file);
                let mut failed = false;
                while let Ok(event) = rx.recv() {
                    // Write what is queued, then flush: a crash loses at most a moment of events.
                    let mut r = writeln!(out, "{}", to_line(&event));
                    while let (true, Ok(more)) = (r.is_ok(), rx.try_recv()) {
                        r = writeln!(out, "{}", to_line(&more));
                    }
                    if let Err(e) = r.and_then(|()| out.flush())
                        && !failed
                    {
                        tracing::error!("input log {shown}: {e}; recording stopped");
                        failed = true;
                    }
                }
                let _ = out.flush();
            })
            .map_err(|source| LogError::Io { path: path.into(), source })?;
        Ok(Self { tx: Some(tx), thread: Some(thread), dropped: 0, path: path.to_path_buf() })
    }

    pub fn record(&mut self, e: &InputEvent) {
        let Some(tx) = &self.tx else { return };
        if let Err(mpsc::TrySendError::Full(_)) = tx.try_send(e.clone()) {
            if self.dropped == 0 {
                tracing::warn!(
                    "input log {}: the disk does not keep up; events are being dropped from the log \
                     (the show itself gets them all); the count is reported when recording stops",
                    self.path.display()
                );
            }
            self.dropped += 1;
        }
    }

    pub fn dropped(&self) -> u64 {
        self.dropped
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        drop(self.tx.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        if self.dropped > 0 {
            tracing::warn!(
                "input log {}: {} events were dropped because the disk did not keep up; a replay of it \
                 will miss them",
                self.path.display(),
                self.dropped
            );
        }
    }
}
