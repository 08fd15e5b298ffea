//! Files only this user may read: hotnode's cache holds the app's transformed sources and the
//! runtime node runs, so its folders are 0700 and its files 0600 (umask or not).

use std::fs::{self, DirBuilder, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

/// `dir` and the folders above it that do not exist yet, each 0700.
pub fn create_dir_all(dir: &Path) -> std::io::Result<()> {
    DirBuilder::new().recursive(true).mode(0o700).create(dir)
}

/// A folder made before hotnode made them private: 0700 from now on.
pub fn make_private(dir: &Path) -> std::io::Result<()> {
    let mode = fs::metadata(dir)?.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

/// A new file with `bytes`, 0600.
pub fn write(file: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut out = OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(file)?;
    out.write_all(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_and_files_are_the_users_alone() {
        let root = std::env::temp_dir().join(format!("hotnode-private-{}", std::process::id()));
        let _ = fs::remove_dir_all(&root);
        create_dir_all(&root.join("a/b")).unwrap();
        write(&root.join("a/b/f"), b"x").unwrap();
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!((mode(&root), mode(&root.join("a/b")), mode(&root.join("a/b/f"))), (0o700, 0o700, 0o600));
        fs::set_permissions(&root, fs::Permissions::from_mode(0o755)).unwrap();
        make_private(&root).unwrap();
        assert_eq!(mode(&root), 0o700);
        fs::remove_dir_all(root).unwrap();
    }
}
