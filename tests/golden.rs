//! Golden-image tests on the real GPU pipeline (lavapipe in CI): every layer kind, image fit, blend
//! mode, transform and uniform binding, rendered at 64x48 and compared with the reference PNGs in
//! tests/golden/expected/. Refresh references with `QUAI_BLESS=1 cargo test --test golden` and look
//! at them before committing.
//!
//! Tolerance: each channel may differ by 2/255, and at most 0.5% of pixels may differ by more.
//! Why: the references were made on lavapipe; a different LLVM version or CPU (AVX2 vs AVX-512 code
//! paths) can round the last bit of float shading differently (±1–2 per channel), and pixels on a
//! rotated quad's edge can flip coverage under a different rasterizer (a handful of pixels out of
//! 3072). Anything beyond that is a real change of the picture.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use image::RgbaImage;
use quai::app::offline::offline_show;
use quai::render::Gpu;
use quai::scene::{self, MemoryFiles};

const CHANNEL_TOLERANCE: u8 = 2;
const MAX_OFF_FRACTION: f64 = 0.005;

fn gpu() -> Gpu {
    static GPU: OnceLock<Gpu> = OnceLock::new();
    GPU.get_or_init(|| {
        Gpu::headless().unwrap_or_else(|e| {
            panic!("{e}\n(golden tests need a GPU adapter: on Debian install mesa-vulkan-drivers libvulkan1)")
        })
    })
    .clone()
}

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

fn render_file(path: &Path) -> RgbaImage {
    let scene = scene::load(path).unwrap_or_else(|e| panic!("{}:\n{e}", path.display()));
    first_frame(scene, None)
}

fn check_golden(name: &str) {
    let actual = render_file(&dir().join("scenes").join(format!("{name}.toml")));
    let expected_path = dir().join("expected").join(format!("{name}.png"));
    if std::env::var_os("QUAI_BLESS").is_some() {
        actual.save(&expected_path).expect("write reference");
        return;
    }
    let expected = image::open(&expected_path)
        .unwrap_or_else(|e| {
            panic!("{}: {e}; create it with QUAI_BLESS=1 cargo test --test golden", expected_path.display())
        })
        .to_rgba8();
    assert_eq!(actual.dimensions(), expected.dimensions(), "{name}: size differs");
    let mut diff = RgbaImage::new(actual.width(), actual.height());
    let mut off = 0usize;
    let mut worst = 0u8;
    for ((a, e), d) in actual.pixels().zip(expected.pixels()).zip(diff.pixels_mut()) {
        let m = a.0.iter().zip(e.0).map(|(x, y)| x.abs_diff(y)).max().unwrap_or(0);
        worst = worst.max(m);
        if m > CHANNEL_TOLERANCE {
            off += 1;
            *d = image::Rgba([255, 0, 255, 255]);
        } else {
            *d = image::Rgba([e.0[0] / 3, e.0[1] / 3, e.0[2] / 3, 255]);
        }
    }
    let allowed = (actual.width() * actual.height()) as f64 * MAX_OFF_FRACTION;
    if off as f64 > allowed {
        let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("golden-failures");
        std::fs::create_dir_all(&out).expect("failure dir");
        let (a, d) = (out.join(format!("{name}-actual.png")), out.join(format!("{name}-diff.png")));
        actual.save(&a).expect("write actual");
        diff.save(&d).expect("write diff");
        panic!(
            "{name}: {off} pixels differ by more than {CHANNEL_TOLERANCE} (worst {worst}, allowed {allowed:.0})\n  expected: {}\n  actual:   {}\n  diff:     {} (magenta = off)",
            expected_path.display(),
            a.display(),
            d.display()
        );
    }
}

macro_rules! golden {
    ($($test:ident => $name:literal),* $(,)?) => {
        $(
            #[doc = concat!("Golden image of tests/golden/scenes/", $name, ".toml")]
            #[test]
            fn $test() {
                check_golden($name);
            }
        )*
    };
}

golden! {
    solid_layer => "solid",
    image_contain => "image-contain",
    image_cover => "image-cover",
    image_stretch => "image-stretch",
    shader_layer => "shader",
    blend_normal => "blend-normal",
    blend_add => "blend-add",
    blend_multiply => "blend-multiply",
    blend_screen => "blend-screen",
    transform => "transform",
    bindings => "bindings",
}

/// The blend modes do the arithmetic they promise (on 0..1 colour, straight alpha in, opacity o):
/// normal A(1-o)+Bo, add A+Bo, multiply A(1-o)+ABo, screen A+Bo(1-A), checked at the centre pixel
/// for several colours and opacities, on both paths: the bottom layer (blended in its shader against
/// the background) and a layer above it (the GPU's blend unit; an invisible layer sits below it).
/// Independent of the reference images.
#[test]
fn blend_arithmetic() {
    let cases: &[([u8; 3], [u8; 3], f32)] = &[
        ([32, 64, 96], [255, 128, 0], 0.5),
        ([200, 100, 50], [100, 200, 250], 0.25),
        ([255, 255, 255], [10, 128, 250], 1.0),
        ([0, 0, 0], [90, 180, 30], 0.8),
    ];
    for &(a, b, o) in cases {
        for (mode, below) in ["normal", "add", "multiply", "screen"]
            .into_iter()
            .flat_map(|m| [(m, ""), (m, "[[layers]]\nname = \"clear\"\ncolor = \"#ffffff\"\nopacity = 0.0\n")])
        {
            let text = format!(
                "[show]\ncanvas = [8, 8]\nbackground = \"#{:02x}{:02x}{:02x}\"\n{below}[[layers]]\nname = \"top\"\ncolor = \"#{:02x}{:02x}{:02x}\"\nopacity = {o}\nblend = \"{mode}\"\n",
                a[0], a[1], a[2], b[0], b[1], b[2]
            );
            let mut files = MemoryFiles::new();
            files.insert("t.toml", text.into_bytes());
            let scene = scene::load_from(&files, Path::new("t.toml")).expect("scene");
            let img = first_frame(scene, None);
            let px = img.get_pixel(4, 4).0;
            for c in 0..3 {
                let (x, y) = (a[c] as f32 / 255.0, b[c] as f32 / 255.0);
                let want = match mode {
                    "normal" => x * (1.0 - o) + y * o,
                    "add" => (x + y * o).min(1.0),
                    "multiply" => x * (1.0 - o) + x * y * o,
                    _ => x + y * o * (1.0 - x),
                } * 255.0;
                assert!(
                    (px[c] as f32 - want).abs() <= 1.5,
                    "{mode} A={a:?} B={b:?} o={o} ({}): channel {c} is {} but should be {want:.1}",
                    if below.is_empty() { "bottom layer" } else { "GPU blend" },
                    px[c]
                );
            }
            assert_eq!(px[3], 255, "{mode}: opaque background stays opaque");
        }
    }
}

/// `--size` renders the same composition at another resolution: a layer placed in canvas pixels
/// lands at the same relative place.
#[test]
fn size_override_keeps_layout() {
    let path = dir().join("scenes/transform.toml");
    let small = render_file(&path);
    let scene = scene::load(&path).expect("scene");
    let big = first_frame(scene, Some([128, 96]));
    let lit = |img: &RgbaImage| {
        let (mut sx, mut sy, mut n) = (0.0, 0.0, 0.0);
        for (x, y, p) in img.enumerate_pixels() {
            if p.0[..3].iter().any(|&c| c > 20) {
                sx += x as f64 / img.width() as f64;
                sy += y as f64 / img.height() as f64;
                n += 1.0;
            }
        }
        (sx / n, sy / n)
    };
    let (a, b) = (lit(&small), lit(&big));
    assert!((a.0 - b.0).abs() < 0.02 && (a.1 - b.1).abs() < 0.02, "centroid moved: {a:?} vs {b:?}");
}

/// Frame 0 of `scene` on the offline clock, read back.
fn first_frame(scene: quai::scene::Scene, size: Option<[u32; 2]>) -> image::RgbaImage {
    let mut show = offline_show(gpu(), scene, None, size).expect("show");
    show.tick().expect("tick");
    show.read_canvas().expect("frame")
}
