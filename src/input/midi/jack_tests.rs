//! MIDI tests against a real JACK server and virtual ports made with midir; each runs in a child
//! process with its own `jackd` (see `jack_harness`). Run on `cargo test` threads.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use midir::os::unix::{VirtualInput, VirtualOutput};

use super::jack_harness::{Jackd, WAIT, in_jack_child, retry, wait_for};
use super::{MidiInput, MidiOutput, MidiState, PortMatch, list_ports};
use crate::input::event::{EventKind, EventQueue, MidiMessage};

fn connected_to(state: MidiState, port: &str) -> bool {
    state == MidiState::Connected(port.to_owned())
}

/// A virtual output port `quai-test:<port>` that quai can read from.
fn virtual_out(port: &str) -> midir::MidiOutputConnection {
    retry("virtual output port", || {
        midir::MidiOutput::new("quai-test").map_err(|e| e.to_string())?.create_virtual(port).map_err(|e| e.to_string())
    })
}

/// Sends a channel-2 ping until every queue has received something (JACK activates new
/// connections at the next cycle), then empties the queues.
fn sync(port: &mut midir::MidiOutputConnection, queues: &[&EventQueue]) {
    let mut seen = vec![false; queues.len()];
    wait_for(WAIT, "a ping to arrive", || {
        port.send(&[0xB1, 119, 0]).unwrap();
        std::thread::sleep(Duration::from_millis(20));
        for (q, s) in queues.iter().zip(&mut seen) {
            q.drain(|_| *s = true);
        }
        seen.iter().all(|s| *s)
    });
    std::thread::sleep(Duration::from_millis(50));
    queues.iter().for_each(|q| q.drain(|_| {}));
}

fn take(queue: &EventQueue, n: usize) -> Vec<(Vec<u8>, MidiMessage)> {
    let mut got = vec![];
    wait_for(WAIT, &format!("{n} MIDI events"), || {
        queue.drain(|e| match e.kind {
            EventKind::Midi { bytes, msg } => got.push((bytes, msg)),
            other => panic!("{other:?}"),
        });
        got.len() >= n
    });
    got
}

/// On JACK, a virtual port made by `midir::MidiOutput::create_virtual` is a JACK *output* port of
/// the test client: quai lists it among its MIDI inputs (`list_ports().inputs`) and connects to
/// it; it is found, decoded, filtered by channel, lost and found again.
#[test]
fn input_follows_a_virtual_port() {
    in_jack_child(concat!(module_path!(), "::input_follows_a_virtual_port"), || {
        let _jack = Jackd::start();
        let (all_q, ch2_q) = (EventQueue::new(64), EventQueue::new(64));
        let all = MidiInput::spawn("ctl".into(), PortMatch::Name("QUAI-TEST-CTL".into()), None, all_q.clone(), || 1.25);
        let ch2 = MidiInput::spawn("ch2".into(), PortMatch::parse("quai-test-ctl"), Some(2), ch2_q.clone(), || 2.5);
        wait_for(
            WAIT,
            "`no match` state",
            || matches!(all.stats().state(), MidiState::Disconnected(r) if r.contains("no JACK MIDI input port matches name")),
        );
        let mut virt = virtual_out("quai-test-ctl");
        let port = "quai-test:quai-test-ctl";
        let ports = list_ports();
        assert!(ports.inputs.iter().any(|p| p == port) && !ports.outputs.iter().any(|p| p == port), "{ports:?}");
        wait_for(WAIT, "both inputs to connect", || {
            connected_to(all.stats().state(), port) && connected_to(ch2.stats().state(), port)
        });
        sync(&mut virt, &[&all_q, &ch2_q]);
        let (base_all, base_ch2) = (all.stats().messages(), ch2.stats().messages());
        for m in [&[0xB0, 7, 100][..], &[0x91, 60, 127], &[0xF8], &[0x91, 60, 0], &[0xE1, 0, 0x40], &[0xC1, 5]] {
            virt.send(m).unwrap();
        }
        use MidiMessage::*;
        let want = [
            ControlChange { channel: 1, controller: 7, value: 100 },
            NoteOn { channel: 2, note: 60, velocity: 127 },
            NoteOff { channel: 2, note: 60, velocity: 0 },
            PitchBend { channel: 2, value: 0 },
            ProgramChange { channel: 2, program: 5 },
        ];
        let got = take(&all_q, 5);
        assert_eq!(got.iter().map(|(_, m)| *m).collect::<Vec<_>>(), want);
        assert_eq!(got[0].0, [0xB0, 7, 100], "raw bytes are kept");
        let got = take(&ch2_q, 4);
        assert_eq!(got.iter().map(|(_, m)| *m).collect::<Vec<_>>(), want[1..]);
        assert_eq!((all.stats().messages() - base_all, all.stats().filtered()), (5, 1));
        assert_eq!((ch2.stats().messages() - base_ch2, ch2.stats().filtered()), (4, 2));

        drop(virt); // the port disappears
        wait_for(
            WAIT,
            "`went away` state",
            || matches!(all.stats().state(), MidiState::Disconnected(r) if r.contains("went away")),
        );
        let mut virt = virtual_out("quai-test-ctl");
        wait_for(Duration::from_secs(2), "reconnect", || connected_to(all.stats().state(), port));
        sync(&mut virt, &[&all_q]); // messages flow again
        assert_eq!(all.stats().reconnects(), 1);
    });
}

/// A virtual input port `quai-test-fb:<port>` that quai can send to; what arrives lands in `got`.
fn virtual_in(port: &str, got: &Arc<Mutex<Vec<Vec<u8>>>>) -> midir::MidiInputConnection<()> {
    retry("virtual input port", || {
        let got = got.clone();
        let client = midir::MidiInput::new("quai-test-fb").map_err(|e| e.to_string())?;
        client.create_virtual(port, move |_, b, _| got.lock().unwrap().push(b.to_vec()), ()).map_err(|e| e.to_string())
    })
}

/// No JACK is a state, not a panic; JACK appearing, dying under live connections (input and
/// output) and coming back, slowly or at once, are all followed.
#[test]
fn survives_jack_going_away_and_coming_back() {
    in_jack_child(concat!(module_path!(), "::survives_jack_going_away_and_coming_back"), || {
        let queue = EventQueue::new(64);
        let input = MidiInput::spawn("ctl".into(), PortMatch::parse("quai-test-ctl"), None, queue.clone(), || 0.0);
        let out = MidiOutput::connect("leds".into(), PortMatch::parse("quai-test-leds")).unwrap();
        let server = super::jack_server_name();
        wait_for(WAIT, "`JACK down` state", || {
            [input.stats().state(), out.stats().state()].iter().all(|s| {
                matches!(s, MidiState::Disconnected(r) if r.contains(&format!("JACK server `{server}` not running")))
            })
        });
        let ports = list_ports();
        assert!(ports.inputs.is_empty() && ports.problem.as_deref().is_some_and(|p| p.contains("jackd -d dummy")));

        let got = Arc::new(Mutex::new(Vec::new()));
        let mut jack = Jackd::start();
        for round in 0..3 {
            let mut virt = virtual_out("quai-test-ctl");
            let leds = virtual_in("quai-test-leds", &got);
            wait_for(WAIT, &format!("connections in round {round}"), || {
                connected_to(input.stats().state(), "quai-test:quai-test-ctl")
                    && connected_to(out.stats().state(), "quai-test-fb:quai-test-leds")
            });
            sync(&mut virt, &[&queue]);
            got.lock().unwrap().clear();
            wait_for(WAIT, "feedback to arrive", || {
                out.send_cc(1, 2, round);
                std::thread::sleep(Duration::from_millis(20));
                got.lock().unwrap().contains(&vec![0xB0, 2, round])
            });
            assert_eq!((input.stats().reconnects(), out.stats().reconnects()), (u64::from(round), u64::from(round)));
            jack.stop(); // JACK dies under live connections
            if round == 0 {
                wait_for(
                    WAIT,
                    "`JACK down` again",
                    || matches!(input.stats().state(), MidiState::Disconnected(r) if r.contains("not running")),
                );
            } // later rounds restart at once, possibly before the next scan notices
            // Clients of a dead server must never be closed: libjack has freed them (see `link`).
            std::mem::forget((virt, leds));
            jack = Jackd::start();
        }
        let start = Instant::now();
        drop((input, out));
        assert!(start.elapsed() < Duration::from_secs(1), "drop took {:?}", start.elapsed());
    });
}

/// Feedback goes out to a virtual input port (queued while not yet connected), with clamping and
/// channel checks, and follows the port when it goes away and comes back.
#[test]
fn output_feeds_back_and_reconnects() {
    in_jack_child(concat!(module_path!(), "::output_feeds_back_and_reconnects"), || {
        let _jack = Jackd::start();
        let out = MidiOutput::connect("leds".into(), PortMatch::Name("quai-test-leds".into())).unwrap();
        out.send_cc(1, 7, 100); // before the port exists: kept until connected
        let got = Arc::new(Mutex::new(Vec::<Vec<u8>>::new()));
        let virt = virtual_in("quai-test-leds", &got);
        let port = "quai-test-fb:quai-test-leds";
        assert!(list_ports().outputs.iter().any(|p| p == port));
        wait_for(WAIT, "connect", || connected_to(out.stats().state(), port));
        let received = |n: usize| {
            wait_for(WAIT, &format!("{n} messages at the port"), || got.lock().unwrap().len() >= n);
            got.lock().unwrap().clone()
        };
        assert_eq!(received(1), [vec![0xB0, 7, 100]]);
        out.send_note(2, 60, 127);
        out.send_cc(16, 20, 255); // clamped to 127
        out.send(MidiMessage::NoteOn { channel: 0, note: 1, velocity: 1 }); // no such channel: dropped
        assert_eq!(received(3)[1..], [vec![0x91, 60, 127], vec![0xBF, 20, 127]]);
        assert_eq!((out.stats().messages(), out.stats().filtered()), (3, 1));

        drop(virt);
        wait_for(WAIT, "`went away` state", || matches!(out.stats().state(), MidiState::Disconnected(_)));
        let _virt = virtual_in("quai-test-leds", &got);
        wait_for(Duration::from_secs(2), "reconnect", || connected_to(out.stats().state(), port));
        wait_for(WAIT, "feedback after reconnecting", || {
            out.send_note(1, 1, 0);
            std::thread::sleep(Duration::from_millis(20));
            got.lock().unwrap().contains(&vec![0x90, 1, 0])
        });
        assert_eq!(out.stats().reconnects(), 1);
    });
}
