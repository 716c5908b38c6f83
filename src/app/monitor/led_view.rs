//! What `quai monitor --artnet / --sacn` knows about the LED traffic it hears: one stream per
//! protocol, universe and source, the rate-limited lines it prints, and the counters of the
//! once-a-second summary. Pure state on the monitor's (main) thread, fed datagrams by `led.rs`;
//! no sockets here, so the tests feed it bytes and a clock.

use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Write;
use std::mem::Discriminant;
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use super::led_stream::{Heard, Stream, artnet_universe, short, universe_name};
use crate::output::led::artnet::{self, ArtError, ArtPacket};
use crate::output::led::sacn::{self, SacnError, SacnPacket};

/// At most one data line per stream this often (a facade sends ~40 packets/s per universe).
pub const LINE_EVERY: Duration = Duration::from_secs(1);
/// A stream that sends nothing for this long has stopped (E1.31 §6.7.1 network data loss).
pub const SILENT_AFTER: Duration = Duration::from_millis(2500);

#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub enum Proto {
    ArtNet,
    Sacn,
}

impl Proto {
    pub(super) fn name(self) -> &'static str {
        match self {
            Proto::ArtNet => "artnet",
            Proto::Sacn => "sacn",
        }
    }
}

/// Who sends a stream: an sACN source is its CID; an Art-Net source is its address.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
enum Sender {
    Cid([u8; 16]),
    Addr(SocketAddr),
}

type StreamKey = (Proto, u16, Sender);

#[derive(Default)]
struct UniverseCount {
    packets: u64,
    since_summary: u64,
    out_of_order: u64,
}

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum ErrorKind {
    Art(Discriminant<ArtError>),
    Sacn(Discriminant<SacnError>),
}

/// Everything heard so far.
pub struct LedView {
    /// The universes `--sacn` asked for; sACN data for others is only counted.
    sacn_universes: Vec<u16>,
    artnet: bool,
    streams: BTreeMap<StreamKey, Stream>,
    universes: BTreeMap<(Proto, u16), UniverseCount>,
    node_names: HashMap<IpAddr, String>,
    polls_seen: HashSet<IpAddr>,
    other_opcodes: HashSet<u16>,
    other_packets: u64,
    /// sACN sources' last discovery lists, to print only changes.
    discovered: HashMap<[u8; 16], Vec<u16>>,
    /// Sync packets: all of them and since the last summary, per protocol.
    syncs: BTreeMap<Proto, (u64, u64)>,
    malformed: HashMap<ErrorKind, (Proto, u64)>,
    not_asked: BTreeMap<u16, u64>,
}

impl LedView {
    pub fn new(artnet: bool, sacn_universes: &[u16]) -> Self {
        let mut universes = BTreeMap::new();
        for &u in sacn_universes {
            universes.insert((Proto::Sacn, u), UniverseCount::default());
        }
        LedView {
            sacn_universes: sacn_universes.to_vec(),
            artnet,
            streams: BTreeMap::new(),
            universes,
            node_names: HashMap::new(),
            polls_seen: HashSet::new(),
            other_opcodes: HashSet::new(),
            other_packets: 0,
            discovered: HashMap::new(),
            syncs: BTreeMap::new(),
            malformed: HashMap::new(),
            not_asked: BTreeMap::new(),
        }
    }

    /// One datagram received on the Art-Net port.
    pub fn artnet(&mut self, from: SocketAddr, bytes: &[u8], now: Instant, out: &mut dyn Write) {
        match artnet::parse(bytes) {
            Ok(ArtPacket::Dmx { sequence, port_address, data, .. }) => {
                let name = self.node_names.get(&from.ip()).cloned().unwrap_or_default();
                let heard = Heard { from, name, cid: None, priority: None, sequence, notes: String::new(), data };
                // Sequence 0: the sender does not number its packets.
                self.data((Proto::ArtNet, port_address, Sender::Addr(from)), heard, sequence != 0, now, out);
            }
            Ok(ArtPacket::Sync) => self.sync(Proto::ArtNet),
            Ok(ArtPacket::Poll { .. }) => {
                if self.polls_seen.insert(from.ip()) {
                    let _ = writeln!(out, "artnet: ArtPoll from {from} (a controller asking which nodes are there)");
                }
            }
            Ok(ArtPacket::PollReply { ip, short_name, long_name, port_addresses }) => {
                if self.node_names.get(&from.ip()) != Some(&short_name) {
                    let list: Vec<String> = port_addresses.iter().map(|&a| artnet_universe(a)).collect();
                    let _ = writeln!(
                        out,
                        "artnet: node \"{short_name}\" ({long_name}) at {ip}, from {from}, outputs universes {}",
                        if list.is_empty() { "none".into() } else { list.join(", ") }
                    );
                    self.node_names.insert(ip.into(), short_name.clone());
                    self.node_names.insert(from.ip(), short_name);
                }
            }
            Ok(ArtPacket::Other { opcode }) => {
                self.other_packets += 1;
                if self.other_opcodes.insert(opcode) {
                    let _ = writeln!(out, "artnet: OpCode {opcode:#06x} from {from}: not shown (counted as other)");
                }
            }
            Err(e) => self.malformed(Proto::ArtNet, ErrorKind::Art(std::mem::discriminant(&e)), &e, from, bytes, out),
        }
    }

    /// One datagram received on the sACN port.
    pub fn sacn(&mut self, from: SocketAddr, bytes: &[u8], now: Instant, out: &mut dyn Write) {
        match sacn::parse(bytes) {
            Ok(SacnPacket::Data {
                cid,
                source_name,
                priority,
                sync_address,
                sequence,
                preview,
                terminated,
                universe,
                start_code,
                data,
                ..
            }) => {
                if !self.sacn_universes.contains(&universe) {
                    *self.not_asked.entry(universe).or_default() += 1;
                    return;
                }
                let key = (Proto::Sacn, universe, Sender::Cid(cid.0));
                if start_code != 0 {
                    // Per-channel priority (0xDD) and the like travel beside the DMX levels.
                    self.count(Proto::Sacn, universe);
                    return;
                }
                let mut notes = String::new();
                if preview {
                    notes.push_str(" preview");
                }
                if sync_address != 0 {
                    notes.push_str(&format!(" sync {sync_address}"));
                }
                let name = source_name;
                let heard = Heard { from, name, cid: Some(cid), priority: Some(priority), sequence, notes, data };
                if terminated {
                    self.terminated(key, heard, now, out);
                } else {
                    self.data(key, heard, true, now, out);
                }
            }
            Ok(SacnPacket::Sync { .. }) => self.sync(Proto::Sacn),
            Ok(SacnPacket::Discovery { cid, source_name, universes, .. }) => {
                if self.discovered.get(&cid.0) != Some(&universes) {
                    let list: Vec<String> = universes.iter().map(u16::to_string).collect();
                    let _ = writeln!(
                        out,
                        "sacn: source \"{source_name}\" ({from}, cid {}) sends universes {}",
                        short(&cid),
                        list.join(", ")
                    );
                    self.discovered.insert(cid.0, universes);
                }
            }
            Err(e) => self.malformed(Proto::Sacn, ErrorKind::Sacn(std::mem::discriminant(&e)), &e, from, bytes, out),
        }
    }

    /// Lines held back by [`LINE_EVERY`] whose time has come, and streams gone silent.
    pub fn tick(&mut self, now: Instant, out: &mut dyn Write) {
        let mut gone = Vec::new();
        for (key, s) in &mut self.streams {
            if now.duration_since(s.last_seen) >= SILENT_AFTER {
                if !s.terminated {
                    let _ = writeln!(
                        out,
                        "{}: {} stopped sending universe {} (nothing for {:.1} s)",
                        key.0.name(),
                        s.who(),
                        universe_name(key.0, key.1),
                        SILENT_AFTER.as_secs_f64()
                    );
                }
                gone.push(*key);
            } else if !s.terminated && s.due(now) {
                s.print(key.0, key.1, now, out);
            }
        }
        for key in gone {
            self.streams.remove(&key);
        }
    }

    /// The once-a-second summary: packets/s per universe since the last call, syncs, and what
    /// was counted rather than printed.
    pub fn summary(&mut self) -> Vec<String> {
        let mut parts = Vec::new();
        if self.artnet && !self.universes.keys().any(|k| k.0 == Proto::ArtNet) {
            parts.push("artnet: nothing yet".to_string());
        }
        for (&(proto, universe), c) in &mut self.universes {
            let sources = self.streams.iter().filter(|(k, s)| k.0 == proto && k.1 == universe && !s.terminated).count();
            let mut line = format!("{} {}: {}/s", proto.name(), universe_name(proto, universe), c.since_summary);
            if c.packets == 0 {
                line.push_str(", nothing yet");
            } else {
                line.push_str(&format!(", {sources} source{}", if sources == 1 { "" } else { "s" }));
            }
            if c.out_of_order > 0 {
                line.push_str(&format!(", {} out of order", c.out_of_order));
            }
            c.since_summary = 0;
            parts.push(line);
        }
        if !self.syncs.is_empty() {
            let s: Vec<String> = self
                .syncs
                .iter_mut()
                .map(|(p, (all, recent))| {
                    let text = format!("{} {recent}/s ({all} in all)", p.name());
                    *recent = 0;
                    text
                })
                .collect();
            parts.push(format!("sync: {}", s.join(", ")));
        }
        if !self.malformed.is_empty() {
            let mut by_proto: BTreeMap<Proto, u64> = BTreeMap::new();
            for (proto, n) in self.malformed.values() {
                *by_proto.entry(*proto).or_default() += n;
            }
            let s: Vec<String> = by_proto.iter().map(|(p, n)| format!("{} {n}", p.name())).collect();
            parts.push(format!("malformed: {}", s.join(", ")));
        }
        if self.other_packets > 0 {
            parts.push(format!("artnet other: {}", self.other_packets));
        }
        if !self.not_asked.is_empty() {
            let s: Vec<String> = self.not_asked.iter().map(|(u, n)| format!("{u} ({n})")).collect();
            parts.push(format!("sacn not asked for: {}", s.join(", ")));
        }
        parts
    }

    fn data(&mut self, key: StreamKey, heard: Heard, sequenced: bool, now: Instant, out: &mut dyn Write) {
        let (proto, universe, _) = key;
        let count = self.universes.entry((proto, universe)).or_default();
        count.packets += 1;
        count.since_summary += 1;
        match self.streams.get_mut(&key) {
            Some(s) if !s.terminated => {
                if sequenced && !sacn::sequence_is_new(s.sequence, heard.sequence) {
                    // A receiver discards it (E1.31 §6.7.2); so does the monitor.
                    count.out_of_order += 1;
                    return;
                }
                s.from = heard.from;
                s.name = heard.name;
                s.priority = heard.priority;
                s.sequence = heard.sequence;
                s.notes = heard.notes;
                s.data.clear();
                s.data.extend_from_slice(heard.data);
                s.last_seen = now;
                if s.due(now) {
                    s.print(proto, universe, now, out);
                }
            }
            _ => {
                let mut s = heard.into_stream(now);
                s.print(proto, universe, now, out);
                self.streams.insert(key, s);
            }
        }
    }

    /// An sACN stream-terminated packet (a source sends three): one event per stream.
    fn terminated(&mut self, key: StreamKey, heard: Heard, now: Instant, out: &mut dyn Write) {
        self.count(key.0, key.1);
        let who =
            format!("\"{}\" ({}, cid {})", heard.name, heard.from, heard.cid.as_ref().map(short).unwrap_or_default());
        match self.streams.entry(key) {
            Entry::Occupied(mut e) => {
                let s = e.get_mut();
                s.last_seen = now;
                if !s.terminated {
                    s.terminated = true;
                    let _ = writeln!(out, "sacn: source {who} terminated universe {}", key.1);
                }
            }
            Entry::Vacant(e) => {
                let _ =
                    writeln!(out, "sacn: source {who} terminated universe {} (nothing heard from it before)", key.1);
                e.insert(Stream { terminated: true, ..heard.into_stream(now) });
            }
        }
    }

    fn count(&mut self, proto: Proto, universe: u16) {
        let count = self.universes.entry((proto, universe)).or_default();
        count.packets += 1;
        count.since_summary += 1;
    }

    fn sync(&mut self, proto: Proto) {
        let (all, recent) = self.syncs.entry(proto).or_default();
        *all += 1;
        *recent += 1;
    }

    fn malformed(
        &mut self,
        proto: Proto,
        kind: ErrorKind,
        error: &dyn std::fmt::Display,
        from: SocketAddr,
        bytes: &[u8],
        out: &mut dyn Write,
    ) {
        let (_, n) = self.malformed.entry(kind).or_insert((proto, 0));
        *n += 1;
        if *n == 1 {
            let _ = writeln!(
                out,
                "{}: malformed packet from {from} ({} bytes): {error} (more like it are only counted)",
                proto.name(),
                bytes.len()
            );
        }
    }
}

#[cfg(test)]
#[path = "led_view_tests.rs"]
mod tests;
