//! `quai status [ADDR]`: a running show's health and state, read from its web console
//! (`GET /api/status`), for a technician over SSH.

use serde_json::Value;

use super::AppError;

/// Where `quai status` looks when no address is given.
pub const DEFAULT_ADDR: &str = "127.0.0.1:8080";

/// Fetch the status from the console at `addr` (`[http://]HOST:PORT` or a port) and print it.
/// Returns whether the show is healthy.
pub fn status(addr: Option<&str>, out: &mut impl std::io::Write) -> Result<bool, AppError> {
    let addr = addr.unwrap_or(DEFAULT_ADDR).trim_end_matches('/');
    let base = match addr.parse::<u16>() {
        Ok(port) => format!("http://127.0.0.1:{port}"),
        Err(_) if addr.starts_with("http://") => addr.to_string(),
        Err(_) => format!("http://{addr}"),
    };
    let url = format!("{base}/api/status");
    let agent: ureq::Agent =
        ureq::Agent::config_builder().timeout_global(Some(std::time::Duration::from_secs(5))).build().into();
    let unreachable = |e: String| {
        AppError::Environment(format!(
            "cannot read {url}: {e}. Is the show running with its console on (`quai run SCENE --console PORT`, \
             or [console] bind in the scene)? Give its address: quai status HOST:PORT"
        ))
    };
    let mut resp = agent.get(&url).call().map_err(|e| unreachable(e.to_string()))?;
    let v: Value = resp.body_mut().read_json().map_err(|e| unreachable(format!("not a quai console ({e})")))?;
    let w = |out: &mut dyn std::io::Write, line: String| {
        let _ = writeln!(out, "{line}");
    };
    let s = |v: &Value| v.as_str().unwrap_or("").to_string();
    let f = |v: &Value| v.as_f64().unwrap_or(0.0);
    let healthy = v["healthy"].as_bool().unwrap_or(false);
    w(
        out,
        format!(
            "{} ({}): {}{}",
            s(&v["scene"]),
            s(&v["path"]),
            if healthy { "healthy" } else { "NOT HEALTHY" },
            match s(&v["health"]).as_str() {
                "ok" => String::new(),
                h => format!(": {h}"),
            }
        ),
    );
    w(
        out,
        format!(
            "  frame {} at {:.1} fps (target {}), frame time mean {:.1} ms, p99 {:.1} ms, {} dropped; up {:.0} s, {} reloads",
            v["frame"],
            f(&v["fps"]),
            v["target_fps"],
            f(&v["frame_ms"]["mean"]),
            f(&v["frame_ms"]["p99"]),
            v["dropped"],
            f(&v["uptime_s"]),
            v["reloads"]
        ),
    );
    let schedule = match &v["schedule"] {
        Value::Null => String::new(),
        sch => format!(
            "; schedule ({}): {}, {}",
            s(&sch["zone"]),
            if sch["open"].as_bool() == Some(true) { "open" } else { "closed" },
            s(&sch["next"])
        ),
    };
    w(out, format!("  standby: {}{schedule}", s(&v["standby"])));
    if let Some(e) = v["reload_error"].as_str() {
        w(out, format!("  the latest edit did not load:\n    {}", e.replace('\n', "\n    ")));
    }
    for l in v["cues"].as_array().into_iter().flatten() {
        let fade = l["fade"].as_f64().map_or(String::new(), |p| format!(", fading {:.0}%", p * 100.0));
        let or_none = |x: &Value| x.as_str().map_or("(none)".to_string(), str::to_string);
        w(out, format!("  cues {}: at {}, next {}{fade}", s(&l["name"]), or_none(&l["current"]), or_none(&l["next"])));
    }
    for i in v["inputs"].as_array().into_iter().flatten() {
        w(
            out,
            format!(
                "  input {} ({}): {}; {} received, {:.1}/s, {} dropped",
                s(&i["name"]),
                s(&i["kind"]),
                s(&i["state"]),
                i["received"],
                f(&i["rate"]),
                i["dropped"]
            ),
        );
    }
    for o in v["outputs"].as_array().into_iter().flatten() {
        let rate = o["rate"].as_f64().map_or(String::new(), |r| format!(", {r:.0} packets/s"));
        w(out, format!("  output {} ({}): {}{rate}", s(&o["name"]), s(&o["kind"]), s(&o["state"])));
    }
    if let Some(a) = v["audio"].as_object() {
        w(out, format!("  audio: {}", a.get("device").map(s).unwrap_or_default()));
    }
    // Recent warnings and errors, from the console's log.
    let log_url = format!("{base}/api/log");
    if let Ok(mut r) = agent.get(&log_url).call()
        && let Ok(log) = r.body_mut().read_json::<Value>()
    {
        let problems: Vec<&Value> = log["log"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|e| matches!(e["level"].as_str(), Some("WARN" | "ERROR")))
            .collect();
        if !problems.is_empty() {
            w(out, "  recent warnings and errors:".to_string());
            for e in problems.iter().rev().take(5).rev() {
                w(out, format!("    {} {} {}", s(&e["time"]), s(&e["level"]), s(&e["message"])));
            }
        }
    }
    Ok(healthy)
}
