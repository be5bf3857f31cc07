//! `sotay print`: a meeting document as a PDF file, written whole or not at all.

use std::io::Write;
use std::path::Path;

use sotay_core::docs::{DocOptions, MeetingDoc};
use sotay_core::{Error, Lang, Store};

pub fn print(store: &Store, doc: MeetingDoc, event: &str, out: &Path, opts: &DocOptions, lang: Lang) -> Result<(), Error> {
    let rendered = store.meeting_document(doc, event, opts)?;
    let io = |e| Error::Io { path: out.display().to_string(), source: e };
    // A temporary name beside the target, flushed, then renamed: a full disk or a pulled stick leaves
    // no half-written PDF under the real name.
    let tmp = out.with_extension("pdf.part");
    let written = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(&rendered.pdf)?;
        f.sync_all()?;
        std::fs::rename(&tmp, out)
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(io(e));
    }
    if lang == Lang::Vi {
        println!("đã in {} ({} trang) vào {}", doc.as_str(), rendered.pages, out.display());
    } else {
        println!("printed {} ({} pages) to {}", doc.as_str(), rendered.pages, out.display());
    }
    Ok(())
}
