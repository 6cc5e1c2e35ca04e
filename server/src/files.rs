//! Writing certificates and keys without losing or leaking anybody's keys.
//!
//! Every file certplay writes goes through [`SafeDir`]: the directory is
//! made with mode 0700 or, when it exists, must belong to the current user
//! and not be writable by group or others; a file is written to a new
//! temporary file in the same directory (`O_CREAT | O_EXCL | O_NOFOLLOW`,
//! mode 0600 for keys and 0644 for certificates, whatever the umask) and
//! then moved into place, so a reader never sees half a key and an existing
//! file's looser mode is never kept. A symbolic link is never followed nor
//! replaced, and an existing file is replaced only when the caller says so
//! ([`Existing::Replace`], the `--force` flag).

use std::ffi::OsStr;
use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// What to do when the target file already exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Existing {
    /// Keep it and fail with [`FileError::Exists`] (the default).
    Refuse,
    /// Replace it (never a symbolic link, never a directory).
    Replace,
}

/// Who may read the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// A private key: mode 0600.
    Private,
    /// A certificate or anything else public: mode 0644.
    Public,
}

impl Access {
    /// The Unix mode the file gets.
    pub fn mode(self) -> u32 {
        match self {
            Access::Private => 0o600,
            Access::Public => 0o644,
        }
    }
}

/// Why a directory or a file was refused or could not be written. Each
/// message names the path, what is wrong, and how to fix it.
#[derive(Debug)]
pub enum FileError {
    /// The directory could not be created.
    CreateDir { dir: PathBuf, source: io::Error },
    /// The directory (or its metadata) could not be read.
    ReadDir { dir: PathBuf, source: io::Error },
    /// The path exists but is not a directory.
    NotADirectory { dir: PathBuf },
    /// The directory belongs to another user, who could swap the files
    /// (`stake`: what they would swap, "the keys written there").
    ForeignOwner {
        dir: PathBuf,
        owner: u32,
        user: u32,
        stake: &'static str,
    },
    /// A directory above it (`parent`) lets group or others rename what
    /// it holds (writable, without the sticky bit /tmp has), so they could
    /// swap `dir` itself for one of theirs.
    ParentWritableByOthers {
        dir: PathBuf,
        parent: PathBuf,
        mode: u32,
    },
    /// Group or others may create, rename or delete files in the directory.
    WritableByOthers {
        dir: PathBuf,
        mode: u32,
        stake: &'static str,
    },
    /// A file name with a path separator or `..`, or empty.
    BadName { name: String },
    /// The target is a symbolic link: never followed nor replaced.
    Symlink { path: PathBuf },
    /// The target exists and is not a regular file.
    NotAFile { path: PathBuf },
    /// The target exists and replacing was not allowed.
    Exists { path: PathBuf },
    /// A file could not be read (or was too large to).
    Read {
        path: PathBuf,
        source: crate::input::ReadError,
    },
    /// Reading, writing or renaming failed.
    Io {
        path: PathBuf,
        action: &'static str,
        source: io::Error,
    },
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FileError::CreateDir { dir, source } => write!(
                f,
                "cannot create the directory {}: {source} (check the parent directory's permissions or choose another directory)",
                dir.display()
            ),
            FileError::ReadDir { dir, source } => {
                write!(f, "cannot read the directory {}: {source}", dir.display())
            }
            FileError::NotADirectory { dir } => write!(
                f,
                "{} exists and is not a directory: choose a directory (it is created if missing)",
                dir.display()
            ),
            FileError::ForeignOwner {
                dir,
                owner,
                user,
                stake,
            } => write!(
                f,
                "the directory {} belongs to user id {owner}, not to you (user id {user}): \
                 its owner could replace {stake}; use a directory of your own \
                 (or `chown {user} {}` if it should be yours)",
                dir.display(),
                dir.display()
            ),
            FileError::WritableByOthers { dir, mode, stake } => write!(
                f,
                "the directory {} has mode {mode:04o}: other users may swap {stake}; \
                 fix it with `chmod go-w {}` or use a directory of your own",
                dir.display(),
                dir.display()
            ),
            FileError::ParentWritableByOthers { dir, parent, mode } => write!(
                f,
                "the directory {} is inside {}, which has mode {mode:04o}: other users may \
                 rename what it holds and put a directory of theirs in place of {}; use a \
                 directory whose parents only you (or root) can write, or fix it with \
                 `chmod go-w {}` (or `chmod +t {}`, the sticky bit /tmp has)",
                dir.display(),
                parent.display(),
                dir.display(),
                parent.display(),
                parent.display()
            ),
            FileError::BadName { name } => write!(
                f,
                "{name:?} is not a plain file name (no '/', no '..'): this is a bug in certplay"
            ),
            FileError::Symlink { path } => write!(
                f,
                "{} is a symbolic link: certplay never writes through or replaces a link; \
                 remove it or choose another directory",
                path.display()
            ),
            FileError::NotAFile { path } => write!(
                f,
                "{} exists and is not a regular file: remove it or choose another directory",
                path.display()
            ),
            FileError::Exists { path } => write!(
                f,
                "{} already exists and was kept: pass --force to replace it, or choose another directory",
                path.display()
            ),
            FileError::Read { path, source } => {
                write!(f, "cannot read {}: {source}", path.display())
            }
            FileError::Io {
                path,
                action,
                source,
            } => write!(f, "cannot {action} {}: {source}", path.display()),
        }
    }
}

impl std::error::Error for FileError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            FileError::CreateDir { source, .. }
            | FileError::ReadDir { source, .. }
            | FileError::Io { source, .. } => Some(source),
            FileError::Read { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// A directory that was checked to be safe to write keys into.
#[derive(Debug, Clone)]
pub struct SafeDir {
    path: PathBuf,
}

impl SafeDir {
    /// Creates `path` (and missing parents) with mode 0700, or checks that
    /// the existing directory belongs to the current user and is not
    /// writable by group or others; either way no directory above it may
    /// let others swap it ([`check_parents`]).
    pub fn open(path: &Path) -> Result<SafeDir, FileError> {
        check_parents(path)?;
        match fs::metadata(path) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                fs::DirBuilder::new()
                    .recursive(true)
                    .mode(0o700)
                    .create(path)
                    .map_err(|source| FileError::CreateDir {
                        dir: path.to_path_buf(),
                        source,
                    })?;
            }
            Err(source) => {
                return Err(FileError::ReadDir {
                    dir: path.to_path_buf(),
                    source,
                })
            }
            Ok(_) => {}
        }
        let meta = fs::metadata(path).map_err(|source| FileError::ReadDir {
            dir: path.to_path_buf(),
            source,
        })?;
        check_dir(path, &meta, current_uid(), KEYS)?;
        Ok(SafeDir {
            path: path.to_path_buf(),
        })
    }

    /// The directory's path as given.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The path of `name` in this directory.
    pub fn join(&self, name: &str) -> PathBuf {
        self.path.join(name)
    }

    /// What is at `name` now, without following a symbolic link.
    pub fn entry(&self, name: &str) -> Result<Entry, FileError> {
        let path = self.target(name)?;
        match fs::symlink_metadata(&path) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Entry::Missing),
            Err(source) => Err(FileError::Io {
                path,
                action: "read",
                source,
            }),
            Ok(meta) if meta.file_type().is_symlink() => Ok(Entry::Symlink),
            Ok(meta) if meta.is_file() => Ok(Entry::File),
            Ok(_) => Ok(Entry::Other),
        }
    }

    /// Reads `name` through the one bounded reader, refusing a symbolic
    /// link.
    pub fn read(&self, name: &str) -> Result<Vec<u8>, FileError> {
        let path = self.target(name)?;
        let file = OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NOFOLLOW)
            .open(&path)
            .map_err(|source| link_or_io(&path, "read", source))?;
        crate::input::read_open(file).map_err(|source| FileError::Read { path, source })
    }

    /// Writes `contents` to `name` via a new temporary file renamed into
    /// place. A symbolic link or a non-file at `name` is always refused; an
    /// existing file only with [`Existing::Replace`].
    pub fn write(
        &self,
        name: &str,
        contents: &[u8],
        access: Access,
        existing: Existing,
    ) -> Result<PathBuf, FileError> {
        let path = self.target(name)?;
        match self.entry(name)? {
            Entry::Missing => {}
            Entry::Symlink => return Err(FileError::Symlink { path }),
            Entry::Other => return Err(FileError::NotAFile { path }),
            Entry::File if existing == Existing::Refuse => return Err(FileError::Exists { path }),
            Entry::File => {}
        }
        let (temp_path, mut temp) = self.temp_file(name, access)?;
        let written = temp
            .write_all(contents)
            .and_then(|()| temp.sync_all())
            .map_err(|source| FileError::Io {
                path: temp_path.clone(),
                action: "write",
                source,
            })
            .and_then(|()| self.place(&temp_path, &path, existing));
        if written.is_err() {
            let _ = fs::remove_file(&temp_path);
        }
        written.map(|()| path)
    }

    /// Moves the finished temporary file to `path`. Without replace, a hard
    /// link fails atomically if something appeared at `path` meanwhile.
    fn place(&self, temp: &Path, path: &Path, existing: Existing) -> Result<(), FileError> {
        match existing {
            Existing::Replace => fs::rename(temp, path).map_err(|source| FileError::Io {
                path: path.to_path_buf(),
                action: "move into place",
                source,
            }),
            Existing::Refuse => {
                fs::hard_link(temp, path).map_err(|source| {
                    if source.kind() == io::ErrorKind::AlreadyExists {
                        FileError::Exists {
                            path: path.to_path_buf(),
                        }
                    } else {
                        FileError::Io {
                            path: path.to_path_buf(),
                            action: "move into place",
                            source,
                        }
                    }
                })?;
                fs::remove_file(temp).map_err(|source| FileError::Io {
                    path: temp.to_path_buf(),
                    action: "remove the temporary file",
                    source,
                })
            }
        }
    }

    /// A new file beside the target, created exclusively with its final
    /// mode (set again with fchmod: the umask cannot loosen or tighten it).
    fn temp_file(&self, name: &str, access: Access) -> Result<(PathBuf, File), FileError> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        loop {
            let n = COUNTER.fetch_add(1, Ordering::Relaxed);
            let temp = self
                .path
                .join(format!(".{name}.certplay-{}-{n}.tmp", std::process::id()));
            let opened = OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(access.mode())
                .custom_flags(libc::O_NOFOLLOW)
                .open(&temp);
            match opened {
                Ok(file) => {
                    let mode = fs::Permissions::from_mode(access.mode());
                    if let Err(source) = file.set_permissions(mode) {
                        let _ = fs::remove_file(&temp);
                        return Err(FileError::Io {
                            path: temp,
                            action: "set the mode of",
                            source,
                        });
                    }
                    return Ok((temp, file));
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists && n < u64::MAX => continue,
                Err(source) => {
                    return Err(FileError::Io {
                        path: temp,
                        action: "create",
                        source,
                    })
                }
            }
        }
    }

    fn target(&self, name: &str) -> Result<PathBuf, FileError> {
        let plain = !name.is_empty()
            && name != "."
            && name != ".."
            && !name.contains('/')
            && Path::new(name).file_name() == Some(OsStr::new(name));
        if plain {
            Ok(self.path.join(name))
        } else {
            Err(FileError::BadName {
                name: name.to_owned(),
            })
        }
    }
}

/// What a name in a [`SafeDir`] is now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry {
    /// Nothing there.
    Missing,
    /// A regular file.
    File,
    /// A symbolic link (to anything, or dangling).
    Symlink,
    /// A directory, socket, device...
    Other,
}

/// The real user id of this process.
pub fn current_uid() -> u32 {
    rustix::process::getuid().as_raw()
}

/// What another user could swap in a directory certplay writes.
const KEYS: &str = "the keys written there";

/// Checks a directory certplay reads and serves from but never writes (the
/// page directory) as [`SafeDir::open`] checks one it writes: it must be a
/// directory of the current user that group and others cannot write.
pub fn check_served_dir(path: &Path) -> Result<(), FileError> {
    let meta = fs::metadata(path).map_err(|source| FileError::ReadDir {
        dir: path.to_path_buf(),
        source,
    })?;
    check_dir(path, &meta, current_uid(), "the files served from there")
}

fn check_dir(
    path: &Path,
    meta: &fs::Metadata,
    user: u32,
    stake: &'static str,
) -> Result<(), FileError> {
    if !meta.is_dir() {
        return Err(FileError::NotADirectory {
            dir: path.to_path_buf(),
        });
    }
    if meta.uid() != user {
        return Err(FileError::ForeignOwner {
            dir: path.to_path_buf(),
            owner: meta.uid(),
            user,
            stake,
        });
    }
    let mode = meta.mode() & 0o7777;
    if mode & 0o022 != 0 {
        return Err(FileError::WritableByOthers {
            dir: path.to_path_buf(),
            mode,
            stake,
        });
    }
    Ok(())
}

/// Refuses `dir` when a directory above it, as written or as its links
/// resolve, is writable by group or others without the sticky bit: they
/// could rename `dir` (or a directory on the way) and put theirs in its
/// place. A sticky directory such as /tmp lets only an entry's owner
/// rename it, so it is allowed.
pub fn check_parents(dir: &Path) -> Result<(), FileError> {
    let written = std::path::absolute(dir).map_err(|source| FileError::ReadDir {
        dir: dir.to_path_buf(),
        source,
    })?;
    // The deepest directory that exists, with its links resolved (`dir`
    // itself is checked as a directory, not as a parent).
    let resolved = written.ancestors().find_map(|existing| {
        let skip = usize::from(existing == written);
        fs::canonicalize(existing).ok().map(|r| (r, skip))
    });
    let parents = written.ancestors().skip(1).chain(
        resolved
            .iter()
            .flat_map(|(resolved, skip)| resolved.ancestors().skip(*skip)),
    );
    for parent in parents {
        let meta = match fs::metadata(parent) {
            Ok(meta) => meta,
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(source) => {
                return Err(FileError::ReadDir {
                    dir: parent.to_path_buf(),
                    source,
                })
            }
        };
        let mode = meta.mode() & 0o7777;
        if meta.is_dir() && mode & 0o022 != 0 && mode & 0o1000 == 0 {
            return Err(FileError::ParentWritableByOthers {
                dir: dir.to_path_buf(),
                parent: parent.to_path_buf(),
                mode,
            });
        }
    }
    Ok(())
}

/// `open(O_NOFOLLOW)` on a link fails with ELOOP: say "symbolic link".
fn link_or_io(path: &Path, action: &'static str, source: io::Error) -> FileError {
    if source.raw_os_error() == Some(libc::ELOOP) {
        FileError::Symlink {
            path: path.to_path_buf(),
        }
    } else {
        FileError::Io {
            path: path.to_path_buf(),
            action,
            source,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(path: &Path) -> u32 {
        fs::symlink_metadata(path).expect("stat").mode() & 0o777
    }

    #[test]
    fn a_new_directory_is_private_and_files_get_their_modes() {
        let root = tempfile::tempdir().expect("temp dir");
        let dir_path = root.path().join("a/b");
        let dir = SafeDir::open(&dir_path).expect("made");
        assert_eq!(mode(&dir_path), 0o700);
        let key = dir
            .write("k.key", b"secret", Access::Private, Existing::Refuse)
            .expect("key");
        let cert = dir
            .write("c.crt", b"public", Access::Public, Existing::Refuse)
            .expect("cert");
        assert_eq!(mode(&key), 0o600);
        assert_eq!(mode(&cert), 0o644);
        assert_eq!(fs::read(&key).expect("read"), b"secret");
        // No temporary file is left behind.
        let names: Vec<_> = fs::read_dir(&dir_path)
            .expect("list")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(names.len(), 2, "{names:?}");
    }

    #[test]
    fn an_existing_file_is_kept_unless_replace_and_then_gets_the_new_mode() {
        let root = tempfile::tempdir().expect("temp dir");
        let dir = SafeDir::open(root.path()).expect("dir");
        let path = root.path().join("server.key");
        fs::write(&path, b"theirs").expect("write");
        fs::set_permissions(&path, fs::Permissions::from_mode(0o666)).expect("chmod");
        let refused = dir
            .write("server.key", b"ours", Access::Private, Existing::Refuse)
            .expect_err("must refuse");
        assert!(matches!(refused, FileError::Exists { .. }), "{refused}");
        let message = refused.to_string();
        assert!(
            message.contains("server.key") && message.contains("--force"),
            "{message}"
        );
        assert_eq!(fs::read(&path).expect("read"), b"theirs");
        dir.write("server.key", b"ours", Access::Private, Existing::Replace)
            .expect("replaced");
        assert_eq!(fs::read(&path).expect("read"), b"ours");
        assert_eq!(mode(&path), 0o600, "the old 0666 must not survive");
    }

    #[test]
    fn a_symlinked_target_is_never_followed_nor_replaced() {
        let root = tempfile::tempdir().expect("temp dir");
        let dir = SafeDir::open(&root.path().join("d")).expect("dir");
        let victim = root.path().join("victim");
        fs::write(&victim, b"precious").expect("write");
        std::os::unix::fs::symlink(&victim, dir.join("ca.key")).expect("link");
        for existing in [Existing::Refuse, Existing::Replace] {
            let refused = dir
                .write("ca.key", b"new", Access::Private, existing)
                .expect_err("must refuse");
            assert!(matches!(refused, FileError::Symlink { .. }), "{refused}");
        }
        assert_eq!(fs::read(&victim).expect("read"), b"precious");
        assert!(fs::symlink_metadata(dir.join("ca.key"))
            .expect("stat")
            .file_type()
            .is_symlink());
        assert!(matches!(dir.read("ca.key"), Err(FileError::Symlink { .. })));
        // A dangling link too: creating through it would make a file elsewhere.
        std::os::unix::fs::symlink(root.path().join("nowhere"), dir.join("x.key")).expect("link");
        assert!(matches!(
            dir.write("x.key", b"new", Access::Private, Existing::Refuse),
            Err(FileError::Symlink { .. })
        ));
        assert!(!root.path().join("nowhere").exists());
    }

    #[test]
    fn a_directory_writable_by_others_is_refused_with_the_fix() {
        let root = tempfile::tempdir().expect("temp dir");
        for loose in [0o777, 0o1777, 0o770] {
            fs::set_permissions(root.path(), fs::Permissions::from_mode(loose)).expect("chmod");
            let refused = SafeDir::open(root.path()).expect_err("must refuse");
            assert!(
                matches!(refused, FileError::WritableByOthers { .. }),
                "{refused}"
            );
            assert!(refused.to_string().contains("chmod go-w"), "{refused}");
        }
        fs::set_permissions(root.path(), fs::Permissions::from_mode(0o755)).expect("chmod");
        SafeDir::open(root.path()).expect("0755 is fine");
    }

    /// Issue 23: `chmod 777 W; certplay issue --out W/sub` succeeded, so
    /// whoever can write W could swap sub later. Any parent, as written or
    /// through a link, is checked; a sticky one (as /tmp) is allowed.
    #[test]
    fn a_parent_writable_by_others_is_refused_unless_sticky() {
        let root = tempfile::tempdir().expect("temp dir");
        let w = root.path().join("W");
        fs::create_dir(&w).expect("W");
        for loose in [0o777, 0o775] {
            fs::set_permissions(&w, fs::Permissions::from_mode(loose)).expect("chmod");
            for below in ["sub", "sub/deeper", "demo"] {
                let refused = SafeDir::open(&w.join(below)).expect_err(below);
                assert!(
                    matches!(&refused, FileError::ParentWritableByOthers { parent, .. } if parent == &w),
                    "{below}: {refused}"
                );
                let words = refused.to_string();
                assert!(
                    words.contains("other users may rename") && words.contains("chmod go-w"),
                    "{words}"
                );
            }
            assert!(!w.join("sub").exists(), "nothing was made in W");
        }
        // A link to a directory inside W: the path as written looks safe.
        let link = root.path().join("safe-looking");
        std::os::unix::fs::symlink(&w, &link).expect("link");
        assert!(matches!(
            SafeDir::open(&link.join("sub")),
            Err(FileError::ParentWritableByOthers { .. })
        ));
        // Sticky, as /tmp: allowed (and /tmp itself is always a parent here).
        fs::set_permissions(&w, fs::Permissions::from_mode(0o1777)).expect("chmod");
        SafeDir::open(&w.join("sub")).expect("a sticky parent is fine");
        fs::set_permissions(&w, fs::Permissions::from_mode(0o755)).expect("chmod");
        SafeDir::open(&w.join("other")).expect("0755 is fine");
    }

    #[test]
    fn a_directory_of_another_user_is_refused() {
        let root = tempfile::tempdir().expect("temp dir");
        let meta = fs::metadata(root.path()).expect("stat");
        // Checked against another user id, so the test needs no root.
        let other = meta.uid().wrapping_add(1);
        let refused = check_dir(root.path(), &meta, other, KEYS).expect_err("must refuse");
        assert!(
            matches!(refused, FileError::ForeignOwner { .. }),
            "{refused}"
        );
        assert!(refused.to_string().contains("not to you"), "{refused}");
        // And for real where we can: root hands the directory to nobody.
        if current_uid() == 0 {
            std::os::unix::fs::chown(root.path(), Some(65534), Some(65534)).expect("chown");
            assert!(matches!(
                SafeDir::open(root.path()),
                Err(FileError::ForeignOwner { .. })
            ));
        }
    }

    #[test]
    fn a_file_where_the_directory_should_be_is_refused() {
        let root = tempfile::tempdir().expect("temp dir");
        let file = root.path().join("f");
        fs::write(&file, b"x").expect("write");
        assert!(matches!(
            SafeDir::open(&file),
            Err(FileError::NotADirectory { .. })
        ));
    }

    #[test]
    fn names_with_paths_are_refused() {
        let root = tempfile::tempdir().expect("temp dir");
        let dir = SafeDir::open(root.path()).expect("dir");
        for name in ["", ".", "..", "../x", "a/b", "/etc/passwd"] {
            assert!(
                matches!(
                    dir.write(name, b"x", Access::Public, Existing::Replace),
                    Err(FileError::BadName { .. })
                ),
                "{name}"
            );
        }
    }
}
