//! Bounded fuzzing of the scene loader in the normal test run (the open-ended run is the cargo-fuzz
//! target in fuzz/): whatever text arrives, loading never panics, and every diagnostic points at a
//! real line of the file it names.

use std::path::Path;

use proptest::prelude::*;
use quai::scene::{self, MemoryFiles, SceneErrors};

const VALID: &str = include_str!("../scenes/demo.toml");

fn check_diagnostics(text: &str, result: Result<scene::Scene, SceneErrors>) {
    if let Err(e) = result {
        assert!(!e.diagnostics.is_empty(), "a failed load must say why");
        let lines = text.lines().count().max(1);
        for d in &e.diagnostics {
            if let Some(loc) = &d.location
                && loc.path == Path::new("fuzz.toml")
            {
                assert!(loc.line >= 1 && loc.line <= lines + 1, "line {} of {lines}: {d}", loc.line);
                assert!(loc.col >= 1, "{d}");
            }
            let _ = d.to_string();
        }
    }
}

fn load(text: &str) {
    let mut files = quai::bundled::files();
    files.insert("scenes/fuzz.toml", text.as_bytes().to_vec());
    let result = scene::load_from(&files, Path::new("scenes/fuzz.toml"));
    if let Err(e) = &result {
        for d in &e.diagnostics {
            if let Some(loc) = &d.location
                && loc.path == Path::new("scenes/fuzz.toml")
            {
                assert!(loc.line <= text.lines().count().max(1) + 1, "{d}");
            }
        }
    }
}

/// A token soup close to real scenes: known keys and sections, odd values.
fn scene_like() -> impl Strategy<Value = String> {
    let key = prop::sample::select(vec![
        "name",
        "shader",
        "image",
        "color",
        "opacity",
        "blend",
        "fit",
        "size",
        "position",
        "scale",
        "rotation",
        "visible",
        "bind",
        "canvas",
        "fps",
        "background",
        "default",
        "min",
        "max",
        "smoothing",
        "unit",
        "include",
        "monitor",
        "fullscreen",
        "kind",
    ]);
    let value = prop::sample::select(vec![
        "1",
        "-1",
        "0.5",
        "1e309",
        "nan",
        "inf",
        "\"#ff0000\"",
        "\"#zz\"",
        "[1, 2]",
        "[0, 0]",
        "[1,2,3,4,5]",
        "true",
        "\"add\"",
        "\"screne\"",
        "{ a = \"speed\" }",
        "{ 2x = 1 }",
        "\"../shaders/flow.wgsl\"",
        "\"x.png\"",
        "[\"fuzz.toml\"]",
        "\"\"",
        "{}",
        "[]",
    ]);
    let header =
        prop::sample::select(vec!["[show]", "[[layers]]", "[[outputs]]", "[params.speed]", "[params.2]", "", "["]);
    prop::collection::vec((header, key, value), 0..24)
        .prop_map(|items| items.into_iter().map(|(h, k, v)| format!("{h}\n{k} = {v}\n")).collect::<String>())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    /// Arbitrary text never panics the loader.
    #[test]
    fn arbitrary_text(text in "\\PC{0,400}") {
        let r = scene::load_str(Path::new("fuzz.toml"), &text);
        check_diagnostics(&text, r);
    }

    /// Scene-shaped token soup (known keys, wrong values, includes of itself) never panics.
    #[test]
    fn scene_shaped_text(text in scene_like()) {
        load(&text);
    }

    /// A valid scene with random bytes cut out or spliced in never panics, and its diagnostics
    /// point inside the file.
    #[test]
    fn mutated_demo(cut in 0..VALID.len(), len in 0usize..40, insert in "\\PC{0,8}") {
        let mut text = VALID.to_string();
        let start = (0..=cut).rev().find(|i| text.is_char_boundary(*i)).unwrap_or(0);
        let end = (start + len).min(text.len());
        let end = (end..=text.len()).find(|i| text.is_char_boundary(*i)).unwrap_or(text.len());
        text.replace_range(start..end, &insert);
        load(&text);
    }
}

/// Bytes that are not UTF-8 are a diagnostic, not a panic.
#[test]
fn non_utf8_file() {
    let mut files = MemoryFiles::new();
    files.insert("bad.toml", vec![0xff, 0xfe, b'[', 0x80]);
    let e = scene::load_from(&files, Path::new("bad.toml")).expect_err("not UTF-8");
    assert!(e.to_string().contains("not UTF-8"), "{e}");
}
