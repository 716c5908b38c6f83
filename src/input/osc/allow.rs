//! Which machines an OSC input accepts packets from: the scene's `allow = ["192.168.1.20",
//! "10.0.0.0/8", "::1", "fe80::/10"]`. Parsed on the loading thread when the scene loads; checked
//! on the input's thread (`quai-osc-<name>`) for every packet. An empty list allows everyone.
//!
//! IPv4-mapped IPv6 addresses (`::ffff:192.168.1.20`, which a socket bound to `[::]` reports for
//! IPv4 senders) are checked as the IPv4 address they carry, in both entries and senders. An
//! entry with host bits set (`192.168.1.20/24`) means its network (`192.168.1.0/24`).

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use thiserror::Error;

/// An allow-list entry that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AllowError {
    #[error(
        "OSC allow-list entry `{entry}`: not an IP address or network (write e.g. 192.168.1.20, 10.0.0.0/8, \
         ::1 or fe80::/10)"
    )]
    NotAnAddress { entry: String },
    #[error("OSC allow-list entry `{entry}`: prefix `/{prefix}` is not a number from 0 to {max}")]
    BadPrefix { entry: String, prefix: String, max: u8 },
}

/// One network: an address and how many leading bits must match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Net {
    V4 { bits: u32, prefix: u8 },
    V6 { bits: u128, prefix: u8 },
}

/// The machines an input accepts packets from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowList {
    nets: Vec<Net>,
}

impl AllowList {
    /// The list that allows everyone.
    pub fn everyone() -> Self {
        Self::default()
    }

    /// Reads the scene's entries (surrounding whitespace ignored).
    pub fn parse<S: AsRef<str>>(entries: impl IntoIterator<Item = S>) -> Result<Self, AllowError> {
        let nets = entries.into_iter().map(|e| parse_entry(e.as_ref())).collect::<Result<_, _>>()?;
        Ok(Self { nets })
    }

    /// True when packets from `ip` are accepted.
    pub fn allows(&self, ip: IpAddr) -> bool {
        if self.nets.is_empty() {
            return true;
        }
        let ip = unmap(ip);
        self.nets.iter().any(|net| match (*net, ip) {
            (Net::V4 { bits, prefix }, IpAddr::V4(ip)) => same_prefix32(bits, ip.to_bits(), prefix),
            (Net::V6 { bits, prefix }, IpAddr::V6(ip)) => same_prefix128(bits, ip.to_bits(), prefix),
            _ => false,
        })
    }

    /// True when the list allows everyone.
    pub fn is_empty(&self) -> bool {
        self.nets.is_empty()
    }
}

/// For logs: `192.168.1.20/32, 10.0.0.0/8` or `everyone`.
impl fmt::Display for AllowList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.nets.is_empty() {
            return f.write_str("everyone");
        }
        for (i, net) in self.nets.iter().enumerate() {
            let sep = if i == 0 { "" } else { ", " };
            match *net {
                Net::V4 { bits, prefix } => write!(f, "{sep}{}/{prefix}", Ipv4Addr::from_bits(bits))?,
                Net::V6 { bits, prefix } => write!(f, "{sep}{}/{prefix}", Ipv6Addr::from_bits(bits))?,
            }
        }
        Ok(())
    }
}

fn parse_entry(entry: &str) -> Result<Net, AllowError> {
    let text = entry.trim();
    let (addr, prefix) = match text.split_once('/') {
        Some((addr, prefix)) => (addr, Some(prefix)),
        None => (text, None),
    };
    let not_an_address = || AllowError::NotAnAddress { entry: entry.to_string() };
    let ip: IpAddr = addr.parse().map_err(|_| not_an_address())?;
    let max = if ip.is_ipv4() { 32 } else { 128 };
    let prefix = match prefix {
        None => max,
        Some(p) => p.trim().parse::<u8>().ok().filter(|&p| p <= max).ok_or_else(|| AllowError::BadPrefix {
            entry: entry.to_string(),
            prefix: p.to_string(),
            max,
        })?,
    };
    Ok(match ip {
        IpAddr::V4(ip) => Net::V4 { bits: ip.to_bits() & mask32(prefix), prefix },
        IpAddr::V6(ip) => match ip.to_ipv4_mapped() {
            // `::ffff:a.b.c.d/n` with n >= 96 is the IPv4 network a.b.c.d/(n - 96).
            Some(v4) if prefix >= 96 => {
                let prefix = prefix - 96;
                Net::V4 { bits: v4.to_bits() & mask32(prefix), prefix }
            }
            _ => Net::V6 { bits: ip.to_bits() & mask128(prefix), prefix },
        },
    })
}

fn unmap(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

fn mask32(prefix: u8) -> u32 {
    u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0)
}

fn mask128(prefix: u8) -> u128 {
    u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0)
}

fn same_prefix32(net: u32, ip: u32, prefix: u8) -> bool {
    ip & mask32(prefix) == net
}

fn same_prefix128(net: u128, ip: u128, prefix: u8) -> bool {
    ip & mask128(prefix) == net
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn empty_list_allows_everyone() {
        let list = AllowList::parse(Vec::<String>::new()).unwrap();
        assert!(list.allows(ip("8.8.8.8")) && list.allows(ip("::1")));
        assert_eq!(list, AllowList::everyone());
        assert_eq!(list.to_string(), "everyone");
    }

    #[test]
    fn table() {
        let list = AllowList::parse(["192.168.1.20", " 10.0.0.0/8 ", "::1", "fe80::/10"]).unwrap();
        #[rustfmt::skip]
        let cases = [
            ("192.168.1.20", true), ("192.168.1.21", false),
            ("10.0.0.1", true), ("10.255.255.255", true), ("11.0.0.1", false),
            ("::1", true), ("::2", false),
            ("fe80::1", true), ("febf:ffff::1", true), ("fec0::1", false),
            // IPv4 senders seen through a dual-stack `[::]` socket
            ("::ffff:192.168.1.20", true), ("::ffff:10.1.2.3", true), ("::ffff:192.168.1.21", false),
            // 127.0.0.1 is not ::1
            ("127.0.0.1", false),
        ];
        for (sender, want) in cases {
            assert_eq!(list.allows(ip(sender)), want, "{sender}");
        }
        assert_eq!(list.to_string(), "192.168.1.20/32, 10.0.0.0/8, ::1/128, fe80::/10");
    }

    #[test]
    fn mapped_entries_and_host_bits() {
        let list = AllowList::parse(["::ffff:192.168.1.0/120", "172.16.5.9/12"]).unwrap();
        assert!(list.allows(ip("192.168.1.77")));
        assert!(list.allows(ip("::ffff:192.168.1.77")));
        assert!(!list.allows(ip("192.168.2.1")));
        assert!(list.allows(ip("172.31.0.1")));
        assert!(!list.allows(ip("172.32.0.1")));
        assert_eq!(list.to_string(), "192.168.1.0/24, 172.16.0.0/12");
    }

    #[test]
    fn zero_prefix_allows_the_whole_family() {
        let list = AllowList::parse(["0.0.0.0/0"]).unwrap();
        assert!(list.allows(ip("1.2.3.4")) && list.allows(ip("::ffff:1.2.3.4")));
        assert!(!list.allows(ip("2001:db8::1")));
    }

    #[test]
    fn errors_name_the_entry() {
        for bad in ["", "10.0.0.300", "phone.local", "10.0.0.0/", "192.168.1.20:9000"] {
            assert!(
                matches!(
                    AllowList::parse([bad]),
                    Err(AllowError::NotAnAddress { .. }) | Err(AllowError::BadPrefix { .. })
                ),
                "{bad:?}"
            );
        }
        assert_eq!(
            AllowList::parse(["10.0.0.0/33"]).unwrap_err().to_string(),
            "OSC allow-list entry `10.0.0.0/33`: prefix `/33` is not a number from 0 to 32"
        );
        assert_eq!(AllowList::parse(["ok", "x"]).unwrap_err(), AllowError::NotAnAddress { entry: "ok".to_string() });
        assert!(matches!(AllowList::parse(["::1/129"]), Err(AllowError::BadPrefix { max: 128, .. })));
        assert!(AllowList::parse(["10.0.0.300"]).unwrap_err().to_string().contains("`10.0.0.300`"));
    }
}
