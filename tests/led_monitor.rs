//! `quai monitor --artnet / --sacn` driven as a technician would: the real binary listening on the
//! real ports, fed by senders nobody on this project wrote (PyPI `stupidArtnet` and `sacn` through
//! tests/tools/led_send.py, `artnet_protocol`'s ArtPollReply) and by raw sockets sending garbage.
//! Art-Net 6454 and sACN 5568 are fixed ports, so each test holds the lock the OLA harness takes
//! (`common::ola::lock_receivers`) for as long as it listens.

mod common;

use std::fs::File;
use std::net::UdpSocket;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::ola::{lock_receivers, tool};
use common::{Proc, wait_log};

const WITHIN: Duration = Duration::from_secs(20);

/// `quai monitor ARGS` with stdout and stderr in files under `dir`.
fn monitor(dir: &Path, args: &[&str]) -> Proc {
    let child = Command::new(env!("CARGO_BIN_EXE_quai"))
        .arg("monitor")
        .args(args)
        .stdout(File::create(dir.join("out.txt")).expect("out.txt"))
        .stderr(File::create(dir.join("err.txt")).expect("err.txt"))
        .spawn()
        .expect("quai monitor");
    Proc(child)
}

fn led_send(args: &[&str]) {
    let o = Command::new("python3").arg(tool("led_send.py")).args(args).output().expect("python3 led_send.py");
    assert!(o.status.success(), "led_send.py {args:?}: {}", String::from_utf8_lossy(&o.stderr));
}

fn send_raw(to: &str, packets: &[&[u8]]) {
    let socket = UdpSocket::bind("127.0.0.1:0").expect("raw sender");
    for p in packets {
        socket.send_to(p, to).expect("send");
    }
}

fn still_running(quai: &mut Proc, dir: &Path) {
    let status = quai.0.try_wait().expect("try_wait");
    let err = std::fs::read_to_string(dir.join("err.txt")).unwrap_or_default();
    assert!(status.is_none(), "the monitor exited ({status:?}):\n{err}");
}

/// Art-Net from stupidArtnet (with ArtSync), a node name from an ArtPollReply, and garbage: every
/// universe line shows the universe, source, node name and channels; ArtSync and malformed packets
/// are counted in the summary; the monitor keeps going and prints the next sender.
#[test]
fn artnet_lines_sync_and_malformed() {
    let _lock = lock_receivers();
    let tmp = tempfile::tempdir().expect("tmp");
    let mut quai = monitor(tmp.path(), &["--artnet", "127.0.0.1", "--duration", "60"]);
    wait_log(&tmp.path().join("err.txt"), "artnet: listening on 127.0.0.1:6454", 1, WITHIN);

    let reply = artnet_protocol::PollReply {
        address: "127.0.0.1".parse().unwrap(),
        short_name: *b"stage-left\0\0\0\0\0\0\0\0",
        ..Default::default()
    };
    let reply = artnet_protocol::ArtCommand::PollReply(Box::new(reply)).write_to_buffer().expect("ArtPollReply");
    send_raw("127.0.0.1:6454", &[&reply]);
    wait_log(&tmp.path().join("out.txt"), "node \"stage-left\"", 1, WITHIN);

    led_send(&["artnet", "--universe", "17", "--values", "10,20,30", "--seconds", "1.5", "--fps", "40", "--sync"]);
    send_raw("127.0.0.1:6454", &[b"Art-Net\0", b"not art-net at all", b"Art-Net\0\x00\x50\x00\x0e", b"Art-Net\0"]);
    wait_log(&tmp.path().join("out.txt"), "malformed packet from 127.0.0.1:", 3, WITHIN);
    still_running(&mut quai, tmp.path());
    led_send(&["artnet", "--universe", "17", "--values", "40,50,60", "--seconds", "0.5", "--fps", "40"]);
    let out = wait_log(&tmp.path().join("out.txt"), " 40  50  60 ", 1, WITHIN);
    let err = wait_log(&tmp.path().join("err.txt"), "malformed: artnet 4", 1, WITHIN);
    assert_eq!(quai.stop(), "exit status: 0", "{err}");

    let data: Vec<&str> =
        out.lines().filter(|l| l.starts_with("artnet 17 (0:1:1) from \"stage-left\" (127.0.0.1:")).collect();
    assert_eq!(data.len(), 2, "one line per sender (their data does not change):\n{out}");
    assert!(data[0].contains(": ch1-8  10  20  30   0   0   0   0   0  (512 ch)"), "{out}");
    assert!(data[1].contains(": ch1-8  40  50  60   0   0   0   0   0  (512 ch)"), "{out}");
    assert!(out.contains("(18 bytes): packet does not start with the Art-Net ID"), "{out}");
    assert!(out.contains("(12 bytes): ArtDmx packet is 12 bytes but needs at least 20"), "{out}");
    let summary = err.lines().find(|l| l.contains("artnet 17 (0:1:1): ") && l.contains("/s, 1 source")).unwrap_or("");
    assert!(!summary.is_empty(), "a summary line with the universe's rate:\n{err}");
    assert!(err.contains("sync: artnet ") && !err.contains("(0 in all)"), "ArtSync counted:\n{err}");
}

/// sACN unicast from PyPI `sacn`: the line shows universe, source name, CID, priority and
/// channels; stream-terminated is an event; a universe asked for but silent says so; garbage is
/// counted, and the monitor goes on.
#[test]
fn sacn_lines_terminated_and_malformed() {
    let _lock = lock_receivers();
    let tmp = tempfile::tempdir().expect("tmp");
    let mut quai = monitor(tmp.path(), &["--sacn", "5", "--sacn", "6", "--duration", "60"]);
    wait_log(&tmp.path().join("err.txt"), "sacn: listening on 0.0.0.0:5568", 1, WITHIN);

    send_raw("127.0.0.1:5568", &[b"\x00\x10\x00\x00ASC-E1.17", &[0u8; 200]]);
    wait_log(&tmp.path().join("out.txt"), "sacn: malformed packet from 127.0.0.1:", 2, WITHIN);
    still_running(&mut quai, tmp.path());
    let args = ["--values", "1,2,3,4,5,6,7,8,9", "--priority", "150", "--source-name", "lab facade"];
    led_send(&[&["sacn", "--universe", "5", "--seconds", "1.5", "--fps", "40", "--terminate"], &args[..]].concat());
    let out = wait_log(&tmp.path().join("out.txt"), "terminated universe 5", 1, WITHIN);
    let err = wait_log(&tmp.path().join("err.txt"), "malformed: sacn 2", 1, WITHIN);
    still_running(&mut quai, tmp.path());
    assert_eq!(quai.stop(), "exit status: 0", "{err}");

    let data: Vec<&str> = out.lines().filter(|l| l.starts_with("sacn 5 from \"lab facade\" (127.0.0.1:")).collect();
    assert!(!data.is_empty(), "{out}");
    assert!(
        data[0].contains(" prio 150 seq ") && data[0].contains(": ch1-8   1   2   3   4   5   6   7   8  ("),
        "{out}"
    );
    assert!(data[0].contains(", cid "), "{out}");
    let ended: Vec<&str> = out.lines().filter(|l| l.contains("terminated universe 5")).collect();
    assert_eq!(ended.len(), 1, "three terminated packets, one event:\n{out}");
    assert!(ended[0].starts_with("sacn: source \"lab facade\" (127.0.0.1:"), "{out}");
    assert!(out.contains("(13 bytes): packet is 13 octets; an E1.31 root layer needs at least 38"), "{out}");
    assert!(out.contains("(200 bytes): preamble size is 0x0000, not 0x0010"), "{out}");
    assert!(err.contains("sacn 6: 0/s, nothing yet"), "{err}");
    assert!(err.lines().any(|l| l.contains("sacn 5: ") && !l.contains("sacn 5: 0/s")), "a rate for universe 5:\n{err}");
}

/// A port held by a program that does not share it: exit 2, naming the port and what to do.
#[test]
fn artnet_port_taken_exits_2_with_the_fix() {
    let _lock = lock_receivers();
    let Ok(_holder) = UdpSocket::bind("0.0.0.0:6454") else { panic!("UDP 6454 is taken by another program") };
    let o = Command::new(env!("CARGO_BIN_EXE_quai"))
        .args(["monitor", "--artnet", "--duration", "1"])
        .stdin(Stdio::null())
        .output()
        .expect("quai monitor");
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("cannot listen on UDP 0.0.0.0:6454") && err.contains("ss -ulpn 'sport = :6454'"), "{err}");
}
