//! The frame loop's view of all inputs: the live sources (each on its own thread, feeding its own
//! queue) or a replayed log, the events not yet due (scheduled OSC bundles), the recorder, and the
//! mapper. `step` runs once per frame on the render thread and never waits on a device.

use std::collections::VecDeque;
use std::sync::{Arc, mpsc};

use super::event::{EventKind, EventQueue, InputEvent, OscValue};
use super::log::Recorder;
use super::mapping::Mapper;
use super::sources::Source;
use crate::scene::{Input, Scene};
use crate::show::commands::{self, Command, FromOsc, Issued};
use crate::show::{ParamStore, ShowClock};

/// Commands sent straight to the show (keys, the console) that may wait between two ticks.
pub const COMMAND_QUEUE: usize = 256;
/// Calibration messages kept per tick (a tablet sends a handful; a flood is cut here).
const MAX_CALIBRATION: usize = 256;

pub struct InputHub {
    mapper: Mapper,
    inputs: Vec<Input>,
    /// One per scene input, `None` where it could not start.
    sources: Vec<Option<Source>>,
    /// Parameter targets last sent as feedback.
    sent: Vec<f32>,
    /// Sources with feedback that have not been told the current values yet (new at start, on a
    /// reload or once started late): faders show the show's state, not their own.
    fresh: Vec<usize>,
    queues: Vec<Arc<EventQueue>>,
    replay: VecDeque<InputEvent>,
    pending: Vec<InputEvent>,
    batch: Vec<InputEvent>,
    recorder: Option<Recorder>,
    /// Sources (re)started off the render thread after a reload, arriving by input index.
    starting: Option<mpsc::Receiver<(usize, Source)>>,
    fired: Vec<usize>,
    /// Commands sent straight to the show (keys in a window, the console): one bounded queue,
    /// kept across reloads, drained, recorded and replayed with the inputs' events.
    commands: Arc<EventQueue>,
    /// Each trigger's command (`do`), by trigger index.
    actions: Vec<Option<Command>>,
    /// Commands found by the last `step`, in time order.
    issued: Vec<Issued>,
    /// OSC under `/quai/` that is not a command: counted, logged at most once a second.
    pub bad_commands: u64,
    bad_logged: Option<(f64, u64)>,
    /// Armed learn: what to bind the next control moved to, who armed it, and a control not to
    /// learn (the one of the trigger that armed it).
    learning: Option<(commands::Learn, Arc<str>, Option<String>)>,
    /// Where learned bindings are written (the main scene file, when the show is live).
    learn_into: Option<std::path::PathBuf>,
    trigger_names: Vec<String>,
    /// Bindings learned so far (written or, offline, only logged).
    pub learned: Vec<super::learn::Learned>,
    /// `/quai/calibrate/...` messages of the last `step`, for a window calibrating its projectors
    /// (`--calibrate`): one OSC surface for the whole show.
    calibration: Vec<InputEvent>,
    /// The latest event of each input (by input index) and the latest command, for the console.
    last: Vec<Option<InputEvent>>,
    last_command: Option<InputEvent>,
    /// Events delivered since the start, and triggers fired.
    pub delivered: u64,
    pub triggers_fired: u64,
}

impl InputHub {
    /// Mappings only, no events (an offline render without `--replay`).
    pub fn idle(scene: &Scene) -> Self {
        Self {
            mapper: Mapper::new(scene),
            inputs: scene.inputs.clone(),
            sources: Vec::new(),
            sent: scene.params.iter().map(|p| p.default).collect(),
            fresh: Vec::new(),
            queues: Vec::new(),
            replay: VecDeque::new(),
            pending: Vec::new(),
            batch: Vec::new(),
            recorder: None,
            starting: None,
            fired: Vec::new(),
            commands: EventQueue::new(COMMAND_QUEUE),
            actions: scene.triggers.iter().map(|t| t.action.clone()).collect(),
            issued: Vec::new(),
            bad_commands: 0,
            bad_logged: None,
            learning: None,
            learn_into: None,
            trigger_names: scene.triggers.iter().map(|t| t.name.clone()).collect(),
            learned: Vec::new(),
            calibration: Vec::new(),
            last: vec![None; scene.inputs.len()],
            last_command: None,
            delivered: 0,
            triggers_fired: 0,
        }
    }

    /// Where keys and the console send commands (an `EventKind::Command` event each); they are
    /// applied at the first tick whose time has come, in time order with everything else.
    pub fn command_queue(&self) -> Arc<EventQueue> {
        self.commands.clone()
    }

    /// Events from a log, delivered on the offline clock (see `step`).
    pub fn replay(scene: &Scene, events: Vec<InputEvent>) -> Self {
        Self { replay: events.into(), ..Self::idle(scene) }
    }

    /// Start every input of the scene. A source that cannot start now (port in use, device
    /// unplugged) is reported and keeps retrying on its own thread; the show starts regardless.
    pub fn live(scene: &Scene, clock: ShowClock) -> Self {
        let mut hub = Self::idle(scene);
        hub.learn_into = Some(scene.path.clone());
        hub.start_sources(clock);
        hub
    }

    fn start_sources(&mut self, clock: ShowClock) {
        self.sources.clear();
        self.queues.clear();
        for input in &self.inputs {
            let queue = EventQueue::new(input.queue);
            // The queue stays even when the source cannot start: stats stay aligned with inputs.
            self.queues.push(queue.clone());
            match Source::start(input, queue, clock) {
                Ok(s) => {
                    self.fresh.push(self.sources.len());
                    self.sources.push(Some(s));
                }
                Err(e) => {
                    tracing::error!("{e}");
                    self.sources.push(None);
                }
            }
        }
    }

    /// The hub for a reloaded scene. Sources whose settings did not change keep running untouched
    /// (ports stay bound, devices stay open, queued events stay queued); the others are stopped
    /// and the new ones started on a helper thread, so the render thread never waits on a device
    /// (closing a MIDI port can take seconds). Old ports close before new ones open: the same
    /// port may be reused. The mappings start afresh.
    pub fn reload(mut self, scene: &Scene, clock: ShowClock) -> Self {
        let mut next = Self::idle(scene);
        next.recorder = self.recorder.take();
        next.commands = self.commands.clone();
        next.bad_commands = self.bad_commands;
        next.learn_into = self.learn_into.take().map(|_| scene.path.clone());
        next.learning = self.learning.take();
        next.learned = std::mem::take(&mut self.learned);
        next.last_command = self.last_command.take();
        next.pending = std::mem::take(&mut self.pending);
        self.collect_started();
        let mut sources = std::mem::take(&mut self.sources);
        sources.resize_with(self.inputs.len(), || None);
        let mut old: Vec<_> =
            std::mem::take(&mut self.inputs).into_iter().zip(sources).zip(std::mem::take(&mut self.queues)).collect();
        let mut to_start = Vec::new();
        for (i, input) in scene.inputs.iter().enumerate() {
            match old.iter().position(|((o, _), _)| o == input) {
                Some(pos) => {
                    let ((_, source), queue) = old.swap_remove(pos);
                    next.sources.push(source);
                    next.queues.push(queue);
                }
                None => {
                    let queue = EventQueue::new(input.queue);
                    next.sources.push(None);
                    next.queues.push(queue.clone());
                    to_start.push((i, input.clone(), queue));
                }
            }
        }
        let retired: Vec<Source> = old.into_iter().filter_map(|((_, s), _)| s).collect();
        if retired.is_empty() && to_start.is_empty() {
            return next;
        }
        let (tx, rx) = mpsc::channel();
        let restart = move || {
            drop(retired);
            for (i, input, queue) in to_start {
                match Source::start(&input, queue, clock) {
                    Ok(s) => {
                        if let Err(mpsc::SendError((_, s))) = tx.send((i, s)) {
                            drop(s); // reloaded again meanwhile: this one is not wanted any more
                        }
                    }
                    Err(e) => tracing::error!("{e}"),
                }
            }
        };
        if let Err(e) = std::thread::Builder::new().name("quai-input-restart".into()).spawn(restart) {
            tracing::error!(
                "cannot start a thread to restart the changed inputs ({e}); they stay off until the next reload"
            );
        }
        next.starting = Some(rx);
        next
    }

    /// Take in the sources the restart thread has started since the last call.
    fn collect_started(&mut self) {
        let Some(rx) = &self.starting else { return };
        loop {
            match rx.try_recv() {
                Ok((i, source)) => {
                    if let Some(slot) = self.sources.get_mut(i) {
                        *slot = Some(source);
                        self.fresh.push(i);
                    }
                }
                Err(mpsc::TryRecvError::Empty) => return,
                Err(mpsc::TryRecvError::Disconnected) => {
                    self.starting = None;
                    return;
                }
            }
        }
    }

    pub fn record_to(&mut self, recorder: Recorder) {
        self.recorder = Some(recorder);
    }

    /// Deliver every event due at `now` (seconds of show time) through the mappings into `params`,
    /// in time order. Returns the names of the triggers fired; the commands found (sent straight,
    /// OSC `/quai/...`, triggers' `do`) are added to `commands`, in time order.
    pub fn step(&mut self, now: f64, params: &mut ParamStore, commands: &mut Vec<Issued>) -> Vec<&str> {
        self.collect_started();
        self.mapper.clear_watch_hits();
        let mut taken = std::mem::take(&mut self.batch);
        let batch = &mut taken;
        batch.clear();
        for q in self.queues.iter().chain(std::iter::once(&self.commands)) {
            q.drain(|e| batch.push(e));
        }
        if let Some(r) = &mut self.recorder {
            // Recorded as they arrive, with their own times: a replay reproduces the run.
            batch.iter().for_each(|e| r.record(e));
        }
        // Scheduled bundles wait for their time; so do replayed events.
        batch.append(&mut self.pending);
        // In place (no allocation per frame): events not yet due go back to `pending`; order is
        // restored by the sort below.
        let mut i = 0;
        while i < batch.len() {
            if batch[i].t > now {
                self.pending.push(batch.swap_remove(i));
            } else {
                i += 1;
            }
        }
        while self.replay.front().is_some_and(|e| e.t <= now) {
            batch.extend(self.replay.pop_front());
        }
        batch.sort_by(|a, b| a.t.total_cmp(&b.t));
        self.fired.clear();
        self.issued.clear();
        self.calibration.clear();
        for e in batch.iter() {
            if self.learning.is_some() {
                self.learn_from(e);
            }
            match &e.kind {
                EventKind::Command(Command::Learn(l)) => {
                    self.arm(l.clone(), e.input.clone());
                    continue;
                }
                EventKind::Command(c) => {
                    self.issued.push(Issued { t: e.t, by: e.input.clone(), command: c.clone() });
                    continue;
                }
                EventKind::Osc { addr, args } if addr.starts_with("/quai") => {
                    self.quai_osc(e, addr, args);
                    continue;
                }
                _ => {}
            }
            let before = self.fired.len();
            self.mapper.event(e, &mut self.fired);
            for k in before..self.fired.len() {
                let i = self.fired[k];
                match self.actions.get(i) {
                    Some(Some(Command::Learn(l))) => {
                        let by = Arc::from(format!("trigger {}", self.mapper.trigger_name(i)));
                        self.arm(l.clone(), by);
                        // The trigger's own control (its release, say) is not the one to learn.
                        if let Some(armed) = &mut self.learning {
                            armed.2 = super::learn::selector_of(e, false);
                        }
                    }
                    Some(Some(command)) => {
                        let by = Arc::from(format!("trigger {}", self.mapper.trigger_name(i)));
                        self.issued.push(Issued { t: e.t, by, command: command.clone() });
                    }
                    _ => {}
                }
            }
        }
        self.delivered += batch.len() as u64;
        // The newest event per input (newest first, so at most one clone per input and tick).
        for e in batch.iter().rev() {
            let slot = match e.kind {
                EventKind::Command(_) => Some(&mut self.last_command),
                _ => self.inputs.iter().position(|i| *i.name == *e.input).and_then(|i| self.last.get_mut(i)),
            };
            if let Some(slot) = slot
                && slot.as_ref().is_none_or(|l| l.t < e.t)
            {
                *slot = Some(e.clone());
            }
        }
        self.batch = taken;
        self.triggers_fired += self.fired.len() as u64;
        self.mapper.apply(params);
        self.feedback(params);
        commands.append(&mut self.issued);
        self.fired.iter().map(|&i| self.mapper.trigger_name(i)).collect()
    }

    /// An OSC message under `/quai/`: a command, a learn, a calibration move, a button release,
    /// or a bad address (counted, and logged at most once a second with how many came meanwhile).
    fn quai_osc(&mut self, e: &InputEvent, addr: &str, args: &[OscValue]) {
        let first = args.first().and_then(OscValue::as_f64);
        let text = match args.first() {
            Some(OscValue::Str(s)) => Some(s.as_str()),
            _ => None,
        };
        match commands::from_osc(addr, first, text) {
            Ok(FromOsc::Command(Command::Learn(l))) => self.arm(l, Arc::from(format!("osc {}", e.input))),
            Ok(FromOsc::Command(command)) => {
                let by = Arc::from(format!("osc {}", e.input));
                self.issued.push(Issued { t: e.t, by, command });
            }
            Ok(FromOsc::NotOurs) => self.mapper.event(e, &mut self.fired),
            Ok(FromOsc::Calibrate) if self.calibration.len() < MAX_CALIBRATION => self.calibration.push(e.clone()),
            Ok(FromOsc::Release | FromOsc::Calibrate) => {}
            Err(err) => {
                self.bad_commands += 1;
                if self.bad_logged.is_some_and(|(at, _)| e.t - at < 1.0) {
                    return;
                }
                let quiet = self.bad_logged.map_or(0, |(_, n)| self.bad_commands - 1 - n);
                let since = match quiet {
                    0 => String::new(),
                    n => format!(" ({n} more bad /quai/ messages since the last warning)"),
                };
                let forms = commands::CommandError::OSC_FORMS;
                tracing::warn!("OSC input `{}`: {err}; nothing changed. {forms}{since}", e.input);
                self.bad_logged = Some((e.t, self.bad_commands));
            }
        }
    }

    /// Fires the scene's trigger `name` as its input would (a script's `trigger("name")`): its
    /// command, if it has one, is sent as from `by`. False when the scene has no such trigger.
    pub fn fire(&mut self, name: &str, t: f64, by: Arc<str>, commands: &mut Vec<Issued>) -> bool {
        let Some(i) = (0..self.actions.len()).find(|&i| self.mapper.trigger_name(i) == name) else { return false };
        if let Some(command) = self.actions[i].clone() {
            commands.push(Issued { t, by, command });
        }
        self.triggers_fired += 1;
        true
    }

    /// Reads a value for the scene's scripts from every event from now on (see `script::Watch`);
    /// returns its index in [`Self::watched`].
    pub fn watch(&mut self, w: &crate::script::Watch) -> usize {
        self.mapper.watch(w)
    }

    /// The values the scripts watch: the latest of each, and the last step's in event order.
    pub fn watched(&self) -> crate::script::Watched<'_> {
        self.mapper.watched()
    }

    /// The `/quai/calibrate/...` messages the last `step` saw (each also recorded as OSC).
    pub fn calibration(&self) -> &[InputEvent] {
        &self.calibration
    }

    fn arm(&mut self, learn: commands::Learn, by: Arc<str>) {
        match learn {
            commands::Learn::Cancel => {
                if self.learning.take().is_some() {
                    tracing::info!("learn cancelled by {by}");
                }
            }
            l => {
                let what = match &l {
                    commands::Learn::Param(p) => format!("parameter `{p}`"),
                    commands::Learn::Command(c) => format!("command \"{c}\""),
                    commands::Learn::Cancel => unreachable!(),
                };
                tracing::info!("learn armed by {by}: move a control on a MIDI or OSC input to bind it to {what}");
                self.learning = Some((l, by, None));
            }
        }
    }

    /// With learn armed: the first control moved becomes the binding, written into the scene file
    /// (off the render thread) when the show is live; hot reload then loads it.
    fn learn_from(&mut self, e: &InputEvent) {
        let Some((learn, _, skip)) = &self.learning else { return };
        if skip.is_some() && super::learn::selector_of(e, false) == *skip {
            return;
        }
        let taken: Vec<&str> = self.trigger_names.iter().map(String::as_str).collect();
        let Some(learned) = super::learn::binding(learn, e, &taken) else { return };
        let Some((_, by, _)) = self.learning.take() else { return };
        if let super::learn::Learned::Trigger { name, .. } = &learned {
            self.trigger_names.push(name.clone());
        }
        self.learned.push(learned.clone());
        let Some(path) = self.learn_into.clone() else {
            tracing::info!("learned {learned} (armed by {by}); not written: this show is not live");
            return;
        };
        let write = move || match super::learn::save(&path, &learned) {
            Ok(true) => tracing::info!("learned {learned} (armed by {by}), written to {}", path.display()),
            Ok(false) => tracing::info!("learned {learned}: {} already has it", path.display()),
            Err(e) => tracing::error!("learned {learned}, but {e}; the show goes on without it"),
        };
        if let Err(e) = std::thread::Builder::new().name("quai-learn".into()).spawn(write) {
            tracing::error!("cannot start a thread to write the learned binding: {e}");
        }
    }

    /// Tell controllers about parameters that changed: each mapping from an input with feedback
    /// gets the value in its own units at its own address (OSC) or controller (MIDI CC), so faders
    /// and LED rings follow changes made elsewhere. The input that made the change is not told.
    fn feedback(&mut self, params: &ParamStore) {
        if self.sources.iter().flatten().all(|s| !s.has_feedback()) {
            self.fresh.clear();
            return;
        }
        // A destination that just appeared gets every value it maps, once.
        for i in std::mem::take(&mut self.fresh) {
            let Some(Some(source)) = self.sources.get(i) else { continue };
            if !source.has_feedback() {
                continue;
            }
            for m in self.mapper.mappings().iter().filter(|m| m.input == i) {
                source.send_feedback(&m.selector, super::mapping::inverse(m, params.target(m.param)));
            }
        }
        for p in 0..self.sent.len() {
            let target = params.target(crate::scene::ParamId(p));
            if (target - self.sent[p]).abs() <= f32::EPSILON {
                continue;
            }
            self.sent[p] = target;
            let origin = self.mapper.last_input_of(p);
            for m in self.mapper.mappings().iter().filter(|m| m.param.0 == p && Some(m.input) != origin) {
                if let Some(Some(source)) = self.sources.get(m.input) {
                    source.send_feedback(&m.selector, super::mapping::inverse(m, target));
                }
            }
        }
    }

    /// Each input as the console shows it: kind, connection state, counters, the latest event;
    /// then the commands sent straight to the show (keys, the console, the schedule).
    pub fn input_status(&self) -> Vec<crate::console::status::InputStatus> {
        use crate::scene::InputKind;
        let mut out: Vec<_> = self
            .inputs
            .iter()
            .enumerate()
            .map(|(i, input)| {
                let q = self.queues.get(i);
                let state = match self.sources.get(i) {
                    Some(Some(s)) => s.status(),
                    Some(None) => "not started: see the log".to_string(),
                    None if self.replay.is_empty() && self.queues.is_empty() => "idle (offline)".to_string(),
                    None => "starting".to_string(),
                };
                crate::console::status::InputStatus {
                    name: input.name.clone(),
                    kind: match input.kind {
                        InputKind::Osc { .. } => "osc",
                        InputKind::Midi { .. } => "midi",
                        InputKind::Serial { .. } => "serial",
                    },
                    state,
                    received: q.map_or(0, |q| q.received()),
                    dropped: q.map_or(0, |q| q.dropped()),
                    rate: 0.0,
                    last: self.last.get(i).and_then(Option::as_ref).map(|e| e.to_string()),
                }
            })
            .collect();
        out.push(crate::console::status::InputStatus {
            name: "commands".into(),
            kind: "commands",
            state: "keys, console, schedule".into(),
            received: self.commands.received(),
            dropped: self.commands.dropped(),
            rate: 0.0,
            last: self.last_command.as_ref().map(|e| e.to_string()),
        });
        out
    }

    /// What an armed learn binds the next control moved to.
    pub fn learning(&self) -> Option<String> {
        self.learning.as_ref().map(|(l, _, _)| match l {
            commands::Learn::Param(p) => p.clone(),
            commands::Learn::Command(c) => c.to_string(),
            commands::Learn::Cancel => "cancel".into(),
        })
    }

    /// Per-input (name, received, dropped) counts of the live queues.
    pub fn queue_stats(&self) -> Vec<(&str, u64, u64)> {
        self.inputs.iter().zip(&self.queues).map(|(i, q)| (i.name.as_str(), q.received(), q.dropped())).collect()
    }

    /// Replayed events not yet delivered.
    pub fn replay_left(&self) -> usize {
        self.replay.len()
    }
}

#[cfg(test)]
mod tests {
    use std::net::UdpSocket;
    use std::time::{Duration, Instant};

    use super::*;

    fn scene(ports: [u16; 2], allow: &str) -> Scene {
        let text = format!(
            "[params.a]\n[params.b]\n\
             [[inputs]]\nname = \"one\"\nosc = \"{}\"\n\
             [[inputs]]\nname = \"two\"\nosc = \"{}\"\n{allow}\n\
             [[mappings]]\nfrom = \"one:/a\"\nto = \"a\"\n\
             [[mappings]]\nfrom = \"two:/b\"\nto = \"b\"\n",
            ports[0], ports[1]
        );
        crate::scene::load_str(std::path::Path::new("hub.toml"), &text).expect("scene")
    }

    fn free_port() -> u16 {
        UdpSocket::bind("127.0.0.1:0").and_then(|s| s.local_addr()).map(|a| a.port()).expect("port")
    }

    fn packet(addr: &str) -> Vec<u8> {
        let msg = rosc::OscMessage { addr: addr.into(), args: vec![rosc::OscType::Float(0.5)] };
        rosc::encoder::encode(&rosc::OscPacket::Message(msg)).expect("encode")
    }

    /// A reload that changes one input keeps the other running untouched: the same queue, still
    /// bound, events sent before the swap still delivered; the changed one comes back (started
    /// off the render thread) and receives on its new port.
    #[test]
    fn reload_keeps_unchanged_inputs_and_restarts_the_changed_one_off_thread() {
        let (p1, p2, p3) = (free_port(), free_port(), free_port());
        let clock = ShowClock::start();
        let first = scene([p1, p2], "");
        let hub = InputHub::live(&first, clock);
        let kept = hub.queues[0].clone();
        let send = UdpSocket::bind("127.0.0.1:0").expect("sender");
        let deadline = Instant::now() + Duration::from_secs(5);
        while kept.received() == 0 && Instant::now() < deadline {
            send.send_to(&packet("/a"), ("127.0.0.1", p1)).expect("send");
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(kept.received() > 0, "input `one` never received");

        let second = scene([p1, p3], "");
        let mut hub = hub.reload(&second, clock);
        assert!(Arc::ptr_eq(&hub.queues[0], &kept), "the unchanged input keeps its queue and source");
        assert!(hub.sources[0].is_some(), "the unchanged input never stopped");
        let mut params = ParamStore::new(&second.params);
        let b = second.param("b").expect("b");
        let deadline = Instant::now() + Duration::from_secs(10);
        while params.value(b) != 0.5 && Instant::now() < deadline {
            send.send_to(&packet("/b"), ("127.0.0.1", p3)).expect("send");
            std::thread::sleep(Duration::from_millis(20));
            hub.step(clock.now(), &mut params, &mut Vec::new());
            params.advance(0.02);
        }
        assert_eq!(params.value(b), 0.5, "the restarted input receives on its new port");
        let a = second.param("a").expect("a");
        assert_eq!(params.value(a), 0.5, "events queued on the kept input before the reload were delivered");
    }
}

#[cfg(test)]
mod learn_tests {
    use super::*;
    use crate::input::learn::Learned;

    fn osc(t: f64, addr: &str, v: f32) -> InputEvent {
        let args = vec![OscValue::Float(f64::from(v))];
        InputEvent { t, input: Arc::from("pad"), kind: EventKind::Osc { addr: addr.into(), args } }
    }

    /// A trigger whose `do` is a learn arms it; the trigger's own button (its release) is not what
    /// gets learned, the next other control is. A replay only records what it learned.
    #[test]
    fn a_trigger_arms_learn_and_the_next_other_control_is_bound() {
        let text = "[params.a]\n[[inputs]]\nname = \"pad\"\nosc = \"0\"\n\
                    [[triggers]]\nname = \"learn_a\"\nfrom = \"pad:/learn\"\ndo = \"learn a\"\n";
        let scene = crate::scene::load_str(std::path::Path::new("l.toml"), text).expect("scene");
        let events = vec![osc(0.1, "/learn", 1.0), osc(0.2, "/learn", 0.0), osc(0.3, "/fader/2", 0.4)];
        let mut hub = InputHub::replay(&scene, events);
        let mut params = ParamStore::new(&scene.params);
        hub.step(1.0, &mut params, &mut Vec::new());
        assert_eq!(hub.learned, [Learned::Mapping { from: "pad:/fader/2".into(), to: "a".into() }]);
    }
}
