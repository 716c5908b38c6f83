//! The sACN CID (component identifier) of each LED output, stable for the installation: generated
//! once and kept in quai's state directory (`$XDG_STATE_HOME/quai`, else `~/.local/state/quai`), so
//! receivers and monitoring tools see the same source after every restart. Read on the sender
//! thread at start.

use std::path::PathBuf;

use super::sacn::Cid;

/// Where quai keeps state that belongs to the machine rather than to a scene.
pub fn state_dir() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_STATE_HOME").filter(|v| !v.is_empty()).map(PathBuf::from).or_else(|| {
        std::env::var_os("HOME").filter(|v| !v.is_empty()).map(|h| PathBuf::from(h).join(".local/state"))
    })?;
    Some(base.join("quai"))
}

/// The CID of the LED output `name`: read from its file, or made and saved there. When the file
/// cannot be written, the CID still works for this run and the warning says why it will change.
pub fn for_output(name: &str) -> Cid {
    match state_dir() {
        Some(dir) => in_dir(&dir, name),
        None => {
            tracing::warn!("sACN output `{name}`: no HOME or XDG_STATE_HOME, so its CID changes at every start");
            Cid::generate()
        }
    }
}

/// The CID of output `name` kept in `dir`.
fn in_dir(dir: &std::path::Path, name: &str) -> Cid {
    let safe: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' }).collect();
    let path = dir.join(format!("sacn-cid-{safe}"));
    if let Ok(text) = std::fs::read_to_string(&path) {
        match text.trim().parse::<Cid>() {
            Ok(cid) => return cid,
            Err(e) => tracing::warn!("{}: not a CID ({e}); making a new one", path.display()),
        }
    }
    let cid = Cid::generate();
    let tmp = path.with_extension("tmp");
    let written = std::fs::create_dir_all(dir)
        .and_then(|()| std::fs::write(&tmp, format!("{cid}\n")))
        .and_then(|()| std::fs::rename(&tmp, &path));
    match written {
        Ok(()) => tracing::info!("sACN output `{name}`: new CID {cid}, kept in {}", path.display()),
        Err(e) => tracing::warn!(
            "sACN output `{name}`: cannot save its CID to {} ({e}); it changes at every start until that \
             directory is writable",
            path.display()
        ),
    }
    cid
}

#[cfg(test)]
mod tests {
    /// An output keeps its CID across restarts (receivers see the same source), each output has
    /// its own, and a damaged file is replaced by a new CID rather than stopping the output.
    #[test]
    fn cid_is_kept_per_output_and_survives_restarts() {
        let dir = tempfile::tempdir().expect("dir");
        let a = super::in_dir(dir.path(), "canopy");
        assert_eq!(super::in_dir(dir.path(), "canopy"), a);
        assert_ne!(super::in_dir(dir.path(), "facade"), a);
        let file = dir.path().join("sacn-cid-canopy");
        assert_eq!(std::fs::read_to_string(&file).expect("file").trim(), a.to_string());
        std::fs::write(&file, "not a cid").expect("damage");
        let b = super::in_dir(dir.path(), "canopy");
        assert_ne!(b, a);
        assert_eq!(super::in_dir(dir.path(), "canopy"), b);
    }
}
