//! `quai render`: the show on a fixed-timestep clock, its frames read back to numbered PNGs plus a
//! contact sheet. Frames are encoded on a writer thread while the GPU draws the next one. Same
//! scene → same bytes.

use std::path::{Path, PathBuf};
use std::sync::mpsc;

use image::RgbaImage;

use super::AppError;
use crate::output::frames::Frames;
use crate::output::led::LedOutputs;
use crate::output::projector::{OutputSink, Projectors, Readback};
use crate::render::Gpu;
use crate::render::contact::ContactSheet;
use crate::scene::watch::panic_text;
use crate::scene::{self, Files, Scene};
use crate::show::{AudioMode, ClockMode, Show, ShowInputs, ShowOptions};

#[derive(Debug, Clone)]
pub struct RenderOptions {
    pub frames: u64,
    pub out: PathBuf,
    /// Frames per second of the fixed clock; default: the scene's.
    pub fps: Option<f64>,
    /// Output size; default: the scene's canvas. Layout scales with it.
    pub size: Option<[u32; 2]>,
    pub progress: bool,
    /// An input log to replay through the scene's mappings.
    pub replay: Option<PathBuf>,
    /// Also write every frame's DMX (`DIR/dmx.jsonl`) and a facade preview (`DIR/facade/`).
    pub dmx: bool,
    /// Bounce the scene's sound, sample-accurate on the same clock, into this WAV file.
    pub audio: Option<PathBuf>,
    /// Also write each window output's warped, blended, masked frame (`DIR/OUTPUT/frame-N.png`)
    /// and a contact sheet per output.
    pub outputs: bool,
    /// Run the scene's schedule on this test clock (`--clock`, `--clock-speed`); without it an
    /// offline render ignores the schedule.
    pub clock: Option<(String, f64)>,
    /// The scripts' random seed (`--seed`); `None`: from the scene's name.
    pub seed: Option<u64>,
}

#[derive(Debug, Clone)]
pub struct RenderReport {
    pub frames: u64,
    pub size: [u32; 2],
    pub fps: f64,
    pub contact_sheet: PathBuf,
    pub seconds: f64,
}

pub fn frame_path(dir: &Path, frame: u64) -> PathBuf {
    dir.join(format!("frame-{frame:06}.png"))
}

/// A show of `scene` on the fixed offline clock with no outputs attached: what `quai render`, the
/// golden-image tests, benches and `examples/render_offscreen.rs` build on (`tick`, then
/// `read_canvas` or an attached output). `fps`/`size`: `None` = the scene's own.
pub fn offline_show(gpu: Gpu, scene: Scene, fps: Option<f64>, size: Option<[u32; 2]>) -> Result<Show, AppError> {
    let clock = ClockMode::Fixed(fps.unwrap_or(scene.fps));
    Show::new(
        gpu,
        scene,
        ShowOptions {
            clock,
            audio: AudioMode::Off,
            size,
            watch: None,
            inputs: ShowInputs::Idle,
            wall: None,
            state: None,
            seed: None,
        },
    )
}

pub fn render(files: &dyn Files, scene_path: &Path, opts: &RenderOptions) -> Result<RenderReport, AppError> {
    let started = std::time::Instant::now();
    let scene = scene::load_from(files, scene_path)?;
    let fps = opts.fps.unwrap_or(scene.fps);
    let size = opts.size.unwrap_or(scene.canvas);
    let (sa, ca) = (size[0] as f64 / size[1] as f64, scene.canvas[0] as f64 / scene.canvas[1] as f64);
    if (sa / ca - 1.0).abs() > 0.01 {
        tracing::warn!(
            "--size {}x{} has another aspect ratio than the canvas ({}x{}): the picture will be stretched",
            size[0],
            size[1],
            scene.canvas[0],
            scene.canvas[1]
        );
    }
    let events = match &opts.replay {
        Some(log) => Some(crate::input::log::read(log, &scene)?),
        None => None,
    };
    if opts.clock.is_some() && events.is_some() {
        return Err(AppError::Usage(
            "--clock with --replay: the input log already holds the commands the schedule sent; leave out --clock"
                .to_string(),
        ));
    }
    let wall = match &opts.clock {
        Some(_) => Some(super::live::wall_clock(&opts.clock, &scene)?),
        None => None,
    };
    let inputs = events.map_or(ShowInputs::Idle, ShowInputs::Replay);
    let audio = opts.audio.clone().map_or(AudioMode::Off, AudioMode::Bounce);
    let opts_show = ShowOptions {
        clock: ClockMode::Fixed(fps),
        audio,
        size: Some(size),
        watch: None,
        inputs,
        wall,
        state: None,
        seed: opts.seed,
    };
    if opts.dmx && scene.leds.is_empty() {
        return Err(AppError::Usage(format!(
            "--dmx: {} has no LED outputs; add an [[outputs]] entry of kind \"artnet\" or \"sacn\" with its \
             [[fixtures]] (see scenes/README.md, \"LED facades\")",
            scene.path.display()
        )));
    }
    if opts.outputs && scene.projectors.is_empty() {
        return Err(AppError::Usage(format!(
            "--outputs: {} has no window outputs; add an [[outputs]] entry (kind \"window\", the default) \
             with its slice and warp (see scenes/README.md, \"Projection mapping\")",
            scene.path.display()
        )));
    }
    let mut show = Show::new(Gpu::headless()?, scene, opts_show)?;
    std::fs::create_dir_all(&opts.out).map_err(|source| AppError::Io { path: opts.out.clone(), source })?;
    if opts.dmx {
        let leds = LedOutputs::offline(show.gpu(), show.scene(), &opts.out, opts.frames)?;
        show.add_output(Box::new(leds));
    }
    let (tx, rx) = mpsc::sync_channel::<(Option<String>, u64, RgbaImage)>(4);
    if opts.outputs {
        let outputs = show.scene().projectors.clone();
        for o in &outputs {
            let dir = opts.out.join(&o.name);
            std::fs::create_dir_all(&dir).map_err(|source| AppError::Io { path: dir.clone(), source })?;
        }
        let tx = tx.clone();
        let sink: OutputSink = Box::new(move |name, t, img| {
            tx.send((Some(name.to_string()), t.frame, img))
                .map_err(|_| AppError::Encode { frame: t.frame, reason: "the PNG writer stopped".into() })
        });
        let (projectors, _) = Projectors::new(show.gpu(), &outputs, true, Readback::Every(sink));
        show.add_output(Box::new(projectors));
    }

    let bar = if opts.progress {
        indicatif::ProgressBar::new(opts.frames).with_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} rendering {pos}/{len} frames [{bar:30}] {per_sec} eta {eta}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        )
    } else {
        indicatif::ProgressBar::hidden()
    };

    // The writer thread encodes PNGs and collects contact-sheet thumbnails: the canvas's, and
    // each output's (`None` is the canvas).
    let out = opts.out.clone();
    let frames = opts.frames;
    let writer = std::thread::Builder::new()
        .name("quai-png-writer".into())
        .spawn(move || -> Result<Vec<(Option<String>, ContactSheet)>, AppError> {
            let mut sheets: Vec<(Option<String>, ContactSheet)> = Vec::new();
            for (name, frame, img) in rx {
                let k = match sheets.iter().position(|(n, _)| *n == name) {
                    Some(k) => k,
                    None => {
                        sheets.push((name.clone(), ContactSheet::new(frames, [img.width(), img.height()])));
                        sheets.len() - 1
                    }
                };
                if sheets[k].1.wants(frame) {
                    sheets[k].1.add(&img);
                }
                let dir = name.as_ref().map_or_else(|| out.clone(), |n| out.join(n));
                let path = frame_path(&dir, frame);
                img.save(&path).map_err(|e| AppError::Encode { frame, reason: format!("{}: {e}", path.display()) })?;
            }
            Ok(sheets)
        })
        .map_err(|source| AppError::Io { path: "writer thread".into(), source })?;

    // A replayed event arrives at the first frame whose time is >= its own (see InputHub::step).
    show.add_output(Box::new(Frames::new(Box::new(move |t, img| {
        // The writer failed when it hangs up; its error is reported when it is joined below.
        tx.send((None, t.frame, img))
            .map_err(|_| AppError::Encode { frame: t.frame, reason: "the PNG writer stopped".into() })
    }))));
    let mut failure = None;
    for _ in 0..opts.frames {
        if let Err(e) = show.tick() {
            failure = Some(e);
            break;
        }
        bar.inc(1);
    }
    if let Err(e) = show.finish() {
        failure.get_or_insert(e);
    }
    drop(show); // hangs up the writer's channel
    let sheets = writer.join().map_err(|p| AppError::Bug(format!("the PNG writer crashed: {}", panic_text(&p))))?;
    // The writer's own error says why frames stopped; report it before the tick's.
    let sheets = sheets?;
    if let Some(e) = failure {
        return Err(e);
    }
    bar.finish_and_clear();
    let contact_sheet = opts.out.join("contact-sheet.png");
    for (name, sheet) in sheets {
        let path = name.map_or_else(|| contact_sheet.clone(), |n| opts.out.join(n).join("contact-sheet.png"));
        sheet
            .finish()
            .save(&path)
            .map_err(|e| AppError::Encode { frame: 0, reason: format!("{}: {e}", path.display()) })?;
    }
    Ok(RenderReport { frames: opts.frames, size, fps, contact_sheet, seconds: started.elapsed().as_secs_f64() })
}
