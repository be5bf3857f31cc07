//! `sotay print`: a document as a PDF file, written whole or not at all; `sotay report`: a period report
//! on the terminal or as JSON, .xlsx or CSV; `sotay register`.

use std::path::Path;

use sotay_core::docs::{DocOptions, DocumentRequest};
use sotay_core::report::{export, Report};
use sotay_core::text::vn_decimal;
use sotay_core::{Error, Lang, Store};

pub fn print(store: &mut Store, req: &DocumentRequest, out: &Path, opts: &DocOptions, register: bool, lang: Lang) -> Result<(), Error> {
    let (rendered, registered) = if register {
        store.issue_document_to(req, opts, out)?
    } else {
        let rendered = store.render_document(req, opts)?;
        sotay_core::files::write_whole(out, &rendered.pdf)?;
        (rendered, None)
    };
    let name = sotay_core::i18n::document_name(req.name(), lang);
    if lang == Lang::Vi {
        println!("đã in {name} ({} trang) vào {}", rendered.pages, out.display());
    } else {
        println!("printed the {name} ({} pages) to {}", rendered.pages, out.display());
    }
    if let Some(r) = registered {
        println!("{}: {}", if lang == Lang::Vi { "số văn bản" } else { "document number" }, r.text);
    }
    Ok(())
}

/// Each document laid out, its pages as SVG, as one JSON array on stdout (the window's print centre).
pub fn preview(store: &Store, requests: &[DocumentRequest], opts: &DocOptions) -> Result<(), Error> {
    let mut out = Vec::new();
    for req in requests {
        let (rendered, svgs) = store.render_document_pages(req, opts)?;
        out.push(serde_json::json!({"document": req.name(), "pages": rendered.pages, "svgs": svgs}));
    }
    crate::output::json(&serde_json::Value::Array(out));
    Ok(())
}

pub fn report(r: &Report, json: bool, xlsx: Option<&Path>, csv: Option<&Path>, lang: Lang) -> Result<(), Error> {
    let vi = lang == Lang::Vi;
    if json {
        crate::output::json(&serde_json::to_value(r).map_err(Error::from_json)?);
        return Ok(());
    }
    if let Some(path) = xlsx {
        sotay_core::files::write_whole(path, &export::to_xlsx(r)?)?;
        println!("{} {}", if vi { "đã ghi bảng tính" } else { "wrote the workbook" }, path.display());
        return Ok(());
    }
    if let Some(path) = csv {
        sotay_core::files::write_whole(path, &export::to_csv(r)?)?;
        println!("{} {}", if vi { "đã ghi tệp CSV" } else { "wrote the CSV file" }, path.display());
        return Ok(());
    }
    println!("{} — {} ({} – {})", r.unit.name, r.period.label, r.period.start.format("%d/%m/%Y"), r.period.end.format("%d/%m/%Y"));
    let num = |v: Option<f64>| v.map(vn_decimal).unwrap_or_else(|| "—".into());
    for l in &r.indicators {
        let target = l.target.map(|t| format!(" / {}", vn_decimal(t))).unwrap_or_default();
        let pct = match (l.percent_of_target, l.percent_of_members) {
            (_, Some(m)) => format!("  ({}% {})", vn_decimal(m), if vi { "đoàn viên" } else { "of members" }),
            (Some(p), None) => format!("  ({}%)", vn_decimal(p)),
            _ => String::new(),
        };
        println!("{:<7} {:>10}{:<10}{pct}  {}", l.code, num(l.value), target, l.name);
    }
    for row in &r.rows {
        let merged = if row.merged.is_empty() { String::new() } else { format!(" ({} {})", if vi { "gồm" } else { "with" }, row.merged.join(", ")) };
        println!("  {}{merged}: {} {}", row.name, row.events, if vi { "hoạt động" } else { "events" });
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
