//! The show as the web console sees it: [`Show::status`] builds a snapshot from the render
//! thread's own state (a few times a second, see `console::status::Publisher`).

use std::sync::Arc;

use super::Show;
use crate::console::status::{Board, ListStatus, ParamStatus, Publisher, ScheduleStatus, Status};
use crate::scene::ParamId;
use crate::show::Writer;
use crate::show::control::Standby;
use crate::show::schedule::Change;

impl Show {
    /// Publish snapshots of this show to `board` from the next tick on.
    pub fn publish_to(&mut self, board: Arc<Board>) {
        self.publisher = Some(Publisher::new(board));
    }

    /// Serve the web console (and OSCQuery) for this show, as `opts` asks; they stop with the show.
    pub fn attach_console(&mut self, opts: &crate::console::ConsoleOptions) -> Result<(), crate::app::AppError> {
        let console = crate::console::Console::start(opts, self.inputs.command_queue(), self.origin)
            .map_err(|e| crate::app::AppError::Bug(format!("cannot start the console's thread: {e}")))?;
        self.publish_to(console.board.clone());
        self.add_output(Box::new(crate::console::thumbnail::Thumbnails::new(&self.gpu, console.board.clone())));
        self.console = Some(console);
        Ok(())
    }

    /// The attached console, if any.
    pub fn console(&self) -> Option<&crate::console::Console> {
        self.console.as_ref()
    }

    /// What the show is doing now (rates and health are completed by the publisher).
    pub fn status(&self) -> Status {
        let scene = self.compositor.scene();
        let t = self.last.time;
        let engine = self.control.engine();
        let cues = scene
            .cues
            .iter()
            .enumerate()
            .map(|(i, list)| {
                let li = engine.list_index(&list.name);
                let playhead = li.and_then(|l| engine.playhead(l));
                let next = playhead.map_or(0, |p| p + 1);
                ListStatus {
                    name: list.name.clone(),
                    current: playhead.and_then(|p| list.cues.get(p)).map(|c| c.name.clone()),
                    next: list.cues.get(next).map(|c| c.name.clone()),
                    fade: li.and_then(|l| engine.fade_progress(l, t)),
                    cues: list.cues.iter().map(|c| c.name.clone()).collect(),
                    default: scene.default_list == Some(i),
                }
            })
            .collect();
        let params = scene
            .params
            .iter()
            .enumerate()
            .map(|(i, p)| ParamStatus {
                name: p.name.clone(),
                value: self.params.value(ParamId(i)),
                min: p.min,
                max: p.max,
                unit: p.unit.clone(),
                default: p.default,
                writer: self.params.last_writer(ParamId(i)).map(|w| match w {
                    Writer::Mapping => "mapping",
                    Writer::Cue => "cue",
                    Writer::Direct => "direct",
                }),
            })
            .collect();
        let schedule = self.scheduler.as_ref().map(|s| {
            let sch = s.schedule();
            let next = sch.next_change(s.now(t)).map(|c| match c {
                Change::Opens(at) => format!("opens {}", sch.describe(at)),
                Change::Closes(at) => format!("closes {}", sch.describe(at)),
            });
            ScheduleStatus { open: s.is_open(), next, zone: sch.zone_name.clone() }
        });
        let mut outputs = Vec::new();
        for o in &self.outputs {
            o.status(&mut outputs);
        }
        let stats = self.stats.as_ref();
        Status {
            scene: scene.name.clone(),
            path: scene.path.display().to_string(),
            time: t,
            frame: self.last.frame,
            target_fps: scene.fps,
            frame_ms: crate::console::status::FrameMs {
                mean: stats.map_or(0.0, |s| s.mean_ms()),
                p99: stats.map_or(0.0, |s| s.p99_ms()),
                recent: Vec::new(),
            },
            dropped: stats.map_or(0, |s| s.dropped()),
            standby: match self.control.standby() {
                Standby::Awake => "awake",
                Standby::Closing { .. } => "closing",
                Standby::Asleep => "asleep",
            },
            standby_ticks: self.standby_ticks,
            reloads: self.reloads,
            // A script function disabled by an error shows where a failed reload would.
            reload_error: self
                .reload_error
                .as_deref()
                .or_else(|| self.scripts.as_ref().and_then(|s| s.error()).map(|e| &**e))
                .map(str::to_string),
            inputs: self.inputs.input_status(),
            outputs,
            audio: self.audio.as_ref().map(|a| a.status()),
            cues,
            params,
            schedule,
            osc: scene.inputs.iter().find_map(|i| match &i.kind {
                crate::scene::InputKind::Osc { bind, .. } => Some(*bind),
                _ => None,
            }),
            learning: self.inputs.learning(),
            calibrating: self.calibrating,
            functions: self.scripts.as_ref().map(|s| s.callable()).unwrap_or_default(),
            refused: self.control.refused + self.inputs.bad_commands,
            ..Default::default()
        }
    }
}
