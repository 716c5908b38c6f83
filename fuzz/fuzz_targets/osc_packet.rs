//! Fuzz the OSC input path: any datagram through the decoder (bundles, timetags, nesting), and the
//! same bytes through the SLIP framer used for OSC over serial. Must never panic or abort.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    quai::input::osc::fuzz_one(data);
});
