//! Render a scene offscreen to a PNG through the library API (no CLI): load and validate the scene,
//! open a headless GPU, draw a few frames on the fixed clock and save the last one.
//!
//!     cargo run --example render_offscreen -- scenes/demo.toml 30 /tmp/demo-frame.png

use std::path::PathBuf;

use quai::app::offline::offline_show;
use quai::render::Gpu;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let scene_path = PathBuf::from(args.next().unwrap_or_else(|| "scenes/demo.toml".into()));
    let frames: u64 = args.next().map(|n| n.parse()).transpose()?.unwrap_or(30).max(1);
    let out = PathBuf::from(args.next().unwrap_or_else(|| "frame.png".into()));

    // Every problem in the scene, with file:line:col, or a ready-to-render Scene.
    let scene = match quai::scene::load(&scene_path) {
        Ok(s) => s,
        Err(errors) => {
            eprintln!("{errors}");
            std::process::exit(1);
        }
    };
    let gpu = Gpu::headless()?;
    println!("rendering {} on {}", scene.name, gpu.describe());
    let mut show = offline_show(gpu, scene, None, Some([640, 360]))?;
    // Parameters can be driven from code between ticks, as inputs and cues will.
    if let Some(speed) = show.params.id("speed") {
        show.params.set(speed, 1.5)?;
    }
    let mut last = None;
    for _ in 0..frames {
        last = Some(show.tick()?);
    }
    if let Some(t) = last {
        show.read_canvas()?.save(&out)?;
        println!("frame {} (t = {:.3} s) written to {}", t.frame, t.time, out.display());
    }
    Ok(())
}
