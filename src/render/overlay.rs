//! The error panel drawn over the window output: when a hot reload fails, the artist sees why on
//! the projection itself (the same text as the log), while the last good scene keeps running
//! underneath. Text is rasterised on the CPU with the 8×8 bitmap font of `font8x8`, once per
//! change, into an RGBA image that the presenter uploads like any image (premultiplied there) and
//! draws at the window's top-left.

use font8x8::UnicodeFonts;

/// Each font pixel becomes `SCALE`×`SCALE` window pixels: 16 px tall glyphs, readable at a distance.
pub const SCALE: u32 = 2;
/// Glyph cell width and line height in window pixels.
const CELL: u32 = 8 * SCALE;
const LINE: u32 = 10 * SCALE;
const PAD: u32 = 6 * SCALE;
/// Longest line drawn, in characters; longer ones end in `...`.
pub const MAX_COLUMNS: usize = 110;
/// Most lines drawn; the rest are counted in a last line pointing at the log.
pub const MAX_LINES: usize = 24;

/// Straight-alpha colours.
const BACKGROUND: [u8; 4] = [12, 12, 16, 220];
const TITLE: [u8; 3] = [255, 255, 255];
const ERROR: [u8; 3] = [255, 120, 100];
const HINT: [u8; 3] = [250, 210, 110];
const TEXT: [u8; 3] = [210, 210, 215];

/// A rasterised panel: straight-alpha RGBA8 rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Panel {
    pub width: u32,
    pub height: u32,
    pub rgba: Vec<u8>,
}

/// What the panel says for a failed reload: a title, then the loader's message (the same text as
/// the log), cut to [`MAX_LINES`] lines of at most [`MAX_COLUMNS`] characters.
pub fn reload_failed(message: &str) -> Vec<String> {
    let mut lines = vec!["Scene reload failed: the last good scene keeps running. Fix and save again.".to_string()];
    let body: Vec<&str> = message.lines().collect();
    let room = MAX_LINES - 1;
    if body.len() <= room {
        lines.extend(body.iter().map(|l| fit(l)));
    } else {
        lines.extend(body[..room - 1].iter().map(|l| fit(l)));
        lines.push(format!("... {} more lines in the log", body.len() - (room - 1)));
    }
    lines
}

fn fit(line: &str) -> String {
    if line.chars().count() <= MAX_COLUMNS {
        line.to_string()
    } else {
        let mut s: String = line.chars().take(MAX_COLUMNS - 3).collect();
        s.push_str("...");
        s
    }
}

/// The colour a line is drawn in: the first line is the title, `error:` lines stand out, hints too.
fn colour(index: usize, line: &str) -> [u8; 3] {
    let t = line.trim_start();
    if index == 0 {
        TITLE
    } else if t.starts_with("error") {
        ERROR
    } else if t.starts_with("= hint") {
        HINT
    } else {
        TEXT
    }
}

/// Rasterise `lines` on a dark, slightly transparent box. Characters the font lacks draw as `?`.
pub fn rasterize(lines: &[String]) -> Panel {
    let columns = lines.iter().map(|l| l.chars().count()).max().unwrap_or(0).max(1) as u32;
    let (width, height) = (columns * CELL + 2 * PAD, lines.len().max(1) as u32 * LINE + 2 * PAD);
    let mut rgba: Vec<u8> = BACKGROUND.iter().copied().cycle().take((width * height * 4) as usize).collect();
    for (i, line) in lines.iter().enumerate() {
        let [r, g, b] = colour(i, line);
        let ink = [r, g, b, 255];
        for (c, ch) in line.chars().enumerate() {
            let glyph = glyph(ch);
            let (x0, y0) = (PAD + c as u32 * CELL, PAD + i as u32 * LINE + (LINE - 8 * SCALE) / 2);
            for (row, bits) in glyph.iter().enumerate() {
                for col in 0..8u32 {
                    if bits & (1 << col) == 0 {
                        continue;
                    }
                    for dy in 0..SCALE {
                        for dx in 0..SCALE {
                            let (x, y) = (x0 + col * SCALE + dx, y0 + row as u32 * SCALE + dy);
                            let at = ((y * width + x) * 4) as usize;
                            rgba[at..at + 4].copy_from_slice(&ink);
                        }
                    }
                }
            }
        }
    }
    Panel { width, height, rgba }
}

fn glyph(ch: char) -> [u8; 8] {
    let ch = if ch == '\t' { ' ' } else { ch };
    font8x8::BASIC_FONTS
        .get(ch)
        .or_else(|| font8x8::LATIN_FONTS.get(ch))
        .or_else(|| font8x8::BOX_FONTS.get(ch))
        .or_else(|| font8x8::BASIC_FONTS.get('?'))
        .unwrap_or([0; 8])
}

/// Window height per step of the panel's whole-number zoom: 1× up to 2159 pixels, 2× on a 4K
/// output (32 px glyphs), and so on, so the text reads the same from the same distance.
pub const ZOOM_STEP: u32 = 1080;

/// Where the panel goes in a window of `window` pixels: `(x, y, w, h)` at the top-left with a
/// margin. Zoomed by a whole number on large outputs (see [`ZOOM_STEP`]), shrunk (keeping its
/// aspect) when the window is too small to hold it; `None` when the window is too small for
/// anything.
pub fn placement(panel: [u32; 2], window: [u32; 2]) -> Option<(f32, f32, f32, f32)> {
    let zoom = (window[1] / ZOOM_STEP).max(1);
    let margin = (PAD * zoom) as f32;
    let room = [window[0] as f32 - 2.0 * margin, window[1] as f32 - 2.0 * margin];
    if room[0] < 1.0 || room[1] < 1.0 || panel[0] == 0 || panel[1] == 0 {
        return None;
    }
    let fit = (room[0] / panel[0] as f32).min(room[1] / panel[1] as f32);
    // Whole-number zooms keep the 8×8 glyphs crisp; only a too-small window gets a fraction.
    let s = if fit >= 1.0 { fit.floor().min(zoom as f32) } else { fit };
    let (w, h) = ((panel[0] as f32 * s).floor().max(1.0), (panel[1] as f32 * s).floor().max(1.0));
    Some((margin, margin, w, h))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pixel(p: &Panel, x: u32, y: u32) -> [u8; 4] {
        let at = ((y * p.width + x) * 4) as usize;
        p.rgba[at..at + 4].try_into().unwrap()
    }

    #[test]
    fn glyphs_land_in_their_cells() {
        let p = rasterize(&["I".to_string(), " ".to_string()]);
        assert_eq!((p.width, p.height), (CELL + 2 * PAD, 2 * LINE + 2 * PAD));
        let y0 = PAD + (LINE - 8 * SCALE) / 2;
        // 'I' in font8x8 has ink on its middle columns, first row: bits 0x1E.
        let ink = (0..8 * SCALE).any(|x| pixel(&p, PAD + x, y0) == [TITLE[0], TITLE[1], TITLE[2], 255]);
        assert!(ink, "no ink on the first row of `I`");
        // The second line is a space: background only.
        for y in PAD + LINE..PAD + 2 * LINE {
            for x in PAD..PAD + CELL {
                assert_eq!(pixel(&p, x, y), BACKGROUND, "({x}, {y})");
            }
        }
    }

    #[test]
    fn lines_are_coloured_by_kind() {
        let lines = reload_failed("error: fps 0 is out of range\n --> a.toml:3:7\n  = hint: fps must be ...");
        let colours: Vec<[u8; 3]> = lines.iter().enumerate().map(|(i, l)| colour(i, l)).collect();
        assert_eq!(colours, [TITLE, ERROR, TEXT, HINT]);
    }

    #[test]
    fn long_messages_are_cut_and_counted() {
        let long = "x".repeat(500);
        let msg: String = (0..100).map(|i| format!("{i} {long}\n")).collect();
        let lines = reload_failed(&msg);
        assert_eq!(lines.len(), MAX_LINES);
        assert!(lines.iter().all(|l| l.chars().count() <= MAX_COLUMNS));
        assert_eq!(lines.last().unwrap(), &format!("... {} more lines in the log", 100 - (MAX_LINES - 2)));
        // Unknown characters still draw (as `?`), never panic.
        let p = rasterize(&["日本 ✓ ü ─".to_string()]);
        assert_eq!(p.rgba.len(), (p.width * p.height * 4) as usize);
    }

    #[test]
    fn placement_fits_the_window() {
        let m = PAD as f32;
        assert_eq!(placement([100, 50], [1920, 1080]), Some((m, m, 100.0, 50.0)));
        let (_, _, w, h) = placement([2000, 500], [1000 + 2 * PAD, 1000]).unwrap();
        assert_eq!((w, h), (1000.0, 250.0));
        // A 4K output doubles the panel (and its margin), where it fits.
        assert_eq!(placement([100, 50], [3840, 2160]), Some((2.0 * m, 2.0 * m, 200.0, 100.0)));
        let (_, _, w, _) = placement([3000, 50], [3840, 2160]).unwrap();
        assert_eq!(w, 3000.0, "a 2× panel would not fit: 1×, still a whole number");
        assert_eq!(placement([100, 50], [10, 10]), None);
        assert_eq!(placement([100, 50], [0, 0]), None);
    }
}
