//! One zip of an issued set's six files.

use std::io::{Cursor, Write};

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

use crate::{Error, Pki};

impl Pki {
    /// The six PEM files in one zip (stored, not compressed: they are small
    /// and the page stays small). Keys get Unix mode 0600, certificates 0644.
    pub fn to_zip(&self) -> Result<Vec<u8>, Error> {
        let issued = issue_time(self);
        let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
        for file in self.files() {
            let mode = if file.private { 0o600 } else { 0o644 };
            let mut options = SimpleFileOptions::default()
                .compression_method(CompressionMethod::Stored)
                .unix_permissions(mode);
            if let Some(issued) = issued {
                options = options.last_modified_time(issued);
            }
            zip.start_file(file.name, options)
                .map_err(Error::zip_error)?;
            zip.write_all(file.contents.as_bytes())
                .map_err(|e| Error::Crypto(format!("writing the zip: {e}")))?;
        }
        let cursor = zip.finish().map_err(Error::zip_error)?;
        Ok(cursor.into_inner())
    }
}

/// The files' date: when the set was issued (the CA's notBefore), in UTC.
fn issue_time(pki: &Pki) -> Option<zip::DateTime> {
    let not_before = crate::CertInfo::from_der(&pki.ca.cert_der).ok()?.not_before;
    let t = time::OffsetDateTime::from_unix_timestamp(not_before).ok()?;
    let year = u16::try_from(t.year()).ok()?;
    zip::DateTime::from_date_and_time(
        year,
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
    )
    .ok()
}

impl Error {
    fn zip_error(e: zip::result::ZipError) -> Self {
        Self::Crypto(format!("writing the zip: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use crate::PkiParams;

    #[test]
    fn the_zip_holds_the_same_six_files() {
        let pki = PkiParams::default().issue().unwrap();
        let bytes = pki.to_zip().unwrap();
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        assert_eq!(archive.len(), 6);
        for file in pki.files() {
            let mut entry = archive.by_name(file.name).unwrap();
            let mut text = String::new();
            entry.read_to_string(&mut text).unwrap();
            assert_eq!(text, file.contents, "{}", file.name);
            let modified = entry.last_modified().unwrap();
            assert!(modified.year() >= 2025, "{modified:?}");
            let mode = entry.unix_mode().unwrap() & 0o777;
            assert_eq!(mode, if file.private { 0o600 } else { 0o644 });
        }
    }
}
