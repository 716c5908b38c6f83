use super::*;
use proptest::prelude::*;

/// Expected bytes built field by field; each field asserts the octet offset E1.31 gives it.
struct Layout(Vec<u8>);

impl Layout {
    fn new() -> Self {
        Layout(Vec::new())
    }
    fn at(mut self, offset: usize, bytes: &[u8]) -> Self {
        assert_eq!(self.0.len(), offset, "next field should start at octet {offset}");
        self.0.extend_from_slice(bytes);
        self
    }
}

const CID: Cid = Cid([0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x47, 0x08, 0x89, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10]);
const IDENT: &[u8] = b"ASC-E1.17\0\0\0";

fn name64(s: &str) -> [u8; 64] {
    let mut f = [0; 64];
    f[..s.len()].copy_from_slice(s.as_bytes());
    f
}

fn header(universe: u16) -> DataHeader<'static> {
    DataHeader {
        cid: CID,
        source_name: "quai",
        priority: DEFAULT_PRIORITY,
        sync_address: 7,
        sequence: 42,
        preview: true,
        terminated: false,
        force_sync: true,
        universe,
    }
}

fn data(h: &DataHeader, dmx: &[u8]) -> Vec<u8> {
    let mut out = [0xee; DATA_MAX];
    let n = encode_data(&mut out, h, dmx);
    out[..n].to_vec()
}

fn sync(sequence: u8, sync_address: u16) -> Vec<u8> {
    let mut out = [0xee; SYNC_LEN];
    encode_sync(&mut out, &CID, sequence, sync_address);
    out.to_vec()
}

fn discovery(page: u8, last_page: u8, universes: &[u16]) -> Vec<u8> {
    let mut out = [0xee; DISCOVERY_MAX];
    let n = encode_discovery(&mut out, &CID, "quai", page, last_page, universes);
    out[..n].to_vec()
}

/// Guards Table 4-1: every data packet field at its octet, and all three Flags and Length words.
#[test]
fn data_layout_is_byte_exact() {
    let expected = Layout::new()
        .at(0, &[0x00, 0x10]) // 0-1 Preamble Size
        .at(2, &[0x00, 0x00]) // 2-3 Post-amble Size
        .at(4, IDENT) // 4-15 ACN Packet Identifier
        .at(16, &[0x70, 0x71]) // 16-17 root Flags and Length: 129 - 16 = 113
        .at(18, &[0, 0, 0, 0x04]) // 18-21 VECTOR_ROOT_E131_DATA
        .at(22, &CID.0) // 22-37 CID
        .at(38, &[0x70, 0x5b]) // 38-39 framing Flags and Length: 129 - 38 = 91
        .at(40, &[0, 0, 0, 0x02]) // 40-43 VECTOR_E131_DATA_PACKET
        .at(44, &name64("quai")) // 44-107 Source Name
        .at(108, &[100]) // 108 Priority
        .at(109, &[0x00, 0x07]) // 109-110 Synchronization Address
        .at(111, &[42]) // 111 Sequence Number
        .at(112, &[0xa0]) // 112 Options: preview 0x80 | force sync 0x20
        .at(113, &[0x01, 0x02]) // 113-114 Universe
        .at(115, &[0x70, 0x0e]) // 115-116 DMP Flags and Length: 129 - 115 = 14
        .at(117, &[0x02]) // 117 VECTOR_DMP_SET_PROPERTY
        .at(118, &[0xa1]) // 118 Address Type & Data Type
        .at(119, &[0x00, 0x00]) // 119-120 First Property Address
        .at(121, &[0x00, 0x01]) // 121-122 Address Increment
        .at(123, &[0x00, 0x04]) // 123-124 Property value count: START code + 3 slots
        .at(125, &[0x00]) // 125 DMX512-A START code
        .at(126, &[0x11, 0x22, 0x33]) // 126- slots
        .0;
    assert_eq!(data(&header(0x0102), &[0x11, 0x22, 0x33]), expected);
}

/// Guards the length words of a full universe (values above 255 use the low nibble of the high
/// octet), the options bits one at a time, and that more than 512 slots are cut off.
#[test]
fn data_full_universe_lengths_and_options() {
    let p = data(&header(1), &[9; 600]);
    assert_eq!(p.len(), DATA_MAX);
    assert_eq!(&p[16..18], &[0x72, 0x6e]); // 622
    assert_eq!(&p[38..40], &[0x72, 0x58]); // 600
    assert_eq!(&p[115..117], &[0x72, 0x0b]); // 523
    assert_eq!(&p[123..125], &[0x02, 0x01]); // 513
    let base = DataHeader { preview: false, terminated: false, force_sync: false, ..header(1) };
    assert_eq!(data(&base, &[])[112], 0x00);
    assert_eq!(data(&DataHeader { preview: true, ..base }, &[])[112], 0x80);
    assert_eq!(data(&DataHeader { terminated: true, ..base }, &[])[112], 0x40);
    assert_eq!(data(&DataHeader { force_sync: true, ..base }, &[])[112], 0x20);
}

/// Guards Table 4-2: the 49-octet synchronization packet.
#[test]
fn sync_layout_is_byte_exact() {
    let expected = Layout::new()
        .at(0, &[0x00, 0x10]) // 0-1 Preamble Size
        .at(2, &[0x00, 0x00]) // 2-3 Post-amble Size
        .at(4, IDENT) // 4-15 ACN Packet Identifier
        .at(16, &[0x70, 0x21]) // 16-17 root Flags and Length: 33
        .at(18, &[0, 0, 0, 0x08]) // 18-21 VECTOR_ROOT_E131_EXTENDED
        .at(22, &CID.0) // 22-37 CID
        .at(38, &[0x70, 0x0b]) // 38-39 framing Flags and Length: 11
        .at(40, &[0, 0, 0, 0x01]) // 40-43 VECTOR_E131_EXTENDED_SYNCHRONIZATION
        .at(44, &[9]) // 44 Sequence Number
        .at(45, &[0x01, 0x02]) // 45-46 Synchronization Address
        .at(47, &[0, 0]) // 47-48 Reserved
        .0;
    assert_eq!(sync(9, 0x0102), expected);
}

/// Guards Tables 4-3 and 4-4: universe discovery framing and list layers, list sorted.
#[test]
fn discovery_layout_is_byte_exact() {
    let expected = Layout::new()
        .at(0, &[0x00, 0x10]) // 0-1 Preamble Size
        .at(2, &[0x00, 0x00]) // 2-3 Post-amble Size
        .at(4, IDENT) // 4-15 ACN Packet Identifier
        .at(16, &[0x70, 0x6e]) // 16-17 root Flags and Length: 126 - 16 = 110
        .at(18, &[0, 0, 0, 0x08]) // 18-21 VECTOR_ROOT_E131_EXTENDED
        .at(22, &CID.0) // 22-37 CID
        .at(38, &[0x70, 0x58]) // 38-39 framing Flags and Length: 88
        .at(40, &[0, 0, 0, 0x02]) // 40-43 VECTOR_E131_EXTENDED_DISCOVERY
        .at(44, &name64("quai")) // 44-107 Source Name
        .at(108, &[0, 0, 0, 0]) // 108-111 Reserved
        .at(112, &[0x70, 0x0e]) // 112-113 discovery Flags and Length: 14
        .at(114, &[0, 0, 0, 0x01]) // 114-117 VECTOR_UNIVERSE_DISCOVERY_UNIVERSE_LIST
        .at(118, &[1]) // 118 Page
        .at(119, &[2]) // 119 Last Page
        .at(120, &[0x00, 0x01, 0x00, 0x03, 0x01, 0x02]) // 120- universes 1, 3, 258, sorted
        .0;
    assert_eq!(discovery(1, 2, &[3, 0x0102, 1]), expected);
    let full: Vec<u16> = (1..=600).rev().collect();
    let p = discovery(0, 0, &full);
    assert_eq!(p.len(), DISCOVERY_MAX);
    assert_eq!(&p[16..18], &[0x74, 0x68]); // 1128
    assert_eq!((&p[120..122], &p[1142..1144]), (&[0x00, 0x59][..], &[0x02, 0x58][..])); // 89 and 600
}

/// Guards source name truncation: at most 63 octets, NUL-terminated, never splitting a char.
#[test]
fn source_name_is_cut_on_a_char_boundary() {
    let ascii = "x".repeat(70);
    let p = data(&DataHeader { source_name: &ascii, ..header(1) }, &[]);
    assert_eq!(&p[44..108], [&[b'x'; 63][..], &[0]].concat().as_slice());
    let accented = format!("{}é", "x".repeat(62)); // 'é' would take octets 62 and 63
    let p = data(&DataHeader { source_name: &accented, ..header(1) }, &[]);
    assert_eq!(&p[44..108], [&[b'x'; 62][..], &[0, 0]].concat().as_slice());
    let Ok(SacnPacket::Data { source_name, .. }) = parse(&p) else { panic!("not Data") };
    assert_eq!(source_name, "x".repeat(62));
}

/// Guards the CID text form: 8-4-4-4-12 lowercase, parsed back, upper case accepted, errors typed.
#[test]
fn cid_display_and_parse() {
    let text = "01020304-0506-4708-890a-0b0c0d0e0f10";
    assert_eq!(CID.to_string(), text);
    assert_eq!(text.parse(), Ok(CID));
    assert_eq!(text.to_uppercase().parse(), Ok(CID));
    assert_eq!("0102".parse::<Cid>(), Err(CidParseError::Length(4)));
    assert_eq!(text.replace('-', "+").parse::<Cid>(), Err(CidParseError::Hyphen(8)));
    assert_eq!(text.replacen('0', "g", 1).parse::<Cid>(), Err(CidParseError::Digit(0)));
    assert_eq!("é".repeat(18).parse::<Cid>(), Err(CidParseError::Digit(0)));
}

/// Guards `Cid::generate`: version 4 and RFC 4122 variant bits, and two CIDs differ.
#[test]
fn generated_cids_are_random_v4() {
    let (a, b) = (Cid::generate(), Cid::generate());
    assert_ne!(a, b);
    for c in [a, b] {
        assert_eq!(c.0[6] >> 4, 4);
        assert_eq!(c.0[8] >> 6, 0b10);
        assert_eq!(c.to_string().parse(), Ok(c));
    }
}

/// Guards the multicast mapping, including the discovery universe.
#[test]
fn multicast_addresses() {
    assert_eq!(multicast_addr(1), Ipv4Addr::new(239, 255, 0, 1));
    assert_eq!(multicast_addr(0x0102), Ipv4Addr::new(239, 255, 1, 2));
    assert_eq!(multicast_addr(DISCOVERY_UNIVERSE), Ipv4Addr::new(239, 255, 250, 214));
}

/// Guards §6.7.2: differences -19..=0 are discarded, everything else (wrapping) accepted.
#[test]
fn sequence_window() {
    assert!(sequence_is_new(0, 1));
    assert!(sequence_is_new(255, 0));
    assert!(!sequence_is_new(10, 10));
    assert!(!sequence_is_new(10, 9));
    assert!(!sequence_is_new(10, 247)); // -19
    assert!(sequence_is_new(10, 246)); // -20
    assert!(sequence_is_new(0, 127));
    assert!(sequence_is_new(0, 128)); // -128
}

/// Guards each parse error on a minimally damaged valid packet, and the monitor's wording.
#[test]
fn parse_errors_name_the_problem() {
    let good = data(&header(1), &[1, 2, 3]);
    let damaged = |at: usize, bytes: &[u8]| {
        let mut p = good.clone();
        p[at..at + bytes.len()].copy_from_slice(bytes);
        parse(&p).map(|_| ())
    };
    assert_eq!(parse(&good[..20]), Err(SacnError::TooShort { what: "root layer", len: 20, min: 38 }));
    assert_eq!(damaged(0, &[0, 0x11]), Err(SacnError::Preamble(0x11)));
    assert_eq!(damaged(2, &[0, 1]), Err(SacnError::Postamble(1)));
    assert_eq!(damaged(4, b"ASC-E1.18"), Err(SacnError::Identifier));
    assert_eq!(damaged(16, &[0x60, 0x71]), Err(SacnError::Flags { layer: "root", flags: 6 }));
    let err = damaged(16, &[0x70, 0x72]).unwrap_err();
    assert_eq!(err, SacnError::Length { layer: "root", length: 114, actual: 113 });
    assert_eq!(err.to_string(), "root layer length field says 114 but 113 octets are there");
    assert_eq!(damaged(18, &[0, 0, 0, 5]), Err(SacnError::Vector { layer: "root", vector: 5 }));
    assert_eq!(damaged(40, &[0, 0, 0, 3]), Err(SacnError::Vector { layer: "framing", vector: 3 }));
    assert_eq!(damaged(115, &[0x70, 0x0f]), Err(SacnError::Length { layer: "DMP", length: 15, actual: 14 }));
    assert_eq!(damaged(117, &[0x03]), Err(SacnError::Vector { layer: "DMP", vector: 3 }));
    assert_eq!(
        damaged(118, &[0xa2]),
        Err(SacnError::DmpField { field: "address & data type", value: 0xa2, expected: 0xa1 })
    );
    assert_eq!(
        damaged(119, &[0, 1]),
        Err(SacnError::DmpField { field: "first property address", value: 1, expected: 0 })
    );
    let err = damaged(121, &[0, 2]).unwrap_err();
    assert_eq!(err, SacnError::DmpField { field: "address increment", value: 2, expected: 1 });
    assert_eq!(err.to_string(), "DMP address increment is 0x2, not 0x1");
    assert_eq!(damaged(123, &[0, 5]), Err(SacnError::PropertyCount { count: 5, actual: 4 }));
    assert_eq!(damaged(108, &[201]), Err(SacnError::Priority(201)));
    assert_eq!(damaged(109, &[0xfa, 0x00]), Err(SacnError::SyncAddress(64000)));
    assert_eq!(damaged(113, &[0, 0]), Err(SacnError::Universe(0)));
    assert_eq!(damaged(113, &[0xfa, 0xd6]), Err(SacnError::Universe(DISCOVERY_UNIVERSE)));
    let s = sync(1, 0);
    assert_eq!(parse(&s), Err(SacnError::SyncAddress(0)));
    let d = discovery(3, 2, &[1]);
    assert_eq!(parse(&d), Err(SacnError::Page { page: 3, last_page: 2 }));
    let mut odd = discovery(0, 0, &[1]);
    odd.push(0);
    assert_eq!(parse(&relength(odd, &[16, 38, 112])), Err(SacnError::OddUniverseList(3)));
    let short = relength(good[..110].to_vec(), &[16, 38]);
    assert_eq!(parse(&short), Err(SacnError::Size { what: "data packet", len: 110, min: 126, max: 638 }));
    let mut long = sync(1, 1);
    long.push(0);
    let err = parse(&relength(long, &[16, 38])).unwrap_err();
    assert_eq!(err.to_string(), "packet is 50 octets; an E1.31 synchronization packet is 49..=49");
}

/// Rewrites the Flags and Length words at `ats` to reach the end of `p`, as a lying sender would.
fn relength(mut p: Vec<u8>, ats: &[usize]) -> Vec<u8> {
    for &at in ats {
        let word = 0x7000 | (p.len() - at) as u16;
        p[at..at + 2].copy_from_slice(&word.to_be_bytes());
    }
    p
}

/// Cheap strategies for arbitrary header fields within the ranges the parser accepts.
fn header_strategy() -> impl Strategy<Value = (DataHeader<'static>, Vec<u8>)> {
    let cid = any::<[u8; 16]>().prop_map(Cid);
    let fields = (0..=MAX_PRIORITY, 0..=MAX_UNIVERSE, any::<u8>(), any::<[bool; 3]>(), 1..=MAX_UNIVERSE);
    let dmx = prop::collection::vec(any::<u8>(), 0..=512);
    (cid, fields, dmx).prop_map(
        |(cid, (priority, sync_address, sequence, [preview, terminated, force_sync], universe), dmx)| {
            let h = DataHeader {
                cid,
                source_name: "src",
                priority,
                sync_address,
                sequence,
                preview,
                terminated,
                force_sync,
                universe,
            };
            (h, dmx)
        },
    )
}

proptest! {
    /// Guards data packet round trips: every header field and every slot come back from `parse`.
    #[test]
    fn data_round_trips((h, dmx) in header_strategy()) {
        let p = data(&h, &dmx);
        let expected = SacnPacket::Data {
            cid: h.cid, source_name: "src".into(), priority: h.priority, sync_address: h.sync_address,
            sequence: h.sequence, preview: h.preview, terminated: h.terminated, force_sync: h.force_sync,
            universe: h.universe, start_code: 0, data: &dmx,
        };
        prop_assert_eq!(parse(&p), Ok(expected));
    }

    /// Guards sync and discovery round trips.
    #[test]
    fn sync_and_discovery_round_trip(seq: u8, addr in 1..=MAX_UNIVERSE, mut list in prop::collection::vec(any::<u16>(), 0..=512)) {
        let s = sync(seq, addr);
        prop_assert_eq!(parse(&s), Ok(SacnPacket::Sync { cid: CID, sequence: seq, sync_address: addr }));
        let p = discovery(0, 1, &list);
        list.sort_unstable();
        let expected = SacnPacket::Discovery { cid: CID, source_name: "quai".into(), page: 0, last_page: 1, universes: list };
        prop_assert_eq!(parse(&p), Ok(expected));
    }

    /// Guards that `parse` never panics on arbitrary bytes.
    #[test]
    fn parse_never_panics_on_noise(bytes in prop::collection::vec(any::<u8>(), 0..1200)) {
        let _ = parse(&bytes);
    }

    /// Guards that `parse` never panics on damaged real packets: each kind, cut to any length,
    /// with any octet (length words, vectors, counts included) overwritten.
    #[test]
    fn parse_never_panics_on_damaged_packets(kind in 0..3u8, cut in 0usize..1200, at in 0usize..1200, value: u8) {
        let mut p = match kind {
            0 => data(&header(1), &[7; 100]),
            1 => sync(1, 1),
            _ => discovery(0, 0, &[1, 2, 3, 4]),
        };
        let n = p.len();
        p[at % n] = value;
        p.truncate(cut);
        let _ = parse(&p);
    }
}

/// Cross-checks against the `sacn` crate (RustLight, crates.io): its parser reads our packets to
/// the same fields, and its packer re-encodes what it parsed to exactly our bytes.
mod cross_check {
    use super::*;
    use sacn::packet::{AcnRootLayerProtocol, E131RootLayerData};

    /// Guards data packets against an independent parser and packer.
    #[test]
    fn sacn_crate_agrees_on_data() {
        let p = data(&DataHeader { terminated: true, ..header(0x0102) }, &[0x11, 0x22, 0x33]);
        let parsed = AcnRootLayerProtocol::parse(&p).expect("sacn crate parses our data packet");
        assert_eq!(parsed.pdu.cid.as_bytes(), &CID.0);
        let E131RootLayerData::DataPacket(f) = &parsed.pdu.data else { panic!("not a data packet") };
        assert_eq!(f.source_name, "quai");
        assert_eq!((f.priority, f.synchronization_address, f.sequence_number, f.universe), (100, 7, 42, 0x0102));
        assert_eq!((f.preview_data, f.stream_terminated, f.force_synchronization), (true, true, true));
        assert_eq!(&*f.data.property_values, &[0x00, 0x11, 0x22, 0x33]);
        assert_eq!(parsed.pack_alloc().expect("sacn crate re-packs"), p);
    }

    /// Guards synchronization packets against an independent parser and packer.
    #[test]
    fn sacn_crate_agrees_on_sync() {
        let p = sync(9, 0x0102);
        let parsed = AcnRootLayerProtocol::parse(&p).expect("sacn crate parses our sync packet");
        assert_eq!(parsed.pdu.cid.as_bytes(), &CID.0);
        let E131RootLayerData::SynchronizationPacket(s) = &parsed.pdu.data else { panic!("not a sync packet") };
        assert_eq!((s.sequence_number, s.synchronization_address), (9, 0x0102));
        assert_eq!(parsed.pack_alloc().expect("sacn crate re-packs"), p);
    }

    /// Guards universe discovery packets against an independent parser and packer.
    #[test]
    fn sacn_crate_agrees_on_discovery() {
        let p = discovery(1, 2, &[3, 0x0102, 1]);
        let parsed = AcnRootLayerProtocol::parse(&p).expect("sacn crate parses our discovery packet");
        assert_eq!(parsed.pdu.cid.as_bytes(), &CID.0);
        let E131RootLayerData::UniverseDiscoveryPacket(d) = &parsed.pdu.data else { panic!("not discovery") };
        assert_eq!(d.source_name, "quai");
        assert_eq!((d.data.page, d.data.last_page, &*d.data.universes), (1, 2, &[1, 3, 0x0102][..]));
        assert_eq!(parsed.pack_alloc().expect("sacn crate re-packs"), p);
    }
}
