//! LED outputs and fixtures read from scene files into the exact model values.

use std::path::{Path, PathBuf};

use crate::scene::led::*;
use crate::scene::{MemoryFiles, Scene, SceneErrors, load_from};

fn load(files: &[(&str, &str)]) -> Result<Scene, SceneErrors> {
    let mut mem = MemoryFiles::new();
    for (path, text) in files {
        mem.insert(path, text.as_bytes().to_vec());
    }
    load_from(&mem, Path::new(files[0].0))
}

const SCENE: &str = r##"
include = ["hardware/facade.toml"]
[show]
canvas = [1280, 720]
[[layers]]
name = "bg"
color = "#203040"
[[outputs]]
name = "wall"
kind = "window"
"##;

const HARDWARE: &str = r##"
[[outputs]]
name = "facade"
kind = "artnet"
to = ["10.0.0.7", "10.0.0.8:6455"]
interface = "127.0.0.1"
rate = 30
on_stop = "hold"

[[outputs]]
name = "eaves"
kind = "sacn"
priority = 150
ttl = 4

[[fixtures]]
name = "front"
output = "facade"
kind = "matrix"
pixels = [40, 12]
position = [0, 0]
size = [1280, 384]
universe = 1

[[fixtures]]
name = "gutter"
output = "eaves"
kind = "strip"
pixels = 60
points = [[40, 700], [1240, 700]]
universe = 7
channel = 4
order = "grbw"
depth = 16
gamma = 1.8
white_balance = [1.0, 0.9, 0.8]
brightness = 0.5
power_limit = 0.6
sample = "point"
"##;

/// Case: a 40×12 serpentine matrix over 3 universes on an Art-Net output and a 60-pixel strip on
/// an sACN output load into exactly these values, defaults included.
#[test]
fn facade_loads_into_the_model() {
    let scene = load(&[("show.toml", SCENE), ("hardware/facade.toml", HARDWARE)]).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(scene.projectors.iter().map(|w| w.name.as_str()).collect::<Vec<_>>(), ["wall"]);
    let front = Fixture {
        name: "front".into(),
        shape: Shape::Matrix {
            columns: 40,
            rows: 12,
            wiring: Wiring::Serpentine,
            start: Corner::TopLeft,
            major: Major::Rows,
        },
        placement: Placement { position: [0.0, 0.0], size: [1280.0, 384.0], rotation: 0.0 },
        universe: 1,
        channel: 1,
        order: ColorOrder::Rgb,
        depth: Depth::Bits8,
        gamma: 2.2,
        white_balance: [1.0; 3],
        brightness: 1.0,
        power_limit: 1.0,
        sample: Sample::Area,
    };
    let gutter = Fixture {
        name: "gutter".into(),
        shape: Shape::Strip { pixels: 60, points: vec![[40.0, 700.0], [1240.0, 700.0]] },
        placement: Placement { position: [40.0, 700.0], size: [1200.0, 0.0], rotation: 0.0 },
        universe: 7,
        channel: 4,
        order: ColorOrder::Grbw,
        depth: Depth::Bits16,
        gamma: 1.8,
        white_balance: [1.0, 0.9, 0.8],
        brightness: 0.5,
        power_limit: 0.6,
        sample: Sample::Point,
    };
    let want = vec![
        LedOutput {
            name: "facade".into(),
            protocol: LedProtocol::ArtNet,
            destinations: vec!["10.0.0.7:6454".parse().unwrap(), "10.0.0.8:6455".parse().unwrap()],
            broadcast: None,
            interface: Some("127.0.0.1".parse().unwrap()),
            rate: 30.0,
            on_stop: OnStop::Hold,
            priority: 100,
            source_name: "quai facade".into(),
            ttl: 1,
            sync: Some(0),
            fixtures: vec![front],
        },
        LedOutput {
            name: "eaves".into(),
            protocol: LedProtocol::Sacn,
            destinations: vec![],
            broadcast: None,
            interface: None,
            rate: 40.0,
            on_stop: OnStop::Black,
            priority: 150,
            source_name: "quai eaves".into(),
            ttl: 4,
            sync: Some(7),
            fixtures: vec![gutter],
        },
    ];
    assert_eq!(scene.leds, want);
    assert_eq!(scene.leds[0].fixtures[0].last_universe(), 3, "480 RGB pixels: 170 + 170 + 140");
    // 60 16-bit RGBW pixels of 8 bytes from channel 4: 63 in the first universe, so one universe.
    assert_eq!(scene.leds[1].fixtures[0].last_universe(), 7);
}

/// Case: a points fixture reads its CSV (header, comments, quoted names), its placement is the
/// points' bounding box, the CSV is among the files hot reload watches, and `output` may be left
/// out with exactly one LED output; `sync` as a number is the sACN sync universe.
#[test]
fn points_fixture_reads_its_csv() {
    let scene = r##"
[[outputs]]
name = "front"
kind = "sacn"
to = ["127.0.0.1:5570"]
sync = 99

[[fixtures]]
name = "windows"
kind = "points"
csv = "rig/points.csv"
rotation = 90
universe = 3
order = "mono"
"##;
    let csv = "\u{feff}x, y, name\n# the ground floor\n100, 200, door\n\n300,400,\"left, upper\"\n";
    let s = load(&[("show.toml", scene), ("rig/points.csv", csv)]).unwrap_or_else(|e| panic!("{e}"));
    let out = &s.leds[0];
    assert_eq!(out.sync, Some(99));
    assert_eq!(out.destinations, vec!["127.0.0.1:5570".parse().unwrap()]);
    let f = &out.fixtures[0];
    assert_eq!(
        f.shape,
        Shape::Points {
            points: vec![[100.0, 200.0], [300.0, 400.0]],
            names: vec!["door".into(), "left, upper".into()]
        }
    );
    assert_eq!(f.placement, Placement { position: [100.0, 200.0], size: [200.0, 200.0], rotation: 90.0 });
    assert!(s.files.contains(&PathBuf::from("rig/points.csv")), "{:?}", s.files);
}

/// Case: `sync = false` and a window alongside: no sync universe, and the window keeps its settings.
#[test]
fn sync_off_and_defaults() {
    let scene = r##"
[[outputs]]
name = "a"
kind = "artnet"
broadcast = "2.255.255.255"
sync = false
[[fixtures]]
name = "s"
kind = "strip"
pixels = 10
points = [[0, 0], [100, 0]]
universe = 0
"##;
    let s = load(&[("show.toml", scene)]).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.leds[0].sync, None);
    assert_eq!(s.leds[0].broadcast, Some("2.255.255.255:6454".parse().unwrap()));
    assert!(s.projectors.is_empty());
}
