//! Tests for `pattern`: a table of every construct, error messages, bounded work, and properties.

use super::*;
use proptest::prelude::*;

#[test]
fn table() {
    #[rustfmt::skip]
    let cases: &[(&str, &str, bool)] = &[
        // exact parts
        ("/sensor/distance", "/sensor/distance", true),
        ("/sensor/distance", "/sensor/distanc", false),
        ("/sensor/distance", "/sensor/distance/x", false),
        ("/sensor", "/sensor/distance", false),
        ("/", "/", true),
        ("", "", true),
        ("/a", "a", false),
        // `*` within one part, never across `/`
        ("/sensor/*", "/sensor/distance", true),
        ("/sensor/*", "/sensor/", true),
        ("/sensor/*", "/sensor/a/b", false),
        ("/*/distance", "/left/distance", true),
        ("/*", "/a/b", false),
        ("/s*r", "/sensor", true),
        ("/s*r", "/sensors", false),
        ("/*a*b*", "/xxaxxbxx", true),
        ("/*a*b*", "/xxbxxaxx", false),
        ("/a**b", "/ab", true),
        ("/a**b", "/axyzb", true),
        // `?`
        ("/fader/?", "/fader/1", true),
        ("/fader/?", "/fader/12", false),
        ("/fader/?", "/fader/", false),
        ("/??", "/é1", true),
        // classes
        ("/fader/[1-4]", "/fader/3", true),
        ("/fader/[1-4]", "/fader/5", false),
        ("/fader/[!1-4]", "/fader/5", true),
        ("/fader/[!1-4]", "/fader/2", false),
        ("/fader/[!x]", "/fader/y", true),
        ("/fader/[!x]", "/fader/x", false),
        ("/[abc]", "/b", true),
        ("/[abc]", "/d", false),
        ("/[a-cx-z]", "/y", true),
        ("/[a-cx-z]", "/m", false),
        ("/[-a]", "/-", true),
        ("/[a-]", "/-", true),
        ("/[a-]", "/b", false),
        ("/[!-]", "/-", false),
        ("/[!]", "/!", false), // `[!]` is an empty negated class: invalid, matches nothing
        ("/[*]", "/*", true),
        ("/[*]", "/a", false),
        // alternatives
        ("/{left,right}/x", "/left/x", true),
        ("/{left,right}/x", "/right/x", true),
        ("/{left,right}/x", "/up/x", false),
        ("/{a,ab}c", "/abc", true),
        ("/{a,}b", "/b", true),
        ("/x{}", "/x", true),
        ("/{a,b}*{c,d}", "/a--d", true),
        ("/{a,b}*{c,d}", "/a--e", false),
        // combined
        ("/rig/[0-9]/{pan,tilt}*", "/rig/7/tilt_fine", true),
        ("/rig/[0-9]/{pan,tilt}*", "/rig/x/tilt_fine", false),
        // invalid patterns match nothing
        ("/a[b", "/a[b", false),
        ("/a{b", "/a{b", false),
        ("/[]", "/]", false),
        ("/[z-a]", "/m", false),
    ];
    for &(pattern, address, want) in cases {
        assert_eq!(matches(pattern, address), want, "matches({pattern:?}, {address:?})");
    }
}

#[test]
fn check_reports_what_is_wrong() {
    assert_eq!(check_pattern("/rig/[0-9]/{pan,tilt}*"), Ok(()));
    assert_eq!(
        check_pattern("/a/[b").map_err(|e| e.to_string()),
        Err("OSC address pattern `/a/[b`: `[` is never closed (add `]`)".to_string())
    );
    assert!(matches!(check_pattern("/{a,b"), Err(PatternError::Unclosed { open: '{', .. })));
    assert!(matches!(check_pattern("/{a/b}"), Err(PatternError::Unclosed { open: '{', .. })));
    assert!(matches!(check_pattern("/[]"), Err(PatternError::EmptyClass { .. })));
    assert!(matches!(check_pattern("/[z-a]"), Err(PatternError::BackwardRange { from: 'z', to: 'a', .. })));
}

/// Many stars against a long near-miss: exponential backtracking would never finish here (the
/// test would hang); the linear matcher does it in well under a second. No timed assertion: a
/// loaded CI machine must not fail it.
#[test]
fn many_stars_stay_cheap() {
    let pattern = format!("/{}b", "*a".repeat(300));
    let address = format!("/{}", "a".repeat(3_000));
    assert!(!matches(&pattern, &address));
    assert!(matches(&pattern, &format!("{address}b")), "and the near-miss made whole matches");
}

proptest! {
    #[test]
    fn never_panics(pattern in "[/a-c*?\\[\\]!{},-]{0,40}", address in "[/a-c*?!,-]{0,40}") {
        let _ = matches(&pattern, &address);
        let _ = check_pattern(&pattern);
    }

    #[test]
    fn never_panics_on_any_text(pattern in any::<String>(), address in any::<String>()) {
        let _ = matches(&pattern, &address);
    }

    /// OSC addresses cannot contain ` #*,?[]{}`; any such literal address matches itself.
    #[test]
    fn literal_address_matches_itself(parts in prop::collection::vec("[^ #*,/?\\[\\]{}]{0,12}", 1..6)) {
        let address = format!("/{}", parts.join("/"));
        prop_assert!(matches(&address, &address));
    }

    #[test]
    fn star_matches_any_single_part(part in "[^/]{0,20}") {
        let address = format!("/x/{part}/y");
        prop_assert!(matches("/x/*/y", &address));
    }
}

mod compiled {
    use proptest::prelude::*;

    use super::super::{Pattern, matches};

    /// A compiled pattern answers exactly as the one-shot matcher, on every construct.
    #[test]
    fn agrees_with_matches_on_the_table() {
        let cases = [
            ("/a/b", "/a/b"),
            ("/a/*", "/a/xyz"),
            ("/a/*", "/a/xyz/w"),
            ("/sensor/*/value", "/sensor/3/value"),
            ("/f/[1-4]", "/f/3"),
            ("/f/[!1-4]", "/f/3"),
            ("/{left,right}/x?", "/left/x1"),
            ("/a*b*c", "/aXbYc"),
            ("/a*b*c", "/aXbY"),
            ("/", "/"),
            ("/a/", "/a/"),
        ];
        for (p, a) in cases {
            assert_eq!(Pattern::compile(p).expect(p).matches(a), matches(p, a), "{p} vs {a}");
        }
    }

    proptest! {
        #[test]
        fn agrees_with_matches(p in "(/([a-c*?]|\\[[a-c]-[a-c]\\]|\\{a,bc\\}){0,4}){1,3}", a in "(/[a-c]{0,5}){1,3}") {
            if let Ok(c) = Pattern::compile(&p) {
                prop_assert_eq!(c.matches(&a), matches(&p, &a), "{} vs {}", p, a);
            }
        }
    }
}
