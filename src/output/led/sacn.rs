//! Streaming ACN (ANSI E1.31-2018) packet layouts: encoders for data, synchronization and universe
//! discovery packets that write into caller-provided fixed arrays (no allocation), a parser for
//! received datagrams, the component identifier (CID) type, the multicast address of a universe
//! and the sequence-number rule of §6.7.2. Byte layouts only: no sockets, no timing.
//!
//! Used by the LED sender thread (encoders) and by `quai monitor --sacn` (`parse`).
//!
//! Every PDU's Flags and Length word is 0x7 in the high nibble and the PDU's length, from that
//! word to the end of the packet, in the low 12 bits.

use super::fields::{be16, c_string, put_name};
use std::fmt;
use std::net::Ipv4Addr;
use std::str::FromStr;

/// UDP port of every E1.31 packet (ACN-SDT-MULTICAST).
pub const PORT: u16 = 5568;
/// The universe discovery packets are sent to (every 10 s), 239.255.250.214.
pub const DISCOVERY_UNIVERSE: u16 = 64214;
/// Highest data universe; 64000-65535 are reserved.
pub const MAX_UNIVERSE: u16 = 63999;
/// Highest priority a source may send.
pub const MAX_PRIORITY: u8 = 200;
/// Longest data packet: 126 header octets (through the START code) and 512 slots.
pub const DATA_MAX: usize = 126 + 512;
/// Length of a synchronization packet.
pub const SYNC_LEN: usize = 49;
/// Longest universe discovery packet: 120 header octets and 512 universes.
pub const DISCOVERY_MAX: usize = 120 + 2 * 512;
/// Priority a source sends unless configured otherwise.
pub const DEFAULT_PRIORITY: u8 = 100;

// Wire constants (E1.31 Table A-1 and §6.2.6); `parse` decodes them into `SacnPacket`.
const ACN_PACKET_IDENTIFIER: [u8; 12] = *b"ASC-E1.17\0\0\0"; // root layer octets 4-15
const VECTOR_ROOT_E131_DATA: u32 = 0x0000_0004; // root layer, data packet
const VECTOR_ROOT_E131_EXTENDED: u32 = 0x0000_0008; // root layer, sync and discovery packets
const VECTOR_E131_DATA_PACKET: u32 = 0x0000_0002; // framing layer, data packet
const VECTOR_E131_EXTENDED_SYNCHRONIZATION: u32 = 0x0000_0001; // framing layer, sync packet
const VECTOR_E131_EXTENDED_DISCOVERY: u32 = 0x0000_0002; // framing layer, discovery packet
const VECTOR_DMP_SET_PROPERTY: u8 = 0x02; // DMP layer
const VECTOR_UNIVERSE_DISCOVERY_UNIVERSE_LIST: u32 = 0x0000_0001; // universe discovery layer
const OPTION_PREVIEW: u8 = 0x80; // preview data, not for live output
const OPTION_TERMINATED: u8 = 0x40; // the source stops sending this universe
const OPTION_FORCE_SYNC: u8 = 0x20; // act on data without waiting when sync packets stop

/// The multicast group of `universe`: 239.255.(universe >> 8).(universe & 0xff).
pub fn multicast_addr(universe: u16) -> Ipv4Addr {
    let [hi, lo] = universe.to_be_bytes();
    Ipv4Addr::new(239, 255, hi, lo)
}

/// E1.31 §6.7.2: whether a packet with sequence `new` is to be processed after one with `last`.
/// A packet is discarded when `new - last` (mod 256, as a signed byte) is in -19..=0.
pub fn sequence_is_new(last: u8, new: u8) -> bool {
    let diff = new.wrapping_sub(last) as i8;
    diff > 0 || diff <= -20
}

/// Component identifier: the 16-octet UUID that names one source for its lifetime.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Cid(pub [u8; 16]);

impl Cid {
    /// A random (RFC 4122 version 4) CID from /dev/urandom; where that cannot be read (Windows),
    /// from std's hash keys, which the OS seeds once per thread and each `RandomState` steps.
    pub fn generate() -> Cid {
        use std::hash::BuildHasher;
        use std::io::Read;
        let mut b = [0u8; 16];
        if std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut b)).is_err() {
            for half in b.chunks_exact_mut(8) {
                let key_hash = std::collections::hash_map::RandomState::new().hash_one(half.as_ptr() as usize);
                half.copy_from_slice(&key_hash.to_le_bytes());
            }
        }
        b[6] = (b[6] & 0x0f) | 0x40; // version 4
        b[8] = (b[8] & 0x3f) | 0x80; // RFC 4122 variant
        Cid(b)
    }
}

impl fmt::Display for Cid {
    /// 8-4-4-4-12 lowercase hex, e.g. `6ba7b810-9dad-41d1-80b4-00c04fd430c8`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, byte) in self.0.iter().enumerate() {
            if matches!(i, 4 | 6 | 8 | 10) {
                f.write_str("-")?;
            }
            write!(f, "{byte:02x}")?;
        }
        Ok(())
    }
}

/// Why a string is not an 8-4-4-4-12 hex CID.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CidParseError {
    #[error("a CID is 36 characters (8-4-4-4-12 hex digits), this is {0} bytes")]
    Length(usize),
    #[error("a CID has '-' at positions 8, 13, 18 and 23; position {0} differs")]
    Hyphen(usize),
    #[error("a CID has hex digits outside the hyphens; position {0} is not one")]
    Digit(usize),
}

impl FromStr for Cid {
    type Err = CidParseError;

    /// Parses the [`Display`](fmt::Display) form; upper-case hex digits are accepted too.
    fn from_str(s: &str) -> Result<Cid, CidParseError> {
        let s = s.as_bytes();
        ensure(s.len() == 36, CidParseError::Length(s.len()))?;
        let mut out = [0u8; 16];
        let mut nibbles = 0;
        for (pos, &c) in s.iter().enumerate() {
            if matches!(pos, 8 | 13 | 18 | 23) {
                ensure(c == b'-', CidParseError::Hyphen(pos))?;
                continue;
            }
            let digit = (c as char).to_digit(16).ok_or(CidParseError::Digit(pos))? as u8;
            out[nibbles / 2] |= if nibbles % 2 == 0 { digit << 4 } else { digit };
            nibbles += 1;
        }
        Ok(Cid(out))
    }
}

/// The framing layer fields of one data packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DataHeader<'a> {
    pub cid: Cid,
    /// Up to 63 octets are sent (NUL-terminated), cut on a UTF-8 char boundary.
    pub source_name: &'a str,
    /// 0..=200, 100 by default; callers validate.
    pub priority: u8,
    /// Universe whose synchronization packets release this data; 0 when unsynchronized.
    pub sync_address: u16,
    pub sequence: u8,
    pub preview: bool,
    pub terminated: bool,
    pub force_sync: bool,
    /// 1..=63999; callers validate.
    pub universe: u16,
}

/// Writes a data packet (Table 4-1) with START code 0 and `dmx` (cut at 512 slots) into `out`;
/// returns its length, 126 + slots.
pub fn encode_data(out: &mut [u8; DATA_MAX], h: &DataHeader, dmx: &[u8]) -> usize {
    let dmx = &dmx[..dmx.len().min(512)];
    let end = 126 + dmx.len();
    put_root(out, end, VECTOR_ROOT_E131_DATA, &h.cid);
    put_flags_length(out, 38, end);
    out[40..44].copy_from_slice(&VECTOR_E131_DATA_PACKET.to_be_bytes());
    put_name(&mut out[44..108], h.source_name);
    out[108] = h.priority;
    out[109..111].copy_from_slice(&h.sync_address.to_be_bytes());
    out[111] = h.sequence;
    let options = [(h.preview, OPTION_PREVIEW), (h.terminated, OPTION_TERMINATED), (h.force_sync, OPTION_FORCE_SYNC)];
    out[112] = options.iter().filter(|(on, _)| *on).fold(0, |acc, (_, bit)| acc | bit);
    out[113..115].copy_from_slice(&h.universe.to_be_bytes());
    put_flags_length(out, 115, end);
    out[117] = VECTOR_DMP_SET_PROPERTY;
    out[118] = 0xa1; // Address Type & Data Type
    out[119..121].copy_from_slice(&0u16.to_be_bytes()); // First Property Address
    out[121..123].copy_from_slice(&1u16.to_be_bytes()); // Address Increment
    out[123..125].copy_from_slice(&(1 + dmx.len() as u16).to_be_bytes()); // Property value count
    out[125] = 0; // DMX512-A START code
    out[126..end].copy_from_slice(dmx);
    end
}

/// Writes a synchronization packet (Table 4-2) into `out`; returns [`SYNC_LEN`].
pub fn encode_sync(out: &mut [u8; SYNC_LEN], cid: &Cid, sequence: u8, sync_address: u16) -> usize {
    put_root(out, SYNC_LEN, VECTOR_ROOT_E131_EXTENDED, cid);
    put_flags_length(out, 38, SYNC_LEN);
    out[40..44].copy_from_slice(&VECTOR_E131_EXTENDED_SYNCHRONIZATION.to_be_bytes());
    out[44] = sequence;
    out[45..47].copy_from_slice(&sync_address.to_be_bytes());
    out[47..49].fill(0); // Reserved
    SYNC_LEN
}

/// Writes one page of a universe discovery packet (Table 4-3) into `out`; returns its length,
/// 120 + 2 per universe. `universes` is this page's share (at most 512; more are cut off) of the
/// source's sorted universe list: page `n` of `list.chunks(512)`. The page is written sorted.
pub fn encode_discovery(
    out: &mut [u8; DISCOVERY_MAX],
    cid: &Cid,
    source_name: &str,
    page: u8,
    last_page: u8,
    universes: &[u16],
) -> usize {
    let universes = &universes[..universes.len().min(512)];
    let end = 120 + 2 * universes.len();
    put_root(out, end, VECTOR_ROOT_E131_EXTENDED, cid);
    put_flags_length(out, 38, end);
    out[40..44].copy_from_slice(&VECTOR_E131_EXTENDED_DISCOVERY.to_be_bytes());
    put_name(&mut out[44..108], source_name);
    out[108..112].fill(0); // Reserved
    put_flags_length(out, 112, end);
    out[114..118].copy_from_slice(&VECTOR_UNIVERSE_DISCOVERY_UNIVERSE_LIST.to_be_bytes());
    out[118] = page;
    out[119] = last_page;
    let (slots, _) = out[120..end].as_chunks_mut::<2>();
    for (slot, universe) in slots.iter_mut().zip(universes) {
        *slot = universe.to_be_bytes();
    }
    slots.sort_unstable(); // big-endian pairs sort as their numbers do
    end
}

/// One received E1.31 packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SacnPacket<'a> {
    /// A data packet. `data` is the slots after the START code (0..=512 of them). The source name
    /// ends at its first NUL; invalid UTF-8 is replaced with U+FFFD.
    Data {
        cid: Cid,
        source_name: String,
        priority: u8,
        sync_address: u16,
        sequence: u8,
        preview: bool,
        terminated: bool,
        force_sync: bool,
        universe: u16,
        start_code: u8,
        data: &'a [u8],
    },
    /// A synchronization packet.
    Sync { cid: Cid, sequence: u8, sync_address: u16 },
    /// One page of a universe discovery packet, universes in packet order.
    Discovery { cid: Cid, source_name: String, page: u8, last_page: u8, universes: Vec<u16> },
}

/// Why a datagram is not an E1.31 packet this parser accepts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SacnError {
    #[error("packet is {len} octets; an E1.31 {what} needs at least {min}")]
    TooShort { what: &'static str, len: usize, min: usize },
    #[error("packet is {len} octets; an E1.31 {what} is {min}..={max}")]
    Size { what: &'static str, len: usize, min: usize, max: usize },
    #[error("preamble size is {0:#06x}, not 0x0010")]
    Preamble(u16),
    #[error("post-amble size is {0:#06x}, not 0x0000")]
    Postamble(u16),
    #[error("ACN packet identifier is not \"ASC-E1.17\\0\\0\\0\"")]
    Identifier,
    #[error("{layer} layer flags are {flags:#x}, not 0x7")]
    Flags { layer: &'static str, flags: u8 },
    #[error("{layer} layer length field says {length} but {actual} octets are there")]
    Length { layer: &'static str, length: usize, actual: usize },
    #[error("{layer} layer vector {vector:#010x} is not one E1.31 defines there")]
    Vector { layer: &'static str, vector: u32 },
    #[error("DMP {field} is {value:#x}, not {expected:#x}")]
    DmpField { field: &'static str, value: u16, expected: u16 },
    #[error("DMP property value count says {count} but {actual} values follow")]
    PropertyCount { count: usize, actual: usize },
    #[error("priority {0} is above 200")]
    Priority(u8),
    #[error("universe {0} is outside 1..=63999")]
    Universe(u16),
    #[error("synchronization address {0} is outside the range allowed here")]
    SyncAddress(u16),
    #[error("discovery page {page} is after the last page {last_page}")]
    Page { page: u8, last_page: u8 },
    #[error("discovery universe list is {0} octets, not a whole number of universes")]
    OddUniverseList(usize),
}

/// Parses one UDP payload. Never panics: every malformed input is a [`SacnError`].
///
/// Checks the preamble, post-amble and identifier, every layer's flags, that every length field
/// reaches exactly to the end of the datagram, every vector, the fixed DMP fields, the property
/// value count, priority ≤ 200, data universe 1..=63999, synchronization address ≤ 63999 (and ≠ 0
/// in a synchronization packet) and discovery page ≤ last page. Reserved fields are ignored.
pub fn parse(packet: &[u8]) -> Result<SacnPacket<'_>, SacnError> {
    let len = packet.len();
    ensure(len >= 38, SacnError::TooShort { what: "root layer", len, min: 38 })?;
    let preamble = be16(packet, 0);
    ensure(preamble == 0x0010, SacnError::Preamble(preamble))?;
    let postamble = be16(packet, 2);
    ensure(postamble == 0, SacnError::Postamble(postamble))?;
    ensure(packet[4..16] == ACN_PACKET_IDENTIFIER, SacnError::Identifier)?;
    check_flags_length(packet, 16, "root")?;
    let mut cid = Cid([0; 16]);
    cid.0.copy_from_slice(&packet[22..38]);
    match be32(packet, 18) {
        VECTOR_ROOT_E131_DATA => parse_data(packet, cid),
        VECTOR_ROOT_E131_EXTENDED => {
            ensure(len >= 44, SacnError::TooShort { what: "extended packet", len, min: 44 })?;
            check_flags_length(packet, 38, "framing")?;
            match be32(packet, 40) {
                VECTOR_E131_EXTENDED_SYNCHRONIZATION => parse_sync(packet, cid),
                VECTOR_E131_EXTENDED_DISCOVERY => parse_discovery(packet, cid),
                vector => Err(SacnError::Vector { layer: "framing", vector }),
            }
        }
        vector => Err(SacnError::Vector { layer: "root", vector }),
    }
}

fn parse_data(packet: &[u8], cid: Cid) -> Result<SacnPacket<'_>, SacnError> {
    let len = packet.len();
    ensure((126..=DATA_MAX).contains(&len), SacnError::Size { what: "data packet", len, min: 126, max: DATA_MAX })?;
    check_flags_length(packet, 38, "framing")?;
    let vector = be32(packet, 40);
    ensure(vector == VECTOR_E131_DATA_PACKET, SacnError::Vector { layer: "framing", vector })?;
    check_flags_length(packet, 115, "DMP")?;
    ensure(packet[117] == VECTOR_DMP_SET_PROPERTY, SacnError::Vector { layer: "DMP", vector: u32::from(packet[117]) })?;
    for (field, value, expected) in [
        ("address & data type", u16::from(packet[118]), 0xa1),
        ("first property address", be16(packet, 119), 0),
        ("address increment", be16(packet, 121), 1),
    ] {
        ensure(value == expected, SacnError::DmpField { field, value, expected })?;
    }
    let count = usize::from(be16(packet, 123));
    ensure(count == len - 125, SacnError::PropertyCount { count, actual: len - 125 })?;
    let priority = packet[108];
    ensure(priority <= MAX_PRIORITY, SacnError::Priority(priority))?;
    let sync_address = be16(packet, 109);
    ensure(sync_address <= MAX_UNIVERSE, SacnError::SyncAddress(sync_address))?;
    let universe = be16(packet, 113);
    ensure((1..=MAX_UNIVERSE).contains(&universe), SacnError::Universe(universe))?;
    let options = packet[112];
    Ok(SacnPacket::Data {
        cid,
        source_name: c_string(&packet[44..108]),
        priority,
        sync_address,
        sequence: packet[111],
        preview: options & OPTION_PREVIEW != 0,
        terminated: options & OPTION_TERMINATED != 0,
        force_sync: options & OPTION_FORCE_SYNC != 0,
        universe,
        start_code: packet[125],
        data: &packet[126..],
    })
}

fn parse_sync(packet: &[u8], cid: Cid) -> Result<SacnPacket<'_>, SacnError> {
    let len = packet.len();
    ensure(len == SYNC_LEN, SacnError::Size { what: "synchronization packet", len, min: SYNC_LEN, max: SYNC_LEN })?;
    let sync_address = be16(packet, 45);
    ensure((1..=MAX_UNIVERSE).contains(&sync_address), SacnError::SyncAddress(sync_address))?;
    Ok(SacnPacket::Sync { cid, sequence: packet[44], sync_address })
}

fn parse_discovery(packet: &[u8], cid: Cid) -> Result<SacnPacket<'_>, SacnError> {
    let len = packet.len();
    let what = "universe discovery packet";
    ensure((120..=DISCOVERY_MAX).contains(&len), SacnError::Size { what, len, min: 120, max: DISCOVERY_MAX })?;
    check_flags_length(packet, 112, "universe discovery")?;
    let vector = be32(packet, 114);
    let layer = "universe discovery";
    ensure(vector == VECTOR_UNIVERSE_DISCOVERY_UNIVERSE_LIST, SacnError::Vector { layer, vector })?;
    let (page, last_page) = (packet[118], packet[119]);
    ensure(page <= last_page, SacnError::Page { page, last_page })?;
    let (pairs, rest) = packet[120..].as_chunks::<2>();
    ensure(rest.is_empty(), SacnError::OddUniverseList(len - 120))?;
    Ok(SacnPacket::Discovery {
        cid,
        source_name: c_string(&packet[44..108]),
        page,
        last_page,
        universes: pairs.iter().map(|&pair| u16::from_be_bytes(pair)).collect(),
    })
}

/// Preamble, post-amble, identifier, root Flags and Length (the PDU runs to `end`), root vector
/// and CID: octets 0..38.
fn put_root(out: &mut [u8], end: usize, vector: u32, cid: &Cid) {
    out[0..2].copy_from_slice(&0x0010u16.to_be_bytes());
    out[2..4].fill(0);
    out[4..16].copy_from_slice(&ACN_PACKET_IDENTIFIER);
    put_flags_length(out, 16, end);
    out[18..22].copy_from_slice(&vector.to_be_bytes());
    out[22..38].copy_from_slice(&cid.0);
}

/// The Flags and Length word of a PDU starting at `at` and running to `end` (at most 4095 octets).
fn put_flags_length(out: &mut [u8], at: usize, end: usize) {
    let word = 0x7000 | ((end - at) as u16 & 0x0fff);
    out[at..at + 2].copy_from_slice(&word.to_be_bytes());
}

/// Checks the Flags and Length word at `at` (the caller has checked `at + 2 <= packet.len()`).
fn check_flags_length(packet: &[u8], at: usize, layer: &'static str) -> Result<(), SacnError> {
    let word = be16(packet, at);
    let flags = (word >> 12) as u8;
    ensure(flags == 0x7, SacnError::Flags { layer, flags })?;
    let (length, actual) = (usize::from(word & 0x0fff), packet.len() - at);
    ensure(length == actual, SacnError::Length { layer, length, actual })?;
    Ok(())
}

/// `Err(err)` unless `ok`; the error is plain data, so building it eagerly costs nothing.
fn ensure<E>(ok: bool, err: E) -> Result<(), E> {
    if ok { Ok(()) } else { Err(err) }
}

fn be32(packet: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([packet[at], packet[at + 1], packet[at + 2], packet[at + 3]])
}

#[cfg(test)]
#[path = "sacn_tests.rs"]
mod tests;
