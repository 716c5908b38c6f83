//! Calibration over OSC (`quai run --calibrate --calibrate-osc [ADDR:]PORT`, or the same addresses
//! on any OSC input of the scene while `--calibrate` runs): a tablet (TouchOSC, Open Stage Control)
//! or a script makes the same moves as the keyboard and mouse. Messages become
//! [`CalOp`]s on the projector outputs' command channel, so every path goes through the same
//! checks (a folding move is refused with a warning, whoever sends it).
//!
//! | address | arguments | move |
//! |---|---|---|
//! | `/quai/calibrate/OUTPUT/corner/N` | x y (output pixels) | put corner N (0..3, or `tl` `tr` `br` `bl`) there |
//! | `/quai/calibrate/OUTPUT/mesh/I/J` | x y (output pixels) | put mesh point (column I, row J) there |
//! | `/quai/calibrate/focus` | output name | handles to that output |
//! | `/quai/calibrate/nudge` | dx dy (output pixels) | move the selected handle |
//! | `/quai/calibrate/select/next`, `/select/prev` | | select a handle |
//! | `/quai/calibrate/undo`, `/redo`, `/save`, `/pattern`, `/reset`, `/reset_all`, `/output/next`, `/mesh/finer`, `/mesh/remove` | | as the keys |

use std::net::{SocketAddr, UdpSocket};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;
use std::time::Duration;

use rosc::{OscPacket, OscType};

use crate::output::projector::calibrate::Handle;
use crate::output::projector::{CalOp, Command};

const PREFIX: &str = "/quai/calibrate/";

/// The calibration move of a `/quai/calibrate/...` event from one of the scene's OSC inputs
/// (`None` for other events).
pub fn parse_event(e: &crate::input::event::InputEvent) -> Option<Result<CalOp, String>> {
    use crate::input::event::{EventKind, OscValue};
    let EventKind::Osc { addr, args } = &e.kind else { return None };
    let args: Vec<OscType> = args
        .iter()
        .map(|a| match a {
            OscValue::Int(i) => OscType::Long(*i),
            OscValue::Float(f) => OscType::Double(*f),
            OscValue::Str(s) => OscType::String(s.clone()),
            OscValue::Bool(b) => OscType::Bool(*b),
            OscValue::Nil => OscType::Nil,
        })
        .collect();
    Some(parse(addr, &args))
}

/// The calibration move an OSC message stands for, or why it is none.
pub fn parse(addr: &str, args: &[OscType]) -> Result<CalOp, String> {
    let Some(rest) = addr.strip_prefix(PREFIX) else {
        return Err(format!("`{addr}` is not a calibration address (they start with {PREFIX})"));
    };
    let num = |k: usize| -> Result<f64, String> {
        match args.get(k) {
            Some(OscType::Float(v)) => Ok(f64::from(*v)),
            Some(OscType::Double(v)) => Ok(*v),
            Some(OscType::Int(v)) => Ok(f64::from(*v)),
            Some(OscType::Long(v)) => Ok(*v as f64),
            Some(other) => Err(format!("`{addr}`: argument {} is {other:?}, not a number", k + 1)),
            None => Err(format!("`{addr}` needs {} numbers", k + 1)),
        }
    };
    let xy = || -> Result<[f64; 2], String> {
        let p = [num(0)?, num(1)?];
        if p.iter().all(|v| v.is_finite()) { Ok(p) } else { Err(format!("`{addr}`: not a position")) }
    };
    let parts: Vec<&str> = rest.split('/').collect();
    Ok(match parts.as_slice() {
        ["select", "next"] => CalOp::SelectNext,
        ["select", "prev"] => CalOp::SelectPrev,
        ["nudge"] => {
            let [dx, dy] = xy()?;
            CalOp::Nudge(dx, dy)
        }
        ["undo"] => CalOp::Undo,
        ["redo"] => CalOp::Redo,
        ["save"] => CalOp::Save,
        ["pattern"] => CalOp::TogglePattern,
        ["reset"] => CalOp::ResetSelected,
        ["reset_all"] => CalOp::ResetAll,
        ["output", "next"] => CalOp::NextOutput,
        ["mesh", "finer"] => CalOp::MeshFiner,
        ["mesh", "remove"] => CalOp::RemoveMesh,
        ["focus"] => match args.first() {
            Some(OscType::String(name)) => CalOp::Focus(name.clone()),
            _ => return Err(format!("`{addr}` needs the output's name (a string)")),
        },
        [output, "corner", n] => {
            let k = match *n {
                "tl" => 0,
                "tr" => 1,
                "br" => 2,
                "bl" => 3,
                n => n.parse::<usize>().ok().filter(|k| *k < 4).ok_or_else(|| {
                    format!("`{addr}`: corner `{n}` is not 0..3 (top-left, top-right, bottom-right, bottom-left) or tl/tr/br/bl")
                })?,
            };
            CalOp::MoveTo { output: output.to_string(), handle: Handle::Corner(k), pos: xy()? }
        }
        [output, "mesh", i, j] => {
            let (i, j) = match (i.parse::<u32>(), j.parse::<u32>()) {
                (Ok(i), Ok(j)) => (i, j),
                _ => return Err(format!("`{addr}`: mesh point `{i}/{j}` is not column/row numbers")),
            };
            CalOp::MoveTo { output: output.to_string(), handle: Handle::Mesh(i, j), pos: xy()? }
        }
        _ => {
            return Err(format!(
                "`{addr}` is not a calibration address; see scenes/README.md, \"Calibrating in the room\""
            ));
        }
    })
}

/// The listener thread; stops (and joins) on drop.
pub struct CalibrationOsc {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl CalibrationOsc {
    /// Listen on `bind`; an error says why (busy port, no such address) in words a technician
    /// can act on.
    pub fn start(bind: SocketAddr, control: Sender<Command>) -> Result<Self, String> {
        let socket = UdpSocket::bind(bind).map_err(|e| {
            format!("calibration OSC: cannot listen on {bind}: {e} (choose another port with --calibrate-osc)")
        })?;
        socket.set_read_timeout(Some(Duration::from_millis(200))).map_err(|e| e.to_string())?;
        tracing::info!("calibration OSC: listening on {bind} for {PREFIX}...");
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::Builder::new()
            .name("quai-calibrate-osc".into())
            .spawn(move || listen(&socket, &control, &flag))
            .map_err(|e| e.to_string())?;
        Ok(CalibrationOsc { stop, thread: Some(thread) })
    }
}

impl Drop for CalibrationOsc {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn listen(socket: &UdpSocket, control: &Sender<Command>, stop: &AtomicBool) {
    let mut buf = vec![0u8; 65_536];
    // Each bad address is reported once, not once per message a fader sends.
    let mut reported: Vec<String> = Vec::new();
    while !stop.load(Ordering::Relaxed) {
        let (n, from) = match socket.recv_from(&mut buf) {
            Ok(r) => r,
            Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => continue,
            Err(e) => {
                tracing::warn!("calibration OSC: {e}");
                continue;
            }
        };
        let packet = match rosc::decoder::decode_udp(&buf[..n]) {
            Ok((_, p)) => p,
            Err(e) => {
                tracing::warn!("calibration OSC: a packet from {from} is not OSC ({e})");
                continue;
            }
        };
        let mut messages = Vec::new();
        flatten(packet, &mut messages);
        for m in messages {
            match parse(&m.addr, &m.args) {
                Ok(op) => {
                    if control.send(Command::Calibrate(op)).is_err() {
                        return; // the show has stopped
                    }
                }
                Err(why) if !reported.contains(&m.addr) => {
                    tracing::warn!("calibration OSC from {from}: {why}");
                    reported.push(m.addr);
                }
                Err(_) => {}
            }
        }
    }
}

fn flatten(packet: OscPacket, out: &mut Vec<rosc::OscMessage>) {
    match packet {
        OscPacket::Message(m) => out.push(m),
        OscPacket::Bundle(b) => b.content.into_iter().for_each(|p| flatten(p, out)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_become_the_moves_the_keys_make() {
        let f = |v: f32| OscType::Float(v);
        assert_eq!(
            parse("/quai/calibrate/left/corner/tr", &[f(1900.0), OscType::Int(4)]),
            Ok(CalOp::MoveTo { output: "left".into(), handle: Handle::Corner(1), pos: [1900.0, 4.0] })
        );
        assert_eq!(
            parse("/quai/calibrate/vase/mesh/2/1", &[f(400.0), f(300.5)]),
            Ok(CalOp::MoveTo { output: "vase".into(), handle: Handle::Mesh(2, 1), pos: [400.0, 300.5] })
        );
        assert_eq!(parse("/quai/calibrate/nudge", &[f(-0.5), f(0.0)]), Ok(CalOp::Nudge(-0.5, 0.0)));
        assert_eq!(parse("/quai/calibrate/save", &[]), Ok(CalOp::Save));
        assert_eq!(
            parse("/quai/calibrate/focus", &[OscType::String("right".into())]),
            Ok(CalOp::Focus("right".into()))
        );
        let bad = parse("/quai/calibrate/left/corner/5", &[f(0.0), f(0.0)]).unwrap_err();
        assert!(bad.contains("is not 0..3"), "{bad}");
        let bad = parse("/quai/calibrate/left/corner/0", &[f(0.0)]).unwrap_err();
        assert!(bad.contains("needs 2 numbers"), "{bad}");
        assert!(parse("/quai/calibrat/save", &[]).is_err());
    }
}
