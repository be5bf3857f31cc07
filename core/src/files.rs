//! Writing a file the user asked for (a PDF, a spreadsheet) so that it is whole or absent: a temporary
//! name beside the target, flushed to the device, then renamed. A full disk or a pulled USB stick leaves
//! at most a `.part` file, never a half-written document under the real name.

use std::io::Write;
use std::path::Path;

use crate::error::{Error, Result};

pub fn write_whole(path: &Path, bytes: &[u8]) -> Result<()> {
    let io = |e| Error::Io { path: path.display().to_string(), source: e };
    let mut tmp_name = path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    tmp_name.push(".part");
    let tmp = path.with_file_name(tmp_name);
    let written = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(io(e));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_file_is_written_whole_and_no_part_file_is_left() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("báo cáo.xlsx");
        super::write_whole(&path, b"abc").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"abc");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        let missing = dir.path().join("no-such-dir").join("x.pdf");
        assert!(super::write_whole(&missing, b"abc").is_err());
    }
}
