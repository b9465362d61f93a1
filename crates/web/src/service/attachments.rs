//! Files attached to a report: the signed deliberation (PDF) the signatory uploads when
//! adopting, and the supporting documents editors attach to an action (PDF, ODT, DOCX,
//! XLSX, ODS, PNG, JPEG), each with a title.
//!
//! A file's type is decided by its content, never by its name: PDF by its `%PDF-` header
//! and its `%%EOF` trailer, PNG and JPEG by their signatures, the office formats by a
//! bounded look into their zip (ODF's `mimetype` entry, OOXML's `[Content_Types].xml` and
//! main part), which also refuses archives whose declared content is out of proportion
//! (zip bombs). Contents are kept with their SHA-256, in the database, or in the directory
//! of `--fichiers DIR` (one file per SHA-256, written to a temporary name then renamed);
//! see ARCHITECTURE.md, "Attachments".

use std::io::{Cursor, Read, Write};
use std::path::{Path, PathBuf};

use bilan_store::{Attachment, AttachmentKind, NewAttachment, ReportSummary, StoreError, User};
use sha2::{Digest, Sha256};

use crate::error::AppError;
use crate::AppState;

/// Largest attached file: 10 Mo.
pub const MAX_BYTES: usize = 10 * 1024 * 1024;
/// Largest title, in characters.
pub const MAX_TITLE: usize = bilan_store::ATTACHMENT_TITLE_MAX_CHARS;
/// At most this many entries in an attached office document.
const MAX_ENTRIES: usize = 2_000;
/// At most this much declared decompressed content in an attached office document.
const MAX_UNZIPPED: u64 = 200 * 1024 * 1024;
/// At most this ratio of declared decompressed content to the file's size (ordinary
/// office documents stay well under 30).
const MAX_RATIO: u64 = 100;
/// The marker entries read to recognise an office format are read up to this size.
const MAX_MARKER: u64 = 256 * 1024;

/// A type of file a report may carry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileType {
    Pdf,
    Odt,
    Ods,
    Docx,
    Xlsx,
    Png,
    Jpeg,
}

impl FileType {
    pub fn media_type(self) -> &'static str {
        match self {
            FileType::Pdf => "application/pdf",
            FileType::Odt => "application/vnd.oasis.opendocument.text",
            FileType::Ods => "application/vnd.oasis.opendocument.spreadsheet",
            FileType::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            FileType::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            FileType::Png => "image/png",
            FileType::Jpeg => "image/jpeg",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            FileType::Pdf => "pdf",
            FileType::Odt => "odt",
            FileType::Ods => "ods",
            FileType::Docx => "docx",
            FileType::Xlsx => "xlsx",
            FileType::Png => "png",
            FileType::Jpeg => "jpg",
        }
    }
}

/// The types a supporting document may have, as the form says them.
pub const PIECE_TYPES: &str = "PDF, ODT, DOCX, XLSX, ODS, PNG ou JPEG";

/// The type of `bytes`, by their content; `Err` is the French reason of a refusal.
pub fn sniff(bytes: &[u8]) -> Result<FileType, String> {
    if bytes.is_empty() {
        return Err("le fichier est vide".into());
    }
    if bytes.starts_with(b"%PDF-") {
        // The trailer is at the end, possibly followed by a line end or a few bytes.
        let tail = &bytes[bytes.len().saturating_sub(1024)..];
        if tail.windows(5).any(|w| w == b"%%EOF") {
            return Ok(FileType::Pdf);
        }
        return Err("le fichier PDF est incomplet (pas de fin de fichier %%EOF)".into());
    }
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Ok(FileType::Png);
    }
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Ok(FileType::Jpeg);
    }
    if bytes.starts_with(b"PK\x03\x04") {
        return office(bytes);
    }
    Err(format!("le contenu du fichier n’est pas un des types acceptés ({PIECE_TYPES})"))
}

/// An office document (a zip): ODF by its `mimetype` entry, OOXML by its content types and
/// main part. Entries are only listed, and the two markers read, within bounds.
fn office(bytes: &[u8]) -> Result<FileType, String> {
    let unreadable = || "le fichier ressemble à une archive zip mais est illisible".to_string();
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| unreadable())?;
    if zip.len() > MAX_ENTRIES {
        return Err(format!("le document contient plus de {MAX_ENTRIES} fichiers internes : refusé"));
    }
    let mut declared: u64 = 0;
    for i in 0..zip.len() {
        let entry = zip.by_index_raw(i).map_err(|_| unreadable())?;
        declared = declared.saturating_add(entry.size());
    }
    if declared > MAX_UNZIPPED || declared > (bytes.len() as u64).saturating_mul(MAX_RATIO) {
        return Err(
            "le document se décompresse en un volume démesuré (bombe de décompression) : refusé".into()
        );
    }
    let mut read = |name: &str| -> Result<Option<Vec<u8>>, String> {
        let Ok(file) = zip.by_name(name) else { return Ok(None) };
        let declared = file.size();
        let mut out = Vec::new();
        file.take(MAX_MARKER + 1).read_to_end(&mut out).map_err(|_| unreadable())?;
        if out.len() as u64 > MAX_MARKER || out.len() as u64 != declared {
            return Err("le document contient une entrée de taille incohérente : refusé".into());
        }
        Ok(Some(out))
    };
    if let Some(m) = read("mimetype")? {
        return match m.as_slice() {
            b"application/vnd.oasis.opendocument.text" => Ok(FileType::Odt),
            b"application/vnd.oasis.opendocument.spreadsheet" => Ok(FileType::Ods),
            _ => Err(format!("document OpenDocument d’un type non accepté ({PIECE_TYPES})")),
        };
    }
    let Some(types) = read("[Content_Types].xml")? else {
        return Err(format!("archive zip qui n’est pas un document accepté ({PIECE_TYPES})"));
    };
    let types = String::from_utf8_lossy(&types);
    let has = |name: &str| zip.index_for_name(name).is_some();
    if types.contains("wordprocessingml.document.main+xml") && has("word/document.xml") {
        return Ok(FileType::Docx);
    }
    if types.contains("spreadsheetml.sheet.main+xml") && has("xl/workbook.xml") {
        return Ok(FileType::Xlsx);
    }
    Err(format!("document Office d’un type non accepté ({PIECE_TYPES})"))
}

/// SHA-256 in lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// A file name fit for a `Content-Disposition` header and a zip entry: the uploaded name's
/// letters, digits, `.`, `-` and `_` (accents dropped), the extension of its real type.
pub fn safe_file_name(name: &str, t: FileType) -> String {
    let stem = name.rsplit(['/', '\\']).next().unwrap_or("");
    let stem = stem.rsplit_once('.').map_or(stem, |(s, _)| s);
    let mut out: String = stem
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '-' | '_') { c } else { '-' })
        .collect();
    out = out.trim_matches('-').chars().take(80).collect();
    if out.is_empty() {
        out = "piece".into();
    }
    format!("{out}.{}", t.extension())
}

/// A checked upload, ready for the store.
pub struct Checked {
    pub attachment: NewAttachment,
}

/// Checks an uploaded file (size, then type by content; `allowed` are the types this
/// kind of attachment takes) and prepares its row. Writes the content to the files
/// directory when the server keeps files there (content-addressed: an attachment the
/// store then refuses leaves a file nobody names, never a wrong one).
pub async fn check(
    app: &AppState,
    kind: AttachmentKind,
    action: Option<String>,
    title: &str,
    file_name: &str,
    bytes: Vec<u8>,
) -> Result<Result<Checked, String>, AppError> {
    let title = title.trim();
    if title.is_empty() {
        return Ok(Err("indiquez le titre du document".into()));
    }
    if title.chars().count() > MAX_TITLE {
        return Ok(Err(format!("le titre dépasse {MAX_TITLE} caractères")));
    }
    if bytes.len() > MAX_BYTES {
        return Ok(Err("le fichier dépasse 10 Mo".into()));
    }
    if kind == AttachmentKind::Deliberation && !bytes.starts_with(b"%PDF-") {
        return Ok(Err(
            "la délibération signée doit être un fichier PDF : le contenu de ce fichier n’en est pas un"
                .into(),
        ));
    }
    let file_type = match sniff(&bytes) {
        Ok(t) => t,
        Err(e) => return Ok(Err(e)),
    };
    let sha256 = sha256_hex(&bytes);
    let size = bytes.len() as i64;
    let bytes = match &app.options.files_dir {
        Some(dir) => {
            let (dir, sha) = (dir.clone(), sha256.clone());
            tokio::task::spawn_blocking(move || write_file(&dir, &sha, &bytes))
                .await
                .map_err(AppError::internal)?
                .map_err(AppError::internal)?;
            None
        }
        None => Some(bytes),
    };
    Ok(Ok(Checked {
        attachment: NewAttachment {
            kind,
            action,
            title: title.to_string(),
            file_name: safe_file_name(file_name, file_type),
            media_type: file_type.media_type().to_string(),
            sha256,
            size,
            bytes,
        },
    }))
}

/// The path of the file of fingerprint `sha256` in the files directory.
fn file_path(dir: &Path, sha256: &str) -> PathBuf {
    dir.join(sha256)
}

/// Writes a content under its fingerprint, atomically: a temporary file in the same
/// directory, synced, then renamed (a reader sees the whole file or none). A file already
/// there is the same content: nothing to do.
fn write_file(dir: &Path, sha256: &str, bytes: &[u8]) -> std::io::Result<()> {
    let target = file_path(dir, sha256);
    if target.exists() {
        return Ok(());
    }
    std::fs::create_dir_all(dir)?;
    let tmp = dir.join(format!(".{sha256}.{}.tmp", std::process::id()));
    let mut f = std::fs::File::create(&tmp)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    drop(f);
    std::fs::rename(&tmp, &target)
}

/// The content of an attachment: from the database, or from the files directory (checked
/// against its fingerprint: a file changed on disk is an error, never served).
pub async fn content(app: &AppState, a: &Attachment) -> Result<Vec<u8>, AppError> {
    match app.store.attachment_content(&a.sha256).await? {
        Some(Some(bytes)) => Ok(bytes),
        Some(None) => {
            let Some(dir) = app.options.files_dir.clone() else {
                return Err(AppError::internal(format!(
                    "pièce jointe {} conservée hors de la base, mais aucun répertoire --fichiers n’est configuré",
                    a.id
                )));
            };
            let sha = a.sha256.clone();
            let bytes = tokio::task::spawn_blocking(move || std::fs::read(file_path(&dir, &sha)))
                .await
                .map_err(AppError::internal)?
                .map_err(|e| AppError::internal(format!("pièce jointe {} illisible : {e}", a.id)))?;
            if sha256_hex(&bytes) != a.sha256 {
                return Err(AppError::internal(format!(
                    "pièce jointe {} : empreinte SHA-256 différente",
                    a.id
                )));
            }
            Ok(bytes)
        }
        None => Err(AppError::internal(format!("pièce jointe {} sans contenu", a.id))),
    }
}

/// The attachments a user sees on a report they may see: the State the ones frozen with
/// the current (transmitted) version; the Département the working set.
pub fn visible<'a>(user: &User, s: &ReportSummary, all: &'a [Attachment]) -> Vec<&'a Attachment> {
    if user.role.is_state() {
        all.iter().filter(|a| a.frozen_version == Some(s.version)).collect()
    } else {
        all.iter().filter(|a| a.frozen_version.is_none()).collect()
    }
}

/// Whether `user` may download attachment `a` of a report they see: the State only the
/// frozen ones (what the Département transmitted), the Département any.
pub fn may_download(user: &User, a: &Attachment) -> bool {
    !user.role.is_state() || a.frozen_version.is_some()
}

/// The attachments of a report for a user.
pub async fn of_report(
    app: &AppState,
    user: &User,
    s: &ReportSummary,
) -> Result<Vec<Attachment>, StoreError> {
    let all = app.store.attachments(s.id).await?;
    Ok(visible(user, s, &all).into_iter().cloned().collect())
}

/// "1,2 Mo", "35 ko".
pub fn size_label(size: i64) -> String {
    if size >= 1024 * 1024 {
        let tenths = size * 10 / (1024 * 1024);
        format!("{},{} Mo", tenths / 10, tenths % 10)
    } else {
        format!("{} ko", (size + 1023) / 1024)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, data) in entries {
            let o = zip::write::SimpleFileOptions::default();
            w.start_file(*name, o).unwrap();
            w.write_all(data).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    #[test]
    fn types_are_found_by_content() {
        assert_eq!(sniff(b"%PDF-1.7\n...\n%%EOF\n"), Ok(FileType::Pdf));
        assert!(sniff(b"%PDF-1.7 truncated").unwrap_err().contains("%%EOF"));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\nrest"), Ok(FileType::Png));
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Ok(FileType::Jpeg));
        assert!(sniff(b"bonjour").unwrap_err().contains("PDF, ODT"));
        assert!(sniff(b"").is_err());
        let odt =
            zip_of(&[("mimetype", b"application/vnd.oasis.opendocument.text"), ("content.xml", b"<x/>")]);
        assert_eq!(sniff(&odt), Ok(FileType::Odt));
        let ods = zip_of(&[("mimetype", b"application/vnd.oasis.opendocument.spreadsheet")]);
        assert_eq!(sniff(&ods), Ok(FileType::Ods));
        let odp = zip_of(&[("mimetype", b"application/vnd.oasis.opendocument.presentation")]);
        assert!(sniff(&odp).is_err());
        let docx = zip_of(&[
            ("[Content_Types].xml", b"<Types><Override ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/></Types>"),
            ("word/document.xml", b"<w/>"),
        ]);
        assert_eq!(sniff(&docx), Ok(FileType::Docx));
        let xlsx = bilan_sheets::xlsx(
            &bilan_source::parse_str(include_str!("../../../../examples/allier-2019.toml")).unwrap().report,
        )
        .unwrap();
        assert_eq!(sniff(&xlsx), Ok(FileType::Xlsx));
        let plain = zip_of(&[("a.txt", b"a")]);
        assert!(sniff(&plain).is_err());
    }

    #[test]
    fn names_are_sanitised_and_typed_by_content() {
        assert_eq!(safe_file_name("Délibération n°12.PDF", FileType::Pdf), "D-lib-ration-n-12.pdf");
        assert_eq!(safe_file_name("../../etc/passwd", FileType::Png), "passwd.png");
        assert_eq!(safe_file_name("", FileType::Jpeg), "piece.jpg");
        assert_eq!(safe_file_name("a\"b.docx", FileType::Docx), "a-b.docx");
        assert_eq!(size_label(35 * 1024), "35 ko");
        assert_eq!(size_label(1024 * 1024 * 3 / 2), "1,5 Mo");
    }
}
