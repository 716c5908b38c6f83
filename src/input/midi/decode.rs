//! MIDI bytes → [`MidiMessage`]: [`decode`] for one complete message as midir delivers it, and
//! [`Cc14`], which pairs 7-bit controller halves into 14-bit values. Pure; run by the JACK process
//! thread (inside the midir callback) and by whoever maps events to parameters.

use crate::input::event::MidiMessage;

/// Decodes one complete channel message (midir delivers whole messages, so running status is not
/// handled). Channels come out as 1..=16; NoteOn with velocity 0 is a NoteOff; pitch bend is
/// -8192..=8191 centred at 0. Everything else — system and realtime messages, aftertouch, data
/// bytes out of range, truncated messages — is `None`. Trailing extra bytes are ignored.
pub fn decode(bytes: &[u8]) -> Option<MidiMessage> {
    let (&status, data) = bytes.split_first()?;
    if !(0x80..0xF0).contains(&status) {
        return None;
    }
    let channel = (status & 0x0F) + 1;
    let need = if matches!(status & 0xF0, 0xC0 | 0xD0) { 1 } else { 2 };
    let data = data.get(..need)?;
    if data.iter().any(|&b| b >= 0x80) {
        return None;
    }
    let (a, b) = (data[0], data.get(1).copied().unwrap_or(0));
    Some(match status & 0xF0 {
        0x80 => MidiMessage::NoteOff { channel, note: a, velocity: b },
        0x90 if b == 0 => MidiMessage::NoteOff { channel, note: a, velocity: 0 },
        0x90 => MidiMessage::NoteOn { channel, note: a, velocity: b },
        0xB0 => MidiMessage::ControlChange { channel, controller: a, value: b },
        0xC0 => MidiMessage::ProgramChange { channel, program: a },
        0xE0 => MidiMessage::PitchBend { channel, value: (i16::from(b) << 7 | i16::from(a)) - 8192 },
        _ => return None, // 0xA0 polyphonic and 0xD0 channel aftertouch
    })
}

/// The wire bytes of `msg` (and how many of the 3 are used), or `None` if its channel is outside
/// 1..=16. Data values above 127 are clamped to 127 and pitch bend to -8192..=8191.
pub fn encode(msg: &MidiMessage) -> Option<([u8; 3], usize)> {
    let channel = channel_of(msg);
    if !(1..=16).contains(&channel) {
        return None;
    }
    let status = |kind: u8| kind | (channel - 1);
    let d = |v: u8| v.min(0x7F);
    Some(match *msg {
        MidiMessage::NoteOn { note, velocity, .. } => ([status(0x90), d(note), d(velocity)], 3),
        MidiMessage::NoteOff { note, velocity, .. } => ([status(0x80), d(note), d(velocity)], 3),
        MidiMessage::ControlChange { controller, value, .. } => ([status(0xB0), d(controller), d(value)], 3),
        MidiMessage::ProgramChange { program, .. } => ([status(0xC0), d(program), 0], 2),
        MidiMessage::PitchBend { value, .. } => {
            let v = (value.clamp(-8192, 8191) + 8192) as u16;
            ([status(0xE0), (v & 0x7F) as u8, (v >> 7) as u8], 3)
        }
    })
}

/// The channel (1..=16) of a channel message.
pub fn channel_of(msg: &MidiMessage) -> u8 {
    match *msg {
        MidiMessage::NoteOn { channel, .. }
        | MidiMessage::NoteOff { channel, .. }
        | MidiMessage::ControlChange { channel, .. }
        | MidiMessage::PitchBend { channel, .. }
        | MidiMessage::ProgramChange { channel, .. } => channel,
    }
}

/// Pairs 14-bit controllers per the MIDI spec: controller N in 0..=31 carries the MSB, N+32 the
/// LSB. Receiving an MSB resets the LSB to 0 and yields `msb << 7`; a following LSB yields the
/// full value. (A controller sending MSB then LSB thus yields a coarse then the exact value, both
/// usually within the same frame.) An LSB before any MSB on that controller yields nothing.
#[derive(Debug, Clone, Default)]
pub struct Cc14 {
    /// `msb[channel - 1][controller]`, once seen.
    msb: [[Option<u8>; 32]; 16],
}

impl Cc14 {
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds one CC (`channel` 1..=16, 7-bit `value`). Returns `(MSB controller, 0..=16383)` when
    /// it updates a 14-bit value; `None` for other controllers or out-of-range input.
    pub fn feed(&mut self, channel: u8, controller: u8, value: u8) -> Option<(u8, u16)> {
        let slots = self.msb.get_mut(usize::from(channel).checked_sub(1)?)?;
        if value >= 0x80 {
            return None;
        }
        match controller {
            0..=31 => {
                slots[usize::from(controller)] = Some(value);
                Some((controller, u16::from(value) << 7))
            }
            32..=63 => {
                let msb = slots[usize::from(controller - 32)]?;
                Some((controller - 32, u16::from(msb) << 7 | u16::from(value)))
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use MidiMessage::*;
    use proptest::prelude::*;

    #[test]
    fn decode_table() {
        let cases: &[(&[u8], Option<MidiMessage>)] = &[
            (&[0x90, 60, 100], Some(NoteOn { channel: 1, note: 60, velocity: 100 })),
            (&[0x9F, 60, 0], Some(NoteOff { channel: 16, note: 60, velocity: 0 })),
            (&[0x83, 61, 64], Some(NoteOff { channel: 4, note: 61, velocity: 64 })),
            (&[0xB0, 7, 127], Some(ControlChange { channel: 1, controller: 7, value: 127 })),
            (&[0xC5, 9], Some(ProgramChange { channel: 6, program: 9 })),
            (&[0xE0, 0x00, 0x40], Some(PitchBend { channel: 1, value: 0 })),
            (&[0xE0, 0x00, 0x00], Some(PitchBend { channel: 1, value: -8192 })),
            (&[0xE1, 0x7F, 0x7F], Some(PitchBend { channel: 2, value: 8191 })),
            (&[0xE0, 0x01, 0x40], Some(PitchBend { channel: 1, value: 1 })),
            (&[0x90, 60, 100, 0xF8], Some(NoteOn { channel: 1, note: 60, velocity: 100 })),
            (&[], None),
            (&[60, 100], None),                // running status: not supported
            (&[0x90, 60], None),               // truncated
            (&[0xC0], None),                   // truncated
            (&[0x90, 0x80, 1], None),          // data byte out of range
            (&[0xA0, 60, 10], None),           // poly aftertouch
            (&[0xD0, 10], None),               // channel aftertouch
            (&[0xF8], None),                   // clock
            (&[0xFE], None),                   // active sensing
            (&[0xF0, 0x7E, 0x7F, 0xF7], None), // sysex
        ];
        for (bytes, want) in cases {
            assert_eq!(decode(bytes), *want, "{bytes:02x?}");
        }
        assert_eq!(channel_of(&PitchBend { channel: 9, value: 0 }), 9);
    }

    #[test]
    fn encode_table() {
        assert_eq!(encode(&ControlChange { channel: 1, controller: 7, value: 200 }), Some(([0xB0, 7, 127], 3)));
        assert_eq!(encode(&NoteOn { channel: 16, note: 60, velocity: 0 }), Some(([0x9F, 60, 0], 3)));
        assert_eq!(encode(&ProgramChange { channel: 2, program: 5 }), Some(([0xC1, 5, 0], 2)));
        assert_eq!(encode(&PitchBend { channel: 1, value: -9000 }), Some(([0xE0, 0, 0], 3)));
        assert_eq!(encode(&NoteOff { channel: 0, note: 1, velocity: 1 }), None);
        assert_eq!(encode(&NoteOff { channel: 17, note: 1, velocity: 1 }), None);
    }

    #[test]
    fn cc14_pairs_msb_and_lsb() {
        let mut c = Cc14::new();
        assert_eq!(c.feed(1, 33, 5), None, "LSB before any MSB");
        assert_eq!(c.feed(1, 1, 0x40), Some((1, 0x2000)));
        assert_eq!(c.feed(1, 33, 0x7F), Some((1, 0x207F)));
        assert_eq!(c.feed(1, 33, 0x01), Some((1, 0x2001)), "LSB alone refines the current MSB");
        assert_eq!(c.feed(2, 33, 1), None, "channels are separate");
        assert_eq!(c.feed(16, 31, 0x7F), Some((31, 0x3F80)));
        assert_eq!(c.feed(16, 63, 0x7F), Some((31, 16383)));
        assert_eq!(c.feed(1, 64, 127), None, "sustain is not a 14-bit pair");
        assert_eq!(c.feed(1, 7, 0x80), None);
        assert_eq!(c.feed(0, 1, 1), None);
        assert_eq!(c.feed(17, 1, 1), None);
    }

    proptest! {
        #[test]
        fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..8)) {
            if let Some(msg) = decode(&bytes) {
                prop_assert!((1..=16).contains(&channel_of(&msg)));
                if let PitchBend { value, .. } = msg { prop_assert!((-8192..=8191).contains(&value)) }
            }
        }

        /// Every message that decodes encodes back to the same bytes (modulo NoteOn velocity 0).
        #[test]
        fn decode_encode_round_trip(status in 0x80u8..0xF0, a in 0u8..128, b in 0u8..128) {
            let bytes = [status, a, b];
            if let Some(msg) = decode(&bytes) {
                let (enc, len) = encode(&msg).unwrap();
                prop_assert_eq!(decode(&enc[..len]), Some(msg));
                if !(status & 0xF0 == 0x90 && b == 0) {
                    prop_assert_eq!(&enc[..len], &bytes[..len]);
                }
            }
        }

        #[test]
        fn cc14_never_panics_and_stays_in_range(msgs in proptest::collection::vec((any::<u8>(), any::<u8>(), any::<u8>()), 0..64)) {
            let mut c = Cc14::new();
            for (ch, ctl, v) in msgs {
                if let Some((msb_ctl, v14)) = c.feed(ch, ctl, v) {
                    prop_assert!(msb_ctl < 32 && v14 <= 16383);
                }
            }
        }
    }
}
