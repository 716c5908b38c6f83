//! Where scene text comes from: the disk, or the scenes and shaders bundled into the binary.
//! Runs on whichever thread loads a scene (the loader thread during `quai run`).

use std::collections::HashMap;
use std::io;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use super::model::FileStamp;

/// A file open for reading in place: sound files are probed at load, not read whole.
pub trait ReadSeek: io::Read + io::Seek + Send + Sync {}
impl<T: io::Read + io::Seek + Send + Sync> ReadSeek for T {}

/// Something scene files, includes, shaders and images can be read from.
pub trait Files: Send + Sync {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>>;
    /// Open a file to read parts of it (a sound file's header). Default: read it whole.
    fn open(&self, path: &Path) -> io::Result<Box<dyn ReadSeek>> {
        Ok(Box::new(io::Cursor::new(self.read(path)?)))
    }
    /// Whether paths from this source are real files that can be watched for changes.
    fn is_disk(&self) -> bool {
        false
    }
    /// A cheap stamp of the file's current version, without reading it, where the source has one
    /// (see [`FileStamp::Disk`]); `None` means: compare contents.
    fn stamp(&self, _path: &Path) -> Option<FileStamp> {
        None
    }
}

/// The real file system.
#[derive(Debug, Default, Clone, Copy)]
pub struct Disk;

impl Files for Disk {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        std::fs::read(path)
    }
    fn open(&self, path: &Path) -> io::Result<Box<dyn ReadSeek>> {
        Ok(Box::new(std::fs::File::open(path)?))
    }
    fn is_disk(&self) -> bool {
        true
    }
    #[cfg(unix)]
    fn stamp(&self, path: &Path) -> Option<FileStamp> {
        use std::os::unix::fs::MetadataExt;
        let m = std::fs::metadata(path).ok()?;
        let ctime_ns = i128::from(m.ctime()) * 1_000_000_000 + i128::from(m.ctime_nsec());
        Some(FileStamp::Disk { len: m.len(), ino: m.ino(), ctime_ns })
    }
}

/// An in-memory set of files: the bundled scenes, and tests.
#[derive(Debug, Default, Clone)]
pub struct MemoryFiles {
    files: HashMap<PathBuf, Arc<[u8]>>,
}

impl MemoryFiles {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn insert(&mut self, path: impl AsRef<Path>, bytes: impl Into<Vec<u8>>) -> &mut Self {
        self.files.insert(normalize(path.as_ref()), Arc::from(bytes.into()));
        self
    }
}

impl Files for MemoryFiles {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        self.files
            .get(&normalize(path))
            .map(|b| b.to_vec())
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no such file"))
    }
}

/// Lexically normalise a path (`a/./b/../c` → `a/c`) without touching the disk, so bundled files and
/// include cycles compare equal however they were spelled.
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if matches!(out.components().next_back(), Some(Component::Normal(_))) {
                    out.pop();
                } else if !out.has_root() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// Resolve `rel` as written in `from` (a file path).
pub fn resolve(from: &Path, rel: &str) -> PathBuf {
    let base = from.parent().unwrap_or(Path::new(""));
    normalize(&base.join(rel))
}

/// One text file that took part in loading a scene, with a line index for diagnostics.
#[derive(Debug, Clone)]
pub struct SourceText {
    pub path: PathBuf,
    pub text: String,
    line_starts: Vec<usize>,
}

impl SourceText {
    pub fn new(path: PathBuf, text: String) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Self { path, text, line_starts }
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.line_starts.partition_point(|&s| s <= offset) - 1;
        let start = self.line_starts[line];
        let col = self.text[start..floor_char(&self.text, offset)].chars().count();
        (line + 1, col + 1)
    }

    /// Text of a 1-based line, without its line break.
    pub fn line(&self, line: usize) -> &str {
        let Some(&start) = self.line_starts.get(line.wrapping_sub(1)) else {
            return "";
        };
        let end = self.line_starts.get(line).copied().unwrap_or(self.text.len());
        self.text[start..end].trim_end_matches(['\n', '\r'])
    }
}

fn floor_char(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_dots() {
        assert_eq!(normalize(Path::new("scenes/../shaders/./a.wgsl")), PathBuf::from("shaders/a.wgsl"));
        assert_eq!(normalize(Path::new("../a")), PathBuf::from("../a"));
        assert_eq!(resolve(Path::new("scenes/demo.toml"), "../shaders/x.wgsl"), PathBuf::from("shaders/x.wgsl"));
    }

    #[test]
    fn line_col_counts_characters() {
        let s = SourceText::new("a".into(), "ab\nçd = 1\n".into());
        assert_eq!(s.line_col(0), (1, 1));
        assert_eq!(s.line_col(3), (2, 1));
        assert_eq!(s.line_col(6), (2, 3));
        assert_eq!(s.line(2), "çd = 1");
    }
}
