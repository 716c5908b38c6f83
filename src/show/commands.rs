//! Commands: every control action (cue GO / back / goto / stop, panic, reset, a direct parameter
//! set), whatever sent it. They cross threads as input events (`EventKind::Command`) in the same
//! bounded queues, so they are recorded in the input log and replayed on the offline clock like
//! sensor events, and the show applies them once per tick in time order.
//!
//! One text form is used everywhere a command is written down: scene files (`[keys]`, a trigger's
//! `do`), the input log and the show's log.
//!
//! ```text
//! go              GO on the default list        go picture        GO on list `picture`
//! back            the cue before the playhead   back picture
//! goto dawn       that cue of the default list  goto picture/dawn that cue of list `picture`
//! stop            stop every list's fades       stop picture      stop one list
//! panic           everything to the safe state  reset             back to the scene's start
//! standby         fade out, then black, silent  standby 10        ... over 10 s
//! wake            out of standby: reset, then the schedule's `opening` commands
//! set speed 0.5   a direct parameter set
//! learn speed     bind the next control moved to `speed` (a mapping, written into the scene)
//! learn go sound  bind the next control moved to `go sound` (a trigger, written into the scene)
//! learn cancel
//! call storm      run `fn storm()` of the scene's scripts (at the next tick boundary)
//! ```
//!
//! OSC, on any OSC input of the scene (see scenes/README.md, "Cues"):
//!
//! ```text
//! /quai/cue/go [s:list]           /quai/cue/LIST/go
//! /quai/cue/back [s:list]         /quai/cue/LIST/back
//! /quai/cue/goto s:cue|list/cue   /quai/cue/LIST/goto s:cue
//! /quai/cue/stop [s:list]         /quai/cue/LIST/stop
//! /quai/panic                     /quai/reset
//! /quai/standby                  /quai/wake
//! /quai/param/NAME f:value
//! /quai/learn s:PARAM|COMMAND     /quai/learn/cancel
//! /quai/call s:FUNCTION
//! ```
//! A first argument of 0 on a GO-like address is a button being released and does nothing, so a
//! TouchOSC push button (1 on press, 0 on release) fires once.

use std::fmt;
use std::sync::Arc;

/// One control action. Lists, cues and parameters are named, not numbered: a command is resolved
/// against the scene that is running when it is applied (a reload may have renumbered them).
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// `None`: the default list (the one named `main`, else the scene's first).
    Go(Option<String>),
    Back(Option<String>),
    Goto {
        list: Option<String>,
        cue: String,
    },
    /// `None`: every list.
    Stop(Option<String>),
    Panic,
    Reset,
    /// Fade every layer and sound out over this many seconds (`None`: the scene's closing fade),
    /// then hold black and silent (the schedule's closing, or an operator).
    Standby(Option<f32>),
    /// Out of standby: back to the scene's start, then the schedule's `opening` commands.
    Wake,
    Set {
        param: String,
        value: f32,
    },
    /// Arm learn: the next control moved on a scene input is bound to this, and the binding is
    /// written into the scene file (see `input::learn`).
    Learn(Learn),
    /// Run a function of the scene's scripts: `fn NAME()` in each script that defines it (a
    /// trigger's `do`, a timed schedule entry, a key, the console).
    Call(String),
}

/// What a learn binds the next control moved to.
#[derive(Debug, Clone, PartialEq)]
pub enum Learn {
    /// A mapping from the control into this parameter (`learn speed`, `learn param speed`).
    Param(String),
    /// A trigger on the control that sends this command (`learn go picture`).
    Command(Box<Command>),
    /// Disarm (`learn cancel`).
    Cancel,
}

impl fmt::Display for Command {
    /// The text form (module doc); `parse` reads it back.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let list = |f: &mut fmt::Formatter<'_>, verb: &str, l: &Option<String>| match l {
            Some(l) => write!(f, "{verb} {l}"),
            None => f.write_str(verb),
        };
        match self {
            Command::Go(l) => list(f, "go", l),
            Command::Back(l) => list(f, "back", l),
            Command::Stop(l) => list(f, "stop", l),
            Command::Goto { list: Some(l), cue } => write!(f, "goto {l}/{cue}"),
            Command::Goto { list: None, cue } => write!(f, "goto {cue}"),
            Command::Panic => f.write_str("panic"),
            Command::Reset => f.write_str("reset"),
            Command::Standby(None) => f.write_str("standby"),
            Command::Standby(Some(s)) => write!(f, "standby {s}"),
            Command::Wake => f.write_str("wake"),
            Command::Set { param, value } => write!(f, "set {param} {value}"),
            Command::Call(name) => write!(f, "call {name}"),
            Command::Learn(Learn::Param(p)) if is_verb(p) || p == "param" || p == "cancel" => {
                write!(f, "learn param {p}")
            }
            Command::Learn(Learn::Param(p)) => write!(f, "learn {p}"),
            Command::Learn(Learn::Command(c)) => write!(f, "learn {c}"),
            Command::Learn(Learn::Cancel) => f.write_str("learn cancel"),
        }
    }
}

/// A command on its way to the show: when it was sent (show time) and who sent it
/// (`osc phone`, `key space`, `trigger door`, `console`), for the log.
#[derive(Debug, Clone, PartialEq)]
pub struct Issued {
    pub t: f64,
    pub by: Arc<str>,
    pub command: Command,
}

/// Why a command's text or OSC message is not a command.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CommandError {
    #[error("`{0}` is not a command")]
    Unknown(String),
    #[error("`{text}`: {why}")]
    Bad { text: String, why: String },
}

impl CommandError {
    /// What to write instead, for hints.
    pub const FORMS: &'static str = "commands are: go [LIST], back [LIST], goto [LIST/]CUE, stop [LIST], panic, \
                                     reset, standby [SECONDS], wake, set PARAM VALUE, learn PARAM, learn COMMAND, learn cancel, \
                                     call FUNCTION";

    pub const OSC_FORMS: &'static str = "quai's OSC addresses are /quai/cue/go, /quai/cue/back, /quai/cue/goto s:CUE, \
                                         /quai/cue/stop, /quai/cue/LIST/go (and back, goto, stop), /quai/panic, \
                                         /quai/reset, /quai/standby, /quai/wake, /quai/param/NAME f:VALUE and /quai/call s:FUNCTION";
}

/// A list or cue name as commands and OSC addresses carry it: letters, digits, `_`, `-` and `.`
/// (cue numbers like `2.5` are names too).
pub fn is_name(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

/// A script function's name as `call` takes it: letters, digits and `_`, not starting with a digit.
pub fn is_function(s: &str) -> bool {
    s.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The first word of each command (a parameter named so needs `learn param NAME`).
fn is_verb(w: &str) -> bool {
    matches!(w, "go" | "back" | "goto" | "stop" | "panic" | "reset" | "standby" | "wake" | "set" | "learn" | "call")
}

/// Reads the text form (module doc).
pub fn parse(text: &str) -> Result<Command, CommandError> {
    if let Some(rest) = text.trim().strip_prefix("learn")
        && (rest.is_empty() || rest.starts_with(char::is_whitespace))
    {
        return parse_learn(text, rest.trim());
    }
    let words: Vec<&str> = text.split_whitespace().collect();
    let bad = |why: &str| CommandError::Bad { text: text.trim().to_string(), why: why.to_string() };
    let name = |w: &str| {
        if is_name(w) {
            Ok(w.to_string())
        } else {
            Err(bad(&format!("`{w}` is not a list or cue name (letters, digits, _ - .)")))
        }
    };
    let opt_list = |rest: &[&str]| -> Result<Option<String>, CommandError> {
        match rest {
            [] => Ok(None),
            [l] => name(l).map(Some),
            _ => Err(bad("takes at most one list name")),
        }
    };
    match words.as_slice() {
        ["go", rest @ ..] => opt_list(rest).map(Command::Go),
        ["back", rest @ ..] => opt_list(rest).map(Command::Back),
        ["stop", rest @ ..] => opt_list(rest).map(Command::Stop),
        ["goto", target] => goto_target(target).ok_or_else(|| bad("write goto CUE or goto LIST/CUE")),
        ["goto", ..] => Err(bad("write goto CUE or goto LIST/CUE")),
        ["panic"] => Ok(Command::Panic),
        ["reset"] => Ok(Command::Reset),
        ["wake"] => Ok(Command::Wake),
        ["panic" | "reset" | "wake", ..] => Err(bad("takes no arguments")),
        ["standby"] => Ok(Command::Standby(None)),
        ["standby", secs] => match secs.parse::<f32>() {
            Ok(s) if s.is_finite() && (0.0..=3600.0).contains(&s) => Ok(Command::Standby(Some(s))),
            _ => Err(bad("the fade is a number of seconds, 0 to 3600")),
        },
        ["standby", ..] => Err(bad("write standby or standby SECONDS")),
        ["set", param, value] => {
            let value: f32 =
                value.parse().ok().filter(|v: &f32| v.is_finite()).ok_or_else(|| bad("the value must be a number"))?;
            Ok(Command::Set { param: name(param)?, value })
        }
        ["set", ..] => Err(bad("write set PARAM VALUE")),
        ["call", f] if is_function(f) => Ok(Command::Call(f.to_string())),
        ["call", f] => {
            Err(bad(&format!("`{f}` is not a function name (letters, digits and _, not starting with a digit)")))
        }
        ["call", ..] => Err(bad("write call FUNCTION (a `fn FUNCTION()` of the scene's scripts)")),
        _ => Err(CommandError::Unknown(text.trim().to_string())),
    }
}

fn parse_learn(text: &str, rest: &str) -> Result<Command, CommandError> {
    let bad = |why: &str| CommandError::Bad { text: text.trim().to_string(), why: why.to_string() };
    let words: Vec<&str> = rest.split_whitespace().collect();
    let learn = match words.as_slice() {
        [] => return Err(bad("write learn PARAM, learn COMMAND (e.g. learn go picture) or learn cancel")),
        ["cancel"] => Learn::Cancel,
        ["param", p] | [p] if !is_verb(p) || words.len() == 2 => {
            if !is_name(p) {
                return Err(bad(&format!("`{p}` is not a parameter name")));
            }
            Learn::Param(p.to_string())
        }
        ["learn", ..] => return Err(bad("learn cannot learn itself")),
        _ => Learn::Command(Box::new(parse(rest)?)),
    };
    Ok(Command::Learn(learn))
}

/// `CUE` or `LIST/CUE`.
fn goto_target(target: &str) -> Option<Command> {
    match target.split_once('/') {
        Some((l, c)) if is_name(l) && is_name(c) => Some(Command::Goto { list: Some(l.into()), cue: c.into() }),
        None if is_name(target) => Some(Command::Goto { list: None, cue: target.into() }),
        _ => None,
    }
}

/// What an OSC message means to the command layer.
#[derive(Debug, Clone, PartialEq)]
pub enum FromOsc {
    /// Not under `/quai/`: for the scene's mappings.
    NotOurs,
    /// A button released (first argument 0 on a GO-like address): nothing to do.
    Release,
    /// Addressed to quai's calibration (`/quai/calibrate/...`), handled by `--calibrate-osc`.
    Calibrate,
    Command(Command),
}

/// Reads an OSC message as a command (module doc). `first` is the first argument as a number
/// (`None` when there is none or it is not a number); `text` its string, if it is one.
pub fn from_osc(addr: &str, first: Option<f64>, text: Option<&str>) -> Result<FromOsc, CommandError> {
    let Some(rest) = addr.strip_prefix("/quai/") else {
        return if addr == "/quai" { Err(CommandError::Unknown(addr.into())) } else { Ok(FromOsc::NotOurs) };
    };
    let parts: Vec<&str> = rest.split('/').collect();
    let bad = |why: &str| CommandError::Bad { text: addr.to_string(), why: why.to_string() };
    // A push button sends 1 on press and 0 on release: only the press counts.
    let released = first.is_some_and(|v| v <= 0.0) && text.is_none();
    let list_arg = || {
        text.filter(|s| !s.is_empty())
            .map(|s| if is_name(s) { Ok(s.to_string()) } else { Err(bad(&format!("`{s}` is not a list name"))) })
            .transpose()
    };
    let button = |cmd: Command| if released { FromOsc::Release } else { FromOsc::Command(cmd) };
    let cmd = match parts.as_slice() {
        ["calibrate", ..] => FromOsc::Calibrate,
        ["cue", "go"] => button(Command::Go(list_arg()?)),
        ["cue", "back"] => button(Command::Back(list_arg()?)),
        ["cue", "stop"] => button(Command::Stop(list_arg()?)),
        ["cue", "goto"] => match text {
            Some(t) => FromOsc::Command(goto_target(t).ok_or_else(|| bad("send s:CUE or s:LIST/CUE"))?),
            None => return Err(bad("needs the cue as a string argument: s:CUE or s:LIST/CUE")),
        },
        ["cue", list, op] if is_name(list) => {
            let list = Some(list.to_string());
            match *op {
                "go" => button(Command::Go(list)),
                "back" => button(Command::Back(list)),
                "stop" => button(Command::Stop(list)),
                "goto" => match text {
                    Some(c) if is_name(c) => FromOsc::Command(Command::Goto { list, cue: c.into() }),
                    _ => return Err(bad("needs the cue name as a string argument")),
                },
                _ => return Err(CommandError::Unknown(addr.into())),
            }
        }
        ["panic"] => button(Command::Panic),
        ["reset"] => button(Command::Reset),
        ["standby"] => button(Command::Standby(None)),
        ["wake"] => button(Command::Wake),
        ["learn"] => match text {
            Some(t) => FromOsc::Command(parse(&format!("learn {t}"))?),
            None => return Err(bad("needs what to learn as a string: s:PARAM or s:\"go LIST\"")),
        },
        ["learn", "cancel"] => button(Command::Learn(Learn::Cancel)),
        ["call"] => match text {
            Some(f) if is_function(f) => FromOsc::Command(Command::Call(f.to_string())),
            _ => return Err(bad("needs the function's name as a string argument, e.g. s:storm")),
        },
        ["param", name] if is_name(name) => match first {
            Some(v) if v.is_finite() => FromOsc::Command(Command::Set { param: name.to_string(), value: v as f32 }),
            _ => return Err(bad("needs the value as a number argument, e.g. f:0.5")),
        },
        _ => return Err(CommandError::Unknown(addr.into())),
    };
    Ok(cmd)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn go(l: Option<&str>) -> Command {
        Command::Go(l.map(String::from))
    }

    #[test]
    fn text_form_round_trips() {
        let all = [
            go(None),
            go(Some("picture")),
            Command::Back(Some("sound".into())),
            Command::Goto { list: None, cue: "2.5".into() },
            Command::Goto { list: Some("picture".into()), cue: "dawn".into() },
            Command::Stop(None),
            Command::Panic,
            Command::Reset,
            Command::Standby(None),
            Command::Standby(Some(12.5)),
            Command::Wake,
            Command::Set { param: "speed".into(), value: 0.25 },
            Command::Learn(Learn::Param("speed".into())),
            Command::Learn(Learn::Param("go".into())),
            Command::Learn(Learn::Command(Box::new(go(Some("picture"))))),
            Command::Learn(Learn::Command(Box::new(Command::Goto { list: Some("p".into()), cue: "1".into() }))),
            Command::Learn(Learn::Cancel),
            Command::Call("new_palette".into()),
            Command::Learn(Learn::Command(Box::new(Command::Call("storm".into())))),
            Command::Learn(Learn::Param("call".into())),
        ];
        for c in all {
            assert_eq!(parse(&c.to_string()), Ok(c.clone()), "{c}");
        }
        assert_eq!(parse("  go   picture "), Ok(go(Some("picture"))));
        assert!(parse("call 2fast").is_err_and(|e| e.to_string().contains("not a function name")));
        assert!(parse("call").is_err_and(|e| e.to_string().contains("write call FUNCTION")));
        assert_eq!(from_osc("/quai/call", None, Some("storm")), Ok(FromOsc::Command(Command::Call("storm".into()))));
        assert!(from_osc("/quai/call", Some(1.0), None).is_err());
    }

    #[test]
    fn bad_text_says_why() {
        for (text, why) in [
            ("jump", None),
            ("go a b", Some("at most one list")),
            ("goto", Some("goto CUE")),
            ("goto a/b/c", Some("goto CUE")),
            ("set speed fast", Some("must be a number")),
            ("set speed inf", Some("must be a number")),
            ("panic now", Some("no arguments")),
            ("go pic ture!", Some("at most one")),
            ("go ture!", Some("not a list or cue name")),
            ("learn", Some("learn PARAM")),
            ("learn learn x", Some("cannot learn itself")),
            ("learn go a b", Some("at most one")),
        ] {
            match (parse(text), why) {
                (Err(CommandError::Unknown(t)), None) => assert_eq!(t, text),
                (Err(CommandError::Bad { why: got, .. }), Some(want)) => assert!(got.contains(want), "{text}: {got}"),
                (other, _) => panic!("{text}: {other:?}"),
            }
        }
    }

    #[test]
    fn osc_addresses() {
        let c = |addr: &str, first: Option<f64>, text: Option<&str>| from_osc(addr, first, text);
        assert_eq!(c("/sensor/x", Some(1.0), None), Ok(FromOsc::NotOurs));
        assert_eq!(c("/quai/cue/go", None, None), Ok(FromOsc::Command(go(None))));
        assert_eq!(c("/quai/cue/go", Some(1.0), None), Ok(FromOsc::Command(go(None))));
        assert_eq!(c("/quai/cue/go", Some(0.0), None), Ok(FromOsc::Release));
        assert_eq!(c("/quai/cue/go", None, Some("sound")), Ok(FromOsc::Command(go(Some("sound")))));
        assert_eq!(c("/quai/cue/picture/go", Some(1.0), None), Ok(FromOsc::Command(go(Some("picture")))));
        assert_eq!(
            c("/quai/cue/picture/back", None, None),
            Ok(FromOsc::Command(Command::Back(Some("picture".into()))))
        );
        assert_eq!(
            c("/quai/cue/goto", None, Some("picture/dawn")),
            Ok(FromOsc::Command(Command::Goto { list: Some("picture".into()), cue: "dawn".into() }))
        );
        assert_eq!(
            c("/quai/cue/picture/goto", None, Some("dawn")),
            Ok(FromOsc::Command(Command::Goto { list: Some("picture".into()), cue: "dawn".into() }))
        );
        assert_eq!(c("/quai/panic", None, None), Ok(FromOsc::Command(Command::Panic)));
        assert_eq!(c("/quai/panic", Some(0.0), None), Ok(FromOsc::Release));
        assert_eq!(
            c("/quai/param/speed", Some(0.5), None),
            Ok(FromOsc::Command(Command::Set { param: "speed".into(), value: 0.5 }))
        );
        // A fader at 0 is a value, not a release.
        assert_eq!(
            c("/quai/param/speed", Some(0.0), None),
            Ok(FromOsc::Command(Command::Set { param: "speed".into(), value: 0.0 }))
        );
        assert_eq!(c("/quai/calibrate/left/corner/0", Some(1.0), None), Ok(FromOsc::Calibrate));
        assert_eq!(
            c("/quai/learn", None, Some("speed")),
            Ok(FromOsc::Command(Command::Learn(Learn::Param("speed".into()))))
        );
        assert_eq!(
            c("/quai/learn", None, Some("go picture")),
            Ok(FromOsc::Command(Command::Learn(Learn::Command(Box::new(go(Some("picture")))))))
        );
        assert_eq!(c("/quai/learn/cancel", None, None), Ok(FromOsc::Command(Command::Learn(Learn::Cancel))));
        for bad in ["/quai/cue/jump", "/quai/cue/picture/jump", "/quai/nothing", "/quai/cue"] {
            assert!(matches!(c(bad, None, None), Err(CommandError::Unknown(_))), "{bad}");
        }
        assert!(matches!(c("/quai/param/speed", None, None), Err(CommandError::Bad { .. })));
        assert!(matches!(c("/quai/param/speed", None, Some("fast")), Err(CommandError::Bad { .. })));
        assert!(matches!(c("/quai/cue/goto", Some(1.0), None), Err(CommandError::Bad { .. })));
        assert!(matches!(c("/quai/cue/go", None, Some("no good")), Err(CommandError::Bad { .. })));
    }
}
