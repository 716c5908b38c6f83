//! Includes that are not errors: a shared file reached along two paths is merged once, in order.

use std::path::Path;

/// Regression: `lights.toml` included by both `stage.toml` and `foyer.toml` was merged twice, and
/// its parameter reported as "declared twice" pointing at itself.
#[test]
fn shared_include_is_merged_once() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scenes/diamond/main.toml");
    let scene = quai::scene::load(&path).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(scene.params.len(), 1);
    let names: Vec<&str> = scene.layers.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(names, ["stage", "foyer"], "includes come first, in include order");
    assert_eq!(scene.files.iter().filter(|f| f.ends_with("lights.toml")).count(), 1);
}
