//! Projector outputs on the real GPU pipeline (lavapipe): golden images of corner-pin, mesh warp,
//! blend ramps and masks; two blended outputs of a flat grey adding up to flat light through the
//! projectors' gamma; the corner-pin landing on its pinned points; a strongly minified region
//! filtered through the mip chain instead of shimmering.
//!
//! Golden tolerance (as tests/golden.rs, for the same reasons): each channel may differ by 2/255,
//! and at most 0.5% of pixels by more — float rounding differs by ±1–2 between LLVM versions and
//! CPUs, and pixels on a warped edge can flip coverage. Refresh with
//! `QUAI_BLESS=1 cargo test --test projection` and look at the PNGs before committing.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use image::RgbaImage;
use quai::app::offline::offline_show;
use quai::output::projector::{OutputSink, Projectors, Readback};
use quai::render::Gpu;
use quai::scene::{self, MemoryFiles, Scene};

const CHANNEL_TOLERANCE: u8 = 2;
const MAX_OFF_FRACTION: f64 = 0.005;

fn gpu() -> Gpu {
    static GPU: OnceLock<Gpu> = OnceLock::new();
    GPU.get_or_init(|| Gpu::headless().unwrap_or_else(|e| panic!("{e} (install mesa-vulkan-drivers libvulkan1)")))
        .clone()
}

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

/// The first frame of every window output of `scene`, by name.
fn outputs(scene: Scene) -> HashMap<String, RgbaImage> {
    let got: Arc<Mutex<HashMap<String, RgbaImage>>> = Arc::default();
    let mut show = offline_show(gpu(), scene, None, None).expect("show");
    let into = got.clone();
    let sink: OutputSink = Box::new(move |name, _, img| {
        into.lock().unwrap().insert(name.to_string(), img);
        Ok(())
    });
    let defs = show.scene().projectors.clone();
    let (p, _) = Projectors::new(show.gpu(), &defs, true, Readback::Every(sink));
    show.add_output(Box::new(p));
    show.tick().expect("tick");
    show.finish().expect("finish");
    drop(show);
    Arc::try_unwrap(got).map(|m| m.into_inner().unwrap()).unwrap_or_else(|a| a.lock().unwrap().clone())
}

fn from_text(text: &str, extra: &[(&str, Vec<u8>)]) -> Scene {
    let mut files = MemoryFiles::new();
    files.insert("t.toml", text.as_bytes().to_vec());
    for (name, bytes) in extra {
        files.insert(*name, bytes.clone());
    }
    scene::load_from(&files, Path::new("t.toml")).unwrap_or_else(|e| panic!("{e}"))
}

fn compare(name: &str, actual: &RgbaImage) {
    let expected_path = dir().join("expected").join(format!("{name}.png"));
    if std::env::var_os("QUAI_BLESS").is_some() {
        actual.save(&expected_path).expect("write reference");
        return;
    }
    let expected = image::open(&expected_path)
        .unwrap_or_else(|e| {
            panic!("{}: {e}; create it with QUAI_BLESS=1 cargo test --test projection", expected_path.display())
        })
        .to_rgba8();
    assert_eq!(actual.dimensions(), expected.dimensions(), "{name}: size differs");
    let (mut off, mut worst) = (0usize, 0u8);
    for (a, e) in actual.pixels().zip(expected.pixels()) {
        let m = a.0.iter().zip(e.0).map(|(x, y)| x.abs_diff(y)).max().unwrap_or(0);
        worst = worst.max(m);
        off += usize::from(m > CHANNEL_TOLERANCE);
    }
    let allowed = (actual.width() * actual.height()) as f64 * MAX_OFF_FRACTION;
    if off as f64 > allowed {
        let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("golden-failures");
        std::fs::create_dir_all(&out).expect("failure dir");
        let a = out.join(format!("{name}-actual.png"));
        actual.save(&a).expect("write actual");
        panic!("{name}: {off} pixels differ by more than {CHANNEL_TOLERANCE} (worst {worst}); actual: {}", a.display());
    }
}

/// Every output of golden scene `scene` against `proj-SCENE-OUTPUT.png`.
fn check_golden(scene_name: &str, names: &[&str]) {
    let path = dir().join("scenes").join(format!("{scene_name}.toml"));
    let scene = scene::load(&path).unwrap_or_else(|e| panic!("{e}"));
    let got = outputs(scene);
    for name in names {
        let img = got.get(*name).unwrap_or_else(|| panic!("no frame for output `{name}`"));
        compare(&format!("{scene_name}-{name}"), img);
    }
}

#[test]
fn golden_corner_pin() {
    check_golden("proj-corner-pin", &["pin"]);
}

#[test]
fn golden_mesh_warp() {
    check_golden("proj-mesh", &["mesh"]);
}

#[test]
fn golden_blend_ramps() {
    check_golden("proj-blend", &["a", "b"]);
}

#[test]
fn golden_masks() {
    check_golden("proj-mask", &["masked"]);
}

/// Two projectors overlapping by 200 canvas pixels, each fading out across the overlap, showing
/// a flat grey canvas: the light they send (pixel^gamma, the projector's response) adds up to the
/// light of the grey alone at every canvas column, for several ramp curves and gammas.
///
/// Stated error: at most 0.004 of full white in absolute light (0.4%), 2.5% of the grey's light.
/// Where it comes from: each output pixel is quantised to 8 bits; at the faint end of a ramp one
/// step of 1/255 is up to gamma × p^(gamma−1)/255 of light — about 0.002 per output at p ≈ 0.5
/// and gamma 2.2 — and two outputs' roundings can add.
#[test]
fn two_blended_outputs_of_flat_grey_add_up_to_flat_light() {
    for (curve, gamma) in [(1.0, 2.2), (2.0, 2.2), (3.0, 1.8), (2.0, 2.6)] {
        let text = format!(
            "[show]\ncanvas = [1000, 40]\nbackground = \"#808080\"\n\
             [[outputs]]\nname = \"a\"\nslice = [0, 0, 600, 40]\n[outputs.blend]\ngamma = {gamma}\nright = {{ width = 200, curve = {curve} }}\n\
             [[outputs]]\nname = \"b\"\nslice = [400, 0, 600, 40]\n[outputs.blend]\ngamma = {gamma}\nleft = {{ width = 200, curve = {curve} }}\n"
        );
        let got = outputs(from_text(&text, &[]));
        let (a, b) = (&got["a"], &got["b"]);
        assert_eq!((a.width(), b.width()), (600, 600), "outputs are slice-sized");
        let light = |img: &RgbaImage, x: u32| (img.get_pixel(x, 20).0[0] as f64 / 255.0).powf(gamma);
        let grey = (128.0_f64 / 255.0).powf(gamma);
        let mut worst = (0.0_f64, 0);
        for x in 0..1000u32 {
            let mut sum = 0.0;
            if x < 600 {
                sum += light(a, x);
            }
            if x >= 400 {
                sum += light(b, x - 400);
            }
            let err = (sum - grey).abs();
            if err > worst.0 {
                worst = (err, x);
            }
        }
        assert!(
            worst.0 <= 0.004 && worst.0 / grey <= 0.025,
            "curve {curve}, gamma {gamma}: light off by {:.5} ({:.2}% of the grey's) at canvas x {}",
            worst.0,
            worst.0 / grey * 100.0,
            worst.1
        );
        // And the overlap really is shared: in its middle each output sends about half.
        assert!((light(a, 500) / grey - 0.5).abs() < 0.03, "a sends {} of the light at x 500", light(a, 500) / grey);
    }
}

/// A white canvas pinned to a quad with fractional corners: every pixel whose centre is more than
/// a pixel inside the quad is lit, every one more than a pixel outside is black. (The CPU side,
/// exact to 1e-9 px, is tested in output/projector/warp.rs; this is the GPU using the same matrix.)
#[test]
fn corner_pin_lands_on_the_pinned_points() {
    let corners = [[30.25, 20.5], [170.75, 8.0], [190.5, 130.25], [12.0, 110.75]];
    let text = format!(
        "[show]\ncanvas = [64, 64]\nbackground = \"#ffffff\"\n[[outputs]]\nname = \"o\"\nsize = [200, 140]\n\
         [outputs.warp]\ncorners = {corners:?}\n"
    );
    let img = &outputs(from_text(&text, &[]))["o"];
    // Signed distance of a point to the quad (positive inside), clockwise corners on screen.
    let inside = |x: f64, y: f64| {
        (0..4)
            .map(|k| {
                let (a, b) = (corners[k], corners[(k + 1) % 4]);
                let (ex, ey) = (b[0] - a[0], b[1] - a[1]);
                -(((x - a[0]) * ey - (y - a[1]) * ex) / ex.hypot(ey))
            })
            .fold(f64::INFINITY, f64::min)
    };
    let mut checked = 0;
    for y in 0..140 {
        for x in 0..200 {
            let d = inside(x as f64 + 0.5, y as f64 + 0.5);
            let v = img.get_pixel(x, y).0[0];
            if d > 1.0 {
                assert_eq!(v, 255, "({x}, {y}) is {d:.2} px inside but dark");
                checked += 1;
            } else if d < -1.0 {
                assert_eq!(v, 0, "({x}, {y}) is {:.2} px outside but lit", -d);
                checked += 1;
            }
        }
    }
    assert!(checked > 20_000, "{checked}");
    // The corners themselves: the pixel holding each pinned point is on the edge (partly lit
    // neighbours), not a pixel away from it.
    for [cx, cy] in corners {
        let (x, y) = (cx.floor() as u32, cy.floor() as u32);
        let lit = (x.saturating_sub(1)..=x + 1)
            .flat_map(|i| (y.saturating_sub(1)..=y + 1).map(move |j| (i, j)))
            .filter(|&(i, j)| i < 200 && j < 140 && img.get_pixel(i, j).0[0] > 0)
            .count();
        assert!((1..9).contains(&lit), "corner ({cx}, {cy}): {lit} of the 9 pixels around it lit");
    }
}

/// A one-pixel checkerboard shrunk eight times by the corner-pin comes out as an even grey (the
/// mean of black and white in linear light, 188 in sRGB), not as a scatter of black and white
/// pixels that would crawl when anything moves: the pass samples a mip chain.
#[test]
fn minified_detail_is_filtered_not_aliased() {
    let checker = RgbaImage::from_fn(256, 256, |x, y| {
        if (x + y) % 2 == 0 { image::Rgba([255, 255, 255, 255]) } else { image::Rgba([0, 0, 0, 255]) }
    });
    let mut png = Vec::new();
    checker.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png).expect("png");
    let text = "[show]\ncanvas = [256, 256]\n[[layers]]\nname = \"c\"\nimage = \"c.png\"\nfit = \"stretch\"\n\
                [[outputs]]\nname = \"o\"\nsize = [256, 256]\n[outputs.warp]\n\
                corners = [[100, 100], [132, 101], [131, 133], [99, 132]]\n";
    let img = &outputs(from_text(text, &[("c.png", png)]))["o"];
    let values: Vec<f64> = (106..126)
        .flat_map(|y| (106..126).map(move |x| (x, y)))
        .map(|(x, y)| img.get_pixel(x, y).0[1] as f64)
        .collect();
    let mean = values.iter().sum::<f64>() / values.len() as f64;
    let sd = (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / values.len() as f64).sqrt();
    assert!((mean - 188.0).abs() < 10.0 && sd < 6.0, "mean {mean:.1}, deviation {sd:.1}: the checkerboard aliases");
}

/// An output without warp, blend or mask, at the slice's own size, is the canvas pixel for pixel
/// (the mip chain's round trip through linear light loses nothing, and nothing is blurred).
#[test]
fn an_unwarped_output_is_its_slice_exactly() {
    let path = dir().join("scenes").join("proj-corner-pin.toml");
    let mut scene = scene::load(&path).unwrap_or_else(|e| panic!("{e}"));
    scene.projectors[0].warp = Default::default();
    scene.projectors[0].slice = [32.0, 16.0, 64.0, 48.0];
    scene.projectors[0].size = [64, 48];
    let mut show = offline_show(gpu(), scene.clone(), None, None).expect("show");
    show.tick().expect("tick");
    let canvas = show.read_canvas().expect("canvas");
    let out = &outputs(scene)["pin"];
    for y in 0..48 {
        for x in 0..64 {
            let (a, b) = (out.get_pixel(x, y).0, canvas.get_pixel(x + 32, y + 16).0);
            let d = a.iter().zip(b).map(|(p, q)| p.abs_diff(q)).max().unwrap_or(0);
            assert!(d <= 1, "output ({x}, {y}) is {a:?}, the canvas there {b:?}");
        }
    }
}
