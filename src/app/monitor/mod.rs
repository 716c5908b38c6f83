//! `quai monitor`: start inputs from the command line (no scene needed) and print every event as
//! it arrives, one per line, with a once-a-second rate/drop/status summary on stderr. For checking
//! wiring and controllers before writing mappings, and (`led`, `led_view`) the Art-Net / sACN
//! traffic on the LED network. Runs on the main thread; the inputs run on their own.

mod led;
mod led_stream;
mod led_view;

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use super::AppError;
use crate::input::EventQueue;
use crate::input::event::EventKind;
use crate::input::osc::{AllowList, parse_bind};
use crate::input::serial::{LineProtocol, csv_fields, parse_line};
use crate::input::sources::Source;
use crate::scene::{Input, InputKind, Monitor, SerialProtocol};
use crate::show::ShowClock;
pub use led::LedOptions;

/// What to listen to: `[ADDR:]PORT`, MIDI port names (or indices), `PATH[@BAUD]`, LED protocols.
#[derive(Debug, Clone, Default)]
pub struct MonitorOptions {
    pub osc: Vec<String>,
    pub midi: Vec<String>,
    pub serial: Vec<String>,
    pub led: LedOptions,
    pub duration: Option<Duration>,
}

#[derive(Debug, thiserror::Error)]
pub enum MonitorError {
    #[error("--osc `{0}`: not a port or address:port (e.g. 9000 or 0.0.0.0:9000)")]
    Osc(String),
    #[error("--serial `{0}`: the baud rate after @ is not a number (e.g. /dev/ttyACM0@115200)")]
    Baud(String),
    #[error(
        "nothing to monitor: give --osc PORT, --midi NAME, --serial PATH[@BAUD], --artnet [ADDR] or --sacn UNIVERSE"
    )]
    Nothing,
}

pub fn inputs(opts: &MonitorOptions) -> Result<Vec<Input>, MonitorError> {
    let mut inputs = Vec::new();
    for o in &opts.osc {
        let bind = parse_bind(o).map_err(|_| MonitorError::Osc(o.clone()))?;
        let kind = InputKind::Osc { bind, allow: AllowList::everyone(), feedback: None };
        inputs.push(Input { name: format!("osc:{}", bind.port()), kind, queue: 4096 });
    }
    for m in &opts.midi {
        let port = m.parse().map(Monitor::Index).unwrap_or_else(|_| Monitor::Name(m.clone()));
        inputs.push(Input {
            name: m.clone(),
            kind: InputKind::Midi { port, channel: None, feedback: None },
            queue: 4096,
        });
    }
    for s in &opts.serial {
        let (port, baud) = match s.rsplit_once('@') {
            Some((p, b)) => (p.to_string(), b.parse().map_err(|_| MonitorError::Baud(s.clone()))?),
            None => (s.clone(), 115_200),
        };
        let kind = InputKind::Serial {
            port: port.clone(),
            baud,
            protocol: SerialProtocol::Lines,
            columns: vec![],
            max_line: 1024,
        };
        inputs.push(Input { name: port, kind, queue: 4096 });
    }
    if inputs.is_empty() && opts.led.artnet.is_none() && opts.led.sacn.is_empty() {
        return Err(MonitorError::Nothing);
    }
    Ok(inputs)
}

pub fn run(opts: &MonitorOptions, stop: Arc<AtomicBool>) -> Result<(), AppError> {
    let inputs = inputs(opts).map_err(|e| AppError::Usage(e.to_string()))?;
    let clock = ShowClock::start();
    let mut running = Vec::new();
    for input in &inputs {
        let queue = EventQueue::new(input.queue);
        let started = match &input.kind {
            // Each OSC event names its sender, so that two senders can be told apart.
            InputKind::Osc { bind, allow, .. } => {
                let now = move || clock.now();
                crate::input::osc::source::OscInput::spawn_with(
                    Arc::from(input.name.as_str()),
                    *bind,
                    allow.clone(),
                    queue.clone(),
                    now,
                    true,
                )
                .map(|input| Source::Osc { input, feedback: None })
                .map_err(|e| e.to_string())
            }
            _ => Source::start(input, queue.clone(), clock).map_err(|e| e.to_string()),
        };
        match started {
            Ok(source) => running.push((input.name.clone(), source, queue, 0u64, 0u64)),
            Err(e) => return Err(AppError::Environment(e)),
        }
    }
    let mut led = led::LedMonitor::open(&opts.led).map_err(|e| AppError::Environment(e.to_string()))?;
    let started = Instant::now();
    let mut next_summary = started + Duration::from_secs(1);
    let stdout = std::io::stdout();
    let mut values = Vec::new();
    while !stop.load(Ordering::Relaxed) && opts.duration.is_none_or(|d| started.elapsed() < d) {
        let mut out = stdout.lock();
        for (_, _, queue, _, _) in &running {
            queue.drain(|e| {
                let _ = write!(out, "{} {e}", crate::show::clock::wall_time_ms());
                if let EventKind::Osc { .. } = &e.kind {
                    let _ = write!(out, " from {}", e.input);
                }
                if let EventKind::Serial { line } = &e.kind {
                    let _ = write!(out, "{}", read_as_lines(line, &mut values));
                }
                let _ = writeln!(out);
            });
        }
        if let Some(led) = &mut led {
            led.poll(&mut out);
        }
        let _ = out.flush();
        drop(out);
        if Instant::now() >= next_summary {
            next_summary += Duration::from_secs(1);
            let mut parts: Vec<String> = running
                .iter_mut()
                .map(|(name, source, queue, seen, dropped)| {
                    let (r, d) = (queue.received(), queue.dropped());
                    let line = format!("{name}: {}/s, {} dropped; {}", r - *seen, d - *dropped, source.status());
                    (*seen, *dropped) = (r, d);
                    line
                })
                .collect();
            if let Some(led) = &mut led {
                parts.extend(led.summary());
            }
            eprintln!("[{:.0} s] {}", started.elapsed().as_secs_f64(), parts.join(" | "));
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    Ok(())
}

/// What a scene's serial input with `protocol = "lines"` reads from `line`, to print after it:
/// `  → dist 412, light 80`, and the first problem if part of the line would be skipped.
fn read_as_lines(line: &str, values: &mut Vec<(String, f64)>) -> String {
    let result = parse_line(&LineProtocol::NameValue, line, values);
    // Bare numbers: a board written for `protocol = "csv"`, not a broken `lines` board.
    let numbers = csv_fields(line);
    if values.is_empty() && result.is_err() && numbers.iter().all(|n| n.parse::<f64>().is_ok_and(f64::is_finite)) {
        return format!(
            "  → {} numbers: {} (for a scene: protocol = \"csv\", columns = [one name per number])",
            numbers.len(),
            numbers.join(", ")
        );
    }
    let read: Vec<String> = values.iter().map(|(n, v)| format!("{n} {v}")).collect();
    let mut out = if read.is_empty() { String::new() } else { format!("  → {}", read.join(", ")) };
    if let Err(e) = result {
        out.push_str(&format!("  ✗ {}", e.problem()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serial_lines_show_what_a_scene_would_read() {
        let mut v = Vec::new();
        assert_eq!(read_as_lines("dist 412 light=80", &mut v), "  → dist 412, light 80");
        assert_eq!(read_as_lines("# booting", &mut v), "");
        assert_eq!(
            read_as_lines("412,80", &mut v),
            "  → 2 numbers: 412, 80 (for a scene: protocol = \"csv\", columns = [one name per number])"
        );
        assert_eq!(
            read_as_lines("dist=412 light=4O", &mut v),
            "  → dist 412  ✗ value `4O` for `light` is not a finite number (`light` skipped)"
        );
    }
}
