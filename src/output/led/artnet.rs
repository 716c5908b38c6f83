//! Art-Net 4 packet layouts (Artistic Licence, "Art-Net 4" specification): encoders for ArtDmx,
//! ArtSync and ArtPollReply that write into caller-provided fixed arrays (no allocation), and a
//! parser for received datagrams (ArtDmx, ArtSync, ArtPoll, ArtPollReply, anything else by opcode).
//! Byte layouts only: no sockets, no timing, no retransmission policy.
//!
//! Used by the LED sender thread (encoders, and `parse` to answer ArtPoll) and by
//! `quai monitor --artnet` (`parse`).
//!
//! Port-Addresses are the 15-bit Art-Net 3/4 addresses: Net (bits 14-8), Sub-Net (bits 7-4) and
//! Universe (bits 3-0). The encoders mask anything above bit 14 away; callers validate addresses
//! (0..=32767) before they get here.

use super::fields::{be16, c_string, put_name};
use std::net::Ipv4Addr;

/// UDP port of every Art-Net packet, both directions (0x1936).
pub const PORT: u16 = 6454;
/// The eight bytes every Art-Net packet starts with.
pub const ID: [u8; 8] = *b"Art-Net\0";
/// Protocol version written by the encoders and the lowest one the parser accepts.
pub const PROT_VER: u16 = 14;
/// OpPoll: a controller asks every node to answer with ArtPollReply.
pub const OP_POLL: u16 = 0x2000;
/// OpPollReply: a node's description of itself.
pub const OP_POLL_REPLY: u16 = 0x2100;
/// OpOutput / OpDmx: one universe of DMX512 data.
pub const OP_DMX: u16 = 0x5000;
/// OpSync: latch the ArtDmx data sent since the last ArtSync on every output at once.
pub const OP_SYNC: u16 = 0x5200;
/// Highest 15-bit Port-Address.
pub const MAX_PORT_ADDRESS: u16 = 0x7fff;
/// Longest ArtDmx packet: 18 header bytes and 512 DMX slots.
pub const ARTDMX_MAX: usize = 18 + 512;
/// Length of an ArtSync packet.
pub const SYNC_LEN: usize = 14;
/// Length of an Art-Net 4 ArtPollReply packet.
pub const POLL_REPLY_LEN: usize = 239;
/// Oem code written in ArtPollReply: Artistic Licence's "OemUnknown", for products without a code.
pub const OEM_UNKNOWN: u16 = 0x00ff;
/// ESTA manufacturer code written in ArtPollReply: the first code ESTA reserves for prototypes.
pub const ESTA_PROTOTYPE: u16 = 0x7ff0;
/// PortTypes value for an output port (bit 7: data from the network goes out) speaking DMX512.
pub const PORT_TYPE_DMX_OUTPUT: u8 = 0x80;
/// GoodOutput bit 7: data is being transmitted.
pub const GOOD_OUTPUT_TRANSMITTING: u8 = 0x80;
/// Status2 bit 3: the node supports 15-bit Port-Addresses (Art-Net 3 and 4).
pub const STATUS2_PORT_ADDRESS_15BIT: u8 = 0x08;

/// Shortest ArtDmx: header and a two-slot payload.
const DMX_MIN: usize = 18 + 2;
/// The fields the parser reads from an ArtPollReply end with SwOut at 190..194. Older nodes send
/// replies shorter than 239 bytes, so nothing past SwOut is required.
const POLL_REPLY_MIN: usize = 194;

/// Writes an ArtDmx packet for `port_address` into `out` and returns its length.
///
/// The Length field is even and in 2..=512 as the specification asks: odd `data` gets one zero
/// slot of padding, empty `data` becomes two zero slots, and `data` beyond 512 bytes is cut off.
/// `port_address` above 32767 is masked to 15 bits. `sequence` 0 disables resequencing at the
/// receiver; otherwise the caller counts 1..=255 and wraps to 1.
pub fn encode_dmx(out: &mut [u8; ARTDMX_MAX], sequence: u8, physical: u8, port_address: u16, data: &[u8]) -> usize {
    let data = &data[..data.len().min(512)];
    let length = (data.len() + data.len() % 2).max(2);
    let port_address = port_address & MAX_PORT_ADDRESS;
    put_header(out, OP_DMX);
    out[10..12].copy_from_slice(&PROT_VER.to_be_bytes());
    out[12] = sequence;
    out[13] = physical;
    out[14] = port_address as u8; // SubUni: Sub-Net and Universe
    out[15] = (port_address >> 8) as u8; // Net
    out[16..18].copy_from_slice(&(length as u16).to_be_bytes());
    out[18..18 + data.len()].copy_from_slice(data);
    out[18 + data.len()..18 + length].fill(0);
    18 + length
}

/// Writes an ArtSync packet into `out` and returns its length (always [`SYNC_LEN`]).
pub fn encode_sync(out: &mut [u8; SYNC_LEN]) -> usize {
    put_header(out, OP_SYNC);
    out[10..12].copy_from_slice(&PROT_VER.to_be_bytes());
    out[12] = 0; // Aux1
    out[13] = 0; // Aux2
    SYNC_LEN
}

/// What one ArtPollReply says about this node.
///
/// One reply describes at most four output ports, and all of them share the Net and Sub-Net of
/// `port_addresses[0]` (Art-Net has one NetSwitch and one SubSwitch per reply). A node with more
/// universes sends one reply per group from [`poll_reply_groups`], with `bind_index` 1, 2, 3…
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PollReply<'a> {
    /// The node's IPv4 address.
    pub ip: Ipv4Addr,
    /// Always [`PORT`] on a conforming node.
    pub port: u16,
    /// Firmware version of the node (VersInfo).
    pub version: u16,
    /// Up to 17 bytes are sent (NUL-terminated), cut on a UTF-8 char boundary.
    pub short_name: &'a str,
    /// Up to 63 bytes are sent (NUL-terminated), cut on a UTF-8 char boundary.
    pub long_name: &'a str,
    /// "#xxxx [yyyy] text" status report; up to 63 bytes are sent.
    pub node_report: &'a str,
    /// Up to 4 output Port-Addresses sharing one Net and Sub-Net; any past the fourth are ignored.
    pub port_addresses: &'a [u16],
    /// MAC address, most significant byte first; zeros if unknown.
    pub mac: [u8; 6],
    /// 1 for the first reply of this node, 2 for the second…
    pub bind_index: u8,
}

/// Splits `port_addresses` into runs that fit one ArtPollReply each: consecutive addresses sharing
/// Net and Sub-Net (bits 14-4), at most four per run. Sort the addresses first for the fewest
/// replies; an unsorted list still gives correct, just more, replies.
pub fn poll_reply_groups(port_addresses: &[u16]) -> impl Iterator<Item = &[u16]> {
    port_addresses
        .chunk_by(|a, b| (a & MAX_PORT_ADDRESS) >> 4 == (b & MAX_PORT_ADDRESS) >> 4)
        .flat_map(|group| group.chunks(4))
}

/// Writes an ArtPollReply for `r` into `out` and returns its length (always [`POLL_REPLY_LEN`]).
///
/// NetSwitch and SubSwitch come from `r.port_addresses[0]`, SwOut from each address's low nibble;
/// every listed port is a DMX512 output that is transmitting. Oem is [`OEM_UNKNOWN`], EstaMan
/// [`ESTA_PROTOTYPE`], Status1, Ubea, GoodInput and SwIn are zero (no input ports), Style is
/// StNode, BindIp is `r.ip`, Status2 is [`STATUS2_PORT_ADDRESS_15BIT`] and every later field is zero.
pub fn encode_poll_reply(out: &mut [u8; POLL_REPLY_LEN], r: &PollReply) -> usize {
    let ports = &r.port_addresses[..r.port_addresses.len().min(4)];
    let first = ports.first().copied().unwrap_or(0) & MAX_PORT_ADDRESS;
    out.fill(0);
    put_header(out, OP_POLL_REPLY);
    out[10..14].copy_from_slice(&r.ip.octets());
    out[14..16].copy_from_slice(&r.port.to_le_bytes()); // the only little-endian field besides OpCode
    out[16..18].copy_from_slice(&r.version.to_be_bytes());
    out[18] = (first >> 8) as u8; // NetSwitch: bits 14-8
    out[19] = ((first >> 4) & 0x0f) as u8; // SubSwitch: bits 7-4
    out[20..22].copy_from_slice(&OEM_UNKNOWN.to_be_bytes());
    // 22 Ubea version, 23 Status1: zero.
    out[24..26].copy_from_slice(&ESTA_PROTOTYPE.to_le_bytes()); // EstaManLo, EstaManHi
    put_name(&mut out[26..44], r.short_name);
    put_name(&mut out[44..108], r.long_name);
    put_name(&mut out[108..172], r.node_report);
    out[173] = ports.len() as u8; // NumPortsLo (NumPortsHi at 172 stays zero)
    for (i, &address) in ports.iter().enumerate() {
        out[174 + i] = PORT_TYPE_DMX_OUTPUT;
        out[182 + i] = GOOD_OUTPUT_TRANSMITTING;
        out[190 + i] = (address & 0x0f) as u8; // SwOut
    }
    // 178 GoodInput, 186 SwIn, 194 AcnPriority, 195 SwMacro, 196 SwRemote, 197 spare: zero.
    out[200] = 0; // Style: StNode
    out[201..207].copy_from_slice(&r.mac);
    out[207..211].copy_from_slice(&r.ip.octets()); // BindIp: this node is its own root
    out[211] = r.bind_index;
    out[212] = STATUS2_PORT_ADDRESS_15BIT;
    // 213 GoodOutputB, 217 Status3, 218 DefaultRespUID, 224 User, 226 RefreshRate, filler: zero.
    POLL_REPLY_LEN
}

/// One received Art-Net packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArtPacket<'a> {
    /// ArtDmx. `data` holds exactly the slots the Length field announces.
    Dmx { sequence: u8, physical: u8, port_address: u16, data: &'a [u8] },
    /// ArtSync.
    Sync,
    /// ArtPoll: the TalkToMe flags and the lowest diagnostics priority wanted.
    Poll { flags: u8, priority: u8 },
    /// ArtPollReply: the node's address and names, and the Port-Addresses of its output ports
    /// (those whose PortTypes bit 7 is set). Names end at their first NUL; invalid UTF-8 is
    /// replaced with U+FFFD.
    PollReply { ip: Ipv4Addr, short_name: String, long_name: String, port_addresses: Vec<u16> },
    /// A well-formed header with an opcode this parser does not decode.
    Other { opcode: u16 },
}

/// Why a datagram is not an Art-Net packet this parser accepts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ArtError {
    #[error("packet is {len} bytes, shorter than the 10-byte Art-Net header")]
    TooShort { len: usize },
    #[error("packet does not start with the Art-Net ID \"Art-Net\\0\"")]
    BadId,
    #[error("{op} packet is {len} bytes but needs at least {min}")]
    Truncated { op: &'static str, len: usize, min: usize },
    #[error("{op} protocol version {version} is older than {PROT_VER}")]
    OldVersion { op: &'static str, version: u16 },
    #[error("ArtDmx length field says {length} but only {available} bytes follow")]
    DmxLengthExceedsPacket { length: usize, available: usize },
    #[error("ArtDmx length field says {length}, outside 1..=512")]
    DmxLengthOutOfRange { length: usize },
}

/// Parses one UDP payload. Never panics: every malformed input is an [`ArtError`].
///
/// ArtDmx accepts an odd Length (the specification asks senders for even ones) and ignores bytes
/// after the announced data; packets longer than their defined length are accepted, as the
/// specification asks of receivers.
pub fn parse(packet: &[u8]) -> Result<ArtPacket<'_>, ArtError> {
    if packet.len() < 10 {
        return Err(ArtError::TooShort { len: packet.len() });
    }
    if packet[..8] != ID {
        return Err(ArtError::BadId);
    }
    let opcode = u16::from_le_bytes([packet[8], packet[9]]);
    match opcode {
        OP_DMX => {
            check_versioned(packet, "ArtDmx", DMX_MIN)?;
            let length = usize::from(be16(packet, 16));
            if length == 0 || length > 512 {
                return Err(ArtError::DmxLengthOutOfRange { length });
            }
            let available = packet.len() - 18;
            if length > available {
                return Err(ArtError::DmxLengthExceedsPacket { length, available });
            }
            Ok(ArtPacket::Dmx {
                sequence: packet[12],
                physical: packet[13],
                port_address: u16::from_le_bytes([packet[14], packet[15] & 0x7f]),
                data: &packet[18..18 + length],
            })
        }
        OP_SYNC => {
            check_versioned(packet, "ArtSync", SYNC_LEN)?;
            Ok(ArtPacket::Sync)
        }
        OP_POLL => {
            check_versioned(packet, "ArtPoll", 14)?;
            Ok(ArtPacket::Poll { flags: packet[12], priority: packet[13] })
        }
        OP_POLL_REPLY => {
            // ArtPollReply has no ProtVer field: offset 10 is already the IP address.
            if packet.len() < POLL_REPLY_MIN {
                return Err(ArtError::Truncated { op: "ArtPollReply", len: packet.len(), min: POLL_REPLY_MIN });
            }
            let net = u16::from(packet[18] & 0x7f);
            let sub = u16::from(packet[19] & 0x0f);
            let port_addresses = (0..4)
                .filter(|&i| packet[174 + i] & PORT_TYPE_DMX_OUTPUT != 0)
                .map(|i| (net << 8) | (sub << 4) | u16::from(packet[190 + i] & 0x0f))
                .collect();
            Ok(ArtPacket::PollReply {
                ip: Ipv4Addr::new(packet[10], packet[11], packet[12], packet[13]),
                short_name: c_string(&packet[26..44]),
                long_name: c_string(&packet[44..108]),
                port_addresses,
            })
        }
        opcode => Ok(ArtPacket::Other { opcode }),
    }
}

/// Checks the length and the ProtVer field (offsets 10-11) of an opcode that has one.
fn check_versioned(packet: &[u8], op: &'static str, min: usize) -> Result<(), ArtError> {
    if packet.len() < min {
        return Err(ArtError::Truncated { op, len: packet.len(), min });
    }
    let version = be16(packet, 10);
    if version < PROT_VER {
        return Err(ArtError::OldVersion { op, version });
    }
    Ok(())
}

/// ID and little-endian OpCode, offsets 0..10.
fn put_header(out: &mut [u8], opcode: u16) {
    out[..8].copy_from_slice(&ID);
    out[8..10].copy_from_slice(&opcode.to_le_bytes());
}

#[cfg(test)]
#[path = "artnet_tests.rs"]
mod tests;
