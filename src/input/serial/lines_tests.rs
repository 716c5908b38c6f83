//! Tests of the line protocol and the line splitter (run by `cargo test` on its test threads).

use super::*;
use proptest::prelude::*;

fn pairs(v: &[(&str, f64)]) -> Vec<(String, f64)> {
    v.iter().map(|(n, x)| (n.to_string(), *x)).collect()
}

/// `line` parsed strictly: its values if the whole line is good, else the first problem.
fn strict(p: &LineProtocol, line: &str) -> Result<Vec<(String, f64)>, LineError> {
    let mut out = vec![(String::from("stale"), 0.0)];
    parse_line(p, line, &mut out).map(|()| out)
}

/// `line` parsed as the mapper does: every good value, and the first problem if any.
fn lenient(p: &LineProtocol, line: &str) -> (Vec<(String, f64)>, Option<LineError>) {
    let mut out = vec![];
    let err = parse_line(p, line, &mut out).err();
    (out, err)
}

#[test]
fn name_value_table() {
    let p = LineProtocol::NameValue;
    let cases: &[(&str, &[(&str, f64)])] = &[
        ("dist 412", &[("dist", 412.0)]),
        ("dist=412", &[("dist", 412.0)]),
        ("dist: 412", &[("dist", 412.0)]),
        ("dist = -3.5", &[("dist", -3.5)]),
        ("dist=412 light=80", &[("dist", 412.0), ("light", 80.0)]),
        ("dist 412 light 80", &[("dist", 412.0), ("light", 80.0)]),
        ("dist: 412, light: 1e2;temp.c=+21.5", &[("dist", 412.0), ("light", 100.0), ("temp.c", 21.5)]),
        ("\tx\t1 ", &[("x", 1.0)]),
        ("", &[]),
        ("   ", &[]),
        ("# booting sensor v2", &[]),
    ];
    for (line, want) in cases {
        assert_eq!(strict(&p, line), Ok(pairs(want)), "{line:?}");
    }
}

#[test]
fn name_value_errors() {
    let p = LineProtocol::NameValue;
    let expected_name = |l: &str| matches!(strict(&p, l), Err(LineError::ExpectedName { .. }));
    let missing = |l: &str| matches!(strict(&p, l), Err(LineError::MissingValue { .. }));
    let bad = |l: &str| matches!(strict(&p, l), Err(LineError::BadValue { .. }));
    assert!(expected_name("412"));
    assert!(expected_name("dist 412 80"));
    assert!(expected_name("=412"));
    assert!(missing("dist"));
    assert!(missing("dist="));
    assert!(missing("dist==4"));
    assert!(missing("a=1 b:"));
    assert!(bad("dist abc"));
    assert!(bad("dist nan"));
    assert!(bad("dist inf"));
    let msg = strict(&p, "dist=abc").unwrap_err().to_string();
    assert!(msg.contains("`abc`") && msg.contains("`dist`") && msg.contains("skipped"), "{msg}");
}

/// A bad part costs only itself: the good pairs around it are delivered, the first problem reported.
#[test]
fn name_value_keeps_the_good_pairs() {
    let p = LineProtocol::NameValue;
    let (values, err) = lenient(&p, "dist=412 light=abc temp=21");
    assert_eq!(values, pairs(&[("dist", 412.0), ("temp", 21.0)]));
    assert!(matches!(err, Some(LineError::BadValue { ref name, .. }) if name == "light"), "{err:?}");
    let (values, err) = lenient(&p, "dist 412 80 light 5");
    assert_eq!(values, pairs(&[("dist", 412.0), ("light", 5.0)]));
    assert!(matches!(err, Some(LineError::ExpectedName { ref found, .. }) if found == "80"), "{err:?}");
    let (values, err) = lenient(&p, "a=1 b:");
    assert_eq!(values, pairs(&[("a", 1.0)]));
    assert!(matches!(err, Some(LineError::MissingValue { .. })), "{err:?}");
}

#[test]
fn csv_table() {
    let cols = |c: &[&str]| LineProtocol::Csv { columns: c.iter().map(|s| s.to_string()).collect() };
    let p = cols(&["dist", "light"]);
    assert_eq!(strict(&p, "412,80"), Ok(pairs(&[("dist", 412.0), ("light", 80.0)])));
    assert_eq!(strict(&p, " 412 , 80 "), Ok(pairs(&[("dist", 412.0), ("light", 80.0)])));
    assert_eq!(strict(&p, "412\t80"), Ok(pairs(&[("dist", 412.0), ("light", 80.0)])));
    assert_eq!(strict(&cols(&["_", "light"]), "7,80"), Ok(pairs(&[("light", 80.0)])));
    let err = strict(&p, "412,80,3").unwrap_err();
    assert_eq!(
        err,
        LineError::ColumnCount { line: "412,80,3".into(), expected: 2, found: 3, columns: "dist,light".into() }
    );
    assert!(err.to_string().contains("3 columns, but 2 are declared"), "{err}");
    assert!(matches!(strict(&p, "412"), Err(LineError::ColumnCount { found: 1, .. })));
    assert!(matches!(strict(&p, "412,,"), Err(LineError::ColumnCount { found: 3, .. })));
    assert!(matches!(strict(&p, "412,x"), Err(LineError::BadValue { .. })));
    assert!(matches!(strict(&p, "412,"), Err(LineError::BadValue { .. })));
    // The other columns of a line with one bad number still count; a wrong count drops the line.
    assert_eq!(lenient(&p, "x,80").0, pairs(&[("light", 80.0)]));
    assert_eq!(lenient(&p, "412,80,3").0, pairs(&[]));
}

/// Everything the splitter produced for `chunks` fed one after another.
fn split(max_len: usize, chunks: &[&[u8]]) -> (Vec<Result<String, Garbled>>, LineSplitter) {
    let mut s = LineSplitter::new(max_len);
    let mut out = vec![];
    for c in chunks {
        s.feed(c, |r| out.push(r.map(str::to_owned)));
    }
    (out, s)
}

#[test]
fn splitter_handles_all_line_endings_and_chunking() {
    let ok = |v: &[&str]| v.iter().map(|s| Ok(s.to_string())).collect::<Vec<_>>();
    assert_eq!(split(64, &[b"a 1\nb 2\r\nc 3\rd 4\n"]).0, ok(&["a 1", "b 2", "c 3", "d 4"]));
    // A CRLF split across reads is still one line end; blank lines are skipped.
    assert_eq!(split(64, &[b"a 1\r", b"\nb", b" 2\n\n\r\n", b"c"]).0, ok(&["a 1", "b 2"]));
    // Exactly max_len fits.
    assert_eq!(split(3, &[b"abc\n"]).0, ok(&["abc"]));
}

#[test]
fn splitter_drops_and_counts_garbage() {
    let (out, s) = split(4, &[b"abcdefgh", b"ij\nok\n\xff\xfe\nfine\n"]);
    assert_eq!(
        out,
        vec![Err(Garbled::TooLong { len: 10 }), Ok("ok".into()), Err(Garbled::InvalidUtf8), Ok("fine".into())]
    );
    assert_eq!((s.too_long(), s.invalid_utf8()), (1, 1));
}

#[test]
fn resync_drops_the_partial_first_line() {
    let mut s = LineSplitter::new(64);
    let mut out = vec![];
    s.feed(b"dist 4", |r| out.push(r.map(str::to_owned)));
    s.resync();
    s.feed(b"12\ndist 413\n", |r| out.push(r.map(str::to_owned)));
    assert_eq!(out, vec![Ok("dist 413".to_string())]);
}

#[test]
fn quiet_after_resync_keeps_the_first_line() {
    let mut out = vec![];
    // Quiet before any byte: the device is between lines, its first line is whole.
    let mut s = LineSplitter::new(64);
    s.resync();
    s.quiet();
    s.feed(b"button 1\n", |r| out.push(r.map(str::to_owned)));
    assert_eq!(out, vec![Ok("button 1".to_string())]);
    // Quiet after part of a line arrived: that part may be a tail, still dropped.
    out.clear();
    s.resync();
    s.feed(b"st 4", |r| out.push(r.map(str::to_owned)));
    s.quiet();
    s.feed(b"12\ndist 5\n", |r| out.push(r.map(str::to_owned)));
    assert_eq!(out, vec![Ok("dist 5".to_string())]);
}

proptest! {
    /// Random bytes in random chunks never panic, every line fits `max_len`, and the buffer never
    /// grows past `max_len`.
    #[test]
    fn splitter_is_bounded(bytes in proptest::collection::vec(any::<u8>(), 0..2000), max_len in 1usize..64, cut in 1usize..50) {
        let mut s = LineSplitter::new(max_len);
        for chunk in bytes.chunks(cut) {
            s.feed(chunk, |r| if let Ok(line) = r {
                assert!(line.len() <= max_len && !line.is_empty() && !line.contains(['\r', '\n']));
            });
            prop_assert!(s.buf.len() <= max_len);
        }
    }

    /// Lines of printable text survive any chunking unchanged.
    #[test]
    fn text_lines_round_trip(lines in proptest::collection::vec("[a-z0-9 =.]{1,20}", 0..20), cut in 1usize..30) {
        let text: String = lines.iter().map(|l| format!("{l}\r\n")).collect();
        let mut got = vec![];
        let mut s = LineSplitter::new(20);
        for chunk in text.as_bytes().chunks(cut) {
            s.feed(chunk, |r| got.push(r.map(str::to_owned)));
        }
        prop_assert_eq!(got, lines.into_iter().map(Ok).collect::<Vec<_>>());
    }

    /// The line parser never panics on arbitrary text.
    #[test]
    fn parse_line_never_panics(line in "\\PC{0,60}") {
        let mut out = vec![];
        let _ = parse_line(&LineProtocol::NameValue, &line, &mut out);
        prop_assert!(out.iter().all(|(n, v)| !n.is_empty() && v.is_finite()));
        let _ = parse_line(&LineProtocol::Csv { columns: vec!["a".into(), "_".into()] }, &line, &mut out);
        prop_assert!(out.len() <= 1);
    }
}
