//! The text line protocol of serial sensors: [`LineSplitter`] cuts a raw byte stream into lines
//! (run by the serial source thread), [`parse_line`] turns one line into named numbers (pure; run
//! by whoever maps `Serial` events to parameters).
//!
//! Line grammar, [`LineProtocol::NameValue`]: one or more pairs `NAME VALUE`, `NAME=VALUE` or
//! `NAME: VALUE`, separated by spaces, tabs, `,` or `;` — `dist 412`, `dist=412 light=80`,
//! `dist: 412, light: 80`. A name must not start with a digit, sign or `.`; a value is a finite
//! number (`-3.5`, `1e3`). Empty lines and lines starting with `#` yield no pairs.
//!
//! [`LineProtocol::Csv`]: bare numbers in declared column order, comma-separated (`412,80`), or
//! whitespace-separated when the line has no comma (`412 80`). A column named `_` is skipped.
//!
//! A bad part of a line costs only that part: `dist=412 light=abc` still delivers `dist`, and
//! reports `light`. Only a CSV line with the wrong number of columns is dropped whole, since which
//! number is which is then unknown.

use std::fmt;

/// How the numbers in a serial line are named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineProtocol {
    NameValue,
    Csv { columns: Vec<String> },
}

/// A line, or part of one, that does not follow its protocol; that part is skipped, the input
/// keeps running. Shown as ``serial line `LINE`: PROBLEM`` (see [`LineError::problem`]).
#[derive(Debug, Clone, PartialEq)]
pub enum LineError {
    ExpectedName { line: String, found: String },
    MissingValue { line: String, name: String },
    BadValue { line: String, name: String, value: String },
    ColumnCount { line: String, expected: usize, found: usize, columns: String },
}

impl LineError {
    /// The line this is about.
    pub fn line(&self) -> &str {
        match self {
            LineError::ExpectedName { line, .. }
            | LineError::MissingValue { line, .. }
            | LineError::BadValue { line, .. }
            | LineError::ColumnCount { line, .. } => line,
        }
    }

    /// What is wrong and what was skipped, without the line (for `quai monitor`, which prints the
    /// line already).
    pub fn problem(&self) -> String {
        const LOOK: &str = "lines look like `dist 412` or `dist=412`";
        match self {
            LineError::ExpectedName { found, .. } => {
                format!("expected a name before `{found}` ({LOOK}; `{found}` skipped)")
            }
            LineError::MissingValue { name, .. } => format!("`{name}` has no value ({LOOK}; `{name}` skipped)"),
            LineError::BadValue { name, value, .. } => {
                format!("value `{value}` for `{name}` is not a finite number (`{name}` skipped)")
            }
            LineError::ColumnCount { expected, found, columns, .. } => {
                format!("{found} columns, but {expected} are declared ({columns}; line skipped)")
            }
        }
    }
}

impl fmt::Display for LineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "serial line `{}`: {}", self.line(), self.problem())
    }
}

impl std::error::Error for LineError {}

/// Puts the named numbers of `line` into `out` (cleared first; see the module docs for the
/// grammar). Every good value is delivered; the first bad part, if any, is returned.
pub fn parse_line(proto: &LineProtocol, line: &str, out: &mut Vec<(String, f64)>) -> Result<(), LineError> {
    out.clear();
    let trimmed = line.trim();
    if trimmed.is_empty() || trimmed.starts_with('#') {
        return Ok(());
    }
    match proto {
        LineProtocol::NameValue => parse_pairs(trimmed, out),
        LineProtocol::Csv { columns } => parse_csv(columns, trimmed, out),
    }
}

fn number(line: &str, name: &str, value: &str) -> Result<f64, LineError> {
    match value.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        _ => Err(LineError::BadValue { line: line.to_owned(), name: name.to_owned(), value: value.to_owned() }),
    }
}

fn parse_pairs(line: &str, out: &mut Vec<(String, f64)>) -> Result<(), LineError> {
    // Tokens: words, and `=`/`:` as explicit assignment marks; other separators only split.
    let mut tokens = Vec::new();
    let mut word_start = None;
    for (i, c) in line.char_indices() {
        let sep = c.is_whitespace() || matches!(c, ',' | ';' | '=' | ':');
        match (sep, word_start) {
            (false, None) => word_start = Some(i),
            (true, Some(start)) => {
                tokens.push(&line[start..i]);
                word_start = None;
            }
            _ => {}
        }
        if matches!(c, '=' | ':') {
            tokens.push(&line[i..i + 1]);
        }
    }
    if let Some(start) = word_start {
        tokens.push(&line[start..]);
    }
    let mut first_err = None;
    let mut it = tokens.into_iter().peekable();
    while let Some(name) = it.next() {
        let is_name =
            name.chars().next().is_some_and(|c| !(c.is_ascii_digit() || matches!(c, '-' | '+' | '.' | '=' | ':')));
        if !is_name {
            // A stray token: skip it, the next one may start a good pair again.
            first_err.get_or_insert_with(|| LineError::ExpectedName { line: line.to_owned(), found: name.to_owned() });
            continue;
        }
        if it.peek().is_some_and(|t| *t == "=" || *t == ":") {
            it.next();
        }
        let value = match it.next() {
            Some(v) if v != "=" && v != ":" => v,
            _ => {
                first_err
                    .get_or_insert_with(|| LineError::MissingValue { line: line.to_owned(), name: name.to_owned() });
                continue;
            }
        };
        match number(line, name, value) {
            Ok(v) => out.push((name.to_owned(), v)),
            Err(e) => {
                first_err.get_or_insert(e);
            }
        }
    }
    first_err.map_or(Ok(()), Err)
}

/// The fields of a `csv` line: comma-separated (trimmed), or whitespace-separated when the line
/// has no comma.
pub fn csv_fields(line: &str) -> Vec<&str> {
    if line.contains(',') { line.split(',').map(str::trim).collect() } else { line.split_whitespace().collect() }
}

fn parse_csv(columns: &[String], line: &str, out: &mut Vec<(String, f64)>) -> Result<(), LineError> {
    let fields = csv_fields(line);
    if fields.len() != columns.len() {
        return Err(LineError::ColumnCount {
            line: line.to_owned(),
            expected: columns.len(),
            found: fields.len(),
            columns: columns.join(","),
        });
    }
    let mut first_err = None;
    for (name, field) in columns.iter().zip(fields) {
        if name != "_" {
            match number(line, name, field) {
                Ok(v) => out.push((name.clone(), v)),
                Err(e) => {
                    first_err.get_or_insert(e);
                }
            }
        }
    }
    first_err.map_or(Ok(()), Err)
}

/// A piece of the byte stream that could not be delivered (dropped and counted).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Garbled {
    /// A line or frame longer than `max_len`; `len` is its full length in bytes.
    TooLong { len: usize },
    /// A line that is not UTF-8 (wrong baud rate, binary data).
    InvalidUtf8,
    /// A SLIP escape byte followed by something other than ESC_END / ESC_ESC.
    BadEscape,
    /// The caller's SLIP frame decoder panicked on a frame.
    DecoderPanicked,
}

impl fmt::Display for Garbled {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Garbled::TooLong { len } => write!(f, "{len} bytes without a line end or frame end"),
            Garbled::InvalidUtf8 => f.write_str("bytes that are not UTF-8 text (wrong baud rate?)"),
            Garbled::BadEscape => f.write_str("a SLIP frame with an invalid escape"),
            Garbled::DecoderPanicked => f.write_str("a SLIP frame its decoder panicked on"),
        }
    }
}

/// Cuts a byte stream into lines ending in `\n`, `\r\n` or `\r`. Holds at most `max_len` bytes;
/// longer lines and non-UTF-8 lines are dropped, counted and reported. Empty lines are skipped.
#[derive(Debug)]
pub struct LineSplitter {
    max_len: usize,
    buf: Vec<u8>,
    /// Bytes of the current line, including those dropped after `max_len`.
    len: usize,
    after_cr: bool,
    /// Discard everything up to the first line end (set on (re)connect: that line may be partial).
    syncing: bool,
    too_long: u64,
    invalid_utf8: u64,
}

impl LineSplitter {
    pub fn new(max_len: usize) -> Self {
        let max_len = max_len.max(1);
        Self {
            max_len,
            buf: Vec::with_capacity(max_len.min(4096)),
            len: 0,
            after_cr: false,
            syncing: false,
            too_long: 0,
            invalid_utf8: 0,
        }
    }

    /// Forget any partial line and drop bytes up to the next line end: the first line after a
    /// (re)connect may start mid-line.
    pub fn resync(&mut self) {
        self.buf.clear();
        self.len = 0;
        self.after_cr = false;
        self.syncing = true;
    }

    /// The line has been quiet (no bytes for a while). If that was right after [`resync`] with no
    /// byte seen since, the device is between lines, so the next byte begins a whole line and is
    /// kept: a slow sensor's first reading or a one-off button line after a replug is not lost.
    /// A device that is streaming when the port opens never goes quiet before its first line
    /// end, and that possibly partial line is still dropped.
    ///
    /// [`resync`]: LineSplitter::resync
    pub fn quiet(&mut self) {
        if self.syncing && self.len == 0 {
            self.syncing = false;
        }
    }

    /// Feeds bytes; calls `sink` with each complete line (without its ending) or garbled piece.
    pub fn feed(&mut self, bytes: &[u8], mut sink: impl FnMut(Result<&str, Garbled>)) {
        for &b in bytes {
            let after_cr = std::mem::replace(&mut self.after_cr, b == b'\r');
            if b == b'\n' && after_cr {
                continue;
            }
            if b != b'\n' && b != b'\r' {
                if self.len < self.max_len && !self.syncing {
                    self.buf.push(b);
                }
                self.len = self.len.saturating_add(1);
                continue;
            }
            let (len, syncing) = (std::mem::take(&mut self.len), std::mem::take(&mut self.syncing));
            if syncing || len == 0 {
                self.buf.clear();
            } else if len > self.max_len {
                self.buf.clear();
                self.too_long += 1;
                sink(Err(Garbled::TooLong { len }));
            } else {
                match std::str::from_utf8(&self.buf) {
                    Ok(line) => sink(Ok(line)),
                    Err(_) => {
                        self.invalid_utf8 += 1;
                        sink(Err(Garbled::InvalidUtf8));
                    }
                }
                self.buf.clear();
            }
        }
    }

    /// Lines dropped for exceeding `max_len`, so far.
    pub fn too_long(&self) -> u64 {
        self.too_long
    }

    /// Lines dropped for not being UTF-8, so far.
    pub fn invalid_utf8(&self) -> u64 {
        self.invalid_utf8
    }
}

#[cfg(test)]
#[path = "lines_tests.rs"]
mod tests;
