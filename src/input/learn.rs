//! MIDI (and OSC) learn: `learn speed` or `learn go picture` arms it; the next control moved on one
//! of the scene's inputs (a MIDI controller, a note, a program change, pitch bend, an OSC address
//! with a number) is bound to it, and the binding is written into the main scene file with
//! `toml_edit` as a `[[mappings]]` entry (a parameter) or a `[[triggers]]` entry with `do` (a
//! command), after the file's other entries of that kind (at the end when it has none); every
//! other byte, comments included, stays. Hot reload then loads it like any other edit.
//! Only a live show on a scene file on disk writes; a replay logs what it would have learned.

use std::path::{Path, PathBuf};

use toml_edit::{DocumentMut, Item, Table, value};

use super::event::{EventKind, InputEvent, MidiMessage};
use crate::show::commands::Learn;

/// A binding learned from one event.
#[derive(Debug, Clone, PartialEq)]
pub enum Learned {
    Mapping { from: String, to: String },
    Trigger { name: String, from: String, action: String },
}

impl std::fmt::Display for Learned {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Learned::Mapping { from, to } => write!(f, "mapping {from} → {to}"),
            Learned::Trigger { name, from, action } => write!(f, "trigger `{name}`: {from} → \"{action}\""),
        }
    }
}

/// What a control moved in `e` is, as a scene's `from = "..."`, for `learn`: `None` when the event
/// is not a control (a note-off, serial lines, quai's own `/quai/` addresses, OSC without a
/// number). Notes and program changes are learned by number for triggers, so that the key or
/// the program fires the command.
pub fn selector_of(e: &InputEvent, for_trigger: bool) -> Option<String> {
    let sel = match &e.kind {
        EventKind::Midi { msg, .. } => match *msg {
            MidiMessage::ControlChange { controller, .. } => format!("cc/{controller}"),
            MidiMessage::NoteOn { note, .. } => format!("note/{note}"),
            MidiMessage::ProgramChange { program, .. } if for_trigger => format!("program/{program}"),
            MidiMessage::ProgramChange { .. } => "program".to_string(),
            MidiMessage::PitchBend { .. } => "bend".to_string(),
            MidiMessage::NoteOff { .. } => return None,
        },
        EventKind::Osc { addr, args } if !addr.starts_with("/quai") => {
            args.first().and_then(|a| a.as_f64())?;
            addr.clone()
        }
        _ => return None,
    };
    Some(format!("{}:{sel}", e.input))
}

/// The binding `learn` makes of the control in `e`; `taken` are the trigger names in use.
pub fn binding(learn: &Learn, e: &InputEvent, taken: &[&str]) -> Option<Learned> {
    match learn {
        Learn::Cancel => None,
        Learn::Param(p) => Some(Learned::Mapping { from: selector_of(e, false)?, to: p.clone() }),
        Learn::Command(c) => {
            let from = selector_of(e, true)?;
            let name = (1..).map(|n| format!("learned_{n}")).find(|n| !taken.contains(&n.as_str()))?;
            Some(Learned::Trigger { name, from, action: c.to_string() })
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LearnError {
    #[error("{path}: {doing}: {error}")]
    Io { path: PathBuf, doing: &'static str, error: std::io::Error },
    #[error("{path} is not valid TOML, so the learned binding was not written: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("{path}: `{key}` is not an array of tables, so the learned binding was not written")]
    Layout { path: PathBuf, key: &'static str },
}

/// `text` with `learned` added as one more `[[mappings]]` or `[[triggers]]` entry, after the
/// others; the same binding already in the file returns `text` unchanged.
pub fn add_binding(text: &str, learned: &Learned, path: &Path) -> Result<String, LearnError> {
    let mut doc: DocumentMut = text
        .parse()
        .map_err(|e: toml_edit::TomlError| LearnError::Parse { path: path.into(), message: e.to_string() })?;
    let (key, mut table) = match learned {
        Learned::Mapping { from, to } => {
            let mut t = Table::new();
            t["from"] = value(from.as_str());
            t["to"] = value(to.as_str());
            ("mappings", t)
        }
        Learned::Trigger { name, from, action } => {
            let mut t = Table::new();
            t["name"] = value(name.as_str());
            t["from"] = value(from.as_str());
            t["do"] = value(action.as_str());
            ("triggers", t)
        }
    };
    table.decor_mut().set_prefix("\n# learned in `quai run`\n");
    let entry = doc.entry(key).or_insert(Item::ArrayOfTables(Default::default()));
    let Some(array) = entry.as_array_of_tables_mut() else {
        return Err(LearnError::Layout {
            path: path.into(),
            key: if key == "mappings" { "mappings" } else { "triggers" },
        });
    };
    let same = |t: &Table| {
        let s = |k: &str| t.get(k).and_then(|v| v.as_str()).map(str::to_string);
        match learned {
            Learned::Mapping { from, to } => s("from").as_ref() == Some(from) && s("to").as_ref() == Some(to),
            Learned::Trigger { from, action, .. } => {
                s("from").as_ref() == Some(from) && s("do").as_ref() == Some(action)
            }
        }
    };
    if array.iter().any(same) {
        return Ok(text.to_string());
    }
    array.push(table);
    Ok(doc.to_string())
}

/// Appends `learned` to the scene file at `path`, replacing it atomically. Returns false when the
/// file already had it.
pub fn save(path: &Path, learned: &Learned) -> Result<bool, LearnError> {
    let io = |doing| move |error| LearnError::Io { path: path.into(), doing, error };
    let text = std::fs::read_to_string(path).map_err(io("cannot read it"))?;
    let new = add_binding(&text, learned, path)?;
    if new == text {
        return Ok(false);
    }
    crate::scene::writeback::replace_file(path, &new).map_err(io("cannot write it"))?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::input::event::OscValue;
    use crate::show::commands::Command;

    fn midi(msg: MidiMessage) -> InputEvent {
        InputEvent { t: 0.0, input: Arc::from("nano"), kind: EventKind::Midi { bytes: vec![], msg } }
    }

    fn osc(addr: &str, args: Vec<OscValue>) -> InputEvent {
        InputEvent { t: 0.0, input: Arc::from("pad"), kind: EventKind::Osc { addr: addr.into(), args } }
    }

    #[test]
    fn controls_and_what_they_bind_to() {
        let cc = midi(MidiMessage::ControlChange { channel: 1, controller: 7, value: 3 });
        let note = midi(MidiMessage::NoteOn { channel: 1, note: 36, velocity: 90 });
        let off = midi(MidiMessage::NoteOff { channel: 1, note: 36, velocity: 0 });
        let prog = midi(MidiMessage::ProgramChange { channel: 1, program: 4 });
        let fader = osc("/fader1", vec![OscValue::Float(0.3)]);
        assert_eq!(selector_of(&cc, false).as_deref(), Some("nano:cc/7"));
        assert_eq!(selector_of(&note, true).as_deref(), Some("nano:note/36"));
        assert_eq!(selector_of(&off, true), None, "a release is not a control moved");
        assert_eq!(selector_of(&prog, true).as_deref(), Some("nano:program/4"));
        assert_eq!(selector_of(&prog, false).as_deref(), Some("nano:program"));
        assert_eq!(selector_of(&fader, false).as_deref(), Some("pad:/fader1"));
        assert_eq!(selector_of(&osc("/ping", vec![]), false), None);
        assert_eq!(selector_of(&osc("/quai/cue/go", vec![OscValue::Float(1.0)]), true), None);
        let speed = Learn::Param("speed".into());
        assert_eq!(binding(&speed, &cc, &[]), Some(Learned::Mapping { from: "nano:cc/7".into(), to: "speed".into() }));
        let go = Learn::Command(Box::new(Command::Go(Some("picture".into()))));
        assert_eq!(
            binding(&go, &note, &["learned_1"]),
            Some(Learned::Trigger {
                name: "learned_2".into(),
                from: "nano:note/36".into(),
                action: "go picture".into()
            })
        );
        assert_eq!(binding(&Learn::Cancel, &cc, &[]), None);
    }

    /// The binding goes at the end; every byte before it stays; learning it again changes nothing.
    #[test]
    fn appended_with_everything_else_kept() {
        let text = "# my piece\n[params.speed]   # how fast\nmax = 4.0\n\n[[mappings]]\nfrom = \"pad:/x\"  # the x fader\nto = \"speed\"\n";
        let p = Path::new("scene.toml");
        let m = Learned::Mapping { from: "nano:cc/7".into(), to: "speed".into() };
        let out = add_binding(text, &m, p).expect("add");
        assert!(out.starts_with(text), "the file before the new entry is untouched:\n{out}");
        assert!(
            out.ends_with("\n# learned in `quai run`\n[[mappings]]\nfrom = \"nano:cc/7\"\nto = \"speed\"\n"),
            "{out}"
        );
        assert_eq!(add_binding(&out, &m, p).expect("again"), out);
        let t = Learned::Trigger { name: "learned_1".into(), from: "nano:note/36".into(), action: "go".into() };
        let out2 = add_binding(&out, &t, p).expect("trigger");
        assert!(out2.starts_with(&out));
        let scene = crate::scene::load_str(
            p,
            &format!(
                "{out2}\n[[inputs]]\nname = \"nano\"\nmidi = \"nano\"\n[[inputs]]\nname = \"pad\"\nosc = \"0\"\n[[cues.main]]\nname = \"1\"\n"
            ),
        );
        let scene = scene.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((scene.mappings.len(), scene.triggers.len()), (2, 1), "the learned entries load");
        // Mappings in the middle of the file: the new one goes right after them, and taking it out
        // again gives the file back byte for byte.
        let middle = "[[mappings]]\nfrom = \"pad:/x\"\nto = \"speed\"\n\n[params.speed]\nmax = 4.0\n";
        let out3 = add_binding(middle, &m, p).expect("middle");
        let block = "\n# learned in `quai run`\n[[mappings]]\nfrom = \"nano:cc/7\"\nto = \"speed\"\n";
        assert!(out3.contains(&format!("to = \"speed\"\n{block}")), "{out3}");
        assert_eq!(out3.replacen(block, "", 1), middle);
        assert!(matches!(add_binding("x = [", &m, p), Err(LearnError::Parse { .. })));
        assert!(matches!(add_binding("mappings = 3\n", &m, p), Err(LearnError::Layout { .. })));
    }
}
