//! `[[analysis]]`: a feature of the output mix or the input (`rms`, `peak`, `onset`, `band:K/N`)
//! into a parameter, with its raw range and smoothing.

use serde_spanned::Spanned;

use super::super::super::audio::{Analysis, AnalysisSource, Feature};
use super::super::super::diag::did_you_mean;
use super::super::super::file::AnalysisSourceFile;
use super::super::super::load::{At, FileId};
use super::super::super::model::ParamDef;
use super::super::Ctx;
use super::{param, required};

pub(super) fn check(cx: &mut Ctx, params: &[ParamDef], has_input: bool) -> Vec<Analysis> {
    let parsed = cx.parsed;
    let mut out = Vec::new();
    for At { file, span, value: a, broken } in &parsed.analysis {
        let file = *file;
        let feature = required(cx, (file, span, broken), &a.feature, "feature", "analysis", "\"rms\"");
        let to = required(cx, (file, span, broken), &a.to, "to", "analysis", "\"loudness\"");
        let source = match &a.source {
            Some(s) if *s.get_ref() == AnalysisSourceFile::Input => {
                if !has_input {
                    cx.err(
                        file,
                        s.span(),
                        "analysis of the input, but [audio] has no `input`",
                        "add input = { device = \"...\", channels = 1 } to [audio], or analyse source = \"output\""
                            .to_string(),
                    );
                }
                AnalysisSource::Input
            }
            _ => AnalysisSource::Output,
        };
        let feature = feature.and_then(|f| parse_feature(cx, file, f));
        let param = to.and_then(|t| param(cx, file, params, t.get_ref(), t.span(), "analysis into"));
        let smoothing = a.smoothing.as_ref().and_then(|s| cx.ranged(file, s, "smoothing", 0.0, 60.0)).unwrap_or(0.1);
        let (Some(feature), Some(param)) = (feature, param) else { continue };
        let input_range = match &a.input {
            Some(r) => {
                let [lo, hi] = *r.get_ref();
                if !(lo.is_finite() && hi.is_finite()) || lo == hi {
                    cx.err(
                        file,
                        r.span(),
                        format!("`in` range [{lo}, {hi}] is empty or not finite"),
                        "give two different numbers: [low, high]".to_string(),
                    );
                    continue;
                }
                [lo as f32, hi as f32]
            }
            None => match feature {
                Feature::Rms | Feature::Peak => [-60.0, 0.0],
                Feature::Band { .. } | Feature::Onset => [0.0, 1.0],
            },
        };
        out.push(Analysis { source, feature, param, input_range, smoothing });
    }
    out
}

fn parse_feature(cx: &mut Ctx, file: FileId, f: &Spanned<String>) -> Option<Feature> {
    let text = f.get_ref().trim();
    match text {
        "rms" => return Some(Feature::Rms),
        "peak" => return Some(Feature::Peak),
        "onset" => return Some(Feature::Onset),
        _ => {}
    }
    let bad = |cx: &mut Ctx, msg: String, hint: String| {
        cx.err(file, f.span(), msg, hint);
        None
    };
    let Some(band) = text.strip_prefix("band:") else {
        let hint = did_you_mean(text, ["rms", "peak", "onset", "band"])
            .unwrap_or_else(|| "choose one of: rms, peak, onset, band:K/8, band:K/16".into());
        return bad(cx, format!("unknown analysis feature `{text}`"), hint);
    };
    let parsed = band
        .split_once('/')
        .and_then(|(k, n)| Some((k.trim().parse::<usize>().ok()?, n.trim().parse::<usize>().ok()?)));
    let Some((k, n)) = parsed else {
        return bad(cx, format!("`{text}` is not a band"), "write band:K/N, e.g. band:3/8 (band 3 of 8)".into());
    };
    if n != 8 && n != 16 {
        return bad(cx, format!("`{text}`: {n} bands are not offered"), "split the spectrum into 8 or 16 bands".into());
    }
    if !(1..=n).contains(&k) {
        return bad(
            cx,
            format!("band {k} of {n} is out of range"),
            format!("bands are counted from 1 (lowest) to {n} (highest)"),
        );
    }
    Some(Feature::Band { index: k - 1, bands: n })
}
