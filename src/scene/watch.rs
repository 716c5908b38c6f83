//! Hot reload: watches every file a scene was built from and, when one is saved, loads the scene
//! again on this module's loader thread and hands the result (prepared further by the caller's
//! closure, e.g. GPU pipelines) to the render thread through a channel. The render thread swaps at a
//! frame boundary; a broken edit arrives as an error and the last good scene keeps running.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use notify::{RecursiveMode, Watcher as _};

use super::{Files, ImageData, Scene, SceneErrors, reload_from};

/// What the loader thread reports after a change on disk.
pub enum Update<R> {
    /// The edited scene loaded and was prepared; `took` runs from the file event to ready.
    Ready { value: R, took: Duration },
    /// The edit does not load; the message lists every problem.
    Failed(String),
}

/// A running watcher; dropping it stops the loader thread and waits for it (see `Drop`).
pub struct SceneWatcher<R> {
    pub updates: Receiver<Update<R>>,
    stop: Option<mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// Longest wait for the loader thread to finish when the watcher is dropped: it notices within
/// 200 ms, unless it is in the middle of a load.
const JOIN_TIMEOUT: Duration = Duration::from_secs(10);

impl<R> Drop for SceneWatcher<R> {
    /// Stops the loader thread and waits for it, so that the GPU objects it holds (a device
    /// handle, cached pipelines and textures) are released before the caller goes on: a process
    /// that exits while another thread still tears down GPU objects can crash in the driver's
    /// exit handlers. Updates it still sends meanwhile are dropped.
    fn drop(&mut self) {
        self.stop.take();
        let Some(thread) = self.thread.take() else { return };
        let start = Instant::now();
        while !thread.is_finished() {
            while self.updates.try_recv().is_ok() {} // a loader blocked on a full channel goes on
            if start.elapsed() > JOIN_TIMEOUT {
                tracing::warn!("the scene loader did not stop within {} s; leaving it", JOIN_TIMEOUT.as_secs());
                return;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        let _ = thread.join();
    }
}

/// How long to wait for an editor to finish writing (several events per save) before reloading.
const SETTLE: Duration = Duration::from_millis(20);

impl<R: Send + 'static> SceneWatcher<R> {
    /// Watch the files `current` was built from and reload its main file when any changes. Images
    /// whose files did not change are taken over from the last good version, not decoded again.
    pub fn spawn(
        files_source: Arc<dyn Files>,
        current: &Scene,
        mut prepare: impl FnMut(Scene) -> Result<R, String> + Send + 'static,
    ) -> notify::Result<Self> {
        let (path, files) = (current.path.clone(), &current.files);
        let mut images: Vec<Arc<ImageData>> = current.images();
        let (event_tx, event_rx) = mpsc::channel::<notify::Result<notify::Event>>();
        let mut watcher = notify::recommended_watcher(event_tx)?;
        let (update_tx, updates) = mpsc::sync_channel(4);
        let (stop, stop_rx) = mpsc::channel::<()>();
        let mut watched = WatchSet::default();
        watched.update(&mut watcher, files);
        let thread = std::thread::Builder::new()
            .name("quai-loader".into())
            .spawn(move || {
                loop {
                    if !matches!(stop_rx.try_recv(), Err(mpsc::TryRecvError::Empty)) {
                        return;
                    }
                    let first = match event_rx.recv_timeout(Duration::from_millis(200)) {
                        Ok(Ok(ev)) if watched.touches(&ev) => Instant::now(),
                        Ok(Err(e)) => {
                            tracing::warn!("file watcher: {e}");
                            continue;
                        }
                        Ok(Ok(_)) | Err(RecvTimeoutError::Timeout) => continue,
                        Err(RecvTimeoutError::Disconnected) => return,
                    };
                    // Let the save settle: editors write, rename and touch in bursts.
                    while let Ok(_ev) = event_rx.recv_timeout(SETTLE) {}
                    // A panic while building (a bug in quai) costs this edit, not hot reload: it
                    // is reported like a broken edit and the loader waits for the next save.
                    let built = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        match reload_from(files_source.as_ref(), &path, &images) {
                            Ok(scene) => {
                                watched.update(&mut watcher, &scene.files);
                                images = scene.images();
                                match prepare(scene) {
                                    Ok(value) => Update::Ready { value, took: first.elapsed() },
                                    Err(msg) => Update::Failed(msg),
                                }
                            }
                            Err(SceneErrors { diagnostics, files }) => {
                                watched.update(&mut watcher, &files);
                                Update::Failed(SceneErrors { diagnostics, files: vec![] }.to_string())
                            }
                        }
                    }));
                    let update = built.unwrap_or_else(|p| Update::Failed(crashed(&path, p.as_ref())));
                    if update_tx.send(update).is_err() {
                        return;
                    }
                }
            })
            .map_err(|e| notify::Error::generic(&format!("cannot start the loader thread: {e}")))?;
        Ok(Self { updates, stop: Some(stop), thread: Some(thread) })
    }
}

/// The files of the scene, and the directories watched for them (watching a directory survives
/// editors that save by writing a new file and renaming it over the old one).
#[derive(Default)]
struct WatchSet {
    files: HashSet<PathBuf>,
    dirs: HashSet<PathBuf>,
}

impl WatchSet {
    fn update(&mut self, watcher: &mut notify::RecommendedWatcher, files: &[PathBuf]) {
        self.files = files.iter().map(|f| absolute(f)).collect();
        let dirs: HashSet<PathBuf> =
            self.files.iter().filter_map(|f| f.parent().map(Path::to_path_buf)).filter(|d| d.is_dir()).collect();
        for gone in self.dirs.difference(&dirs) {
            let _ = watcher.unwatch(gone);
        }
        for new in dirs.difference(&self.dirs) {
            if let Err(e) = watcher.watch(new, RecursiveMode::NonRecursive) {
                tracing::warn!("cannot watch {}: {e}", new.display());
            }
        }
        self.dirs = dirs;
    }

    fn touches(&self, ev: &notify::Event) -> bool {
        !ev.kind.is_access() && ev.paths.iter().any(|p| self.files.contains(&absolute(p)))
    }
}

fn absolute(p: &Path) -> PathBuf {
    std::path::absolute(p).map(|p| super::source::normalize(&p)).unwrap_or_else(|_| p.to_path_buf())
}

/// The message of a caught panic.
pub fn panic_text(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into())
}

/// The message for a loader that panicked while building `path`.
fn crashed(path: &Path, panic: &(dyn std::any::Any + Send)) -> String {
    let what = panic_text(panic);
    format!(
        "{}: the scene loader crashed while building this edit ({what}). This is a bug in quai; please \
         report it with the scene. Hot reload goes on: save again to retry",
        path.display()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn next<R>(w: &SceneWatcher<R>) -> Update<R> {
        w.updates.recv_timeout(Duration::from_secs(10)).unwrap_or_else(|_| panic!("no update within 10 s"))
    }

    /// A panic on the loader thread while building an edit (a bug in quai) is reported as a failed
    /// reload that says what crashed, and hot reload goes on: the next save loads. (It used to stop
    /// reloading without a word.)
    #[test]
    fn a_panic_while_building_is_reported_and_reload_goes_on() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("s.toml");
        let write = |name: &str| std::fs::write(&path, format!("[show]\nname = \"{name}\"\n")).expect("write");
        write("one");
        let scene = crate::scene::load(&path).expect("scene");
        let mut builds = 0;
        let w = SceneWatcher::spawn(Arc::new(super::super::Disk), &scene, move |s: Scene| {
            builds += 1;
            if builds == 1 {
                panic!("boom in the builder");
            }
            Ok(s.name)
        })
        .expect("watcher");
        std::thread::sleep(Duration::from_millis(100));
        write("two");
        match next(&w) {
            Update::Failed(msg) => {
                assert!(msg.contains("the scene loader crashed") && msg.contains("boom in the builder"), "{msg}");
                assert!(msg.contains("save again to retry"), "{msg}");
            }
            Update::Ready { value, .. } => panic!("the crashing build loaded `{value}`"),
        }
        write("three");
        match next(&w) {
            Update::Ready { value, .. } => assert_eq!(value, "three"),
            Update::Failed(msg) => panic!("reload after the crash failed: {msg}"),
        }
    }
}
