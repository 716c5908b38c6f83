//! Tests for `decode`: argument types, bundles and timetags, malformed packets (hostile ones: `hostile.rs`).

use super::*;
use proptest::prelude::*;
use rosc::{OscArray, OscColor, OscMessage, OscMidiMessage};
use std::time::Duration;

/// A fixed wall clock (2027-01-15) and show time for every test.
pub(super) fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_800_000_000)
}
const NOW_T: f64 = 100.0;

fn input() -> Arc<str> {
    Arc::from("phone")
}

pub(super) fn encode(packet: &OscPacket) -> Vec<u8> {
    rosc::encoder::encode(packet).unwrap()
}

pub(super) fn message(addr: &str, args: Vec<OscType>) -> OscPacket {
    OscPacket::Message(OscMessage { addr: addr.to_string(), args })
}

pub(super) fn bundle(timetag: OscTime, content: Vec<OscPacket>) -> OscPacket {
    OscPacket::Bundle(OscBundle { timetag, content })
}

pub(super) const IMMEDIATE: OscTime = OscTime { seconds: 0, fractional: 1 };

/// The OSC time `ahead_s` seconds after `now()`.
pub(super) fn osc_time(ahead_s: f64) -> OscTime {
    let t = (1_800_000_000 + NTP_UNIX_OFFSET_S) as f64 + ahead_s;
    OscTime { seconds: t.floor() as u32, fractional: (t.fract() * TWO_POW_32) as u32 }
}

fn decode_at(bytes: &[u8], now_system: SystemTime) -> Result<(Vec<InputEvent>, DecodeTally), DecodeError> {
    let mut events = Vec::new();
    let tally = decode_packet_tally(bytes, &input(), NOW_T, now_system, &mut |e| events.push(e))?;
    assert_eq!(tally.messages, events.len());
    Ok((events, tally))
}

pub(super) fn decode(bytes: &[u8]) -> Result<(Vec<InputEvent>, DecodeTally), DecodeError> {
    decode_at(bytes, now())
}

/// (address, args, t) of each event.
fn summary(events: &[InputEvent]) -> Vec<(String, Vec<OscValue>, f64)> {
    events
        .iter()
        .map(|e| match &e.kind {
            EventKind::Osc { addr, args } => (addr.clone(), args.clone(), e.t),
            other => panic!("not OSC: {other:?}"),
        })
        .collect()
}

#[test]
fn message_with_every_argument_type() {
    let args = vec![
        OscType::Int(-7),
        OscType::Long(1 << 40),
        OscType::Float(0.5),
        OscType::Double(0.25),
        OscType::String("hello".into()),
        OscType::Char('x'),
        OscType::Bool(true),
        OscType::Bool(false),
        OscType::Nil,
        OscType::Inf,
        OscType::Blob(vec![1, 2, 3]),
        OscType::Time(OscTime { seconds: 5, fractional: 6 }),
        OscType::Midi(OscMidiMessage { port: 0, status: 0x90, data1: 60, data2: 100 }),
        OscType::Color(OscColor { red: 1, green: 2, blue: 3, alpha: 4 }),
        OscType::Array(OscArray { content: vec![OscType::Int(1)] }),
        OscType::Int(42),
    ];
    let (events, tally) = decode(&encode(&message("/sensor/all", args))).unwrap();
    use OscValue::*;
    let want = vec![
        Int(-7),
        Int(1 << 40),
        Float(0.5),
        Float(0.25),
        Str("hello".into()),
        Str("x".into()),
        Bool(true),
        Bool(false),
        Nil,
        Nil,
        Int(42),
    ];
    assert_eq!(summary(&events), [("/sensor/all".to_string(), want, NOW_T)]);
    assert_eq!(tally, DecodeTally { messages: 1, skipped_args: 5, far_future: 0 });
    assert_eq!(events[0].input, input());
}

#[test]
fn message_without_arguments_is_a_trigger() {
    let (events, _) = decode(&encode(&message("/cue/go", vec![]))).unwrap();
    assert_eq!(summary(&events), [("/cue/go".to_string(), vec![], NOW_T)]);
    assert_eq!(decode_packet(&encode(&message("/a", vec![])), &input(), 0.0, now(), &mut |_| {}), Ok(1));
}

/// `S` (symbol) has the same encoding as `s`; rosc does not read it, so decode patches the tag.
#[test]
fn symbols_become_strings_in_messages_and_bundles() {
    let with_symbols = |packet: &OscPacket| {
        let mut bytes = encode(packet);
        let tags = bytes.windows(3).position(|w| w == b",is").unwrap();
        bytes[tags + 2] = b'S';
        bytes
    };
    let msg = message("/scene", vec![OscType::Int(3), OscType::String("sunset".into())]);
    let want = vec![OscValue::Int(3), OscValue::Str("sunset".into())];
    let (events, _) = decode(&with_symbols(&msg)).unwrap();
    assert_eq!(summary(&events), [("/scene".to_string(), want.clone(), NOW_T)]);
    // Inside a bundle, after a message with an odd-length address (offsets must be right).
    let packet = bundle(IMMEDIATE, vec![message("/abcde", vec![OscType::Float(1.0)]), msg]);
    let (events, _) = decode(&with_symbols(&packet)).unwrap();
    assert_eq!(summary(&events)[1], ("/scene".to_string(), want, NOW_T));
}

#[test]
fn to_osc_value_maps_and_skips() {
    assert_eq!(to_osc_value(&OscType::Int(1)), Some(OscValue::Int(1)));
    assert_eq!(to_osc_value(&OscType::Float(1.5)), Some(OscValue::Float(1.5)));
    assert_eq!(to_osc_value(&OscType::Char('é')), Some(OscValue::Str("é".into())));
    assert_eq!(to_osc_value(&OscType::Inf), Some(OscValue::Nil));
    assert_eq!(to_osc_value(&OscType::Blob(vec![])), None);
    assert_eq!(to_osc_value(&OscType::Array(OscArray { content: vec![] })), None);
}

#[test]
fn nested_immediate_bundles_are_due_now() {
    let inner = bundle(IMMEDIATE, vec![message("/b", vec![])]);
    let packet = bundle(IMMEDIATE, vec![message("/a", vec![]), inner, message("/c", vec![])]);
    let (events, _) = decode(&encode(&packet)).unwrap();
    let got: Vec<_> = summary(&events).into_iter().map(|(addr, _, t)| (addr, t)).collect();
    assert_eq!(got, [("/a".into(), NOW_T), ("/b".into(), NOW_T), ("/c".into(), NOW_T)]);
}

#[test]
fn timetags_become_show_time() {
    let at = |timetag: OscTime| {
        let (events, tally) = decode(&encode(&bundle(timetag, vec![message("/a", vec![])]))).unwrap();
        (events[0].t - NOW_T, tally.far_future)
    };
    let (ahead, odd) = at(osc_time(2.5));
    assert!((ahead - 2.5).abs() < 1e-6 && odd == 0, "{ahead}");
    assert_eq!(at(osc_time(-10.0)), (0.0, 0), "past: due now");
    assert_eq!(at(osc_time(0.0)), (0.0, 0));
    assert_eq!(at(osc_time(3600.0)), (0.0, 1), "an hour ahead: a wrong clock, due now, counted");
    assert_eq!(at(OscTime { seconds: 0, fractional: 0 }), (0.0, 1), "zero timetag: odd, due now");
    let (ahead, _) = at(osc_time(MAX_SCHEDULE_AHEAD_S - 0.5));
    assert!((ahead - (MAX_SCHEDULE_AHEAD_S - 0.5)).abs() < 1e-6);
}

#[test]
fn nested_bundles_are_never_due_before_their_container() {
    let packet = bundle(
        osc_time(2.0),
        vec![
            message("/outer", vec![]),
            bundle(IMMEDIATE, vec![message("/inherits", vec![])]),
            bundle(osc_time(1.0), vec![message("/too-early", vec![])]),
            bundle(osc_time(3.0), vec![message("/later", vec![])]),
        ],
    );
    let (events, _) = decode(&encode(&packet)).unwrap();
    let ahead: Vec<f64> = events.iter().map(|e| (e.t - NOW_T).round()).collect();
    assert_eq!(ahead, [2.0, 2.0, 2.0, 3.0]);
}

/// OSC seconds wrap to 0 in February 2036; a timetag just after the wrap is just ahead.
#[test]
fn timetags_across_the_2036_rollover() {
    let before_wrap = UNIX_EPOCH + Duration::from_secs((1 << 32) - 2 - NTP_UNIX_OFFSET_S);
    let packet = bundle(OscTime { seconds: 1, fractional: 0 }, vec![message("/a", vec![])]);
    let (events, tally) = decode_at(&encode(&packet), before_wrap).unwrap();
    assert_eq!((events[0].t - NOW_T, tally.far_future), (3.0, 0));
}

#[test]
fn malformed_packets_are_typed_errors() {
    let good = encode(&message("/sensor/distance", vec![OscType::Float(123.5)]));
    assert!(matches!(decode(&[]), Err(DecodeError::Empty { .. })));
    assert!(matches!(decode(b"garbage!"), Err(DecodeError::NotOsc { first: b'g', len: 8, .. })));
    assert!(matches!(decode(&good[..good.len() - 2]), Err(DecodeError::Truncated { .. })));
    assert!(matches!(decode(&good[..5]), Err(DecodeError::Truncated { .. })));
    let mut trailing = good.clone();
    trailing.extend_from_slice(&[0, 0, 0, 0]);
    assert!(matches!(decode(&trailing), Err(DecodeError::TrailingBytes { extra: 4, .. })));
    let mut not_text = good.clone();
    not_text[2] = 0xFF;
    assert!(matches!(decode(&not_text), Err(DecodeError::NotText { .. })));
    let mut unknown_tag = good.clone();
    let f = unknown_tag.windows(2).position(|w| w == b",f").unwrap();
    unknown_tag[f + 1] = b'x';
    assert!(matches!(decode(&unknown_tag), Err(DecodeError::Malformed { .. })));
    assert!(matches!(decode(b"#bundle\0"), Err(DecodeError::Truncated { .. })));
    assert!(matches!(decode(b"#bundlx\0\0\0\0\0\0\0\0\0"), Err(DecodeError::Malformed { .. })));
}

#[test]
fn truncated_bundle_element_is_named() {
    let bytes = encode(&bundle(IMMEDIATE, vec![message("/a", vec![OscType::Int(1)])]));
    let err = decode(&bytes[..bytes.len() - 4]).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "OSC input `phone`: packet of {} bytes is truncated (a bundle element declares 12 bytes, 8 follow)",
            bytes.len() - 4
        )
    );
}

#[test]
fn error_messages_name_the_input_and_the_packet() {
    assert_eq!(
        decode(b"\xC0abc").unwrap_err().to_string(),
        "OSC input `phone`: packet of 4 bytes is not OSC (starts with byte 0xC0, expected `/` or `#bundle`; is \
         the sender using another protocol, or SLIP framing over UDP?)"
    );
}

proptest! {
    #[test]
    fn values_roundtrip(i in any::<i32>(), f in any::<f32>().prop_filter("not NaN", |f| !f.is_nan()), s in "[ -~]{0,20}") {
        let packet = message("/x", vec![OscType::Int(i), OscType::Float(f), OscType::String(s.clone())]);
        let (events, _) = decode(&encode(&packet)).unwrap();
        let want = vec![OscValue::Int(i.into()), OscValue::Float(f.into()), OscValue::Str(s)];
        prop_assert_eq!(summary(&events), vec![("/x".to_string(), want, NOW_T)]);
    }
}
