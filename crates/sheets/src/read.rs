//! Reading an uploaded annex workbook back: the inverse of [`crate::layout`].
//!
//! [`read_annex`] is a pure function from the uploaded bytes to the annex values (one
//! [`AnnexRow`] per expense row), or French errors naming the sheet and cell. It does
//! bounded work whatever the input, before anything is allocated for the sheet (see
//! [`Limits`]):
//!
//! - the file size is checked first;
//! - the zip is read entry by entry: the declared size of an entry is checked, and its
//!   decompressed bytes are read through a counting reader that fails as soon as the entry
//!   or the total of entries read exceeds its cap (a declared size is never trusted);
//! - the XML is streamed (quick-xml): cells are placed as they arrive, and the declared
//!   dimension (`<dimension ref>`), every cell coordinate and ODS repeat counts
//!   (`table:number-rows-repeated`, `table:number-columns-repeated`) are checked against
//!   the sheet limits before a cell is stored; empty repeated ODS cells and rows (how
//!   LibreOffice writes the rest of a sheet) are skipped, never expanded;
//! - the number of cells, of shared strings and the length of every text are capped.
//!
//! Only XLSX and ODS are read; no formula is evaluated (the cached value is read).
//! [`apply_annex`] then maps the rows onto a report, by action number and label.

use std::cell::Cell as Counter;
use std::collections::BTreeMap;
use std::fmt;
use std::io::{self, BufReader, Cursor, Read};

use bilan_domain::{Amount, Money, Report};
use quick_xml::events::{BytesRef, BytesStart, Event};
use quick_xml::Reader;

use crate::annex::TOTAL_LABEL;
use crate::layout::{col, SHEET_NAME};

/// The bounds of an annex upload. [`LIMITS`] is the policy (ARCHITECTURE.md, "Uploads").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Size of the uploaded file, in bytes.
    pub max_file: usize,
    /// Number of entries in the zip's central directory.
    pub max_entries: usize,
    /// Decompressed size of one zip entry that is read, in bytes.
    pub max_entry: u64,
    /// Decompressed size of all the zip entries read, in bytes.
    pub max_total: u64,
    /// Rows of the sheet (1-based row numbers up to this).
    pub max_rows: u32,
    /// Columns of the sheet (A to the `max_columns`-th letter).
    pub max_columns: u16,
    /// Cells stored (XLSX: `<c>` elements; ODS: non-empty cells after repetition).
    pub max_cells: usize,
    /// Characters of one cell's text (Excel's own limit).
    pub max_text: usize,
    /// Entries of the XLSX shared strings table.
    pub max_shared_strings: usize,
}

/// The upload policy: an annex has a few hundred rows at most; these leave a wide margin
/// while keeping the work of any upload to a few tens of megabytes.
pub const LIMITS: Limits = Limits {
    max_file: 5 * 1024 * 1024,
    max_entries: 10_000,
    max_entry: 16 * 1024 * 1024,
    max_total: 32 * 1024 * 1024,
    max_rows: 5_000,
    max_columns: 16,
    max_cells: 80_000,
    max_text: 32_767,
    max_shared_strings: 100_000,
};

/// Why an uploaded annex is refused: a French message and, when there is one, the cell
/// it concerns (« Annexe financière!G12 »).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadError {
    pub message: String,
    pub cell: Option<String>,
}

impl ReadError {
    fn new(message: impl Into<String>) -> ReadError {
        ReadError { message: message.into(), cell: None }
    }
    fn at(cell: String, message: impl Into<String>) -> ReadError {
        ReadError { message: message.into(), cell: Some(cell) }
    }
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.cell {
            Some(c) => write!(f, "{c} : {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for ReadError {}

/// One expense row of an uploaded annex, as read (not yet matched to the report).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnnexRow {
    /// 0-based row of the sheet.
    pub row: u32,
    /// Action number as printed (« 1.1.1 »).
    pub action: String,
    /// Expense label, formula neutralisation undone.
    pub label: String,
    /// Montant inscrit, réalisé, à reporter (`None`: empty cell).
    pub amounts: [Option<Amount>; 3],
    pub comment: String,
}

/// The values of an uploaded annex.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnnexValues {
    /// The sheet read: « Annexe financière » when present, else the first one.
    pub sheet: String,
    pub rows: Vec<AnnexRow>,
}

/// A cell's value as stored in the file.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Text(String),
    Number(f64),
    Bool(bool),
    /// A date, a time, an error value: shown as written.
    Other(String),
}

/// The cells of one sheet (0-based row, column), at most [`Limits::max_cells`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Sheet {
    pub name: String,
    pub cells: BTreeMap<(u32, u16), Value>,
}

/// A cell reference as users read it: « Annexe financière!G12 » (0-based row and column;
/// any size, for coordinates beyond the limits).
pub fn cell_ref(sheet: &str, row: u64, column: u64) -> String {
    format!("{sheet}!{}{}", letters(column), row.saturating_add(1))
}

fn letters(column: u64) -> String {
    let mut n = column.saturating_add(1);
    let mut out = Vec::new();
    while n > 0 {
        out.push(b'A' + ((n - 1) % 26) as u8);
        n = (n - 1) / 26;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('\u{202F}');
        }
        out.push(c);
    }
    out
}

fn megabytes(bytes: u64) -> String {
    format!("{} Mo", bytes / (1024 * 1024))
}

const UNREADABLE: &str =
    "le fichier n’est pas un classeur XLSX ou ODS lisible (fichier corrompu, ou d’un autre format)";

/// Reads an uploaded annex workbook (XLSX or ODS) with the policy's [`LIMITS`].
pub fn read_annex(bytes: &[u8]) -> Result<AnnexValues, Vec<ReadError>> {
    read_annex_with(bytes, &LIMITS)
}

/// [`read_annex`] with other limits (tests).
pub fn read_annex_with(bytes: &[u8], limits: &Limits) -> Result<AnnexValues, Vec<ReadError>> {
    let sheet = read_sheet(bytes, limits).map_err(|e| vec![e])?;
    annex_values(&sheet)
}

/// Reads the annex sheet of a workbook: the one named « Annexe financière », else the
/// first one.
pub fn read_sheet(bytes: &[u8], limits: &Limits) -> Result<Sheet, ReadError> {
    if bytes.len() > limits.max_file {
        return Err(ReadError::new(format!(
            "le fichier dépasse la taille maximale d’une annexe ({})",
            megabytes(limits.max_file as u64)
        )));
    }
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| ReadError::new(UNREADABLE))?;
    if zip.len() > limits.max_entries {
        return Err(ReadError::new(format!(
            "le classeur contient plus de {} fichiers internes : ce n’est pas une annexe financière",
            thousands(limits.max_entries as u64)
        )));
    }
    let budget = Counter::new(limits.max_total);
    let mut archive = Archive { zip: &mut zip, limits, budget: &budget };
    if archive.has("xl/workbook.xml") {
        read_xlsx(&mut archive)
    } else if archive.has("content.xml") {
        read_ods(&mut archive)
    } else {
        Err(ReadError::new(UNREADABLE))
    }
}

// ---- The zip, with bounded decompression -------------------------------------------

struct Archive<'a, 'b> {
    zip: &'a mut zip::ZipArchive<Cursor<&'b [u8]>>,
    limits: &'a Limits,
    /// Decompressed bytes still allowed for all the entries read.
    budget: &'a Counter<u64>,
}

/// The marker of an over-cap entry inside an `io::Error`.
#[derive(Debug)]
struct TooLarge {
    entry: String,
    total: bool,
}

impl fmt::Display for TooLarge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "entrée {} trop volumineuse", self.entry)
    }
}

impl std::error::Error for TooLarge {}

/// Counts the decompressed bytes of one entry; fails as soon as the entry or the total goes
/// over its cap.
struct Capped<'a, R> {
    inner: io::Take<R>,
    entry: String,
    left: u64,
    budget: &'a Counter<u64>,
}

impl<R: Read> Read for Capped<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let n64 = n as u64;
        if n64 > self.left {
            return Err(io::Error::other(TooLarge { entry: self.entry.clone(), total: false }));
        }
        if n64 > self.budget.get() {
            return Err(io::Error::other(TooLarge { entry: self.entry.clone(), total: true }));
        }
        self.left -= n64;
        self.budget.set(self.budget.get() - n64);
        Ok(n)
    }
}

impl<'b> Archive<'_, 'b> {
    fn has(&self, name: &str) -> bool {
        self.zip.index_for_name(name).is_some()
    }

    /// Streams the XML of entry `name` into `handle`, each event in turn.
    fn stream<F>(&mut self, name: &str, mut handle: F) -> Result<(), ReadError>
    where
        F: FnMut(&Event<'_>) -> Result<bool, ReadError>,
    {
        let limits = *self.limits;
        let file = self.zip.by_name(name).map_err(|_| ReadError::new(UNREADABLE))?;
        if file.size() > limits.max_entry {
            return Err(bomb(name, &limits, false));
        }
        let capped = Capped {
            // One byte more than the cap, so that going over is seen.
            inner: file.take(limits.max_entry + 1),
            entry: name.to_string(),
            left: limits.max_entry,
            budget: self.budget,
        };
        let mut reader = Reader::from_reader(BufReader::with_capacity(64 * 1024, capped));
        let mut buf = Vec::new();
        loop {
            buf.clear();
            let event = match reader.read_event_into(&mut buf) {
                Ok(e) => e,
                Err(e) => return Err(xml_error(name, &limits, &e)),
            };
            if matches!(event, Event::Eof) {
                return Ok(());
            }
            if !handle(&event)? {
                return Ok(());
            }
        }
    }
}

fn bomb(entry: &str, limits: &Limits, total: bool) -> ReadError {
    if total {
        ReadError::new(format!(
            "le classeur décompressé dépasse {} : fichier anormal (archive piégée ?), refusé",
            megabytes(limits.max_total)
        ))
    } else {
        ReadError::new(format!(
            "le contenu « {entry} » du classeur dépasse {} une fois décompressé : fichier anormal (archive piégée ?), refusé",
            megabytes(limits.max_entry)
        ))
    }
}

fn xml_error(entry: &str, limits: &Limits, e: &quick_xml::Error) -> ReadError {
    if let quick_xml::Error::Io(io) = e {
        if let Some(t) = io.get_ref().and_then(|i| i.downcast_ref::<TooLarge>()) {
            return bomb(&t.entry, limits, t.total);
        }
    }
    ReadError::new(format!("le classeur est illisible (contenu « {entry} » invalide)"))
}

// ---- Shared helpers of both formats -------------------------------------------------

fn attr(e: &BytesStart<'_>, local: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == local)
        .and_then(|a| a.normalized_value(quick_xml::XmlVersion::Implicit1_0).ok().map(|v| v.into_owned()))
}

fn attr_prefixed(e: &BytesStart<'_>, local: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == local && a.key.prefix().is_some())
        .and_then(|a| a.normalized_value(quick_xml::XmlVersion::Implicit1_0).ok().map(|v| v.into_owned()))
}

fn local(e: &BytesStart<'_>) -> String {
    e.local_name().as_ref().to_string()
}

/// The text of a reference (`&amp;`, `&#233;`); unknown entities give nothing.
fn reference(r: &BytesRef<'_>) -> Option<char> {
    if let Ok(Some(c)) = r.resolve_char_ref() {
        return Some(c);
    }
    match r.as_ref() {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        _ => None,
    }
}

/// Text being collected for one cell, capped at `max` characters.
struct TextBuf {
    text: String,
    chars: usize,
    max: usize,
    over: bool,
}

impl TextBuf {
    fn new(max: usize) -> TextBuf {
        TextBuf { text: String::new(), chars: 0, max, over: false }
    }
    fn push_str(&mut self, s: &str) {
        for c in s.chars() {
            self.push(c);
        }
    }
    fn push(&mut self, c: char) {
        if self.chars >= self.max {
            self.over = true;
            return;
        }
        self.chars += 1;
        self.text.push(c);
    }
    /// `n` times `c`, in at most (cap − length + 1) steps.
    fn push_repeated(&mut self, c: char, n: u64) {
        let room = (self.max - self.chars.min(self.max)) as u64;
        for _ in 0..n.min(room + 1) {
            self.push(c);
        }
    }
    fn take(&mut self) -> String {
        self.chars = 0;
        self.over = false;
        std::mem::take(&mut self.text)
    }
}

fn too_long(cell: String, limits: &Limits) -> ReadError {
    ReadError::at(
        cell,
        format!("le texte de la cellule dépasse {} caractères", thousands(limits.max_text as u64)),
    )
}

/// The cells of the sheet being read, checked against the limits as they arrive.
struct Cells<'l> {
    sheet: Sheet,
    limits: &'l Limits,
    count: usize,
}

impl<'l> Cells<'l> {
    fn new(name: &str, limits: &'l Limits) -> Cells<'l> {
        Cells { sheet: Sheet { name: name.to_string(), cells: BTreeMap::new() }, limits, count: 0 }
    }

    /// Refuses a coordinate outside the annex's size (0-based).
    fn check(&self, row: u64, column: u64) -> Result<(), ReadError> {
        if row >= u64::from(self.limits.max_rows) || column >= u64::from(self.limits.max_columns) {
            return Err(ReadError::at(
                cell_ref(&self.sheet.name, row, column),
                format!(
                    "la feuille dépasse la taille d’une annexe financière : {} lignes et {} colonnes au plus (cellule {}{})",
                    thousands(u64::from(self.limits.max_rows)),
                    self.limits.max_columns,
                    letters(column),
                    row.saturating_add(1)
                ),
            ));
        }
        Ok(())
    }

    /// Counts one cell of the file (stored or not).
    fn count(&mut self) -> Result<(), ReadError> {
        self.count += 1;
        if self.count > self.limits.max_cells {
            return Err(ReadError::new(format!(
                "la feuille « {} » contient plus de {} cellules : ce n’est pas une annexe financière",
                self.sheet.name,
                thousands(self.limits.max_cells as u64)
            )));
        }
        Ok(())
    }

    fn put(&mut self, row: u64, column: u64, value: Value) -> Result<(), ReadError> {
        self.check(row, column)?;
        // Checked above: both fit.
        self.sheet.cells.insert((row as u32, column as u16), value);
        Ok(())
    }
}

/// « A1 » → (0, 0); `None` when it is not a cell reference. Saturates on absurd sizes, so
/// that the limit check refuses them.
fn parse_ref(r: &str) -> Option<(u64, u64)> {
    let r = r.trim().trim_start_matches('$');
    let split = r.find(|c: char| !c.is_ascii_alphabetic())?;
    let (l, d) = r.split_at(split);
    let d = d.trim_start_matches('$');
    if l.is_empty() || d.is_empty() || !d.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut column: u64 = 0;
    for b in l.bytes() {
        column = column.saturating_mul(26).saturating_add(u64::from(b.to_ascii_uppercase() - b'A' + 1));
    }
    let mut row: u64 = 0;
    for b in d.bytes() {
        row = row.saturating_mul(10).saturating_add(u64::from(b - b'0'));
    }
    if row == 0 {
        return None;
    }
    Some((row - 1, column - 1))
}

// ---- XLSX ---------------------------------------------------------------------------

fn read_xlsx(archive: &mut Archive<'_, '_>) -> Result<Sheet, ReadError> {
    // The sheets in order: (name, relationship id).
    let mut sheets: Vec<(String, String)> = Vec::new();
    archive.stream("xl/workbook.xml", |ev| {
        if let Event::Start(e) | Event::Empty(e) = ev {
            if e.local_name().as_ref() == "sheet" {
                if sheets.len() >= 1_000 {
                    return Err(ReadError::new("le classeur contient trop de feuilles"));
                }
                sheets
                    .push((attr(e, "name").unwrap_or_default(), attr_prefixed(e, "id").unwrap_or_default()));
            }
        }
        Ok(true)
    })?;
    let (name, rid) = sheets
        .iter()
        .find(|(n, _)| n == SHEET_NAME)
        .or_else(|| sheets.first())
        .cloned()
        .ok_or_else(|| ReadError::new("le classeur ne contient aucune feuille"))?;

    // Relationships: the sheet's part and the shared strings.
    let mut sheet_path = None;
    let mut strings_path = None;
    if archive.has("xl/_rels/workbook.xml.rels") {
        archive.stream("xl/_rels/workbook.xml.rels", |ev| {
            if let Event::Start(e) | Event::Empty(e) = ev {
                if e.local_name().as_ref() == "Relationship" {
                    let target = attr(e, "Target").unwrap_or_default();
                    let path = match target.strip_prefix('/') {
                        Some(abs) => abs.to_string(),
                        None => format!("xl/{target}"),
                    };
                    if attr(e, "Id").as_deref() == Some(rid.as_str()) {
                        sheet_path = Some(path);
                    } else if attr(e, "Type").is_some_and(|t| t.ends_with("/sharedStrings")) {
                        strings_path = Some(path);
                    }
                }
            }
            Ok(true)
        })?;
    }
    let sheet_path = sheet_path.unwrap_or_else(|| "xl/worksheets/sheet1.xml".to_string());
    if !archive.has(&sheet_path) {
        return Err(ReadError::new(format!("la feuille « {name} » est illisible")));
    }
    let strings_path = strings_path
        .or_else(|| archive.has("xl/sharedStrings.xml").then(|| "xl/sharedStrings.xml".to_string()));
    let strings = match strings_path {
        Some(p) if archive.has(&p) => shared_strings(archive, &p)?,
        _ => Vec::new(),
    };
    xlsx_sheet(archive, &sheet_path, &name, &strings)
}

fn shared_strings(archive: &mut Archive<'_, '_>, path: &str) -> Result<Vec<String>, ReadError> {
    let limits = *archive.limits;
    let mut strings = Vec::new();
    let mut text = TextBuf::new(limits.max_text);
    let (mut in_si, mut in_t, mut phonetic) = (false, false, 0usize);
    archive.stream(path, |ev| {
        match ev {
            Event::Start(e) => match e.local_name().as_ref() {
                "si" => {
                    in_si = true;
                    text.take();
                }
                "t" => in_t = true,
                "rPh" => phonetic += 1,
                _ => {}
            },
            Event::Empty(e) if e.local_name().as_ref() == "si" => {
                strings.push(String::new());
            }
            Event::End(e) => match e.local_name().as_ref() {
                "si" => {
                    in_si = false;
                    if text.over {
                        return Err(ReadError::new(format!(
                            "un texte du classeur dépasse {} caractères",
                            thousands(limits.max_text as u64)
                        )));
                    }
                    strings.push(text.take());
                }
                "t" => in_t = false,
                "rPh" => phonetic = phonetic.saturating_sub(1),
                _ => {}
            },
            Event::Text(t) if in_si && in_t && phonetic == 0 => text.push_str(&t.xml10_content()),
            Event::CData(t) if in_si && in_t && phonetic == 0 => text.push_str(&t.xml10_content()),
            Event::GeneralRef(r) if in_si && in_t && phonetic == 0 => {
                if let Some(c) = reference(r) {
                    text.push(c);
                }
            }
            _ => {}
        }
        if strings.len() > limits.max_shared_strings {
            return Err(ReadError::new(format!(
                "le classeur contient plus de {} textes différents : ce n’est pas une annexe financière",
                thousands(limits.max_shared_strings as u64)
            )));
        }
        Ok(true)
    })?;
    Ok(strings)
}

fn xlsx_sheet(
    archive: &mut Archive<'_, '_>,
    path: &str,
    name: &str,
    strings: &[String],
) -> Result<Sheet, ReadError> {
    let limits = *archive.limits;
    let mut cells = Cells::new(name, &limits);
    // Position of the next row and cell when a file omits `r`.
    let mut row: u64 = 0;
    let mut next_row: u64 = 0;
    let mut column: u64 = 0;
    // The cell being read: its position, type, and whether we are in <v> or <is><t>.
    let mut current: Option<(u64, u64, String)> = None;
    let (mut in_v, mut in_is, mut in_t, mut phonetic) = (false, false, false, 0usize);
    let mut text = TextBuf::new(limits.max_text);
    archive.stream(path, |ev| {
        match ev {
            Event::Start(e) | Event::Empty(e) => {
                let empty = matches!(ev, Event::Empty(_));
                match e.local_name().as_ref() {
                    "dimension" => {
                        if let Some(r) = attr(e, "ref") {
                            let last = r.rsplit(':').next().unwrap_or("");
                            if let Some((r, c)) = parse_ref(last) {
                                cells.check(r, c)?;
                            }
                        }
                    }
                    "row" => {
                        row = match attr(e, "r") {
                            Some(r) => match r.trim().parse::<u64>() {
                                Ok(n) if n >= 1 => n - 1,
                                _ => {
                                    return Err(ReadError::new(format!(
                                        "la feuille « {name} » est illisible (numéro de ligne « {r} »)"
                                    )))
                                }
                            },
                            None => next_row,
                        };
                        next_row = row.saturating_add(1);
                        column = 0;
                    }
                    "c" => {
                        let (r, c) = match attr(e, "r") {
                            Some(r) => parse_ref(&r).ok_or_else(|| {
                                ReadError::new(format!(
                                    "la feuille « {name} » est illisible (cellule « {r} »)"
                                ))
                            })?,
                            None => (row, column),
                        };
                        cells.check(r, c)?;
                        cells.count()?;
                        column = c.saturating_add(1);
                        if !empty {
                            current = Some((r, c, attr(e, "t").unwrap_or_default()));
                            text.take();
                        }
                    }
                    "v" if current.is_some() && !empty => in_v = true,
                    "is" if current.is_some() && !empty => in_is = true,
                    "t" if in_is && !empty => in_t = true,
                    "rPh" if !empty => phonetic += 1,
                    _ => {}
                }
            }
            Event::End(e) => match e.local_name().as_ref() {
                "v" => in_v = false,
                "is" => in_is = false,
                "t" => in_t = false,
                "rPh" => phonetic = phonetic.saturating_sub(1),
                "c" => {
                    if let Some((r, c, kind)) = current.take() {
                        if text.over {
                            return Err(too_long(cell_ref(name, r, c), &limits));
                        }
                        let raw = text.take();
                        if let Some(value) = xlsx_value(&kind, raw, strings, name, r, c)? {
                            cells.put(r, c, value)?;
                        }
                    }
                    in_v = false;
                    in_is = false;
                    in_t = false;
                }
                _ => {}
            },
            Event::Text(t) if (in_v || (in_t && phonetic == 0)) && current.is_some() => {
                text.push_str(&t.xml10_content())
            }
            Event::CData(t) if (in_v || (in_t && phonetic == 0)) && current.is_some() => {
                text.push_str(&t.xml10_content())
            }
            Event::GeneralRef(r) if (in_v || (in_t && phonetic == 0)) && current.is_some() => {
                if let Some(c) = reference(r) {
                    text.push(c);
                }
            }
            _ => {}
        }
        Ok(true)
    })?;
    Ok(cells.sheet)
}

fn xlsx_value(
    kind: &str,
    raw: String,
    strings: &[String],
    sheet: &str,
    row: u64,
    column: u64,
) -> Result<Option<Value>, ReadError> {
    let value = match kind {
        "s" => {
            let text = raw.trim().parse::<usize>().ok().and_then(|i| strings.get(i)).ok_or_else(|| {
                ReadError::at(cell_ref(sheet, row, column), "texte introuvable dans le classeur")
            })?;
            Value::Text(text.clone())
        }
        "str" | "inlineStr" => Value::Text(raw),
        "b" => Value::Bool(raw.trim() == "1"),
        "e" | "d" => Value::Other(raw),
        _ => {
            if raw.trim().is_empty() {
                return Ok(None);
            }
            match raw.trim().parse::<f64>() {
                Ok(f) => Value::Number(f),
                Err(_) => Value::Other(raw),
            }
        }
    };
    Ok(Some(value))
}

// ---- ODS ----------------------------------------------------------------------------

/// An ODS table being read: its cells and the row being built.
struct OdsTable<'l> {
    cells: Cells<'l>,
    row: u64,
    /// Non-empty cells of the current row: (column, value), at most one per column.
    pending: Vec<(u64, Value)>,
    column: u64,
    /// How many times the current row is repeated.
    row_repeat: u64,
}

fn repeat(e: &BytesStart<'_>, name: &str) -> u64 {
    attr(e, name).and_then(|v| v.trim().parse::<u64>().ok()).unwrap_or(1).max(1)
}

fn read_ods(archive: &mut Archive<'_, '_>) -> Result<Sheet, ReadError> {
    let limits = *archive.limits;
    let mut first: Option<OdsTable<'_>> = None;
    let mut named: Option<OdsTable<'_>> = None;
    // Which table is being read: 0 none/ignored, 1 first, 2 named.
    let mut active = 0u8;
    let mut tables = 0usize;
    // The cell being read: (columns repeated, value type, value attribute).
    let mut cell: Option<(u64, Option<Value>)> = None;
    let mut text = TextBuf::new(limits.max_text);
    let mut paragraphs = 0usize;
    let mut annotation = 0usize;
    archive.stream("content.xml", |ev| {
        let table = match active {
            1 => first.as_mut(),
            2 => named.as_mut(),
            _ => None,
        };
        match ev {
            Event::Start(e) | Event::Empty(e) => {
                let empty = matches!(ev, Event::Empty(_));
                match (local(e).as_str(), table) {
                    ("table", _) => {
                        tables += 1;
                        let name = attr(e, "name").unwrap_or_default();
                        let t = OdsTable {
                            cells: Cells::new(&name, &limits),
                            row: 0,
                            pending: Vec::new(),
                            column: 0,
                            row_repeat: 1,
                        };
                        active = 0;
                        if !empty {
                            if tables == 1 {
                                first = Some(t);
                                active = 1;
                            } else if name == SHEET_NAME
                                && named.is_none()
                                && first.as_ref().is_none_or(|f| f.cells.sheet.name != SHEET_NAME)
                            {
                                named = Some(t);
                                active = 2;
                            }
                        }
                    }
                    ("table-row", Some(t)) => {
                        t.pending.clear();
                        t.column = 0;
                        t.row_repeat = repeat(e, "number-rows-repeated");
                        if empty {
                            t.row = t.row.saturating_add(t.row_repeat);
                        }
                    }
                    ("table-cell" | "covered-table-cell", Some(t)) => {
                        let n = repeat(e, "number-columns-repeated");
                        let value = ods_value(e);
                        if empty {
                            if let Some(v) = value {
                                place(t, n, v)?;
                            } else {
                                t.column = t.column.saturating_add(n);
                            }
                        } else {
                            cell = Some((n, value));
                            text.take();
                            paragraphs = 0;
                        }
                    }
                    ("annotation", _) if !empty => annotation += 1,
                    ("p" | "h", Some(_)) if cell.is_some() && annotation == 0 => {
                        if paragraphs > 0 {
                            text.push('\n');
                        }
                        paragraphs += 1;
                    }
                    ("s", Some(_)) if cell.is_some() && annotation == 0 => {
                        // `text:c` spaces, bounded by what the text cap leaves.
                        let n = attr(e, "c").and_then(|c| c.parse::<u64>().ok()).unwrap_or(1);
                        text.push_repeated(' ', n);
                    }
                    ("tab", Some(_)) if cell.is_some() && annotation == 0 => text.push('\t'),
                    ("line-break", Some(_)) if cell.is_some() && annotation == 0 => text.push('\n'),
                    _ => {}
                }
            }
            Event::End(e) => match (e.local_name().as_ref(), table) {
                ("table", _) => active = 0,
                ("annotation", _) => annotation = annotation.saturating_sub(1),
                ("table-cell" | "covered-table-cell", Some(t)) => {
                    if let Some((n, value)) = cell.take() {
                        if text.over {
                            return Err(too_long(cell_ref(&t.cells.sheet.name, t.row, t.column), &limits));
                        }
                        let raw = text.take();
                        let value = value.or_else(|| (!raw.is_empty()).then_some(Value::Text(raw.clone())));
                        let value = match value {
                            // A string cell's value is its paragraphs.
                            Some(Value::Text(s)) if s.is_empty() => Some(Value::Text(raw)),
                            v => v,
                        };
                        match value {
                            Some(v) => place(t, n, v)?,
                            None => t.column = t.column.saturating_add(n),
                        }
                    }
                }
                ("table-row", Some(t)) => row_end(t)?,
                _ => {}
            },
            Event::Text(x) if cell.is_some() && annotation == 0 && active != 0 => {
                text.push_str(&x.xml10_content())
            }
            Event::CData(x) if cell.is_some() && annotation == 0 && active != 0 => {
                text.push_str(&x.xml10_content())
            }
            Event::GeneralRef(r) if cell.is_some() && annotation == 0 && active != 0 => {
                if let Some(c) = reference(r) {
                    text.push(c);
                }
            }
            _ => {}
        }
        Ok(true)
    })?;
    let chosen = match (named, first) {
        (Some(n), _) => n,
        (None, Some(f)) => f,
        (None, None) => return Err(ReadError::new("le classeur ne contient aucune feuille")),
    };
    Ok(chosen.cells.sheet)
}

/// Places a non-empty cell repeated `n` times at the current column of the current row.
/// The columns are checked first, so a row holds at most `max_columns` pending cells.
fn place(t: &mut OdsTable<'_>, n: u64, value: Value) -> Result<(), ReadError> {
    let last = t.column.saturating_add(n - 1);
    t.cells.check(t.row, last)?;
    for c in t.column..=last {
        t.pending.push((c, value.clone()));
    }
    t.column = last.saturating_add(1);
    Ok(())
}

/// Ends a row: its cells are stored once per repetition, after checking the last row
/// they would reach (a non-empty row repeated a million times is refused, not expanded).
fn row_end(t: &mut OdsTable<'_>) -> Result<(), ReadError> {
    let repeated = t.row_repeat.max(1);
    if let Some((c, _)) = t.pending.first() {
        t.cells.check(t.row.saturating_add(repeated - 1), *c)?;
        for r in t.row..t.row + repeated {
            for (c, v) in &t.pending {
                t.cells.count()?;
                t.cells.put(r, *c, v.clone())?;
            }
        }
    }
    t.pending.clear();
    t.row = t.row.saturating_add(repeated);
    t.row_repeat = 1;
    Ok(())
}

/// The typed value of an ODS cell from its attributes; `Some(Text(""))` for a string cell
/// whose text is in its paragraphs.
fn ods_value(e: &BytesStart<'_>) -> Option<Value> {
    let kind = attr(e, "value-type")?;
    Some(match kind.as_str() {
        "float" | "currency" | "percentage" => {
            match attr(e, "value").and_then(|v| v.trim().parse::<f64>().ok()) {
                Some(f) => Value::Number(f),
                None => Value::Other(attr(e, "value").unwrap_or_default()),
            }
        }
        "boolean" => Value::Bool(attr(e, "boolean-value").is_some_and(|b| b.trim() == "true")),
        "date" => Value::Other(attr(e, "date-value").unwrap_or_default()),
        "time" => Value::Other(attr(e, "time-value").unwrap_or_default()),
        _ => Value::Text(attr(e, "string-value").unwrap_or_default()),
    })
}

// ---- The annex ----------------------------------------------------------------------

fn cell_text(v: Option<&Value>) -> String {
    match v {
        Some(Value::Text(s)) => s.trim().to_string(),
        Some(Value::Number(f)) => f.to_string(),
        Some(Value::Bool(b)) => if *b { "Oui" } else { "Non" }.to_string(),
        Some(Value::Other(s)) => s.trim().to_string(),
        None => String::new(),
    }
}

/// A spreadsheet amount: exact cents or a French message.
pub fn cell_amount(v: Option<&Value>) -> Result<Option<Amount>, String> {
    match v {
        None => Ok(None),
        Some(Value::Number(f)) => {
            if !f.is_finite() || *f < 0.0 {
                return Err(format!("« {f} » n’est pas un montant positif"));
            }
            let cents = (f * 100.0).round();
            if cents > bilan_domain::money::MAX_CENTS as f64 {
                return Err(format!("« {f} » dépasse le plus grand montant accepté"));
            }
            if (cents - f * 100.0).abs() > 1e-6 * cents.max(1.0) {
                return Err(format!(
                    "« {f} » a plus de deux décimales : un montant s’exprime au centime près"
                ));
            }
            Ok(Some(Amount::Value(Money::from_cents(cents as i64))))
        }
        Some(Value::Text(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::Text(s)) => Amount::parse(s).map(Some).map_err(|e| e.to_string()),
        Some(Value::Bool(b)) => Err(format!("« {} » n’est pas un montant", if *b { "VRAI" } else { "FAUX" })),
        Some(Value::Other(s)) => Err(format!("« {s} » n’est pas un montant")),
    }
}

/// Undoes the formula neutralisation of [`crate::neutralize`]: the leading apostrophe is
/// removed exactly when `neutralize` would have added it to the rest.
pub fn unneutralize(text: &str) -> String {
    match text.strip_prefix('\'') {
        Some(rest) if matches!(crate::neutralize(rest), std::borrow::Cow::Owned(_)) => rest.to_string(),
        _ => text.to_string(),
    }
}

/// The expense rows of an annex sheet in the layout bilan writes: under the header row
/// (« Mesure | Action | … »), every row with an action number, up to « Montant total ».
pub fn annex_values(sheet: &Sheet) -> Result<AnnexValues, Vec<ReadError>> {
    let name = &sheet.name;
    let (Some(first), Some(last)) =
        (sheet.cells.keys().next().map(|k| k.0), sheet.cells.keys().next_back().map(|k| k.0))
    else {
        return Err(vec![ReadError::new(format!("la feuille « {name} » est vide"))]);
    };
    let get = |r: u32, c: u16| sheet.cells.get(&(r, c));
    let header = (first..=last)
        .find(|&r| cell_text(get(r, col::MEASURE)) == "Mesure" && cell_text(get(r, col::ACTION)) == "Action");
    let Some(header) = header else {
        return Err(vec![ReadError::new(format!(
            "{name} : en-tête « Mesure | Action | Direction | Dépense… » introuvable : partez de l’annexe téléchargée depuis bilan"
        ))]);
    };
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    for r in header + 1..=last {
        if cell_text(get(r, col::MEASURE)) == TOTAL_LABEL {
            break;
        }
        let action = cell_text(get(r, col::ACTION));
        if action.is_empty() {
            continue; // subtotal or empty row
        }
        let mut amounts = [None, None, None];
        for (slot, c) in [col::PLANNED, col::SPENT, col::CARRY_OVER].into_iter().enumerate() {
            match cell_amount(get(r, c)) {
                Ok(a) => amounts[slot] = a,
                Err(m) => errors.push(ReadError::at(cell_ref(name, u64::from(r), u64::from(c)), m)),
            }
        }
        rows.push(AnnexRow {
            row: r,
            action,
            label: unneutralize(&cell_text(get(r, col::LABEL))),
            amounts,
            comment: unneutralize(&cell_text(get(r, col::COMMENT))),
        });
    }
    if errors.is_empty() {
        Ok(AnnexValues { sheet: name.clone(), rows })
    } else {
        Err(errors)
    }
}

/// Applies read annex values to `report`: each row updates the expense line of its action
/// with the same label (the n-th row with a label updates the n-th line with it). Returns
/// (rows applied, amounts changed), or the errors, each naming its cell. A blank printed
/// amount (« € ») stays blank when the cell is empty.
pub fn apply_annex(report: &mut Report, values: &AnnexValues) -> Result<(usize, usize), Vec<ReadError>> {
    let sheet = &values.sheet;
    let mut errors = Vec::new();
    let mut seen: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    let (mut rows, mut changed) = (0usize, 0usize);
    for row in &values.rows {
        let (action, label) = (row.action.as_str(), row.label.as_str());
        let occurrence = seen.entry((action, label)).or_insert(0);
        let nth = *occurrence;
        *occurrence += 1;
        let at = |c: u16| cell_ref(sheet, u64::from(row.row), u64::from(c));
        let Some((mi, ai, _)) = report.action(action) else {
            errors.push(ReadError::at(
                at(col::ACTION),
                format!("l’action « {action} » n’existe pas dans le rapport"),
            ));
            continue;
        };
        let expenses = &report.measures[mi].actions[ai].expenses;
        let Some(k) =
            expenses.iter().enumerate().filter(|(_, e)| e.label.trim() == label).map(|(k, _)| k).nth(nth)
        else {
            errors.push(ReadError::at(
                at(col::LABEL),
                format!(
                    "la dépense « {label} » de l’action {action} n’existe pas dans le rapport (ajoutez-la d’abord dans le formulaire de l’action)"
                ),
            ));
            continue;
        };
        rows += 1;
        let e = &mut report.measures[mi].actions[ai].expenses[k];
        let keep_blank = |new: Option<Amount>, old: Option<Amount>| match new {
            None if old == Some(Amount::Blank) => old,
            n => n,
        };
        let new = [
            keep_blank(row.amounts[0], e.planned),
            keep_blank(row.amounts[1], e.spent),
            keep_blank(row.amounts[2], e.carry_over),
        ];
        let old = [e.planned, e.spent, e.carry_over];
        changed += new.iter().zip(old.iter()).filter(|(a, b)| a != b).count();
        e.planned = new[0];
        e.spent = new[1];
        e.carry_over = new[2];
        if row.comment != e.comment.trim() {
            e.comment = row.comment.clone();
        }
    }
    if errors.is_empty() {
        Ok((rows, changed))
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The Allier report with other amounts and comments than the file's, so that reading
    /// it back into the original report changes something.
    fn allier_changed() -> (Report, Report) {
        let original =
            bilan_source::parse_str(include_str!("../../../examples/allier-2019.toml")).unwrap().report;
        let mut changed = original.clone();
        let mut k = 0i64;
        for m in &mut changed.measures {
            for a in &mut m.actions {
                for e in &mut a.expenses {
                    k += 1;
                    e.planned = Some(Amount::Value(Money::from_cents(1_000_000 + 137 * k)));
                    e.spent = Some(Amount::Value(Money::from_cents(500_000 + 59 * k)));
                    e.carry_over = if k % 3 == 0 { None } else { Some(Amount::Value(Money::from_cents(k))) };
                    e.comment = if k % 2 == 0 { format!("=ligne {k} ; « revue »") } else { String::new() };
                }
            }
        }
        (original, changed)
    }

    /// The inverse of the writers: an annex written as XLSX or ODS reads back into the
    /// same amounts and comments, line by line.
    #[test]
    fn written_annex_reads_back_the_same_values() {
        let (original, changed) = allier_changed();
        let lines = changed.actions().map(|(_, _, _, a)| a.expenses.len()).sum::<usize>();
        for (format, bytes) in
            [("xlsx", crate::xlsx(&changed).unwrap()), ("ods", crate::ods(&changed).unwrap())]
        {
            let values = read_annex(&bytes).unwrap_or_else(|e| panic!("{format}: {e:?}"));
            assert_eq!(values.rows.len(), lines, "{format}");
            let written = changed.actions().flat_map(|(_, _, _, a)| a.expenses.iter().map(move |e| (a, e)));
            for (row, (a, e)) in values.rows.iter().zip(written) {
                assert_eq!(row.action, a.number, "{format}");
                assert_eq!(row.label, e.label.trim(), "{format}");
                assert_eq!(row.amounts, [e.planned, e.spent, e.carry_over], "{format} {}", row.label);
                assert_eq!(row.comment, e.comment, "{format}");
            }
            let mut r = original.clone();
            let (rows, amounts) = apply_annex(&mut r, &values).unwrap();
            assert_eq!(rows, lines, "{format}");
            assert!(amounts > 0, "{format}");
            assert_eq!(r, changed, "{format}");
        }
    }
}
