//! The tokens of a synth graph, each with its byte range in the graph text.

use std::ops::Range;

use super::{GraphError, err};

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tok {
    Num(f32),
    Name(String),
    Open,
    Close,
    Comma,
    Plus,
    Minus,
    Star,
    Pipe,
}

impl Tok {
    pub(super) fn describe(&self) -> String {
        match self {
            Tok::Num(n) => format!("number {n}"),
            Tok::Name(n) => format!("`{n}`"),
            Tok::Open => "`(`".into(),
            Tok::Close => "`)`".into(),
            Tok::Comma => "`,`".into(),
            Tok::Plus => "`+`".into(),
            Tok::Minus => "`-`".into(),
            Tok::Star => "`*`".into(),
            Tok::Pipe => "`>>`".into(),
        }
    }
}

pub(super) struct Token {
    pub tok: Tok,
    pub span: Range<usize>,
}

pub(super) fn lex(text: &str) -> Result<Vec<Token>, GraphError> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let start = i;
        let single = match c {
            b' ' | b'\t' | b'\n' | b'\r' => {
                i += 1;
                continue;
            }
            b'(' => Some(Tok::Open),
            b')' => Some(Tok::Close),
            b',' => Some(Tok::Comma),
            b'+' => Some(Tok::Plus),
            b'-' => Some(Tok::Minus),
            b'*' => Some(Tok::Star),
            _ => None,
        };
        if let Some(tok) = single {
            i += 1;
            out.push(Token { tok, span: start..i });
            continue;
        }
        if c == b'>' {
            if bytes.get(i + 1) == Some(&b'>') {
                i += 2;
                out.push(Token { tok: Tok::Pipe, span: start..i });
                continue;
            }
            return Err(err("`>` alone is not an operator", start..i + 1, Some("pipe a signal into a filter with >>")));
        }
        if c.is_ascii_digit() || c == b'.' {
            while i < bytes.len() && (bytes[i].is_ascii_digit() || bytes[i] == b'.') {
                i += 1;
            }
            if i < bytes.len() && (bytes[i] == b'e' || bytes[i] == b'E') {
                let mut j = i + 1;
                if j < bytes.len() && (bytes[j] == b'+' || bytes[j] == b'-') {
                    j += 1;
                }
                if j < bytes.len() && bytes[j].is_ascii_digit() {
                    i = j;
                    while i < bytes.len() && bytes[i].is_ascii_digit() {
                        i += 1;
                    }
                }
            }
            let s = &text[start..i];
            match s.parse::<f32>() {
                Ok(v) if v.is_finite() => out.push(Token { tok: Tok::Num(v), span: start..i }),
                _ => {
                    return Err(err(format!("`{s}` is not a number"), start..i, Some("write numbers like 440 or 0.7")));
                }
            }
            continue;
        }
        if c.is_ascii_alphabetic() || c == b'_' {
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                i += 1;
            }
            out.push(Token { tok: Tok::Name(text[start..i].to_string()), span: start..i });
            continue;
        }
        let ch = text[start..].chars().next().unwrap_or('?');
        let end = start + ch.len_utf8();
        let hint = match ch {
            '/' => "there is no division: multiply instead (x * 0.5)",
            _ => "graphs use numbers, names, ( ) , and the operators * + - >>",
        };
        return Err(err(format!("unexpected character `{ch}`"), start..end, Some(hint)));
    }
    Ok(out)
}
