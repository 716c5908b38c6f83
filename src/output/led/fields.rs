//! Fixed-layout fields shared by the Art-Net and sACN packet codecs: NUL-padded names and
//! big-endian numbers. Pure functions, no allocation on the encode side.

/// Copies `name` into `field`, cut on a char boundary so at least one NUL follows, zero-padded.
pub(super) fn put_name(field: &mut [u8], name: &str) {
    let mut n = name.len().min(field.len().saturating_sub(1));
    while !name.is_char_boundary(n) {
        n -= 1;
    }
    field[..n].copy_from_slice(&name.as_bytes()[..n]);
    field[n..].fill(0);
}

/// The text of a NUL-terminated fixed field (all of it when there is no NUL).
pub(super) fn c_string(field: &[u8]) -> String {
    let end = field.iter().position(|&b| b == 0).unwrap_or(field.len());
    String::from_utf8_lossy(&field[..end]).into_owned()
}

/// The big-endian u16 at `at` (the caller has checked the length).
pub(super) fn be16(packet: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([packet[at], packet[at + 1]])
}
