//! The show's control state: the cue engine, the layers' live opacities, and how each command
//! (from OSC, MIDI, keys, triggers, the console, the schedule) changes them. Runs on the render
//! thread inside the tick: commands are applied in time order, then the fades advance and write
//! into the parameter store (under its writer rule) and the layer opacities.

use super::ParamStore;
use super::commands::{Command, Issued};
use super::cues::{CueEngine, CueError, Fired, Target, Write};
use crate::audio::show::Cued;
use crate::scene::{ParamId, Scene};

pub struct Control {
    engine: CueEngine,
    /// Each layer's opacity now, driven by cues (`opacity`, `show`, `hide`, panic).
    opacity: Vec<f32>,
    /// What the sounds must do this tick, from the cues that started.
    cued: Cued,
    writes: Vec<Write>,
    /// Commands that could not be carried out (unknown list, GO past the end, ...).
    pub refused: u64,
    /// Cue operations carried out (GO, back, goto, stop, panic, reset, follow-ons).
    pub operations: u64,
}

impl Control {
    pub fn new(scene: &Scene) -> Self {
        let engine = CueEngine::new(scene.cues.clone()).unwrap_or_else(|e| {
            // Validation runs the same checks; reaching this is a bug, not a scene error.
            tracing::error!("cue lists refused after validation ({e}); cues are off until the next reload");
            CueEngine::new(Vec::new()).unwrap_or_else(|_| unreachable!("no lists cannot fail"))
        });
        Self {
            engine,
            opacity: start_opacity(scene),
            cued: Cued::default(),
            writes: Vec::new(),
            refused: 0,
            operations: 0,
        }
    }

    /// The control state for a reloaded scene: layers keep their live opacity by name, lists keep
    /// their playhead where the cue still exists by name. Running fades end where they are.
    pub fn rebind(&self, old: &Scene, scene: &Scene) -> Self {
        let mut next = Self::new(scene);
        for (i, l) in scene.layers.iter().enumerate() {
            if let Some(j) = old.layers.iter().position(|o| o.name == l.name) {
                next.opacity[i] = self.opacity[j];
            }
        }
        for (li, list) in scene.cues.iter().enumerate() {
            let Some(oi) = self.engine.list_index(&list.name) else { continue };
            let Some(cue) = self.engine.playhead(oi).and_then(|c| self.engine.cue(oi, c)) else { continue };
            next.engine.set_playhead(li, &cue.name);
        }
        next.refused = self.refused;
        next.operations = self.operations;
        next
    }

    /// The layers' opacities now, by layer index (what the compositor draws with).
    pub fn opacity(&self) -> &[f32] {
        &self.opacity
    }

    /// What the sounds must do this tick.
    pub fn cued(&self) -> &Cued {
        &self.cued
    }

    pub fn engine(&self) -> &CueEngine {
        &self.engine
    }

    /// Applies `commands` (in time order), then advances the fades to `now` and writes them.
    pub fn step(&mut self, now: f64, commands: &mut Vec<Issued>, scene: &Scene, params: &mut ParamStore) {
        self.cued.clear();
        self.release_taken(params);
        for c in commands.drain(..) {
            self.apply(&c, now, scene, params);
            self.release_taken(params);
        }
        let (engine, opacity) = (&mut self.engine, &self.opacity);
        self.writes.clear();
        engine.step(
            now,
            |t| match t {
                Target::Param(p) => params.target(p),
                Target::Opacity(i) => opacity.get(i).copied().unwrap_or(0.0),
            },
            &mut self.writes,
        );
        for w in &self.writes {
            match w.param {
                Target::Param(p) => {
                    let _ = params.write_cue(p, w.value, w.active);
                }
                Target::Opacity(i) => {
                    if let Some(o) = self.opacity.get_mut(i) {
                        *o = w.value.clamp(0.0, 1.0);
                    }
                }
            }
        }
        for i in 0..self.engine.followed().len() {
            let f = self.engine.followed()[i].clone();
            self.operations += 1;
            self.started(&f, "a follow-on");
        }
    }

    /// Ends the fades of parameters another writer took over.
    fn release_taken(&mut self, params: &mut ParamStore) {
        for p in params.take_overs() {
            self.engine.release(Target::Param(p));
        }
    }

    fn apply(&mut self, c: &Issued, now: f64, scene: &Scene, params: &mut ParamStore) {
        let t = c.t.min(now);
        let list = |name: &Option<String>| -> Result<usize, CueError> {
            match name {
                Some(n) => self.engine.list_index(n).ok_or_else(|| CueError::NoListNamed(n.clone())),
                None => scene.default_list.ok_or(CueError::NoLists),
            }
        };
        let result: Result<(), CueError> = match &c.command {
            Command::Go(l) => list(l).and_then(|i| self.engine.go(i, t)).map(|f| self.started(&f, &c.by)),
            Command::Back(l) => list(l).and_then(|i| self.engine.back(i, t)).map(|f| self.started(&f, &c.by)),
            Command::Goto { list: l, cue } => {
                list(l).and_then(|i| self.engine.goto(i, cue, t)).map(|f| self.started(&f, &c.by))
            }
            Command::Stop(l) => {
                let lists: Result<Vec<usize>, CueError> = match l {
                    Some(_) => list(l).map(|i| vec![i]),
                    None => Ok((0..scene.cues.len()).collect()),
                };
                lists.and_then(|ls| {
                    for &i in &ls {
                        self.engine.stop(i, t)?;
                    }
                    let what = l.as_ref().map_or("every cue list".to_string(), |l| format!("cue list `{l}`"));
                    tracing::info!("stop {what}: fades hold where they are (from {}, at {t:.3} s)", c.by);
                    Ok(())
                })
            }
            Command::Panic => {
                let mut safe: Vec<(Target, f32)> =
                    scene.panic.set.iter().map(|&(p, v)| (Target::Param(p), v)).collect();
                safe.extend((0..scene.layers.len()).map(|i| (Target::Opacity(i), 0.0)));
                self.engine.panic(t, &safe, scene.panic.within);
                self.cued.panic = Some(scene.panic.within as f32);
                tracing::warn!(
                    "PANIC from {} at {t:.3} s: every layer fades out and every sound stops within {} s",
                    c.by,
                    scene.panic.within
                );
                Ok(())
            }
            Command::Reset => {
                self.engine.reset();
                self.opacity = start_opacity(scene);
                for (i, d) in scene.params.iter().enumerate() {
                    params.unhold(ParamId(i));
                    let _ = params.write(ParamId(i), d.default, super::Writer::Direct);
                }
                let _ = params.take_overs().count();
                tracing::info!(
                    "reset from {} at {t:.3} s: cue lists, layers and parameters are back at the start",
                    c.by
                );
                Ok(())
            }
            // Learn is the inputs' business (they see the controls move); see `input::learn`.
            Command::Learn(_) => return,
            Command::Set { param, value } => match params.id(param) {
                Some(id) if !(params.defs()[id.0].min..=params.defs()[id.0].max).contains(value) => {
                    self.refused += 1;
                    let d = &params.defs()[id.0];
                    tracing::warn!(
                        "`{}` from {}: {value} is outside `{param}`'s range {}..{}; nothing changed",
                        c.command,
                        c.by,
                        d.min,
                        d.max
                    );
                    return;
                }
                Some(id) => {
                    let _ = params.write(id, *value, super::Writer::Direct);
                    tracing::debug!("set {param} = {value} from {}", c.by);
                    Ok(())
                }
                None => {
                    self.refused += 1;
                    tracing::warn!("`{}` from {}: no parameter named `{param}`; nothing changed", c.command, c.by);
                    return;
                }
            },
        };
        match result {
            Ok(()) => self.operations += 1,
            Err(e) => {
                self.refused += 1;
                tracing::warn!("`{}` from {}: {e}; nothing changed", c.command, c.by);
            }
        }
    }

    /// A cue started: log it and hand its sounds to the audio.
    fn started(&mut self, f: &Fired, by: &str) {
        let Some(cue) = self.engine.cue(f.list, f.cue) else { return };
        let n = self.engine.len(f.list);
        let note = if cue.note.is_empty() { String::new() } else { format!(" — {}", cue.note) };
        tracing::info!(
            "cue {}/{} ({} of {n}) started by {by} at {:.3} s, fade {} s{note}",
            f.list_name,
            f.cue_name,
            f.cue + 1,
            f.at,
            cue.fade
        );
        self.cued.play.extend(cue.play.iter().cloned());
        self.cued.silence.extend(cue.silence.iter().cloned());
    }
}

/// Each layer's opacity at the start: its own, or 0 when it starts hidden.
fn start_opacity(scene: &Scene) -> Vec<f32> {
    scene.layers.iter().map(|l| if l.visible { l.opacity } else { 0.0 }).collect()
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::sync::Arc;

    use super::*;

    fn scene(text: &str) -> Scene {
        crate::scene::load_str(Path::new("c.toml"), text).unwrap_or_else(|e| panic!("{e}"))
    }

    fn go(t: f64, list: &str) -> Issued {
        Issued { t, by: Arc::from("test"), command: Command::Go(Some(list.into())) }
    }

    /// A hot reload keeps each list's playhead where its cue still exists by name, and each
    /// layer's live opacity by layer name; lists and layers that are new start fresh.
    #[test]
    fn a_reload_keeps_playheads_and_opacities_by_name() {
        let first = scene(
            "[params.a]\n[[layers]]\nname = \"wash\"\ncolor = \"#ffffff\"\nvisible = false\n\
             [[cues.pic]]\nname = \"1\"\nshow = [\"wash\"]\n[[cues.pic]]\nname = \"2\"\nset = { a = 1.0 }\n",
        );
        let mut params = ParamStore::new(&first.params);
        let mut c = Control::new(&first);
        c.step(0.0, &mut vec![go(0.0, "pic")], &first, &mut params);
        assert_eq!((c.engine().playhead(0), c.opacity()), (Some(0), &[1.0][..]));
        // The edit adds a cue before `1`, a layer below `wash`, and a new list.
        let second = scene(
            "[params.a]\n[[layers]]\nname = \"floor\"\ncolor = \"#000000\"\n\
             [[layers]]\nname = \"wash\"\ncolor = \"#ffffff\"\nvisible = false\n\
             [[cues.pic]]\nname = \"0\"\n[[cues.pic]]\nname = \"1\"\nshow = [\"wash\"]\n\
             [[cues.pic]]\nname = \"2\"\nset = { a = 1.0 }\n[[cues.sound]]\nname = \"1\"\n",
        );
        let mut c = c.rebind(&first, &second);
        assert_eq!(c.engine().playhead(0), Some(1), "still on cue `1`, now at index 1");
        assert_eq!(c.engine().playhead(1), None);
        assert_eq!(c.opacity(), &[1.0, 1.0], "`wash` stays shown; `floor` starts as the scene says");
        c.step(0.1, &mut vec![go(0.1, "pic")], &second, &mut params);
        assert_eq!(c.engine().playhead(0), Some(2), "GO goes on from where the list was");
        assert_eq!(params.value(crate::scene::ParamId(0)), 1.0);
    }
}
