//! Diagnostics: every problem found while loading a scene, with file:line:col, the offending text and
//! a hint. Collected, never thrown one at a time.

use std::fmt;
use std::ops::Range;
use std::path::PathBuf;

use super::source::SourceText;

/// Where a problem is: a file, a 1-based line and column, and the text of that line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub path: PathBuf,
    pub line: usize,
    pub col: usize,
    /// Length of the offending text on that line, in characters (at least 1).
    pub len: usize,
    pub line_text: String,
}

impl Location {
    pub fn new(src: &SourceText, span: Range<usize>) -> Self {
        let (line, col) = src.line_col(span.start);
        let line_text = src.line(line).to_string();
        let (end_line, end_col) = src.line_col(span.end.max(span.start));
        let len = if end_line == line {
            end_col.saturating_sub(col).max(1)
        } else {
            line_text.chars().count().saturating_sub(col - 1).max(1)
        };
        Self { path: src.path.clone(), line, col, len, line_text }
    }
}

/// One problem in a scene.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub message: String,
    pub location: Option<Location>,
    pub hint: Option<String>,
}

impl Diagnostic {
    pub fn new(message: impl Into<String>) -> Self {
        Self { message: message.into(), location: None, hint: None }
    }
    pub fn at(mut self, src: &SourceText, span: Range<usize>) -> Self {
        self.location = Some(Location::new(src, span));
        self
    }
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
    pub fn maybe_hint(mut self, hint: Option<String>) -> Self {
        self.hint = hint.or(self.hint);
        self
    }
}

impl fmt::Display for Diagnostic {
    /// Rendered like rustc / miette: message, `--> file:line:col`, the line with a caret, the hint.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "error: {}", self.message)?;
        if let Some(loc) = &self.location {
            let gutter = loc.line.to_string().len();
            writeln!(f, "{:gutter$}--> {}:{}:{}", "", loc.path.display(), loc.line, loc.col)?;
            writeln!(f, "{:gutter$} |", "")?;
            writeln!(f, "{} | {}", loc.line, loc.line_text.replace('\t', " "))?;
            writeln!(f, "{:gutter$} | {}{}", "", " ".repeat(loc.col - 1), "^".repeat(loc.len))?;
        }
        if let Some(hint) = &self.hint {
            writeln!(f, "  = hint: {hint}")?;
        }
        Ok(())
    }
}

/// Every problem found in a scene; loading failed.
#[derive(Debug, Clone, thiserror::Error)]
pub struct SceneErrors {
    pub diagnostics: Vec<Diagnostic>,
    /// Files read before failing, so hot reload keeps watching a scene that does not load yet.
    pub files: Vec<std::path::PathBuf>,
}

impl fmt::Display for SceneErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in &self.diagnostics {
            writeln!(f, "{d}")?;
        }
        let n = self.diagnostics.len();
        write!(f, "{n} error{}", if n == 1 { "" } else { "s" })
    }
}

/// "did you mean `x`?" for a misspelt name, when one of the candidates is close enough: a couple
/// of typed-wrong, missing or swapped letters (`fsp` → `fps`), or a near spelling by Jaro-Winkler.
pub fn did_you_mean<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let edits_allowed = (name.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .filter_map(|c| {
            let edits = strsim::damerau_levenshtein(name, c);
            let jw = strsim::jaro_winkler(name, c);
            (edits <= edits_allowed || jw > 0.85).then_some((edits, -jw, c))
        })
        .min_by(|a, b| (a.0, a.1).partial_cmp(&(b.0, b.1)).unwrap_or(std::cmp::Ordering::Equal))
        .map(|(_, _, c)| format!("did you mean `{c}`?"))
}
