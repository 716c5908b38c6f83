//! Cue engine cost per tick: 16 cue lists, each with a running cue fading 64 parameters (1024
//! fades at once, far more than a show runs), advanced one tick through the show's real path
//! (`Control::step`: commands, `CueEngine::step`, every write into the parameter store under its
//! writer rule). Beside it in the same group: the parameter store alone taking the same 1024 cue
//! writes (`ParamStore::write_cue`) and the baseline, no quai code: a bare loop easing 1024 values
//! from `from` to `to` into a `Vec<f32>`, the floor of "move 1024 numbers along a curve".
//! Target: the engine's tick ≤ 50 µs.

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use quai::scene::ParamId;
use quai::show::ParamStore;
use quai::show::control::Control;

const LISTS: usize = 16;
const FADES: usize = 64;

fn scene() -> quai::scene::Scene {
    let mut text = String::new();
    for p in 0..LISTS * FADES {
        text += &format!("[params.p{p}]\n");
    }
    for l in 0..LISTS {
        let set: Vec<String> = (0..FADES).map(|i| format!("p{} = 1.0", l * FADES + i)).collect();
        text += &format!(
            "[[cues.l{l}]]\nname = \"1\"\nfade = 86400.0\neasing = \"ease-in-out\"\nset = {{ {} }}\n",
            set.join(", ")
        );
    }
    quai::scene::load_str(Path::new("bench.toml"), &text).expect("scene")
}

fn bench(c: &mut Criterion) {
    let scene = scene();
    let mut g = c.benchmark_group("cue_tick_16x64");

    let mut params = ParamStore::new(&scene.params);
    let mut control = Control::new(&scene);
    let mut go: Vec<quai::show::commands::Issued> = (0..LISTS)
        .map(|l| quai::show::commands::Issued {
            t: 0.0,
            by: std::sync::Arc::from("bench"),
            command: quai::show::commands::Command::Go(Some(format!("l{l}"))),
        })
        .collect();
    control.step(0.0, &mut go, &scene, &mut params);
    assert_eq!(control.operations, LISTS as u64, "every list runs its cue");
    let mut t = 0.0;
    let mut none = Vec::new();
    g.bench_function("quai_control_step", |b| {
        b.iter(|| {
            t += 1.0 / 60.0;
            control.step(black_box(t), &mut none, &scene, &mut params);
        })
    });
    assert!(params.held(ParamId(0)), "the fades still run");

    let mut store = ParamStore::new(&scene.params);
    let mut v = 0.0f32;
    g.bench_function("param_store_alone_1024_writes", |b| {
        b.iter(|| {
            v = (v + 0.001) % 1.0;
            for p in 0..LISTS * FADES {
                let _ = store.write_cue(ParamId(p), black_box(v), true);
            }
        })
    });

    struct Bare {
        from: f64,
        to: f64,
        start: f64,
        duration: f64,
    }
    let fades: Vec<Bare> =
        (0..LISTS * FADES).map(|i| Bare { from: 0.0, to: 1.0, start: i as f64 * 1e-3, duration: 86400.0 }).collect();
    let mut out = vec![0.0f32; LISTS * FADES];
    let mut t = 0.0;
    g.bench_function("baseline_bare_eased_loop", |b| {
        b.iter(|| {
            t += 1.0 / 60.0;
            for (f, o) in fades.iter().zip(out.iter_mut()) {
                let x = ((black_box(t) - f.start) / f.duration).clamp(0.0, 1.0);
                let e = if x < 0.5 { 4.0 * x * x * x } else { 1.0 - (2.0 - 2.0 * x).powi(3) / 2.0 };
                *o = (f.from + (f.to - f.from) * e) as f32;
            }
            black_box(&out);
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
