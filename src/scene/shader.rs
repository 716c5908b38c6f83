//! WGSL for layers: the generated `QuaiParams` struct + shaders/lib prelude and common library + the
//! layer's shader + the entry points, validated with naga on the loader thread. naga's errors are
//! mapped back to the layer's own .wgsl file (line:col), not to the composed source.

use std::ops::Range;
use std::path::{Path, PathBuf};

use super::diag::Diagnostic;
use super::source::SourceText;

pub const PRELUDE: &str = include_str!("../../shaders/lib/prelude.wgsl");
pub const COMMON: &str = include_str!("../../shaders/lib/common.wgsl");
pub const ENTRY: &str = include_str!("../../shaders/lib/entry.wgsl");
pub const IMAGE: &str = include_str!("../../shaders/builtin/image.wgsl");
pub const SOLID: &str = include_str!("../../shaders/builtin/solid.wgsl");

/// Entry point names in entry.wgsl.
pub const VERTEX_ENTRY: &str = "quai_vs";
pub const FRAGMENT_ENTRY: &str = "quai_fs";
/// Fragment entry of the bottom layer, which blends with the background itself.
pub const BASE_FRAGMENT_ENTRY: &str = "quai_fs_base";

/// A layer's complete, validated WGSL module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShaderProgram {
    /// For GPU object labels and logs: the shader's file name.
    pub label: String,
    pub wgsl: String,
    /// Fields of `QuaiParams`, in order; each is an f32.
    pub uniforms: Vec<String>,
}

impl ShaderProgram {
    /// Bytes of the `params` uniform block.
    pub fn params_size(&self) -> u64 {
        (self.uniforms.len().max(1) * 4) as u64
    }
}

/// Whether `name` can name a struct member in WGSL (not a keyword or reserved word): asked of
/// naga itself rather than of a hand-kept list.
pub fn is_member_name(name: &str) -> bool {
    naga::front::wgsl::parse_str(&format!("struct QuaiCheck {{ {name}: f32, }}")).is_ok()
}

struct Segment {
    range: Range<usize>,
    source: SourceText,
}

/// Compose and validate. `body` is the layer's shader (or a built-in one), read from `path`.
pub fn compile(path: &Path, body: &str, uniforms: &[String]) -> Result<ShaderProgram, Vec<Diagnostic>> {
    let mut generated = String::from("struct QuaiParams {\n");
    for u in uniforms {
        generated.push_str(&format!("    {u}: f32,\n"));
    }
    if uniforms.is_empty() {
        generated.push_str("    _unused: f32,\n");
    }
    generated.push_str("}\n");

    let parts: [(PathBuf, &str); 5] = [
        (PathBuf::from("<generated QuaiParams>"), &generated),
        (PathBuf::from("shaders/lib/prelude.wgsl"), PRELUDE),
        (PathBuf::from("shaders/lib/common.wgsl"), COMMON),
        (path.to_path_buf(), body),
        (PathBuf::from("shaders/lib/entry.wgsl"), ENTRY),
    ];
    let mut wgsl = String::new();
    let mut segments = Vec::new();
    for (p, text) in parts {
        let start = wgsl.len();
        wgsl.push_str(text);
        if !text.ends_with('\n') {
            wgsl.push('\n');
        }
        segments.push(Segment { range: start..wgsl.len(), source: SourceText::new(p, text.to_string()) });
    }
    let label =
        path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| path.display().to_string());

    let module = match naga::front::wgsl::parse_str(&wgsl) {
        Ok(m) => m,
        Err(e) => {
            let spans: Vec<(Range<usize>, String)> =
                e.labels().filter_map(|(span, label)| Some((span.to_range()?, label.to_string()))).collect();
            return Err(vec![mapped(&segments, e.message(), &spans)]);
        }
    };
    let mut validator =
        naga::valid::Validator::new(naga::valid::ValidationFlags::all(), naga::valid::Capabilities::default());
    if let Err(e) = validator.validate(&module) {
        let spans: Vec<(Range<usize>, String)> =
            e.spans().filter_map(|(span, label)| Some((span.to_range()?, label.clone()))).collect();
        let mut message = e.as_inner().to_string();
        let mut source = std::error::Error::source(e.as_inner());
        while let Some(s) = source {
            message.push_str(": ");
            message.push_str(&s.to_string());
            source = s.source();
        }
        return Err(vec![mapped(&segments, &message, &spans)]);
    }
    if !module.functions.iter().any(|(_, f)| f.name.as_deref() == Some("shade")) {
        return Err(vec![
            Diagnostic::new(format!(
                "shader {} does not define `fn shade(uv: vec2<f32>) -> vec4<f32>`",
                path.display()
            ))
            .hint("every shader layer defines `shade`, which returns the colour at uv (0..1, top-left origin)"),
        ]);
    }
    Ok(ShaderProgram { label, wgsl, uniforms: uniforms.to_vec() })
}

/// A diagnostic located in whichever part of the composed module the first span falls into.
fn mapped(segments: &[Segment], message: &str, spans: &[(Range<usize>, String)]) -> Diagnostic {
    let user = &segments[3];
    let entry = &segments[4];
    // The entry points call `shade`; failing to find it means the layer's shader lacks it.
    if message.contains("`shade`") && spans.iter().any(|(r, _)| entry.range.contains(&r.start)) {
        return Diagnostic::new(format!("shader {} does not define `fn shade`", user.source.path.display()))
            .at(&user.source, 0..0)
            .hint("every shader layer defines `fn shade(uv: vec2<f32>) -> vec4<f32>`, returning the colour at uv (0..1, top-left origin)");
    }
    // Prefer the innermost span in the layer's own file: that is where the artist can act.
    let pick = spans
        .iter()
        .filter(|(r, _)| user.range.contains(&r.start))
        .min_by_key(|(r, _)| r.len())
        .or_else(|| spans.first());
    let mut d = Diagnostic::new(format!("WGSL: {}", readable(message)));
    let bound: Vec<&str> =
        segments[0].source.text.lines().skip(1).filter_map(|l| l.trim().strip_suffix(": f32,")).collect();
    if let Some((r, label)) = pick
        && let Some(seg) = segments.iter().find(|s| s.range.contains(&r.start))
    {
        let local = r.start - seg.range.start..r.end.min(seg.range.end) - seg.range.start;
        d = d.at(&seg.source, local.clone());
        // naga labels some spans with its IR names (`naga::ir::Function [47]`), or with a shorter
        // form of the message itself (`expected `;``, `invalid accessor`): no help to an artist.
        let repeats = message.to_lowercase().contains(&label.to_lowercase())
            || ["invalid accessor", "unknown identifier", "unknown type"].contains(&label.as_str());
        if !label.is_empty() && !label.starts_with("naga::") && !repeats {
            d = d.hint(label.clone());
        }
        if let Some(better) = common_mistake(message, &seg.source, local.clone(), &bound) {
            if let Some((at, text)) = better.at {
                d = d.at(&seg.source, at);
                d.message = text;
            }
            d = d.hint(better.hint);
        }
        // `params.x` with no `x` in the layer's bind table: say how to bind it.
        let text = &seg.source.text[local.clone()];
        let before = &seg.source.text[..local.start];
        if message.contains("field accessor") && before.ends_with("params.") {
            let bound: Vec<&str> = bound.into_iter().filter(|b| *b != "_unused").collect();
            let typo =
                super::diag::did_you_mean(text, bound.iter().copied()).map(|s| format!("{s} ")).unwrap_or_default();
            d = d.hint(format!(
                "{typo}`{text}` is not bound on this layer: add it to the layer's bind table, e.g. bind = {{ {text} = \"param_name\" }} or {text} = 1.0 (bound now: {})",
                if bound.is_empty() { "none".to_string() } else { bound.join(", ") }
            ));
        }
        // Returning the wrong type (a vec3 from `shade`) is the classic first mistake: name both.
        if message.contains("does not match the declared return type") {
            let declared = before
                .rfind("->")
                .map(|i| before[i + 2..].split('{').next().unwrap_or("").trim().to_string())
                .unwrap_or_default();
            d.message =
                format!("WGSL: this function returns `{text}`, which is not its declared return type `{declared}`");
            if declared == "vec4<f32>" {
                d = d.hint("`shade` returns RGBA: e.g. `return vec4<f32>(rgb, 1.0);`");
            }
        }
        if seg.source.path.as_os_str() == "<generated QuaiParams>" {
            d = d.hint(format!(
                "the layer's [bind] table makes the uniforms ({}); each name must be a valid WGSL identifier",
                segments[0].source.text.lines().skip(1).collect::<Vec<_>>().join(" ")
            ));
        }
    }
    if d.location.is_none() {
        d = d.at(&user.source, 0..0);
    }
    d
}

/// A better place, message and hint for one of the mistakes artists make most.
struct Better {
    /// Where the mistake really is, and what to call it there.
    at: Option<(Range<usize>, String)>,
    hint: String,
}

/// The fields of a prelude struct (`QuaiGlobals`, `QuaiLayer`), without the padding.
fn struct_fields(text: &str, name: &str) -> Vec<String> {
    let Some(start) = text.find(&format!("struct {name} {{")) else { return Vec::new() };
    let body = &text[start..];
    let body = &body[..body.find('}').unwrap_or(body.len())];
    body.lines()
        .skip(1)
        .filter_map(|l| l.trim().split(':').next())
        .map(str::trim)
        .filter(|f| !f.is_empty() && !f.starts_with('_') && !f.starts_with("//"))
        .map(str::to_string)
        .collect()
}

/// Functions the prelude and the shared library define.
fn library_functions() -> Vec<(&'static str, String, usize)> {
    let mut out = Vec::new();
    for (file, text) in [("shaders/lib/prelude.wgsl", PRELUDE), ("shaders/lib/common.wgsl", COMMON)] {
        for (n, line) in text.lines().enumerate() {
            if let Some(rest) = line.strip_prefix("fn ") {
                let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                out.push((file, name, n + 1));
            }
        }
    }
    out
}

/// Identifiers written in `text` (for "did you mean").
fn identifiers(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for w in text.split(|c: char| !(c.is_alphanumeric() || c == '_')) {
        if w.chars().next().is_some_and(|c| c.is_alphabetic()) && !out.iter().any(|o| o == w) {
            out.push(w.to_string());
        }
    }
    out
}

/// WGSL spellings of the types other shading languages use.
const TYPE_NAMES: [(&str, &str); 12] = [
    ("float", "f32"),
    ("int", "i32"),
    ("uint", "u32"),
    ("bool", "bool"),
    ("vec2", "vec2<f32> (or vec2f)"),
    ("vec3", "vec3<f32> (or vec3f)"),
    ("vec4", "vec4<f32> (or vec4f)"),
    ("float2", "vec2<f32>"),
    ("float3", "vec3<f32>"),
    ("float4", "vec4<f32>"),
    ("mat3", "mat3x3<f32>"),
    ("mat4", "mat4x4<f32>"),
];

fn common_mistake(message: &str, src: &SourceText, at: Range<usize>, bound: &[&str]) -> Option<Better> {
    let text = &src.text;
    let word = text.get(at.clone()).unwrap_or("");
    let before = &text[..at.start.min(text.len())];
    // A missing `;`: naga stops at the next token, a line too late. Point at the end of the
    // statement that lacks it.
    if message.starts_with("expected `;`") {
        let end = before.trim_end().len();
        if end > 0 {
            let (line, _) = src.line_col(end - 1);
            let stmt = src.line(line).trim();
            return Some(Better {
                at: Some((end - 1..end, format!("WGSL: missing `;` at the end of line {line}"))),
                hint: format!("every statement ends with `;`: write `{stmt};`"),
            });
        }
    }
    // `quai.beat`, `layer.alpha`: name what the struct has.
    if message.contains("field accessor") {
        for (var, ty) in [("quai.", "QuaiGlobals"), ("layer.", "QuaiLayer")] {
            if before.ends_with(var) {
                let fields = struct_fields(PRELUDE, ty);
                let typo = super::diag::did_you_mean(word, fields.iter().map(String::as_str))
                    .map(|s| format!("{s} "))
                    .unwrap_or_default();
                let var = var.trim_end_matches('.');
                return Some(Better {
                    at: None,
                    hint: format!(
                        "{typo}`{var}` has {} (shaders/lib/prelude.wgsl; scenes/README.md, \"Prelude\")",
                        fields.join(", ")
                    ),
                });
            }
        }
    }
    // A name the shared library already defines: say so, and how to rename.
    if let Some(rest) = message.strip_prefix("redefinition of `") {
        let name = rest.split('`').next().unwrap_or("");
        if let Some((file, _, line)) = library_functions().into_iter().find(|(_, n, _)| n == name) {
            return Some(Better {
                at: None,
                hint: format!(
                    "`{name}` comes from quai's shared library ({file}:{line}), which every shader gets: name yours \
                     differently (e.g. `my_{name}`) and call that, or use the library's"
                ),
            });
        }
        return Some(Better {
            at: None,
            hint: format!("`{name}` is defined twice in this file: rename or remove one"),
        });
    }
    if let Some(rest) = message.strip_prefix("no definition in scope for identifier: `") {
        let name = rest.split('`').next().unwrap_or("");
        if let Some((_, wgsl)) = TYPE_NAMES.iter().find(|(n, _)| *n == name) {
            return Some(Better { at: None, hint: format!("WGSL writes `{name}` as {wgsl}") });
        }
        let mut known = identifiers(text);
        known.extend(library_functions().into_iter().map(|(_, n, _)| n));
        known.extend(["quai", "layer", "params", "uv"].map(String::from));
        known.retain(|k| k != name);
        let hint = match super::diag::did_you_mean(name, known.iter().map(String::as_str)) {
            Some(h) => h,
            None if before.trim_end().ends_with("params.") => String::new(),
            None => format!(
                "`{name}` is not declared: declare it with `let` or `var`, or see shaders/lib/common.wgsl for the \
                 library's functions (noise2, fbm2, palette, hsv2rgb, ...){}",
                if bound.is_empty() {
                    String::new()
                } else {
                    format!("; bound parameters are params.{}", bound.join(", params."))
                }
            ),
        };
        return (!hint.is_empty()).then_some(Better { at: None, hint });
    }
    // i32 and f32 mixed: WGSL never converts by itself.
    if message.contains("can't work with") && message.contains("Sint") && message.contains("Float") {
        return Some(Better {
            at: Some((at, "WGSL: an integer (i32) and a float (f32) mixed in one operation".into())),
            hint: "WGSL does not convert between them: write the number with a decimal point (2.0), or convert \
                   with f32(x)"
                .into(),
        });
    }
    None
}

/// naga's messages name IR handles (`Function [47] 'shade' is invalid`, `Some([4])`); say it in
/// the shader's own words.
fn readable(message: &str) -> String {
    let mut out = message.to_string();
    if let Some(rest) = out.strip_prefix("Function [")
        && let Some((_, after)) = rest.split_once("] '")
        && let Some((name, tail)) = after.split_once("' is invalid: ")
    {
        out = format!("in fn `{name}`: {tail}");
    }
    for junk in ["Some(", "Handle("] {
        while let Some(i) = out.find(junk) {
            let Some(end) = out[i..].find(')') else { break };
            out.replace_range(i..i + end + 1, "");
        }
    }
    out.replace("  ", " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn member_names_come_from_naga() {
        assert!(is_member_name("speed"));
        for bad in ["fn", "target", "smooth", "mod", "filter", "2x", "a-b"] {
            assert!(!is_member_name(bad), "{bad}");
        }
    }

    #[test]
    fn builtins_compile() {
        compile(Path::new("solid.wgsl"), SOLID, &[]).unwrap();
        compile(Path::new("image.wgsl"), IMAGE, &["a".into(), "b".into()]).unwrap();
    }

    /// Regression: errors must point into the user's file, at the user's own line, not the composed one.
    #[test]
    fn error_maps_to_user_line() {
        let body = "fn shade(uv: vec2<f32>) -> vec4<f32> {\n    return vec4<f32>(params.speeed);\n}\n";
        let e = compile(Path::new("x.wgsl"), body, &["speed".into()]).unwrap_err();
        let loc = e[0].location.as_ref().unwrap();
        assert_eq!(loc.path, PathBuf::from("x.wgsl"));
        assert_eq!(loc.line, 2, "{}", e[0]);
    }
}
