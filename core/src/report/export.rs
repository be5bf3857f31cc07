//! A report as a spreadsheet: .xlsx with numeric cells and Vietnamese headers (sheet "Báo cáo" with the
//! indicator table, sheet "Theo đơn vị" with a column per unit), or CSV in UTF-8 with the same table.

use rust_xlsxwriter::{Color, Format, FormatAlign, FormatBorder, Workbook, XlsxError};

use super::Report;
use crate::error::{Error, Result};

/// Headers of the indicator table, in the order of the columns.
pub const HEADERS: [&str; 9] = [
    "STT",
    "Mã chỉ tiêu",
    "Chỉ tiêu",
    "Đơn vị tính",
    "Kết quả",
    "Chỉ tiêu kế hoạch",
    "Tỷ lệ đạt (%)",
    "Tổng số đoàn viên",
    "Tỷ lệ so với đoàn viên (%)",
];

fn xlsx_error(e: XlsxError) -> Error {
    Error::Render(format!("xlsx: {e}"))
}

/// The workbook's bytes.
pub fn to_xlsx(report: &Report) -> Result<Vec<u8>> {
    build_xlsx(report).map_err(xlsx_error)
}

fn build_xlsx(r: &Report) -> std::result::Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let title = Format::new().set_bold().set_font_size(14);
    let head = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter)
        .set_border(FormatBorder::Thin)
        .set_background_color(Color::RGB(0xE8EEF7));
    let cell = Format::new().set_border(FormatBorder::Thin).set_text_wrap();
    let count = Format::new().set_border(FormatBorder::Thin).set_num_format("#,##0");
    let pct = Format::new().set_border(FormatBorder::Thin).set_num_format("0.0");

    let sheet = book.add_worksheet();
    sheet.set_name("Báo cáo")?;
    sheet.write_string_with_format(0, 0, format!("BÁO CÁO KẾT QUẢ {}", r.period.label.to_uppercase()), &title)?;
    sheet.write_string(1, 0, format!("Đơn vị: {} (mã {})", r.unit.name, r.unit.code))?;
    sheet.write_string(2, 0, format!("Thời gian: từ {} đến {}", r.period.start.format("%d/%m/%Y"), r.period.end.format("%d/%m/%Y")))?;
    sheet.write_string(5, 0, r.structure.heading(r.period.end, crate::Lang::Vi))?;
    sheet.write_string(3, 0, "Số hoạt động đã tổ chức")?;
    sheet.write_number_with_format(3, 2, r.events as f64, &count)?;
    sheet.write_string(4, 0, "Số lượt người tham gia (mọi thành phần, kể cả đối tượng khác)")?;
    sheet.write_number_with_format(4, 2, r.participants as f64, &count)?;
    let top = 6;
    for (c, h) in HEADERS.iter().enumerate() {
        sheet.write_string_with_format(top, c as u16, *h, &head)?;
    }
    for (i, l) in r.indicators.iter().enumerate() {
        let row = top + 1 + i as u32;
        sheet.write_number_with_format(row, 0, (i + 1) as f64, &cell)?;
        sheet.write_string_with_format(row, 1, &l.code, &cell)?;
        sheet.write_string_with_format(row, 2, &l.name, &cell)?;
        sheet.write_string_with_format(row, 3, l.unit_of_measure.as_deref().unwrap_or(""), &cell)?;
        let numbers = [(4, l.value, &count), (5, l.target, &count), (6, l.percent_of_target, &pct), (7, l.members.map(|m| m as f64), &count), (8, l.percent_of_members, &pct)];
        for (c, v, f) in numbers {
            match v {
                Some(v) => sheet.write_number_with_format(row, c, v, f)?,
                None => sheet.write_blank(row, c, &cell)?,
            };
        }
    }
    for (c, w) in [6.0, 11.0, 52.0, 12.0, 12.0, 12.0, 10.0, 12.0, 12.0].iter().enumerate() {
        sheet.set_column_width(c as u16, *w)?;
    }
    sheet.set_freeze_panes(top + 1, 3)?;

    let units = book.add_worksheet();
    units.set_name("Theo đơn vị")?;
    units.write_string_with_format(0, 0, format!("KẾT QUẢ THEO ĐƠN VỊ, {}", r.period.label.to_uppercase()), &title)?;
    let top = 2;
    units.write_string_with_format(top, 0, "Mã chỉ tiêu", &head)?;
    units.write_string_with_format(top, 1, "Chỉ tiêu", &head)?;
    for (j, row) in r.rows.iter().enumerate() {
        units.write_string_with_format(top, 2 + j as u16, row.title(), &head)?;
        units.set_column_width(2 + j as u16, 16.0)?;
    }
    for (i, l) in r.indicators.iter().enumerate() {
        let at = top + 1 + i as u32;
        units.write_string_with_format(at, 0, &l.code, &cell)?;
        units.write_string_with_format(at, 1, &l.name, &cell)?;
        for (j, row) in r.rows.iter().enumerate() {
            match row.values.get(&l.code) {
                Some(v) => units.write_number_with_format(at, 2 + j as u16, *v, &count)?,
                None => units.write_blank(at, 2 + j as u16, &cell)?,
            };
        }
    }
    let at = top + 1 + r.indicators.len() as u32;
    units.write_string_with_format(at, 0, "", &cell)?;
    units.write_string_with_format(at, 1, "Tổng số đoàn viên", &cell)?;
    for (j, row) in r.rows.iter().enumerate() {
        match row.members {
            Some(m) => units.write_number_with_format(at, 2 + j as u16, m as f64, &count)?,
            None => units.write_blank(at, 2 + j as u16, &cell)?,
        };
    }
    units.set_column_width(0, 11.0)?;
    units.set_column_width(1, 52.0)?;
    units.set_freeze_panes(top + 1, 2)?;
    book.save_to_buffer()
}

/// A text cell as a spreadsheet will read it: one that starts like a formula (`=`, `+`, `-`, `@`, a tab
/// or a return) gets a leading apostrophe, so a unit named `=HYPERLINK(…)` (names arrive from other
/// installations by sync) is shown, never run.
fn csv_text(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    }
}

/// The indicator table then a column per unit, as CSV: UTF-8 with a byte-order mark (so that Excel on
/// Windows reads the Vietnamese right), numbers with a point for decimals and no thousands separator.
pub fn to_csv(r: &Report) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(vec![0xEF, 0xBB, 0xBF]);
    let csv_err = |e: csv::Error| Error::Render(format!("csv: {e}"));
    let mut header: Vec<String> = HEADERS.iter().map(|h| h.to_string()).collect();
    header.extend(r.rows.iter().map(|x| csv_text(&x.title())));
    w.write_record(&header).map_err(csv_err)?;
    let num = |v: Option<f64>| v.map(|v| if v.fract() == 0.0 { format!("{}", v as i64) } else { format!("{v}") }).unwrap_or_default();
    for (i, l) in r.indicators.iter().enumerate() {
        let mut rec = vec![
            (i + 1).to_string(),
            csv_text(&l.code),
            csv_text(&l.name),
            csv_text(l.unit_of_measure.as_deref().unwrap_or_default()),
            num(l.value),
            num(l.target),
            num(l.percent_of_target),
            num(l.members.map(|m| m as f64)),
            num(l.percent_of_members),
        ];
        rec.extend(r.rows.iter().map(|x| num(x.values.get(&l.code).copied())));
        w.write_record(&rec).map_err(csv_err)?;
    }
    // Each unit's members, under its column, as on the sheet "Theo đơn vị".
    let mut members = vec![String::new(); HEADERS.len()];
    members[2] = "Tổng số đoàn viên".to_string();
    members.extend(r.rows.iter().map(|x| num(x.members.map(|m| m as f64))));
    w.write_record(&members).map_err(csv_err)?;
    w.into_inner().map_err(|e| Error::Render(format!("csv: {e}")))
}
