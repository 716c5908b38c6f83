//! Tests for `decode` against hostile packets: bounded bundle nesting (on and off the 4-byte
//! grid; rosc alone would overflow the thread's stack) and fuzzing.

use super::tests::{IMMEDIATE, bundle, decode, encode, message, osc_time};
use super::*;
use proptest::prelude::*;

/// Raw bundles nested `depth` deep around one message, built by hand (rosc would recurse).
fn nested(depth: usize) -> Vec<u8> {
    let mut packet = encode(&message("/deep", vec![]));
    for _ in 0..depth {
        let mut outer = b"#bundle\0\0\0\0\0\0\0\0\x01".to_vec();
        outer.extend_from_slice(&(packet.len() as u32).to_be_bytes());
        outer.extend_from_slice(&packet);
        packet = outer;
    }
    packet
}

#[test]
fn nesting_is_bounded() {
    assert_eq!(decode(&nested(MAX_BUNDLE_DEPTH)).unwrap().0.len(), 1);
    assert!(matches!(decode(&nested(MAX_BUNDLE_DEPTH + 1)), Err(DecodeError::TooDeep { max: MAX_BUNDLE_DEPTH, .. })));
    // Deep enough to exhaust a thread's stack if anything recursed without a bound.
    assert!(matches!(decode(&nested(3_000)), Err(DecodeError::TooDeep { .. })));
}

/// Bundles nested `depth` deep, each after a message with a stray byte at its end (which rosc
/// ignores), so every inner bundle starts off the 4-byte grid and rosc pads counting from the
/// packet's start: the depth bound must see the structure as rosc does.
fn nested_off_grid(depth: usize) -> Vec<u8> {
    // Zeros until `v`, placed at `base` in the packet, ends on the 4-byte grid.
    let pad = |v: &mut Vec<u8>, base: usize| v.resize((base + v.len()).next_multiple_of(4) - base, 0);
    // Each level's head: `#bundle\0`, padding, timetag, then a message element and the size field
    // of the next level, which starts right after.
    let mut heads = Vec::new();
    let mut at = 0;
    for _ in 0..depth {
        let mut head = b"#bundle\0".to_vec();
        pad(&mut head, at);
        head.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 1]);
        let mut message = b"/a\0".to_vec();
        pad(&mut message, at + head.len() + 4);
        message.push(b',');
        message.push(0);
        pad(&mut message, at + head.len() + 4);
        message.push(b'!');
        head.extend_from_slice(&(message.len() as u32).to_be_bytes());
        head.extend_from_slice(&message);
        at += head.len() + 4;
        heads.push(head);
    }
    let mut packet = b"#bundle\0".to_vec(); // the innermost bundle: empty
    pad(&mut packet, at);
    packet.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 1]);
    for head in heads.into_iter().rev() {
        let mut outer = head;
        outer.extend_from_slice(&(packet.len() as u32).to_be_bytes());
        outer.extend_from_slice(&packet);
        packet = outer;
    }
    packet
}

#[test]
fn nesting_off_the_grid_is_bounded() {
    let (events, _) = decode(&nested_off_grid(3)).unwrap();
    assert_eq!(events.len(), 3, "rosc reads the off-grid packet");
    assert!(decode(&nested_off_grid(MAX_BUNDLE_DEPTH - 1)).is_ok());
    assert!(matches!(decode(&nested_off_grid(MAX_BUNDLE_DEPTH)), Err(DecodeError::TooDeep { .. })));
    assert!(matches!(decode(&nested_off_grid(2_500)), Err(DecodeError::TooDeep { .. })));
}

proptest! {
    #[test]
    fn fuzz_one_on_random_bytes(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        fuzz_one(&bytes);
    }

    /// Random bytes rarely get past the first check; flipped bytes in a real bundle do.
    #[test]
    fn fuzz_one_on_damaged_bundles(flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
                                   cut in any::<prop::sample::Index>()) {
        let packet = bundle(osc_time(1.0), vec![
            message("/a", vec![OscType::Int(1), OscType::String("xy".into()), OscType::Blob(vec![9; 5])]),
            bundle(IMMEDIATE, vec![message("/b/c", vec![OscType::Double(2.0), OscType::Bool(true)])]),
        ]);
        let mut bytes = encode(&packet);
        for (at, byte) in flips {
            let i = at.index(bytes.len());
            bytes[i] = byte;
        }
        fuzz_one(&bytes[..cut.index(bytes.len() + 1)]);
        fuzz_one(&bytes);
    }
}
