//! One `[[fixtures]]` entry: which output drives it, its shape (matrix, strip, points from a CSV
//! file) and placement, its patch (universe, channel, colour order, depth) and colour settings;
//! then whether its first pixel fits, whether its last universe exists and whether every LED lies
//! on the canvas.

use std::ops::Range;

use super::super::super::diag::{Diagnostic, did_you_mean};
use super::super::super::file::{FixtureFile, FixtureKind, OrderFile, SampleFile};
use super::super::super::led::*;
use super::super::super::load::At;
use super::super::{Ctx, whole};
use super::led::word;
use super::patch::Run;
use super::{KindKey, centres, shape, span};

/// A fixture that checked out, with where it was written (for the checks across fixtures).
pub(super) struct Patched {
    pub fixture: Fixture,
    /// Index of its output among the LED outputs that checked out.
    pub output: usize,
    pub file: usize,
    pub name_span: Range<usize>,
    pub universe_span: Range<usize>,
    pub channel_span: Option<Range<usize>>,
    pub run: Run,
}

/// The output a fixture entry names, or the only LED output when it names none.
pub(super) fn target(f: &FixtureFile, outs: &[(&str, LedProtocol)], declared: &[&str]) -> Option<String> {
    match &f.output {
        Some(o) => Some(o.get_ref().clone()),
        None if declared.len() == 1 => Some(declared[0].to_string()),
        None => outs.first().filter(|_| outs.len() == 1).map(|o| o.0.to_string()),
    }
}

pub(super) fn check(
    cx: &mut Ctx,
    entry: &At<FixtureFile>,
    outs: &[(&str, LedProtocol)],
    declared: &[&str],
    windows: &[&str],
    canvas: [u32; 2],
) -> Option<Patched> {
    let (file, f, broken) = (entry.file, &entry.value, &entry.broken);
    let was_broken = |k: &str| broken.iter().any(|b| b == k);
    let Some(name) = &f.name else {
        if !was_broken("name") {
            let hint = "add `name = \"...\"`: errors and logs refer to fixtures by name".to_string();
            cx.err(file, entry.span.clone(), "fixture has no `name`", hint);
        }
        return None;
    };
    let n = name.get_ref().clone();
    cx.context = format!(" in fixture `{n}`");

    let output = output(cx, f, file, name.span(), &n, outs, declared, windows, was_broken("output"));
    let protocol = output.map(|i| outs[i].1);

    let kind = match &f.kind {
        Some(k) => Some(*k.get_ref()),
        None => {
            if !was_broken("kind") {
                let hint = "add kind = \"matrix\", \"strip\" or \"points\"".to_string();
                cx.err(file, name.span(), format!("fixture `{n}` has no `kind`"), hint);
            }
            None
        }
    };
    if let Some(kind) = kind {
        super::foreign_keys(cx, file, &fixture_keys(f), kind.word(), "fixture", &n);
    }
    let (shape, placement, csv) = shape::read(cx, entry, kind, name, canvas);
    let universe = match &f.universe {
        None => {
            if !was_broken("universe") {
                let hint = "add universe = N: the universe of the fixture's first pixel".to_string();
                cx.err(file, name.span(), format!("fixture `{n}` has no `universe`"), hint);
            }
            None
        }
        Some(u) => match protocol {
            Some(p) => {
                let (lo, hi) = p.universes();
                let x = *u.get_ref();
                if (i64::from(lo)..=i64::from(hi)).contains(&x) {
                    Some((u.span(), x as u16))
                } else {
                    let msg = format!(
                        "universe {x} is out of range for {} output `{}`",
                        word(p),
                        output.map_or("", |i| outs[i].0)
                    );
                    cx.err(file, u.span(), msg, universe_rule(p));
                    None
                }
            }
            None => None,
        },
    };
    let channel = f.channel.as_ref().map_or(Some(1), |c| whole(cx, file, c, "channel", 1, 512)).map(|c| c as u16);
    let order = match f.order.as_ref().map(|o| *o.get_ref()) {
        Some(OrderFile::Grb) => ColorOrder::Grb,
        Some(OrderFile::Bgr) => ColorOrder::Bgr,
        Some(OrderFile::Rgbw) => ColorOrder::Rgbw,
        Some(OrderFile::Grbw) => ColorOrder::Grbw,
        Some(OrderFile::Mono) => ColorOrder::Mono,
        Some(OrderFile::Rgb) | None => ColorOrder::Rgb,
    };
    let depth = match f.depth.as_ref().map(|d| (d, *d.get_ref())) {
        None | Some((_, 8)) => Some(Depth::Bits8),
        Some((_, 16)) => Some(Depth::Bits16),
        Some((d, x)) => {
            let hint = "LED pixels take 8 bits per colour (the usual) or 16 (two channels each)".to_string();
            cx.err(file, d.span(), format!("depth {x} is not 8 or 16{}", cx.context), hint);
            None
        }
    };
    let gamma = f.gamma.as_ref().map_or(Some(2.2), |g| cx.ranged(file, g, "gamma", 1.0, 4.0));
    let white_balance = match &f.white_balance {
        None => Some([1.0; 3]),
        Some(w) if w.get_ref().iter().all(|v| (0.0..=1.0).contains(v)) => Some(w.get_ref().map(|v| v as f32)),
        Some(w) => {
            let hint =
                "each of red, green and blue is a multiplier between 0 and 1; scale the others down instead of one up"
                    .to_string();
            cx.err(file, w.span(), format!("white_balance {:?} is out of range{}", w.get_ref(), cx.context), hint);
            None
        }
    };
    let brightness = f.brightness.as_ref().map_or(Some(1.0), |b| cx.ranged(file, b, "brightness", 0.0, 1.0));
    let power_limit = f.power_limit.as_ref().map_or(Some(1.0), |p| cx.ranged(file, p, "power_limit", 0.0, 1.0));
    let sample = match f.sample.as_ref().map(|s| *s.get_ref()) {
        Some(SampleFile::Point) => Sample::Point,
        Some(SampleFile::Area) | None => Sample::Area,
    };

    // The first pixel must fit in the first universe.
    let bytes = depth.map(|d| order.channels() * d.bytes());
    let channel = match (channel, bytes) {
        (Some(c), Some(b)) if usize::from(c) - 1 + b > UNIVERSE_CHANNELS => {
            let at = f.channel.as_ref().map(|c| c.span()).unwrap_or(name.span());
            let pixel = pixel_words(order, depth.unwrap_or(Depth::Bits8));
            let hint = format!(
                "start at channel {} or lower, or at channel 1 of the next universe: a pixel never straddles two universes",
                UNIVERSE_CHANNELS + 1 - b
            );
            let msg =
                format!("{pixel} at channel {c} needs channels {c}..{}; a universe has 512", usize::from(c) + b - 1);
            cx.err(file, at, format!("fixture `{n}`: {msg}"), hint);
            None
        }
        (c, _) => c,
    };
    cx.context.clear();

    let (output, shape, placement, (universe_span, universe), channel, depth) =
        (output?, shape?, placement?, universe?, channel?, depth?);
    let fixture = Fixture {
        name: n.clone(),
        shape,
        placement,
        universe,
        channel,
        order,
        depth,
        gamma: gamma?,
        white_balance: white_balance?,
        brightness: brightness?,
        power_limit: power_limit?,
        sample,
    };
    let run = Run::new(u32::from(universe), channel, fixture.pixel_bytes(), fixture.pixel_count());
    let protocol = outs[output].1;
    let (_, hi) = protocol.universes();
    if run.last_universe() > u32::from(hi) {
        let last = run.last_universe();
        let fits = i64::from(hi) - i64::from(last - u32::from(universe));
        let hint = format!(
            "a fixture flows on into the following universes ({} pixels per universe here); start it at universe {fits} or lower, or split it",
            fixture.pixels_per_universe()
        );
        let msg = format!(
            "fixture `{n}` runs on to universe {last}: its {} pixels from universe {universe} channel {channel} need {} universes; {} ends at {hi}",
            fixture.pixel_count(),
            last - u32::from(universe) + 1,
            protocol_name(protocol)
        );
        cx.err(file, universe_span, msg, hint);
        return None;
    }
    if let Some((i, [x, y])) = centres::off_canvas(&fixture, canvas) {
        let [w, h] = canvas;
        let msg = format!(
            "LED {} of {} of fixture `{n}` is off the canvas, at ({x:.1}, {y:.1}); the canvas is {w}x{h}",
            i + 1,
            fixture.pixel_count()
        );
        match &csv {
            Some(c) => {
                let hint = format!(
                    "points are in canvas pixels, x 0..{w} and y 0..{h} from the top-left; check this row and the fixture's `rotation`"
                );
                cx.diags.push(Diagnostic::new(msg).at(&c.source, c.rows[i].clone()).hint(hint));
            }
            None => {
                let (at, keys) = match kind {
                    Some(FixtureKind::Strip) => (span(&f.points), "`points` (and `rotation`)"),
                    _ => {
                        (span(&f.position).or(span(&f.size)).or(span(&f.rotation)), "`position`, `size` and `rotation`")
                    }
                };
                let hint = format!(
                    "every LED must lie on the canvas (x 0..{w}, y 0..{h}, canvas pixels from the top-left): check {keys}"
                );
                cx.err(file, at.unwrap_or(name.span()), msg, hint);
            }
        }
        return None;
    }
    let channel_span = f.channel.as_ref().map(|c| c.span());
    Some(Patched { fixture, output, file, name_span: name.span(), universe_span, channel_span, run })
}

#[allow(clippy::too_many_arguments)]
fn output(
    cx: &mut Ctx,
    f: &FixtureFile,
    file: usize,
    name_span: Range<usize>,
    n: &str,
    outs: &[(&str, LedProtocol)],
    declared: &[&str],
    windows: &[&str],
    broken: bool,
) -> Option<usize> {
    let list = || outs.iter().map(|o| format!("`{}`", o.0)).collect::<Vec<_>>().join(", ");
    let Some(o) = &f.output else {
        if broken || (declared.len() == 1 && outs.is_empty()) {
            return None;
        }
        if outs.len() == 1 && declared.len() == 1 {
            return Some(0);
        }
        let hint = if declared.is_empty() {
            "add an LED output ([[outputs]] with kind = \"artnet\" or \"sacn\") and name it here with output = \"...\""
                .to_string()
        } else {
            format!("add output = \"...\"; the LED outputs are {}", list())
        };
        let msg = format!("fixture `{n}` does not say which output drives it");
        cx.err(file, name_span, msg, hint);
        return None;
    };
    let on = o.get_ref();
    if let Some(i) = outs.iter().position(|x| x.0 == on) {
        return Some(i);
    }
    if windows.contains(&on.as_str()) {
        let hint = "fixtures are driven by LED outputs: kind = \"artnet\" or \"sacn\"".to_string();
        cx.err(file, o.span(), format!("fixture `{n}`: output `{on}` is a window"), hint);
    } else if !declared.contains(&on.as_str()) {
        let hint = did_you_mean(on, outs.iter().map(|x| x.0)).unwrap_or_else(|| match outs.is_empty() {
            true => "no LED output is declared: add [[outputs]] with kind = \"artnet\" or \"sacn\"".to_string(),
            false => format!("the LED outputs are {}", list()),
        });
        cx.err(file, o.span(), format!("fixture `{n}` names unknown output `{on}`"), hint);
    }
    None
}

/// Which kinds of fixture each kind-specific key belongs to.
fn fixture_keys(f: &FixtureFile) -> [KindKey<'_>; 8] {
    const MATRIX: &[&str] = &["matrix"];
    [
        ("pixels", span(&f.pixels), &["matrix", "strip"]),
        ("wiring", span(&f.wiring), MATRIX),
        ("start", span(&f.start), MATRIX),
        ("major", span(&f.major), MATRIX),
        ("position", span(&f.position), MATRIX),
        ("size", span(&f.size), MATRIX),
        ("points", span(&f.points), &["strip"]),
        ("csv", span(&f.csv), &["points"]),
    ]
}

fn pixel_words(order: ColorOrder, depth: Depth) -> String {
    let name = match order {
        ColorOrder::Rgb => "RGB",
        ColorOrder::Grb => "GRB",
        ColorOrder::Bgr => "BGR",
        ColorOrder::Rgbw => "RGBW",
        ColorOrder::Grbw => "GRBW",
        ColorOrder::Mono => "mono",
    };
    match depth {
        Depth::Bits16 => format!("a 16-bit {name} pixel"),
        Depth::Bits8 if name.starts_with('R') => format!("an {name} pixel"),
        Depth::Bits8 => format!("a {name} pixel"),
    }
}

fn protocol_name(p: LedProtocol) -> &'static str {
    match p {
        LedProtocol::ArtNet => "Art-Net",
        LedProtocol::Sacn => "sACN",
    }
}

fn universe_rule(p: LedProtocol) -> String {
    let (lo, hi) = p.universes();
    let what = match p {
        LedProtocol::ArtNet => "Art-Net universes (15-bit port-addresses)",
        LedProtocol::Sacn => "sACN universes",
    };
    format!("{what} are {lo}..{hi}")
}
