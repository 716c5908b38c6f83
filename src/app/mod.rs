//! What the `quai` subcommands do, as library calls (main.rs only parses arguments and maps errors
//! to exit codes): offline rendering, live playback (window or headless) with hot reload, and the
//! device listing.

pub mod audio_test;
pub mod calibrate_osc;
pub mod devices;
pub mod led_test;
pub mod live;
pub mod monitor;
pub mod monitors;
pub mod notify;
pub mod offline;
pub mod remote;
pub mod service;

pub mod window;

use std::path::PathBuf;

use crate::render::RenderError;
use crate::scene::SceneErrors;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The scene does not load: every problem, with file:line:col.
    #[error("{0}")]
    Scene(#[from] SceneErrors),
    #[error("{0}")]
    Render(#[from] RenderError),
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    /// No window can be opened; the string says why.
    #[error(
        "cannot open a window: {0}; use `quai run SCENE --headless` to render offscreen in real time, \
         or `quai render` for frames on disk"
    )]
    NoDisplay(String),
    #[error("{0}")]
    InputLog(#[from] crate::input::log::LogError),
    /// The command line asks for something impossible; the message says what.
    #[error("{0}")]
    Usage(String),
    /// Something outside quai is missing or busy (a port in use, no JACK server, ...).
    #[error("{0}")]
    Environment(String),
    #[error("cannot encode frame {frame} as PNG: {reason}")]
    Encode { frame: u64, reason: String },
    /// Something quai itself got wrong (a panic caught on a helper thread): says what crashed.
    #[error("internal error: {0}. This is a bug in quai; please report it with the scene that shows it")]
    Bug(String),
}

impl AppError {
    /// No display server is configured at all.
    pub fn no_display() -> Self {
        AppError::NoDisplay("no display (neither DISPLAY nor WAYLAND_DISPLAY is set)".into())
    }

    /// 1: the scene or the user's arguments are wrong; 2: the environment is (no GPU, no display, ...).
    pub fn exit_code(&self) -> i32 {
        match self {
            AppError::Scene(_) | AppError::Usage(_) | AppError::InputLog(crate::input::log::LogError::Line { .. }) => 1,
            AppError::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound => 1,
            // A log the user named that is not there: what they typed.
            AppError::InputLog(crate::input::log::LogError::Io { source, .. })
                if source.kind() == std::io::ErrorKind::NotFound =>
            {
                1
            }
            _ => 2,
        }
    }
}

/// Dependencies that talk too much at info (and naga, whose shader compiler logs every pass).
const QUIET_DEPENDENCIES: &str = "wgpu_core=warn,wgpu_hal=warn,naga=off,winit=warn,sctk=warn,\
                                  symphonia_core=warn,symphonia_format_ogg=warn,symphonia=warn";

/// The log filter for `QUAI_LOG`: unset = info; a level alone (`debug`, `trace`, ...) is quai's
/// own level, the dependencies staying as quiet as by default; anything else (`debug,wgpu_core=info`,
/// `naga=debug`) is an `EnvFilter` directive list taken as written, to see a dependency's logs.
pub fn log_filter(env: Option<&str>) -> String {
    let levels = ["error", "warn", "info", "debug", "trace", "off"];
    match env.map(str::trim).filter(|v| !v.is_empty()) {
        None => format!("info,{QUIET_DEPENDENCIES}"),
        Some(level) if levels.contains(&level.to_ascii_lowercase().as_str()) => {
            format!("info,{QUIET_DEPENDENCIES},quai={}", level.to_ascii_lowercase())
        }
        Some(directives) => directives.to_string(),
    }
}

#[cfg(test)]
mod log_tests {
    #[test]
    fn a_level_alone_is_quais_level_and_directives_pass_through() {
        assert!(super::log_filter(None).starts_with("info,") && super::log_filter(None).contains("naga=off"));
        let debug = super::log_filter(Some("debug"));
        assert!(debug.ends_with(",quai=debug") && debug.contains("naga=off"), "{debug}");
        assert_eq!(super::log_filter(Some("debug,naga=debug")), "debug,naga=debug");
        assert_eq!(super::log_filter(Some("")), super::log_filter(None));
    }
}
