//! `quai devices`: what this machine offers the show — GPU adapters, audio hosts and output
//! devices, MIDI and serial ports, network interfaces (for LED output) and displays.

use std::fmt::Write;
use std::net::Ipv4Addr;

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
    audio(&mut out, &crate::audio::stream::list_devices());
    inputs(&mut out);
    network(&mut out, &interfaces());
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

/// The "Audio" section: each host, its output devices and what they can play.
fn audio(out: &mut String, found: &crate::audio::stream::AudioDevices) {
    let _ = writeln!(out, "Audio outputs:");
    if found.hosts.is_empty() {
        let _ = writeln!(out, "  no audio host in this build");
    }
    for h in &found.hosts {
        let server = if h.host == "JACK" {
            format!(" (server `{}`)", crate::input::midi::jack_server_name())
        } else {
            String::new()
        };
        match &h.problem {
            Some(p) => {
                let _ = writeln!(out, "  {}{server}: none: {p}", h.host);
            }
            None if h.devices.is_empty() => {
                let _ = writeln!(out, "  {}{server}: no output devices", h.host);
            }
            None => {
                let _ = writeln!(out, "  {}{server}:", h.host);
            }
        }
        for (i, d) in h.devices.iter().enumerate() {
            let default = if d.default { " (default)" } else { "" };
            let _ = writeln!(out, "    {i}: {}{default}", d.name);
            if d.configs.is_empty() {
                let _ = writeln!(out, "         no output config it can report");
            }
            for c in &d.configs {
                let _ = writeln!(out, "         {c}");
            }
        }
    }
    let _ = writeln!(out, "  in a scene: [audio] host = \"jack\" | \"alsa\", device = \"PART OF THE NAME\"");
}

/// MIDI ports (JACK and the ALSA sequencer) and serial ports (with what identifies them across replugging).
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
    // Used by an input whose port JACK does not have: `midi = "nano"` matches these names too.
    match crate::input::midi::alsa::list(None) {
        None => {
            let _ = writeln!(out, "MIDI ports (ALSA sequencer): none: no sequencer here (/dev/snd/seq)");
        }
        Some(ports) => {
            let _ = writeln!(out, "MIDI ports (ALSA sequencer):");
            if ports.is_empty() {
                let _ = writeln!(out, "  none");
            }
            for (i, p) in ports.iter().enumerate() {
                let _ = writeln!(out, "  in  {i}: {} ({}:{})", p.name, p.client, p.port);
            }
        }
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

/// One network interface as `getifaddrs` reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetInterface {
    pub name: String,
    /// IPv4 address, prefix length and broadcast address of each address the interface has.
    pub ipv4: Vec<(Ipv4Addr, u32, Option<Ipv4Addr>)>,
    pub up: bool,
    pub loopback: bool,
    pub multicast: bool,
}

/// The machine's network interfaces, in the order the OS lists them (empty where unsupported).
#[cfg(unix)]
pub fn interfaces() -> Vec<NetInterface> {
    use nix::net::if_::InterfaceFlags;
    let mut found: Vec<NetInterface> = Vec::new();
    let Ok(addrs) = nix::ifaddrs::getifaddrs() else { return found };
    for a in addrs {
        let i = match found.iter().position(|i| i.name == a.interface_name) {
            Some(i) => i,
            None => {
                found.push(NetInterface {
                    name: a.interface_name.clone(),
                    ipv4: Vec::new(),
                    up: a.flags.contains(InterfaceFlags::IFF_UP),
                    loopback: a.flags.contains(InterfaceFlags::IFF_LOOPBACK),
                    multicast: a.flags.contains(InterfaceFlags::IFF_MULTICAST),
                });
                found.len() - 1
            }
        };
        let v4 = |s: Option<nix::sys::socket::SockaddrStorage>| s.and_then(|s| s.as_sockaddr_in().map(|s| s.ip()));
        if let Some(ip) = v4(a.address) {
            let prefix = v4(a.netmask).map_or(32, |m| m.to_bits().count_ones());
            let broadcast = if a.flags.contains(InterfaceFlags::IFF_BROADCAST) { v4(a.broadcast) } else { None };
            found[i].ipv4.push((ip, prefix, broadcast));
        }
    }
    found
}

#[cfg(not(unix))]
pub fn interfaces() -> Vec<NetInterface> {
    Vec::new()
}

/// The "Network interfaces" section: where Art-Net and sACN can go out.
fn network(out: &mut String, interfaces: &[NetInterface]) {
    let _ = writeln!(out, "Network interfaces (for LED output):");
    if interfaces.is_empty() {
        let _ = writeln!(out, "  none found");
    }
    let width = interfaces.iter().map(|i| i.name.len()).max().unwrap_or(0);
    for i in interfaces {
        let flags = [(i.up, "up"), (!i.up, "down"), (i.loopback, "loopback"), (i.multicast, "multicast")];
        let flags: Vec<&str> = flags.iter().filter(|(on, _)| *on).map(|(_, f)| *f).collect();
        let mut addrs: Vec<String> = i
            .ipv4
            .iter()
            .map(|(ip, prefix, broadcast)| {
                let b = broadcast.map(|b| format!(" broadcast {b}")).unwrap_or_default();
                format!("{ip}/{prefix}{b}")
            })
            .collect();
        if addrs.is_empty() {
            addrs.push("no IPv4 address".into());
        }
        let _ = writeln!(out, "  {:width$}  {}  ({})", i.name, addrs.join(", "), flags.join(", "));
    }
    let _ = writeln!(
        out,
        "  LED outputs choose one with `interface = \"ADDR\"`; sACN multicast needs a multicast-capable interface"
    );
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn network_section_names_address_prefix_broadcast_and_flags() {
        let eth = NetInterface {
            name: "eth0".into(),
            ipv4: vec![("10.0.0.5".parse().unwrap(), 24, Some("10.0.0.255".parse().unwrap()))],
            up: true,
            loopback: false,
            multicast: true,
        };
        let lo = NetInterface {
            name: "lo".into(),
            ipv4: vec![("127.0.0.1".parse().unwrap(), 8, None)],
            up: true,
            loopback: true,
            multicast: false,
        };
        let wlan = NetInterface { name: "wlan0".into(), ipv4: vec![], up: false, loopback: false, multicast: true };
        let mut out = String::new();
        network(&mut out, &[eth, lo, wlan]);
        assert_eq!(
            out,
            "Network interfaces (for LED output):\n\
             \x20 eth0   10.0.0.5/24 broadcast 10.0.0.255  (up, multicast)\n\
             \x20 lo     127.0.0.1/8  (up, loopback)\n\
             \x20 wlan0  no IPv4 address  (down, multicast)\n\
             \x20 LED outputs choose one with `interface = \"ADDR\"`; sACN multicast needs a multicast-capable \
             interface\n"
        );
    }

    /// The real list: loopback is always there on a Unix machine, with 127.0.0.1.
    #[cfg(unix)]
    #[test]
    fn loopback_is_listed() {
        let all = interfaces();
        assert!(all.iter().any(|i| i.loopback && i.ipv4.iter().any(|a| a.0 == Ipv4Addr::LOCALHOST)), "{all:?}");
    }
}
