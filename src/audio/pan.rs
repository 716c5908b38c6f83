//! Where a sound plays in the room: per-output-channel gains for a stereo pan, a position among the
//! speakers, or explicit channels, all equal power (the squared gains sum to 1, so a sound keeps its
//! loudness wherever it is placed). Computed on the main thread when a voice starts or moves; the
//! engine only multiplies.
//!
//! A position is panned between the two speakers adjacent to it by azimuth (seen from the
//! listening centre, on the horizontal plane), with the sine/cosine law: pairwise amplitude
//! panning, as VBAP does in 2D. A sound at a speaker plays from that speaker alone.

use std::f32::consts::{FRAC_PI_2, PI};

use crate::scene::audio::{MAX_CHANNELS, Placement, Speaker};

/// Gains for every output channel (`channels` of them used).
pub fn gains(placement: &Placement, speakers: &[Speaker], channels: usize) -> [f32; MAX_CHANNELS] {
    let mut g = [0.0; MAX_CHANNELS];
    let channels = channels.clamp(1, MAX_CHANNELS);
    match *placement {
        Placement::Pan(p) => {
            if channels == 1 {
                g[0] = 1.0;
            } else {
                let theta = (p.clamp(-1.0, 1.0) + 1.0) * PI / 4.0;
                g[0] = theta.cos();
                g[1] = theta.sin();
            }
        }
        Placement::Channels(list) => {
            let chosen: Vec<usize> = list.iter().flatten().copied().filter(|&c| c < channels).collect();
            let each = 1.0 / (chosen.len().max(1) as f32).sqrt();
            for c in chosen {
                g[c] = each;
            }
        }
        Placement::Position(pos) => position(&mut g, pos, speakers, channels),
    }
    g
}

fn azimuth(p: [f32; 3]) -> f32 {
    // 0 = straight ahead (+y), growing clockwise towards +x, in 0..2π.
    p[0].atan2(p[1]).rem_euclid(2.0 * PI)
}

fn position(g: &mut [f32; MAX_CHANNELS], pos: [f32; 3], speakers: &[Speaker], channels: usize) {
    let mut ring: Vec<(f32, usize)> =
        speakers.iter().filter(|s| s.channel < channels).map(|s| (azimuth(s.position), s.channel)).collect();
    match ring.len() {
        0 => {
            g[0] = 1.0;
            return;
        }
        1 => {
            g[ring[0].1] = 1.0;
            return;
        }
        _ => {}
    }
    ring.sort_by(|a, b| a.0.total_cmp(&b.0));
    let a = azimuth(pos);
    // The pair (i, i+1) whose arc holds `a`, wrapping round the circle.
    let n = ring.len();
    let i = (0..n).find(|&i| {
        let (lo, hi) = (ring[i].0, ring[(i + 1) % n].0);
        if i + 1 < n { a >= lo && a <= hi } else { a >= lo || a <= hi }
    });
    let i = i.unwrap_or(n - 1);
    let (lo, hi) = (ring[i], ring[(i + 1) % n]);
    let span = (hi.0 - lo.0).rem_euclid(2.0 * PI);
    let into = (a - lo.0).rem_euclid(2.0 * PI);
    let t = if span > 0.0 { (into / span).clamp(0.0, 1.0) } else { 0.0 };
    g[lo.1] += (t * FRAC_PI_2).cos();
    g[hi.1] += (t * FRAC_PI_2).sin();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quad() -> Vec<Speaker> {
        let s = |name: &str, channel, x, y| Speaker { name: name.into(), channel, position: [x, y, 1.5] };
        vec![s("fl", 0, -2.0, 2.0), s("fr", 1, 2.0, 2.0), s("rr", 2, 2.0, -2.0), s("rl", 3, -2.0, -2.0)]
    }

    fn power(g: &[f32]) -> f32 {
        g.iter().map(|x| x * x).sum()
    }

    /// A stereo pan keeps constant power: centre gives both channels 1/√2, hard left only channel 0.
    #[test]
    fn stereo_pan_is_equal_power() {
        let c = gains(&Placement::Pan(0.0), &[], 2);
        assert!((c[0] - std::f32::consts::FRAC_1_SQRT_2).abs() < 1e-6 && (c[1] - c[0]).abs() < 1e-6);
        let l = gains(&Placement::Pan(-1.0), &[], 2);
        assert!((l[0] - 1.0).abs() < 1e-6 && l[1].abs() < 1e-6);
        for p in [-0.7, -0.2, 0.3, 0.9] {
            assert!((power(&gains(&Placement::Pan(p), &[], 2)) - 1.0).abs() < 1e-5);
        }
    }

    /// In a quad, a sound at a speaker plays there alone; straight ahead, half way between the front
    /// pair; always at unit power; behind on the right, only the right pair.
    #[test]
    fn positions_pan_between_the_adjacent_speakers() {
        let sp = quad();
        let at_fr = gains(&Placement::Position([2.0, 2.0, 1.5]), &sp, 4);
        assert!((at_fr[1] - 1.0).abs() < 1e-5 && at_fr[0].abs() < 1e-5 && at_fr[2].abs() < 1e-5);
        let ahead = gains(&Placement::Position([0.0, 3.0, 1.5]), &sp, 4);
        assert!((ahead[0] - ahead[1]).abs() < 1e-5 && ahead[2] == 0.0 && ahead[3] == 0.0, "across the wrap: {ahead:?}");
        let right_back = gains(&Placement::Position([3.0, -0.5, 1.5]), &sp, 4);
        assert!(right_back[1] > 0.0 && right_back[2] > right_back[1] && right_back[0] == 0.0);
        let behind = gains(&Placement::Position([0.0, -3.0, 1.5]), &sp, 4);
        assert!((behind[2] - behind[3]).abs() < 1e-5, "between the rear pair: {behind:?}");
        for g in [at_fr, ahead, right_back, behind] {
            assert!((power(&g) - 1.0).abs() < 1e-4, "{g:?}");
        }
    }

    /// Explicit channels share the power equally; channels past the device are left out.
    #[test]
    fn explicit_channels_share_the_power() {
        let g = gains(&Placement::Channels([Some(2), Some(3), Some(9), None]), &[], 4);
        assert!((g[2] - g[3]).abs() < 1e-6 && (power(&g) - 1.0).abs() < 1e-5 && g[9] == 0.0);
    }
}
