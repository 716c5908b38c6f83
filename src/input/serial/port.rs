//! Which serial device a scene means: the `port` string of a serial input, parsed into a
//! [`PortSpec`], and resolved to a device node on every (re)connect attempt. Also the device list
//! for `quai devices`. Pure functions plus directory/udev lookups; they run on whichever thread
//! calls them (the serial source thread for `resolve`, the CLI thread for `list`).
//!
//! Port syntax:
//! - a path: `/dev/ttyACM0`, or better a stable udev link such as
//!   `/dev/serial/by-id/usb-Arduino_LLC_Arduino_Leonardo-if00` or `/dev/serial/by-path/...`;
//! - `usb:VID:PID`: the one USB serial device with that vendor and product id (4 hex digits each,
//!   as `lsusb` prints them), e.g. `usb:2341:0043`;
//! - `usb:VID:PID:SERIAL`: the same, also matching the USB serial number (which may itself
//!   contain `:`), e.g. `usb:2341:0043:85736323838351F0B1A1`.

use std::fmt;
use std::path::{Path, PathBuf};

/// How a serial input finds its device. Parse with [`PortSpec::parse`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PortSpec {
    /// A device node or a symlink to one; re-resolved through symlinks on every attempt.
    Path(PathBuf),
    /// A USB device by vendor/product id and optionally its serial number.
    Usb { vid: u16, pid: u16, serial_number: Option<String> },
}

/// A `port` string that is not a valid [`PortSpec`]; the scene is rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PortSpecError {
    #[error("serial port is empty: give a path like /dev/ttyACM0 or `usb:VID:PID` like usb:2341:0043")]
    Empty,
    #[error(
        "serial port `{spec}`: `{field}` is not a 4-digit hex {what} (expected `usb:VID:PID[:SERIAL]`, e.g. usb:2341:0043)"
    )]
    BadUsbId { spec: String, field: String, what: &'static str },
}

/// Why a serial device could not be found, opened or read. The source thread reports it as its
/// `Disconnected` state and retries.
#[derive(Debug, thiserror::Error)]
pub enum SerialError {
    #[error("{path}: no such device")]
    NotFound { path: String },
    #[error("{path}: cannot resolve: {source}")]
    Resolve { path: String, source: std::io::Error },
    #[error("{spec}: no USB serial device with that id is plugged in")]
    NoUsbMatch { spec: String },
    #[error(
        "{spec}: {count} devices match ({paths}); add the serial number (`quai devices` lists it) or use a /dev/serial/by-path link"
    )]
    Ambiguous { spec: String, count: usize, paths: String },
    #[error("{spec}: cannot list serial ports: {source}")]
    Enumerate { spec: String, source: serialport::Error },
    #[error("{path}: cannot open at {baud} baud: {source}")]
    Open { path: String, baud: u32, source: serialport::Error },
    #[error("{path}: read failed: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("{path}: device closed (end of stream)")]
    Closed { path: String },
}

impl PortSpec {
    /// Parses the `port` syntax described in the module docs.
    pub fn parse(s: &str) -> Result<PortSpec, PortSpecError> {
        let s = s.trim();
        if s.is_empty() {
            return Err(PortSpecError::Empty);
        }
        let Some(rest) = s.strip_prefix("usb:") else {
            return Ok(PortSpec::Path(PathBuf::from(s)));
        };
        let mut parts = rest.splitn(3, ':');
        let hex = |field: Option<&str>, what: &'static str| {
            let field = field.unwrap_or("");
            if field.len() == 4
                && field.bytes().all(|b| b.is_ascii_hexdigit())
                && let Ok(v) = u16::from_str_radix(field, 16)
            {
                return Ok(v);
            }
            Err(PortSpecError::BadUsbId { spec: s.to_owned(), field: field.to_owned(), what })
        };
        let vid = hex(parts.next(), "vendor id")?;
        let pid = hex(parts.next(), "product id")?;
        let serial_number = parts.next().map(str::trim).filter(|sn| !sn.is_empty()).map(str::to_owned);
        Ok(PortSpec::Usb { vid, pid, serial_number })
    }

    /// The device node to open now. A path is canonicalized on every call (a replugged board
    /// comes back as a new /dev node behind the same udev symlink); a USB spec searches the
    /// currently plugged-in serial ports.
    pub fn resolve(&self) -> Result<PathBuf, SerialError> {
        match self {
            PortSpec::Path(path) => std::fs::canonicalize(path).map_err(|source| {
                let path = path.display().to_string();
                match source.kind() {
                    std::io::ErrorKind::NotFound => SerialError::NotFound { path },
                    _ => SerialError::Resolve { path, source },
                }
            }),
            PortSpec::Usb { vid, pid, serial_number } => {
                let ports = serialport::available_ports()
                    .map_err(|source| SerialError::Enumerate { spec: self.to_string(), source })?;
                let mut found: Vec<String> = ports
                    .into_iter()
                    .filter(|p| match &p.port_type {
                        serialport::SerialPortType::UsbPort(usb) => {
                            usb.vid == *vid
                                && usb.pid == *pid
                                && serial_number.as_deref().is_none_or(|want| {
                                    usb.serial_number.as_deref().is_some_and(|sn| sn.eq_ignore_ascii_case(want))
                                })
                        }
                        _ => false,
                    })
                    .map(|p| p.port_name)
                    .collect();
                found.sort();
                found.dedup();
                match found.len() {
                    0 => Err(SerialError::NoUsbMatch { spec: self.to_string() }),
                    1 => Ok(PathBuf::from(found.remove(0))),
                    count => Err(SerialError::Ambiguous { spec: self.to_string(), count, paths: found.join(", ") }),
                }
            }
        }
    }
}

impl fmt::Display for PortSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PortSpec::Path(p) => write!(f, "{}", p.display()),
            PortSpec::Usb { vid, pid, serial_number: None } => write!(f, "usb:{vid:04x}:{pid:04x}"),
            PortSpec::Usb { vid, pid, serial_number: Some(sn) } => write!(f, "usb:{vid:04x}:{pid:04x}:{sn}"),
        }
    }
}

/// One serial device as `quai devices` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortInfo {
    /// The device node, e.g. `/dev/ttyACM0`.
    pub path: PathBuf,
    /// A stable `/dev/serial/by-id` link to it, if udev made one.
    pub by_id: Option<PathBuf>,
    /// `(vid, pid)` for USB devices.
    pub usb_id: Option<(u16, u16)>,
    pub serial_number: Option<String>,
    pub manufacturer: Option<String>,
    pub product: Option<String>,
}

impl PortInfo {
    /// The most stable `port` string for a scene: `usb:VID:PID:SERIAL` when the device has a
    /// serial number, else its by-id link, else `usb:VID:PID`, else the node.
    pub fn suggested_spec(&self) -> String {
        match (self.usb_id, &self.serial_number, &self.by_id) {
            (Some((vid, pid)), Some(sn), _) => PortSpec::Usb { vid, pid, serial_number: Some(sn.clone()) }.to_string(),
            (_, _, Some(link)) => link.display().to_string(),
            (Some((vid, pid)), None, None) => PortSpec::Usb { vid, pid, serial_number: None }.to_string(),
            (None, _, None) => self.path.display().to_string(),
        }
    }
}

/// All serial devices present now, sorted by path. Empty (with a warning logged) if the system
/// cannot enumerate them.
pub fn list() -> Vec<PortInfo> {
    let ports = match serialport::available_ports() {
        Ok(ports) => ports,
        Err(e) => {
            tracing::warn!("serial devices: cannot list serial ports: {e} (showing none)");
            return Vec::new();
        }
    };
    let links = by_id_links(Path::new("/dev/serial/by-id"));
    let mut out: Vec<PortInfo> = ports
        .into_iter()
        .map(|p| {
            let path = PathBuf::from(&p.port_name);
            let by_id = links.iter().find(|(_, target)| *target == path).map(|(link, _)| link.clone());
            let mut info =
                PortInfo { path, by_id, usb_id: None, serial_number: None, manufacturer: None, product: None };
            if let serialport::SerialPortType::UsbPort(usb) = p.port_type {
                info.usb_id = Some((usb.vid, usb.pid));
                info.serial_number = usb.serial_number;
                info.manufacturer = usb.manufacturer;
                info.product = usb.product;
            }
            info
        })
        .collect();
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

/// `(link, canonical target)` for every symlink in `dir` (none if it does not exist).
fn by_id_links(dir: &Path) -> Vec<(PathBuf, PathBuf)> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    entries
        .flatten()
        .filter_map(|e| {
            let link = e.path();
            std::fs::canonicalize(&link).ok().map(|target| (link, target))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_paths_and_usb_ids() {
        let usb = |vid, pid, sn: Option<&str>| PortSpec::Usb { vid, pid, serial_number: sn.map(str::to_owned) };
        let cases: &[(&str, PortSpec)] = &[
            ("/dev/ttyACM0", PortSpec::Path("/dev/ttyACM0".into())),
            ("  /dev/serial/by-id/usb-Arduino-if00 ", PortSpec::Path("/dev/serial/by-id/usb-Arduino-if00".into())),
            ("usb:2341:0043", usb(0x2341, 0x0043, None)),
            ("usb:2341:8036:", usb(0x2341, 0x8036, None)),
            ("usb:10C4:EA60:SN123", usb(0x10c4, 0xea60, Some("SN123"))),
            ("usb:0403:6001:A:B:C", usb(0x0403, 0x6001, Some("A:B:C"))),
        ];
        for (s, want) in cases {
            assert_eq!(PortSpec::parse(s).as_ref(), Ok(want), "{s}");
        }
    }

    #[test]
    fn rejects_bad_specs_with_a_message_naming_the_value() {
        assert_eq!(PortSpec::parse("  "), Err(PortSpecError::Empty));
        let bad = [
            ("usb:23x1:0043", "23x1"),
            ("usb:+234:0043", "+234"),
            ("usb:2341", ""),
            ("usb:2341:43", "43"),
            ("usb:", ""),
        ];
        for (s, field) in bad {
            let err = PortSpec::parse(s).unwrap_err();
            assert!(matches!(&err, PortSpecError::BadUsbId { field: f, .. } if f == field), "{s}: {err}");
            assert!(err.to_string().contains(s), "{err}");
        }
    }

    #[test]
    fn suggests_the_most_stable_spec() {
        let mut info = PortInfo {
            path: "/dev/ttyACM0".into(),
            by_id: Some("/dev/serial/by-id/usb-x-if00".into()),
            usb_id: Some((0x2341, 0x0043)),
            serial_number: Some("SN1".into()),
            manufacturer: None,
            product: None,
        };
        assert_eq!(info.suggested_spec(), "usb:2341:0043:SN1");
        info.serial_number = None;
        assert_eq!(info.suggested_spec(), "/dev/serial/by-id/usb-x-if00");
        info.by_id = None;
        assert_eq!(info.suggested_spec(), "usb:2341:0043");
        info.usb_id = None;
        assert_eq!(info.suggested_spec(), "/dev/ttyACM0");
    }

    #[test]
    fn display_round_trips() {
        for s in ["usb:2341:0043", "usb:2341:0043:SN1", "/dev/ttyUSB0"] {
            assert_eq!(PortSpec::parse(s).unwrap().to_string(), s);
        }
    }

    /// A path is followed through its symlink on every call, so re-pointing the link is seen.
    #[test]
    fn resolve_follows_symlinks_each_time() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b, link) = (dir.path().join("a"), dir.path().join("b"), dir.path().join("link"));
        std::fs::write(&a, "").unwrap();
        std::fs::write(&b, "").unwrap();
        let spec = PortSpec::Path(link.clone());
        let err = spec.resolve().unwrap_err();
        assert!(err.to_string().contains("no such device"), "{err}");
        std::os::unix::fs::symlink(&a, &link).unwrap();
        assert_eq!(spec.resolve().unwrap(), a.canonicalize().unwrap());
        std::fs::remove_file(&link).unwrap();
        std::os::unix::fs::symlink(&b, &link).unwrap();
        assert_eq!(spec.resolve().unwrap(), b.canonicalize().unwrap());
    }

    #[test]
    fn unplugged_usb_id_is_reported_not_panicked() {
        let spec = PortSpec::Usb { vid: 0xfff0, pid: 0x0001, serial_number: Some("nope".into()) };
        let err = spec.resolve().unwrap_err();
        assert!(err.to_string().starts_with("usb:fff0:0001:nope"), "{err}");
        let _ = list(); // must not panic on a machine without serial devices
    }
}
