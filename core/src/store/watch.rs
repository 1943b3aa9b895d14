//! Notices when the database file a connection holds was deleted or replaced under it. SQLite
//! does not: it goes on writing into an unlinked file that no one can ever open again.

use super::StorageError;
use std::path::{Path, PathBuf};

/// A path and the identity (device, inode) of the file it named when taken.
#[derive(Debug, Clone)]
pub(crate) struct FileId {
    pub path: PathBuf,
    id: Option<(u64, u64)>,
}

impl FileId {
    pub fn of(path: &Path) -> FileId {
        FileId {
            path: path.to_path_buf(),
            id: identity(path),
        }
    }

    /// `Err` when the path no longer names the file this was taken from.
    pub fn check(&self) -> Result<(), StorageError> {
        match identity(&self.path) {
            Some(now) if Some(now) == self.id => Ok(()),
            _ => Err(StorageError::Moved {
                path: self.path.clone(),
            }),
        }
    }
}

#[cfg(unix)]
fn identity(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

/// Elsewhere an open file cannot be deleted; only its presence is checked.
#[cfg(not(unix))]
fn identity(path: &Path) -> Option<(u64, u64)> {
    std::fs::metadata(path).ok().map(|_| (0, 0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_deleted_or_replaced_file_is_noticed() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("f");
        std::fs::write(&path, b"1").unwrap();
        let id = FileId::of(&path);
        assert!(id.check().is_ok());
        std::fs::write(&path, b"22").unwrap();
        assert!(id.check().is_ok(), "rewriting in place is the same file");
        let other = tmp.path().join("g");
        std::fs::write(&other, b"3").unwrap();
        std::fs::rename(&other, &path).unwrap();
        assert!(id.check().is_err(), "replaced");
        let id = FileId::of(&path);
        std::fs::remove_file(&path).unwrap();
        let e = id.check().unwrap_err();
        assert!(e.to_string().contains("deleted or replaced"), "{e}");
    }
}
