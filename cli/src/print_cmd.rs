//! `sotay print`: a meeting document as a PDF file, written whole or not at all.

use std::io::Write;
use std::path::Path;

use sotay_core::docs::{DocOptions, MeetingDoc};
use sotay_core::{Error, Lang, Store};

pub fn print(store: &mut Store, doc: MeetingDoc, event: &str, out: &Path, opts: &DocOptions, register: bool, lang: Lang) -> Result<(), Error> {
    let (rendered, registered) = if register {
        store.issue_meeting_document(doc, event, opts)?
    } else {
        (store.meeting_document(doc, event, opts)?, None)
    };
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
    if let Some(r) = registered {
        println!("{}: {}", if lang == Lang::Vi { "số văn bản" } else { "document number" }, r.text);
    }
    Ok(())
}

/// Shows the register, or sets how its counter runs.
pub fn register(store: &mut Store, scope: Option<&str>, term_start: Option<i32>, lang: Lang) -> Result<(), Error> {
    use sotay_core::docs::RegisterScope;
    if scope.is_some() || term_start.is_some() {
        let scope = match scope {
            Some(s) => RegisterScope::parse(s)?,
            None => store.register_scope()?.0,
        };
        store.set_register_scope(scope, term_start)?;
    }
    let (scope, start) = store.register_scope()?;
    let vi = lang == Lang::Vi;
    println!("{}: {} ({} {start})", if vi { "Cách đánh số" } else { "Numbering" }, scope.as_str(), if vi { "nhiệm kỳ bắt đầu" } else { "term starting" });
    for r in store.register()? {
        let date = chrono::NaiveDate::parse_from_str(&r.issued_on, "%Y-%m-%d").map(|d| d.format("%d/%m/%Y").to_string()).unwrap_or(r.issued_on.clone());
        println!("{:<14} {date}  {}", r.text, r.subject);
    }
    Ok(())
}
