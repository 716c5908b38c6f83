//! What the web console costs the frame loop, beside baselines.
//!
//! - `console_publish`: building the status snapshot of a show with 64 parameters, 4 cue lists and
//!   16 layers and publishing it (`Show::status` + `Publisher::publish`), which the frame loop does
//!   every 100 ms (every 6th tick at 60 fps). Baseline: bare code building as many named values and
//!   cue names into a struct and swapping it into an `Arc` under a `Mutex`, as any latest-wins
//!   snapshot must.
//! - `console_tick`: one tick of that show (offline clock, 64×36 canvas) with a console serving
//!   50 connected status WebSockets (each pushed 5 times a second), beside the same tick with no
//!   console at all.
//!
//! Target: publishing ≤ 20 µs per tick (the snapshot every 100 ms, amortized), and 50 consoles
//! not moving the tick.

use std::hint::black_box;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use quai::app::offline::offline_show;
use quai::console::status::{Board, Publisher};
use quai::render::Gpu;

fn scene() -> quai::scene::Scene {
    let mut text = String::from("[show]\ncanvas = [64, 36]\n");
    for p in 0..64 {
        text += &format!("[params.p{p}]\nunit = \"%\"\n");
    }
    for l in 0..16 {
        text += &format!("[[layers]]\nname = \"l{l}\"\ncolor = \"#ffffff\"\n");
    }
    for list in 0..4 {
        for c in 0..4 {
            text += &format!("[[cues.c{list}]]\nname = \"{c}\"\nset = {{ p{} = 0.5 }}\n", list * 4 + c);
        }
    }
    quai::scene::load_str(Path::new("bench.toml"), &text).expect("scene")
}

/// What a bare snapshot holds: as many names and values as the show's.
#[allow(dead_code)] // built, never read: building it is the work measured
#[derive(Clone, Default)]
struct BareStatus {
    frame: u64,
    params: Vec<(String, f32, f32, f32, String)>,
    lists: Vec<(String, Option<String>, Vec<String>)>,
    layers: Vec<(String, f32)>,
}

fn bench(c: &mut Criterion) {
    let gpu = Gpu::headless().expect("GPU (install mesa-vulkan-drivers)");
    let mut show = offline_show(gpu.clone(), scene(), None, None).expect("show");
    show.tick().expect("tick");

    let mut g = c.benchmark_group("console_publish");
    let mut publisher = Publisher::new(Board::new());
    g.bench_function("quai_status_and_publish", |b| {
        b.iter(|| {
            let s = show.status();
            publisher.publish(Instant::now(), black_box(s));
        })
    });
    let names: Vec<String> = (0..64).map(|i| format!("p{i}")).collect();
    let cues: Vec<String> = (0..4).map(|i| i.to_string()).collect();
    let layers: Vec<String> = (0..16).map(|i| format!("l{i}")).collect();
    let board = Mutex::new(Arc::new(BareStatus::default()));
    let mut frame = 0;
    g.bench_function("bare_struct_into_arc_mutex", |b| {
        b.iter(|| {
            frame += 1;
            let s = BareStatus {
                frame,
                params: names.iter().map(|n| (n.clone(), black_box(0.5), 0.0, 1.0, "%".to_string())).collect(),
                lists: (0..4).map(|l| (format!("c{l}"), Some(cues[0].clone()), cues.clone())).collect(),
                layers: layers.iter().map(|n| (n.clone(), 1.0)).collect(),
            };
            *board.lock().expect("lock") = Arc::new(s);
        })
    });
    g.finish();

    let mut g = c.benchmark_group("console_tick");
    let mut plain = offline_show(gpu.clone(), scene(), None, None).expect("show");
    g.bench_function("quai_tick_no_console", |b| {
        b.iter(|| {
            plain.tick().expect("tick");
        })
    });
    let mut served = offline_show(gpu, scene(), None, None).expect("show");
    let opts = quai::console::ConsoleOptions { bind: Some("127.0.0.1:0".parse().expect("addr")), ..Default::default() };
    served.attach_console(&opts).expect("console");
    let start = Instant::now();
    let addr = loop {
        if let Some(a) = served.console().and_then(|c| c.console_addr()) {
            break a;
        }
        assert!(start.elapsed() < Duration::from_secs(10), "the console did not bind");
        std::thread::sleep(Duration::from_millis(10));
    };
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let clients: Vec<_> = (0..50)
        .map(|_| {
            let (mut ws, _) = tungstenite::connect(format!("ws://{addr}/api/ws")).expect("ws");
            let stop = stop.clone();
            std::thread::spawn(move || {
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    if ws.read().is_err() {
                        break;
                    }
                }
            })
        })
        .collect();
    g.bench_function("quai_tick_50_consoles", |b| {
        b.iter(|| {
            served.tick().expect("tick");
        })
    });
    g.finish();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    drop(served);
    for c in clients {
        let _ = c.join();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
