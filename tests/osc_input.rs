//! `OscInput` end to end: real UDP packets from another socket into a live input, on loopback.
//! (In quai: `use quai::input::...` instead of `quai::input::...`.)

use std::net::{SocketAddr, UdpSocket};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use quai::input::event::{EventKind, EventQueue, InputEvent, OscValue};
use quai::input::osc::{AllowList, OscInput};
use rosc::{OscBundle, OscMessage, OscPacket, OscTime, OscType};

/// A live input on `bind`, its queue, and the show clock it stamps with.
struct Rig {
    osc: OscInput,
    queue: Arc<EventQueue>,
    start: Instant,
}

impl Rig {
    fn new(bind: &str, allow: &[&str], capacity: usize) -> Rig {
        let queue = EventQueue::new(capacity);
        let start = Instant::now();
        let allow = AllowList::parse(allow).unwrap();
        let bind: SocketAddr = bind.parse().unwrap();
        let osc =
            OscInput::spawn("phone".into(), bind, allow, queue.clone(), move || start.elapsed().as_secs_f64()).unwrap();
        Rig { osc, queue, start }
    }

    fn now(&self) -> f64 {
        self.start.elapsed().as_secs_f64()
    }

    /// Where a sender on this machine reaches the input.
    fn target(&self) -> SocketAddr {
        SocketAddr::new("127.0.0.1".parse().unwrap(), self.osc.local_addr().port())
    }

    fn drain(&self) -> Vec<InputEvent> {
        let mut events = Vec::new();
        self.queue.drain(|e| events.push(e));
        events
    }

    /// Waits (up to 5 s) until the input has seen `packets` datagrams.
    fn wait_for_packets(&self, packets: u64) {
        let deadline = Instant::now() + Duration::from_secs(5);
        while self.osc.stats().packets() < packets {
            assert!(Instant::now() < deadline, "only {} of {packets} packets arrived", self.osc.stats().packets());
            std::thread::sleep(Duration::from_millis(1));
        }
    }
}

fn sender() -> UdpSocket {
    UdpSocket::bind("127.0.0.1:0").unwrap()
}

fn message(addr: &str, args: Vec<OscType>) -> OscPacket {
    OscPacket::Message(OscMessage { addr: addr.to_string(), args })
}

fn bytes(packet: &OscPacket) -> Vec<u8> {
    rosc::encoder::encode(packet).unwrap()
}

fn addr_and_args(event: &InputEvent) -> (&str, &[OscValue]) {
    match &event.kind {
        EventKind::Osc { addr, args } => (addr, args),
        other => panic!("not an OSC event: {other:?}"),
    }
}

#[test]
fn a_message_arrives_stamped_with_show_time() {
    let rig = Rig::new("127.0.0.1:0", &[], 16);
    let before = rig.now();
    sender().send_to(&bytes(&message("/sensor/distance", vec![OscType::Float(123.5)])), rig.target()).unwrap();
    rig.wait_for_packets(1);
    let after = rig.now();
    let events = rig.drain();
    assert_eq!(events.len(), 1);
    assert_eq!(addr_and_args(&events[0]), ("/sensor/distance", &[OscValue::Float(123.5)][..]));
    assert_eq!(&*events[0].input, "phone");
    assert!(before <= events[0].t && events[0].t <= after, "{before} <= {} <= {after}", events[0].t);
    let stats = rig.osc.stats();
    assert_eq!((stats.packets(), stats.messages(), stats.rejected(), stats.malformed()), (1, 1, 0, 0));
}

#[test]
fn nested_immediate_bundle_is_due_now() {
    let rig = Rig::new("127.0.0.1:0", &[], 16);
    let immediate = OscTime { seconds: 0, fractional: 1 };
    let inner =
        OscPacket::Bundle(OscBundle { timetag: immediate, content: vec![message("/b", vec![OscType::Int(2)])] });
    let packet = OscBundle { timetag: immediate, content: vec![message("/a", vec![OscType::Int(1)]), inner] };
    let before = rig.now();
    sender().send_to(&bytes(&OscPacket::Bundle(packet)), rig.target()).unwrap();
    rig.wait_for_packets(1);
    let after = rig.now();
    let events = rig.drain();
    let got: Vec<_> = events.iter().map(addr_and_args).collect();
    assert_eq!(got, [("/a", &[OscValue::Int(1)][..]), ("/b", &[OscValue::Int(2)][..])]);
    assert!(events.iter().all(|e| before <= e.t && e.t <= after));
    assert_eq!(rig.osc.stats().messages(), 2);
}

#[test]
fn future_bundle_is_due_later_by_its_timetag() {
    let rig = Rig::new("127.0.0.1:0", &[], 16);
    let timetag = OscTime::try_from(SystemTime::now() + Duration::from_secs(2)).unwrap();
    let sent_at = rig.now();
    let packet = OscBundle { timetag, content: vec![message("/cue/go", vec![])] };
    sender().send_to(&bytes(&OscPacket::Bundle(packet)), rig.target()).unwrap();
    rig.wait_for_packets(1);
    let events = rig.drain();
    assert_eq!(events.len(), 1);
    let ahead = events[0].t - sent_at;
    assert!((ahead - 2.0).abs() < 0.1, "due {ahead} s after sending, expected 2");
    assert_eq!(rig.osc.stats().far_future(), 0);
}

#[test]
fn packets_from_elsewhere_are_rejected() {
    let rig = Rig::new("0.0.0.0:0", &["10.0.0.0/8", "192.168.1.20"], 16);
    sender().send_to(&bytes(&message("/x", vec![])), rig.target()).unwrap();
    rig.wait_for_packets(1);
    let stats = rig.osc.stats();
    assert_eq!((stats.packets(), stats.rejected(), stats.messages()), (1, 1, 0));
    assert!(rig.drain().is_empty());
}

#[test]
fn packets_from_allowed_senders_arrive() {
    let rig = Rig::new("0.0.0.0:0", &["10.0.0.0/8", "127.0.0.1"], 16);
    sender().send_to(&bytes(&message("/x", vec![])), rig.target()).unwrap();
    rig.wait_for_packets(1);
    assert_eq!((rig.osc.stats().rejected(), rig.drain().len()), (0, 1));
}

/// A dual-stack `[::]` socket sees IPv4 senders as `::ffff:a.b.c.d`; the allow-list still knows them.
#[test]
fn ipv4_senders_through_a_dual_stack_socket() {
    let Ok(probe) = UdpSocket::bind("[::]:0") else {
        eprintln!("no IPv6 here: skipped");
        return;
    };
    drop(probe);
    let rig = Rig::new("[::]:0", &["127.0.0.1"], 16);
    sender().send_to(&bytes(&message("/x", vec![])), rig.target()).unwrap();
    rig.wait_for_packets(1);
    assert_eq!((rig.osc.stats().rejected(), rig.drain().len()), (0, 1));
}

#[test]
fn garbage_and_truncated_packets_are_counted_and_the_input_lives_on() {
    let rig = Rig::new("127.0.0.1:0", &[], 16);
    let tx = sender();
    let good = bytes(&message("/sensor/distance", vec![OscType::Float(1.0)]));
    tx.send_to(b"\x00\xFFnot osc at all", rig.target()).unwrap();
    tx.send_to(&good[..good.len() - 3], rig.target()).unwrap();
    tx.send_to(&good, rig.target()).unwrap();
    rig.wait_for_packets(3);
    let stats = rig.osc.stats();
    assert_eq!((stats.packets(), stats.malformed(), stats.messages()), (3, 2, 1));
    assert_eq!(rig.drain().len(), 1);
}

/// 10 000 messages into a queue of 1 000: the oldest are dropped and counted, the newest kept.
/// The sender waits for the input to keep up, so the kernel's socket buffer never overflows.
#[test]
fn a_flood_keeps_the_newest() {
    let rig = Rig::new("127.0.0.1:0", &[], 1_000);
    let tx = sender();
    for i in 0..10_000u64 {
        tx.send_to(&bytes(&message("/flood", vec![OscType::Int(i as i32)])), rig.target()).unwrap();
        if i % 64 == 63 {
            rig.wait_for_packets(i + 1 - 64);
        }
    }
    rig.wait_for_packets(10_000);
    assert_eq!((rig.queue.received(), rig.queue.dropped()), (10_000, 9_000));
    let kept: Vec<i64> = rig
        .drain()
        .iter()
        .map(|e| match addr_and_args(e).1 {
            [OscValue::Int(i)] => *i,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(kept, (9_000..10_000).collect::<Vec<_>>());
    assert_eq!(rig.osc.stats().messages(), 10_000);
}

#[test]
fn dropping_the_input_stops_its_thread_promptly_and_frees_the_port() {
    let rig = Rig::new("127.0.0.1:0", &[], 16);
    let addr = rig.osc.local_addr();
    let started = Instant::now();
    drop(rig);
    // The wake-up datagram makes this well under a millisecond; the receive timeout bounds it anyway.
    assert!(started.elapsed() < Duration::from_secs(1), "drop took {:?}", started.elapsed());
    UdpSocket::bind(addr).expect("port still held after drop");
}
