//! Scene scripting (scenes/README.md, "Scripts"): logic an artist writes in Rhai, run by the show
//! at tick boundaries. A scene names its scripts (`scripts = ["logic.rhai"]`, includes may add
//! theirs); each is compiled when the scene loads (syntax errors are scene errors at the `.rhai`
//! file's line:col) and run by a [`ScriptHost`] on the render thread:
//!
//! - What the show calls, when the script defines it: `fn load()` once when the script starts,
//!   `fn NAME()` for a `call NAME` command, `fn on_trigger(name)` when a trigger fires, the
//!   handlers `on_input(SELECTOR, "fn")` registered for matching input events, `fn tick(t, dt)`
//!   every tick, and `fn on_cue(list, cue)` after a cue starts. All get the script's own state
//!   as `this` (an object map kept across ticks, and across saves while `STATE_VERSION` stays).
//! - What a script can do: `param("name")` reads a parameter, `set("name", value)` writes one (as a
//!   mapping does: a running cue fade holds it), `input("desk:/distance")` reads an input value as
//!   a mapping's `from` would, `trigger("door")` fires a scene trigger, `command("go picture")`
//!   sends a command (`go`, `back`, `goto`, `stop`, `panic`, `standby`, `wake`, `set`, `call`, ...),
//!   `log(text)` (at most 5 lines a second per script), `rand()` (0..1, seeded from the scene or
//!   `--seed`: the same frames offline every run).
//! - `fn build()` runs when the scene loads and adds scene entries (see [`build`]).
//! - What it cannot: no modules (`import`), no `eval`, no files, network, process or clock (the
//!   engine has none of them: `no_module`, `no_time`, nothing registered). Each call is limited in
//!   operations, call depth, string, array and map sizes, and time (5 ms a call, 10 ms for all the
//!   calls of a tick); a call over its budget is stopped for that tick and reported, and a
//!   function that fails is disabled until the next good save. The show goes on either way.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rhai::{AST, CallFnOptions, Dynamic, Engine, EvalAltResult, Map, Position, Scope};

use crate::scene::diag::Diagnostic;
use crate::scene::source::SourceText;
use crate::scene::{Input, Scene, Selector};
use crate::show::commands::{self, Command, Issued};
use crate::show::{ParamStore, Writer};

/// Operations one call may take (a loop of a million additions is about 3 million).
pub const MAX_OPERATIONS: u64 = 200_000;
/// Nested calls (runaway recursion is stopped here).
pub const MAX_CALL_LEVELS: usize = 48;
/// Characters in a string, items in an array or a map.
pub const MAX_STRING: usize = 64 * 1024;
pub const MAX_ARRAY: usize = 16 * 1024;
/// Time one call may take before it is stopped (a 60 fps frame is 16.7 ms).
pub const MAX_CALL_TIME: Duration = Duration::from_millis(5);
/// Time all the scripts' calls of one tick may take together; calls due after it are left out
/// for that tick (and said so).
pub const MAX_TICK_TIME: Duration = Duration::from_millis(10);
/// Different run-time problems (unknown names, bad commands) reported per script, each once.
const MAX_PROBLEMS: usize = 32;
/// Log lines a script may write per second.
const LOG_PER_SECOND: u32 = 5;

/// A compiled script of the scene.
#[derive(Debug, Clone)]
pub struct Script {
    /// The `.rhai` file.
    pub path: PathBuf,
    pub ast: Arc<AST>,
}

impl Script {
    /// Whether the script defines `fn name(...)` with `params` arguments.
    pub fn defines(&self, name: &str, params: usize) -> bool {
        defines(&self.ast, name, params)
    }

    /// The names of the script's functions that take `params` arguments.
    pub fn functions(&self, params: usize) -> Vec<String> {
        self.ast.iter_functions().filter(|f| f.params.len() == params).map(|f| f.name.to_string()).collect()
    }

    /// The functions a `call` command can run: no arguments, not private, not the ones the show
    /// calls itself (`load`, `build`).
    pub fn callable(&self) -> impl Iterator<Item = &str> {
        self.ast
            .iter_functions()
            .filter(|f| f.params.is_empty() && f.access != rhai::FnAccess::Private)
            .map(|f| f.name)
            .filter(|n| !matches!(*n, "load" | "build"))
    }

    /// The script's `const STATE_VERSION = N;`, if it declares one: its state survives a save
    /// while the number stays the same.
    pub fn state_version(&self) -> Option<i64> {
        self.ast
            .iter_literal_variables(true, true)
            .find(|(n, ..)| *n == "STATE_VERSION")
            .and_then(|(.., v)| v.as_int().ok())
    }
}

/// An input value the scene's scripts read (`input("desk:/distance")`) or handle
/// (`on_input("desk:/distance", "visitor")`): written as a mapping's `from`, and read from the
/// events exactly as a mapping reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct Watch {
    /// As the script writes it.
    pub text: String,
    /// Index into `Scene::inputs`.
    pub input: usize,
    pub selector: Selector,
}

/// What the show's inputs saw of the watched values this tick.
#[derive(Debug, Clone, Copy, Default)]
pub struct Watched<'a> {
    /// The latest value of each watch (`None`: no event yet).
    pub values: &'a [Option<f64>],
    /// This tick's values in event order: (watch, event time, value).
    pub hits: &'a [(usize, f64, f64)],
}

impl PartialEq for Script {
    fn eq(&self, other: &Self) -> bool {
        self.path == other.path && Arc::ptr_eq(&self.ast, &other.ast)
    }
}

/// What a running call may touch: filled before each call, read after it.
#[derive(Default)]
struct Call {
    /// Parameter names and values now (by index).
    names: Arc<HashMap<String, usize>>,
    values: Vec<f32>,
    ranges: Vec<(f32, f32)>,
    writes: Vec<(usize, f32)>,
    commands: Vec<Command>,
    /// Problems met during the call (unknown names...), with where in the script.
    problems: Vec<(Position, String)>,
    logs: Vec<(Position, String)>,
    rng: u64,
    /// Watched input values by selector text, and their latest values (`None`: no event yet).
    watch_names: HashMap<String, usize>,
    watch_values: Vec<Option<f64>>,
    /// The scene's inputs, to read a selector the script computes.
    inputs: Arc<Vec<Input>>,
    /// Selectors met for the first time, for the show to watch from now on.
    requests: Vec<Watch>,
    /// `on_input` registrations made in this call: (where, selector, function).
    handlers: Vec<(Position, String, String)>,
    /// The scene's triggers, and the ones fired by `trigger("name")` in this call.
    trigger_names: Arc<Vec<String>>,
    fired: Vec<String>,
}

impl Call {
    /// A selector no watch reads yet: asked for (its values come from the next event on), or a
    /// problem with the script's line. Whether it is (or will be) watched.
    fn ask(&mut self, pos: Position, function: &str, text: &str) -> bool {
        if self.requests.iter().any(|w| w.text == text) {
            return true;
        }
        match crate::scene::validate::parse_selector(text, &self.inputs) {
            Ok((input, selector)) => {
                self.requests.push(Watch { text: text.to_string(), input, selector });
                true
            }
            Err(Some((message, hint))) => {
                self.problems.push((pos, format!("{function}(\"{text}\"): {message} ({hint})")));
                false
            }
            Err(None) => false,
        }
    }
}

/// When the running call must stop, as nanoseconds after `base` (0: no call running). Checked
/// every 1024 operations without a lock.
struct Deadline {
    base: Instant,
    at: std::sync::atomic::AtomicU64,
}

impl Deadline {
    fn set(&self, d: Option<Instant>) {
        let n = d.map_or(0, |d| d.duration_since(self.base).as_nanos() as u64);
        self.at.store(n, std::sync::atomic::Ordering::Relaxed);
    }

    fn passed(&self) -> bool {
        let at = self.at.load(std::sync::atomic::Ordering::Relaxed);
        at != 0 && self.base.elapsed().as_nanos() as u64 > at
    }
}

/// The engine every script runs in: no modules, no `eval`, limits, and quai's functions.
fn engine(call: Arc<Mutex<Call>>, deadline: Arc<Deadline>) -> Engine {
    let mut e = Engine::new();
    e.set_max_operations(MAX_OPERATIONS)
        .set_max_call_levels(MAX_CALL_LEVELS)
        .set_max_expr_depths(64, 32)
        .set_max_string_size(MAX_STRING)
        .set_max_array_size(MAX_ARRAY)
        .set_max_map_size(MAX_ARRAY)
        .disable_symbol("eval");
    e.on_progress(move |ops| {
        let over = ops % 1024 == 0 && deadline.passed();
        over.then(|| {
            Dynamic::from(format!(
                "took longer than {} ms (or than what was left of the scripts' {} ms this tick)",
                MAX_CALL_TIME.as_millis(),
                MAX_TICK_TIME.as_millis()
            ))
        })
    });
    // print/debug go to the log like `log`.
    let c = call.clone();
    e.on_print(move |s| {
        if let Ok(mut c) = c.lock() {
            c.logs.push((Position::NONE, s.to_string()));
        }
    });
    let c = call.clone();
    e.register_fn("param", move |ctx: rhai::NativeCallContext, name: &str| -> f64 {
        let mut c = c.lock().unwrap_or_else(|p| p.into_inner());
        match c.names.get(name).copied() {
            Some(i) => c.values.get(i).copied().unwrap_or(0.0) as f64,
            None => {
                c.problems
                    .push((ctx.call_position(), format!("param(\"{name}\"): the scene has no parameter `{name}`")));
                0.0
            }
        }
    });
    let c = call.clone();
    let set = move |ctx: rhai::NativeCallContext, name: &str, value: f64| {
        let mut c = c.lock().unwrap_or_else(|p| p.into_inner());
        match c.names.get(name).copied() {
            Some(i) if value.is_finite() => {
                let (lo, hi) = c.ranges.get(i).copied().unwrap_or((f32::MIN, f32::MAX));
                let v = (value as f32).clamp(lo, hi);
                c.writes.push((i, v));
            }
            Some(_) => c.problems.push((ctx.call_position(), format!("set(\"{name}\", {value}): not a finite number"))),
            None => c
                .problems
                .push((ctx.call_position(), format!("set(\"{name}\", ...): the scene has no parameter `{name}`"))),
        }
    };
    let set_int = set.clone();
    e.register_fn("set", set);
    e.register_fn("set", move |ctx: rhai::NativeCallContext, name: &str, value: i64| set_int(ctx, name, value as f64));
    let c = call.clone();
    e.register_fn("command", move |ctx: rhai::NativeCallContext, text: &str| {
        let mut c = c.lock().unwrap_or_else(|p| p.into_inner());
        match commands::parse(text) {
            Ok(cmd) => c.commands.push(cmd),
            Err(err) => c.problems.push((ctx.call_position(), format!("command(\"{text}\"): {err}"))),
        }
    });
    let c = call.clone();
    e.register_fn("log", move |ctx: rhai::NativeCallContext, text: &str| {
        if let Ok(mut c) = c.lock() {
            c.logs.push((ctx.call_position(), text.to_string()));
        }
    });
    let c = call.clone();
    let input = move |ctx: rhai::NativeCallContext, text: &str, default: f64| -> f64 {
        let mut c = c.lock().unwrap_or_else(|p| p.into_inner());
        match c.watch_names.get(text).copied() {
            Some(i) => c.watch_values.get(i).copied().flatten().unwrap_or(default),
            None => {
                c.ask(ctx.call_position(), "input", text);
                default
            }
        }
    };
    let (input1, input2) = (input.clone(), input.clone());
    e.register_fn("input", move |ctx: rhai::NativeCallContext, text: &str| input1(ctx, text, 0.0));
    e.register_fn("input", move |ctx: rhai::NativeCallContext, text: &str, d: i64| input2(ctx, text, d as f64));
    e.register_fn("input", input);
    let c = call.clone();
    e.register_fn("on_input", move |ctx: rhai::NativeCallContext, text: &str, function: &str| {
        let mut c = c.lock().unwrap_or_else(|p| p.into_inner());
        let pos = ctx.call_position();
        if c.watch_names.contains_key(text) || c.ask(pos, "on_input", text) {
            c.handlers.push((pos, text.to_string(), function.to_string()));
        }
    });
    let c = call.clone();
    e.register_fn("trigger", move |ctx: rhai::NativeCallContext, name: &str| {
        let mut c = c.lock().unwrap_or_else(|p| p.into_inner());
        if c.trigger_names.iter().any(|t| t == name) {
            c.fired.push(name.to_string());
        } else {
            c.problems.push((ctx.call_position(), format!("trigger(\"{name}\"): the scene has no trigger `{name}`")));
        }
    });
    let c = call;
    e.register_fn("rand", move || -> f64 {
        let mut c = c.lock().unwrap_or_else(|p| p.into_inner());
        // xorshift64*: small, fast and the same everywhere.
        let mut x = c.rng;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        c.rng = x;
        (x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    });
    e
}

/// Compile `text` (the script at `path`) as the show will run it; a syntax error is a diagnostic
/// at the script's own line:col.
pub fn compile(path: &std::path::Path, text: &str) -> Result<Script, Diagnostic> {
    let e = engine(Arc::default(), Arc::new(Deadline { base: Instant::now(), at: Default::default() }));
    match e.compile(text) {
        Ok(ast) => Ok(Script { path: path.to_path_buf(), ast: Arc::new(ast) }),
        Err(err) => {
            let src = SourceText::new(path.to_path_buf(), text.to_string());
            let (message, hint) = explain_parse(&err);
            let d = Diagnostic::new(format!("script: {message}"));
            let d = match offset(&src, err.position()) {
                Some(at) => d.at(&src, at..at + token_len(text, at)),
                None => d.at(&src, 0..0),
            };
            Err(d.maybe_hint(hint))
        }
    }
}

/// A string literal passed to one of quai's functions in a script (`set("level", ...)`).
#[derive(Debug, PartialEq)]
pub struct Literal {
    pub function: &'static str,
    pub text: String,
    /// Where the literal's text starts in the script (after the quote), and its length.
    pub offset: usize,
    pub len: usize,
}

/// The literal names a script passes to `param`, `set` and `command`, for the checks at load
/// (names it computes are checked when it runs). Comments are skipped.
pub fn literals(text: &str) -> Vec<Literal> {
    let mut out = Vec::new();
    let mut line_start = 0;
    for line in text.split_inclusive('\n') {
        let code = line.find("//").map_or(line, |c| &line[..c]);
        for function in ["param", "set", "command", "input", "on_input", "trigger"] {
            let needle = format!("{function}(\"");
            let mut from = 0;
            while let Some(i) = code[from..].find(&needle) {
                let at = from + i;
                from = at + needle.len();
                let before = code[..at].chars().next_back();
                if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.') {
                    continue;
                }
                let rest = &code[from..];
                let Some(end) = rest.find('"') else { continue };
                // Only a whole argument: `"lev" + "el"` is computed, checked when it runs.
                let after = rest[end + 1..].trim_start();
                if rest[..end].contains('\\') || !(after.starts_with(',') || after.starts_with(')')) {
                    continue;
                }
                out.push(Literal {
                    function,
                    text: rest[..end].to_string(),
                    offset: line_start + from,
                    len: end.max(1),
                });
                // `on_input("desk:/distance", "visitor")`: the handler's name too.
                if function == "on_input"
                    && let Some(second) = after.strip_prefix(',').map(str::trim_start)
                    && let Some(name) = second.strip_prefix('"')
                    && let Some(close) = name.find('"')
                    && name[close + 1..].trim_start().starts_with(')')
                {
                    let at = code.len() - name.len(); // `name` is a tail of `code`
                    out.push(Literal {
                        function: "on_input handler",
                        text: name[..close].to_string(),
                        offset: line_start + at,
                        len: close.max(1),
                    });
                }
            }
        }
        line_start += line.len();
    }
    out
}

/// The byte offset of a rhai position (1-based line and column) in `src`.
fn offset(src: &SourceText, pos: Position) -> Option<usize> {
    let (line, col) = (pos.line()?, pos.position().unwrap_or(1));
    let start: usize = src.text.split_inclusive('\n').take(line - 1).map(str::len).sum();
    let line_text = src.line(line);
    let col_bytes: usize = line_text.chars().take(col.saturating_sub(1)).map(char::len_utf8).sum();
    Some((start + col_bytes).min(src.text.len()))
}

fn token_len(text: &str, at: usize) -> usize {
    let rest = &text[at..];
    let n = rest.find(|c: char| c.is_whitespace() || "(){}[];,".contains(c)).unwrap_or(rest.len());
    n.max(1).min(rest.len())
}

fn explain_parse(err: &rhai::ParseError) -> (String, Option<String>) {
    use rhai::ParseErrorType as P;
    let message = err.err_type().to_string();
    let hint = match err.err_type() {
        _ if message.contains("'eval'") => Some("scripts cannot evaluate text: write the code itself".to_string()),
        _ if message.contains("'import'") || message.contains("'export'") => Some(
            "scripts cannot load modules or files: put the code in this script, or list several in `scripts`".into(),
        ),
        P::MissingToken(t, _) if t == ";" => Some("statements end with `;`".into()),
        P::UnknownOperator(op) => Some(format!("`{op}` is not a Rhai operator")),
        _ => None,
    };
    (message, hint)
}

/// The arguments of a call into a script.
enum Args {
    Unit,
    Time(f64, f64),
    Name(String),
    Value(f64),
    ValueAt(f64, f64),
    Cue(String, String),
}

/// One script running in the show.
struct Running {
    script: Script,
    /// The script's state (`this` in its functions): kept across ticks and saves.
    state: Dynamic,
    has_load: bool,
    has_tick: bool,
    has_on_trigger: bool,
    has_on_cue: bool,
    /// `on_input` registrations: (selector text, function).
    handlers: Vec<(String, String)>,
    /// Functions disabled after an error, until the next good save.
    disabled: Vec<String>,
    /// Why the latest function was disabled, for the on-screen panel and the console.
    error: Option<Arc<str>>,
    /// Problems already reported (each once).
    reported: Vec<String>,
    /// Log lines this second, and when the second began.
    logged: (u32, f64),
    /// When a stopped call was last reported, and how many stops since.
    stops: (f64, u64),
    loaded: bool,
}

impl Running {
    fn new(script: &Script) -> Self {
        Running {
            has_load: script.defines("load", 0),
            has_tick: script.defines("tick", 2),
            has_on_trigger: script.defines("on_trigger", 1),
            has_on_cue: script.defines("on_cue", 2),
            script: script.clone(),
            state: Dynamic::from_map(Map::new()),
            handlers: Vec::new(),
            disabled: Vec::new(),
            error: None,
            reported: Vec::new(),
            logged: (0, f64::NEG_INFINITY),
            stops: (f64::NEG_INFINITY, 0),
            loaded: false,
        }
    }
}

/// The scene's scripts, as the show runs them at tick boundaries.
pub struct ScriptHost {
    engine: Engine,
    call: Arc<Mutex<Call>>,
    deadline: Arc<Deadline>,
    scripts: Vec<Running>,
    seed: u64,
    /// `call` commands the scripts sent themselves: run at the next tick.
    pending_calls: Vec<(String, Arc<str>)>,
    /// Triggers the scripts fired (`trigger("name")`), with which script: for the show this
    /// tick, and for the scripts' `on_trigger` at the next.
    fired: Vec<(String, Arc<str>)>,
    fired_before: Vec<String>,
    /// When this tick's calls must be done by ([`MAX_TICK_TIME`] after the tick began).
    tick_budget: Option<Instant>,
    /// Calls left out for want of time: this tick, and since the last warning (when it was).
    left_out: u64,
    left_out_note: (f64, u64),
    /// Calls stopped for going over a limit, and failed calls, since the start.
    pub stopped: u64,
}

/// The parameters' names and ranges as the calls see them: rebuilt only when the scene's
/// parameters changed (a reload), not every tick.
fn refresh_names(c: &mut Call, params: &ParamStore) {
    let defs = params.defs();
    let same = c.ranges.len() == defs.len()
        && defs
            .iter()
            .enumerate()
            .all(|(i, p)| c.names.get(p.name.as_str()) == Some(&i) && c.ranges[i] == (p.min, p.max));
    if !same {
        c.names = Arc::new(defs.iter().enumerate().map(|(i, p)| (p.name.clone(), i)).collect());
        c.ranges = defs.iter().map(|p| (p.min, p.max)).collect();
    }
}

fn defines(ast: &AST, name: &str, params: usize) -> bool {
    ast.iter_functions().any(|f| f.name == name && f.params.len() == params)
}

/// The random seed from a scene's name (FNV-1a): the same frames offline every run.
pub fn seed_from(name: &str) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ b as u64).wrapping_mul(0x1000_0000_01b3))
}

impl ScriptHost {
    /// The host for the scene's scripts; the random generator is seeded with `seed`, else from
    /// the scene's name (the same frames every offline run either way).
    pub fn new(scene: &Scene, seed: Option<u64>) -> Option<Self> {
        if scene.scripts.is_empty() {
            return None;
        }
        let call = Arc::new(Mutex::new(Call::default()));
        if let Some(s) = seed {
            tracing::info!("scripts: random seed {s} (--seed)");
        }
        // xorshift needs a state that is not 0.
        let seed = seed.unwrap_or_else(|| seed_from(&scene.name)) | 1;
        let deadline = Arc::new(Deadline { base: Instant::now(), at: Default::default() });
        let mut host = Self {
            engine: engine(call.clone(), deadline.clone()),
            call,
            deadline,
            scripts: Vec::new(),
            seed,
            pending_calls: Vec::new(),
            fired: Vec::new(),
            fired_before: Vec::new(),
            tick_budget: None,
            left_out: 0,
            left_out_note: (f64::NEG_INFINITY, 0),
            stopped: 0,
        };
        host.rebind(scene);
        Some(host)
    }

    /// A reloaded scene's scripts: a script whose file stays keeps its state while its
    /// `STATE_VERSION` stays the same, else starts afresh (`load` runs again); the log says
    /// which. New ones start fresh (their `load` runs at the next tick); removed ones stop.
    /// The watched inputs start again from the scene's (the show's inputs were rebuilt too).
    pub fn rebind(&mut self, scene: &Scene) {
        {
            let mut c = self.call.lock().unwrap_or_else(|p| p.into_inner());
            c.watch_names = scene.watches.iter().enumerate().map(|(i, w)| (w.text.clone(), i)).collect();
            c.watch_values = vec![None; scene.watches.len()];
            c.inputs = Arc::new(scene.inputs.clone());
            c.trigger_names = Arc::new(scene.triggers.iter().map(|t| t.name.clone()).collect());
            c.requests.clear();
        }
        let mut old = std::mem::take(&mut self.scripts);
        for s in &scene.scripts {
            let Some(i) = old.iter().position(|r| r.script.path == s.path) else {
                self.scripts.push(Running::new(s));
                continue;
            };
            let mut r = old.swap_remove(i);
            if Arc::ptr_eq(&r.script.ast, &s.ast) {
                self.scripts.push(r); // the scene changed, not this script
                continue;
            }
            let mut new = Running::new(s);
            let (was, now) = (r.script.state_version(), s.state_version());
            if was == now {
                let why = now.map_or_else(
                    || "no STATE_VERSION: declare `const STATE_VERSION = 1;` and change it to start afresh".to_string(),
                    |v| format!("STATE_VERSION {v} unchanged"),
                );
                tracing::info!("script {}: reloaded; its state is kept ({why})", s.path.display());
                new.state = std::mem::take(&mut r.state);
                new.loaded = r.loaded;
                // Handlers whose function is still there stay registered (`load` does not run again).
                r.handlers.retain(|(_, f)| s.defines(f, 1) || s.defines(f, 2));
                new.handlers = r.handlers;
            } else {
                let show = |v: Option<i64>| v.map_or("none".to_string(), |v| v.to_string());
                tracing::info!(
                    "script {}: reloaded; STATE_VERSION changed from {} to {}, so its state starts afresh and `load` \
                     runs again",
                    s.path.display(),
                    show(was),
                    show(now)
                );
            }
            self.scripts.push(new);
        }
    }

    /// The triggers the scripts fired since the last call, with which script fired each: the show
    /// fires them as their inputs would (their `do`, their sounds).
    pub fn take_fired(&mut self) -> Vec<(String, Arc<str>)> {
        let fired = std::mem::take(&mut self.fired);
        self.fired_before.extend(fired.iter().map(|(n, _)| n.clone()));
        fired
    }

    /// Selectors the scripts met for the first time: the show watches each (see [`Self::watching`]).
    pub fn take_requests(&mut self) -> Vec<Watch> {
        let mut c = self.call.lock().unwrap_or_else(|p| p.into_inner());
        std::mem::take(&mut c.requests)
    }

    /// The show's inputs watch `text` as watch `index` from now on.
    pub fn watching(&mut self, text: String, index: usize) {
        let mut c = self.call.lock().unwrap_or_else(|p| p.into_inner());
        if c.watch_values.len() <= index {
            c.watch_values.resize(index + 1, None);
        }
        c.watch_names.insert(text, index);
    }

    /// The functions `call` can run, in every script (sorted, each once).
    pub fn callable(&self) -> Vec<String> {
        let mut names: Vec<String> = self.scripts.iter().flat_map(|r| r.script.callable()).map(String::from).collect();
        names.sort();
        names.dedup();
        names
    }

    /// Why a script function was disabled (the latest), until the script is saved again.
    pub fn error(&self) -> Option<&Arc<str>> {
        self.scripts.iter().rev().find_map(|r| r.error.as_ref())
    }

    /// One tick: each script's `load` (once), the functions `call` commands name (taken out of
    /// `commands`), `on_trigger(name)` per trigger fired, its `on_input` handlers per value
    /// watched, and `tick(t, dt)`; their parameter writes go into `params` as a mapping's
    /// would, their commands into `commands` (applied this tick).
    pub fn tick(
        &mut self,
        t: f64,
        dt: f64,
        fired: &[&str],
        watched: Watched,
        params: &mut ParamStore,
        commands: &mut Vec<Issued>,
    ) {
        self.tick_budget = Some(Instant::now() + MAX_TICK_TIME);
        {
            let mut c = self.call.lock().unwrap_or_else(|p| p.into_inner());
            refresh_names(&mut c, params);
            let n = c.watch_values.len().min(watched.values.len());
            c.watch_values[..n].copy_from_slice(&watched.values[..n]);
        }
        let mut calls = std::mem::take(&mut self.pending_calls);
        // Triggers a script fired last tick reach every script's on_trigger now.
        let fired_before = std::mem::take(&mut self.fired_before);
        if commands.iter().any(|c| matches!(c.command, Command::Call(_))) {
            commands.retain(|c| match &c.command {
                Command::Call(name) => {
                    calls.push((name.clone(), c.by.clone()));
                    false
                }
                _ => true,
            });
        }
        for (name, by) in &calls {
            if !self.scripts.iter().any(|r| r.script.callable().any(|f| f == name)) {
                tracing::warn!(
                    "`call {name}` from {by}: no script of the scene defines `fn {name}()`; nothing changed"
                );
            }
        }
        let mut due: Vec<(std::borrow::Cow<'static, str>, Args)> = Vec::new();
        for k in 0..self.scripts.len() {
            due.clear();
            let r = &self.scripts[k];
            if r.has_load && !r.loaded {
                due.push(("load".into(), Args::Unit));
            }
            for (name, _) in calls.iter().filter(|(name, _)| r.script.callable().any(|f| f == name)) {
                due.push((name.clone().into(), Args::Unit));
            }
            if r.has_on_trigger {
                let all = fired.iter().copied().chain(fired_before.iter().map(String::as_str));
                due.extend(all.map(|f| ("on_trigger".into(), Args::Name(f.to_string()))));
            }
            if !r.handlers.is_empty() && !watched.hits.is_empty() {
                let c = self.call.lock().unwrap_or_else(|p| p.into_inner());
                let handlers: Vec<(usize, &str, bool)> = r
                    .handlers
                    .iter()
                    .filter_map(|(text, f)| c.watch_names.get(text).map(|&i| (i, f.as_str(), r.script.defines(f, 2))))
                    .collect();
                for &(w, at, v) in watched.hits {
                    for &(_, f, with_time) in handlers.iter().filter(|(i, ..)| *i == w) {
                        let args = if with_time { Args::ValueAt(v, at) } else { Args::Value(v) };
                        due.push((f.to_string().into(), args));
                    }
                }
            }
            if r.has_tick {
                due.push(("tick".into(), Args::Time(t, dt)));
            }
            for (name, args) in due.drain(..) {
                self.run(k, &name, args, t, params, commands);
            }
        }
        self.note_left_out(t);
    }

    /// Calls left out this tick for want of time: said at once, then at most every
    /// [`STOPPED_EVERY`] seconds with how many since.
    fn note_left_out(&mut self, t: f64) {
        let n = std::mem::take(&mut self.left_out);
        if n == 0 {
            return;
        }
        let (last, since) = &mut self.left_out_note;
        *since += n;
        if t - *last >= STOPPED_EVERY || t < *last {
            tracing::warn!(
                "scripts: their calls took all of a tick's {} ms; {since} calls (handlers, tick, ...) were left out \
                 since the last warning. Make the handlers lighter or fewer; the show goes on",
                MAX_TICK_TIME.as_millis()
            );
            (*last, *since) = (t, 0);
        }
    }

    /// The cues the show started this tick, as (list, cue): each script's `on_cue(list, cue)`.
    /// Their writes go into `params` now; their commands into `commands` (applied next tick).
    pub fn cued(
        &mut self,
        t: f64,
        started: &[(Arc<str>, Arc<str>)],
        params: &mut ParamStore,
        commands: &mut Vec<Issued>,
    ) {
        refresh_names(&mut self.call.lock().unwrap_or_else(|p| p.into_inner()), params);
        for k in 0..self.scripts.len() {
            if !self.scripts[k].has_on_cue {
                continue;
            }
            for (list, cue) in started {
                self.run(k, "on_cue", Args::Cue(list.to_string(), cue.to_string()), t, params, commands);
            }
        }
        self.note_left_out(t);
    }

    /// One call of `name` in script `k`, within the limits; its writes, commands, problems and
    /// log lines handed on; its failure reported.
    fn run(&mut self, k: usize, name: &str, args: Args, t: f64, params: &mut ParamStore, commands: &mut Vec<Issued>) {
        if self.scripts[k].disabled.iter().any(|d| d == name) {
            return;
        }
        let now = Instant::now();
        if self.tick_budget.is_some_and(|b| now >= b) {
            self.left_out += 1;
            return;
        }
        {
            let mut c = self.call.lock().unwrap_or_else(|p| p.into_inner());
            c.values.clear();
            c.values.extend_from_slice(params.values());
            c.writes.clear();
            c.commands.clear();
            c.problems.clear();
            c.logs.clear();
            c.handlers.clear();
            c.fired.clear();
            if c.rng == 0 {
                c.rng = self.seed;
            }
        }
        let until = now + MAX_CALL_TIME;
        self.deadline.set(Some(self.tick_budget.map_or(until, |b| b.min(until))));
        let r = &mut self.scripts[k];
        let options = CallFnOptions::new().eval_ast(false).rewind_scope(true).bind_this_ptr(&mut r.state);
        let mut scope = Scope::new();
        let ast = &r.script.ast;
        let result: Result<Dynamic, Box<EvalAltResult>> = match args {
            Args::Unit => self.engine.call_fn_with_options(options, &mut scope, ast, name, ()),
            Args::Time(t, dt) => self.engine.call_fn_with_options(options, &mut scope, ast, name, (t, dt)),
            Args::Name(n) => self.engine.call_fn_with_options(options, &mut scope, ast, name, (n,)),
            Args::Value(v) => self.engine.call_fn_with_options(options, &mut scope, ast, name, (v,)),
            Args::ValueAt(v, t) => self.engine.call_fn_with_options(options, &mut scope, ast, name, (v, t)),
            Args::Cue(l, c) => self.engine.call_fn_with_options(options, &mut scope, ast, name, (l, c)),
        };
        if name == "load" {
            r.loaded = true;
        }
        self.deadline.set(None);
        let mut c = self.call.lock().unwrap_or_else(|p| p.into_inner());
        for &(i, v) in &c.writes {
            let _ = params.write(crate::scene::ParamId(i), v, Writer::Mapping);
        }
        if !c.commands.is_empty() || !c.fired.is_empty() {
            let by: Arc<str> = Arc::from(format!("script {}", file_name(&r.script.path)));
            self.fired.extend(c.fired.drain(..).map(|f| (f, by.clone())));
            for cmd in c.commands.drain(..) {
                match cmd {
                    Command::Call(f) => self.pending_calls.push((f, by.clone())),
                    command => commands.push(Issued { t, by: by.clone(), command }),
                }
            }
        }
        for (pos, text, f) in std::mem::take(&mut c.handlers) {
            if !(r.script.defines(&f, 1) || r.script.defines(&f, 2)) {
                c.problems.push((
                    pos,
                    format!("on_input(\"{text}\", \"{f}\"): the script has no `fn {f}(value)` or `fn {f}(value, t)`"),
                ));
            } else if !r.handlers.iter().any(|(t, g)| *t == text && *g == f) {
                r.handlers.push((text, f));
            }
        }
        for (pos, problem) in c.problems.drain(..) {
            if r.reported.len() > MAX_PROBLEMS || r.reported.contains(&problem) {
                continue;
            }
            if r.reported.len() == MAX_PROBLEMS {
                // A name computed afresh each tick must not grow the list (or the log) without end.
                tracing::warn!(
                    "script {}: more than {MAX_PROBLEMS} different problems; the rest are not reported until the \
                     script is saved again",
                    r.script.path.display()
                );
            } else {
                tracing::warn!("script {}{}: {problem}; nothing changed", r.script.path.display(), at(pos));
            }
            r.reported.push(problem);
        }
        for (pos, line) in c.logs.drain(..) {
            if t - r.logged.1 >= 1.0 {
                r.logged = (0, t);
            }
            r.logged.0 += 1;
            match r.logged.0 {
                n if n <= LOG_PER_SECOND => tracing::info!("script {}{}: {line}", file_name(&r.script.path), at(pos)),
                n if n == LOG_PER_SECOND + 1 => tracing::info!(
                    "script {}: more than {LOG_PER_SECOND} log lines this second; the rest of this second is left out",
                    file_name(&r.script.path)
                ),
                _ => {}
            }
        }
        drop(c);
        if let Err(e) = result {
            self.stopped += 1;
            match report(&r.script, name, &e) {
                Failed::Stopped(why) => {
                    // Stopped every tick, it would say so 60 times a second for months: the first
                    // at once, then how many since, at most every STOPPED_EVERY seconds.
                    let (last, since) = &mut r.stops;
                    if t - *last >= STOPPED_EVERY || t < *last {
                        match *since {
                            0 => tracing::warn!("{why}"),
                            n => tracing::warn!("{why} ({n} more stops in the last {:.0} s)", t - *last),
                        }
                        (*last, *since) = (t, 0);
                    } else {
                        *since += 1;
                    }
                }
                Failed::Disabled(why) => {
                    tracing::error!("{why}");
                    r.disabled.push(name.to_string());
                    r.error = Some(why.into());
                }
            }
        }
    }
}

fn file_name(p: &std::path::Path) -> String {
    p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| p.display().to_string())
}

fn at(pos: Position) -> String {
    match (pos.line(), pos.position()) {
        (Some(l), Some(c)) => format!(":{l}:{c}"),
        (Some(l), None) => format!(":{l}"),
        _ => String::new(),
    }
}

/// How a call failed, and what to say.
enum Failed {
    /// Over a limit: stopped for this tick, tried again next tick.
    Stopped(String),
    /// An error: the function is off until the next good save.
    Disabled(String),
}

/// A stopped call is reported at most this often (show seconds) per script, with how many since.
const STOPPED_EVERY: f64 = 10.0;

fn report(script: &Script, name: &str, e: &EvalAltResult) -> Failed {
    let path = script.path.display();
    let pos = at(e.position());
    let disabled = match e {
        EvalAltResult::ErrorTooManyOperations(_) => {
            return Failed::Stopped(format!(
                "script {path}{pos}: `{name}` was stopped after {MAX_OPERATIONS} operations (an endless loop?); it \
                 runs again next tick, and the show goes on"
            ));
        }
        EvalAltResult::ErrorTerminated(why, _) => {
            return Failed::Stopped(format!(
                "script {path}{pos}: `{name}` was stopped: it {}; it runs again next tick, and the show goes on",
                why.clone().into_string().unwrap_or_default()
            ));
        }
        EvalAltResult::ErrorStackOverflow(_) => format!(
            "script {path}{pos}: `{name}` calls itself without end (more than {MAX_CALL_LEVELS} deep); it is off until \
             the script is saved again"
        ),
        EvalAltResult::ErrorDataTooLarge(what, _) => format!(
            "script {path}{pos}: `{name}` made data over the limit ({}: at most {MAX_STRING} characters in a string, \
             {MAX_ARRAY} items in an array or map); it is off until the script is saved again",
            what.to_lowercase()
        ),
        EvalAltResult::ErrorFunctionNotFound(signature, _) => {
            let called = signature.split(" (").next().unwrap_or(signature);
            format!(
                "script {path}{pos}: `{name}` failed: it calls `{called}`, which this script does not have (scripts \
                 cannot reach files, the network or the process; quai gives them param, set, input, on_input, \
                 command, log and rand); it is off until the script is saved again"
            )
        }
        other => format!("script {path}{pos}: `{name}` failed: {other}; it is off until the script is saved again"),
    };
    Failed::Disabled(disabled)
}

pub mod build;

#[cfg(test)]
mod tests;
