//! The compiler's view of the world: one generated source, one chart, bundled fonts.
//! Nothing is read from disk or network.

use std::sync::{LazyLock, OnceLock};

use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime, Duration};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook, FontInfo};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};

/// A font of the `typst-assets` crate (Libertinus Serif, New Computer Modern, DejaVu Sans
/// Mono), parsed the first time a document asks for it: the book lists them all (so that
/// Typst can fall back on any of them for a missing glyph), but a report set in Libertinus
/// Serif only ever parses the Libertinus faces it uses.
struct FontSlot {
    data: &'static [u8],
    index: u32,
    font: OnceLock<Option<Font>>,
}

impl FontSlot {
    fn get(&self) -> Option<Font> {
        self.font.get_or_init(|| Font::new(Bytes::new(self.data), self.index)).clone()
    }
}

/// The book of the bundled fonts and their slots, in the same order; once per process, so a
/// server's every PDF (reports and credits notes) reuses the fonts already parsed.
static FONTS: LazyLock<(LazyHash<FontBook>, Vec<FontSlot>)> = LazyLock::new(|| {
    let mut book = FontBook::new();
    let mut slots = Vec::new();
    // Each bundled file holds one face (no collection): face 0.
    for data in typst_assets::fonts() {
        if let Some(info) = FontInfo::new(data, 0) {
            book.push(info);
            slots.push(FontSlot { data, index: 0, font: OnceLock::new() });
        }
    }
    (LazyHash::new(book), slots)
});

/// The families of the bundled faces parsed so far in this process, and how many faces
/// there are in all (for tests).
#[cfg(test)]
pub(crate) fn fonts_parsed() -> (Vec<String>, usize) {
    let parsed = FONTS
        .1
        .iter()
        .filter_map(|s| s.font.get().cloned().flatten())
        .map(|f| f.info().family.clone())
        .collect();
    (parsed, FONTS.1.len())
}

static LIBRARY: LazyLock<LazyHash<Library>> = LazyLock::new(|| LazyHash::new(Library::default()));

fn file_id(path: &str) -> FileId {
    // The paths are constants of this crate, always valid.
    let vpath = VirtualPath::new(path).expect("valid virtual path");
    RootedPath::new(VirtualRoot::Project, vpath).intern()
}

pub struct ReportWorld {
    main: Source,
    chart_id: FileId,
    chart: Bytes,
}

impl ReportWorld {
    pub fn new(source: String, chart_path: &str, chart_svg: String) -> ReportWorld {
        ReportWorld {
            main: Source::new(file_id("/main.typ"), source),
            chart_id: file_id(chart_path),
            chart: Bytes::from_string(chart_svg),
        }
    }
}

impl World for ReportWorld {
    fn library(&self) -> &LazyHash<Library> {
        &LIBRARY
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &FONTS.0
    }

    fn main(&self) -> FileId {
        self.main.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() {
            Ok(self.main.clone())
        } else {
            Err(FileError::NotSource)
        }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == self.chart_id {
            Ok(self.chart.clone())
        } else {
            Err(FileError::AccessDenied)
        }
    }

    fn font(&self, index: usize) -> Option<Font> {
        FONTS.1.get(index)?.get()
    }

    /// No clock: the same report always gives the same document.
    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        None
    }
}
