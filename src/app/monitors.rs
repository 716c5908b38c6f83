//! The monitors connected now, for placing projector windows. winit 0.30 on X11 caches its
//! monitor list and never refreshes it (its RandR change events are dropped by Xlib, which has no
//! converter registered for them), so an unplugged projector would stay "connected" forever. On
//! X11 the list comes from RandR itself (`RRGetMonitors`, over our own connection, once per
//! look); winit's handles are matched to it by name where winit knows the monitor (for true
//! fullscreen), else a window is placed borderless over the monitor's rectangle.

use winit::event_loop::ActiveEventLoop;
use winit::monitor::MonitorHandle;

/// A connected monitor.
#[derive(Debug, Clone)]
pub struct Screen {
    pub name: String,
    pub position: [i32; 2],
    pub size: [u32; 2],
    pub primary: bool,
    /// winit's handle for it, when winit knows it (always, except on X11 for monitors connected
    /// after start).
    pub handle: Option<MonitorHandle>,
}

/// Reads the connected monitors (RandR on X11, winit elsewhere).
pub struct Monitors {
    #[cfg(target_os = "linux")]
    x11: Option<(x11rb::rust_connection::RustConnection, u32)>,
}

impl Default for Monitors {
    fn default() -> Self {
        Self::new()
    }
}

impl Monitors {
    pub fn new() -> Self {
        #[cfg(target_os = "linux")]
        {
            let x11 = std::env::var_os("DISPLAY")
                .filter(|d| !d.is_empty() && std::env::var_os("WAYLAND_DISPLAY").is_none_or(|w| w.is_empty()))
                .and_then(|_| x11rb::connect(None).ok())
                .map(|(conn, screen)| {
                    let root = x11rb::connection::Connection::setup(&conn).roots[screen].root;
                    (conn, root)
                });
            Monitors { x11 }
        }
        #[cfg(not(target_os = "linux"))]
        Monitors {}
    }

    /// Whether a window manager runs on this X server (EWMH `_NET_SUPPORTING_WM_CHECK` on the root
    /// window). Kiosks often run X with none (`xinit quai run ...`); then fullscreen requests,
    /// which a window manager carries out, do nothing, and quai places its windows itself.
    /// `true` when it cannot tell (not X11): asking the window system is then right.
    pub fn window_manager(&self) -> bool {
        #[cfg(target_os = "linux")]
        if let Some((conn, root)) = &self.x11 {
            use x11rb::protocol::xproto::{AtomEnum, ConnectionExt as _};
            let Ok(Ok(atom)) = conn.intern_atom(true, b"_NET_SUPPORTING_WM_CHECK").map(|c| c.reply()) else {
                return false;
            };
            if atom.atom == 0 {
                return false;
            }
            let prop =
                conn.get_property(false, *root, atom.atom, AtomEnum::WINDOW, 0, 1).ok().and_then(|c| c.reply().ok());
            return prop.is_some_and(|p| p.value_len > 0);
        }
        true
    }

    /// The monitors connected now, primary first where the server says which it is.
    pub fn list(&self, el: &ActiveEventLoop) -> Vec<Screen> {
        let handles: Vec<MonitorHandle> = el.available_monitors().collect();
        let primary = el.primary_monitor().and_then(|m| m.name());
        #[cfg(target_os = "linux")]
        if let Some(list) = self.x11.as_ref().and_then(|(conn, root)| randr_monitors(conn, *root)) {
            return list
                .into_iter()
                .map(|mut s| {
                    s.handle = handles.iter().find(|h| h.name().as_deref() == Some(s.name.as_str())).cloned();
                    s
                })
                .collect();
        }
        handles
            .into_iter()
            .map(|h| {
                let p = h.position();
                let s = h.size();
                let name = h.name().unwrap_or_default();
                Screen {
                    primary: primary.as_deref() == Some(name.as_str()),
                    name,
                    position: [p.x, p.y],
                    size: [s.width, s.height],
                    handle: Some(h),
                }
            })
            .collect()
    }
}

#[cfg(target_os = "linux")]
fn randr_monitors(conn: &x11rb::rust_connection::RustConnection, root: u32) -> Option<Vec<Screen>> {
    use x11rb::protocol::randr::ConnectionExt as _;
    use x11rb::protocol::xproto::ConnectionExt as _;
    let reply = conn.randr_get_monitors(root, true).ok()?.reply().ok()?;
    let mut out = Vec::with_capacity(reply.monitors.len());
    for m in reply.monitors {
        let name = conn.get_atom_name(m.name).ok()?.reply().ok()?;
        out.push(Screen {
            name: String::from_utf8_lossy(&name.name).into_owned(),
            position: [i32::from(m.x), i32::from(m.y)],
            size: [u32::from(m.width), u32::from(m.height)],
            primary: m.primary,
            handle: None,
        });
    }
    Some(out)
}
