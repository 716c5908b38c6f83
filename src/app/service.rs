//! `quai service install SCENE`: a systemd unit that plays one scene unattended, written for this
//! machine (the quai binary that runs the command, the scene's absolute path, the user):
//! - started at boot after the network and the sound system, as `Type=notify` (READY after the
//!   first frame) with a watchdog the frame loop feeds (`WatchdogSec`: a hung render is restarted);
//! - `Restart=always`, but with a start limit: a scene that fails to start five times in five
//!   minutes is left stopped, and `ExecStartPre=quai check` puts the reason (the scene's errors,
//!   with file:line:col) in the journal first;
//! - the user gets the groups device access needs for the service only (`SupplementaryGroups`:
//!   video and render for the GPU, audio for ALSA, dialout for serial boards).

use std::path::{Path, PathBuf};

use super::AppError;

pub struct ServiceOptions {
    pub scene: PathBuf,
    pub user: String,
    /// Print the unit, write nothing.
    pub dry_run: bool,
    /// Where units go (default /etc/systemd/system).
    pub unit_dir: PathBuf,
    /// Play without a window (LED facades, no display).
    pub headless: bool,
}

/// Seconds without a ping from the frame loop before systemd restarts the show.
pub const WATCHDOG_SEC: u32 = 10;
/// Start attempts within [`START_LIMIT_INTERVAL_SEC`] before systemd gives up.
pub const START_LIMIT_BURST: u32 = 5;
pub const START_LIMIT_INTERVAL_SEC: u32 = 300;
/// What device access needs: the GPU (video, render), ALSA (audio), serial boards (dialout).
pub const GROUPS: &str = "video render audio dialout";

/// The unit's name for a scene file: `quai-STEM.service`.
pub fn unit_name(scene: &Path) -> String {
    let stem = scene.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "show".into());
    let clean: String =
        stem.chars().map(|c| if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') { c } else { '-' }).collect();
    format!("quai-{clean}.service")
}

/// The unit text; `name` is the show's name (the scene file's stem).
pub fn unit(quai: &Path, scene: &Path, name: &str, user: &str, headless: bool) -> String {
    let (quai, scene_s) = (quai.display(), scene.display());
    let dir = scene.parent().map_or_else(|| "/".to_string(), |d| d.display().to_string());
    let run = if headless { format!("{quai} run --headless {scene_s}") } else { format!("{quai} run {scene_s}") };
    let (after, wanted) = if headless { ("", "multi-user.target") } else { (" graphical.target", "graphical.target") };
    let display = if headless {
        String::new()
    } else {
        format!(
            "# The window opens on the X11 display :0 of {user}'s auto-login session (see hardware/README.md).\n\
             Environment=DISPLAY=:0\nEnvironment=XAUTHORITY=/home/{user}/.Xauthority\n"
        )
    };
    format!(
        "# {} — written by `quai service install`; see hardware/README.md, \"Running a show unattended\".\n\
         [Unit]\n\
         Description=quai show {name} ({scene_s})\n\
         Wants=network-online.target sound.target\n\
         After=network-online.target sound.target{after}\n\
         # A scene that cannot start {START_LIMIT_BURST} times in {START_LIMIT_INTERVAL_SEC} s is left stopped (the journal says\n\
         # \"Start request repeated too quickly\", after quai check's errors); fix it, then\n\
         # `systemctl reset-failed` and start it again.\n\
         StartLimitIntervalSec={START_LIMIT_INTERVAL_SEC}\n\
         StartLimitBurst={START_LIMIT_BURST}\n\
         \n\
         [Service]\n\
         Type=notify\n\
         NotifyAccess=main\n\
         # The frame loop pings the watchdog; a show that stops rendering is restarted.\n\
         WatchdogSec={WATCHDOG_SEC}\n\
         User={user}\n\
         # The GPU (video, render), ALSA (audio) and serial boards (dialout), for this service only.\n\
         SupplementaryGroups={GROUPS}\n\
         WorkingDirectory={dir}\n\
         ExecStartPre={quai} check {scene_s}\n\
         ExecStart={run}\n\
         Restart=always\n\
         RestartSec=2\n\
         TimeoutStartSec=120\n\
         KillSignal=SIGTERM\n\
         TimeoutStopSec=10\n\
         Environment=QUAI_LOG=info\n\
         Environment=NO_COLOR=1\n\
         {display}\
         RuntimeDirectory=quai/{name}\n\
         Environment=XDG_RUNTIME_DIR=/run/quai/{name}\n\
         # The show's state (cue positions, parameters set live, standby) survives a restart here.\n\
         StateDirectory=quai/{name}\n\
         StandardOutput=journal\n\
         StandardError=journal\n\
         SyslogIdentifier=quai-{name}\n\
         NoNewPrivileges=true\n\
         ProtectSystem=full\n\
         \n\
         [Install]\n\
         WantedBy={wanted}\n",
        unit_name(scene)
    )
}

/// Checks the scene, then writes (or with `dry_run` prints) the unit. Returns what was done, for
/// the terminal.
pub fn install(opts: &ServiceOptions) -> Result<String, AppError> {
    let scene = std::fs::canonicalize(&opts.scene)
        .map_err(|e| AppError::Usage(format!("scene {}: {e}", opts.scene.display())))?;
    // A unit for a scene that does not load would only loop into its start limit.
    crate::scene::load(&scene)?;
    let quai = std::env::current_exe().map_err(|e| AppError::Usage(format!("cannot tell where quai is: {e}")))?;
    let name = unit_name(&scene);
    let show = name.trim_start_matches("quai-").trim_end_matches(".service");
    let text = unit(&quai, &scene, show, &opts.user, opts.headless);
    if opts.dry_run {
        return Ok(text);
    }
    let path = opts.unit_dir.join(&name);
    std::fs::write(&path, &text).map_err(|e| {
        let hint = if e.kind() == std::io::ErrorKind::PermissionDenied { " (run it with sudo)" } else { "" };
        AppError::Usage(format!("cannot write {}: {e}{hint}", path.display()))
    })?;
    Ok(format!(
        "wrote {}: plays {} as user {} ({}), Type=notify with a {WATCHDOG_SEC} s watchdog, restarts always but at \
         most {START_LIMIT_BURST} times in {START_LIMIT_INTERVAL_SEC} s, groups {GROUPS}\n\
         next: sudo systemctl daemon-reload && sudo systemctl enable --now {name}\n\
         the user must exist: sudo useradd --system --create-home {}\n\
         watch it: journalctl -u {name} -f\n",
        path.display(),
        scene.display(),
        opts.user,
        if opts.headless { "headless" } else { "in a window on :0" },
        opts.user,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_names_are_safe() {
        assert_eq!(unit_name(Path::new("/srv/quai/lobby.toml")), "quai-lobby.service");
        assert_eq!(unit_name(Path::new("/srv/My Show!.toml")), "quai-My-Show-.service");
    }

    #[test]
    fn headless_units_need_no_display() {
        let u = unit(Path::new("/usr/bin/quai"), Path::new("/srv/quai/facade.toml"), "facade", "quai", true);
        assert!(u.contains("ExecStart=/usr/bin/quai run --headless /srv/quai/facade.toml\n"), "{u}");
        assert!(!u.contains("DISPLAY"), "{u}");
        assert!(u.contains("WantedBy=multi-user.target"), "{u}");
        let w = unit(Path::new("/usr/bin/quai"), Path::new("/srv/quai/wall.toml"), "wall", "gallery", false);
        assert!(w.contains("Environment=XAUTHORITY=/home/gallery/.Xauthority"), "{w}");
        assert!(w.contains("After=network-online.target sound.target graphical.target"), "{w}");
    }
}
