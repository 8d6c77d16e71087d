//! Writing files so that a reader never sees half of one: write to a temporary file in the same
//! folder (`.NAME.XXXXXX.tmp`), then rename it over the target (atomic on the same file system).
//! On any error the target is untouched and the temporary file is removed; one left by a killed
//! process is recognised by [`is_leftover`] and removed when a sweep resumes.
//!
//! Files are not forced to the disk (no `fsync`): a failing or killed process never leaves half
//! a file, which is the promise; surviving a power loss is not, and forcing every output to
//! the disk cost a short run more wall time (tens of milliseconds, more while other processes
//! write) than its simulation.

use std::fs::File;
use std::io::{self, BufWriter};
use std::path::Path;

/// The suffix of temporary files.
const TMP_SUFFIX: &str = ".tmp";

/// Writes `path` through `fill`; on any error the target is untouched and the temporary file
/// is removed.
pub fn write_atomic(path: &Path, fill: impl FnOnce(&mut BufWriter<File>) -> io::Result<()>) -> io::Result<()> {
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::other(format!("{} is not a file path", path.display())))?;
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    // The temporary path removes its file when dropped, so every early return cleans up.
    let (file, tmp_path) = temporary_for(dir, &name.to_string_lossy())?;
    let mut writer = BufWriter::new(file);
    fill(&mut writer)?;
    writer.into_inner().map_err(io::IntoInnerError::into_error)?;
    tmp_path.persist(path).map_err(|e| e.error)
}

/// A new temporary file in `dir` for the output `name` (`.NAME.XXXXXX.tmp`), and its path, which
/// removes the file when dropped unless persisted. It is created with the permissions of any
/// new file (`0666` less the umask, so `0644` usually), not the owner-only `0600` of a private
/// temporary file, since it becomes the output once renamed.
pub fn temporary_for(dir: &Path, name: &str) -> io::Result<(File, tempfile::TempPath)> {
    let prefix = format!(".{name}.");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(TMP_SUFFIX);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    Ok(builder.tempfile_in(dir)?.into_parts())
}

/// Whether `name` is a temporary file of [`write_atomic`] (or of its earlier
/// `.NAME.tmp-PID` form) left behind by a process that was killed while writing.
pub fn is_leftover(name: &str) -> bool {
    name.starts_with('.') && (name.ends_with(TMP_SUFFIX) || name.contains(".tmp-"))
}

/// Removes the leftover temporary files of [`write_atomic`] from `dir` (not from its
/// subfolders); returns how many there were.
pub fn remove_leftovers(dir: &Path) -> io::Result<usize> {
    let mut removed = 0;
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_type()?.is_file() && entry.file_name().to_str().is_some_and(is_leftover) {
            std::fs::remove_file(entry.path())?;
            removed += 1;
        }
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn a_failed_write_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.csv");
        std::fs::write(&target, "old").unwrap();
        let err = write_atomic(&target, |w| {
            w.write_all(b"half")?;
            Err(io::Error::other("boom"))
        });
        assert!(err.is_err());
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "old");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temporary file left"
        );
        write_atomic(&target, |w| w.write_all(b"new")).unwrap();
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "new");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn outputs_get_the_permissions_of_any_new_file() {
        // A file created with mode 0666 gets 0666 less the umask; compare with a plain
        // `File::create` in the same folder, which does exactly that (and not the 0600 of a
        // private temporary file).
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.csv");
        write_atomic(&target, |w| w.write_all(b"x")).unwrap();
        let plain = dir.path().join("plain");
        File::create(&plain).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&target), mode(&plain));
    }

    #[test]
    fn leftovers_of_killed_writers_are_recognised_and_removed() {
        let dir = tempfile::tempdir().unwrap();
        for name in [
            ".sweep.csv.tmp-4242",
            ".aggregate.csv.a1B2c3.tmp",
            "sweep.csv",
            "notes.tmp",
        ] {
            std::fs::write(dir.path().join(name), "x").unwrap();
        }
        assert_eq!(remove_leftovers(dir.path()).unwrap(), 2);
        let mut left: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        assert_eq!(left, ["notes.tmp", "sweep.csv"]);
    }

    #[test]
    fn a_full_disk_leaves_the_old_file_and_no_temporary() {
        // /dev/full refuses every write with ENOSPC; a folder it cannot write into is the same
        // for the rename: here the fill itself fails as a full disk would.
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("summary.json");
        std::fs::write(&target, "old").unwrap();
        let err = write_atomic(&target, |w| {
            w.write_all(&[b'x'; 100_000])?;
            Err(io::Error::from(io::ErrorKind::StorageFull))
        })
        .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::StorageFull);
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "old");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
