//! Fuzz what arrives at `quai monitor --artnet / --sacn` and at the ArtPoll listener: any datagram
//! through the Art-Net and the sACN (E1.31) parsers. Must never panic or abort.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = quai::output::led::artnet::parse(data);
    let _ = quai::output::led::sacn::parse(data);
});
