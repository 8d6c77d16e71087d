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
    persist(tmp_path, path)
}

/// Puts the finished temporary file `tmp` in the place of `target`. A symbolic link is written
/// through (the file it names is replaced, the link stays). A target that is neither a regular
/// file nor a folder (a device such as `/dev/stdout`, a named pipe) gets the contents written
/// into it, as it would without a temporary file: renaming over it would put a regular file in
/// its place (and, run as root, destroy a device).
pub fn persist(tmp: tempfile::TempPath, target: &Path) -> io::Result<()> {
    let target = through_links(target)?;
    match std::fs::metadata(&target) {
        Ok(meta) if !meta.is_file() && !meta.is_dir() => {
            let mut into = std::fs::OpenOptions::new().write(true).open(&target)?;
            io::copy(&mut File::open(&tmp)?, &mut into)?;
            Ok(())
        }
        _ => match tmp.persist(&target) {
            Ok(()) => Ok(()),
            // A link to another file system: the file goes through a temporary file there.
            Err(e) if e.error.kind() == io::ErrorKind::CrossesDevices => {
                let tmp = e.path;
                write_atomic(&target, |w| io::copy(&mut File::open(&tmp)?, w).map(drop))
            }
            Err(e) => Err(e.error),
        },
    }
}

/// `path` with the symbolic links it is followed to the path they name (a link's relative
/// target read from the link's folder).
fn through_links(path: &Path) -> io::Result<std::path::PathBuf> {
    let mut path = path.to_path_buf();
    for _ in 0..MAX_LINKS {
        match std::fs::symlink_metadata(&path) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let named = std::fs::read_link(&path)?;
                path = match path.parent() {
                    Some(dir) => dir.join(named),
                    None => named,
                };
            }
            _ => return Ok(path),
        }
    }
    Err(io::Error::other(format!(
        "{}: too many levels of symbolic links",
        path.display()
    )))
}

/// The most symbolic links followed in a row (Linux's own limit).
const MAX_LINKS: usize = 40;

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

    #[cfg(unix)]
    #[test]
    fn a_link_is_written_through_and_a_pipe_written_into() {
        use std::os::unix::fs::FileTypeExt;
        let dir = tempfile::tempdir().unwrap();
        // A link to a file in a subfolder: the file gets the new contents, the link stays.
        std::fs::create_dir(dir.path().join("real")).unwrap();
        std::fs::write(dir.path().join("real/target.csv"), "old").unwrap();
        let link = dir.path().join("link.csv");
        std::os::unix::fs::symlink("real/target.csv", &link).unwrap();
        write_atomic(&link, |w| w.write_all(b"new")).unwrap();
        assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
        assert_eq!(
            std::fs::read_to_string(dir.path().join("real/target.csv")).unwrap(),
            "new"
        );
        // A named pipe: what is written comes out of it, and it is still a pipe.
        let fifo = dir.path().join("pipe");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status().unwrap();
        assert!(made.success());
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
        };
        write_atomic(&fifo, |w| w.write_all(b"through the pipe")).unwrap();
        assert!(
            std::fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo(),
            "replaced by a file"
        );
        assert_eq!(reader.join().unwrap(), "through the pipe");
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(left.len(), 3, "no temporary file left: {left:?}");
    }
}
