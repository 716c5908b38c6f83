//! The show's control state: the cue engine, the layers' live opacities, and how each command
//! (from OSC, MIDI, keys, triggers, the console, the schedule) changes them. Runs on the render
//! thread inside the tick: commands are applied in time order, then the fades advance and write
//! into the parameter store (under its writer rule) and the layer opacities.

use std::sync::Arc;

use super::ParamStore;
use super::commands::{Command, Issued};
use super::cues::{CueEngine, CueError, Fired, Target, Write};
use crate::audio::show::Cued;
use crate::scene::Scene;

pub struct Control {
    engine: CueEngine,
    /// Each layer's opacity now, driven by cues (`opacity`, `show`, `hide`, panic).
    opacity: Vec<f32>,
    /// What the sounds must do this tick, from the cues that started.
    cued: Cued,
    /// The cues started by the last `step`, as (list, cue), in start order (for the scripts).
    started: Vec<(Arc<str>, Arc<str>)>,
    writes: Vec<Write>,
    /// Commands that could not be carried out (unknown list, GO past the end, ...).
    pub refused: u64,
    /// Cue operations carried out (GO, back, goto, stop, panic, reset, follow-ons).
    pub operations: u64,
    standby: Standby,
}

/// Whether the show is playing or closed (schedule, operator).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Standby {
    Awake,
    /// Fading out; asleep from `until` (show time).
    Closing {
        until: f64,
    },
    /// Black and silent: nothing is composited, no sound starts.
    Asleep,
}

/// The fade of `standby` with no `[schedule]` to give one (seconds).
pub const STANDBY_FADE: f64 = 3.0;

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
            started: Vec::new(),
            writes: Vec::new(),
            refused: 0,
            operations: 0,
            standby: Standby::Awake,
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
        next.standby = self.standby;
        next
    }

    pub fn standby(&self) -> Standby {
        self.standby
    }

    /// Puts `list`'s playhead on `cue` without starting it (a restored state); false when the
    /// scene no longer has that list or cue.
    pub fn restore_playhead(&mut self, list: &str, cue: &str) -> bool {
        let Some(li) = self.engine.list_index(list) else { return false };
        self.engine.set_playhead(li, cue);
        self.engine.playhead(li).and_then(|c| self.engine.cue(li, c)).is_some_and(|c| c.name == cue)
    }

    /// A layer's opacity from a restored state.
    pub fn restore_opacity(&mut self, layer: usize, opacity: f32) {
        if let Some(o) = self.opacity.get_mut(layer) {
            *o = opacity;
        }
    }

    /// Black and silent: the show composites nothing and may tick slowly.
    pub fn asleep(&self) -> bool {
        self.standby == Standby::Asleep
    }

    /// Start in standby (closed at start, or restored so): black at once, no fade.
    pub fn sleep_now(&mut self) {
        self.opacity.iter_mut().for_each(|o| *o = 0.0);
        self.engine.panic(0.0, &[], 0.0);
        self.standby = Standby::Asleep;
    }

    /// The layers' opacities now, by layer index (what the compositor draws with).
    pub fn opacity(&self) -> &[f32] {
        &self.opacity
    }

    /// What the sounds must do this tick.
    pub fn cued(&self) -> &Cued {
        &self.cued
    }

    /// The cues the last `step` started, as (list, cue), in start order.
    pub fn started_cues(&self) -> &[(Arc<str>, Arc<str>)] {
        &self.started
    }

    pub fn engine(&self) -> &CueEngine {
        &self.engine
    }

    /// Applies `commands` (in time order), then advances the fades to `now` and writes them.
    pub fn step(&mut self, now: f64, commands: &mut Vec<Issued>, scene: &Scene, params: &mut ParamStore) {
        self.cued.clear();
        self.started.clear();
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
        if let Standby::Closing { until } = self.standby
            && now >= until
        {
            self.standby = Standby::Asleep;
            tracing::info!(
                "standby at {now:.3} s: black and silent; `wake` (or the schedule's opening) starts the show"
            );
        }
        self.cued.silent = self.standby != Standby::Awake;
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
        if self.standby != Standby::Awake
            && matches!(c.command, Command::Go(_) | Command::Back(_) | Command::Goto { .. })
        {
            self.refused += 1;
            tracing::warn!("`{}` from {}: the show is in standby; send `wake` first. Nothing changed", c.command, c.by);
            return;
        }
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
                self.reset(scene, params, false);
                tracing::info!(
                    "reset from {} at {t:.3} s: cue lists, layers and parameters are back at the start",
                    c.by
                );
                Ok(())
            }
            Command::Standby(fade) => {
                if self.standby != Standby::Awake {
                    tracing::info!("standby from {}: already in standby", c.by);
                    return;
                }
                let fade =
                    fade.map(f64::from).unwrap_or_else(|| scene.schedule.as_ref().map_or(STANDBY_FADE, |s| s.fade));
                let dark: Vec<(Target, f32)> = (0..scene.layers.len()).map(|i| (Target::Opacity(i), 0.0)).collect();
                self.engine.panic(t, &dark, fade);
                self.cued.panic = Some(fade as f32);
                self.standby = Standby::Closing { until: t + fade };
                tracing::info!("standby from {} at {t:.3} s: fading out over {fade} s, then black and silent", c.by);
                Ok(())
            }
            Command::Wake => {
                if self.standby == Standby::Awake {
                    tracing::info!("wake from {}: the show is not in standby; nothing changed", c.by);
                    return;
                }
                self.reset(scene, params, true);
                self.standby = Standby::Awake;
                self.cued.wake = true;
                tracing::info!("wake from {} at {t:.3} s: the show starts again from the top", c.by);
                let opening = scene.schedule.as_ref().map(|s| s.opening.clone()).unwrap_or_default();
                for command in opening {
                    self.apply(&Issued { t, by: c.by.clone(), command }, now, scene, params);
                }
                Ok(())
            }
            // Learn is the inputs' business (they see the controls move); see `input::learn`.
            Command::Learn(_) => return,
            // Scripts take their calls before the cues run (`script::ScriptHost::tick`): one that
            // reaches here found no script to run it.
            Command::Call(_) => {
                self.refused += 1;
                tracing::warn!(
                    "`{}` from {}: the scene has no scripts (name them with `scripts = [...]`); nothing changed",
                    c.command,
                    c.by
                );
                return;
            }
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
                    let written = params.write(id, *value, super::Writer::Direct);
                    // A fade started this tick has not held the parameter yet: a set that
                    // outranks cues ends it here, as it would a held one.
                    let p = params.priorities();
                    if p.direct >= p.cue && matches!(written, Ok(super::Written::Applied | super::Written::TookOver)) {
                        self.engine.release(Target::Param(id));
                    }
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

    /// Back to the scene's start: playheads, layer opacities, parameters (`keep_live`: but the
    /// values set directly stay, see `ParamStore::restart`).
    fn reset(&mut self, scene: &Scene, params: &mut ParamStore, keep_live: bool) {
        self.engine.reset();
        self.opacity = start_opacity(scene);
        params.restart(keep_live);
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
        self.started.push((f.list_name.clone(), f.cue_name.clone()));
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

    fn cmd(t: f64, text: &str) -> Issued {
        Issued { t, by: Arc::from("test"), command: crate::show::commands::parse(text).expect("command") }
    }

    /// A direct set in the same tick as the GO whose cue fades that parameter wins: it outranks
    /// the cue, as it would once the fade held the parameter.
    #[test]
    fn a_set_right_after_a_go_outranks_the_cue() {
        let s = scene("[params.a]\n[[cues.main]]\nname = \"1\"\nfade = 10\nset = { a = 1.0 }\n");
        let mut params = ParamStore::new(&s.params);
        let mut c = Control::new(&s);
        c.step(0.0, &mut vec![cmd(0.0, "go"), cmd(0.0, "set a 0.25")], &s, &mut params);
        c.step(5.0, &mut vec![], &s, &mut params);
        assert_eq!(params.target(crate::scene::ParamId(0)), 0.25);
        assert_eq!(params.last_writer(crate::scene::ParamId(0)), Some(crate::show::Writer::Direct));
    }

    /// `standby` fades the layers out and then sleeps; cue operations are refused while asleep;
    /// `wake` starts again from the top, keeps what was set live, and runs the opening commands.
    #[test]
    fn standby_then_wake_runs_the_opening() {
        let s = scene(
            "[params.a]\n[params.b]\n[[layers]]\nname = \"wash\"\ncolor = \"#ffffff\"\n\
             [[cues.main]]\nname = \"1\"\nset = { a = 1.0 }\n[[cues.main]]\nname = \"2\"\n\
             [schedule]\ntimezone = \"UTC\"\nhours = { daily = \"10:00-18:00\" }\nopening = \"goto main/2\"\nfade = 2\n",
        );
        let mut params = ParamStore::new(&s.params);
        let mut c = Control::new(&s);
        c.step(0.0, &mut vec![cmd(0.0, "go"), cmd(0.0, "set b 0.5")], &s, &mut params);
        c.step(1.0, &mut vec![cmd(1.0, "standby")], &s, &mut params);
        assert_eq!(c.standby(), Standby::Closing { until: 3.0 });
        c.step(2.0, &mut vec![], &s, &mut params);
        assert!((c.opacity()[0] - 0.5).abs() < 1e-6, "half way out: {:?}", c.opacity());
        assert!(c.cued().silent, "no sound starts while closing");
        c.step(3.0, &mut vec![cmd(3.0, "go")], &s, &mut params);
        assert!(c.asleep());
        assert_eq!((c.refused, c.opacity()[0]), (1, 0.0), "GO refused in standby");
        c.step(4.0, &mut vec![cmd(4.0, "wake")], &s, &mut params);
        assert_eq!(c.standby(), Standby::Awake);
        assert_eq!(c.engine().playhead(0), Some(1), "the opening's goto main/2");
        assert_eq!(c.opacity()[0], 1.0);
        let (a, b) = (crate::scene::ParamId(0), crate::scene::ParamId(1));
        assert_eq!((params.target(a), params.target(b)), (0.0, 0.5), "cue values reset, live ones kept");
        assert!(c.cued().wake, "the sounds that start with the scene start again");
    }
}
