//! Universes and channels: where a fixture's pixels land (by the rule of `Fixture::address`: a
//! pixel never straddles two universes), the last universe it reaches, and fixtures of one output
//! that write the same channels. Counted in u32 here, so a fixture that would run past universe
//! 65535 is reported, not wrapped.

use super::super::super::led::UNIVERSE_CHANNELS;
use super::super::Ctx;
use super::fixtures::Patched;

/// How `pixels` pixels of `bytes` DMX bytes each lie from 1-based `channel` of `universe` on.
#[derive(Debug, Clone, Copy)]
pub(super) struct Run {
    pub universe: u32,
    /// 0-based first channel.
    pub first: usize,
    pub bytes: usize,
    pub pixels: usize,
}

impl Run {
    pub fn new(universe: u32, channel: u16, bytes: usize, pixels: usize) -> Run {
        Run { universe, first: usize::from(channel.max(1)) - 1, bytes, pixels }
    }

    fn in_first(&self) -> usize {
        (UNIVERSE_CHANNELS.saturating_sub(self.first) / self.bytes).min(self.pixels)
    }

    fn per_universe(&self) -> usize {
        UNIVERSE_CHANNELS / self.bytes
    }

    /// The last universe written.
    pub fn last_universe(&self) -> u32 {
        let rest = self.pixels - self.in_first();
        match rest {
            0 => self.universe,
            r => self.universe + 1 + ((r - 1) / self.per_universe()) as u32,
        }
    }

    /// 1-based channels `lo..=hi` written in universe `u`, if any.
    pub fn channels_in(&self, u: u32) -> Option<(usize, usize)> {
        if u < self.universe || u > self.last_universe() || self.pixels == 0 {
            return None;
        }
        if u == self.universe {
            return Some((self.first + 1, self.first + self.in_first() * self.bytes));
        }
        let before = self.in_first() + (u - self.universe - 1) as usize * self.per_universe();
        let here = (self.pixels - before).min(self.per_universe());
        Some((1, here * self.bytes))
    }

    /// The first channel after this run where a pixel of `bytes` bytes fits: (universe, 1-based channel).
    pub fn next_free(&self, bytes: usize) -> (u32, usize) {
        let u = self.last_universe();
        let (_, hi) = self.channels_in(u).unwrap_or((0, self.first));
        if hi + bytes > UNIVERSE_CHANNELS { (u + 1, 1) } else { (u, hi + 1) }
    }
}

/// Fixtures of one output writing the same (universe, channel): reported at the later fixture.
pub(super) fn overlaps(cx: &mut Ctx, fixtures: &[&Patched]) {
    for (i, b) in fixtures.iter().enumerate() {
        let Some((a, u, lo, hi)) = fixtures[..i].iter().find_map(|a| {
            let (from, to) = (a.run.universe.max(b.run.universe), a.run.last_universe().min(b.run.last_universe()));
            (from..=to).find_map(|u| {
                let (alo, ahi) = a.run.channels_in(u)?;
                let (blo, bhi) = b.run.channels_in(u)?;
                (alo.max(blo) <= ahi.min(bhi)).then_some((a, u, alo.max(blo), ahi.min(bhi)))
            })
        }) else {
            continue;
        };
        let src = &cx.parsed.sources[a.file];
        let (l, c) = src.line_col(a.name_span.start);
        let first_at = format!("{}:{l}:{c}", src.path.display());
        let at = match &b.channel_span {
            Some(ch) if u == b.run.universe => ch.clone(),
            _ => b.universe_span.clone(),
        };
        let (fu, fc) = a.run.next_free(b.run.bytes);
        cx.err(
            b.file,
            at,
            format!(
                "fixture `{}` overlaps fixture `{}` ({first_at}): both write universe {u}, channels {lo}..{hi}",
                b.fixture.name, a.fixture.name
            ),
            format!(
                "move the start channel or universe of `{}`: the first free channel after `{}` is universe {fu}, channel {fc}",
                b.fixture.name, a.fixture.name
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs agree with `Fixture::address`: 170 RGB pixels per universe, a pixel never straddles.
    #[test]
    fn runs_span_universes_like_the_model() {
        let r = Run::new(1, 1, 3, 480);
        assert_eq!(r.last_universe(), 3);
        assert_eq!(r.channels_in(1), Some((1, 510)));
        assert_eq!(r.channels_in(3), Some((1, 140 * 3)));
        assert_eq!(r.next_free(3), (3, 421));
        let r = Run::new(1, 508, 3, 3);
        assert_eq!(r.channels_in(1), Some((508, 510)));
        assert_eq!(r.channels_in(2), Some((1, 6)));
        let r = Run::new(5, 1, 3, 170);
        assert_eq!((r.last_universe(), r.next_free(3), r.next_free(1)), (5, (6, 1), (5, 511)));
    }
}
