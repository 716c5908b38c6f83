//! Fuzz the serial text path: bytes cut into lines (bounded, UTF-8 checked) and each line parsed
//! by both line protocols. Must never panic; every line out is within the length limit, and every
//! value delivered is named and finite.
#![no_main]

use libfuzzer_sys::fuzz_target;
use quai::input::serial::{LineProtocol, LineSplitter, parse_line};

fuzz_target!(|data: &[u8]| {
    let mut split = LineSplitter::new(64);
    let csv = LineProtocol::Csv { columns: vec!["a".into(), "b".into(), "_".into()] };
    let mut values = Vec::new();
    split.feed(data, |line| {
        if let Ok(line) = line {
            assert!(line.len() <= 64);
            let _ = parse_line(&LineProtocol::NameValue, line, &mut values);
            assert!(values.iter().all(|(n, v)| !n.is_empty() && v.is_finite()));
            let _ = parse_line(&csv, line, &mut values);
            assert!(values.len() <= 2);
        }
    });
});
