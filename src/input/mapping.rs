//! Mappings: input values → parameter values (range, clamp, deadzone, invert, curve, smoothing
//! filter, combine rule), and triggers (thresholds with hysteresis). Pure and deterministic: the
//! same events in the same order give the same values, live or replayed. Runs on the render thread,
//! once per event, between frames.

use std::collections::HashMap;
use std::sync::Arc;

use super::event::{EventKind, InputEvent, MidiMessage};
use super::midi::Cc14;
use super::osc::{Pattern, matches};
use super::serial::{LineError, LineProtocol, parse_line};
use crate::scene::{Combine, Curve, Edge, Filter, InputKind, Mapping, Scene, Selector, SerialProtocol, Trigger};
use crate::show::ParamStore;

/// Steepness of the `exp` and `log` curves: exp(t) = (e^(kt) - 1) / (e^k - 1).
const CURVE_K: f64 = 4.0;

/// The normalised 0..1 position of `raw` in the mapping's input range, shaped by deadzone, invert
/// and curve, placed in the output range. Filtering happens afterwards, over time.
pub fn transform(m: &Mapping, raw: f64) -> f32 {
    let [a, b] = m.input_range;
    let mut t = (raw - a) / (b - a);
    if m.clamp {
        t = t.clamp(0.0, 1.0);
    }
    let dz = m.deadzone as f64;
    if dz > 0.0 {
        t = (t - dz) / (1.0 - 2.0 * dz);
        if m.clamp {
            t = t.clamp(0.0, 1.0);
        }
    }
    if m.invert {
        t = 1.0 - t;
    }
    // Curves shape 0..1; outside it (clamp = false) the line continues.
    if (0.0..=1.0).contains(&t) {
        t = match &m.curve {
            Curve::Linear => t,
            Curve::Exp => ((CURVE_K * t).exp() - 1.0) / (CURVE_K.exp() - 1.0),
            Curve::Log => (1.0 + (CURVE_K.exp() - 1.0) * t).ln() / CURVE_K,
            Curve::Smoothstep => t * t * (3.0 - 2.0 * t),
            Curve::Table(points) => table(points, t),
        };
    }
    let [o0, o1] = m.output_range;
    (o0 as f64 + t * (o1 as f64 - o0 as f64)) as f32
}

/// The input value that `transform` maps to (about) `value`: what to send back to a controller
/// so its fader or LED ring shows the parameter. Found by bisection over the input range, so it
/// holds for every curve (for a curve that is not monotonic, one of the inputs that give it).
pub fn inverse(m: &Mapping, value: f32) -> f64 {
    let [a, b] = m.input_range;
    let (mut lo, mut hi) = (0.0f64, 1.0f64);
    let at = |t: f64| transform(m, a + t * (b - a));
    let rising = at(1.0) >= at(0.0);
    for _ in 0..40 {
        let mid = (lo + hi) / 2.0;
        if (at(mid) < value) == rising {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    a + (lo + hi) / 2.0 * (b - a)
}

fn table(points: &[[f64; 2]], t: f64) -> f64 {
    let Some(first) = points.first() else { return t };
    if t <= first[0] {
        return first[1];
    }
    for w in points.windows(2) {
        let ([x0, y0], [x1, y1]) = (w[0], w[1]);
        if t <= x1 {
            return y0 + (y1 - y0) * (t - x0) / (x1 - x0);
        }
    }
    points.last().map(|p| p[1]).unwrap_or(t)
}

/// State of one mapping's smoothing filter.
#[derive(Debug, Clone, Default)]
struct FilterState {
    last_t: Option<f64>,
    value: f64,
    /// One Euro: the filtered derivative.
    speed: f64,
}

impl FilterState {
    fn apply(&mut self, filter: Filter, t: f64, x: f64) -> f64 {
        let Some(last) = self.last_t else {
            self.last_t = Some(t);
            self.value = x;
            return x;
        };
        let dt = (t - last).max(1e-4);
        self.last_t = Some(t);
        match filter {
            Filter::None => self.value = x,
            Filter::Lag(tau) => {
                let k = if tau > 0.0 { 1.0 - (-dt / tau as f64).exp() } else { 1.0 };
                self.value += (x - self.value) * k;
            }
            Filter::OneEuro { min_cutoff, beta, d_cutoff } => {
                let alpha = |cutoff: f64| {
                    let r = 2.0 * std::f64::consts::PI * cutoff * dt;
                    r / (r + 1.0)
                };
                let dx = (x - self.value) / dt;
                self.speed += (dx - self.speed) * alpha(d_cutoff as f64);
                let cutoff = min_cutoff as f64 + beta as f64 * self.speed.abs();
                self.value += (x - self.value) * alpha(cutoff);
            }
        }
        self.value
    }
}

/// Routes events to mappings and triggers and keeps their state.
pub struct Mapper {
    mappings: Vec<Mapping>,
    /// OSC patterns compiled once: mappings', then triggers'.
    mapping_patterns: Vec<Option<Pattern>>,
    trigger_patterns: Vec<Option<Pattern>>,
    filters: Vec<FilterState>,
    /// Latest (event time, order, value) of each mapping.
    latest: Vec<Option<(f64, u64, f32)>>,
    triggers: Vec<Trigger>,
    armed: Vec<bool>,
    input_names: Vec<Arc<str>>,
    /// Mapping and trigger indices of each input, so an event visits only its own.
    mappings_of: Vec<Vec<usize>>,
    triggers_of: Vec<Vec<usize>>,
    /// Which parameters changed since the last `apply`, with their combine rule.
    dirty: Vec<bool>,
    combine: Vec<Combine>,
    /// MIDI state per input: the 14-bit controller pairing (the one `Cc14`, as tested) and the
    /// latest 14-bit value per (channel, MSB controller); the last note played.
    cc14: Vec<Cc14State>,
    last_note: Vec<Option<u8>>,
    /// How each serial input names the numbers on its lines.
    protocols: Vec<Option<LineProtocol>>,
    /// Serial lines with a part that did not follow their protocol, per input.
    bad_lines: Vec<BadLines>,
    /// The values named on the serial line being mapped (reused: no allocation per event).
    named: Vec<(String, f64)>,
    /// OSC that no mapping or trigger reads: "why does my fader do nothing" has an answer.
    unmatched: Unmatched,
    order: u64,
    /// The values the scene's scripts read (`script::Watch`): selector and compiled pattern, the
    /// watches of each input, their latest values, and this step's values in event order.
    watches: Vec<(usize, Selector, Option<Pattern>)>,
    watches_of: Vec<Vec<usize>>,
    watch_latest: Vec<Option<f64>>,
    watch_hits: Vec<(usize, f64, f64)>,
    /// Watched values left out of a step's hits (more than [`MAX_WATCH_HITS`] in one step).
    watch_hits_dropped: u64,
}

/// Watched values one step hands the scripts' `on_input` handlers at most (a flood of events
/// in one tick cannot grow it without end; the latest values are kept regardless).
pub const MAX_WATCH_HITS: usize = 4096;

/// How often bad serial lines are warned about, per input: the first at once, then a summary at
/// most this often (a sensor with a wrong baud rate must not flood a months-long log).
pub const BAD_LINE_WARN_EVERY: f64 = 10.0;

/// Bad-line bookkeeping of one serial input.
#[derive(Debug, Clone, Copy, Default)]
struct BadLines {
    total: u64,
    /// Since the last warning.
    unwarned: u64,
    /// Event time of the last warning.
    warned_at: Option<f64>,
}

impl Mapper {
    pub fn new(scene: &Scene) -> Self {
        let input_names: Vec<Arc<str>> = scene.inputs.iter().map(|i| Arc::from(i.name.as_str())).collect();
        let mut mapper = Self {
            mapping_patterns: scene.mappings.iter().map(|m| compile(&m.selector)).collect(),
            trigger_patterns: scene.triggers.iter().map(|t| compile(&t.selector)).collect(),
            filters: vec![FilterState::default(); scene.mappings.len()],
            latest: vec![None; scene.mappings.len()],
            mappings: scene.mappings.clone(),
            armed: vec![true; scene.triggers.len()],
            triggers: scene.triggers.clone(),
            mappings_of: (0..input_names.len())
                .map(|i| scene.mappings.iter().enumerate().filter(|(_, m)| m.input == i).map(|(k, _)| k).collect())
                .collect(),
            triggers_of: (0..input_names.len())
                .map(|i| scene.triggers.iter().enumerate().filter(|(_, t)| t.input == i).map(|(k, _)| k).collect())
                .collect(),
            cc14: vec![(Cc14::new(), HashMap::new()); input_names.len()],
            last_note: vec![None; input_names.len()],
            protocols: scene
                .inputs
                .iter()
                .map(|i| match &i.kind {
                    InputKind::Serial { protocol: SerialProtocol::Csv, columns, .. } => {
                        Some(LineProtocol::Csv { columns: columns.clone() })
                    }
                    InputKind::Serial { .. } => Some(LineProtocol::NameValue),
                    _ => None,
                })
                .collect(),
            bad_lines: vec![BadLines::default(); input_names.len()],
            named: Vec::new(),
            unmatched: Unmatched::default(),
            input_names,
            dirty: vec![false; scene.params.len()],
            combine: scene.params.iter().map(|p| p.combine).collect(),
            order: 0,
            watches: Vec::new(),
            watches_of: vec![Vec::new(); scene.inputs.len()],
            watch_latest: Vec::new(),
            watch_hits: Vec::new(),
            watch_hits_dropped: 0,
        };
        for w in &scene.watches {
            mapper.watch(w);
        }
        mapper
    }

    /// Reads `w` from every event from now on, as a mapping would; returns its index.
    pub fn watch(&mut self, w: &crate::script::Watch) -> usize {
        let i = self.watches.len();
        self.watches.push((w.input, w.selector.clone(), compile(&w.selector)));
        if let Some(of) = self.watches_of.get_mut(w.input) {
            of.push(i);
        }
        self.watch_latest.push(None);
        i
    }

    /// The watched values: the latest of each, and the last step's in event order.
    pub fn watched(&self) -> crate::script::Watched<'_> {
        crate::script::Watched { values: &self.watch_latest, hits: &self.watch_hits }
    }

    /// A new step begins: the previous step's watched values are done with.
    pub fn clear_watch_hits(&mut self) {
        self.watch_hits.clear();
    }

    /// The scene's name for input `i` (events carry it).
    pub fn input_name(&self, i: usize) -> Option<&Arc<str>> {
        self.input_names.get(i)
    }

    /// Feed one event: update the mappings it reaches and push the index of every trigger it fires.
    pub fn event(&mut self, e: &InputEvent, fired: &mut Vec<usize>) {
        // A scene has a handful of inputs: comparing names beats hashing them.
        let Some(input) = self.input_names.iter().position(|n| Arc::ptr_eq(n, &e.input) || **n == *e.input) else {
            return;
        };
        // Values named on a serial line, parsed once per event; a bad part skips only itself.
        let mut named = std::mem::take(&mut self.named);
        named.clear();
        if let (EventKind::Serial { line }, Some(proto)) = (&e.kind, &self.protocols[input])
            && let Err(err) = parse_line(proto, line, &mut named)
        {
            self.bad_line(input, e.t, &err);
        }
        self.track_midi(input, &e.kind);
        self.order += 1;
        let mut matched = false;
        for &i in &self.mappings_of[input] {
            let m = &self.mappings[i];
            let Some(raw) = self.read(input, &m.selector, self.mapping_patterns[i].as_ref(), &e.kind, &named) else {
                continue;
            };
            matched = true;
            let value = transform(m, raw);
            let filtered = self.filters[i].apply(m.filter, e.t, value as f64) as f32;
            self.latest[i] = Some((e.t, self.order, filtered));
            self.dirty[m.param.0] = true;
        }
        for &i in &self.triggers_of[input] {
            let t = &self.triggers[i];
            let Some(v) = self.read(input, &t.selector, self.trigger_patterns[i].as_ref(), &e.kind, &named) else {
                continue;
            };
            matched = true;
            let armed = &mut self.armed[i];
            match t.edge {
                Edge::Rising if *armed && v > t.above => {
                    // A program change has no release: the next one may fire again.
                    *armed = matches!(t.selector, Selector::ProgramNumber(_));
                    fired.push(i);
                }
                Edge::Rising if !*armed && v < t.below => *armed = true,
                Edge::Falling if *armed && v < t.below => {
                    *armed = false;
                    fired.push(i);
                }
                Edge::Falling if !*armed && v > t.above => *armed = true,
                _ => {}
            }
        }
        for &i in &self.watches_of[input] {
            let (_, selector, pattern) = &self.watches[i];
            let Some(v) = self.read(input, selector, pattern.as_ref(), &e.kind, &named) else { continue };
            matched = true;
            self.watch_latest[i] = Some(v);
            if self.watch_hits.len() < MAX_WATCH_HITS {
                self.watch_hits.push((i, e.t, v));
            } else {
                if self.watch_hits_dropped == 0 {
                    tracing::warn!(
                        "input `{}`: more than {MAX_WATCH_HITS} watched values in one tick; the scripts' on_input \
                         handlers get the first {MAX_WATCH_HITS} (input() still reads the latest)",
                        self.input_names[input]
                    );
                }
                self.watch_hits_dropped += 1;
            }
        }
        self.named = named;
        if let (false, EventKind::Osc { addr, .. }) = (matched, &e.kind) {
            self.unmatched.count(&self.input_names[input], addr, e.t);
        }
    }

    /// OSC messages no mapping or trigger read so far, per (input, address), most first.
    pub fn unmatched(&self) -> Vec<(String, String, u64)> {
        let mut v: Vec<(String, String, u64)> =
            self.unmatched.counts.iter().map(|((i, a), n)| (i.to_string(), a.clone(), *n)).collect();
        v.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.1.cmp(&b.1)));
        v
    }

    /// Serial lines of input `i` that had a bad part, so far.
    pub fn bad_lines(&self, i: usize) -> u64 {
        self.bad_lines.get(i).map_or(0, |b| b.total)
    }

    /// Counts a bad line and warns: the first at once, then at most every
    /// [`BAD_LINE_WARN_EVERY`] seconds with how many there were meanwhile.
    fn bad_line(&mut self, input: usize, t: f64, err: &LineError) {
        let b = &mut self.bad_lines[input];
        b.total += 1;
        b.unwarned += 1;
        if b.warned_at.is_some_and(|w| t - w < BAD_LINE_WARN_EVERY) {
            return;
        }
        let name = &self.input_names[input];
        match b.warned_at {
            None => tracing::warn!(
                "serial input `{name}`: {err}. Check what the device prints (`quai monitor --serial ...`) against the \
                 input's `protocol` in the scene; further bad lines are summed up every {BAD_LINE_WARN_EVERY:.0} s"
            ),
            Some(w) => tracing::warn!(
                "serial input `{name}`: {} bad lines in the last {:.0} s ({} in all), the latest: {err}",
                b.unwarned,
                t - w,
                b.total
            ),
        }
        b.warned_at = Some(t);
        b.unwarned = 0;
    }

    pub fn mappings(&self) -> &[Mapping] {
        &self.mappings
    }

    /// The input whose event last set parameter `p` through a mapping, if any.
    pub fn last_input_of(&self, p: usize) -> Option<usize> {
        self.mappings
            .iter()
            .zip(&self.latest)
            .filter(|(m, _)| m.param.0 == p)
            .filter_map(|(m, l)| l.map(|(_, order, _)| (order, m.input)))
            .max()
            .map(|(_, input)| input)
    }

    pub fn trigger_name(&self, i: usize) -> &str {
        &self.triggers[i].name
    }

    /// Write every parameter that changed since the last call, combining its mappings.
    pub fn apply(&mut self, params: &mut ParamStore) {
        for (p, dirty) in self.dirty.iter_mut().enumerate() {
            if !std::mem::take(dirty) {
                continue;
            }
            let values = self.mappings.iter().zip(&self.latest).filter(|(m, _)| m.param.0 == p).filter_map(|(_, l)| *l);
            let value = match self.combine[p] {
                Combine::Last => values.max_by_key(|(_, order, _)| *order).map(|(_, _, v)| v),
                Combine::Max => values.map(|(_, _, v)| v).reduce(f32::max),
                Combine::Sum => values.map(|(_, _, v)| v).reduce(|a, b| a + b),
            };
            if let Some(v) = value {
                let _ = params.write(crate::scene::ParamId(p), v, crate::show::Writer::Mapping);
            }
        }
    }

    fn track_midi(&mut self, input: usize, kind: &EventKind) {
        if let EventKind::Midi { msg, .. } = kind {
            match *msg {
                MidiMessage::ControlChange { channel, controller, value } => {
                    let (pairing, values) = &mut self.cc14[input];
                    if let Some((msb, v)) = pairing.feed(channel, controller, value) {
                        values.insert((channel, msb), v);
                    }
                }
                MidiMessage::NoteOn { note, .. } => self.last_note[input] = Some(note),
                _ => {}
            }
        }
    }

    /// The raw value `selector` reads from this event, if the event carries it.
    fn read(
        &self,
        input: usize,
        selector: &Selector,
        compiled: Option<&Pattern>,
        kind: &EventKind,
        named: &[(String, f64)],
    ) -> Option<f64> {
        match (selector, kind) {
            (Selector::Osc { pattern, arg }, EventKind::Osc { addr, args }) => {
                // The scene's pattern against the address; rarely, a sender's pattern against ours.
                let hit = compiled.is_some_and(|c| c.matches(addr)) || (is_pattern(addr) && matches(addr, pattern));
                if !hit {
                    return None;
                }
                args.get(*arg).and_then(|a| a.as_f64()).or(if args.is_empty() && *arg == 0 { Some(1.0) } else { None })
            }
            (Selector::Value(name), EventKind::Serial { .. }) => {
                named.iter().rev().find(|(n, _)| n == name).map(|(_, v)| *v)
            }
            (_, EventKind::Midi { msg, .. }) => midi_value(selector, msg, &self.cc14[input].1, self.last_note[input]),
            _ => None,
        }
    }
}

/// An input's 14-bit controller pairing and its latest value per (channel, MSB controller).
type Cc14State = (Cc14, HashMap<(u8, u8), u16>);

/// Most distinct unmatched addresses counted one by one (a sender spraying random addresses
/// cannot grow the table without end); the rest are counted together.
const MAX_UNMATCHED: usize = 256;
/// A summary of unmatched OSC at most this often (show seconds).
const UNMATCHED_EVERY: f64 = 10.0;

/// Counts of OSC nothing reads, logged: each address the first time, then a summary every 10 s.
#[derive(Debug, Default)]
struct Unmatched {
    counts: HashMap<(Arc<str>, String), u64>,
    other: u64,
    /// Since the last summary.
    recent: u64,
    last_summary: Option<f64>,
}

impl Unmatched {
    fn count(&mut self, input: &Arc<str>, addr: &str, t: f64) {
        let key = (input.clone(), addr.to_string());
        let full = self.counts.len() >= MAX_UNMATCHED;
        match self.counts.get_mut(&key) {
            Some(n) => *n += 1,
            None if !full => {
                tracing::info!(
                    "OSC input `{input}`: `{addr}` matches no mapping or trigger (check the address in the \
                     scene's `from = \"{input}:...\"`; further ones are counted)"
                );
                self.counts.insert(key, 1);
            }
            None => self.other += 1,
        }
        self.recent += 1;
        let due = self.last_summary.is_none_or(|last| t - last >= UNMATCHED_EVERY);
        if due && self.recent > 1 {
            let mut top: Vec<_> = self.counts.iter().collect();
            top.sort_by(|a, b| b.1.cmp(a.1));
            let list: Vec<String> = top.iter().take(5).map(|((i, a), n)| format!("{i}:{a} ×{n}")).collect();
            tracing::info!("OSC nothing reads, {} messages so far: {}", self.recent, list.join(", "));
            self.recent = 0;
            self.last_summary = Some(t);
        } else if self.last_summary.is_none() {
            self.last_summary = Some(t);
        }
    }
}

fn compile(selector: &Selector) -> Option<Pattern> {
    match selector {
        Selector::Osc { pattern, .. } => Pattern::compile(pattern).ok(),
        _ => None,
    }
}

fn is_pattern(addr: &str) -> bool {
    addr.contains(['*', '?', '[', '{'])
}

fn midi_value(
    selector: &Selector,
    msg: &MidiMessage,
    cc14: &HashMap<(u8, u8), u16>,
    last_note: Option<u8>,
) -> Option<f64> {
    match (selector, *msg) {
        (&Selector::Cc(c), MidiMessage::ControlChange { controller, value, .. }) if c == controller => {
            Some(value as f64)
        }
        (&Selector::Cc14(c), MidiMessage::ControlChange { channel, controller, .. })
            if controller == c || controller == c + 32 =>
        {
            cc14.get(&(channel, c)).map(|v| f64::from(*v))
        }
        (&Selector::Note(n), MidiMessage::NoteOn { note, velocity, .. }) if n == note => Some(velocity as f64),
        (&Selector::Note(n), MidiMessage::NoteOff { note, .. }) if n == note => Some(0.0),
        (Selector::AnyNote, MidiMessage::NoteOn { .. }) => last_note.map(f64::from),
        (Selector::Bend, MidiMessage::PitchBend { value, .. }) => Some(value as f64),
        (Selector::Program, MidiMessage::ProgramChange { program, .. }) => Some(program as f64),
        (&Selector::ProgramNumber(n), MidiMessage::ProgramChange { program, .. }) => {
            Some(if program == n { 1.0 } else { 0.0 })
        }
        _ => None,
    }
}

#[cfg(test)]
#[path = "mapping_tests.rs"]
mod tests;
