use super::*;
use crate::output::led::sacn::{Cid, DataHeader};

const CID: Cid = Cid([0x6b, 0xa7, 0xb8, 0x10, 0x9d, 0xad, 0x41, 0xd1, 0x80, 0xb4, 0, 0xc0, 0x4f, 0xd4, 0x30, 0xc8]);

fn from() -> SocketAddr {
    "10.0.0.7:50123".parse().unwrap()
}

fn sacn_data(universe: u16, sequence: u8, terminated: bool, dmx: &[u8]) -> Vec<u8> {
    let mut out = [0; sacn::DATA_MAX];
    let h = DataHeader {
        cid: CID,
        source_name: "facade",
        priority: 120,
        sync_address: 0,
        sequence,
        preview: false,
        terminated,
        force_sync: false,
        universe,
    };
    let n = sacn::encode_data(&mut out, &h, dmx);
    out[..n].to_vec()
}

fn art_dmx(sequence: u8, port_address: u16, dmx: &[u8]) -> Vec<u8> {
    let mut out = [0; artnet::ARTDMX_MAX];
    let n = artnet::encode_dmx(&mut out, sequence, 0, port_address, dmx);
    out[..n].to_vec()
}

fn lines(out: &mut Vec<u8>) -> Vec<String> {
    let text = String::from_utf8(std::mem::take(out)).unwrap();
    text.lines().map(str::to_string).collect()
}

#[test]
fn a_sacn_stream_prints_once_then_changes_at_most_once_a_second() {
    let mut v = LedView::new(false, &[1]);
    let (t0, mut out) = (Instant::now(), Vec::new());
    v.sacn(from(), &sacn_data(1, 1, false, &[10, 20, 30]), t0, &mut out);
    assert_eq!(
        lines(&mut out),
        ["sacn 1 from \"facade\" (10.0.0.7:50123, cid 6ba7b810) prio 120 seq 1: ch1-8  10  20  30  (3 ch)"]
    );
    // Same data 40 times a second: nothing more.
    for i in 2..40u8 {
        v.sacn(from(), &sacn_data(1, i, false, &[10, 20, 30]), t0 + Duration::from_millis(25 * u64::from(i)), &mut out);
    }
    assert!(lines(&mut out).is_empty());
    // A change within the second waits for it, and shows the latest values.
    v.sacn(from(), &sacn_data(1, 40, false, &[11, 20, 30]), t0 + Duration::from_millis(500), &mut out);
    v.sacn(from(), &sacn_data(1, 41, false, &[12, 20, 31]), t0 + Duration::from_millis(600), &mut out);
    v.tick(t0 + Duration::from_millis(900), &mut out);
    assert!(lines(&mut out).is_empty());
    v.tick(t0 + Duration::from_millis(1000), &mut out);
    assert_eq!(
        lines(&mut out),
        [
            "sacn 1 from \"facade\" (10.0.0.7:50123, cid 6ba7b810) prio 120 seq 41: ch1-8  12  20  31  (3 ch, 2 changed from ch 1)"
        ]
    );
    assert_eq!(v.summary(), ["sacn 1: 41/s, 1 source"]);
}

#[test]
fn backwards_sequence_is_counted_out_of_order_and_not_shown() {
    let mut v = LedView::new(false, &[1]);
    let (t0, mut out) = (Instant::now(), Vec::new());
    v.sacn(from(), &sacn_data(1, 100, false, &[1]), t0, &mut out);
    v.sacn(from(), &sacn_data(1, 90, false, &[2]), t0 + Duration::from_secs(2), &mut out);
    // 100 → 79 is 21 back: a restarted source, new (E1.31 §6.7.2).
    v.sacn(from(), &sacn_data(1, 79, false, &[3]), t0 + Duration::from_secs(2), &mut out);
    let l = lines(&mut out);
    assert_eq!(l.len(), 2, "{l:?}");
    assert!(l[1].contains("seq 79") && l[1].ends_with("  3  (1 ch, 1 changed from ch 1)"), "{l:?}");
    assert_eq!(v.summary(), ["sacn 1: 3/s, 1 source, 1 out of order"]);
}

#[test]
fn terminated_is_an_event_once_and_silence_is_reported() {
    let mut v = LedView::new(false, &[1, 2]);
    let (t0, mut out) = (Instant::now(), Vec::new());
    v.sacn(from(), &sacn_data(1, 1, false, &[5]), t0, &mut out);
    v.sacn(from(), &sacn_data(2, 1, false, &[5]), t0, &mut out);
    for seq in 2..5 {
        v.sacn(from(), &sacn_data(1, seq, true, &[5]), t0, &mut out);
    }
    v.tick(t0 + Duration::from_secs(3), &mut out);
    let l = lines(&mut out);
    assert_eq!(
        l[2..],
        [
            "sacn: source \"facade\" (10.0.0.7:50123, cid 6ba7b810) terminated universe 1",
            "sacn: \"facade\" (10.0.0.7:50123, cid 6ba7b810) stopped sending universe 2 (nothing for 2.5 s)",
        ]
    );
    assert_eq!(v.summary(), ["sacn 1: 4/s, 0 sources", "sacn 2: 1/s, 0 sources"]);
}

#[test]
fn artnet_node_name_sync_malformed_and_unasked_universes() {
    let mut v = LedView::new(true, &[7]);
    let (t0, mut out) = (Instant::now(), Vec::new());
    let mut reply = [0; artnet::POLL_REPLY_LEN];
    let r = artnet::PollReply {
        ip: "10.0.0.7".parse().unwrap(),
        port: artnet::PORT,
        version: 1,
        short_name: "facade-3",
        long_name: "Facade node 3",
        node_report: "",
        port_addresses: &[17],
        mac: [0; 6],
        bind_index: 1,
    };
    artnet::encode_poll_reply(&mut reply, &r);
    v.artnet("10.0.0.7:6454".parse().unwrap(), &reply, t0, &mut out);
    v.artnet(from(), &art_dmx(1, 17, &[255, 0, 128]), t0, &mut out);
    let mut sync = [0; artnet::SYNC_LEN];
    artnet::encode_sync(&mut sync);
    v.artnet(from(), &sync, t0, &mut out);
    v.artnet(from(), b"Art-Net\0", t0, &mut out);
    v.artnet(from(), b"Art-Nix\0\0\0", t0, &mut out);
    v.artnet(from(), b"Art-Nix\0\0\0", t0, &mut out);
    v.sacn(from(), &sacn_data(9, 1, false, &[1]), t0, &mut out);
    v.sacn(from(), &[0x00, 0x10, 0, 0], t0, &mut out);
    assert_eq!(
        lines(&mut out),
        [
            "artnet: node \"facade-3\" (Facade node 3) at 10.0.0.7, from 10.0.0.7:6454, outputs universes 17 (0:1:1)",
            "artnet 17 (0:1:1) from \"facade-3\" (10.0.0.7:50123) seq 1: ch1-8 255   0 128   0  (4 ch)",
            "artnet: malformed packet from 10.0.0.7:50123 (8 bytes): packet is 8 bytes, shorter than the 10-byte \
             Art-Net header (more like it are only counted)",
            "artnet: malformed packet from 10.0.0.7:50123 (10 bytes): packet does not start with the Art-Net ID \
             \"Art-Net\\0\" (more like it are only counted)",
            "sacn: malformed packet from 10.0.0.7:50123 (4 bytes): packet is 4 octets; an E1.31 root layer needs \
             at least 38 (more like it are only counted)",
        ]
    );
    assert_eq!(
        v.summary(),
        [
            "artnet 17 (0:1:1): 1/s, 1 source",
            "sacn 7: 0/s, nothing yet",
            "sync: artnet 1/s (1 in all)",
            "malformed: artnet 3, sacn 1",
            "sacn not asked for: 9 (1)",
        ]
    );
    assert_eq!(v.summary()[2], "sync: artnet 0/s (1 in all)");
}
