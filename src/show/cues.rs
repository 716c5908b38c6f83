//! Cue lists: the playheads, GO/back/goto/stop/panic, follow-ons and the fades that cues start.
//! Runs on the show (render) thread, stepped once per tick by the show loop with the show time; it
//! never reads a clock itself, so a live run and an offline render (`t = frame / fps`) fire the same
//! cues at the same times and write the same values.
//!
//! Rules the engine keeps:
//! - A list has one playhead: the last cue it started. Starting any cue in a list (GO, back, goto or
//!   a follow-on) replaces that list's pending follow-on with the new cue's own.
//! - One fade drives a parameter at a time. A fade that starts takes over from the value the
//!   parameter's running fade (in any list) has at the new fade's start time, so nothing jumps; with
//!   no running fade it starts from `current(param)` as read by the next `step`. Between lists the
//!   most recently started fade therefore wins; the caller's writer priorities come on top.
//! - Follow-ons start at their exact due time, not at the tick that notices them.
//! - Fades drive [`Target`]s: parameters and layer opacities alike. Sounds are started and
//!   stopped by the show, from the cues reported as [`Fired`].

use std::fmt;
use std::sync::Arc;

use crate::scene::ParamId;

/// What a fade drives: a scene parameter, or a layer's opacity (by layer index).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Target {
    Param(ParamId),
    Opacity(usize),
}

/// The shape of a fade over its normalised time `0..=1`. The eased shapes are cubic. Written in
/// a cue as `easing = "ease-in-out"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Easing {
    #[default]
    Linear,
    EaseIn,
    EaseOut,
    EaseInOut,
    /// Holds the start value and jumps to the target when the fade ends.
    Step,
}

impl Easing {
    /// The eased progress at `x`, clamped to `0..=1`; exactly 0 at 0 and exactly 1 at 1, so a fade
    /// always lands on its target value bit for bit.
    pub fn apply(self, x: f64) -> f64 {
        if x.is_nan() || x <= 0.0 {
            return 0.0;
        }
        if x >= 1.0 {
            return 1.0;
        }
        match self {
            Easing::Linear => x,
            Easing::EaseIn => x * x * x,
            Easing::EaseOut => {
                let u = 1.0 - x;
                1.0 - u * u * u
            }
            Easing::EaseInOut if x < 0.5 => 4.0 * x * x * x,
            Easing::EaseInOut => {
                let u = 2.0 - 2.0 * x;
                1.0 - u * u * u / 2.0
            }
            Easing::Step => 0.0,
        }
    }
}

/// What happens after a cue has started (QLab's continue modes, plus a jump).
#[derive(Debug, Clone, PartialEq)]
pub enum Follow {
    /// Wait for the next GO.
    Wait,
    /// Start the next cue when this cue's fade ends. Nothing follows the last cue.
    AutoFollow,
    /// Start the next cue this many seconds after this cue's GO. Nothing follows the last cue.
    AutoContinue(f64),
    /// Start the named cue of the same list when this cue's fade ends.
    Jump(String),
    /// Start the named cue of the same list this many seconds after this cue's GO.
    JumpAfter(String, f64),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Cue {
    pub name: String,
    /// Parameters and layer opacities, and the values the cue fades them to.
    pub targets: Vec<(Target, f32)>,
    /// Fade time in seconds; 0 sets the targets on the next step.
    pub fade: f64,
    pub easing: Easing,
    pub follow: Follow,
    /// Sounds and synths the cue starts and stops as it starts (the show's audio plays them; the
    /// engine only carries the names), and a note for the operator's log.
    pub play: Vec<String>,
    pub silence: Vec<String>,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CueList {
    pub name: String,
    pub cues: Vec<Cue>,
}

/// One parameter value from a running fade. `active` is false on the fade's last write (its end,
/// or where `stop`/`panic` froze it), so the caller can hand the parameter back to other writers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Write {
    pub param: Target,
    pub value: f32,
    /// The list whose cue drives it, or [`CueEngine::PANIC_LIST`].
    pub list: usize,
    pub active: bool,
}

/// A cue that started, for the log. Names are shared, so reporting a follow-on in `step` does not
/// allocate.
#[derive(Debug, Clone, PartialEq)]
pub struct Fired {
    pub list: usize,
    pub list_name: Arc<str>,
    pub cue: usize,
    pub cue_name: Arc<str>,
    /// Show time the cue started at: the operation's `t`, or a follow-on's exact due time.
    pub at: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub enum CueError {
    UnknownJump {
        list: String,
        cue: String,
        target: String,
    },
    DuplicateName {
        list: String,
        cue: String,
        first: usize,
        second: usize,
    },
    /// Follow-ons that would start each other forever within one tick.
    ZeroTimeLoop {
        list: String,
        cues: Vec<String>,
    },
    BadNumber {
        list: String,
        cue: String,
        what: &'static str,
        value: f64,
    },
    NoList(usize),
    NoListNamed(String),
    /// A command for the default list in a scene without cue lists.
    NoLists,
    NoCue {
        list: String,
        cue: String,
    },
    EndOfList {
        list: String,
    },
    NoPrevious {
        list: String,
    },
    /// Every problem validation found, when there was more than one.
    Several(Vec<CueError>),
}

impl fmt::Display for CueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CueError::UnknownJump { list, cue, target } => {
                write!(f, "cue list `{list}`, cue `{cue}`: jumps to `{target}`, which is not a cue in this list")
            }
            CueError::DuplicateName { list, cue, first, second } => {
                write!(f, "cue list `{list}`: cues {first} and {second} are both named `{cue}`")
            }
            CueError::ZeroTimeLoop { list, cues } => write!(
                f,
                "cue list `{list}`: cues `{}` follow each other with no fade or delay time (give one a time)",
                cues.join("` → `")
            ),
            CueError::BadNumber { list, cue, what, value } => {
                write!(f, "cue list `{list}`, cue `{cue}`: {what} {value} is not a finite, non-negative number")
            }
            CueError::NoList(i) => write!(f, "no cue list number {i}"),
            CueError::NoListNamed(l) => write!(f, "no cue list named `{l}`"),
            CueError::NoLists => write!(f, "the scene has no cue lists"),
            CueError::NoCue { list, cue } => write!(f, "cue list `{list}`: no cue named `{cue}`"),
            CueError::EndOfList { list } => write!(f, "cue list `{list}`: GO after the last cue"),
            CueError::NoPrevious { list } => write!(f, "cue list `{list}`: no cue before the current one"),
            CueError::Several(all) => {
                for (i, e) in all.iter().enumerate() {
                    if i > 0 {
                        f.write_str("; ")?;
                    }
                    write!(f, "{e}")?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for CueError {}

/// Where a fade starts, as `of_current * current(param) + plus`: a fade started by an operation
/// does not know the parameter's value until the next `step`, and one that takes over such a fade
/// inherits the unknown part. `of_current == 0` means the start value is known: `plus`.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Origin {
    of_current: f64,
    plus: f64,
}

impl Origin {
    const CURRENT: Origin = Origin { of_current: 1.0, plus: 0.0 };

    /// The value `w` of the way from here to `to`; exact at 0 and 1.
    fn toward(self, to: f64, w: f64) -> Origin {
        Origin { of_current: self.of_current * (1.0 - w), plus: self.plus * (1.0 - w) + to * w }
    }
}

#[derive(Debug, Clone, Copy)]
struct Fade {
    param: Target,
    list: usize,
    from: Origin,
    to: f64,
    start: f64,
    duration: f64,
    easing: Easing,
    /// Frozen by `stop`/`panic` at `from`: written once more, inactive, then dropped.
    held: bool,
}

impl Fade {
    fn ended(&self, t: f64) -> bool {
        self.held || self.duration <= 0.0 || (t - self.start) / self.duration >= 1.0
    }

    fn progress(&self, t: f64) -> f64 {
        match (self.held, self.duration > 0.0) {
            (true, _) => 0.0,
            (false, false) => 1.0,
            (false, true) => self.easing.apply((t - self.start) / self.duration),
        }
    }

    fn origin_at(&self, t: f64) -> Origin {
        self.from.toward(self.to, self.progress(t))
    }
}

/// A compiled follow: which cue comes next and how long after this cue's GO.
#[derive(Debug, Clone, Copy)]
struct FollowOn {
    cue: usize,
    after: f64,
}

#[derive(Debug, Clone, Copy)]
struct Pending {
    cue: usize,
    due: f64,
}

#[derive(Debug, Clone)]
struct ListState {
    name: Arc<str>,
    cues: Vec<Cue>,
    cue_names: Vec<Arc<str>>,
    follow_on: Vec<Option<FollowOn>>,
    playhead: Option<usize>,
    pending: Option<Pending>,
}

impl ListState {
    /// Resolves follows and checks the list, adding every problem found to `problems`.
    fn compile(list: CueList, problems: &mut Vec<CueError>) -> ListState {
        let name = list.name;
        for (i, cue) in list.cues.iter().enumerate() {
            check_numbers(&name, cue, problems);
            if let Some(first) = list.cues[..i].iter().position(|c| c.name == cue.name) {
                problems.push(CueError::DuplicateName { list: name.clone(), cue: cue.name.clone(), first, second: i });
            }
        }
        let follow_on: Vec<Option<FollowOn>> =
            list.cues.iter().enumerate().map(|(i, cue)| resolve_follow(&name, &list.cues, i, cue, problems)).collect();
        for cycle in zero_time_loops(&follow_on) {
            let cues = cycle.iter().map(|&i| list.cues[i].name.clone()).collect();
            problems.push(CueError::ZeroTimeLoop { list: name.clone(), cues });
        }
        let cue_names = list.cues.iter().map(|c| Arc::from(c.name.as_str())).collect();
        ListState { name: Arc::from(name), cues: list.cues, cue_names, follow_on, playhead: None, pending: None }
    }
}

fn check_numbers(list: &str, cue: &Cue, problems: &mut Vec<CueError>) {
    let mut check = |what, value: f64| {
        if !value.is_finite() || value < 0.0 {
            problems.push(CueError::BadNumber { list: list.into(), cue: cue.name.clone(), what, value });
        }
    };
    check("fade time", cue.fade);
    if let Follow::AutoContinue(delay) | Follow::JumpAfter(_, delay) = cue.follow {
        check("auto-continue delay", delay);
    }
    for &(_, value) in &cue.targets {
        if !value.is_finite() {
            check("target value", f64::from(value));
        }
    }
}

fn resolve_follow(list: &str, cues: &[Cue], i: usize, cue: &Cue, problems: &mut Vec<CueError>) -> Option<FollowOn> {
    let next = (i + 1 < cues.len()).then_some(i + 1);
    match &cue.follow {
        Follow::Wait => None,
        Follow::AutoFollow => next.map(|cue_index| FollowOn { cue: cue_index, after: cue.fade }),
        Follow::AutoContinue(delay) => next.map(|cue_index| FollowOn { cue: cue_index, after: *delay }),
        Follow::Jump(target) | Follow::JumpAfter(target, _) => match cues.iter().position(|c| &c.name == target) {
            Some(cue_index) => {
                let after = if let Follow::JumpAfter(_, delay) = cue.follow { delay } else { cue.fade };
                Some(FollowOn { cue: cue_index, after })
            }
            None => {
                let (list, cue, target) = (list.into(), cue.name.clone(), target.clone());
                problems.push(CueError::UnknownJump { list, cue, target });
                None
            }
        },
    }
}

/// Cycles of follow-ons whose fade and delay times are all zero (or negative, already reported),
/// each as the cue indices in follow order. Each cue has at most one follow-on, so a walk from
/// every unvisited cue finds every cycle once.
fn zero_time_loops(follow_on: &[Option<FollowOn>]) -> Vec<Vec<usize>> {
    const NEW: u8 = 0;
    const ON_PATH: u8 = 1;
    let mut state = vec![NEW; follow_on.len()];
    let mut loops = Vec::new();
    let mut path = Vec::new();
    for start in 0..follow_on.len() {
        path.clear();
        let mut at = Some(start);
        while let Some(i) = at.filter(|&i| state[i] == NEW) {
            state[i] = ON_PATH;
            path.push(i);
            at = follow_on[i].map(|f| f.cue);
        }
        if let Some(i) = at.filter(|&i| state[i] == ON_PATH)
            && let Some(pos) = path.iter().position(|&p| p == i)
        {
            let cycle = &path[pos..];
            if cycle.iter().all(|&c| follow_on[c].is_some_and(|f| f.after <= 0.0)) {
                loops.push(cycle.to_vec());
            }
        }
        for &p in &path {
            state[p] = 2;
        }
    }
    loops
}

/// The cue lists of a show and the fades their cues run. See the module doc for the rules.
#[derive(Debug, Clone)]
pub struct CueEngine {
    lists: Vec<ListState>,
    /// At most one per parameter, in start order (so writes come out in a fixed order).
    fades: Vec<Fade>,
    followed: Vec<Fired>,
    followed_dropped: u64,
}

impl CueEngine {
    /// `Write::list` of the fades `panic` starts.
    pub const PANIC_LIST: usize = usize::MAX;

    /// Validates every list, reporting every problem found (as `CueError::Several` when more than one).
    pub fn new(lists: Vec<CueList>) -> Result<CueEngine, CueError> {
        let mut problems = Vec::new();
        let lists: Vec<ListState> = lists.into_iter().map(|l| ListState::compile(l, &mut problems)).collect();
        match problems.len() {
            0 => {}
            1 => return Err(problems.remove(0)),
            _ => return Err(CueError::Several(problems)),
        }
        // One fade per parameter, so the total target count bounds `fades` and `step` never grows it.
        let targets = lists.iter().flat_map(|l| &l.cues).map(|c| c.targets.len()).sum();
        let cues = lists.iter().map(|l| l.cues.len()).sum::<usize>();
        Ok(CueEngine {
            lists,
            fades: Vec::with_capacity(targets),
            followed: Vec::with_capacity(cues.max(16)),
            followed_dropped: 0,
        })
    }

    pub fn list_index(&self, name: &str) -> Option<usize> {
        self.lists.iter().position(|l| &*l.name == name)
    }

    /// How many lists there are, and each one's name.
    pub fn list_names(&self) -> impl Iterator<Item = &str> {
        self.lists.iter().map(|l| &*l.name)
    }

    /// Where each running fade is going: what a restart must come back to.
    pub fn fade_ends(&self) -> impl Iterator<Item = (Target, f32)> + '_ {
        self.fades.iter().filter(|f| !f.held).map(|f| (f.param, f.to as f32))
    }

    /// How far (0..1) the list's longest running fade is at `t`, if one runs.
    pub fn fade_progress(&self, list: usize, t: f64) -> Option<f64> {
        self.fades
            .iter()
            .filter(|f| f.list == list && !f.held && f.duration > 0.0 && !f.ended(t))
            .map(|f| ((t - f.start) / f.duration).clamp(0.0, 1.0))
            .reduce(f64::min)
    }

    /// The last cue the list started, if any.
    pub fn playhead(&self, list: usize) -> Option<usize> {
        self.lists.get(list).and_then(|l| l.playhead)
    }

    /// Starts the cue after the playhead, or the first cue if the list has not started one.
    pub fn go(&mut self, list: usize, t: f64) -> Result<Fired, CueError> {
        let state = self.list(list)?;
        let next = state.playhead.map_or(0, |p| p + 1);
        if next >= state.cues.len() {
            return Err(CueError::EndOfList { list: state.name.to_string() });
        }
        Ok(self.start_cue(list, next, t))
    }

    /// Starts the cue before the playhead, fading from where its parameters are now.
    pub fn back(&mut self, list: usize, t: f64) -> Result<Fired, CueError> {
        let state = self.list(list)?;
        match state.playhead {
            Some(p) if p > 0 => Ok(self.start_cue(list, p - 1, t)),
            _ => Err(CueError::NoPrevious { list: state.name.to_string() }),
        }
    }

    pub fn goto(&mut self, list: usize, cue: &str, t: f64) -> Result<Fired, CueError> {
        let state = self.list(list)?;
        match state.cues.iter().position(|c| c.name == cue) {
            Some(i) => Ok(self.start_cue(list, i, t)),
            None => Err(CueError::NoCue { list: state.name.to_string(), cue: cue.into() }),
        }
    }

    /// Freezes the list's fades at their values at `t` and cancels its pending follow-on; the next
    /// step writes each frozen value once more, inactive. The playhead stays, so GO goes on from it.
    pub fn stop(&mut self, list: usize, t: f64) -> Result<(), CueError> {
        self.list(list)?;
        self.lists[list].pending = None;
        self.freeze(t, |f| f.list == list);
        Ok(())
    }

    /// Stops every list and fades each `safe` parameter linearly to its value in `within` seconds
    /// (a negative or non-finite `within` means at once). Non-finite safe values are skipped: a
    /// panic must not fail.
    pub fn panic(&mut self, t: f64, safe: &[(Target, f32)], within: f64) {
        for state in &mut self.lists {
            state.pending = None;
        }
        self.freeze(t, |_| true);
        let duration = if within.is_finite() && within > 0.0 { within } else { 0.0 };
        self.fades.reserve(safe.len());
        for &(param, value) in safe.iter().filter(|(_, v)| v.is_finite()) {
            let fade = Fade {
                param,
                list: Self::PANIC_LIST,
                from: Origin::CURRENT,
                to: f64::from(value),
                start: t,
                duration,
                easing: Easing::Linear,
                held: false,
            };
            start_param_fade(&mut self.fades, fade);
        }
    }

    /// Starts the follow-ons due at or before `t` (each at its due time, in time order), then
    /// pushes one write per fade. Reads `current` only for fades not yet started from a known value.
    /// Allocates nothing beyond what `out` needs.
    pub fn step(&mut self, t: f64, current: impl Fn(Target) -> f32, out: &mut Vec<Write>) {
        self.followed.clear();
        while let Some((list, pending)) = self.next_due(t) {
            let fired = self.start_cue(list, pending.cue, pending.due);
            if self.followed.len() < self.followed.capacity() {
                self.followed.push(fired);
            } else {
                self.followed_dropped += 1;
            }
        }
        for fade in &mut self.fades {
            if fade.from.of_current != 0.0 {
                let known = fade.from.of_current * f64::from(current(fade.param)) + fade.from.plus;
                fade.from = Origin { of_current: 0.0, plus: known };
            }
            let value = fade.from.toward(fade.to, fade.progress(t)).plus as f32;
            out.push(Write { param: fade.param, value, list: fade.list, active: !fade.ended(t) });
        }
        self.fades.retain(|f| !f.ended(t));
    }

    /// Ends the fade that drives `target`, if any, without a last write: another writer took the
    /// target over (see the parameter store's writer priorities).
    pub fn release(&mut self, target: Target) {
        self.fades.retain(|f| f.param != target);
    }

    /// Back to the start: no playheads, no pending follow-ons, no fades.
    pub fn reset(&mut self) {
        for state in &mut self.lists {
            state.playhead = None;
            state.pending = None;
        }
        self.fades.clear();
    }

    /// Puts the playhead of `list` on the cue named `cue` without starting it (a reload keeps
    /// where each list was). Unknown names change nothing.
    pub fn set_playhead(&mut self, list: usize, cue: &str) {
        if let Some(state) = self.lists.get_mut(list)
            && let Some(i) = state.cues.iter().position(|c| c.name == cue)
        {
            state.playhead = Some(i);
        }
    }

    /// The cue at `cue` of list `list`.
    pub fn cue(&self, list: usize, cue: usize) -> Option<&Cue> {
        self.lists.get(list).and_then(|l| l.cues.get(cue))
    }

    /// How many cues list `list` has.
    pub fn len(&self, list: usize) -> usize {
        self.lists.get(list).map_or(0, |l| l.cues.len())
    }

    /// The follow-ons the last `step` started, in start order.
    pub fn followed(&self) -> &[Fired] {
        &self.followed
    }

    /// Follow-ons started but left out of `followed` because a step fired more than it holds.
    pub fn followed_dropped(&self) -> u64 {
        self.followed_dropped
    }

    fn list(&self, list: usize) -> Result<&ListState, CueError> {
        self.lists.get(list).ok_or(CueError::NoList(list))
    }

    /// The earliest pending follow-on due at or before `t`; ties go to the lower list index.
    fn next_due(&self, t: f64) -> Option<(usize, Pending)> {
        let due = self.lists.iter().enumerate().filter_map(|(i, l)| l.pending.filter(|p| p.due <= t).map(|p| (i, p)));
        due.fold(None, |best: Option<(usize, Pending)>, (i, p)| match best {
            Some((_, b)) if b.due <= p.due => best,
            _ => Some((i, p)),
        })
    }

    fn start_cue(&mut self, list: usize, cue: usize, at: f64) -> Fired {
        let state = &mut self.lists[list];
        state.playhead = Some(cue);
        state.pending = state.follow_on[cue].map(|f| Pending { cue: f.cue, due: at + f.after });
        let c = &state.cues[cue];
        for &(param, value) in &c.targets {
            let fade = Fade {
                param,
                list,
                from: Origin::CURRENT,
                to: f64::from(value),
                start: at,
                duration: c.fade,
                easing: c.easing,
                held: false,
            };
            start_param_fade(&mut self.fades, fade);
        }
        Fired { list, list_name: state.name.clone(), cue, cue_name: state.cue_names[cue].clone(), at }
    }

    fn freeze(&mut self, t: f64, which: impl Fn(&Fade) -> bool) {
        for fade in self.fades.iter_mut().filter(|f| which(f)) {
            fade.from = fade.origin_at(t);
            fade.held = true;
        }
    }
}

/// Adds `fade`, taking over from the fade that drives the same parameter, if any, at `fade.start`.
fn start_param_fade(fades: &mut Vec<Fade>, mut fade: Fade) {
    if let Some(pos) = fades.iter().position(|f| f.param == fade.param) {
        fade.from = fades[pos].origin_at(fade.start);
        fades.remove(pos);
    }
    fades.push(fade);
}

#[cfg(test)]
#[path = "cues_tests.rs"]
mod tests;
