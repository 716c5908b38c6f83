//! What a scene script costs per tick, beside a bare Rhai call of the same function.
//!
//! - `script_tick`: a `tick(t, dt)` that reads 16 input values (`input("desk:/s/N")`, the
//!   watched values the show's inputs keep) and sets 16 parameters, through quai's
//!   `ScriptHost::tick` (the sandbox's limits and time budget, the state map as `this`, the writes
//!   going into the parameter store as a mapping's). Baseline: the same script called by a bare
//!   Rhai engine whose `input` / `set` read and write a plain `Vec<f64>`.
//!
//! Two versions of the script, each in its own group with its baseline: `script_tick` builds
//! the names in loops (`"desk:/s/" + i`), `script_tick_literal` writes the 16 reads and 16 sets
//! out with literal names, as an artist often does (Rhai's string building is then not measured).
//!
//! Target: ≤ 50 µs per tick.

use std::hint::black_box;
use std::path::Path;
use std::sync::{Arc, Mutex};

use criterion::{Criterion, criterion_group, criterion_main};
use quai::script::Watched;
use quai::show::ParamStore;

const SCRIPT: &str = r#"
fn tick(t, dt) {
    let sum = 0.0;
    for i in 0..16 {
        sum += input("desk:/s/" + i);
    }
    for i in 0..16 {
        set("q" + i, (sum / 16.0 + i * 0.01) % 1.0);
    }
    this.n = (this.n ?? 0) + 1;
}
"#;

/// The literal version of [`SCRIPT`]: the same reads and writes, names written out.
fn literal_script() -> String {
    let mut s = String::from("fn tick(t, dt) {\n    let sum = 0.0;\n");
    for i in 0..16 {
        s += &format!("    sum += input(\"desk:/s/{i}\");\n");
    }
    for i in 0..16 {
        s += &format!("    set(\"q{i}\", (sum / 16.0 + {i}.0 * 0.01) % 1.0);\n");
    }
    s + "    this.n = (this.n ?? 0) + 1;\n}\n"
}

fn bench(c: &mut Criterion) {
    group(c, "script_tick", SCRIPT);
    group(c, "script_tick_literal", &literal_script());
}

fn group(c: &mut Criterion, name: &str, script: &str) {
    let mut text = String::from("[[inputs]]\nname = \"desk\"\nosc = \"9000\"\n\n");
    for i in 0..16 {
        text += &format!("[params.q{i}]\n");
    }
    let mut scene = quai::scene::load_str(Path::new("bench.toml"), &text).expect("scene");
    scene.scripts = vec![quai::script::compile(Path::new("bench.rhai"), script).expect("script")];
    let mut host = quai::script::ScriptHost::new(&scene, None).expect("host");
    let mut params = ParamStore::new(&scene.params);
    let mut issued = Vec::new();
    // The first tick meets the 16 selectors; the show would watch them from then on.
    host.tick(0.0, 1.0 / 60.0, &[], Watched::default(), &mut params, &mut issued);
    for (i, w) in host.take_requests().into_iter().enumerate() {
        host.watching(w.text, i);
    }
    let values = vec![Some(0.5); 16];
    let watched = Watched { values: &values, hits: &[] };

    let mut g = c.benchmark_group(name);
    let mut t = 0.0;
    g.bench_function("quai_script_host", |b| {
        b.iter(|| {
            t += 1.0 / 60.0;
            host.tick(t, 1.0 / 60.0, &[], watched, &mut params, &mut issued);
            black_box(&params);
        })
    });

    // Baseline: bare Rhai, the same function, param/set on a plain vector.
    let values = Arc::new(Mutex::new(vec![0.5f64; 32]));
    let mut engine = rhai::Engine::new();
    let v = values.clone();
    engine.register_fn("input", move |name: &str| -> f64 {
        let i: usize = name["desk:/s/".len()..].parse().unwrap_or(0);
        v.lock().expect("lock")[i]
    });
    let v = values.clone();
    engine.register_fn("set", move |name: &str, x: f64| {
        let i: usize = name[1..].parse().unwrap_or(0);
        v.lock().expect("lock")[16 + i] = x;
    });
    let ast = engine.compile(script).expect("compile");
    let mut state = rhai::Dynamic::from_map(rhai::Map::new());
    let mut scope = rhai::Scope::new();
    let mut t = 0.0;
    g.bench_function("bare_rhai_call", |b| {
        b.iter(|| {
            t += 1.0 / 60.0;
            let options = rhai::CallFnOptions::new().eval_ast(false).bind_this_ptr(&mut state);
            let r: rhai::Dynamic =
                engine.call_fn_with_options(options, &mut scope, &ast, "tick", (t, 1.0 / 60.0)).expect("call");
            let _ = black_box(r);
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
