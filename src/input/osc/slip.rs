//! SLIP framing (RFC 1055) for OSC over a serial line, as CNMAT's OSC for Arduino
//! (`SLIPEncodedSerial`) sends it: each packet ends with END and may also start with one. The
//! decoder is streaming — feed it whatever the port returned — and runs on the serial input's
//! thread; `encode` is for tests and for whoever writes the Arduino side.

use thiserror::Error;

/// Ends a frame (and may start one).
pub const END: u8 = 0xC0;
/// Starts a two-byte escape.
pub const ESC: u8 = 0xDB;
/// `ESC ESC_END` stands for a data byte 0xC0.
pub const ESC_END: u8 = 0xDC;
/// `ESC ESC_ESC` stands for a data byte 0xDB.
pub const ESC_ESC: u8 = 0xDD;

/// A frame that was dropped. Not fatal: decoding carries on with the next frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum SlipError {
    #[error(
        "SLIP frame longer than {max_len} bytes: dropped (is the sender's baud rate right, and does it end \
         packets with 0xC0?)"
    )]
    Oversize { max_len: usize },
    #[error("SLIP escape 0xDB followed by 0x{byte:02X} (expected 0xDC or 0xDD): frame dropped (line noise?)")]
    BadEscape { byte: u8 },
}

/// Streaming SLIP decoder: bytes in, complete frames out.
#[derive(Debug, Clone)]
pub struct SlipDecoder {
    buf: Vec<u8>,
    max_len: usize,
    /// The previous byte was ESC.
    escaping: bool,
    /// The current frame is already known bad: skip to the next END.
    discarding: bool,
}

impl SlipDecoder {
    /// A decoder that drops frames longer than `max_len` bytes (after unescaping).
    pub fn new(max_len: usize) -> Self {
        Self { buf: Vec::new(), max_len, escaping: false, discarding: false }
    }

    /// Feeds bytes as they came off the line; calls `out` with each complete frame (borrowed until
    /// `out` returns) or with the reason one was dropped. Empty frames are ignored. A frame cut
    /// between two calls is completed by the next.
    pub fn feed(&mut self, bytes: &[u8], out: &mut impl FnMut(Result<&[u8], SlipError>)) {
        for &byte in bytes {
            if byte == END {
                if self.escaping && !self.discarding {
                    out(Err(SlipError::BadEscape { byte }));
                } else if !self.discarding && !self.buf.is_empty() {
                    out(Ok(&self.buf));
                }
                self.buf.clear();
                self.escaping = false;
                self.discarding = false;
                continue;
            }
            if self.discarding {
                continue;
            }
            let data = if self.escaping {
                self.escaping = false;
                match byte {
                    ESC_END => END,
                    ESC_ESC => ESC,
                    byte => {
                        self.drop_frame(out, SlipError::BadEscape { byte });
                        continue;
                    }
                }
            } else if byte == ESC {
                self.escaping = true;
                continue;
            } else {
                byte
            };
            if self.buf.len() >= self.max_len {
                self.drop_frame(out, SlipError::Oversize { max_len: self.max_len });
                continue;
            }
            self.buf.push(data);
        }
    }

    /// Bytes of the frame received so far (not yet ended).
    pub fn pending(&self) -> usize {
        self.buf.len()
    }

    fn drop_frame(&mut self, out: &mut impl FnMut(Result<&[u8], SlipError>), error: SlipError) {
        out(Err(error));
        self.buf.clear();
        self.discarding = true;
    }
}

/// Frames one packet: END, the escaped bytes, END (the leading END flushes line noise).
pub fn encode(packet: &[u8]) -> Vec<u8> {
    let mut framed = Vec::with_capacity(packet.len() + packet.len() / 8 + 2);
    framed.push(END);
    for &byte in packet {
        match byte {
            END => framed.extend_from_slice(&[ESC, ESC_END]),
            ESC => framed.extend_from_slice(&[ESC, ESC_ESC]),
            byte => framed.push(byte),
        }
    }
    framed.push(END);
    framed
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn frames(decoder: &mut SlipDecoder, bytes: &[u8]) -> Vec<Result<Vec<u8>, SlipError>> {
        let mut got = Vec::new();
        decoder.feed(bytes, &mut |frame| got.push(frame.map(<[u8]>::to_vec)));
        got
    }

    #[test]
    fn frames_with_and_without_leading_end() {
        let mut d = SlipDecoder::new(64);
        assert_eq!(frames(&mut d, &[1, 2, END, END, 3, END, END, END]), [Ok(vec![1, 2]), Ok(vec![3])]);
    }

    #[test]
    fn escapes_are_undone() {
        let mut d = SlipDecoder::new(64);
        let got = frames(&mut d, &[END, ESC, ESC_END, 7, ESC, ESC_ESC, END]);
        assert_eq!(got, [Ok(vec![END, 7, ESC])]);
        assert_eq!(encode(&[END, 7, ESC]), [END, ESC, ESC_END, 7, ESC, ESC_ESC, END]);
    }

    #[test]
    fn frame_split_across_feeds() {
        let mut d = SlipDecoder::new(64);
        assert!(frames(&mut d, &[END, 1, 2, ESC]).is_empty());
        assert_eq!(d.pending(), 2);
        assert_eq!(frames(&mut d, &[ESC_END, 3, END]), [Ok(vec![1, 2, END, 3])]);
        assert_eq!(d.pending(), 0);
    }

    #[test]
    fn oversize_frame_dropped_once_then_next_frame_fine() {
        let mut d = SlipDecoder::new(4);
        let got = frames(&mut d, &[1, 2, 3, 4, 5, 6, 7, END, 8, END]);
        assert_eq!(got, [Err(SlipError::Oversize { max_len: 4 }), Ok(vec![8])]);
        let exactly_max = frames(&mut d, &[1, 2, 3, 4, END]);
        assert_eq!(exactly_max, [Ok(vec![1, 2, 3, 4])]);
    }

    #[test]
    fn bad_escape_drops_the_frame() {
        let mut d = SlipDecoder::new(64);
        let got = frames(&mut d, &[1, ESC, 0x41, 2, END, 9, END, ESC, END, 5, END]);
        assert_eq!(
            got,
            [
                Err(SlipError::BadEscape { byte: 0x41 }),
                Ok(vec![9]),
                Err(SlipError::BadEscape { byte: END }),
                Ok(vec![5])
            ]
        );
        assert_eq!(
            SlipError::BadEscape { byte: 0x41 }.to_string(),
            "SLIP escape 0xDB followed by 0x41 (expected 0xDC or 0xDD): frame dropped (line noise?)"
        );
    }

    proptest! {
        #[test]
        fn roundtrip(packets in prop::collection::vec(prop::collection::vec(any::<u8>(), 1..200), 1..8),
                     chunk in 1usize..50) {
            let stream: Vec<u8> = packets.iter().flat_map(|p| encode(p)).collect();
            let mut d = SlipDecoder::new(256);
            let mut got = Vec::new();
            for piece in stream.chunks(chunk) {
                d.feed(piece, &mut |frame| got.push(frame.map(<[u8]>::to_vec)));
            }
            let want: Vec<Result<Vec<u8>, SlipError>> = packets.into_iter().map(Ok).collect();
            prop_assert_eq!(got, want);
        }

        #[test]
        fn random_bytes_never_panic_and_respect_max(bytes in prop::collection::vec(any::<u8>(), 0..2000)) {
            let mut d = SlipDecoder::new(16);
            d.feed(&bytes, &mut |frame| {
                if let Ok(frame) = frame {
                    assert!(!frame.is_empty() && frame.len() <= 16);
                }
            });
            prop_assert!(d.pending() <= 16);
        }
    }
}
