//! The CSV file of a `points` fixture: rows `x, y[, name]` in canvas pixels, in wiring order. An
//! optional header row `x,y[,name]`, `#` comment lines and blank lines are skipped; a name may be
//! quoted ("left, upper") to hold a comma. Problems point at the CSV file's own line and column.
//! Read with std: the format is three columns, and a hand-kept splitter keeps every field's byte
//! range, which the diagnostics need and the csv crate does not give back.

use std::ops::Range;
use std::path::Path;

use serde_spanned::Spanned;

use super::super::super::diag::Diagnostic;
use super::super::super::load::{FileId, io_reason};
use super::super::super::source::{SourceText, resolve};
use super::super::Ctx;

/// Most points one fixture may have (as many as the longest strip).
pub(super) const MAX_POINTS: usize = 100_000;
/// Malformed rows reported one by one before the rest are summed up.
const MAX_ROW_ERRORS: usize = 10;

pub(super) struct PointsCsv {
    pub points: Vec<[f32; 2]>,
    pub names: Vec<String>,
    /// Byte range of each point's row in `source`, to point at.
    pub rows: Vec<Range<usize>>,
    pub source: SourceText,
}

/// Read the file `at` names (relative to `here`, the scene file that names it); `None` after
/// reporting what is wrong.
pub(super) fn read(cx: &mut Ctx, file: FileId, at: &Spanned<String>, here: &Path, what: &str) -> Option<PointsCsv> {
    let path = resolve(here, at.get_ref());
    cx.read.push(path.clone());
    let text = match cx.files.read(&path).map(String::from_utf8) {
        Ok(Ok(t)) => t,
        Ok(Err(_)) => {
            let msg = format!("points file {} is not UTF-8 text", path.display());
            cx.err(file, at.span(), msg, "save it as UTF-8 CSV".to_string());
            return None;
        }
        Err(e) => {
            let msg = format!("cannot read points file {} of {what}: {}", path.display(), io_reason(&e));
            let hint = format!("check the path; it is relative to the file that names it ({})", here.display());
            cx.err(file, at.span(), msg, hint);
            return None;
        }
    };
    let source = SourceText::new(path.clone(), text);
    let mut csv = PointsCsv { points: Vec::new(), names: Vec::new(), rows: Vec::new(), source };
    let mut problems: Vec<(Range<usize>, String, String)> = Vec::new();
    let text = csv.source.text.clone();
    let mut offset = 0;
    for raw in text.split_inclusive('\n') {
        let start = offset;
        offset += raw.len();
        let mut line = raw.trim_end_matches(['\n', '\r']);
        let mut start = start;
        if start == 0 && line.starts_with('\u{feff}') {
            line = &line[3..];
            start = 3;
        }
        let row = start..start + line.len();
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let fields = match split(line, start) {
            Ok(f) => f,
            Err((at, msg)) => {
                problems.push((at, msg, "close the quote: \"name\", with \"\" for a quote inside".into()));
                continue;
            }
        };
        let first_row = csv.points.is_empty() && problems.is_empty();
        if first_row && is_header(&fields) {
            continue;
        }
        match fields.len() {
            0 | 1 => {
                let hint = if line.contains(';') {
                    "separate the columns with commas, not semicolons: x, y[, name]"
                } else {
                    "each row is x, y[, name] in canvas pixels, e.g. 120, 40, door_left"
                };
                problems.push((row, "too few columns: expected x, y[, name]".into(), hint.into()));
                continue;
            }
            2 | 3 => {}
            n => {
                let extra = fields[3].1.start..row.end;
                let hint = "quote a name that holds commas: 120, 40, \"left, upper\"".to_string();
                problems.push((extra, format!("too many columns ({n}): expected x, y[, name]"), hint));
                continue;
            }
        }
        let mut xy = [0.0f32; 2];
        let mut bad = false;
        for (slot, (text, span)) in xy.iter_mut().zip(&fields) {
            match text.parse::<f64>() {
                Ok(v) if v.is_finite() && v.abs() <= 1e7 => *slot = v as f32,
                _ => {
                    let shown = if text.is_empty() { "an empty column".to_string() } else { format!("`{text}`") };
                    let hint = "coordinates are numbers in canvas pixels, e.g. 120.5".to_string();
                    problems.push((span.clone(), format!("{shown} is not a number"), hint));
                    bad = true;
                    break;
                }
            }
        }
        if bad {
            continue;
        }
        csv.points.push(xy);
        csv.names.push(fields.get(2).map(|f| f.0.clone()).unwrap_or_default());
        csv.rows.push(row);
    }
    let n = problems.len();
    for (i, (span, msg, hint)) in problems.into_iter().enumerate() {
        if i == MAX_ROW_ERRORS {
            let d = Diagnostic::new(format!("{} more malformed rows in this points file", n - i));
            cx.diags.push(d.at(&csv.source, span).hint("fix the rows above first; the rest are likely alike"));
            break;
        }
        cx.diags.push(Diagnostic::new(format!("points file: {msg}")).at(&csv.source, span).hint(hint));
    }
    if n > 0 {
        return None;
    }
    if csv.points.is_empty() {
        cx.err(
            file,
            at.span(),
            format!("points file {} of {what} has no points", path.display()),
            "write one row per LED, in wiring order: x, y[, name] in canvas pixels".to_string(),
        );
        return None;
    }
    if csv.points.len() > MAX_POINTS {
        cx.err(
            file,
            at.span(),
            format!("points file {} has {} points, more than {MAX_POINTS}", path.display(), csv.points.len()),
            "split the facade into several fixtures".to_string(),
        );
        return None;
    }
    Some(csv)
}

/// A field's text and its byte range in the file.
type Field = (String, Range<usize>);

fn is_header(fields: &[Field]) -> bool {
    let names: Vec<String> = fields.iter().map(|f| f.0.to_ascii_lowercase()).collect();
    names == ["x", "y"] || names == ["x", "y", "name"]
}

/// Split one row at commas: each field trimmed, with its byte range in the file (`base` = where the
/// line starts). A field may be quoted, `""` standing for a quote inside it.
fn split(line: &str, base: usize) -> Result<Vec<Field>, (Range<usize>, String)> {
    let mut out = Vec::new();
    let mut i = 0;
    let bytes = line.as_bytes();
    loop {
        while i < bytes.len() && (bytes[i] == b' ' || bytes[i] == b'\t') {
            i += 1;
        }
        let begin = i;
        let field = if bytes.get(i) == Some(&b'"') {
            let mut text = String::new();
            let mut j = i + 1;
            loop {
                match line[j..].find('"') {
                    None => return Err((base + begin..base + line.len(), "a quoted name is not closed".into())),
                    Some(k) => {
                        text.push_str(&line[j..j + k]);
                        j += k + 1;
                        if bytes.get(j) == Some(&b'"') {
                            text.push('"');
                            j += 1;
                        } else {
                            break;
                        }
                    }
                }
            }
            let end = j;
            i = line[j..].find(',').map_or(line.len(), |k| j + k);
            (text, base + begin..base + end)
        } else {
            let end = line[i..].find(',').map_or(line.len(), |k| i + k);
            let raw = &line[begin..end];
            let trimmed = raw.trim_end();
            i = end;
            (trimmed.to_string(), base + begin..base + begin + trimmed.len().max(1).min(raw.len().max(1)))
        };
        out.push(field);
        if i >= line.len() {
            return Ok(out);
        }
        i += 1; // the comma
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_keeps_ranges_and_quotes() {
        let f = split(" 12.5, 40 ,\"left, \"\"upper\"\"\"", 100).unwrap();
        assert_eq!(f[0], ("12.5".to_string(), 101..105));
        assert_eq!(f[1], ("40".to_string(), 107..109));
        assert_eq!(f[2].0, "left, \"upper\"");
        assert_eq!(split("1,", 0).unwrap()[1].0, "");
        assert!(split("1, 2, \"open", 0).is_err());
    }
}
