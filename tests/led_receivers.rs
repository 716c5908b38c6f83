//! The LED output against receivers nobody on this project wrote: OLA's olad (Art-Net and E1.31
//! input ports, read back over its HTTP API) and python `sacn` / a raw packet decoder
//! (tests/tools/led_capture.py), driving the real binary (`quai run --headless`).
//! Needs the packages of scripts/setup (ola, python3 with sacn and stupidArtnet); runs as root
//! here and in CI, olad itself as its own user (tests/common/ola.rs).

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::ola::{Capture, Olad, Proto};
use common::{Proc, wait_log};

/// A canvas of one flat colour, an Art-Net strip and an sACN matrix: every LED receives the
/// same colour, so the expected channels can be computed by hand.
fn scene(dir: &Path, colour: &str, extra_sacn: &str) -> std::path::PathBuf {
    let text = format!(
        r##"[show]
canvas = [64, 32]
fps = 40
[[layers]]
name = "flat"
color = "{colour}"

[[outputs]]
name = "strip"
kind = "artnet"
to = ["127.0.0.1"]

[[outputs]]
name = "panel"
kind = "sacn"
to = ["127.0.0.1"]
source_name = "quai test panel"
priority = 150
{extra_sacn}

[[fixtures]]
name = "s"
output = "strip"
kind = "strip"
pixels = 10
points = [[4, 16], [60, 16]]
universe = 1
gamma = 1.0

[[fixtures]]
name = "m"
output = "panel"
kind = "matrix"
pixels = [4, 2]
universe = 5
channel = 11
order = "grb"
gamma = 1.0
"##
    );
    let path = dir.join("led.toml");
    std::fs::write(&path, text).expect("scene");
    path
}

fn quai_run(scene: &Path, log: &Path, seconds: &str) -> Proc {
    let state = log.with_file_name("state");
    Proc(
        Command::new(env!("CARGO_BIN_EXE_quai"))
            .args(["run", scene.to_str().expect("path"), "--headless", "--duration", seconds])
            .env("QUAI_LOG", "info")
            .env("XDG_STATE_HOME", state)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(log).expect("log"))
            .spawn()
            .expect("quai"),
    )
}

/// A running show's facade arrives in olad in the right universes and channels with the right
/// values: "#ff8000" on an RGB Art-Net strip (port-address 1, channels 1..30) and on a GRB sACN
/// matrix (universe 5 from channel 11); when the show stops, the fixtures go black.
#[test]
fn olad_receives_the_facade_from_a_running_show() {
    let olad = Olad::start();
    let art = olad.patch_input(Proto::ArtNet, 1);
    let e131 = olad.patch_input(Proto::E131, 5);
    let dir = tempfile::tempdir().expect("dir");
    let log = dir.path().join("quai.log");
    let mut quai = quai_run(&scene(dir.path(), "#ff8000", ""), &log, "30");

    // 0x80 = 128 on the canvas; gamma 1 maps it to 128 * 257 / 257 = 128 on the wire.
    let mut rgb = [255u8, 128, 0].repeat(10);
    let got = olad.wait_dmx(art, |d| d.len() >= 30 && d[..30] == rgb[..], Duration::from_secs(20));
    assert!(got[30..].iter().all(|&v| v == 0), "channels past the strip must stay 0: {got:?}");
    let grb = [128u8, 255, 0].repeat(8);
    let got = olad.wait_dmx(e131, |d| d.len() >= 34 && d[10..34] == grb[..], Duration::from_secs(20));
    assert!(got[..10].iter().all(|&v| v == 0), "channels before the matrix must stay 0: {got:?}");

    let ended = quai.stop();
    assert_eq!(ended, "exit status: 0", "{}", std::fs::read_to_string(&log).unwrap_or_default());
    rgb.fill(0);
    olad.wait_dmx(art, |d| d.len() >= 30 && d[..30] == rgb[..], Duration::from_secs(10));
    olad.wait_dmx(e131, |d| d.len() >= 34 && d[10..34].iter().all(|&v| v == 0), Duration::from_secs(10));
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(text.contains("LED output `strip`: stopped, fixtures black"), "{text}");
}

/// What a second, independent decoder sees of the sACN output: data packets with the declared
/// source name and priority, the sync address and sync packets after the frames, sequence numbers
/// that go up by one, keep-alive of unchanged data about once a second after the first repeats,
/// and stream-terminated packets when the show stops; Art-Net with ArtSync after its frames.
#[test]
fn sync_sequence_keep_alive_and_termination_on_the_wire() {
    let cap = Capture::start_bind(&["--proto", "both", "--channels", "12"]);
    let dir = tempfile::tempdir().expect("dir");
    let log = dir.path().join("quai.log");
    let mut quai = quai_run(&scene(dir.path(), "#336699", "sync = 7"), &log, "30");
    wait_log(&log, "LED output `panel`", 1, Duration::from_secs(30));
    // A flat canvas never changes: after 3 repeats only keep-alive, once a second. Watch 3.5 s.
    cap.wait_for(1, |p| p["proto"] == "sacn" && p["kind"] == "data", Duration::from_secs(20));
    std::thread::sleep(Duration::from_millis(3500));
    let ended = quai.stop();
    assert_eq!(ended, "exit status: 0", "{}", std::fs::read_to_string(&log).unwrap_or_default());
    cap.wait_for(3, |p| p["proto"] == "sacn" && p["terminated"] == true, Duration::from_secs(5));
    let all = cap.stop();

    let data: Vec<_> =
        all.iter().filter(|p| p["proto"] == "sacn" && p["kind"] == "data" && p["universe"] == 5).collect();
    let live: Vec<_> = data.iter().filter(|p| p["terminated"] == false).collect();
    assert!(live.len() >= 4, "too few sACN data packets: {data:?}");
    for p in &live {
        assert_eq!(p["source_name"], "quai test panel", "{p}");
        assert_eq!(p["priority"], 150, "{p}");
        assert_eq!(p["sync_address"], 7, "{p}");
    }
    // #336699 in GRB from channel 11: 0x66, 0x33, 0x99.
    let colour = &live[live.len() - 5]["channels"];
    assert_eq!(colour.as_array().map(|c| c[10..12].to_vec()), Some(vec![0x66.into(), 0x33.into()]), "{colour}");
    let seqs: Vec<u64> = data.iter().filter_map(|p| p["sequence"].as_u64()).collect();
    for w in seqs.windows(2) {
        assert_eq!((w[0] + 1) % 256, w[1], "sequence numbers must go up by one: {seqs:?}");
    }
    // Keep-alive: at 40 fps a changing universe would send ~140 packets in 3.5 s; an unchanged one
    // sends 1 + 3 repeats, then one a second.
    assert!(live.len() <= 12, "unchanged data must fall back to keep-alive, got {} packets", live.len());
    let times: Vec<f64> = live.iter().filter_map(|p| p["t"].as_f64()).collect();
    let gaps: Vec<f64> = times.windows(2).map(|w| w[1] - w[0]).filter(|g| *g > 0.5).collect();
    assert!(gaps.len() >= 2 && gaps.iter().all(|g| (0.8..1.3).contains(g)), "keep-alive gaps {gaps:?} in {times:?}");
    let syncs = all.iter().filter(|p| p["proto"] == "sacn" && p["kind"] == "sync").count();
    assert!(syncs >= live.len(), "a sync packet follows every frame: {syncs} syncs for {} data", live.len());
    let terminated: Vec<_> = data.iter().filter(|p| p["terminated"] == true).collect();
    assert!(terminated.len() >= 3, "three stream-terminated packets on stop: {data:?}");
    // Art-Net: ArtDmx for port-address 1 with sequence 1.., then ArtSync.
    let art: Vec<_> = all.iter().filter(|p| p["proto"] == "artnet" && p["kind"] == "dmx").collect();
    assert!(!art.is_empty() && art.iter().all(|p| p["universe"] == 1), "{art:?}");
    assert!(all.iter().any(|p| p["proto"] == "artnet" && p["kind"] == "sync"), "no ArtSync seen");
}

/// `quai led-test`: first every LED of one fixture at a time (the Art-Net strip all white while
/// the sACN matrix is dark), then the chase: the strip's first LED green behind the white one.
#[test]
fn led_test_lights_fixtures_then_chases_in_wiring_order() {
    let cap = Capture::start_bind(&["--proto", "both", "--channels", "12"]);
    let dir = tempfile::tempdir().expect("dir");
    let path = scene(dir.path(), "#000000", "");
    let log = dir.path().join("quai.log");
    let run = Command::new(env!("CARGO_BIN_EXE_quai"))
        .args(["led-test", path.to_str().expect("path"), "--hold", "0.5", "--speed", "20", "--level", "1"])
        .args(["--duration", "2"])
        .env("XDG_STATE_HOME", dir.path().join("state"))
        .env("QUAI_LOG", "info")
        .stderr(std::fs::File::create(&log).expect("log"))
        .status()
        .expect("quai led-test");
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(run.success(), "{text}");
    assert!(text.contains("fixture `s` lit white (10 LEDs)"), "{text}");
    let all = cap.stop();
    let art = |p: &&serde_json::Value| p["proto"] == "artnet" && p["kind"] == "dmx";
    let values = |p: &serde_json::Value| -> Vec<u64> {
        p["channels"].as_array().map(|c| c.iter().filter_map(|v| v.as_u64()).collect()).unwrap_or_default()
    };
    assert!(all.iter().filter(art).any(|p| values(p) == vec![255; 12]), "strip never all white: {all:?}");
    let chase = [0, 255, 0, 255, 255, 255, 0, 0, 0, 0, 0, 0];
    assert!(all.iter().filter(art).any(|p| values(p) == chase), "no chase step with the first LED green: {all:?}");
    let sacn_lit = all.iter().any(|p| p["proto"] == "sacn" && p["kind"] == "data" && values(p)[10] == 255);
    assert!(sacn_lit, "the matrix was never lit in its turn");
    assert!(text.contains("led-test: done"), "{text}");
}

/// An LED output whose `interface` is not an address of this machine: reported once with what to
/// do (retried every second, not reported again), and the show runs to its end regardless.
#[test]
fn a_missing_interface_is_reported_once_and_the_show_goes_on() {
    let dir = tempfile::tempdir().expect("dir");
    let text = "[show]\ncanvas = [16, 16]\n[[layers]]\nname = \"c\"\ncolor = \"#ffffff\"\n\
                [[outputs]]\nname = \"far\"\nkind = \"artnet\"\nto = [\"127.0.0.1\"]\ninterface = \"10.254.254.1\"\n\
                [[fixtures]]\nname = \"s\"\nkind = \"strip\"\npixels = 4\npoints = [[2, 8], [14, 8]]\nuniverse = 0\n";
    let path = dir.path().join("far.toml");
    std::fs::write(&path, text).expect("scene");
    let log = dir.path().join("quai.log");
    let mut quai = quai_run(&path, &log, "3.5");
    let start = std::time::Instant::now();
    while quai.0.try_wait().ok().flatten().is_none() && start.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(100));
    }
    let ended = quai.stop();
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    assert_eq!(ended, "exit status: 0", "{text}");
    let warned = text.matches("cannot send from 10.254.254.1").count();
    assert_eq!(warned, 1, "reported once, not at every retry:\n{text}");
    assert!(text.contains("`quai devices` lists the network interfaces"), "{text}");
    assert!(text.contains("stopped:"), "the show ran to its end:\n{text}");
}

/// The directed broadcast address of this machine's first interface that has one.
fn broadcast_address() -> std::net::Ipv4Addr {
    let out = Command::new("ip").args(["-4", "-o", "addr"]).output().expect("ip (package iproute2)");
    let text = String::from_utf8_lossy(&out.stdout);
    text.split_whitespace()
        .skip_while(|w| *w != "brd")
        .nth(1)
        .and_then(|b| b.parse().ok())
        .unwrap_or_else(|| panic!("no IPv4 interface with a broadcast address to send ArtPoll on:\n{text}"))
}

/// An ArtPoll broadcast on the network is answered with an ArtPollReply naming quai and the
/// output's universes (port-addresses 16 and 17: Net 0, Sub-Net 1, outputs 0 and 1), decoded by
/// the `artnet_protocol` crate; a malformed packet on the port is counted, and the show goes on.
#[test]
fn artpoll_is_answered_with_the_output_universes() {
    use artnet_protocol::ArtCommand;
    let _lock = common::ola::lock_receivers();
    let bcast = broadcast_address();
    let dir = tempfile::tempdir().expect("dir");
    let text = "[show]\ncanvas = [64, 16]\n[[layers]]\nname = \"c\"\ncolor = \"#102030\"\n\
                [[outputs]]\nname = \"front\"\nkind = \"artnet\"\nto = [\"127.0.0.1\"]\nsource_name = \"quai front\"\n\
                [[fixtures]]\nname = \"s\"\nkind = \"strip\"\npixels = 200\npoints = [[1, 8], [63, 8]]\nuniverse = 16\n";
    let path = dir.path().join("poll.toml");
    std::fs::write(&path, text).expect("scene");
    let log = dir.path().join("quai.log");
    let mut quai = quai_run(&path, &log, "20");
    wait_log(&log, "LED output `front`", 1, Duration::from_secs(30));

    let s = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::DGRAM, None).expect("socket");
    s.set_reuse_address(true).expect("reuse");
    s.set_reuse_port(true).expect("reuse port");
    s.set_broadcast(true).expect("broadcast");
    s.bind(&std::net::SocketAddr::from(([0, 0, 0, 0], 6454)).into()).expect("bind 6454");
    let sock: std::net::UdpSocket = s.into();
    sock.set_read_timeout(Some(Duration::from_millis(200))).expect("timeout");
    let poll = ArtCommand::Poll(artnet_protocol::Poll::default()).write_to_buffer().expect("ArtPoll");
    let start = std::time::Instant::now();
    let mut reply = None;
    while reply.is_none() && start.elapsed() < Duration::from_secs(10) {
        sock.send_to(b"Art-Net\0\x00", (bcast, 6454)).expect("send garbage");
        sock.send_to(&poll, (bcast, 6454)).expect("send ArtPoll");
        let mut buf = [0u8; 1500];
        while let Ok((n, _)) = sock.recv_from(&mut buf) {
            if let Ok(ArtCommand::PollReply(r)) = ArtCommand::from_buffer(&buf[..n]) {
                reply = Some(r);
                break;
            }
        }
    }
    let r = reply.unwrap_or_else(|| {
        panic!("no ArtPollReply within 10 s; log:\n{}", std::fs::read_to_string(&log).unwrap_or_default())
    });
    let name = String::from_utf8_lossy(&r.short_name).trim_end_matches('\0').to_string();
    assert_eq!(name, "quai front");
    assert_eq!(r.port_address, [0, 1], "Net 0, Sub-Net 1");
    assert_eq!(r.num_ports, [0, 2]);
    assert_eq!(r.swout[..2], [0, 1]);
    assert_eq!(r.port_types[..2], [0x80, 0x80], "two DMX output ports");
    assert_eq!(quai.stop(), "exit status: 0");
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    assert_eq!(
        text.matches("malformed packet from").count(),
        1,
        "first malformed packet reported, then counted:\n{text}"
    );
}

/// Hot reload of the hardware map: a saved edit that moves the Art-Net strip to another universe
/// restarts that output's sender, which then sends on the new universe; the sACN output, whose
/// settings did not change, keeps its sender (and its sequence numbers) running.
#[test]
fn a_saved_patch_edit_moves_the_strip_to_its_new_universe() {
    let cap = Capture::start_bind(&["--proto", "both", "--channels", "3"]);
    let dir = tempfile::tempdir().expect("dir");
    let path = scene(dir.path(), "#ff0000", "");
    let log = dir.path().join("quai.log");
    let mut quai = quai_run(&path, &log, "30");
    // The first red frame: the show (and its file watcher) is running. Senders start black before it.
    let red = serde_json::json!([255, 0, 0]);
    cap.wait_for(1, |p| p["kind"] == "dmx" && p["universe"] == 1 && p["channels"] == red, Duration::from_secs(20));
    let text = std::fs::read_to_string(&path).expect("scene");
    std::fs::write(&path, text.replacen("universe = 1", "universe = 3", 1)).expect("edit");
    wait_log(&log, "scene reloaded", 1, Duration::from_secs(20));
    let moved = cap.wait_for(
        1,
        |p| p["proto"] == "artnet" && p["kind"] == "dmx" && p["universe"] == 3,
        Duration::from_secs(10),
    );
    assert_eq!(moved[0]["channels"], red, "the new sender starts with the picture, no black frame: {moved:?}");
    assert_eq!(quai.stop(), "exit status: 0");
    let log = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(log.contains("LED output `strip`: new settings or fixtures, restarting its sender"), "{log}");
    assert!(!log.contains("LED output `panel`: new settings"), "the unchanged sACN output kept its sender:\n{log}");
    let all = cap.stop();
    let seqs: Vec<u64> = all
        .iter()
        .filter(|p| p["proto"] == "sacn" && p["kind"] == "data" && p["terminated"] == false)
        .filter_map(|p| p["sequence"].as_u64())
        .collect();
    assert!(seqs.windows(2).all(|w| (w[0] + 1) % 256 == w[1]), "sACN sequence restarted: {seqs:?}");
}

/// This machine's first non-loopback IPv4 address (an interface multicast can leave by).
fn lan_address() -> String {
    let out = Command::new("ip").args(["-4", "-o", "addr"]).output().expect("ip (package iproute2)");
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .filter(|l| !l.contains(" lo "))
        .find_map(|l| l.split_whitespace().skip_while(|w| *w != "inet").nth(1))
        .and_then(|a| a.split('/').next())
        .map(str::to_string)
        .unwrap_or_else(|| panic!("no non-loopback IPv4 interface for multicast:\n{text}"))
}

/// sACN without `to` goes multicast: each universe to 239.255.hi.lo (universe 4005 → 239.255.15.165)
/// through the configured `interface`, sync packets to the sync universe's group, discovery to
/// 239.255.250.214; seen on the wire by the sniffing capture.
#[test]
fn sacn_multicast_leaves_by_the_configured_interface() {
    let iface = lan_address();
    let _lock = common::ola::lock_receivers();
    let cap = Capture::start(&["--proto", "sacn"]);
    let dir = tempfile::tempdir().expect("dir");
    let text = format!(
        "[show]\ncanvas = [16, 16]\n[[layers]]\nname = \"c\"\ncolor = \"#804020\"\n\
         [[outputs]]\nname = \"sky\"\nkind = \"sacn\"\ninterface = \"{iface}\"\nttl = 2\n\
         [[fixtures]]\nname = \"s\"\nkind = \"strip\"\npixels = 4\npoints = [[2, 8], [14, 8]]\nuniverse = 4005\ngamma = 1.0\n"
    );
    let path = dir.path().join("sky.toml");
    std::fs::write(&path, text).expect("scene");
    let log = dir.path().join("quai.log");
    let mut quai = quai_run(&path, &log, "20");
    let data = cap.wait_for(
        2,
        |p| p["kind"] == "data" && p["dst"] == "239.255.15.165:5568" && p["universe"] == 4005,
        Duration::from_secs(20),
    );
    assert_eq!(
        data[0]["channels"].as_array().map(|c| c[..3].to_vec()),
        Some(vec![0x80.into(), 0x40.into(), 0x20.into()])
    );
    cap.wait_for(1, |p| p["kind"] == "sync" && p["dst"] == "239.255.15.165:5568", Duration::from_secs(5));
    cap.wait_for(1, |p| p["dst"] == "239.255.250.214:5568", Duration::from_secs(12));
    assert_eq!(quai.stop(), "exit status: 0", "{}", std::fs::read_to_string(&log).unwrap_or_default());
    cap.stop();
}
