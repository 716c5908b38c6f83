use super::*;
use proptest::prelude::*;

/// Expected bytes built field by field; each field asserts the offset the specification gives it.
struct Layout(Vec<u8>);

impl Layout {
    fn new() -> Self {
        Layout(Vec::new())
    }
    fn at(mut self, offset: usize, bytes: &[u8]) -> Self {
        assert_eq!(self.0.len(), offset, "next field should start at offset {offset}");
        self.0.extend_from_slice(bytes);
        self
    }
    fn zeros(self, offset: usize, n: usize) -> Self {
        self.at(offset, &vec![0; n])
    }
}

fn name_field<const N: usize>(s: &str) -> [u8; N] {
    let mut f = [0; N];
    f[..s.len()].copy_from_slice(s.as_bytes());
    f
}

fn dmx(sequence: u8, physical: u8, port_address: u16, data: &[u8]) -> Vec<u8> {
    let mut out = [0xee; ARTDMX_MAX];
    let n = encode_dmx(&mut out, sequence, physical, port_address, data);
    out[..n].to_vec()
}

fn reply_bytes(r: &PollReply) -> [u8; POLL_REPLY_LEN] {
    let mut out = [0xee; POLL_REPLY_LEN];
    assert_eq!(encode_poll_reply(&mut out, r), POLL_REPLY_LEN);
    out
}

fn sample_reply(port_addresses: &[u16]) -> PollReply<'_> {
    PollReply {
        ip: Ipv4Addr::new(10, 0, 0, 7),
        port: PORT,
        version: 0x0102,
        short_name: "quai",
        long_name: "quai facade",
        node_report: "#0001 [0001] ok",
        port_addresses,
        mac: [0x02, 0x11, 0x22, 0x33, 0x44, 0x55],
        bind_index: 1,
    }
}

/// Guards the ArtDmx header layout: field order, OpCode little-endian, ProtVer and Length
/// big-endian, SubUni the low byte and Net the high byte of the Port-Address.
#[test]
fn dmx_layout_is_byte_exact() {
    let expected = Layout::new()
        .at(0, b"Art-Net\0") // ID
        .at(8, &[0x00, 0x50]) // OpCode 0x5000, low byte first
        .at(10, &[0, 14]) // ProtVerHi, ProtVerLo
        .at(12, &[7]) // Sequence
        .at(13, &[2]) // Physical
        .at(14, &[0x34]) // SubUni: Port-Address bits 7-0
        .at(15, &[0x12]) // Net: Port-Address bits 14-8
        .at(16, &[0x00, 0x04]) // LengthHi, Length
        .at(18, &[1, 2, 3, 4]) // Data
        .0;
    assert_eq!(dmx(7, 2, 0x1234, &[1, 2, 3, 4]), expected);
}

/// Guards the even-Length rule: odd data gets one zero slot, empty data two, over 512 is cut.
#[test]
fn dmx_length_is_even_and_bounded() {
    let odd = dmx(0, 0, 1, &[9, 8, 7]);
    assert_eq!(&odd[16..], &[0, 4, 9, 8, 7, 0]);
    let empty = dmx(0, 0, 1, &[]);
    assert_eq!(&empty[16..], &[0, 2, 0, 0]);
    let long = dmx(0, 0, 1, &[5; 600]);
    assert_eq!(long.len(), ARTDMX_MAX);
    assert_eq!(&long[16..18], &[0x02, 0x00]);
}

/// Guards the documented masking of Port-Addresses above 32767 to 15 bits.
#[test]
fn dmx_port_address_is_masked_to_15_bits() {
    let p = dmx(0, 0, 0xffff, &[0, 0]);
    assert_eq!(&p[14..16], &[0xff, 0x7f]);
}

/// Guards the ArtSync layout: header, ProtVer 14, Aux1 and Aux2 zero.
#[test]
fn sync_layout_is_byte_exact() {
    let expected = Layout::new()
        .at(0, b"Art-Net\0") // ID
        .at(8, &[0x00, 0x52]) // OpCode 0x5200, low byte first
        .at(10, &[0, 14]) // ProtVerHi, ProtVerLo
        .at(12, &[0]) // Aux1
        .at(13, &[0]) // Aux2
        .0;
    let mut out = [0xee; SYNC_LEN];
    assert_eq!(encode_sync(&mut out), SYNC_LEN);
    assert_eq!(out.as_slice(), expected.as_slice());
}

/// Guards every field of the 239-byte Art-Net 4 ArtPollReply, including the zeroed tail.
#[test]
fn poll_reply_layout_is_byte_exact() {
    let expected = Layout::new()
        .at(0, b"Art-Net\0") // ID
        .at(8, &[0x00, 0x21]) // OpCode 0x2100, low byte first
        .at(10, &[10, 0, 0, 7]) // IP Address
        .at(14, &[0x36, 0x19]) // Port 0x1936, low byte first
        .at(16, &[0x01, 0x02]) // VersInfoH, VersInfoL
        .at(18, &[0x01]) // NetSwitch: Port-Address bits 14-8
        .at(19, &[0x02]) // SubSwitch: Port-Address bits 7-4
        .at(20, &[0x00, 0xff]) // OemHi, Oem: OemUnknown
        .at(22, &[0]) // Ubea Version
        .at(23, &[0]) // Status1
        .at(24, &[0xf0, 0x7f]) // EstaManLo, EstaManHi: 0x7ff0
        .at(26, &name_field::<18>("quai")) // ShortName
        .at(44, &name_field::<64>("quai facade")) // LongName
        .at(108, &name_field::<64>("#0001 [0001] ok")) // NodeReport
        .at(172, &[0, 2]) // NumPortsHi, NumPortsLo
        .at(174, &[0x80, 0x80, 0, 0]) // PortTypes: DMX512 outputs
        .at(178, &[0; 4]) // GoodInput
        .at(182, &[0x80, 0x80, 0, 0]) // GoodOutputA: data being transmitted
        .at(186, &[0; 4]) // SwIn
        .at(190, &[0x3, 0x4, 0, 0]) // SwOut: Port-Address bits 3-0
        .at(194, &[0]) // AcnPriority (was SwVideo)
        .at(195, &[0]) // SwMacro
        .at(196, &[0]) // SwRemote
        .zeros(197, 3) // Spare
        .at(200, &[0]) // Style: StNode
        .at(201, &[0x02, 0x11, 0x22, 0x33, 0x44, 0x55]) // MAC, high byte first
        .at(207, &[10, 0, 0, 7]) // BindIp
        .at(211, &[1]) // BindIndex
        .at(212, &[0x08]) // Status2: 15-bit Port-Address
        .zeros(213, 4) // GoodOutputB
        .at(217, &[0]) // Status3
        .zeros(218, 6) // DefaultRespUID
        .zeros(224, 2) // UserHi, UserLo
        .zeros(226, 2) // RefreshRateHi, RefreshRateLo
        .zeros(228, 11) // Filler
        .0;
    assert_eq!(expected.len(), POLL_REPLY_LEN);
    assert_eq!(reply_bytes(&sample_reply(&[0x0123, 0x0124])).as_slice(), expected.as_slice());
}

/// Guards name truncation: NUL always terminates, and a multi-byte char is never split.
#[test]
fn poll_reply_names_are_truncated_with_nul() {
    let long = "abcdefghijklmnopqrstuvwxyz";
    let accented = "0123456789abcdefé"; // 'é' occupies bytes 16 and 17: it does not fit in 17
    let mut r = sample_reply(&[1]);
    r.short_name = long;
    let bytes = reply_bytes(&r);
    assert_eq!(&bytes[26..44], b"abcdefghijklmnopq\0");
    r.short_name = accented;
    let bytes = reply_bytes(&r);
    assert_eq!(&bytes[26..44], b"0123456789abcdef\0\0");
}

/// Guards the grouping helper: runs share Net and Sub-Net, hold at most four, keep order.
#[test]
fn poll_reply_groups_split_by_subnet_and_four() {
    let addresses = [0x10, 0x11, 0x12, 0x13, 0x14, 0x20, 0x21, 0x101];
    let groups: Vec<&[u16]> = poll_reply_groups(&addresses).collect();
    assert_eq!(groups, [&[0x10, 0x11, 0x12, 0x13][..], &[0x14], &[0x20, 0x21], &[0x101]]);
    assert_eq!(poll_reply_groups(&[]).count(), 0);
}

/// Guards that a reply with no ports still encodes (NumPorts 0, Net/Sub 0) and parses.
#[test]
fn poll_reply_without_ports_round_trips() {
    let bytes = reply_bytes(&sample_reply(&[]));
    assert_eq!(bytes[173], 0);
    let Ok(ArtPacket::PollReply { port_addresses, .. }) = parse(&bytes) else { panic!("not a PollReply") };
    assert!(port_addresses.is_empty());
}

/// Guards the ArtPoll decoding used by the listener: TalkToMe flags and DiagPriority.
#[test]
fn poll_parses_flags_and_priority() {
    let poll = Layout::new()
        .at(0, b"Art-Net\0") // ID
        .at(8, &[0x00, 0x20]) // OpCode 0x2000
        .at(10, &[0, 14]) // ProtVerHi, ProtVerLo
        .at(12, &[0x06]) // Flags (TalkToMe)
        .at(13, &[0x10]) // DiagPriority
        .0;
    assert_eq!(parse(&poll), Ok(ArtPacket::Poll { flags: 0x06, priority: 0x10 }));
}

/// Guards that opcodes the parser does not decode are still reported with their opcode.
#[test]
fn unknown_opcode_is_other() {
    let mut p = b"Art-Net\0".to_vec();
    p.extend_from_slice(&[0x00, 0x97]); // OpTimeCode
    assert_eq!(parse(&p), Ok(ArtPacket::Other { opcode: 0x9700 }));
}

/// Guards each parse error variant and the wording the monitor shows.
#[test]
fn parse_errors_name_the_problem() {
    assert_eq!(parse(b"Art-Net"), Err(ArtError::TooShort { len: 7 }));
    assert_eq!(parse(b"Art-Nyt\0\x00\x50"), Err(ArtError::BadId));
    let mut p = dmx(1, 0, 1, &[0; 512]);
    p.truncate(18 + 100);
    let err = parse(&p).unwrap_err();
    assert_eq!(err, ArtError::DmxLengthExceedsPacket { length: 512, available: 100 });
    assert_eq!(err.to_string(), "ArtDmx length field says 512 but only 100 bytes follow");
    let mut old = dmx(1, 0, 1, &[0; 2]);
    old[11] = 13;
    assert_eq!(parse(&old), Err(ArtError::OldVersion { op: "ArtDmx", version: 13 }));
    let mut zero = dmx(1, 0, 1, &[0; 2]);
    zero[16..18].copy_from_slice(&[0, 0]);
    assert_eq!(parse(&zero), Err(ArtError::DmxLengthOutOfRange { length: 0 }));
    let short = &dmx(1, 0, 1, &[0; 2])[..19];
    assert_eq!(parse(short), Err(ArtError::Truncated { op: "ArtDmx", len: 19, min: 20 }));
    let reply = reply_bytes(&sample_reply(&[1]));
    let err = parse(&reply[..150]).unwrap_err();
    assert_eq!(err, ArtError::Truncated { op: "ArtPollReply", len: 150, min: 194 });
    let mut sync = [0; SYNC_LEN];
    encode_sync(&mut sync);
    assert_eq!(parse(&sync[..13]), Err(ArtError::Truncated { op: "ArtSync", len: 13, min: 14 }));
}

proptest! {
    /// Guards ArtDmx round trips: every field and the (padded) data come back from `parse`.
    #[test]
    fn dmx_round_trips(seq: u8, phys: u8, addr in 0u16..=0x7fff, data in prop::collection::vec(any::<u8>(), 1..=512)) {
        let bytes = dmx(seq, phys, addr, &data);
        let Ok(ArtPacket::Dmx { sequence, physical, port_address, data: got }) = parse(&bytes) else {
            panic!("not ArtDmx");
        };
        prop_assert_eq!((sequence, physical, port_address), (seq, phys, addr));
        prop_assert_eq!(&got[..data.len()], &data[..]);
        prop_assert!(got.len() == data.len() || (got.len() == data.len() + 1 && got[data.len()] == 0));
    }

    /// Guards ArtPollReply round trips: address, names and the grouped Port-Addresses.
    #[test]
    fn poll_reply_round_trips(base in 0u16..=0x7ff, n in 1usize..=4, short in "[a-z]{0,17}", long in "[ -~]{0,63}") {
        let addresses: Vec<u16> = (0..n as u16).map(|i| (base << 4) | (i * 3)).collect();
        let mut r = sample_reply(&addresses);
        r.short_name = &short;
        r.long_name = &long;
        let bytes = reply_bytes(&r);
        let parsed = parse(&bytes).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(parsed, ArtPacket::PollReply {
            ip: r.ip, short_name: short.clone(), long_name: long.clone(), port_addresses: addresses.clone(),
        });
    }

    /// Guards that `parse` never panics on arbitrary bytes.
    #[test]
    fn parse_never_panics_on_noise(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        let _ = parse(&bytes);
    }

    /// Guards that `parse` never panics on damaged real packets: a valid header of each opcode,
    /// then a random tail of any length (short, long, lying Length fields).
    #[test]
    fn parse_never_panics_on_damaged_packets(
        op in prop::sample::select(vec![OP_DMX, OP_SYNC, OP_POLL, OP_POLL_REPLY, 0x9700]),
        tail in prop::collection::vec(any::<u8>(), 0..300),
    ) {
        let mut p = ID.to_vec();
        p.extend_from_slice(&op.to_le_bytes());
        p.extend_from_slice(&tail);
        let _ = parse(&p);
    }
}

/// Cross-checks against `artnet_protocol` (crates.io, written elsewhere), both directions.
mod cross_check {
    use super::*;
    use artnet_protocol::{ArtCommand, Output, Poll};

    /// Guards that an independent decoder reads our ArtDmx fields the same way.
    #[test]
    fn artnet_protocol_decodes_our_dmx() {
        let bytes = dmx(9, 3, 0x1234, &[1, 2, 3]);
        let Ok(ArtCommand::Output(o)) = ArtCommand::from_buffer(&bytes) else { panic!("not Output") };
        assert_eq!(o.version, [0, 14]);
        assert_eq!((o.sequence, o.physical), (9, 3));
        assert_eq!(u16::from(o.port_address), 0x1234);
        assert_eq!(*o.length, 4);
        assert_eq!(o.data.as_ref(), &vec![1, 2, 3, 0]);
    }

    /// Guards that an independent decoder reads every ArtPollReply field we write at our offsets.
    #[test]
    fn artnet_protocol_decodes_our_poll_reply() {
        let bytes = reply_bytes(&sample_reply(&[0x0123, 0x0124]));
        let Ok(ArtCommand::PollReply(r)) = ArtCommand::from_buffer(&bytes) else { panic!("not PollReply") };
        assert_eq!(r.address, Ipv4Addr::new(10, 0, 0, 7));
        assert_eq!(r.port, PORT);
        assert_eq!(r.version, [0x01, 0x02]);
        assert_eq!(r.port_address, [0x01, 0x02]);
        assert_eq!(r.oem, [0x00, 0xff]);
        assert_eq!(r.esta_code, ESTA_PROTOTYPE);
        assert_eq!(r.short_name, name_field::<18>("quai"));
        assert_eq!(r.long_name, name_field::<64>("quai facade"));
        assert_eq!(r.num_ports, [0, 2]);
        assert_eq!(r.port_types, [0x80, 0x80, 0, 0]);
        assert_eq!(r.good_output, [0x80, 0x80, 0, 0]);
        assert_eq!(r.swout, [3, 4, 0, 0]);
        assert_eq!(r.style, 0);
        assert_eq!(r.mac, [0x02, 0x11, 0x22, 0x33, 0x44, 0x55]);
        assert_eq!(r.bind_ip, [10, 0, 0, 7]);
        assert_eq!((r.bind_index, r.status_2), (1, 0x08));
        assert_eq!(r.filler, [0; 26]);
    }

    /// Guards that our ArtSync carries the opcode an independent decoder knows as ArtSync.
    #[test]
    fn artnet_protocol_recognises_our_sync() {
        let mut out = [0; SYNC_LEN];
        encode_sync(&mut out);
        assert!(matches!(ArtCommand::from_buffer(&out), Ok(ArtCommand::Sync)));
    }

    /// Guards our parser against packets an independent encoder wrote (ArtDmx and ArtPoll).
    #[test]
    fn we_parse_artnet_protocol_packets() {
        let output = Output { sequence: 5, physical: 1, port_address: 0x0321.try_into().unwrap(), ..Output::default() };
        let mut output = output;
        output.data = vec![7, 8, 9, 10].into();
        let bytes = ArtCommand::Output(output).write_to_buffer().unwrap();
        let expected = ArtPacket::Dmx { sequence: 5, physical: 1, port_address: 0x0321, data: &[7, 8, 9, 10] };
        assert_eq!(parse(&bytes), Ok(expected));
        let bytes = ArtCommand::Poll(Poll::default()).write_to_buffer().unwrap();
        assert_eq!(parse(&bytes), Ok(ArtPacket::Poll { flags: 0, priority: 0x80 }));
    }
}
