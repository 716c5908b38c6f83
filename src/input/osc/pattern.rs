//! OSC 1.0 address pattern matching: does a scene's pattern (`/sensor/*/distance`,
//! `/fader/[1-4]`, `/{left,right}/x`) match the address a message arrived with. Pure functions,
//! run by whichever thread routes events (the render thread, once per frame).
//!
//! Work is bounded: each path part is matched with a reachable-positions table, so the cost is at
//! most (pattern part length × address part length) per part, whatever the number of `*`.

use thiserror::Error;

/// Why a pattern cannot match anything (for the scene checker to report to the author).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PatternError {
    #[error("OSC address pattern `{pattern}`: `{open}` is never closed (add `{close}`)")]
    Unclosed { pattern: String, open: char, close: char },
    #[error("OSC address pattern `{pattern}`: `[]` matches no character (put characters between the brackets)")]
    EmptyClass { pattern: String },
    #[error("OSC address pattern `{pattern}`: range `{from}-{to}` runs backwards (write `{to}-{from}`)")]
    BackwardRange { pattern: String, from: char, to: char },
}

/// One piece of a path-part pattern.
#[derive(Debug, Clone, PartialEq)]
enum Token {
    Literal(char),
    /// `?`: any one character.
    One,
    /// `*`: any run of characters, including none (never `/`: parts are split first).
    Star,
    /// `[...]` / `[!...]`: one character in (or not in) the listed ranges.
    Class {
        negated: bool,
        ranges: Vec<(char, char)>,
    },
    /// `{foo,bar}`: one of the listed strings.
    Alternatives(Vec<Vec<char>>),
}

/// A pattern parsed once, for matching many addresses (the mapper keeps one per mapping): literal
/// parts compare as strings, wildcard parts run the matcher without allocating.
#[derive(Debug, Clone, PartialEq)]
pub struct Pattern {
    parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq)]
enum Part {
    Literal(String),
    /// `*` alone: any one part.
    Any,
    Tokens(Vec<Token>),
}

impl Pattern {
    pub fn compile(pattern: &str) -> Result<Pattern, PatternError> {
        let parts = pattern
            .split('/')
            .map(|part| {
                if !part.chars().any(is_special) {
                    Ok(Part::Literal(part.to_string()))
                } else if part == "*" {
                    Ok(Part::Any)
                } else {
                    parse_part(part).map(Part::Tokens)
                }
            })
            .collect::<Result<_, _>>()
            .map_err(|e| e.for_pattern(pattern))?;
        Ok(Pattern { parts })
    }

    /// True when `address` matches; the same answer as [`matches`].
    pub fn matches(&self, address: &str) -> bool {
        let mut address_parts = address.split('/');
        for part in &self.parts {
            let Some(a) = address_parts.next() else { return false };
            let ok = match part {
                Part::Literal(l) => same(l.as_bytes(), a.as_bytes()),
                Part::Any => true,
                Part::Tokens(tokens) => tokens_match_str(tokens, a),
            };
            if !ok {
                return false;
            }
        }
        address_parts.next().is_none()
    }
}

/// Byte equality inline: address parts are a few bytes, and a libc `memcmp` call per part was a
/// third of the whole OSC ingest path (measured with perf).
#[inline]
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x == y)
}

/// `tokens_match` on a string: on a stack buffer with bitset state when the part is short (as OSC
/// address parts are), else on the heap.
fn tokens_match_str(tokens: &[Token], address: &str) -> bool {
    const MAX: usize = 127;
    let mut buf = ['\0'; MAX];
    let mut n = 0;
    for c in address.chars() {
        if n == MAX {
            return tokens_match(tokens, &address.chars().collect::<Vec<_>>());
        }
        buf[n] = c;
        n += 1;
    }
    let address = &buf[..n];
    let mut reach: u128 = 1;
    for token in tokens {
        let mut next: u128 = 0;
        match token {
            Token::Star => {
                // Every position at or after the first reachable one.
                if reach != 0 {
                    let first = reach.trailing_zeros();
                    next = (!0u128 << first) & (u128::MAX >> (127 - n));
                }
            }
            Token::Alternatives(alternatives) => {
                for i in (0..=n).filter(|&i| reach >> i & 1 == 1) {
                    for alt in alternatives {
                        if address[i..].starts_with(alt) {
                            next |= 1 << (i + alt.len());
                        }
                    }
                }
            }
            single => {
                for i in (0..n).filter(|&i| reach >> i & 1 == 1) {
                    if one_char_matches(single, address[i]) {
                        next |= 1 << (i + 1);
                    }
                }
            }
        }
        reach = next;
        if reach == 0 {
            return false;
        }
    }
    reach >> n & 1 == 1
}

/// True when `address` matches `pattern` (OSC 1.0: `*`, `?`, `[a-z]`, `[!x]`, `{foo,bar}`, exact
/// parts). An invalid pattern (see [`check_pattern`]) matches nothing. Never panics.
pub fn matches(pattern: &str, address: &str) -> bool {
    let mut pattern_parts = pattern.split('/');
    let mut address_parts = address.split('/');
    loop {
        match (pattern_parts.next(), address_parts.next()) {
            (None, None) => return true,
            (Some(p), Some(a)) => {
                if !part_matches(p, a) {
                    return false;
                }
            }
            _ => return false,
        }
    }
}

/// Checks that `pattern` is well formed (every `[` and `{` closed, no empty class, no backward
/// range), so the scene loader can report a typo instead of a mapping that never fires.
pub fn check_pattern(pattern: &str) -> Result<(), PatternError> {
    pattern.split('/').try_for_each(|part| parse_part(part).map(drop)).map_err(|e| e.for_pattern(pattern))
}

/// `PatternError` before the whole pattern is known (filled in by `for_pattern`).
enum PartError {
    Unclosed { open: char, close: char },
    EmptyClass,
    BackwardRange { from: char, to: char },
}

impl PartError {
    fn for_pattern(self, pattern: &str) -> PatternError {
        let pattern = pattern.to_string();
        match self {
            PartError::Unclosed { open, close } => PatternError::Unclosed { pattern, open, close },
            PartError::EmptyClass => PatternError::EmptyClass { pattern },
            PartError::BackwardRange { from, to } => PatternError::BackwardRange { pattern, from, to },
        }
    }
}

fn is_special(c: char) -> bool {
    matches!(c, '*' | '?' | '[' | '{')
}

fn part_matches(pattern: &str, address: &str) -> bool {
    if !pattern.chars().any(is_special) {
        return pattern == address;
    }
    match parse_part(pattern) {
        Ok(tokens) => tokens_match(&tokens, &address.chars().collect::<Vec<_>>()),
        Err(_) => false,
    }
}

fn parse_part(part: &str) -> Result<Vec<Token>, PartError> {
    let mut tokens = Vec::new();
    let mut chars = part.chars();
    while let Some(c) = chars.next() {
        let token = match c {
            '*' => Token::Star,
            '?' => Token::One,
            '[' => parse_class(&mut chars)?,
            '{' => parse_alternatives(&mut chars)?,
            c => Token::Literal(c),
        };
        // `**` is the same as `*`; collapsing keeps the table small.
        if !(token == Token::Star && tokens.last() == Some(&Token::Star)) {
            tokens.push(token);
        }
    }
    Ok(tokens)
}

/// After `[`: `!` negates; `a-z` is a range; `-` first or last is literal.
fn parse_class(chars: &mut std::str::Chars<'_>) -> Result<Token, PartError> {
    let mut body = Vec::new();
    loop {
        match chars.next() {
            Some(']') => break,
            Some(c) => body.push(c),
            None => return Err(PartError::Unclosed { open: '[', close: ']' }),
        }
    }
    let negated = body.first() == Some(&'!');
    let body = if negated { &body[1..] } else { &body[..] };
    if body.is_empty() {
        return Err(PartError::EmptyClass);
    }
    let mut ranges = Vec::new();
    let mut i = 0;
    while i < body.len() {
        match (body.get(i + 1), body.get(i + 2)) {
            (Some('-'), Some(&to)) => {
                let from = body[i];
                if to < from {
                    return Err(PartError::BackwardRange { from, to });
                }
                ranges.push((from, to));
                i += 3;
            }
            _ => {
                ranges.push((body[i], body[i]));
                i += 1;
            }
        }
    }
    Ok(Token::Class { negated, ranges })
}

/// After `{`: comma-separated literal strings up to `}`.
fn parse_alternatives(chars: &mut std::str::Chars<'_>) -> Result<Token, PartError> {
    let mut alternatives = vec![Vec::new()];
    loop {
        match chars.next() {
            Some('}') => break,
            Some(',') => alternatives.push(Vec::new()),
            Some(c) => {
                if let Some(alt) = alternatives.last_mut() {
                    alt.push(c);
                }
            }
            None => return Err(PartError::Unclosed { open: '{', close: '}' }),
        }
    }
    Ok(Token::Alternatives(alternatives))
}

/// `reach[i]`: the tokens so far can consume exactly `address[..i]`.
fn tokens_match(tokens: &[Token], address: &[char]) -> bool {
    let n = address.len();
    let mut reach = vec![false; n + 1];
    reach[0] = true;
    let mut next = vec![false; n + 1];
    for token in tokens {
        next.iter_mut().for_each(|r| *r = false);
        match token {
            Token::Star => {
                let mut any = false;
                for i in 0..=n {
                    any |= reach[i];
                    next[i] = any;
                }
            }
            Token::Alternatives(alternatives) => {
                for i in (0..=n).filter(|&i| reach[i]) {
                    for alt in alternatives {
                        if address[i..].starts_with(alt) {
                            next[i + alt.len()] = true;
                        }
                    }
                }
            }
            single => {
                for i in (0..n).filter(|&i| reach[i]) {
                    next[i + 1] = one_char_matches(single, address[i]);
                }
            }
        }
        std::mem::swap(&mut reach, &mut next);
        if !reach.contains(&true) {
            return false;
        }
    }
    reach[n]
}

fn one_char_matches(token: &Token, c: char) -> bool {
    match token {
        Token::Literal(l) => *l == c,
        Token::One => true,
        Token::Class { negated, ranges } => ranges.iter().any(|&(from, to)| from <= c && c <= to) != *negated,
        Token::Star | Token::Alternatives(_) => false,
    }
}

#[cfg(test)]
mod tests;
