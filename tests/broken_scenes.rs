//! The broken-scene corpus: every `tests/broken/*.toml` whose name does not start with `_` is a
//! scene with one deliberate error class (or, for the "all errors at once" cases, a few independent
//! errors). Each case states where every diagnostic must point (file, line, column), what its
//! message must say and, where it matters, what its hint must say.
//!
//! Naming convention: files starting with `_` are helpers (includes, a shader that compiles, a file
//! that is not an image); they are not cases and may even load on their own. Shaders named after a
//! case (`NAME.wgsl`) belong to that case.
//!
//! A case that reveals a loader bug is fixed in the loader, never by weakening the expectation.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use quai::scene::{self, Diagnostic, SceneErrors};

/// Where the corpus lives, relative to the crate root.
const CORPUS: &str = "tests/broken";

/// What one diagnostic must look like.
#[derive(Debug, Clone, Copy)]
struct Expect {
    /// The file the diagnostic points into, relative to tests/broken/.
    file: &'static str,
    /// 1-based line and column; `None`: anywhere in `file`.
    at: Option<(usize, usize)>,
    /// A substring of the message.
    message: &'static str,
    /// A substring of the hint, which must then be present.
    hint: Option<&'static str>,
}

/// A diagnostic at `file:line:col` whose message contains `message`.
const fn at(file: &'static str, line: usize, col: usize, message: &'static str) -> Expect {
    Expect { file, at: Some((line, col)), message, hint: None }
}

/// A diagnostic somewhere in `file` whose message contains `message`.
const fn in_file(file: &'static str, message: &'static str) -> Expect {
    Expect { file, at: None, message, hint: None }
}

impl Expect {
    /// ...and whose hint contains `hint`.
    const fn hint(self, hint: &'static str) -> Expect {
        Expect { hint: Some(hint), ..self }
    }
}

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(CORPUS)
}

fn load_case(name: &str) -> Result<scene::Scene, SceneErrors> {
    scene::load(&corpus_dir().join(name))
}

/// Load `name`, which must fail with exactly the diagnostics `expected`, in that order.
fn check(name: &str, expected: &[Expect]) {
    let errors = match load_case(name) {
        Ok(_) => panic!("{CORPUS}/{name} loaded, but it is a broken scene"),
        Err(e) => e,
    };
    let shown = format!("{errors}");
    assert_eq!(
        errors.diagnostics.len(),
        expected.len(),
        "{CORPUS}/{name}: expected {} diagnostic(s), got:\n{shown}",
        expected.len()
    );
    for (i, (d, want)) in errors.diagnostics.iter().zip(expected).enumerate() {
        check_one(d, want)
            .unwrap_or_else(|why| panic!("{CORPUS}/{name}, diagnostic #{}: {why}\nall of them:\n{shown}", i + 1));
    }
}

fn check_one(d: &Diagnostic, want: &Expect) -> Result<(), String> {
    let loc = d.location.as_ref().ok_or_else(|| format!("no location; expected {}", want.file))?;
    let want_path = Path::new(CORPUS).join(want.file);
    if !loc.path.ends_with(&want_path) {
        return Err(format!("points into {}, expected {}", loc.path.display(), want_path.display()));
    }
    if let Some((line, col)) = want.at
        && (loc.line, loc.col) != (line, col)
    {
        return Err(format!("points at {}:{}, expected {line}:{col}", loc.line, loc.col));
    }
    if !d.message.contains(want.message) {
        return Err(format!("message {:?} does not contain {:?}", d.message, want.message));
    }
    if let Some(h) = want.hint {
        match &d.hint {
            Some(got) if got.contains(h) => {}
            got => return Err(format!("hint {got:?} does not contain {h:?}")),
        }
    }
    Ok(())
}

/// One `#[test]` per case (so a failure names the case), plus
/// `CASES`, the list of scene files the table covers.
macro_rules! broken_scenes {
    ($( $(#[$attr:meta])* $test:ident: $scene:literal => [$($expect:expr),+ $(,)?]; )+) => {
        /// Every scene file covered by the table (a file may be covered by several tests).
        const CASES: &[&str] = &[$($scene),+];
        $(
            $(#[$attr])*
            #[test]
            fn $test() {
                check($scene, &[$($expect),+]);
            }
        )+
    };
}

broken_scenes! {
    // ---- TOML syntax ---------------------------------------------------------------------------

    /// Case `toml_unclosed_string`: a string that never closes is a TOML syntax error, located.
    toml_unclosed_string: "toml_unclosed_string.toml" => [
        at("toml_unclosed_string.toml", 3, 17, "TOML syntax").hint("toml.io"),
    ];
    /// Case `toml_missing_equals`: `fps 30` (no `=`) is a TOML syntax error at the value.
    toml_missing_equals: "toml_missing_equals.toml" => [
        at("toml_missing_equals.toml", 4, 5, "expected `=`").hint("toml.io"),
    ];

    // ---- unknown keys --------------------------------------------------------------------------

    /// Case `unknown_top_level_key`: `[[layer]]` is reported with "did you mean `layers`?".
    unknown_top_level_key: "unknown_top_level_key.toml" => [
        at("unknown_top_level_key.toml", 5, 3, "unknown top-level key `layer`").hint("did you mean `layers`?"),
    ];
    /// Case `unknown_layer_key`: `opactiy` in a layer, with "did you mean `opacity`?".
    unknown_layer_key: "unknown_layer_key.toml" => [
        at("unknown_layer_key.toml", 5, 1, "unknown key `opactiy`").hint("did you mean `opacity`?"),
    ];
    /// Case `unknown_show_key`: `backgound` in [show], with "did you mean `background`?".
    unknown_show_key: "unknown_show_key.toml" => [
        at("unknown_show_key.toml", 4, 1, "unknown key `backgound` in [show]").hint("did you mean `background`?"),
    ];
    /// Case `unknown_param_key`: `smoothin` in a parameter, with "did you mean `smoothing`?".
    unknown_param_key: "unknown_param_key.toml" => [
        at("unknown_param_key.toml", 5, 1, "unknown key `smoothin` in parameter `speed`")
            .hint("did you mean `smoothing`?"),
    ];

    // ---- types and ranges ----------------------------------------------------------------------

    /// Case `wrong_type_opacity`: `opacity = "half"` is a wrong type, located at the value.
    wrong_type_opacity: "wrong_type_opacity.toml" => [
        at("wrong_type_opacity.toml", 5, 11, "wrong type"),
    ];
    /// Case `wrong_type_opacity` (wording): the message should say a number is expected, in the
    /// scene author's terms, not Rust's `f64`.
    wrong_type_opacity_wording: "wrong_type_opacity.toml" => [
        at("wrong_type_opacity.toml", 5, 11, "expected a number"),
    ];
    /// Case `opacity_out_of_range`: `opacity = 1.5`.
    opacity_out_of_range: "opacity_out_of_range.toml" => [
        at("opacity_out_of_range.toml", 5, 11, "opacity 1.5 is out of range").hint("between 0 and 1"),
    ];
    /// Case `fps_zero`: `fps = 0`.
    fps_zero: "fps_zero.toml" => [
        at("fps_zero.toml", 3, 7, "fps 0 is out of range").hint("between 1 and 480"),
    ];
    /// Case `fps_too_high`: `fps = 1000`.
    fps_too_high: "fps_too_high.toml" => [
        at("fps_too_high.toml", 4, 7, "fps 1000 is out of range").hint("between 1 and 480"),
    ];
    /// Case `time_wrap_too_long`: a week, where an f32 is only good to 60 ms.
    time_wrap_too_long: "time_wrap_too_long.toml" => [
        at("time_wrap_too_long.toml", 3, 13, "time_wrap 604800 is out of range").hint("between 1 and 86400"),
    ];
    /// Case `canvas_zero_width`: `canvas = [0, 720]`.
    canvas_zero_width: "canvas_zero_width.toml" => [
        at("canvas_zero_width.toml", 3, 10, "canvas 0x720 is out of range").hint("1..8192"),
    ];
    /// Case `colour_bad_hex`: `"#12345g"` is not a hex colour.
    colour_bad_hex: "colour_bad_hex.toml" => [
        at("colour_bad_hex.toml", 3, 14, "invalid colour `#12345g`"),
    ];
    /// Case `colour_component_over_one`: `[0.2, 255, 0.4]` (components are 0..1).
    colour_component_over_one: "colour_component_over_one.toml" => [
        at("colour_component_over_one.toml", 4, 9, "colour component 255 is out of range"),
    ];
    /// Case `unknown_blend_mode`: `blend = "screne"`, with "did you mean `screen`?".
    unknown_blend_mode: "unknown_blend_mode.toml" => [
        at("unknown_blend_mode.toml", 5, 9, "unknown value `screne`").hint("did you mean `screen`?"),
    ];
    /// Case `param_min_not_below_max`: `min = 5.0`, `max = 2.0`.
    param_min_not_below_max: "param_min_not_below_max.toml" => [
        at("param_min_not_below_max.toml", 4, 7, "min (5) must be below max (2)"),
    ];
    /// Case `param_default_outside_range`: `default = 12.0` with max 10.
    param_default_outside_range: "param_default_outside_range.toml" => [
        at("param_default_outside_range.toml", 3, 11, "default of `level` 12 is out of range")
            .hint("between 0 and 10"),
    ];

    // ---- layers and bindings -------------------------------------------------------------------

    /// Case `duplicate_layer_name`: the second `bg`, with a hint pointing at the first.
    duplicate_layer_name: "duplicate_layer_name.toml" => [
        at("duplicate_layer_name.toml", 7, 8, "layer name `bg` is used twice")
            .hint("duplicate_layer_name.toml:3:8"),
    ];
    /// Case `layer_nothing_to_draw`: a layer with no shader, image or colour.
    layer_nothing_to_draw: "layer_nothing_to_draw.toml" => [
        at("layer_nothing_to_draw.toml", 3, 8, "layer `empty` has nothing to draw").hint("shader = "),
    ];
    /// Case `bind_unknown_param`: `speed = "sped"`, with "did you mean `speed`?".
    bind_unknown_param: "bind_unknown_param.toml" => [
        at("bind_unknown_param.toml", 8, 18, "binds unknown parameter `sped`").hint("did you mean `speed`?"),
    ];
    /// Case `bind_uniform_reserved`: `target`, a WGSL reserved word that no hand-kept list had;
    /// naga itself decides.
    bind_uniform_reserved: "bind_uniform_reserved.toml" => [
        at("bind_uniform_reserved.toml", 8, 10, "`target` cannot be a shader uniform name").hint("reserved word"),
    ];
    /// Case `fit_without_image`: `fit` on a solid layer is pointed at, not silently ignored.
    fit_without_image: "fit_without_image.toml" => [
        at("fit_without_image.toml", 5, 7, "`fit` applies to image layers").hint("remove `fit`"),
    ];
    /// Case `param_name_underscore`: parameter names start with a letter, as the hint has always said.
    param_name_underscore: "param_name_underscore.toml" => [
        at("param_name_underscore.toml", 2, 9, "`_hidden` is not a valid name").hint("start with a letter"),
    ];
    // ---- inputs, mappings, triggers ------------------------------------------------------------

    /// Case `input_key_for_other_kind`: `baud` (serial) on an OSC input is pointed at.
    input_key_for_other_kind: "input_key_for_other_kind.toml" => [
        at("input_key_for_other_kind.toml", 5, 8, "`baud` does not apply to OSC input `phone`").hint("remove `baud`"),
    ];
    /// Case `input_osc_same_port`: `"9127"` and `"0.0.0.0:9127"` both take port 9127; the second
    /// is reported with the first's location.
    input_osc_same_port: "input_osc_same_port.toml" => [
        at("input_osc_same_port.toml", 8, 7, "OSC input `tablet` listens on 0.0.0.0:9127, which input `phone` already takes")
            .hint("input_osc_same_port.toml:4:7"),
    ];
    /// Case `mapping_unknown_input`: a misspelt input name, with "did you mean".
    mapping_unknown_input: "mapping_unknown_input.toml" => [
        at("mapping_unknown_input.toml", 10, 8, "unknown input `phnoe`").hint("did you mean `phone`?"),
    ];
    /// Case `mapping_unknown_param`: a mapping into a misspelt parameter, with "did you mean".
    mapping_unknown_param: "mapping_unknown_param.toml" => [
        at("mapping_unknown_param.toml", 11, 6, "mapping to unknown parameter `sped`").hint("did you mean `speed`?"),
    ];
    /// Case `mapping_bad_midi_selector`: `cc/200` is not a MIDI controller; the forms are listed.
    mapping_bad_midi_selector: "mapping_bad_midi_selector.toml" => [
        at("mapping_bad_midi_selector.toml", 9, 8, "not a MIDI value").hint("cc/0..127"),
    ];
    /// Case `mapping_empty_range`: `in = [5, 5]` cannot be mapped.
    mapping_empty_range: "mapping_empty_range.toml" => [
        at("mapping_empty_range.toml", 11, 6, "range [5, 5] is empty").hint("two different numbers"),
    ];
    /// Case `trigger_below_above`: below above `above` leaves no hysteresis.
    trigger_below_above: "trigger_below_above.toml" => [
        at("trigger_below_above.toml", 10, 9, "below (400) must not be above").hint("hysteresis"),
    ];
    // ---- cues, keys and the commands triggers send ----------------------------------------------

    /// Case `cue_jump_missing`: a jump to a misspelt cue, at the `jump` value, with "did you mean".
    cue_jump_missing: "cue_jump_missing.toml" => [
        at("cue_jump_missing.toml", 8, 8, "jumps to `outr`, which is not a cue in this list")
            .hint("did you mean `outro`?"),
    ];
    /// Case `cue_zero_time_loop`: two cues that start each other with no time between.
    cue_zero_time_loop: "cue_zero_time_loop.toml" => [
        at("cue_zero_time_loop.toml", 5, 8, "cues `a` → `b` follow each other with no fade or delay time")
            .hint("`after` time"),
    ];
    /// Case `cue_unknown_param`: a cue sets a misspelt parameter.
    cue_unknown_param: "cue_unknown_param.toml" => [
        at("cue_unknown_param.toml", 7, 9, "cue `main/1`: no parameter named `brigthness`")
            .hint("did you mean `brightness`?"),
    ];
    /// Case `cue_value_out_of_range`: a target past the parameter's range, an opacity past 1.
    cue_value_out_of_range: "cue_value_out_of_range.toml" => [
        at("cue_value_out_of_range.toml", 11, 17, "`level` 3 is out of range in cue `main/1`")
            .hint("between 0 and 1"),
        at("cue_value_out_of_range.toml", 12, 20, "opacity of `wash` 1.5 is out of range in cue `main/1`"),
    ];
    /// Case `cue_duplicate_name`: two cues of one list share a name (another list may reuse it).
    cue_duplicate_name: "cue_duplicate_name.toml" => [
        at("cue_duplicate_name.toml", 12, 8, "cue list `main`: two cues are named `1`")
            .hint("cue_duplicate_name.toml:5:8"),
    ];
    /// Case `cue_follow_and_after`: a cue cannot both follow its fade and continue after a delay.
    cue_follow_and_after: "cue_follow_and_after.toml" => [
        at("cue_follow_and_after.toml", 8, 10, "has both `follow` and `after`"),
    ];
    /// Case `keys_bad`: a key name that is no key, a command that is none, a missing cue.
    keys_bad: "keys_bad.toml" => [
        at("keys_bad.toml", 10, 1, "`shift-x` is not a key name").hint("f1..f12"),
        at("keys_bad.toml", 11, 5, "key `b`: `jump` is not a command").hint("goto [LIST/]CUE"),
        at("keys_bad.toml", 12, 5, "key `g`: no cue `intor` in list `main`").hint("did you mean `intro`?"),
    ];
    /// Case `trigger_unknown_list`: a trigger's `do` names a misspelt cue list.
    trigger_unknown_list: "trigger_unknown_list.toml" => [
        at("trigger_unknown_list.toml", 12, 6, "trigger `button`: no cue list named `pictures`")
            .hint("did you mean `picture`?"),
    ];
    /// Case `schedule_overlap`: a day's openings overlap; a late opening runs into the next day's.
    schedule_overlap: "schedule_overlap.toml" => [
        at("schedule_overlap.toml", 8, 17, "fri's hours run to 11:00 on sat, past sat's opening at 10:00")
            .hint("end the late opening"),
        at("schedule_overlap.toml", 8, 75, "opening hours `10:00-14:00` and `13:00-18:00` overlap")
            .hint("back to back"),
    ];
    /// Case `schedule_unknown_zone`: a misspelt time zone.
    schedule_unknown_zone: "schedule_unknown_zone.toml" => [
        at("schedule_unknown_zone.toml", 7, 12, "unknown time zone `Europe/Berln`")
            .hint("did you mean `Europe/Berlin`?"),
    ];
    /// Case `schedule_bad_time`: 25:00, a one-digit minute, a day that is none.
    schedule_bad_time: "schedule_bad_time.toml" => [
        at("schedule_bad_time.toml", 8, 23, "`25:00` is not a time of day: hours go from 00 to 23")
            .hint("24-hour clock"),
        at("schedule_bad_time.toml", 8, 44, "`10:5` is not a time of day: minutes have two digits"),
        at("schedule_bad_time.toml", 8, 58, "`someday` is not a day or a range of days").hint("tue-fri"),
    ];
    /// Case `schedule_bad_date`: 30 February, month 13.
    schedule_bad_date: "schedule_bad_date.toml" => [
        at("schedule_bad_date.toml", 9, 11, "`2026-02-30` is not a date: February 2026 has 28 days"),
        at("schedule_bad_date.toml", 9, 36, "`2026-13-01` is not a date: there is no month 13"),
    ];
    /// Case `schedule_bad_commands`: the opening names a misspelt cue; a timed command has no time.
    schedule_bad_commands: "schedule_bad_commands.toml" => [
        at("schedule_bad_commands.toml", 12, 11, "[schedule] opening: no cue `dwan` in list `main`")
            .hint("did you mean `dawn`?"),
        at("schedule_bad_commands.toml", 15, 6, "[[schedule.at]] #1 has no `time`"),
    ];
    /// Case `schedule_in_include`: `[schedule]` belongs in the main scene file.
    schedule_in_include: "schedule_in_include.toml" => [
        at("_schedule_in_include.toml", 1, 2, "[schedule] belongs in the main scene file")
            .hint("main scene file"),
    ];
    /// Case `bind_typo_no_follow_on`: a misspelt parameter in a bind table is one error; the shader
    /// using the uniform is not also told it is unbound.
    bind_typo_no_follow_on: "bind_typo_no_follow_on.toml" => [
        at("bind_typo_no_follow_on.toml", 8, 17, "layer `field` binds unknown parameter `glw`").hint("did you mean `glow`?"),
    ];
    /// Case `include_missing_consequences`: what a missing include would declare is marked as its consequence.
    include_missing_consequences: "include_missing_consequences.toml" => [
        at("include_missing_consequences.toml", 2, 12, "cannot read included scene file"),
        at("include_missing_consequences.toml", 10, 9, "no parameter named `speed` (probably because")
            .hint("fix the include first"),
    ];
    /// Case `duplicate_layer_after_bad_shader`: a duplicate name is reported even when the first layer's shader fails.
    duplicate_layer_after_bad_shader: "duplicate_layer_after_bad_shader.toml" => [
        at("duplicate_layer_after_bad_shader.toml", 7, 8, "layer name `field` is used twice"),
        at("_bad_shader.wgsl", 2, 40, "missing `;` at the end of line 2"),
    ];
    /// Case `script_syntax_error`: a syntax error in a script, located in the .rhai file.
    script_syntax_error: "script_syntax_error.toml" => [
        at("script_syntax_error.rhai", 3, 16, "script: Unexpected ';'"),
    ];
    /// Case `script_unknown_names`: literal names a script uses that the scene lacks, reported at
    /// load at the script's own line:col (a comment is not checked).
    script_unknown_names: "script_unknown_names.toml" => [
        at("script_unknown_names.rhai", 3, 10, "set(\"levle\"): the scene has no parameter `levle`").hint("did you mean `level`?"),
        at("script_unknown_names.rhai", 4, 14, "no cue list `mian`").hint("did you mean `main`?"),
        at("script_unknown_names.rhai", 5, 14, "list `main` has no cue `2`"),
    ];
    /// Case `script_inputs_and_calls`: what a script reads and handles, and a `call` from the
    /// scene, checked at load against the inputs and the scripts' functions.
    script_inputs_and_calls: "script_inputs_and_calls.toml" => [
        at("script_inputs_and_calls.toml", 16, 5, "key `p`: `call new_palete`: no script of the scene defines `fn new_palete()`")
            .hint("did you mean `new_palette`?"),
        at("script_inputs_and_calls.rhai", 2, 33, "on_input(..., \"visiter\"): the script has no `fn visiter(value)`")
            .hint("did you mean `visitor`?"),
        at("script_inputs_and_calls.rhai", 5, 25, "input(\"dsk:/level\"): unknown input `dsk`").hint("did you mean `desk`?"),
        at("script_inputs_and_calls.rhai", 5, 47, "`desk:level`: not an OSC address"),
        at("script_inputs_and_calls.rhai", 7, 29, "trigger(\"dor\"): the scene has no trigger `dor`").hint("did you mean `door`?"),
    ];
    /// Case `script_build_bad_entry`: entries a script's build() adds are checked like the
    /// scene's own, and reported at the add() that made them, with the line it wrote.
    script_build_bad_entry: "script_build_bad_entry.toml" => [
        at("script_build_bad_entry.rhai", 3, 9, "opacity 1.2 is out of range in layer `dot-2` (in the entry this add() made: `opacity = 1.2`)"),
        at("script_build_bad_entry.rhai", 5, 5, "cannot read shader").hint("relative to the scene file"),
    ];
    /// Case `script_build_wrong_table`: build() adds to a table scripts cannot add to.
    script_build_wrong_table: "script_build_wrong_table.toml" => [
        at("script_build_wrong_table.rhai", 2, 5, "add(\"show\", ...): not a table a script can add to").hint("\"cues.LIST\""),
    ];
    /// Case `script_missing`: `scripts` names a file that does not exist.
    script_missing: "script_missing.toml" => [
        at("script_missing.toml", 2, 12, "cannot read script").hint("relative to the scene file"),
    ];
    /// Case `include_after_table`: `include` after `[show]` is `show.include`; the error says to move it up.
    include_after_table: "include_after_table.toml" => [
        at("include_after_table.toml", 4, 1, "`include` is inside [show]").hint("move `include` above the first [table]"),
    ];
    /// Case `console_bad_settings`: a short token; OSCQuery on the console's port.
    console_bad_settings: "console_bad_settings.toml" => [
        at("console_bad_settings.toml", 8, 12, "oscquery 127.0.0.1:8080 uses the console's port").hint("a port of its own"),
        at("console_bad_settings.toml", 9, 9, "the console token must be at least 12 characters").hint("QUAI_TOKEN"),
    ];
    /// Case `console_bad_bind`: `[console]` in the hardware include and again in the scene; the include's bind is no address.
    console_bad_bind: "console_bad_bind.toml" => [
        at("console_bad_bind.toml", 8, 2, "[console] is set twice").hint("_console_hw.toml:1:1"),
        at("_console_hw.toml", 2, 8, "bind \"every-network:80\" is not a listening address").hint("0.0.0.0:8080"),
    ];
    /// Case `csv_without_columns`: protocol = "csv" needs the column names.
    csv_without_columns: "csv_without_columns.toml" => [
        at("csv_without_columns.toml", 5, 12, "csv needs `columns`").hint("columns = ["),
    ];

    /// Case `bind_uniform_keyword`: `fn` (a WGSL keyword) as a uniform name.
    bind_uniform_keyword: "bind_uniform_keyword.toml" => [
        at("bind_uniform_keyword.toml", 8, 10, "`fn` cannot be a shader uniform name").hint("WGSL keyword"),
    ];
    /// Case `bind_uniform_digit`: `2x` (starts with a digit) as a uniform name.
    bind_uniform_digit: "bind_uniform_digit.toml" => [
        at("bind_uniform_digit.toml", 5, 10, "`2x` cannot be a shader uniform name"),
    ];
    /// Case `bind_uniform_digit` (hint): the hint must say why `2x` is refused.
    bind_uniform_digit_hint: "bind_uniform_digit.toml" => [
        at("bind_uniform_digit.toml", 5, 10, "`2x` cannot be a shader uniform name").hint("with a digit"),
    ];

    // ---- Projection: [[outputs]] windows with slices, warps, blends, masks --------------------------

    /// Case `proj_duplicate_name`: two window outputs called `left`, the second pointing at the first.
    proj_duplicate_name: "proj_duplicate_name.toml" => [
        at("proj_duplicate_name.toml", 11, 8, "output name `left` is used twice").hint("proj_duplicate_name.toml:7:8"),
    ];
    /// Case `proj_slice_outside`: x + width = 1340 on a 1280-wide canvas, with the sums in the hint.
    proj_slice_outside: "proj_slice_outside.toml" => [
        at("proj_slice_outside.toml", 11, 9, "slice [640, 0, 700, 720] of output `right` reaches outside the canvas")
            .hint("x + width is 1340"),
    ];
    /// Case `proj_corners_three`: a corner-pin needs 4 corners, in the order the hint names.
    proj_corners_three: "proj_corners_three.toml" => [
        at("proj_corners_three.toml", 11, 11, "has 3 corners, not 4").hint("top-left, top-right, bottom-right, bottom-left"),
    ];
    /// Case `proj_corners_folded`: the bottom corners swapped make a bow-tie.
    proj_corners_folded: "proj_corners_folded.toml" => [
        at("proj_corners_folded.toml", 11, 11, "the picture would be folded").hint("clockwise on screen"),
    ];
    /// Case `proj_mesh_wrong_count`: 8 points for a 3 × 3 mesh.
    proj_mesh_wrong_count: "proj_mesh_wrong_count.toml" => [
        at("proj_mesh_wrong_count.toml", 12, 10, "has 8 points; 3 columns × 3 rows need 9").hint("row by row"),
    ];
    /// Case `proj_mask_missing`: the mask image does not exist.
    proj_mask_missing: "proj_mask_missing.toml" => [
        at("proj_mask_missing.toml", 11, 9, "cannot read image").hint("relative to the scene file"),
    ];
    /// Case `proj_mask_wrong_size`: a 64 × 36 mask on a 1280 × 720 output.
    proj_mask_wrong_size: "proj_mask_wrong_size.toml" => [
        at("proj_mask_wrong_size.toml", 11, 9, "is 64x36, but output `wall` is 1280x720").hint("export it at the output's `size`"),
    ];
    /// Case `proj_blend_overlap`: left 400 + right 300 on a 600-wide slice.
    proj_blend_overlap: "proj_blend_overlap.toml" => [
        at("proj_blend_overlap.toml", 12, 9, "400 + 300 is more than the slice's width 600"),
    ];
    /// Case `proj_warp_on_led`: `warp` given to an Art-Net output.
    proj_warp_on_led: "proj_warp_on_led.toml" => [
        at("proj_warp_on_led.toml", 10, 8, "`warp` does not apply to artnet output `facade`").hint("kind = \"window\""),
    ];

    // ---- LED facades: [[outputs]] of kind artnet / sacn, [[fixtures]] -----------------------------

    /// Case `led_unknown_output_kind`: `kind = "artnett"`, with "did you mean `artnet`?"; the
    /// fixture on that output is not a second error.
    led_unknown_output_kind: "led_unknown_output_kind.toml" => [
        at("led_unknown_output_kind.toml", 4, 8, "unknown value `artnett` in output `facade`")
            .hint("did you mean `artnet`?"),
    ];
    /// Case `led_fixture_unknown_output`: `output = "facdae"`, with "did you mean"; the output it
    /// meant is not also reported as driving no fixtures.
    led_fixture_unknown_output: "led_fixture_unknown_output.toml" => [
        at("led_fixture_unknown_output.toml", 9, 10, "fixture `front` names unknown output `facdae`")
            .hint("did you mean `facade`?"),
    ];
    /// Case `led_overlapping_channels`: in the included hardware file, `lower` starts on channels
    /// that `upper` (200 RGB pixels from universe 0) already writes in universe 1; reported at
    /// `lower`'s channel, naming `upper` and where it is, with the first free channel.
    led_overlapping_channels: "led_overlapping_channels.toml" => [
        at("_facade_overlap_hw.toml", 21, 11, "_facade_overlap_hw.toml:8:8): both write universe 1, channels 1..90")
            .hint("first free channel after `upper` is universe 1, channel 91"),
    ];
    /// Case `led_start_channel_past_512`: an RGB pixel cannot start at channel 511.
    led_start_channel_past_512: "led_start_channel_past_512.toml" => [
        at("led_start_channel_past_512.toml", 12, 11, "an RGB pixel at channel 511 needs channels 511..513; a universe has 512")
            .hint("channel 510 or lower"),
    ];
    /// Case `led_last_universe_out_of_range`: the first universe is valid but the fixture flows on
    /// past Art-Net's last universe; the hint says how far down to start it.
    led_last_universe_out_of_range: "led_last_universe_out_of_range.toml" => [
        at("led_last_universe_out_of_range.toml", 12, 12, "runs on to universe 32768")
            .hint("start it at universe 32765 or lower"),
    ];
    /// Case `led_pixel_off_canvas`: the strip's 10th LED lies right of the 1280-pixel canvas.
    led_pixel_off_canvas: "led_pixel_off_canvas.toml" => [
        at("led_pixel_off_canvas.toml", 13, 10, "LED 10 of 11 of fixture `gutter` is off the canvas, at (1350.0, 700.0)")
            .hint("check `points`"),
    ];
    /// Case `led_missing_csv`: located at the `csv = "..."` value in the scene.
    led_missing_csv: "led_missing_csv.toml" => [
        at("led_missing_csv.toml", 9, 7, "cannot read points file").hint("relative to the file that names it"),
    ];
    /// Case `led_malformed_csv_row`: `2OO` (letters O) in a row of the CSV, located in the CSV
    /// file itself at the bad column; the header and comment rows are fine.
    led_malformed_csv_row: "led_malformed_csv_row.toml" => [
        at("_facade_bad_points.csv", 4, 6, "`2OO` is not a number").hint("canvas pixels"),
    ];
    /// Case `led_fixture_key_for_other_kind`: `wiring` (matrix) on a strip.
    led_fixture_key_for_other_kind: "led_fixture_key_for_other_kind.toml" => [
        at("led_fixture_key_for_other_kind.toml", 11, 10, "`wiring` does not apply to strip fixture `gutter`")
            .hint("setting of matrix fixtures"),
    ];
    /// Case `led_sacn_key_on_artnet`: `priority` (sACN) on an Art-Net output.
    led_sacn_key_on_artnet: "led_sacn_key_on_artnet.toml" => [
        at("led_sacn_key_on_artnet.toml", 6, 12, "`priority` does not apply to artnet output `facade`")
            .hint("setting of sacn outputs"),
    ];
    /// Case `led_output_without_fixtures`: `right`, in the included hardware file, drives nothing.
    led_output_without_fixtures: "led_output_without_fixtures.toml" => [
        at("_facade_two_outputs_hw.toml", 8, 8, "output `right` drives no fixtures")
            .hint("output = \"right\""),
    ];
    /// Case `led_duplicate_fixture_name`: the second `front`, with a hint pointing at the first.
    led_duplicate_fixture_name: "led_duplicate_fixture_name.toml" => [
        at("led_duplicate_fixture_name.toml", 14, 8, "fixture name `front` is used twice")
            .hint("led_duplicate_fixture_name.toml:7:8"),
    ];

    // ---- sound: [audio], [[speakers]], [[sounds]], [[synths]], [[buses]], [[analysis]] -----------

    /// Case `audio_missing_sound_file`: located at the `file = "..."` value.
    audio_missing_sound_file: "audio_missing_sound_file.toml" => [
        at("audio_missing_sound_file.toml", 4, 8, "cannot read sound file").hint("relative to the file that names it"),
    ];
    /// Case `audio_unsupported_extension`: `.aiff`, with the formats quai plays and an ffmpeg line.
    audio_unsupported_extension: "audio_unsupported_extension.toml" => [
        at("audio_unsupported_extension.toml", 4, 8, ".aiff is not a supported sound file type")
            .hint("ffmpeg -i sounds/rain.aiff sounds/rain.flac"),
    ];
    /// Case `audio_garbage_sound_file`: a text file named `.wav` fails the header probe at load.
    audio_garbage_sound_file: "audio_garbage_sound_file.toml" => [
        at("audio_garbage_sound_file.toml", 4, 8, "not a readable WAV file").hint("re-export it"),
    ];
    /// Case `audio_truncated_sound_file`: a WAV cut off mid-data (its header promises more) fails
    /// at load, not at play time.
    audio_truncated_sound_file: "audio_truncated_sound_file.toml" => [
        at("audio_truncated_sound_file.toml", 4, 8, "cut short: its header promises 0.10 s"),
    ];
    /// Case `audio_speaker_past_channels`: a speaker on channel 3 of a 2-channel stream, at the
    /// speaker's channel, with both numbers and where `channels` is set.
    audio_speaker_past_channels: "audio_speaker_past_channels.toml" => [
        at("audio_speaker_past_channels.toml", 11, 11, "speaker `sub` is on channel 3, but [audio] channels = 2")
            .hint("audio_speaker_past_channels.toml:2:12) to 3"),
    ];
    /// Case `audio_position_without_speakers`: `position` with no [[speakers]] to pan between.
    audio_position_without_speakers: "audio_position_without_speakers.toml" => [
        at("audio_position_without_speakers.toml", 5, 12, "`position` needs [[speakers]]").hint("or use pan"),
    ];
    /// Case `audio_channels_past_device`: `channels = [2, 3]` on a 2-channel stream, at the 3.
    audio_channels_past_device: "audio_channels_past_device.toml" => [
        at("audio_channels_past_device.toml", 7, 16, "channel 3 is not one of the 2 output channels")
            .hint("from 1 to 2"),
    ];
    /// Case `audio_pan_out_of_range`: `pan = 1.5`.
    audio_pan_out_of_range: "audio_pan_out_of_range.toml" => [
        at("audio_pan_out_of_range.toml", 4, 7, "pan 1.5 is out of range in sound `tone`").hint("between -1 and 1"),
    ];
    /// Case `audio_two_placements`: `pan` and `channels` at once, at the second.
    audio_two_placements: "audio_two_placements.toml" => [
        at("audio_two_placements.toml", 5, 12, "`pan` and `channels` both place the sound").hint("give one of"),
    ];
    /// Case `audio_unknown_trigger`: `start = ["dor"]`, with "did you mean `door`?".
    audio_unknown_trigger: "audio_unknown_trigger.toml" => [
        at("audio_unknown_trigger.toml", 13, 10, "unknown trigger `dor` in sound `bell`").hint("did you mean `door`?"),
    ];
    /// Case `audio_malformed_threshold`: `"presence >"` has no number; pointed at where it belongs.
    audio_malformed_threshold: "audio_malformed_threshold.toml" => [
        at("audio_malformed_threshold.toml", 6, 21, "threshold `presence >` has no number")
            .hint("write \"presence > 0.5\""),
    ];
    /// Case `audio_threshold_unknown_param`: `"presense < 0.2"`, pointed at the name inside the string.
    audio_threshold_unknown_param: "audio_threshold_unknown_param.toml" => [
        at("audio_threshold_unknown_param.toml", 6, 10, "threshold on unknown parameter `presense`")
            .hint("did you mean `presence`?"),
    ];
    /// Case `audio_graph_unknown_function`: `lowpas` in a graph, at its own column in the string.
    audio_graph_unknown_function: "audio_graph_unknown_function.toml" => [
        at("audio_graph_unknown_function.toml", 7, 30, "unknown function `lowpas`").hint("did you mean `lowpass`?"),
    ];
    /// Case `audio_graph_wrong_arity`: a third argument to `highpass`, pointed at.
    audio_graph_wrong_arity: "audio_graph_wrong_arity.toml" => [
        at("audio_graph_wrong_arity.toml", 3, 39, "`highpass` takes 2 arguments, not 3").hint("highpass(cutoff, q)"),
    ];
    /// Case `audio_graph_unbound_input`: `freq` in the graph, not bound by `inputs`.
    audio_graph_unbound_input: "audio_graph_unbound_input.toml" => [
        at("audio_graph_unbound_input.toml", 4, 15, "graph input `freq` is not in `inputs`")
            .hint("inputs = { freq = \"PARAM\" }"),
    ];
    /// Case `audio_unknown_bus`: `bus = "hal"`, with "did you mean `hall`?".
    audio_unknown_bus: "audio_unknown_bus.toml" => [
        at("audio_unknown_bus.toml", 8, 7, "unknown bus `hal` in synth `drone`").hint("did you mean `hall`?"),
    ];
    /// Case `audio_analysis_unknown_param`: analysis into a misspelt parameter.
    audio_analysis_unknown_param: "audio_analysis_unknown_param.toml" => [
        at("audio_analysis_unknown_param.toml", 5, 6, "analysis into unknown parameter `loudnes`")
            .hint("did you mean `loudness`?"),
    ];
    /// Case `audio_band_out_of_range`: `band:9/8`; bands count from 1.
    audio_band_out_of_range: "audio_band_out_of_range.toml" => [
        at("audio_band_out_of_range.toml", 4, 11, "band 9 of 8 is out of range").hint("counted from 1"),
    ];
    /// Case `audio_analysis_input_without_input`: `source = "input"`, but [audio] has no input.
    audio_analysis_input_without_input: "audio_analysis_input_without_input.toml" => [
        at("audio_analysis_input_without_input.toml", 7, 10, "[audio] has no `input`").hint("input = {"),
    ];
    /// Case `audio_duplicate_voice_name`: a synth named like a sound (they share one namespace).
    audio_duplicate_voice_name: "audio_duplicate_voice_name.toml" => [
        at("audio_duplicate_voice_name.toml", 6, 8, "synth name `rain` is used twice")
            .hint("audio_duplicate_voice_name.toml:2:8"),
    ];

    // ---- files: shaders, images, includes ------------------------------------------------------

    /// Case `missing_shader`: `shader = "no_such_shader.wgsl"`, located at the path in the scene.
    missing_shader: "missing_shader.toml" => [
        at("missing_shader.toml", 4, 10, "cannot read shader").hint("relative to the scene file"),
    ];
    /// Case `missing_image`: `image = "no_such_image.png"`, located at the path in the scene.
    missing_image: "missing_image.toml" => [
        at("missing_image.toml", 4, 9, "cannot read image").hint("relative to the scene file"),
    ];
    /// Case `image_not_decodable`: `_not_an_image.png` is text, not an image.
    image_not_decodable: "image_not_decodable.toml" => [
        at("image_not_decodable.toml", 4, 9, "cannot decode image").hint("PNG or JPEG"),
    ];
    /// Case `missing_include`: `include = ["_no_such_include.toml"]`, located at the entry.
    missing_include: "missing_include.toml" => [
        at("missing_include.toml", 2, 12, "cannot read included scene file").hint("check the path"),
    ];
    /// Case `include_cycle`: include_cycle.toml → _include_cycle_b.toml → include_cycle.toml,
    /// located at the include entry that closes the cycle.
    include_cycle: "include_cycle.toml" => [
        at("_include_cycle_b.toml", 2, 12, "include cycle").hint("remove one of these includes"),
    ];
    /// Case `show_in_include`: [show] in an included file, located in that file.
    show_in_include: "show_in_include.toml" => [
        at("_include_with_show.toml", 5, 2, "[show] belongs in the main scene file"),
    ];

    // ---- WGSL ----------------------------------------------------------------------------------

    /// Case `wgsl_syntax_error`: a missing `;` at the end of line 4, located there (naga meets
    /// the next token on line 5), in the .wgsl file, with a hint that does not repeat the error.
    wgsl_syntax_error: "wgsl_syntax_error.toml" => [
        at("wgsl_syntax_error.wgsl", 4, 22, "missing `;` at the end of line 4").hint("write `let g = uv.y * 0.5;`"),
    ];
    /// Case `wgsl_quai_field`: `quai.beat`; the hint lists the fields `quai` has.
    wgsl_quai_field: "wgsl_quai_field.toml" => [
        at("wgsl_quai_field.wgsl", 3, 18, "invalid field accessor `beat`")
            .hint("`quai` has time, delta, frame, resolution, audio, background"),
    ];
    /// Case `wgsl_redefine_library`: `fn palette` again; the hint says it is the shared library's and how to rename.
    wgsl_redefine_library: "wgsl_redefine_library.toml" => [
        at("wgsl_redefine_library.wgsl", 2, 4, "redefinition of `palette`").hint("shared library (shaders/lib/common.wgsl:"),
    ];
    /// Case `wgsl_unknown_identifier`: `colr` for the `color` declared above it.
    wgsl_unknown_identifier: "wgsl_unknown_identifier.toml" => [
        at("wgsl_unknown_identifier.wgsl", 4, 22, "identifier: `colr`").hint("did you mean `color`?"),
    ];
    /// Case `wgsl_glsl_type`: `float`, as GLSL writes it.
    wgsl_glsl_type: "wgsl_glsl_type.toml" => [
        at("wgsl_glsl_type.wgsl", 3, 12, "identifier: `float`").hint("WGSL writes `float` as f32"),
    ];
    /// Case `wgsl_int_float_mix`: an i32 added to an f32, said in those words.
    wgsl_int_float_mix: "wgsl_int_float_mix.toml" => [
        at("wgsl_int_float_mix.wgsl", 4, 13, "an integer (i32) and a float (f32) mixed").hint("f32(x)"),
    ];
    /// Case `wgsl_unbound_param`: `params.speeed` (a typo for the bound `speed`), mapped to the
    /// .wgsl line, with a hint on how to bind it.
    wgsl_unbound_param: "wgsl_unbound_param.toml" => [
        at("wgsl_unbound_param.wgsl", 3, 32, "invalid field accessor `speeed`")
            .hint("not bound on this layer"),
    ];
    /// Case `wgsl_let_type_mismatch`: `let x: f32 = uv;` (a vec2), mapped to the .wgsl line.
    wgsl_let_type_mismatch: "wgsl_let_type_mismatch.toml" => [
        at("wgsl_let_type_mismatch.wgsl", 3, 9, "expected to be `f32`, but got `vec2<f32>`"),
    ];
    /// Case `wgsl_return_type_mismatch`: `shade` returns a vec3<f32>; the diagnostic must point at
    /// the returned expression (line 4) and name the types, not naga's internal handles.
    wgsl_return_type_mismatch: "wgsl_return_type_mismatch.toml" => [
        at("wgsl_return_type_mismatch.wgsl", 4, 12, "vec3<f32>"),
    ];
    /// Case `shader_without_shade`: the shader defines `fn shader`, not `fn shade`; the diagnostic
    /// must say that `fn shade` is missing and point into the layer's .wgsl, not into quai's
    /// internal shaders/lib/entry.wgsl.
    shader_without_shade: "shader_without_shade.toml" => [
        in_file("shader_without_shade.wgsl", "does not define `fn shade").hint("shade"),
    ];
    /// Case `wgsl_shared_broken_shader`: two layers use the same broken shader; its error is
    /// reported once.
    wgsl_shared_broken_shader: "wgsl_shared_broken_shader.toml" => [
        at("wgsl_syntax_error.wgsl", 4, 22, "missing `;`"),
    ];

    // ---- all errors at once --------------------------------------------------------------------

    /// Case `many_errors`: an unknown key in one layer, a bad opacity in another and an unknown
    /// parameter binding in a third are all reported in one run.
    many_errors: "many_errors.toml" => [
        at("many_errors.toml", 8, 1, "unknown key `opactiy`").hint("did you mean `opacity`?"),
        at("many_errors.toml", 13, 11, "opacity 2 is out of range").hint("between 0 and 1"),
        at("many_errors.toml", 18, 18, "binds unknown parameter `sped`").hint("did you mean `speed`?"),
    ];
    /// Case `layer_two_parse_errors`: an unknown key and a wrong type in the same layer are both
    /// reported.
    layer_two_parse_errors: "layer_two_parse_errors.toml" => [
        at("layer_two_parse_errors.toml", 5, 1, "unknown key `opactiy`").hint("did you mean `opacity`?"),
        at("layer_two_parse_errors.toml", 6, 12, "wrong type"),
    ];
    /// Case `layer_two_errors`: an unknown key and an out-of-range opacity in the same layer are
    /// both reported.
    layer_two_errors: "layer_two_errors.toml" => [
        at("layer_two_errors.toml", 5, 1, "unknown key `blnd`").hint("did you mean `blend`?"),
        at("layer_two_errors.toml", 6, 11, "opacity 1.5 is out of range"),
    ];
    /// Case `param_typo_cascade`: a typo in a parameter must not make the layers that bind it
    /// report "unknown parameter" (with a hint to declare what is declared).
    param_typo_cascade: "param_typo_cascade.toml" => [
        at("param_typo_cascade.toml", 5, 1, "unknown key `smoothin`").hint("did you mean `smoothing`?"),
    ];
    /// Case `errors_in_file_order`: diagnostics come in the order of the file ([show] on line 3
    /// before the layer on line 8).
    errors_in_file_order: "errors_in_file_order.toml" => [
        at("errors_in_file_order.toml", 3, 1, "unknown key `backgound`"),
        at("errors_in_file_order.toml", 8, 1, "unknown key `opactiy`"),
    ];
}

/// The top-level scene files of the corpus (not `_` helpers), sorted.
fn corpus_scenes() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(corpus_dir())
        .expect("tests/broken exists")
        .map(|e| e.expect("readable dir entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".toml") && !n.starts_with('_'))
        .collect();
    names.sort();
    names
}

/// The corpus as a whole: at least 20 scenes; each one is a case in the table above (and each
/// case's file exists); every one fails to load; and every diagnostic has a location whose line
/// text, line and column agree with the file on disk.
#[test]
fn every_corpus_scene_is_a_case_and_fails_to_load() {
    let scenes = corpus_scenes();
    assert!(scenes.len() >= 20, "only {} scenes in {CORPUS}", scenes.len());
    let cases: BTreeSet<&str> = CASES.iter().copied().collect();
    for name in &scenes {
        assert!(cases.contains(name.as_str()), "{CORPUS}/{name} is not in the table of cases");
    }
    for case in &cases {
        assert!(scenes.iter().any(|s| s == case), "case {case} has no file in {CORPUS}");
    }
    for name in &scenes {
        let errors = match load_case(name) {
            Ok(_) => panic!("{CORPUS}/{name} loaded, but every corpus scene is broken"),
            Err(e) => e,
        };
        assert!(!errors.diagnostics.is_empty(), "{CORPUS}/{name} failed with no diagnostics");
        for d in &errors.diagnostics {
            let loc = d.location.as_ref().unwrap_or_else(|| panic!("{CORPUS}/{name}: no location for:\n{d}"));
            // Relative paths in diagnostics (quai's built-in shaders) are relative to the crate root.
            let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(&loc.path);
            let Ok(text) = std::fs::read_to_string(&path) else { continue };
            let line = text.lines().nth(loc.line - 1).unwrap_or_else(|| {
                panic!("{CORPUS}/{name}: line {} is past the end of {}:\n{d}", loc.line, path.display())
            });
            assert_eq!(loc.line_text, line, "{CORPUS}/{name}: line text differs from the file:\n{d}");
            assert!(
                loc.col >= 1 && loc.col - 1 + loc.len <= line.chars().count() + 1,
                "{CORPUS}/{name}: caret {}+{} is outside the line ({} chars):\n{d}",
                loc.col,
                loc.len,
                line.chars().count()
            );
        }
    }
}

/// The CLI: `quai check` on two broken scenes at once exits 1 and prints `file:line:col` for both
/// (cases `unknown_layer_key` and `opacity_out_of_range`).
#[test]
fn cli_check_reports_both_files_and_exits_1() {
    let a = Path::new(CORPUS).join("unknown_layer_key.toml");
    let b = Path::new(CORPUS).join("opacity_out_of_range.toml");
    let out = Command::new(env!("CARGO_BIN_EXE_quai"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .arg("check")
        .arg(&a)
        .arg(&b)
        .output()
        .expect("run quai check");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "exit status {:?}; stderr:\n{stderr}", out.status);
    for want in [format!("{}:5:1", a.display()), format!("{}:5:11", b.display())] {
        assert!(stderr.contains(&want), "stderr lacks `{want}`:\n{stderr}");
    }
    assert!(stderr.contains("did you mean `opacity`?"), "stderr lacks the hint:\n{stderr}");
}
