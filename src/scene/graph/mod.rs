//! The synth graph language of `[[synths]] graph = "..."`: a small parser into [`Graph`], the tree
//! the audio engine builds its fundsp graph from. The vocabulary is fixed (see [`FUNCTIONS`]);
//! every error carries the byte range inside the graph text, so the loader can point at the exact
//! column in the scene file. Pure and allocation-light; runs on the loader thread (and may be run
//! again by the engine on the main thread: same text, same tree).
//!
//! Grammar, loosest first:
//! ```text
//! graph  = sum { ">>" call }           pipe a signal into a filter's audio input
//! sum    = product { ("+" | "-") product }
//! product= unary { "*" unary }
//! unary  = "-" unary | atom
//! atom   = number | name | name "(" [graph { "," graph }] ")" | "(" graph ")"
//! ```

mod lex;

use std::ops::Range;

use lex::{Tok, Token, lex};

/// An oscillator: one argument, the frequency in Hz.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Oscillator {
    Sine,
    Saw,
    Square,
    Triangle,
}

/// A noise source, no argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Noise {
    White,
    Pink,
}

/// A filter: arguments cut-off (Hz) and Q; its audio comes in through `>>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Filter {
    Lowpass,
    Highpass,
    Bandpass,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
}

/// One node of a synth graph. Every argument is itself a graph (a constant, an input, or a signal:
/// `sine(freq + sine(5) * 10)` is vibrato).
#[derive(Debug, Clone, PartialEq)]
pub enum Graph {
    Number(f32),
    /// A graph input, bound to a parameter by the synth's `inputs` table (smoothed).
    Input(String),
    Oscillator(Oscillator, Box<Graph>),
    Noise(Noise),
    /// `signal >> filter(cutoff, q)`.
    Filter {
        kind: Filter,
        signal: Box<Graph>,
        cutoff: Box<Graph>,
        q: Box<Graph>,
    },
    Binary(BinOp, Box<Graph>, Box<Graph>),
    Neg(Box<Graph>),
}

impl Graph {
    /// Whether the node is a constant (no input, oscillator or noise below it).
    pub fn is_constant(&self) -> bool {
        match self {
            Graph::Number(_) => true,
            Graph::Input(_) | Graph::Oscillator(..) | Graph::Noise(_) | Graph::Filter { .. } => false,
            Graph::Binary(_, a, b) => a.is_constant() && b.is_constant(),
            Graph::Neg(a) => a.is_constant(),
        }
    }
}

/// The functions of the vocabulary and how many arguments each takes.
pub const FUNCTIONS: [(&str, usize); 9] = [
    ("sine", 1),
    ("saw", 1),
    ("square", 1),
    ("triangle", 1),
    ("noise", 0),
    ("pink", 0),
    ("lowpass", 2),
    ("highpass", 2),
    ("bandpass", 2),
];

/// A problem in a graph: `span` is a byte range of the graph text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphError {
    pub message: String,
    pub span: Range<usize>,
    pub hint: Option<String>,
}

pub(super) fn err(message: impl Into<String>, span: Range<usize>, hint: Option<&str>) -> GraphError {
    GraphError { message: message.into(), span, hint: hint.map(str::to_string) }
}

/// A parsed graph and where each input name was written (byte ranges of the graph text), so the
/// loader can check them against the synth's `inputs` and point at the one that is missing.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedGraph {
    pub graph: Graph,
    pub inputs: Vec<(String, Range<usize>)>,
}

/// Parse a graph; the first problem found is returned.
pub fn parse_graph(text: &str) -> Result<ParsedGraph, GraphError> {
    let tokens = lex(text)?;
    let mut p = Parser { tokens, pos: 0, end: text.len(), inputs: Vec::new() };
    let graph = p.pipe()?;
    if let Some(t) = p.tokens.get(p.pos) {
        let hint = match t.tok {
            Tok::Num(_) | Tok::Name(_) | Tok::Open => "join the parts with *, +, - or >>",
            _ => "check the brackets and operators",
        };
        return Err(err(format!("unexpected {}", t.tok.describe()), t.span.clone(), Some(hint)));
    }
    if graph.is_constant() {
        return Err(err(
            "the graph is a constant: it makes no sound",
            0..text.len(),
            Some("start from an oscillator or noise, e.g. sine(220) * 0.2"),
        ));
    }
    Ok(ParsedGraph { graph, inputs: p.inputs })
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
    end: usize,
    inputs: Vec<(String, Range<usize>)>,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.tokens.get(self.pos).map(|t| &t.tok)
    }

    /// Where the next token is, or the end of the text.
    fn here(&self) -> Range<usize> {
        self.tokens.get(self.pos).map(|t| t.span.clone()).unwrap_or(self.end..self.end)
    }

    fn pipe(&mut self) -> Result<Graph, GraphError> {
        let mut signal = self.sum()?;
        while self.peek() == Some(&Tok::Pipe) {
            self.pos += 1;
            let at = self.here();
            let Some(Tok::Name(name)) = self.peek().cloned() else {
                return Err(err("`>>` needs a filter after it", at, Some("e.g. >> lowpass(800, 0.7)")));
            };
            let kind = match name.as_str() {
                "lowpass" => Filter::Lowpass,
                "highpass" => Filter::Highpass,
                "bandpass" => Filter::Bandpass,
                _ if FUNCTIONS.iter().any(|(f, _)| *f == name) => {
                    return Err(err(
                        format!("`{name}` has no audio input: only filters can follow >>"),
                        at,
                        Some("the filters are lowpass, highpass and bandpass; mix sources with + or *"),
                    ));
                }
                _ => return Err(self.unknown_function(&name, at)),
            };
            self.pos += 1;
            let [cutoff, q] = self.arguments::<2>(&name, at)?;
            signal = Graph::Filter { kind, signal: Box::new(signal), cutoff: Box::new(cutoff), q: Box::new(q) };
        }
        Ok(signal)
    }

    fn sum(&mut self) -> Result<Graph, GraphError> {
        let mut lhs = self.product()?;
        loop {
            let op = match self.peek() {
                Some(Tok::Plus) => BinOp::Add,
                Some(Tok::Minus) => BinOp::Sub,
                _ => return Ok(lhs),
            };
            self.pos += 1;
            let rhs = self.product()?;
            lhs = Graph::Binary(op, Box::new(lhs), Box::new(rhs));
        }
    }

    fn product(&mut self) -> Result<Graph, GraphError> {
        let mut lhs = self.unary()?;
        while self.peek() == Some(&Tok::Star) {
            self.pos += 1;
            let rhs = self.unary()?;
            lhs = Graph::Binary(BinOp::Mul, Box::new(lhs), Box::new(rhs));
        }
        Ok(lhs)
    }

    fn unary(&mut self) -> Result<Graph, GraphError> {
        if self.peek() == Some(&Tok::Minus) {
            self.pos += 1;
            return Ok(match self.unary()? {
                Graph::Number(n) => Graph::Number(-n),
                g => Graph::Neg(Box::new(g)),
            });
        }
        self.atom()
    }

    fn atom(&mut self) -> Result<Graph, GraphError> {
        let at = self.here();
        let Some(tok) = self.peek().cloned() else {
            return Err(err("the graph ends too early", at, Some("something is missing after the last operator")));
        };
        match tok {
            Tok::Num(n) => {
                self.pos += 1;
                Ok(Graph::Number(n))
            }
            Tok::Open => {
                self.pos += 1;
                let inner = self.pipe()?;
                self.expect_close(at)?;
                Ok(inner)
            }
            Tok::Name(name) => {
                self.pos += 1;
                if self.peek() != Some(&Tok::Open) {
                    if let Some((f, _)) = FUNCTIONS.iter().find(|(f, _)| *f == name) {
                        return Err(err(
                            format!("`{f}` is a function: it needs ( )"),
                            at,
                            Some(&format!("write {}", call_example(f))),
                        ));
                    }
                    self.inputs.push((name.clone(), at));
                    return Ok(Graph::Input(name));
                }
                self.pos += 1;
                self.call(&name, at)
            }
            other => Err(err(
                format!("unexpected {}", other.describe()),
                at,
                Some("expected a number, an input name, a function like sine(220) or ( ... )"),
            )),
        }
    }

    /// `name(` has been read.
    fn call(&mut self, name: &str, at: Range<usize>) -> Result<Graph, GraphError> {
        let osc = |o| move |[f]: [Graph; 1]| Graph::Oscillator(o, Box::new(f));
        match name {
            "sine" => self.rest_of_args::<1>(name, at).map(osc(Oscillator::Sine)),
            "saw" => self.rest_of_args::<1>(name, at).map(osc(Oscillator::Saw)),
            "square" => self.rest_of_args::<1>(name, at).map(osc(Oscillator::Square)),
            "triangle" => self.rest_of_args::<1>(name, at).map(osc(Oscillator::Triangle)),
            "noise" => self.rest_of_args::<0>(name, at).map(|_| Graph::Noise(Noise::White)),
            "pink" => self.rest_of_args::<0>(name, at).map(|_| Graph::Noise(Noise::Pink)),
            "lowpass" | "highpass" | "bandpass" => Err(err(
                format!("`{name}` filters a signal: pipe one into it with >>"),
                at,
                Some(&format!("e.g. saw(110) >> {name}(800, 0.7)")),
            )),
            _ => Err(self.unknown_function(name, at)),
        }
    }

    fn unknown_function(&self, name: &str, at: Range<usize>) -> GraphError {
        let names = FUNCTIONS.iter().map(|(f, _)| *f);
        let hint = super::diag::did_you_mean(name, names.clone())
            .unwrap_or_else(|| format!("the functions are: {}", names.collect::<Vec<_>>().join(", ")));
        err(format!("unknown function `{name}`"), at, Some(&hint))
    }

    /// `name` then `( args )`.
    fn arguments<const N: usize>(&mut self, name: &str, at: Range<usize>) -> Result<[Graph; N], GraphError> {
        if self.peek() != Some(&Tok::Open) {
            return Err(err(format!("`{name}` needs ( )"), at, Some(&format!("write {}", call_example(name)))));
        }
        self.pos += 1;
        self.rest_of_args::<N>(name, at)
    }

    /// The arguments after `(`, and the `)`.
    fn rest_of_args<const N: usize>(&mut self, name: &str, at: Range<usize>) -> Result<[Graph; N], GraphError> {
        let mut args = Vec::with_capacity(N);
        if self.peek() != Some(&Tok::Close) {
            loop {
                let arg_at = self.here();
                args.push((self.pipe()?, arg_at));
                if self.peek() != Some(&Tok::Comma) {
                    break;
                }
                self.pos += 1;
            }
        }
        let close_at = self.here();
        self.expect_close(at.clone())?;
        let got = args.len();
        if got != N {
            let span = match args.get(N) {
                Some((_, first_extra)) => first_extra.start..close_at.start,
                None => at.start..close_at.end,
            };
            let what = |n: usize| match n {
                0 => "no arguments".to_string(),
                1 => "1 argument".to_string(),
                n => format!("{n} arguments"),
            };
            return Err(err(
                format!("`{name}` takes {}, not {got}", what(N)),
                span,
                Some(&format!("write {}", call_example(name))),
            ));
        }
        let args: Vec<Graph> = args.into_iter().map(|(g, _)| g).collect();
        args.try_into().map_err(|_| err("internal: argument count", at, None))
    }

    fn expect_close(&mut self, open_at: Range<usize>) -> Result<(), GraphError> {
        match self.peek() {
            Some(Tok::Close) => {
                self.pos += 1;
                Ok(())
            }
            Some(t) => {
                let msg = format!("expected `)` or `,`, found {}", t.describe());
                Err(err(msg, self.here(), Some("check the brackets and the commas between arguments")))
            }
            None => Err(err("`(` is never closed", open_at, Some("add the missing `)`"))),
        }
    }
}

fn call_example(name: &str) -> String {
    match name {
        "noise" | "pink" => format!("{name}()"),
        "lowpass" | "highpass" | "bandpass" => {
            format!("signal >> {name}(cutoff, q), e.g. saw(110) >> {name}(800, 0.7)")
        }
        _ => format!("{name}(frequency), e.g. {name}(220)"),
    }
}

#[cfg(test)]
mod tests;
