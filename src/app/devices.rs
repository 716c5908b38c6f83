//! `quai devices`: what this machine offers the show — GPU adapters, MIDI and serial ports, and
//! displays (later: audio devices).

use std::fmt::Write;

use winit::application::ApplicationHandler;
use winit::event::WindowEvent;
use winit::event_loop::{ActiveEventLoop, EventLoop};
use winit::window::WindowId;

/// A readable report of the devices found.
pub fn report() -> String {
    let mut out = String::new();
    let _ = writeln!(out, "GPU adapters:");
    let adapters = crate::render::gpu::list_adapters();
    if adapters.is_empty() {
        let _ = writeln!(
            out,
            "  none found — install Mesa's Vulkan driver: apt-get install mesa-vulkan-drivers libvulkan1"
        );
    }
    for (i, a) in adapters.iter().enumerate() {
        let driver =
            if a.driver.is_empty() { String::new() } else { format!(", driver {} {}", a.driver, a.driver_info) };
        let _ = writeln!(out, "  {i}: {} ({:?}, {:?}{driver})", a.name, a.backend, a.device_type);
    }
    inputs(&mut out);
    let _ = writeln!(out, "Displays:");
    if !super::window::display_available() {
        let _ = writeln!(out, "  none (no DISPLAY or WAYLAND_DISPLAY): use `quai run --headless` or `quai render`");
        return out;
    }
    match monitors() {
        Ok(ms) if ms.is_empty() => {
            let _ = writeln!(out, "  display server reached, but it reports no monitors");
        }
        Ok(ms) => {
            for (i, m) in ms.iter().enumerate() {
                let _ = writeln!(out, "  {i}: {m}");
            }
        }
        Err(e) => {
            let _ = writeln!(out, "  cannot reach the display server: {e}");
        }
    }
    out
}

/// MIDI ports (through JACK) and serial ports (with what identifies them across replugging).
fn inputs(out: &mut String) {
    let midi = crate::input::midi::list_ports();
    let _ = writeln!(out, "MIDI ports (JACK server `{}`):", crate::input::midi::jack_server_name());
    if let Some(problem) = &midi.problem {
        let _ = writeln!(out, "  none: {problem}");
    } else if midi.inputs.is_empty() && midi.outputs.is_empty() {
        let _ = writeln!(out, "  none");
    }
    for (i, p) in midi.inputs.iter().enumerate() {
        let _ = writeln!(out, "  in  {i}: {p}");
    }
    for (i, p) in midi.outputs.iter().enumerate() {
        let _ = writeln!(out, "  out {i}: {p}");
    }
    let _ = writeln!(out, "Serial ports:");
    let ports = crate::input::serial::list();
    if ports.is_empty() {
        let _ = writeln!(out, "  none");
    }
    for p in ports {
        let usb = p.usb_id.map(|(v, d)| format!(" USB {v:04x}:{d:04x}")).unwrap_or_default();
        let sn = p.serial_number.as_ref().map(|s| format!(" serial {s}")).unwrap_or_default();
        let what =
            [p.manufacturer.as_deref(), p.product.as_deref()].into_iter().flatten().collect::<Vec<_>>().join(" ");
        let _ = writeln!(out, "  {}{usb}{sn} {what}", p.path.display());
        let _ = writeln!(out, "      in a scene: serial = \"{}\"", p.suggested_spec());
    }
}

fn monitors() -> Result<Vec<String>, String> {
    struct Lister(Vec<String>);
    impl ApplicationHandler for Lister {
        fn resumed(&mut self, el: &ActiveEventLoop) {
            let primary = el.primary_monitor();
            for m in el.available_monitors() {
                let size = m.size();
                let hz =
                    m.refresh_rate_millihertz().map(|r| format!(" @ {:.2} Hz", r as f64 / 1000.0)).unwrap_or_default();
                let pos = m.position();
                let star = if Some(&m) == primary.as_ref() { " (primary)" } else { "" };
                self.0.push(format!(
                    "{} {}x{}{hz} at {},{}{star}",
                    m.name().unwrap_or_else(|| "unnamed".into()),
                    size.width,
                    size.height,
                    pos.x,
                    pos.y
                ));
            }
            el.exit();
        }
        fn window_event(&mut self, _: &ActiveEventLoop, _: WindowId, _: WindowEvent) {}
    }
    let el = EventLoop::new().map_err(|e| e.to_string())?;
    let mut lister = Lister(Vec::new());
    el.run_app(&mut lister).map_err(|e| e.to_string())?;
    Ok(lister.0)
}
