use std::path::Path;

use super::*;

const SCENE: &str = "[params.level]\n[params.hue]\nmax = 360\n\n[[inputs]]\nname = \"desk\"\nosc = \"9000\"\n\n\
                     [[triggers]]\nname = \"door\"\nfrom = \"desk:/door\"\ndo = \"set level 0.5\"\n";

fn params() -> ParamStore {
    ParamStore::new(&scene_with(&[]).params)
}

/// The test scene with these scripts, named "test scene".
fn scene_with(scripts: &[Script]) -> Scene {
    let mut scene = crate::scene::load_str(Path::new("t.toml"), SCENE).expect("scene");
    scene.scripts = scripts.to_vec();
    scene.name = "test scene".into();
    scene
}

fn script(text: &str) -> Script {
    compile(Path::new("logic.rhai"), text).unwrap_or_else(|d| panic!("{d}"))
}

fn host(text: &str) -> ScriptHost {
    ScriptHost::new(&scene_with(&[script(text)]), None).expect("a host")
}

fn run(h: &mut ScriptHost, p: &mut ParamStore, ticks: usize) -> Vec<Issued> {
    let mut out = Vec::new();
    for i in 0..ticks {
        h.tick(i as f64 / 60.0, 1.0 / 60.0, &[], Watched::default(), p, &mut out);
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
    let values = |seed: Option<u64>| {
        let mut h = ScriptHost::new(&scene_with(&[script(text)]), seed).expect("host");
        let mut p = params();
        (0..5)
            .map(|_| {
                run(&mut h, &mut p, 1);
                p.target(p.id("level").expect("level"))
            })
            .collect::<Vec<f32>>()
    };
    assert_eq!(values(None), values(None));
    assert_eq!(values(None), values(Some(seed_from("test scene"))), "by default, from the scene's name");
    assert_eq!(values(Some(7)), values(Some(7)));
    assert_ne!(values(None), values(Some(7)), "--seed gives another run");
    assert!(values(None).iter().all(|v| (0.0..1.0).contains(v)));
}

#[test]
fn a_reload_keeps_the_state_of_the_same_file() {
    let mut h = host("fn tick(t, dt) { this.n = (this.n ?? 0) + 1; }\n");
    let mut p = params();
    run(&mut h, &mut p, 3);
    let v2 = compile(Path::new("logic.rhai"), "fn tick(t, dt) { this.n += 1; set(\"level\", this.n / 10.0); }\n")
        .expect("v2");
    h.rebind(&scene_with(&[v2]));
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
    h.tick(0.0, 0.1, &["door"], Watched::default(), &mut p, &mut out);
    assert_eq!(p.target(p.id("level").expect("level")), 0.75);
}

#[test]
fn literal_names_are_found_outside_comments_and_only_as_whole_arguments() {
    let text = "fn tick(t, dt) {\n    set(\"level\", param(\"hue\"));\n    command(\"go main\"); // set(\"nope\", 1)\n    set(\"lev\" + \"el\", 1);\n    myset(\"x\", 1);\n}\n";
    let found: Vec<(&str, String)> = literals(text).into_iter().map(|l| (l.function, l.text)).collect();
    assert_eq!(found, [("param", "hue".to_string()), ("set", "level".to_string()), ("command", "go main".to_string())]);
}

fn watch(text: &str, pattern: &str) -> Watch {
    Watch { text: text.into(), input: 0, selector: Selector::Osc { pattern: pattern.into(), arg: 0 } }
}

fn value(p: &ParamStore, name: &str) -> f32 {
    p.target(p.id(name).expect("param"))
}

#[test]
fn input_reads_the_watched_values_and_asks_for_selectors_it_computes() {
    let text = "fn tick(t, dt) {\n    set(\"level\", input(\"desk:/a\", 0.25));\n    set(\"hue\", input(\"desk:/\" + \"b\"));\n    input(\"nope:/x\");\n}\n";
    let mut scene = scene_with(&[script(text)]);
    scene.watches = vec![watch("desk:/a", "/a")];
    let mut h = ScriptHost::new(&scene, None).expect("host");
    let (mut p, mut out) = (params(), Vec::new());
    h.tick(0.0, 0.1, &[], Watched { values: &[None], hits: &[] }, &mut p, &mut out);
    assert_eq!(value(&p, "level"), 0.25, "the default until the first event");
    let asked = h.take_requests();
    assert_eq!(asked, [watch("desk:/b", "/b")], "the computed selector is asked for; the unknown input is not");
    h.watching(asked[0].text.clone(), 1);
    h.tick(0.1, 0.1, &[], Watched { values: &[Some(0.5), Some(120.0)], hits: &[] }, &mut p, &mut out);
    assert_eq!((value(&p, "level"), value(&p, "hue")), (0.5, 120.0));
    assert!(h.take_requests().is_empty());
}

#[test]
fn on_input_handlers_get_each_value_in_event_order_with_its_time() {
    let text = "fn load() { on_input(\"desk:/a\", \"seen\"); on_input(\"desk:/a\", \"at\"); }\n\
                fn seen(v) { this.sum = (this.sum ?? 0.0) + v; }\n\
                fn at(v, t) { this.last = t; }\n\
                fn tick(t, dt) { set(\"level\", this.sum ?? 0.0); set(\"hue\", (this.last ?? 0.0) * 100.0); }\n";
    let mut scene = scene_with(&[script(text)]);
    scene.watches = vec![watch("desk:/a", "/a")];
    let mut h = ScriptHost::new(&scene, None).expect("host");
    let (mut p, mut out) = (params(), Vec::new());
    h.tick(0.0, 0.1, &[], Watched { values: &[None], hits: &[] }, &mut p, &mut out);
    let hits = [(0, 0.05, 0.25), (0, 0.08, 0.5)];
    h.tick(0.1, 0.1, &[], Watched { values: &[Some(0.5)], hits: &hits }, &mut p, &mut out);
    assert_eq!(value(&p, "level"), 0.75);
    assert!((value(&p, "hue") - 8.0).abs() < 1e-4, "{}", value(&p, "hue"));
}

#[test]
fn call_commands_run_script_functions_and_are_taken_out_of_the_tick() {
    let mut h =
        host("fn storm() { set(\"level\", 1.0); command(\"call later\"); }\nfn later() { set(\"hue\", 42); }\n");
    let mut p = params();
    let issued = |command| Issued { t: 0.0, by: Arc::from("key p"), command };
    let mut commands =
        vec![issued(Command::Call("storm".into())), issued(Command::Go(None)), issued(Command::Call("nope".into()))];
    h.tick(0.0, 0.1, &[], Watched::default(), &mut p, &mut commands);
    assert_eq!(value(&p, "level"), 1.0);
    assert_eq!(value(&p, "hue"), 0.0, "a call the script sends runs at the next tick");
    assert_eq!(commands.iter().map(|c| c.command.clone()).collect::<Vec<_>>(), [Command::Go(None)]);
    commands.clear();
    h.tick(0.1, 0.1, &[], Watched::default(), &mut p, &mut commands);
    assert_eq!(value(&p, "hue"), 42.0);
    assert!(commands.is_empty());
}

#[test]
fn on_cue_is_called_for_each_cue_started() {
    let mut h = host(
        "fn on_cue(list, cue) { if list == \"weather\" && cue == \"storm\" { set(\"level\", 0.5); command(\"go lights\"); } }\n",
    );
    let (mut p, mut out) = (params(), Vec::new());
    h.cued(1.0, &[(Arc::from("weather"), Arc::from("calm"))], &mut p, &mut out);
    assert_eq!(value(&p, "level"), 0.0);
    h.cued(2.0, &[(Arc::from("weather"), Arc::from("storm"))], &mut p, &mut out);
    assert_eq!(value(&p, "level"), 0.5);
    assert_eq!(out.len(), 1);
    assert_eq!((out[0].command.clone(), out[0].t), (Command::Go(Some("lights".into())), 2.0));
}

#[test]
fn state_is_kept_while_state_version_stays_and_starts_afresh_when_it_changes() {
    let version = |v: u32, step: u32| {
        script(&format!(
            "const STATE_VERSION = {v};\nfn load() {{ this.n = 100; }}\nfn tick(t, dt) {{ this.n += {step}; set(\"hue\", this.n); }}\n"
        ))
    };
    let mut h = ScriptHost::new(&scene_with(&[version(1, 1)]), None).expect("host");
    let mut p = params();
    run(&mut h, &mut p, 3);
    assert_eq!(value(&p, "hue"), 103.0);
    h.rebind(&scene_with(&[version(1, 2)]));
    run(&mut h, &mut p, 1);
    assert_eq!(value(&p, "hue"), 105.0, "the same STATE_VERSION: state kept, load not run again");
    h.rebind(&scene_with(&[version(2, 2)]));
    run(&mut h, &mut p, 1);
    assert_eq!(value(&p, "hue"), 102.0, "a new STATE_VERSION: load runs again");
}

#[test]
fn a_failing_function_shows_its_error_until_the_script_is_saved_again() {
    let mut h = host("fn tick(t, dt) {\n    let a = [1];\n    a[5]\n}\n");
    let mut p = params();
    run(&mut h, &mut p, 2);
    let error = h.error().expect("an error for the panel").to_string();
    assert!(error.contains("logic.rhai:3") && error.contains("off until the script is saved again"), "{error}");
    assert_eq!(h.stopped, 1, "disabled after the first failure");
    h.rebind(&scene_with(&[script("fn tick(t, dt) { set(\"level\", 1.0); }\n")]));
    run(&mut h, &mut p, 1);
    assert!(h.error().is_none());
    assert_eq!(value(&p, "level"), 1.0);
}

#[test]
fn problems_with_names_computed_afresh_each_tick_are_reported_a_bounded_number_of_times() {
    let mut h = host("fn tick(t, dt) { set(`p${t}`, 1.0); }\n");
    let mut p = params();
    run(&mut h, &mut p, 200);
    assert_eq!(h.scripts[0].reported.len(), MAX_PROBLEMS + 1, "32 reported, then one line saying the rest are not");
}

#[test]
fn trigger_fires_a_scene_trigger_for_the_show_now_and_for_on_trigger_next_tick() {
    let mut h = host(
        "fn tick(t, dt) { if t == 0.0 { trigger(\"door\"); trigger(\"nope\"); } }\nfn on_trigger(name) { set(\"hue\", 7); }\n",
    );
    let (mut p, mut out) = (params(), Vec::new());
    h.tick(0.0, 0.1, &[], Watched::default(), &mut p, &mut out);
    let fired: Vec<(String, String)> = h.take_fired().into_iter().map(|(n, by)| (n, by.to_string())).collect();
    assert_eq!(
        fired,
        [("door".to_string(), "script logic.rhai".to_string())],
        "the unknown one is reported, not fired"
    );
    assert_eq!(value(&p, "hue"), 0.0);
    h.tick(0.1, 0.1, &[], Watched::default(), &mut p, &mut out);
    assert_eq!(value(&p, "hue"), 7.0, "on_trigger saw it at the next tick");
}

#[test]
fn calls_due_after_the_ticks_time_is_spent_are_left_out_and_said_so() {
    let mut h = host("fn on_cue(list, cue) { set(\"level\", 1.0); }\n");
    let (mut p, mut out) = (params(), Vec::new());
    // As if the scripts had already used the whole of this tick's time.
    h.tick_budget = Some(Instant::now());
    h.cued(3.0, &[(Arc::from("weather"), Arc::from("storm"))], &mut p, &mut out);
    assert_eq!(value(&p, "level"), 0.0, "left out");
    assert_eq!(h.left_out_note.0, 3.0, "and said so at 3 s");
    h.tick_budget = None;
    h.cued(3.1, &[(Arc::from("weather"), Arc::from("storm"))], &mut p, &mut out);
    assert_eq!(value(&p, "level"), 1.0, "with time, it runs");
}
