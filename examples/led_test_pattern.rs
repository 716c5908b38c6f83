//! A test pattern on an LED facade through the library API (no GPU, no CLI): load a scene's LED
//! outputs and fixtures, place every LED with `output::led::map`, and send a rainbow sweeping
//! across the facade through each output's own sender (Art-Net or sACN, as the scene says),
//! then black. Watch it with `quai monitor --artnet` / `quai monitor --sacn 1`, or on the facade.
//!
//!     cargo run --example led_test_pattern -- scenes/facade-demo.toml 10

use std::path::PathBuf;
use std::time::{Duration, Instant};

use quai::output::led::map;
use quai::output::led::send::Sender;
use quai::scene::led::OnStop;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let path = PathBuf::from(args.next().unwrap_or_else(|| "scenes/facade-demo.toml".into()));
    let seconds: f64 = args.next().map(|s| s.parse()).transpose()?.unwrap_or(10.0);
    let scene = match quai::scene::load(&path) {
        Ok(s) => s,
        Err(errors) => {
            eprintln!("{errors}");
            std::process::exit(1);
        }
    };
    if scene.leds.is_empty() {
        anyhow::bail!("{} has no LED outputs", path.display());
    }
    // Each output: its sender and the canvas x of every LED, in the order the sender expects.
    let mut outputs: Vec<(Sender, Vec<f32>)> = scene
        .leds
        .iter()
        .map(|o| {
            let xs = map::output_pixels(o).iter().map(|p| p.center[0] / scene.canvas[0] as f32).collect();
            println!(
                "{}: {} fixtures, {} LEDs",
                o.name,
                o.fixtures.len(),
                o.fixtures.iter().map(|f| f.pixel_count()).sum::<usize>()
            );
            (Sender::start(o.clone()), xs)
        })
        .collect();
    let start = Instant::now();
    let mut colors = Vec::new();
    while start.elapsed().as_secs_f64() < seconds {
        let t = start.elapsed().as_secs_f32();
        for (sender, xs) in &mut outputs {
            colors.clear();
            colors.extend(xs.iter().map(|x| rainbow(x - t * 0.25)));
            sender.publish(&colors);
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    for (sender, _) in outputs {
        sender.stop(OnStop::Black);
    }
    println!("done: every LED black");
    Ok(())
}

/// A saturated hue at `h` turns around the colour wheel (0..1 = once around).
fn rainbow(h: f32) -> [u8; 4] {
    let h = h.rem_euclid(1.0) * 6.0;
    let x = 1.0 - (h % 2.0 - 1.0).abs();
    let (r, g, b) = match h as u32 {
        0 => (1.0, x, 0.0),
        1 => (x, 1.0, 0.0),
        2 => (0.0, 1.0, x),
        3 => (0.0, x, 1.0),
        4 => (x, 0.0, 1.0),
        _ => (1.0, 0.0, x),
    };
    [(r * 255.0) as u8, (g * 255.0) as u8, (b * 255.0) as u8, 255]
}
