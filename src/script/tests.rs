use std::path::Path;

use super::*;

fn params() -> ParamStore {
    let scene =
        crate::scene::load_str(Path::new("t.toml"), "[params.level]\n[params.hue]\nmax = 360\n").expect("scene");
    ParamStore::new(&scene.params)
}

fn host(text: &str) -> ScriptHost {
    let script = compile(Path::new("logic.rhai"), text).unwrap_or_else(|d| panic!("{d}"));
    ScriptHost::new(&[script], "test scene").expect("a host")
}

fn run(h: &mut ScriptHost, p: &mut ParamStore, ticks: usize) -> Vec<Issued> {
    let mut out = Vec::new();
    for i in 0..ticks {
        h.tick(i as f64 / 60.0, 1.0 / 60.0, &[], p, &mut out);
        p.advance(1.0 / 60.0);
    }
    out
}

#[test]
fn tick_sets_parameters_and_keeps_its_state() {
    let mut h = host(
        "fn load() { this.n = 10; }\nfn tick(t, dt) { this.n += 1; set(\"level\", this.n / 100.0); set(\"hue\", 400); }\n",
    );
    let mut p = params();
    run(&mut h, &mut p, 5);
    let level = p.value(p.id("level").expect("level"));
    assert!((level - 0.15).abs() < 1e-6, "{level}");
    assert_eq!(p.value(p.id("hue").expect("hue")), 360.0, "clamped to the range");
}

#[test]
fn commands_are_issued_and_bad_ones_reported_not_sent() {
    let mut h = host("fn tick(t, dt) { if t == 0.0 { command(\"go picture\"); command(\"jump\"); } }\n");
    let mut p = params();
    let out = run(&mut h, &mut p, 3);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].command, Command::Go(Some("picture".into())));
    assert_eq!(&*out[0].by, "script logic.rhai");
}

#[test]
fn an_endless_loop_is_stopped_each_tick_and_the_next_tick_runs_again() {
    let mut h = host("fn tick(t, dt) { this.calls = (this.calls ?? 0) + 1; loop { } }\n");
    let mut p = params();
    let start = Instant::now();
    run(&mut h, &mut p, 3);
    assert_eq!(h.stopped, 3, "stopped every tick, not disabled");
    assert!(start.elapsed() < Duration::from_secs(2), "{:?}", start.elapsed());
}

#[test]
fn endless_recursion_and_a_huge_string_disable_the_function() {
    for text in [
        "fn f(x) { f(x + 1) }\nfn tick(t, dt) { f(0); }\n",
        "fn tick(t, dt) { let s = \"xxxxxxxx\"; loop { s += s; } }\n",
        "fn tick(t, dt) { let x = 1 / 0; }\n",
    ] {
        let mut h = host(text);
        let mut p = params();
        run(&mut h, &mut p, 4);
        assert_eq!(h.stopped, 1, "{text}: stopped once, then off until saved again");
    }
}

#[test]
fn import_and_eval_are_refused_when_the_script_loads() {
    for (text, says) in
        [("import \"hack\" as h;\nfn tick(t, dt) {}\n", "module"), ("fn tick(t, dt) { eval(\"1\"); }\n", "evaluate")]
    {
        let d = compile(Path::new("bad.rhai"), text).expect_err(text);
        let shown = d.to_string();
        assert!(d.location.is_some(), "{shown}");
        assert!(d.hint.as_deref().is_some_and(|h| h.contains(says)), "{text}: {shown}");
    }
}

#[test]
fn a_syntax_error_is_located_in_the_script() {
    let d = compile(Path::new("logic.rhai"), "fn tick(t, dt) {\n    let x = 1\n    set(\"level\", x);\n}\n")
        .expect_err("bad");
    let loc = d.location.as_ref().expect("located");
    assert_eq!(loc.path, Path::new("logic.rhai"));
    assert!(loc.line == 2 || loc.line == 3, "{d}");
}

#[test]
fn rand_is_seeded_from_the_scene() {
    let text = "fn tick(t, dt) { set(\"level\", rand()); }\n";
    let values = |seed: &str| {
        let script = compile(Path::new("r.rhai"), text).expect("compile");
        let mut h = ScriptHost::new(&[script], seed).expect("host");
        let mut p = params();
        (0..5)
            .map(|_| {
                run(&mut h, &mut p, 1);
                p.target(p.id("level").expect("level"))
            })
            .collect::<Vec<f32>>()
    };
    assert_eq!(values("a scene"), values("a scene"));
    assert_ne!(values("a scene"), values("another scene"));
    assert!(values("a scene").iter().all(|v| (0.0..1.0).contains(v)));
}

#[test]
fn a_reload_keeps_the_state_of_the_same_file() {
    let mut h = host("fn tick(t, dt) { this.n = (this.n ?? 0) + 1; }\n");
    let mut p = params();
    run(&mut h, &mut p, 3);
    let v2 = compile(Path::new("logic.rhai"), "fn tick(t, dt) { this.n += 1; set(\"level\", this.n / 10.0); }\n")
        .expect("v2");
    h.rebind(&[v2]);
    run(&mut h, &mut p, 1);
    assert!((p.target(p.id("level").expect("level")) - 0.4).abs() < 1e-6);
}

#[test]
fn on_trigger_is_called_with_the_trigger_name_before_tick() {
    let mut h = host(
        "fn on_trigger(name) { this.seen = name; }\nfn tick(t, dt) { if this.seen == \"door\" { set(\"level\", 0.75); } }\n",
    );
    let mut p = params();
    let mut out = Vec::new();
    h.tick(0.0, 0.1, &["door"], &mut p, &mut out);
    assert_eq!(p.target(p.id("level").expect("level")), 0.75);
}

#[test]
fn literal_names_are_found_outside_comments_and_only_as_whole_arguments() {
    let text = "fn tick(t, dt) {\n    set(\"level\", param(\"hue\"));\n    command(\"go main\"); // set(\"nope\", 1)\n    set(\"lev\" + \"el\", 1);\n    myset(\"x\", 1);\n}\n";
    let found: Vec<(&str, String)> = literals(text).into_iter().map(|l| (l.function, l.text)).collect();
    assert_eq!(found, [("param", "hue".to_string()), ("set", "level".to_string()), ("command", "go main".to_string())]);
}
