//! One LED stream (a universe from one source) as `quai monitor` shows it: its latest packet,
//! when a line is owed (first packet, then changes at most every [`LINE_EVERY`]) and the line.
//! Used by `led_view` on the monitor's (main) thread.

use std::io::Write;
use std::net::SocketAddr;
use std::time::Instant;

use super::led_view::{LINE_EVERY, Proto};
use crate::output::led::sacn::Cid;

/// Channels shown in a data line.
const SHOWN: usize = 8;

/// One universe from one source.
pub(super) struct Stream {
    pub(super) from: SocketAddr,
    pub(super) name: String,
    pub(super) cid: Option<Cid>,
    pub(super) priority: Option<u8>,
    pub(super) sequence: u8,
    pub(super) notes: String,
    pub(super) data: Vec<u8>,
    /// When the last line was printed, and the data and priority it showed.
    pub(super) shown: Option<(Instant, Vec<u8>, Option<u8>)>,
    pub(super) last_seen: Instant,
    pub(super) terminated: bool,
}

/// The fields of one data packet, before they become (or update) a [`Stream`].
pub(super) struct Heard<'a> {
    pub(super) from: SocketAddr,
    pub(super) name: String,
    pub(super) cid: Option<Cid>,
    pub(super) priority: Option<u8>,
    pub(super) sequence: u8,
    pub(super) notes: String,
    pub(super) data: &'a [u8],
}

impl Heard<'_> {
    pub(super) fn into_stream(self, now: Instant) -> Stream {
        Stream {
            from: self.from,
            name: self.name,
            cid: self.cid,
            priority: self.priority,
            sequence: self.sequence,
            notes: self.notes,
            data: self.data.to_vec(),
            shown: None,
            last_seen: now,
            terminated: false,
        }
    }
}

impl Stream {
    /// Whether a line is owed: never printed, or changed since the last line and that was at
    /// least [`LINE_EVERY`] ago.
    pub(super) fn due(&self, now: Instant) -> bool {
        match &self.shown {
            None => true,
            Some((at, data, priority)) => {
                (data != &self.data || priority != &self.priority) && now.duration_since(*at) >= LINE_EVERY
            }
        }
    }

    /// `"name" (IP:PORT, cid 6ba7b810)`, or `IP:PORT` for a nameless Art-Net sender.
    pub(super) fn who(&self) -> String {
        let cid = self.cid.as_ref().map(|c| format!(", cid {}", short(c))).unwrap_or_default();
        if self.name.is_empty() && cid.is_empty() {
            self.from.to_string()
        } else {
            format!("\"{}\" ({}{cid})", self.name, self.from)
        }
    }

    pub(super) fn print(&mut self, proto: Proto, universe: u16, now: Instant, out: &mut dyn Write) {
        let mut line = format!("{} {} from {}", proto.name(), universe_name(proto, universe), self.who());
        if let Some(p) = self.priority {
            line.push_str(&format!(" prio {p}"));
        }
        line.push_str(&format!(" seq {}{}: ch1-{SHOWN}", self.sequence, self.notes));
        for v in self.data.iter().take(SHOWN) {
            line.push_str(&format!(" {v:3}"));
        }
        line.push_str(&format!("  ({} ch", self.data.len()));
        if let Some((_, before, _)) = &self.shown {
            let changed: Vec<usize> =
                (0..self.data.len().max(before.len())).filter(|&i| self.data.get(i) != before.get(i)).collect();
            if let Some(first) = changed.first() {
                line.push_str(&format!(", {} changed from ch {}", changed.len(), first + 1));
            }
        }
        line.push(')');
        let _ = writeln!(out, "{line}");
        self.shown = Some((now, self.data.clone(), self.priority));
    }
}

/// `1`, or for Art-Net the port-address with its Net:Sub-Net:Universe, `17 (0:1:1)`.
pub(super) fn universe_name(proto: Proto, universe: u16) -> String {
    match proto {
        Proto::Sacn => universe.to_string(),
        Proto::ArtNet => artnet_universe(universe),
    }
}

pub(super) fn artnet_universe(port_address: u16) -> String {
    format!("{port_address} ({}:{}:{})", port_address >> 8, (port_address >> 4) & 0x0f, port_address & 0x0f)
}

/// The first 8 hex digits of a CID, enough to tell sources apart on one network.
pub(super) fn short(cid: &Cid) -> String {
    cid.to_string()[..8].to_string()
}
