// facade: an LED media-facade pattern. The layer is divided into square "pixels" (cells); every
// cell shows one flat colour computed at its centre, so the image stays legible when each cell
// maps to a single LED fixture. Content: diagonal sweeping bands, a bright scanline with a
// trail, a slow ripple from a wandering point, and random glints that flash and decay.
// On big screens the cells render as soft rounded LEDs with a faint bloom; when cells get small
// (below ~3..8 pixels per cell) that mask fades out so a real low-resolution facade gets clean flat cells.
// Opaque.
//
// params: speed (0..4, default 1), density (4..64, default 18), hue (0..1, default 0.58)
//   speed   - animation rate; 0 freezes everything (glints included).
//   density - number of cells across the layer's height; cells stay square, so the width gets
//             density * aspect cells. Match it to the facade's LED rows for a 1:1 mapping
//             (values above 64 are fine then, up to 512).
//   hue     - base colour (0 red, 0.33 green, 0.58 cyan-blue, 0.83 magenta); accents are derived.

// Brightness (0..~2) and a colour mix factor (0..1, above 1 = towards white) for the cell whose centre is `c`
// (c in quai_centered-like units: y -1..1, x -aspect..aspect), with the cell id for hashing.
// glint_share: the fraction of cells that may glint in each ~10 s slot.
fn facade_cell(c: vec2<f32>, id: vec2<f32>, t: f32, aspect: f32, glint_share: f32) -> vec2<f32> {
    // 1. Diagonal sweeping bands, two directions beating against each other.
    let d1 = dot(c, vec2<f32>(0.83, 0.55));
    let d2 = dot(c, vec2<f32>(-0.45, 0.89));
    let band1 = smoothstep(0.45, 0.95, 0.5 + 0.5 * sin(d1 * 3.2 - t * 1.7));
    let band2 = smoothstep(0.6, 1.0, 0.5 + 0.5 * sin(d2 * 2.3 + t * 1.1 + 1.3));

    // 2. A horizontal scanline sweeping top to bottom every ~6 s, with a fading trail above it.
    let scan_y = 1.25 - 2.5 * fract(t * 0.16);
    let above = c.y - scan_y; // > 0: the line has already passed
    // (The trail ramps in behind the line instead of switching on, so no cell pops.)
    let scan = smoothstep(0.0, 0.1, above) * exp(-above * 3.5) * 0.55
        + exp(-above * above * 180.0);

    // 3. Ripple from a slowly wandering point.
    let src = vec2<f32>(0.7 * aspect * sin(t * 0.23), 0.6 * sin(t * 0.31 + 1.0));
    let rd = length(c - src);
    let ripple = pow(0.5 + 0.5 * cos(rd * 9.0 - t * 3.0), 4.0) * exp(-rd * 1.2);

    // 4. Slow value-noise "weather" underneath, so no cell is ever completely dead.
    let base = value_noise2(c * 1.3 + vec2<f32>(t * 0.15, -t * 0.07));

    // 5. Glints: cells flash at random moments (at most once per ~10 s slot), sharp attack and
    //    exponential decay (~1/5 s).
    let slot_len = 9.0;
    let phase = t * 0.9 / slot_len + hash12(id);
    let slot = floor(phase);
    let when = hash12(id + vec2<f32>(slot * 7.31, 19.7));
    let age = (fract(phase) - when * 0.8) * slot_len;
    // Only a fraction of cells take part per slot, so that about 15 glints are lit at any moment
    // whatever the density.
    let take = hash12(id + vec2<f32>(slot * 3.17, -41.3)) < glint_share;
    let glint = select(0.0, smoothstep(0.0, 0.06, age) * exp(-age * 5.0), age >= 0.0 && take);

    // Slow "programme" modulation, so the mix of elements changes over ~40 s.
    let m1 = 0.5 + 0.5 * sin(t * 0.11);
    let m2 = 0.5 + 0.5 * sin(t * 0.07 + 2.0);

    let bright = 0.03 + 0.16 * base * base
        + 0.75 * band1 * (0.4 + 0.6 * m1)
        + 0.55 * band2 * (0.4 + 0.6 * m2)
        + 0.85 * scan
        + 0.65 * ripple * (1.0 - 0.5 * m1);
    // Colour mix: bands drift toward the accent hue, the scanline toward white.
    let accent = clamp(band2 * 0.9 + ripple * 0.6 + 0.25 * base, 0.0, 1.0);
    return vec2<f32>(bright + 1.2 * glint, accent + 4.0 * glint);
}

fn shade(uv: vec2<f32>) -> vec4<f32> {
    let t = quai.time * params.speed;
    let size = max(layer.size, vec2<f32>(1.0));
    let aspect = size.x / size.y;

    // Cell grid: exactly `rows` square cells over the height; the width gets rows * aspect cells,
    // any leftover fraction split evenly between the left and right edges. With a layer of
    // W x H pixels and density = H, every pixel is exactly one cell.
    let rows = clamp(floor(params.density + 0.5), 1.0, 512.0);
    let cols = rows * aspect;
    let cell_px = size.y / rows;
    let grid = vec2<f32>(uv.x * cols - 0.5 * fract(cols), uv.y * rows); // cells, y down
    let id = floor(grid);
    let local = grid - id - 0.5; // -0.5..0.5 inside the cell

    // Centre of this cell, in quai_centered units (y up): the whole cell shows this one value.
    let centre_uv = vec2<f32>((id.x + 0.5 + 0.5 * fract(cols)) / cols, (id.y + 0.5) / rows);
    let c = quai_centered(centre_uv);

    let cells = rows * cols;
    let v = facade_cell(c, id, t, aspect, min(1.0, 750.0 / cells));
    let bright = v.x;
    let accent = clamp(v.y, 0.0, 4.0);

    // Palette: base hue, accent is the base hue rotated by ~0.12 turns, glints go white.
    let h = params.hue;
    let base_col = hsv2rgb(vec3<f32>(h, 0.85, 1.0));
    let accent_col = hsv2rgb(vec3<f32>(h + 0.12, 0.75, 1.0));
    var col = mix(base_col, accent_col, clamp(accent, 0.0, 1.0));
    col = mix(col, vec3<f32>(1.0, 0.97, 0.92), clamp(accent - 1.0, 0.0, 1.0) * 0.8);
    col *= bright;

    // LED mask: rounded-square emitter with a soft halo, only when cells are big enough to show it.
    let mask_amount = smoothstep(3.0, 8.0, cell_px);
    let aa = 1.5 / max(cell_px, 1.0);
    let d = sd_round_box(local, vec2<f32>(0.36), 0.14);
    let emitter = fill_aa(d, aa);
    let halo = glow(max(d, 0.0), 0.12) * 0.22;
    let mask = mix(1.0, emitter + halo, mask_amount);
    // A dim housing colour between LEDs, so "off" areas read as a physical facade.
    let housing = vec3<f32>(0.018, 0.02, 0.026) * mask_amount * (1.0 - emitter);

    return vec4<f32>(tonemap(col * mask) + housing, 1.0);
}
