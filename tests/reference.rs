//! The scene reference (scenes/README.md) against the loader: what the reference shows is what
//! `check` accepts, and what it says is refused is refused (issue 13: the reference had drifted).

use std::path::Path;

fn reference() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/scenes/README.md")).expect("scenes/README.md")
}

/// The ```toml blocks of the reference, with the line each starts on.
fn toml_blocks(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for (n, line) in text.lines().enumerate() {
        match (&mut current, line.trim_start()) {
            (None, l) if l.starts_with("```toml") => current = Some((n + 2, String::new())),
            (Some(_), l) if l.starts_with("```") => out.extend(current.take()),
            (Some((_, body)), _) => {
                body.push_str(line);
                body.push('\n');
            }
            _ => {}
        }
    }
    out
}

/// Every key in every TOML example of the reference is one the loader knows: loading the example
/// gives no "unknown key" (missing files and the like are fine: the examples are fragments).
#[test]
fn every_key_the_reference_shows_is_accepted() {
    let text = reference();
    let blocks = toml_blocks(&text);
    assert!(blocks.len() >= 20, "found {} toml blocks", blocks.len());
    for (line, body) in blocks {
        if body.lines().next().is_some_and(|l| l.contains("(not a scene file)")) {
            continue;
        }
        let Err(errors) = quai::scene::load_str(Path::new("reference.toml"), &body) else { continue };
        for d in &errors.diagnostics {
            assert!(
                !d.message.starts_with("unknown key") && !d.message.starts_with("unknown top-level key"),
                "scenes/README.md:{line}: the example uses a key the loader does not know: {d}\n{body}"
            );
        }
    }
}

/// Every top-level key the loader takes is named in the reference's list of top-level entries.
#[test]
fn the_reference_lists_every_top_level_entry() {
    let text = reference();
    let start = text.find("A file's top-level entries are").expect("the list of top-level entries");
    let list = &text[start..start + text[start..].find("Any other key").expect("end of the list")];
    let schema = quai::scene::file::json_schema();
    let keys = schema.get("properties").and_then(|p| p.as_object()).expect("schema properties");
    for key in keys.keys() {
        assert!(
            list.contains(&format!("`{key}`"))
                || list.contains(&format!("`[{key}"))
                || list.contains(&format!("`[[{key}")),
            "scenes/README.md does not list the top-level entry `{key}`:\n{list}"
        );
    }
}

/// The uniform names the reference calls reserved are refused by `check`.
#[test]
fn every_name_the_reference_reserves_is_refused() {
    let text = reference();
    let marker = "a name the prelude uses (";
    let start = text.find(marker).expect("the reserved names") + marker.len();
    let names: Vec<String> = text[start..start + text[start..].find(')').expect("end")]
        .split(',')
        .map(|n| n.trim().trim_matches('`').to_string())
        .filter(|n| !n.is_empty() && n != "…")
        .collect();
    assert!(names.len() >= 4, "{names:?}");
    for extra in ["_x", "quai_time"] {
        assert!(names.iter().all(|n| n != extra));
    }
    for name in names.iter().map(String::as_str).chain(["_x", "quai_time"]) {
        let scene = format!("[[layers]]\nname = \"a\"\ncolor = \"#ffffff\"\nbind = {{ {name} = 1.0 }}\n");
        let refused = quai::scene::load_str(Path::new("reserved.toml"), &scene).err().is_some_and(|e| {
            e.diagnostics.iter().any(|d| d.message.contains(&format!("`{name}` cannot be a shader uniform name")))
        });
        assert!(refused, "scenes/README.md calls `{name}` reserved, but check accepts it as a uniform name");
    }
}
