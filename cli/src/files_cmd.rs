//! `sotay attach`, `sotay files`, `sotay detach`: evidence files of a record from a terminal.

use std::path::{Path, PathBuf};

use sotay_core::evidence::Picked;
use sotay_core::model::FileRole;
use sotay_core::{Error, Kind, Lang, Store};

pub fn attach(store: &mut Store, kind: Kind, id: &str, files: &[PathBuf], role: &str, caption: Option<&str>, lang: Lang) -> Result<(), Error> {
    let role = FileRole::parse(role).ok_or_else(|| {
        Error::invalid("as", sotay_core::Problem::OneOf { value: role.into(), choices: "photo, sheet, minutes, article, other".into() })
    })?;
    let mut picked = Vec::new();
    let mut refused = Vec::new();
    for path in files {
        match Picked::read(path) {
            Ok(p) => picked.push(p),
            Err(r) => refused.push(r),
        }
    }
    let outcome = store.attach(kind, id, picked, role, caption)?;
    refused.extend(outcome.refused);
    let vi = lang == Lang::Vi;
    for a in &outcome.attached {
        let size = sotay_core::text::vn_number(a.size);
        if vi { println!("đã đính kèm {} ({size} byte): {}", a.name, a.sha256) } else { println!("attached {} ({size} bytes): {}", a.name, a.sha256) }
    }
    if outcome.attached.is_empty() && refused.is_empty() {
        if vi { println!("các tệp này đã được đính kèm từ trước") } else { println!("these files were attached already") }
    }
    for (name, problem) in &refused {
        eprintln!("{}", Error::FileRefused { file: name.clone(), problem: problem.clone() }.message(lang));
    }
    if !refused.is_empty() {
        return Err(Error::FilesRefused { count: refused.len() });
    }
    Ok(())
}

pub fn list(store: &Store, kind: Kind, id: &str, json: bool, save: Option<&Path>, lang: Lang) -> Result<(), Error> {
    let list = store.attachments(kind, id)?;
    if let Some(dir) = save {
        for a in list.iter().filter(|a| a.held) {
            if let Some(bytes) = store.file_bytes(&a.attachment.sha256)? {
                // Named by hash: the name picked elsewhere is text from another installation, never a path.
                let ext = if a.attachment.media_type == "application/pdf" { "pdf" } else { "jpg" };
                sotay_core::files::write_whole(&dir.join(format!("{}.{ext}", a.attachment.sha256)), &bytes)?;
            }
        }
    }
    if json {
        crate::output::json(&serde_json::to_value(&list).map_err(Error::from_json)?);
        return Ok(());
    }
    let vi = lang == Lang::Vi;
    if list.is_empty() {
        println!("{}", if vi { "chưa có tệp minh chứng" } else { "no evidence files yet" });
    }
    for a in &list {
        let at = &a.attachment;
        let state = match (a.held, vi) {
            (true, _) => "",
            (false, true) => " [chưa về máy]",
            (false, false) => " [not here yet]",
        };
        let caption = at.caption.as_deref().map(|c| format!(" — {c}")).unwrap_or_default();
        println!("{}  {}  {} ({} byte){caption}{state}", at.sha256, at.kind.label(lang), at.name, sotay_core::text::vn_number(at.size));
    }
    Ok(())
}

pub fn detach(store: &mut Store, kind: Kind, id: &str, sha256: &str, lang: Lang) -> Result<(), Error> {
    store.detach(kind, id, sha256)?;
    println!("{}", if lang == Lang::Vi { "đã gỡ tệp khỏi bản ghi" } else { "file removed from the record" });
    Ok(())
}
