//! LED facade costs.
//!
//! `led_map_encode_400_universes`: one frame of a 68,000-pixel Art-Net facade (400 RGB strips of
//! 170 pixels, one universe each, gamma 2.2, area sampling) from sampled colours to packets:
//! quai's `Layout::encode` (colour tables, patch) then one `artnet::encode_dmx` per universe, into
//! a stack buffer. Baseline in the same group, no quai code: copy the rgb bytes of the same colours
//! into 400 512-byte universes, and write an 18-byte ArtDmx header plus the data into a packet
//! buffer per universe (no gamma, no patch: the floor of the work). Target: quai ≤ 1.5 ms per
//! frame on one core.
//!
//! `tick_led_on_off`: the CPU time of one `Show::tick` of `scenes/facade-demo.toml` (1280x480, one
//! shader per layer; 480 Art-Net + 60 sACN LEDs, sent to 127.0.0.1), GPU wait excluded. Here the
//! baseline is the same show without the LED output attached ("tick_without_led"): the
//! comparison is what attaching `LedOutputs::live` adds to a tick (sampling pass encoded, readback
//! collected, colours published to the sender threads). Target: difference ≤ 0.3 ms per tick.

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use quai::app::offline::offline_show;
use quai::output::led::LedOutputs;
use quai::output::led::artnet;
use quai::output::led::dmx::Layout;
use quai::render::Gpu;

const STRIPS: usize = 400;
const PER_STRIP: usize = 170;

/// 400 horizontal strips of 170 RGB pixels on a 1700x400 canvas, strip `k` on Art-Net universe `k`.
fn facade_scene() -> String {
    let mut s = String::from(
        "[show]\ncanvas = [1700, 400]\n[[layers]]\nname = \"l\"\nshader = \"s.wgsl\"\n\
         [[outputs]]\nname = \"wall\"\nkind = \"artnet\"\nto = [\"127.0.0.1\"]\n",
    );
    for k in 0..STRIPS {
        let y = k as f32 + 0.5;
        s += &format!(
            "[[fixtures]]\nname = \"s{k}\"\nkind = \"strip\"\npixels = {PER_STRIP}\n\
             points = [[5, {y}], [1695, {y}]]\nuniverse = {k}\nchannel = 1\norder = \"rgb\"\n\
             gamma = 2.2\nsample = \"area\"\n"
        );
    }
    s
}

/// Deterministic, random-looking RGBA colours (xorshift).
fn colors(n: usize) -> Vec<[u8; 4]> {
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let [r, g, b, ..] = x.to_le_bytes();
            [r, g, b, 255]
        })
        .collect()
}

fn map_encode(c: &mut Criterion) {
    let mut files = quai::scene::MemoryFiles::new();
    files.insert("s.wgsl", "fn shade(uv: vec2<f32>) -> vec4<f32> { return vec4<f32>(uv, 0.0, 1.0); }\n");
    files.insert("s.toml", facade_scene());
    let scene = quai::scene::load_from(&files, Path::new("s.toml")).expect("facade scene");
    let out = &scene.leds[0];
    let layout = Layout::new(out);
    assert_eq!((layout.pixels(), layout.universes().len()), (STRIPS * PER_STRIP, STRIPS));
    let colors = colors(layout.pixels());
    let mut frame = layout.frame();

    let mut g = c.benchmark_group("led_map_encode_400_universes");
    let mut seq = 0u8;
    g.bench_function("quai_encode_and_packets", |b| {
        b.iter(|| {
            seq = seq % 255 + 1;
            layout.encode(black_box(&colors), &mut frame);
            for (universe, data) in layout.universes().iter().zip(&frame.universes) {
                let mut buf = [0u8; artnet::ARTDMX_MAX];
                let n = artnet::encode_dmx(&mut buf, seq, 0, *universe, data);
                black_box((&buf, n));
            }
        })
    });
    // The baseline: plain copies, no quai code.
    let mut universes = vec![[0u8; 512]; STRIPS];
    let mut seq = 0u8;
    g.bench_function("bare_copy_into_packets", |b| {
        b.iter(|| {
            seq = seq % 255 + 1;
            let colors = black_box(&colors);
            for (k, u) in universes.iter_mut().enumerate() {
                let px = &colors[k * PER_STRIP..(k + 1) * PER_STRIP];
                for (d, c) in u.chunks_exact_mut(3).zip(px) {
                    d.copy_from_slice(&c[..3]);
                }
            }
            for (k, u) in universes.iter().enumerate() {
                let mut pkt = [0u8; 18 + 512];
                pkt[..8].copy_from_slice(b"Art-Net\0");
                pkt[8..10].copy_from_slice(&0x5000u16.to_le_bytes());
                pkt[10..12].copy_from_slice(&14u16.to_be_bytes());
                pkt[12] = seq;
                pkt[13] = 0;
                pkt[14] = k as u8;
                pkt[15] = (k >> 8) as u8;
                pkt[16..18].copy_from_slice(&512u16.to_be_bytes());
                pkt[18..].copy_from_slice(u);
                black_box((&pkt, pkt.len()));
            }
        })
    });
    g.finish();
}

/// CPU time of `tick()` only; the GPU is waited for outside the timed part.
fn time_ticks(show: &mut quai::show::Show, iters: u64) -> Duration {
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        let t = Instant::now();
        show.tick().expect("tick");
        total += t.elapsed();
        show.gpu().wait();
    }
    total
}

fn tick_led(c: &mut Criterion) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenes/facade-demo.toml");
    let load = || quai::scene::load(&path).expect("scenes/facade-demo.toml");
    let gpu = Gpu::headless().expect("GPU (install mesa-vulkan-drivers)");
    let mut without = offline_show(gpu.clone(), load(), None, None).expect("show");
    let mut with = offline_show(gpu, load(), None, None).expect("show");
    assert_eq!(with.scene().leds.iter().map(|o| o.fixtures.len()).sum::<usize>(), 2);
    let leds = LedOutputs::live(with.gpu(), with.scene());
    with.add_output(Box::new(leds));

    let mut g = c.benchmark_group("tick_led_on_off");
    // The baseline: the same show, no LED output attached.
    g.bench_function("tick_without_led", |b| b.iter_custom(|iters| time_ticks(&mut without, iters)));
    g.bench_function("tick_with_led", |b| b.iter_custom(|iters| time_ticks(&mut with, iters)));
    g.finish();
    with.finish().expect("LED senders stop");
}

criterion_group!(benches, map_encode, tick_led);
criterion_main!(benches);
