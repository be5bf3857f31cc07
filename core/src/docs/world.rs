//! The typst "world" for Sotay's documents: the templates and the fonts are compiled into the binary, and
//! the only other file is `data.json`, the document's data. Nothing is read from the disk or the
//! network, so a document comes out the same on every computer.

use std::sync::OnceLock;

use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime};
use typst::layout::PagedDocument;
use typst::syntax::{FileId, Source, VirtualPath};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};

use crate::error::{Error, Result};

/// Liberation Serif 2.1 (SIL OFL 1.1, core/assets/fonts/OFL.txt): metric-compatible with Times New Roman
/// and complete for Vietnamese.
const FONTS: [&[u8]; 4] = [
    include_bytes!("../../assets/fonts/LiberationSerif-Regular.ttf"),
    include_bytes!("../../assets/fonts/LiberationSerif-Bold.ttf"),
    include_bytes!("../../assets/fonts/LiberationSerif-Italic.ttf"),
    include_bytes!("../../assets/fonts/LiberationSerif-BoldItalic.ttf"),
];

/// The templates, by file name.
const TEMPLATES: [(&str, &str); 8] = [
    ("common.typ", include_str!("templates/common.typ")),
    ("invitation.typ", include_str!("templates/invitation.typ")),
    ("agenda.typ", include_str!("templates/agenda.typ")),
    ("attendance.typ", include_str!("templates/attendance.typ")),
    ("minutes.typ", include_str!("templates/minutes.typ")),
    ("outline.typ", include_str!("templates/outline.typ")),
    ("plan.typ", include_str!("templates/plan.typ")),
    ("report.typ", include_str!("templates/report.typ")),
];

struct Shared {
    library: LazyHash<Library>,
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
}

fn shared() -> &'static Shared {
    static SHARED: OnceLock<Shared> = OnceLock::new();
    SHARED.get_or_init(|| {
        let fonts: Vec<Font> = FONTS.iter().flat_map(|b| Font::iter(Bytes::new(*b))).collect();
        Shared { library: LazyHash::new(Library::default()), book: LazyHash::new(FontBook::from_fonts(&fonts)), fonts }
    })
}

struct DocWorld {
    main: FileId,
    data: Bytes,
    /// Pictures the data names (`img/<sha256>.jpg`: the evidence annex's thumbnails).
    images: Vec<(String, Bytes)>,
}

fn id(name: &str) -> FileId {
    FileId::new(None, VirtualPath::new(name))
}

impl World for DocWorld {
    fn library(&self) -> &LazyHash<Library> {
        &shared().library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &shared().book
    }

    fn main(&self) -> FileId {
        self.main
    }

    fn source(&self, file: FileId) -> FileResult<Source> {
        TEMPLATES
            .iter()
            .find(|(name, _)| id(name) == file)
            .map(|(_, text)| Source::new(file, (*text).to_string()))
            .ok_or_else(|| FileError::NotFound(file.vpath().as_rootless_path().into()))
    }

    fn file(&self, file: FileId) -> FileResult<Bytes> {
        if file == id("data.json") {
            Ok(self.data.clone())
        } else if let Some((_, bytes)) = self.images.iter().find(|(name, _)| id(name) == file) {
            Ok(bytes.clone())
        } else {
            Err(FileError::NotFound(file.vpath().as_rootless_path().into()))
        }
    }

    fn font(&self, index: usize) -> Option<Font> {
        shared().fonts.get(index).cloned()
    }

    // Dates in documents come from the data, never from the clock of the computer.
    fn today(&self, _offset: Option<i64>) -> Option<Datetime> {
        None
    }
}

fn layout(template: &str, data: &serde_json::Value, images: &[(String, Vec<u8>)]) -> Result<PagedDocument> {
    let images = images.iter().map(|(name, b)| (name.clone(), Bytes::new(b.clone()))).collect();
    let world = DocWorld { main: id(template), data: Bytes::new(serde_json::to_vec(data).map_err(Error::from_json)?), images };
    typst::compile(&world)
        .output
        .map_err(|errors| Error::Render(errors.iter().map(|e| e.message.to_string()).collect::<Vec<_>>().join("; ")))
}

fn write_pdf(doc: &PagedDocument) -> Result<Vec<u8>> {
    // No creation date: the same data gives the same bytes.
    let options = typst_pdf::PdfOptions::default();
    typst_pdf::pdf(doc, &options)
        .map_err(|errors| Error::Render(errors.iter().map(|e| e.message.to_string()).collect::<Vec<_>>().join("; ")))
}

/// Lays out `template` (a file of TEMPLATES) with `data` and writes the PDF. Returns the bytes and the
/// number of pages.
pub fn render(template: &str, data: &serde_json::Value, images: &[(String, Vec<u8>)]) -> Result<(Vec<u8>, usize)> {
    let doc = layout(template, data, images)?;
    Ok((write_pdf(&doc)?, doc.pages.len()))
}

/// The PDF and, from the same layout, each page as SVG (glyphs as outlines, so a preview needs no font).
pub fn render_with_pages(template: &str, data: &serde_json::Value, images: &[(String, Vec<u8>)]) -> Result<(Vec<u8>, Vec<String>)> {
    let doc = layout(template, data, images)?;
    let svgs = doc.pages.iter().map(typst_svg::svg).collect();
    Ok((write_pdf(&doc)?, svgs))
}

/// Forgets what typst memoised from earlier documents, so that a benchmark times a document as the first
/// one of its kind (a person prints a document once, not the same one in a loop).
pub fn forget_layout_cache() {
    typst::comemo::evict(0);
}
