//! The `quai` command line: parses arguments, sets up logging, calls into `quai::app`, and maps
//! errors to exit codes (0 ok, 1 scene or user error, 2 environment problem).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use quai::app::live::LiveOptions;
use quai::app::offline::RenderOptions;
use quai::app::window::WindowOptions;
use quai::app::{self, AppError};
use quai::scene::{self, Disk, Files};
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;

#[derive(Parser)]
#[command(name = "quai", version, about = "Runtime for interactive media installations", long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Play a scene live: in a window, or offscreen with --headless. Saving any of its files reloads it.
    Run {
        scene: PathBuf,
        /// Render offscreen in real time (no window).
        #[arg(long)]
        headless: bool,
        /// Stop after this many seconds.
        #[arg(long, value_name = "SECONDS")]
        duration: Option<f64>,
        /// Write the current frame to this PNG after each reload and on exit (headless or in a window).
        #[arg(long, value_name = "PNG")]
        snapshot: Option<PathBuf>,
        /// Record every input event to this log (JSON lines), for `quai render --replay`.
        #[arg(long, value_name = "LOG")]
        record: Option<PathBuf>,
        /// Window: keep reload errors off the picture (they still go to the log). By default a
        /// failed reload shows its errors over the top-left of the window until an edit loads.
        #[arg(long)]
        no_overlay: bool,
        /// Window: calibrate the projector outputs: test patterns and handles on every output;
        /// move corners and mesh points with the mouse and keys, S saves them into the layout
        /// file (the keys are listed in the log at start).
        #[arg(long, conflicts_with = "headless")]
        calibrate: bool,
        /// With --calibrate: also take the moves as OSC (/quai/calibrate/OUTPUT/corner/N x y, ...)
        /// on [ADDR:]PORT (a port alone listens on 127.0.0.1; 0.0.0.0:PORT for a tablet).
        #[arg(long, value_name = "[ADDR:]PORT", requires = "calibrate", value_parser = parse_osc_bind)]
        calibrate_osc: Option<std::net::SocketAddr>,
        /// Keep the show's state (cue positions, parameters set live, standby) in this file
        /// (default: one file per scene under $STATE_DIRECTORY, $XDG_STATE_HOME/quai or
        /// ~/.local/state/quai). A restart comes back where the show was.
        #[arg(long, value_name = "FILE")]
        state: Option<PathBuf>,
        /// Start from the scene's defaults instead of the saved state (which is then replaced).
        #[arg(long)]
        fresh: bool,
        /// Serve the web console on [ADDR:]PORT (a port alone: this machine only; 0.0.0.0:PORT for
        /// the network). Over the scene's [console] bind. The control token comes from the scene
        /// or from QUAI_TOKEN.
        #[arg(long, value_name = "[ADDR:]PORT", value_parser = parse_osc_bind)]
        console: Option<std::net::SocketAddr>,
        /// Serve OSCQuery (the parameter tree for other tools) on [ADDR:]PORT.
        #[arg(long, value_name = "[ADDR:]PORT", value_parser = parse_osc_bind)]
        oscquery: Option<std::net::SocketAddr>,
        /// Seed the scripts' random generator (`rand()`) with N instead of the scene's name: another
        /// run of the same piece, still the same frames every time with the same N.
        #[arg(long, value_name = "N")]
        seed: Option<u64>,
        #[command(flatten)]
        clock: ClockArgs,
    },
    /// Validate scenes; print every problem with file:line:col. Exit 1 on any error.
    Check {
        #[arg(required = true)]
        scenes: Vec<PathBuf>,
        /// Show the schedule's next openings and closings from this date and time instead of now
        /// (RFC 3339, or a civil date and time in the schedule's zone).
        #[arg(long, value_name = "DATETIME")]
        at: Option<String>,
    },
    /// Render frames with a fixed timestep to DIR/frame-000000.png… and DIR/contact-sheet.png.
    Render {
        scene: PathBuf,
        #[arg(long)]
        frames: u64,
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Frames per second of the fixed clock (default: the scene's fps).
        #[arg(long)]
        fps: Option<f64>,
        /// Output size WxH (default: the scene's canvas; the layout scales with it).
        #[arg(long, value_name = "WxH", value_parser = parse_size)]
        size: Option<[u32; 2]>,
        /// Replay an input log (from `quai run --record`) through the scene's mappings.
        #[arg(long, value_name = "LOG")]
        replay: Option<PathBuf>,
        /// Also write the DMX of every frame to DIR/dmx.jsonl (one line per frame and universe) and
        /// a facade preview (the LEDs in the colour they receive) to DIR/facade/.
        #[arg(long)]
        dmx: bool,
        /// Bounce the scene's sound into this WAV file (32-bit float), sample-accurate on the
        /// same clock as the frames, which see the analysis of that same audio.
        #[arg(long, value_name = "OUT.wav")]
        audio: Option<PathBuf>,
        /// Also write each window output's frame as its projector shows it (slice, warp, blend,
        /// mask) to DIR/OUTPUT/frame-000000.png…, with DIR/OUTPUT/contact-sheet.png.
        #[arg(long)]
        outputs: bool,
        /// Seed the scripts' random generator (`rand()`) with N instead of the scene's name: another
        /// run of the same piece, still the same frames every time with the same N.
        #[arg(long, value_name = "N")]
        seed: Option<u64>,
        /// Run the scene's [schedule] on a test clock (an offline render ignores it otherwise).
        #[command(flatten)]
        clock: ClockArgs,
    },
    /// Print live input events, one per line, with a rate/drop summary every second.
    #[command(after_help = MONITOR_LED_HELP)]
    Monitor {
        /// OSC: [ADDR:]PORT (a port alone listens on 127.0.0.1). Repeatable.
        #[arg(long, value_name = "[ADDR:]PORT")]
        osc: Vec<String>,
        /// MIDI input port: a name (substring) or index. Repeatable.
        #[arg(long, value_name = "NAME")]
        midi: Vec<String>,
        /// Serial port (text lines): PATH[@BAUD], or usb:VID:PID[:SERIAL][@BAUD]. Repeatable.
        #[arg(long, value_name = "PATH[@BAUD]")]
        serial: Vec<String>,
        /// Art-Net: listen on UDP 6454 at this local address (default 0.0.0.0: every interface,
        /// broadcast included; a specific address hears only unicast sent to it).
        #[arg(long, value_name = "ADDR", num_args = 0..=1, default_missing_value = "0.0.0.0")]
        artnet: Option<std::net::Ipv4Addr>,
        /// sACN (E1.31) universe 1-63999: joins its multicast group 239.255.HI.LO and hears
        /// unicast on 0.0.0.0:5568. Repeatable.
        #[arg(long, value_name = "UNIVERSE", value_parser = clap::value_parser!(u16).range(1..=63999))]
        sacn: Vec<u16>,
        /// The IPv4 address of the interface that joins the sACN multicast groups (see `quai
        /// devices`; default: the one the routing table picks).
        #[arg(long, value_name = "ADDR", requires = "sacn")]
        interface: Option<std::net::Ipv4Addr>,
        /// Stop after this many seconds.
        #[arg(long, value_name = "SECONDS")]
        duration: Option<f64>,
    },
    /// Wiring test for the LED facade: lights one fixture at a time, then chases LED by LED in
    /// wiring order (first LED green, the first LED of each next universe red), through the
    /// scene's own LED outputs. Repeats until interrupted.
    LedTest {
        scene: PathBuf,
        /// Only this fixture.
        #[arg(long, value_name = "NAME")]
        fixture: Option<String>,
        /// Seconds each fixture stays lit in the first pass.
        #[arg(long, value_name = "SECONDS", default_value_t = 2.0)]
        hold: f64,
        /// LEDs per second of the chase.
        #[arg(long, value_name = "LEDS", default_value_t = 20.0)]
        speed: f64,
        /// Brightness of the test colours, 0..1.
        #[arg(long, default_value_t = 0.5)]
        level: f32,
        /// Stop after this many seconds.
        #[arg(long, value_name = "SECONDS")]
        duration: Option<f64>,
    },
    /// Speaker test: pink noise on one speaker at a time, in the layout's order, each named in the
    /// log, through the scene's own audio settings.
    AudioTest {
        scene: PathBuf,
        /// Seconds of noise per speaker.
        #[arg(long, value_name = "SECONDS", default_value_t = 2.0)]
        hold: f64,
        /// Level of the noise in dBFS.
        #[arg(long, value_name = "DB", default_value_t = -20.0, allow_negative_numbers = true)]
        level: f32,
        /// Stop after this many seconds.
        #[arg(long, value_name = "SECONDS")]
        duration: Option<f64>,
    },
    /// List GPUs, displays, MIDI ports, serial ports and network interfaces.
    Devices,
    /// A running show's health and state, from its web console (exit 0 healthy, 2 not healthy or
    /// not reachable).
    Status {
        /// The console's address: HOST:PORT, or a port on this machine (default 127.0.0.1:8080).
        addr: Option<String>,
    },
    /// Run a scene unattended as a systemd service.
    Service {
        #[command(subcommand)]
        what: ServiceCommand,
    },
    /// Print the JSON Schema of the scene format (for editor completion).
    Schema,
}

#[derive(Subcommand)]
enum ServiceCommand {
    /// Write a systemd unit that plays SCENE at boot: Type=notify with a watchdog fed by the frame
    /// loop, restarts with a start limit (a broken scene does not loop forever), the groups device
    /// access needs. Prints what it did and the commands to enable it.
    Install {
        scene: PathBuf,
        /// The user the show runs as.
        #[arg(long, default_value = "quai")]
        user: String,
        /// Print the unit and write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Play without a window (LED facades, machines without a display).
        #[arg(long)]
        headless: bool,
        /// Where to write the unit.
        #[arg(long, value_name = "DIR", default_value = "/etc/systemd/system")]
        unit_dir: PathBuf,
    },
}

/// The LED part of `quai monitor --help`.
const MONITOR_LED_HELP: &str = "\
Art-Net and sACN (--artnet, --sacn):
  One line (stdout) per universe and source: when it first arrives, then when its data (any of the 512
  channels) or priority changes, at most one line a second (the latest values); a steady stream
  shows only in the summary. A line shows the protocol, universe (Art-Net: port-address and
  Net:Sub-Net:Universe), source IP:port, the sACN source name and CID (first 8 hex digits) or the
  Art-Net node name once its ArtPollReply was heard, sACN priority, sequence number and channels
  1-8. 'source X terminated universe N' when an sACN source ends its stream, 'stopped sending'
  after 2.5 s of silence. Art-Net: every universe heard; sACN: the --sacn universes (others that
  arrive by unicast are only counted, as 'not asked for').
  Summary (stderr, every second): packets/s per universe and its sources, packets out of order
  (sequence going backwards, E1.31 §6.7.2: not used, as a receiver would not), ArtSync / sACN
  sync packets, and malformed packets (counted; the first of each kind is printed with the
  parse error and its sender; never fatal).
  Both ports are opened shared (SO_REUSEADDR and SO_REUSEPORT), so the monitor runs beside olad or
  a quai show on the same machine. But on Linux a unicast datagram to a shared port goes to only
  one of the sockets sharing it: to see unicast traffic meant for another program, run the monitor
  on another machine, or point the sender at it. Broadcast and multicast reach every socket.";

fn parse_size(s: &str) -> Result<[u32; 2], String> {
    let (w, h) = s.split_once(['x', 'X']).ok_or_else(|| format!("`{s}` is not WxH, e.g. 1920x1080"))?;
    let parse = |v: &str| v.trim().parse::<u32>().ok().filter(|n| (1..=8192).contains(n));
    match (parse(w), parse(h)) {
        (Some(w), Some(h)) => Ok([w, h]),
        _ => Err(format!("`{s}`: width and height must be 1..8192, e.g. 1920x1080")),
    }
}

fn main() -> ExitCode {
    private_runtime_dir();
    // libjack starts a JACK server with default settings when none runs; a show must never grab
    // the sound card behind the technician's back. (Before any thread exists, as above.)
    if std::env::var_os("JACK_NO_START_SERVER").is_none() {
        // SAFETY: still single-threaded.
        unsafe { std::env::set_var("JACK_NO_START_SERVER", "1") };
    }
    let directives = app::log_filter(std::env::var("QUAI_LOG").ok().as_deref());
    let filter = tracing_subscriber::EnvFilter::try_new(&directives).unwrap_or_else(|e| {
        eprintln!("QUAI_LOG={directives:?}: {e}; logging at info");
        tracing_subscriber::EnvFilter::new(app::log_filter(None))
    });
    // Colour only on a terminal: the journal and log files get plain text.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_ansi(ansi)
        .finish()
        // The web console's log view: the same lines, kept in memory.
        .with(quai::console::LogRing::layer())
        .init();
    // Usage errors are user errors: exit 1 (clap's own default would be 2, our "environment" code).
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { ExitCode::from(1) } else { ExitCode::SUCCESS };
        }
    };
    match run(cli) {
        Ok(code) => code,
        Err(e) => match e.downcast_ref::<AppError>() {
            Some(AppError::Scene(errors)) => {
                eprintln!("{errors}");
                ExitCode::from(1)
            }
            Some(app) => {
                // Our errors say their cause in their own message: printing anyhow's chain too
                // would repeat it.
                eprintln!("error: {app}");
                ExitCode::from(app.exit_code() as u8)
            }
            None => {
                eprintln!("error: {e:#}");
                ExitCode::from(1)
            }
        },
    }
}

/// Mesa's and libwayland's window-system code print "XDG_RUNTIME_DIR is invalid or not set" on
/// every start when it is missing (services, containers, CI): give this process a private one,
/// as a login session would. Runs first in main, before any thread exists.
fn private_runtime_dir() {
    let ok = std::env::var_os("XDG_RUNTIME_DIR").is_some_and(|d| Path::new(&d).is_dir());
    if !ok {
        let user = std::env::var("USER").unwrap_or_else(|_| "user".into());
        let dir = std::env::temp_dir().join(format!("quai-runtime-{user}"));
        if std::fs::create_dir_all(&dir).is_ok() {
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                let _ = std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700));
            }
            // SAFETY: called at the top of main, before any other thread is started.
            unsafe { std::env::set_var("XDG_RUNTIME_DIR", &dir) };
        }
    }
}

fn parse_osc_bind(s: &str) -> Result<std::net::SocketAddr, String> {
    quai::input::osc::source::parse_bind(s).map_err(|e| e.to_string())
}

fn stop_flag() -> Arc<AtomicBool> {
    let stop = Arc::new(AtomicBool::new(false));
    let s = stop.clone();
    if let Err(e) = ctrlc::set_handler(move || s.store(true, Ordering::Relaxed)) {
        tracing::warn!("cannot catch Ctrl-C / SIGTERM ({e}); stopping will not print statistics");
    }
    stop
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        None => demo(),
        Some(Command::Run {
            scene,
            headless,
            duration,
            snapshot,
            record,
            no_overlay,
            calibrate,
            calibrate_osc,
            state,
            fresh,
            console,
            oscquery,
            seed,
            clock,
        }) => {
            let duration = duration.map(Duration::from_secs_f64);
            let day = app::live::DayOptions { state, fresh, clock: clock.get(), console, oscquery, seed };
            // Checked before anything starts: a recording that cannot be written is a usage error
            // now, not an exit after the show has begun.
            if let Some(path) = &record {
                check_writable(path, "the recording (--record)")?;
            }
            if let Some(path) = &snapshot {
                check_writable(path, "the snapshot (--snapshot)")?;
            }
            let window = WindowOptions { duration, record, no_overlay, calibrate, calibrate_osc, snapshot, day };
            play(Arc::new(Disk), &scene, headless, window)
        }
        Some(Command::Check { scenes, at }) => Ok(check(&scenes, at.as_deref())),
        Some(Command::Render { scene, frames, out, fps, size, replay, dmx, audio, outputs, seed, clock }) => {
            if frames == 0 {
                return Err(AppError::Usage("--frames 0: nothing to render; give at least 1 frame".into()).into());
            }
            if let Some(f) = fps
                && !(f.is_finite() && (1.0..=480.0).contains(&f))
            {
                anyhow::bail!("--fps {f}: must be between 1 and 480, as a scene's fps");
            }
            let clock = clock.get();
            let opts =
                RenderOptions { frames, out, fps, size, progress: true, replay, dmx, audio, outputs, clock, seed };
            let r = app::offline::render(&Disk, &scene, &opts)?;
            println!(
                "rendered {} frames ({}x{} at {} fps) to {} in {:.1} s; contact sheet: {}",
                r.frames,
                r.size[0],
                r.size[1],
                r.fps,
                opts.out.display(),
                r.seconds,
                r.contact_sheet.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Monitor { osc, midi, serial, artnet, sacn, interface, duration }) => {
            let led = app::monitor::LedOptions { artnet, sacn, interface };
            let duration = duration.map(Duration::from_secs_f64);
            let opts = app::monitor::MonitorOptions { osc, midi, serial, led, duration };
            app::monitor::run(&opts, stop_flag())?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::LedTest { scene, fixture, hold, speed, level, duration }) => {
            let loaded = scene::load(&scene)?;
            let opts = app::led_test::LedTestOptions {
                fixture,
                hold: Duration::from_secs_f64(hold.clamp(0.05, 3600.0)),
                speed,
                level,
                duration: duration.map(Duration::from_secs_f64),
            };
            app::led_test::run(&loaded, &opts, stop_flag())?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::AudioTest { scene, hold, level, duration }) => {
            let loaded = scene::load(&scene)?;
            let opts = app::audio_test::AudioTestOptions {
                hold: Duration::from_secs_f64(hold.clamp(0.1, 600.0)),
                level_db: level.clamp(-60.0, 0.0),
                duration: duration.map(Duration::from_secs_f64),
            };
            app::audio_test::run(&loaded, &opts, stop_flag())?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Devices) => {
            print!("{}", app::devices::report());
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Status { addr }) => {
            let healthy = app::remote::status(addr.as_deref(), &mut std::io::stdout())?;
            Ok(if healthy { ExitCode::SUCCESS } else { ExitCode::from(2) })
        }
        Some(Command::Service { what: ServiceCommand::Install { scene, user, dry_run, headless, unit_dir } }) => {
            let opts = app::service::ServiceOptions { scene, user, dry_run, unit_dir, headless };
            print!("{}", app::service::install(&opts)?);
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Schema) => {
            println!("{}", serde_json::to_string_pretty(&scene::file::json_schema()).context("schema")?);
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// A test clock for the schedule.
#[derive(Debug, Clone, clap::Args)]
struct ClockArgs {
    /// Run the schedule on a test clock that starts at this wall time: 2026-03-29T01:59 (in the
    /// schedule's zone), 2026-03-29T01:59+01:00, or 2026-03-29T01:59[Europe/Berlin].
    #[arg(long, value_name = "DATETIME")]
    clock: Option<String>,
    /// With --clock: how many times faster than real time the test clock runs.
    #[arg(long, value_name = "FACTOR", default_value_t = 1.0, requires = "clock")]
    clock_speed: f64,
}

impl ClockArgs {
    fn get(self) -> Option<(String, f64)> {
        self.clock.map(|c| (c, self.clock_speed))
    }
}

/// Whether a file can be written where the user asked (its folder exists and takes files).
fn check_writable(path: &Path, what: &str) -> Result<(), AppError> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let meta = std::fs::metadata(dir).map_err(|e| {
        AppError::Usage(format!(
            "{what}: {}: cannot write there: folder {} {}",
            path.display(),
            dir.display(),
            reason(&e)
        ))
    })?;
    if !meta.is_dir() {
        return Err(AppError::Usage(format!("{what}: {}: {} is not a folder", path.display(), dir.display())));
    }
    if meta.permissions().readonly() {
        return Err(AppError::Usage(format!("{what}: {}: folder {} is read-only", path.display(), dir.display())));
    }
    Ok(())
}

/// An OS error in words, without the "(os error N)" noise.
fn reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "does not exist".into(),
        std::io::ErrorKind::PermissionDenied => "is not readable by this user".into(),
        _ => e.to_string(),
    }
}

fn play(files: Arc<dyn Files>, scene: &Path, headless: bool, window: WindowOptions) -> anyhow::Result<ExitCode> {
    let stop = stop_flag();
    if headless {
        let opts = LiveOptions {
            duration: window.duration,
            snapshot: window.snapshot,
            watch: true,
            record: window.record,
            day: window.day,
        };
        app::live::run_headless(files, scene, &opts, stop)?;
    } else {
        if !app::window::display_available() {
            return Err(AppError::no_display().into());
        }
        let loaded = app::window::load(files.as_ref(), scene)?;
        app::window::run_window(files, loaded, window, stop)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The schedule as `quai check` shows it: open or closed at `t`, and the next changes.
fn schedule_summary(s: &quai::show::schedule::Schedule, t: jiff::Timestamp) -> String {
    use quai::show::schedule::Change;
    let mut out = String::new();
    let now = match s.open_at(t) {
        Some(p) => format!("open at {} (until {})", s.describe(t), s.describe(p.close)),
        None => format!("closed at {}", s.describe(t)),
    };
    out.push_str(&format!("  schedule ({}): {now}\n", s.zone_name));
    let changes = s.upcoming(t, 6);
    if changes.is_empty() {
        out.push_str("  it does not open within a year: check [schedule] hours and dates\n");
    }
    for c in changes {
        let line = match c {
            Change::Opens(at) => format!("opens  {}", s.describe(at)),
            Change::Closes(at) => format!("closes {}", s.describe(at)),
        };
        out.push_str(&format!("    {line}\n"));
    }
    out
}

/// `quai` alone: the bundled demo in a window, or a short preview on disk when there is no display.
fn demo() -> anyhow::Result<ExitCode> {
    let files: Arc<dyn Files> = Arc::new(quai::bundled::files());
    let path = Path::new(quai::bundled::DEMO);
    if app::window::display_available() {
        return play(files, path, false, WindowOptions::default());
    }
    let out = PathBuf::from("quai-preview");
    eprintln!("no display found: rendering a 120-frame preview of the bundled demo instead");
    let opts = RenderOptions {
        frames: 120,
        out: out.clone(),
        fps: None,
        size: Some([640, 360]),
        progress: true,
        replay: None,
        dmx: false,
        audio: None,
        outputs: false,
        clock: None,
        seed: None,
    };
    let r = app::offline::render(files.as_ref(), path, &opts)?;
    println!(
        "preview: {} frames in {}/ (open {} for an overview); with a display, `quai` opens a window",
        r.frames,
        out.display(),
        r.contact_sheet.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn check(scenes: &[PathBuf], at: Option<&str>) -> ExitCode {
    let mut failed = false;
    for path in scenes {
        match scene::load(path) {
            Ok(s) => {
                let leds: usize = s.leds.iter().flat_map(|o| &o.fixtures).map(|f| f.pixel_count()).sum();
                let facade = match s.leds.len() {
                    0 => String::new(),
                    n => format!(", {n} LED output{} with {leds} LEDs", if n == 1 { "" } else { "s" }),
                };
                let a = &s.audio;
                let sound = match a.sounds.len() + a.synths.len() {
                    0 => String::new(),
                    _ => {
                        let n = |k: usize, one: &str| format!("{k} {one}{}", if k == 1 { "" } else { "s" });
                        let room = match a.speakers.len() {
                            0 => String::new(),
                            k => format!(" on {}", n(k, "speaker")),
                        };
                        format!(", {}, {}{room}", n(a.sounds.len(), "sound"), n(a.synths.len(), "synth"))
                    }
                };
                let cues = match s.cues.len() {
                    0 => String::new(),
                    n => {
                        let total: usize = s.cues.iter().map(|l| l.cues.len()).sum();
                        let plural = |k: usize| if k == 1 { "" } else { "s" };
                        format!(", {n} cue list{} with {total} cue{}", plural(n), plural(total))
                    }
                };
                println!(
                    "{}: ok ({} layers, {} parameters{facade}{sound}{cues})",
                    path.display(),
                    s.layers.len(),
                    s.params.len()
                );
                if let Some(schedule) = &s.schedule {
                    match at.map(|a| (a, app::live::parse_instant(a, &schedule.zone))) {
                        Some((a, None)) => {
                            eprintln!(
                                "--at {a:?}: not a date and time; write 2026-03-29T01:59 or 2026-03-29T01:59+01:00"
                            );
                            failed = true;
                        }
                        Some((_, Some(t))) => print!("{}", schedule_summary(schedule, t)),
                        None => print!("{}", schedule_summary(schedule, jiff::Timestamp::now())),
                    }
                }
            }
            Err(e) => {
                failed = true;
                eprintln!("{e}\n");
            }
        }
    }
    if failed { ExitCode::from(1) } else { ExitCode::SUCCESS }
}
