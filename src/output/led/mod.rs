//! The LED facade output: every `[[outputs]]` of kind `artnet` / `sacn` with its fixtures. Per
//! tick, on the render thread, a small GPU pass samples the canvas at each LED (`sample`); the
//! colours reach the output's sender thread latest-wins (`send`), which encodes the DMX (`dmx`,
//! with the pixel geometry of `map`) and sends Art-Net (`artnet`) or sACN (`sacn`) at its own
//! rate. Offline (`quai render --dmx`) the same pass feeds `record` instead, frame by frame.

pub mod artnet;
pub mod cid;
pub mod dmx;
mod fields;
pub mod map;
mod poll;
pub mod record;
pub mod sacn;
mod sample;
pub mod send;

use std::path::Path;

use self::dmx::{Frame as DmxFrame, Layout};
use self::record::DmxRecorder;
use self::sample::SamplePass;
use self::send::Sender;
use super::{Frame, Output};
use crate::app::AppError;
use crate::render::Gpu;
use crate::scene::Scene;
use crate::scene::led::{LedOutput, OnStop};

/// One LED output of the scene: its sampling pass and where its colours go.
struct Facade {
    out: LedOutput,
    pass: SamplePass,
    layout: Layout,
    dmx: DmxFrame,
    sender: Option<Sender>,
}

impl Facade {
    fn new(gpu: &Gpu, out: &LedOutput, canvas: [u32; 2], live: bool) -> Self {
        let pass = SamplePass::new(gpu, &out.name, &map::output_pixels(out), canvas);
        let layout = Layout::new(out);
        Self { dmx: layout.frame(), layout, pass, sender: live.then(|| Sender::start(out.clone())), out: out.clone() }
    }
}

/// All LED outputs of the show. Live, each sends on its own thread; offline, every frame's DMX
/// and a facade preview are written (see `record`).
pub struct LedOutputs {
    facades: Vec<Facade>,
    recorder: Option<DmxRecorder>,
    canvas: [u32; 2],
}

impl LedOutputs {
    /// The live LED outputs of `scene` (none is fine: a reload may add some).
    pub fn live(gpu: &Gpu, scene: &Scene) -> Self {
        let facades = scene.leds.iter().map(|o| Facade::new(gpu, o, scene.canvas, true)).collect();
        Self { facades, recorder: None, canvas: scene.canvas }
    }

    /// `quai render --dmx`: DMX and facade previews of `frames` frames written under `dir`.
    pub fn offline(gpu: &Gpu, scene: &Scene, dir: &Path, frames: u64) -> Result<Self, AppError> {
        let facades: Vec<Facade> = scene.leds.iter().map(|o| Facade::new(gpu, o, scene.canvas, false)).collect();
        let outputs: Vec<(&LedOutput, &Layout)> = facades.iter().map(|f| (&f.out, &f.layout)).collect();
        let recorder = DmxRecorder::create(dir, &outputs, scene.canvas, frames)?;
        Ok(Self { facades, recorder: Some(recorder), canvas: scene.canvas })
    }
}

impl Output for LedOutputs {
    fn name(&self) -> String {
        let names: Vec<&str> = self.facades.iter().map(|f| f.out.name.as_str()).collect();
        format!("LED outputs [{}]", names.join(", "))
    }

    /// Outputs whose settings and fixtures did not change keep their sender running; the others
    /// are replaced (an output that is gone stops as it declares; one that changed hands its
    /// universes straight to its successor, without a black frame between).
    fn scene_changed(&mut self, frame: &Frame<'_>) {
        let live = self.recorder.is_none();
        let scene = frame.scene;
        let mut old = std::mem::take(&mut self.facades);
        let canvas_moved = scene.canvas != self.canvas;
        self.canvas = scene.canvas;
        for o in &scene.leds {
            match old.iter().position(|f| f.out == *o).filter(|_| !canvas_moved) {
                Some(i) => self.facades.push(old.swap_remove(i)),
                None => {
                    tracing::info!("LED output `{}`: new settings or fixtures, restarting its sender", o.name);
                    self.facades.push(Facade::new(frame.gpu, o, scene.canvas, live));
                }
            }
        }
        let retired: Vec<(Sender, OnStop)> = old
            .into_iter()
            .filter_map(|f| {
                let replaced = scene.leds.iter().any(|o| o.name == f.out.name);
                let how = if replaced { OnStop::Hold } else { f.out.on_stop };
                f.sender.map(|s| (s, how))
            })
            .collect();
        if !retired.is_empty() {
            // Stopping joins the sender thread: not on the render thread.
            let spawned = std::thread::Builder::new().name("quai-led-retire".into()).spawn(move || {
                for (s, how) in retired {
                    s.stop(how);
                }
            });
            if let Err(e) = spawned {
                tracing::warn!("cannot stop the replaced LED senders on a helper thread ({e})");
            }
        }
    }

    fn encode(&mut self, frame: &Frame<'_>, encoder: &mut wgpu::CommandEncoder) {
        for f in &mut self.facades {
            f.pass.encode(frame.gpu, frame.canvas, frame.time.frame, encoder);
        }
    }

    fn submitted(&mut self, frame: &Frame<'_>) -> Result<(), AppError> {
        let wait = self.recorder.is_some();
        for f in &mut self.facades {
            if f.pass.collect(frame.gpu, wait).is_some() {
                match &mut f.sender {
                    Some(s) => s.publish(f.pass.colors()),
                    None => f.layout.encode(f.pass.colors(), &mut f.dmx),
                }
            }
        }
        if let Some(r) = &mut self.recorder {
            let outputs: Vec<(&LedOutput, &Layout, &DmxFrame)> =
                self.facades.iter().map(|f| (&f.out, &f.layout, &f.dmx)).collect();
            r.write(frame.time.frame, frame.time.time, &outputs)?;
        }
        Ok(())
    }

    fn status(&self, out: &mut Vec<crate::console::status::OutputStatus>) {
        use std::sync::atomic::Ordering;
        for f in &self.facades {
            let (kind, proto) = match f.out.protocol {
                crate::scene::led::LedProtocol::ArtNet => ("artnet", "Art-Net"),
                crate::scene::led::LedProtocol::Sacn => ("sacn", "sACN"),
            };
            let universes = f.layout.universes().len();
            let (sent, failing) = match &f.sender {
                Some(s) => {
                    (Some(s.health().packets.load(Ordering::Relaxed)), s.health().failing.load(Ordering::Relaxed))
                }
                None => (None, false),
            };
            let state = match (&f.sender, failing) {
                (None, _) => format!("{proto}, {universes} universes, recorded offline"),
                (Some(_), false) => format!("{proto}, {universes} universes, sending"),
                (Some(_), true) => format!("{proto}, {universes} universes: cannot send (see the log)"),
            };
            out.push(crate::console::status::OutputStatus {
                name: f.out.name.clone(),
                kind,
                state,
                sent,
                rate: None,
                failing,
            });
        }
    }

    fn finish(&mut self, _frame: &Frame<'_>) -> Result<(), AppError> {
        for f in &mut self.facades {
            if f.pass.skipped > 0 {
                tracing::debug!("LED output `{}`: {} ticks skipped (GPU readback behind)", f.out.name, f.pass.skipped);
            }
            if let Some(s) = f.sender.take() {
                s.stop(f.out.on_stop);
            }
        }
        match &mut self.recorder {
            Some(r) => r.finish(),
            None => Ok(()),
        }
    }
}
