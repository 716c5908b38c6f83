//! State that survives a crash or a reboot: where each cue list is, the parameter values cues and
//! people set, each layer's opacity, and whether the show is in standby. A live show saves it on
//! change (at most twice a second; the file is written whole, fsynced and renamed into place by a
//! thread of its own, so a slow or full disk never stalls a frame) and restores it at start.
//!
//! What a parameter is saved as: the value it is going to (a running fade's end), for the
//! parameters whose last writer was a cue or a person (console, OSC `/quai/param`, learn). Values
//! that sensors drive are left out: the sensor sets them again, and saving them would write the
//! file all day long.
//!
//! A file that cannot be read as a quai state, or that belongs to another scene, is reported,
//! renamed aside (`NAME.corrupt-UNIXTIME`, `NAME.foreign-UNIXTIME`) for a person to look at, and
//! the show starts from the scene's defaults.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::ParamStore;
use super::control::Control;
use super::cues::Target;
use super::params::Writer;
use crate::scene::{ParamId, Scene};

/// What the file holds (JSON).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SavedState {
    /// The format's version; a file without it is not a quai state.
    pub quai_state: u32,
    /// The scene file it was saved for (absolute).
    pub scene: PathBuf,
    /// When it was saved (RFC 3339, UTC; on the schedule's clock, which a test clock may set).
    pub saved_at: String,
    /// Each cue list's playhead: the name of the cue it is on.
    #[serde(default)]
    pub cues: BTreeMap<String, String>,
    /// Parameter values cues set (what they were fading to).
    #[serde(default)]
    pub params: BTreeMap<String, f32>,
    /// Parameter values a person set (console, OSC, learn): they stay across openings.
    #[serde(default)]
    pub live: BTreeMap<String, f32>,
    /// Each layer's opacity (where its fade was going).
    #[serde(default)]
    pub opacity: BTreeMap<String, f32>,
    #[serde(default)]
    pub standby: bool,
}

pub const FORMAT: u32 = 1;

impl SavedState {
    /// The show's state now. `saved_at` is filled in when it is written.
    pub fn capture(scene: &Scene, params: &ParamStore, control: &Control) -> Self {
        let engine = control.engine();
        let ends: Vec<(Target, f32)> = engine.fade_ends().collect();
        let end = |t: Target| ends.iter().find(|(e, _)| *e == t).map(|(_, v)| *v);
        let mut cues = BTreeMap::new();
        for (i, name) in engine.list_names().enumerate() {
            if let Some(c) = engine.playhead(i).and_then(|c| engine.cue(i, c)) {
                cues.insert(name.to_string(), c.name.clone());
            }
        }
        let (mut set, mut live) = (BTreeMap::new(), BTreeMap::new());
        for (i, d) in scene.params.iter().enumerate() {
            let id = ParamId(i);
            let value = end(Target::Param(id)).unwrap_or_else(|| params.target(id));
            match params.last_writer(id) {
                Some(Writer::Direct) => live.insert(d.name.clone(), value),
                Some(Writer::Cue) => set.insert(d.name.clone(), value),
                _ if end(Target::Param(id)).is_some() => set.insert(d.name.clone(), value),
                _ => None,
            };
        }
        let opacity = scene
            .layers
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let o = end(Target::Opacity(i)).unwrap_or_else(|| control.opacity().get(i).copied().unwrap_or(0.0));
                (l.name.clone(), o)
            })
            .collect();
        SavedState {
            quai_state: FORMAT,
            scene: scene.path.clone(),
            saved_at: String::new(),
            cues,
            params: set,
            live,
            opacity,
            standby: control.standby() != super::control::Standby::Awake,
        }
    }

    /// Puts the state into a show of `scene`; names the scene no longer has are skipped. Returns
    /// what was restored, for the start log.
    pub fn apply(&self, scene: &Scene, params: &mut ParamStore, control: &mut Control) -> Restored {
        let mut r = Restored::default();
        for (list, cue) in &self.cues {
            match control.restore_playhead(list, cue) {
                true => r.cues.push(format!("{list}/{cue}")),
                false => r.missing.push(format!("cue {list}/{cue}")),
            }
        }
        for (values, live) in [(&self.params, false), (&self.live, true)] {
            for (name, &v) in values {
                match scene.param(name) {
                    Some(id) if v.is_finite() => {
                        params.restore(id, v, live);
                        r.params += 1;
                        r.live += usize::from(live);
                    }
                    _ => r.missing.push(format!("parameter `{name}`")),
                }
            }
        }
        for (name, &o) in &self.opacity {
            match scene.layers.iter().position(|l| &l.name == name) {
                Some(i) if o.is_finite() => {
                    control.restore_opacity(i, o.clamp(0.0, 1.0));
                    r.layers += 1;
                }
                _ => r.missing.push(format!("layer `{name}`")),
            }
        }
        if self.standby {
            control.sleep_now();
        }
        r.standby = self.standby;
        r
    }
}

/// What a restore brought back.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Restored {
    pub cues: Vec<String>,
    pub params: usize,
    pub live: usize,
    pub layers: usize,
    pub standby: bool,
    /// Names in the file that the scene no longer has.
    pub missing: Vec<String>,
}

impl std::fmt::Display for Restored {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.cues.as_slice() {
            [] => f.write_str("no cue lists started")?,
            cues => write!(f, "cue{} {}", if cues.len() == 1 { "" } else { "s" }, cues.join(", "))?,
        }
        write!(f, "; {} parameters ({} set live); {} layer opacities", self.params, self.live, self.layers)?;
        if self.standby {
            f.write_str("; in standby")?;
        }
        if !self.missing.is_empty() {
            write!(f, "; left out, no longer in the scene: {}", self.missing.join(", "))?;
        }
        Ok(())
    }
}

/// Why a state file was not used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StateError {
    #[error("{path}: {why}")]
    Unreadable { path: String, why: String },
    #[error("{path} is not a quai state file ({why}); it was moved to {kept}")]
    Corrupt { path: String, why: String, kept: String },
    #[error("{path} is the state of another scene ({other}); it was moved to {kept}")]
    Foreign { path: String, other: String, kept: String },
}

/// Reads the state file for `scene` (`Ok(None)`: there is none yet).
pub fn load(path: &Path, scene: &Path) -> Result<Option<SavedState>, StateError> {
    let shown = path.display().to_string();
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(StateError::Unreadable { path: shown, why: e.to_string() }),
    };
    let aside = |what: &str| -> String {
        let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
        let kept = PathBuf::from(format!("{}.{what}-{secs}", path.display()));
        match std::fs::rename(path, &kept) {
            Ok(()) => kept.display().to_string(),
            Err(e) => format!("nowhere (cannot rename it: {e}; it will be overwritten)"),
        }
    };
    let state: SavedState = match serde_json::from_slice(&bytes) {
        Ok(s) => s,
        Err(e) => {
            let why = format!("line {} column {}: {e}", e.line(), e.column());
            return Err(StateError::Corrupt { path: shown, why, kept: aside("corrupt") });
        }
    };
    if state.quai_state != FORMAT {
        let why = format!("format {} where this quai reads {FORMAT}", state.quai_state);
        return Err(StateError::Corrupt { path: shown, why, kept: aside("corrupt") });
    }
    if !same_file(&state.scene, scene) {
        let other = state.scene.display().to_string();
        return Err(StateError::Foreign { path: shown, other, kept: aside("foreign") });
    }
    Ok(Some(state))
}

fn same_file(a: &Path, b: &Path) -> bool {
    let canon = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    canon(a) == canon(b)
}

/// Where a scene's state lives when `--state` does not say: systemd's `$STATE_DIRECTORY`, else
/// `$XDG_STATE_HOME/quai`, else `~/.local/state/quai`; one file per scene file,
/// `STEM-HASH.json` (the hash of the scene's absolute path, so two scenes called `show.toml` in
/// different folders do not share one).
pub fn default_path(scene: &Path) -> PathBuf {
    let env = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty()).map(PathBuf::from);
    let dir = env("STATE_DIRECTORY")
        .map(|d| PathBuf::from(d.to_string_lossy().split(':').next().unwrap_or_default()))
        .or_else(|| env("XDG_STATE_HOME").map(|d| d.join("quai")))
        .or_else(|| env("HOME").map(|h| h.join(".local/state/quai")))
        .unwrap_or_else(|| PathBuf::from("/var/lib/quai"));
    let abs = std::fs::canonicalize(scene).unwrap_or_else(|_| scene.to_path_buf());
    // FNV-1a: stable across builds and platforms (std's hasher is not).
    let hash = abs
        .to_string_lossy()
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3));
    let stem = scene.file_stem().map_or("scene".into(), |s| s.to_string_lossy().into_owned());
    dir.join(format!("{stem}-{:08x}.json", hash as u32))
}

/// Writes `state` to `path` so that a crash at any moment leaves the old file or the new one:
/// a temporary file beside it, fsynced, renamed over it, and the folder fsynced.
pub fn write_atomic(path: &Path, state: &SavedState) -> std::io::Result<()> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let tmp = dir.join(format!(".{}.tmp", path.file_name().map_or("state".into(), |n| n.to_string_lossy())));
    let mut text = serde_json::to_vec_pretty(state).map_err(std::io::Error::other)?;
    text.push(b'\n');
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(&text)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)?;
        std::fs::File::open(dir)?.sync_all()
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// The saving side in a live show: offers the state every tick, sends it to the writer thread
/// when it changed and the last save is old enough.
pub struct StateSaver {
    path: PathBuf,
    tx: Option<SyncSender<SavedState>>,
    thread: Option<std::thread::JoinHandle<()>>,
    last: Option<SavedState>,
    checked: Option<Instant>,
    sent: Option<Instant>,
}

/// How often the state is compared with the last saved one, and the least time between saves.
const CHECK: Duration = Duration::from_millis(100);
const MIN_GAP: Duration = Duration::from_millis(500);

impl StateSaver {
    /// Starts the writer thread. `restored`: what was read at start (not written again unchanged).
    pub fn start(path: PathBuf, restored: Option<SavedState>) -> Self {
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        let p = path.clone();
        let thread = std::thread::Builder::new().name("quai state".into()).spawn(move || writer(&p, rx)).ok();
        if thread.is_none() {
            tracing::error!("state: cannot start the thread that saves {}; nothing will be saved", path.display());
        }
        let last = restored.map(|mut s| {
            s.saved_at.clear();
            s
        });
        Self { path, tx: thread.as_ref().map(|_| tx), thread, last, checked: None, sent: None }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Called every tick; builds the state at most every 100 ms. `stamp`: the wall time (the
    /// schedule's clock) it is saved at.
    pub fn offer(&mut self, now: Instant, capture: impl FnOnce() -> SavedState, stamp: impl FnOnce() -> String) {
        if self.checked.is_some_and(|c| now - c < CHECK) || self.sent.is_some_and(|s| now - s < MIN_GAP) {
            return;
        }
        self.checked = Some(now);
        let state = capture();
        if self.last.as_ref() == Some(&state) {
            return;
        }
        let Some(tx) = &self.tx else { return };
        let mut stamped = state.clone();
        stamped.saved_at = stamp();
        match tx.try_send(stamped) {
            Ok(()) => {
                self.last = Some(state);
                self.sent = Some(now);
            }
            // The writer is still busy with the last one (a slow disk): try again later.
            Err(TrySendError::Full(_)) => {}
            Err(TrySendError::Disconnected(_)) => self.tx = None,
        }
    }

    /// Saves the state now (the show is stopping) and waits for the writer.
    pub fn finish(&mut self, state: SavedState, stamp: String) {
        if let Some(tx) = self.tx.take() {
            if self.last.as_ref() != Some(&state) {
                let _ = tx.send(SavedState { saved_at: stamp, ..state });
            }
            drop(tx);
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for StateSaver {
    fn drop(&mut self) {
        self.tx.take();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The writer thread: each state as it comes. A failure is reported once (and again when it
/// changes), and that saving works again is reported too; the show goes on either way.
fn writer(path: &Path, rx: Receiver<SavedState>) {
    let mut failing: Option<String> = None;
    while let Ok(mut state) = rx.recv() {
        if let Ok(abs) = std::fs::canonicalize(&state.scene) {
            state.scene = abs;
        }
        match write_atomic(path, &state) {
            Ok(()) => {
                if failing.take().is_some() {
                    tracing::info!("state: saving to {} works again", path.display());
                }
            }
            Err(e) => {
                let why = e.to_string();
                if failing.as_deref() != Some(&why) {
                    tracing::warn!(
                        "state: cannot save {}: {why}; the show goes on, but a restart would not come back here \
                         (check the disk, or give another file with --state)",
                        path.display()
                    );
                    failing = Some(why);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state() -> SavedState {
        SavedState {
            quai_state: FORMAT,
            scene: PathBuf::from("/tmp/x.toml"),
            saved_at: "2026-12-02T08:00:00Z".into(),
            cues: BTreeMap::from([("picture".into(), "dusk".into())]),
            params: BTreeMap::from([("speed".into(), 2.0)]),
            live: BTreeMap::new(),
            opacity: BTreeMap::from([("wash".into(), 1.0)]),
            standby: false,
        }
    }

    #[test]
    fn a_written_state_reads_back_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/state.json");
        let scene = dir.path().join("x.toml");
        std::fs::write(&scene, "").unwrap();
        let mut s = state();
        s.scene = scene.clone();
        write_atomic(&path, &s).unwrap();
        assert_eq!(load(&path, &scene), Ok(Some(s)));
        let names: Vec<_> =
            std::fs::read_dir(path.parent().unwrap()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, vec![std::ffi::OsString::from("state.json")]);
    }

    #[test]
    fn corrupt_and_foreign_files_are_moved_aside() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        std::fs::write(&path, "{\"quai_state\": 1, \"scene\": ").unwrap();
        let e = load(&path, Path::new("/tmp/x.toml")).unwrap_err();
        assert!(matches!(&e, StateError::Corrupt { why, .. } if why.contains("line 1")), "{e}");
        assert!(!path.exists(), "moved aside");
        let kept: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert!(kept[0].to_string_lossy().starts_with("state.json.corrupt-"), "{kept:?}");

        write_atomic(&path, &state()).unwrap();
        let e = load(&path, Path::new("/elsewhere/y.toml")).unwrap_err();
        assert!(matches!(&e, StateError::Foreign { other, .. } if other == "/tmp/x.toml"), "{e}");
        assert_eq!(load(&path, Path::new("/tmp/x.toml")), Ok(None), "gone: the next start is fresh");
    }

    fn scene(text: &str) -> Scene {
        crate::scene::load_str(Path::new("s.toml"), text).unwrap_or_else(|e| panic!("{e}"))
    }

    /// What a show saves comes back into a scene that has since lost a cue, a parameter and a
    /// layer: the rest is restored, the missing names are listed.
    #[test]
    fn a_scene_edit_that_removes_things_leaves_the_rest_usable() {
        let before = scene(
            "[params.a]\n[params.gone]\n[[layers]]\nname = \"wash\"\ncolor = \"#ffffff\"\nvisible = false\n\
             [[layers]]\nname = \"old\"\ncolor = \"#000000\"\n\
             [[cues.main]]\nname = \"1\"\nfade = 30\nshow = [\"wash\"]\nset = { a = 0.8, gone = 1.0 }\n\
             [[cues.side]]\nname = \"x\"\n",
        );
        let mut params = ParamStore::new(&before.params);
        let mut control = Control::new(&before);
        let go = |l: &str| super::super::commands::Issued {
            t: 0.0,
            by: std::sync::Arc::from("test"),
            command: super::super::commands::Command::Go(Some(l.into())),
        };
        control.step(0.0, &mut vec![go("main"), go("side")], &before, &mut params);
        control.step(1.0, &mut vec![], &before, &mut params);
        let saved = SavedState::capture(&before, &params, &control);
        assert_eq!(saved.params.get("a"), Some(&0.8), "the fade's end, not where it is at 1 s of 30");
        assert_eq!(saved.opacity.get("wash"), Some(&1.0));

        let after = scene(
            "[params.a]\n[[layers]]\nname = \"wash\"\ncolor = \"#ffffff\"\nvisible = false\n\
             [[cues.main]]\nname = \"1\"\nshow = [\"wash\"]\n[[cues.side]]\nname = \"y\"\n",
        );
        let mut params = ParamStore::new(&after.params);
        let mut control = Control::new(&after);
        let r = saved.apply(&after, &mut params, &mut control);
        assert_eq!(r.cues, ["main/1"]);
        assert_eq!((r.params, r.layers), (1, 1));
        assert_eq!(r.missing, ["cue side/x", "parameter `gone`", "layer `old`"]);
        assert_eq!(control.engine().playhead(0), Some(0));
        assert_eq!((params.value(ParamId(0)), control.opacity()[0]), (0.8, 1.0));
        assert!(r.to_string().contains("left out, no longer in the scene: cue side/x"), "{r}");
    }

    #[test]
    fn default_paths_differ_by_folder() {
        let a = default_path(Path::new("/a/show.toml"));
        let b = default_path(Path::new("/b/show.toml"));
        assert_ne!(a, b);
        assert!(a.file_name().unwrap().to_string_lossy().starts_with("show-"));
    }
}
