//! The plan (kế hoạch) and the period report (báo cáo) as documents: the same head, number, place-date
//! line, title, recipients and signature block as the meeting materials (DOMAIN.md §5), the body filled
//! from the plan record or from [`crate::report::Report`].

use chrono::NaiveDate;
use serde_json::{json, Value};

use super::{issuer_code, number_line, place_date, signer, text, DocOptions};
use crate::error::Result;
use crate::model::{Aggregation, Kind};
use crate::report::Report;
use crate::store::Store;
use crate::text::{vn_decimal, vn_number};

fn date_of(v: &Value, key: &str) -> Option<NaiveDate> {
    text(v, key).and_then(|s| NaiveDate::parse_from_str(&s, "%Y-%m-%d").ok())
}

fn dmy(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

/// "Mode" of a plan in words.
fn forms(mode: Option<String>) -> Option<String> {
    mode.map(|m| {
        match m.as_str() {
            "in_person" => "Trực tiếp",
            "online" => "Trực tuyến",
            "hybrid" => "Kết hợp trực tiếp và trực tuyến",
            other => other,
        }
        .to_string()
    })
}

impl Store {
    /// The data of the plan document (data.json of plan.typ).
    pub fn plan_data(&self, plan_id: &str, opts: &DocOptions) -> Result<Value> {
        let plan = self.get(Kind::Plan, plan_id)?;
        let owner = plan["owner_unit"].as_str().unwrap_or_default().to_string();
        let who = self.issuer(&owner)?;
        // The plan's own number and date when it has them; a number from the register or given by hand wins.
        let number = match (opts.number, text(&plan, "number")) {
            (None, Some(n)) => n,
            (n, _) => number_line(n, "KH", issuer_code(&who.level)),
        };
        let date = opts.date.or_else(|| date_of(&plan, "issued_on")).unwrap_or_else(crate::clock::today_vn);
        let catalogue = self.indicators()?;
        let targets: Vec<Value> = plan
            .get("targets")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
            .map(|(i, t)| {
                let code = t.get("indicator").and_then(Value::as_str).unwrap_or_default();
                let ind = catalogue.iter().find(|c| c.code == code);
                json!({
                    "no": i + 1,
                    "name": ind.map(|c| c.name.clone()).unwrap_or_else(|| code.to_string()),
                    "unit": ind.and_then(|c| c.unit_of_measure.clone()).unwrap_or_default(),
                    "value": vn_decimal(t.get("value").and_then(Value::as_f64).unwrap_or(0.0)),
                })
            })
            .collect();
        let when = match (date_of(&plan, "start_on"), date_of(&plan, "end_on")) {
            (Some(s), Some(e)) => Some(format!("Từ ngày {} đến ngày {}", dmy(s), dmy(e))),
            (Some(s), None) => Some(format!("Từ ngày {}", dmy(s))),
            _ => None,
        };
        let reporting = plan.get("reporting").filter(|r| r.is_object()).map(|r| {
            let mut line = text(r, "what").unwrap_or_default();
            if let Some(to) = text(r, "to") {
                line.push_str(&format!(" gửi về {to}"));
            }
            if let Some(due) = date_of(r, "due_on") {
                line.push_str(&format!(" trước ngày {}", dmy(due)));
            }
            line
        });
        let mut recipients: Vec<String> = plan
            .get("recipients")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(|r| format!("{};", r.trim_end_matches(';')))
            .collect();
        recipients.push("Lưu VP.".into());
        let strings = |k: &str| plan.get(k).and_then(Value::as_array).map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect::<Vec<_>>()).unwrap_or_default();
        Ok(json!({
            "header": who.header(Some(number), Some(place_date(&who.place, date))),
            "subject": text(&plan, "title").unwrap_or_default(),
            "bases": strings("bases"),
            "issuer_name": who.unit_name,
            "purpose": text(&plan, "purpose"),
            "content": text(&plan, "content"),
            "forms": forms(text(&plan, "forms")),
            "audience": text(&plan, "audience"),
            "when": when,
            "place": text(&plan, "place"),
            "targets": targets,
            "assignments": text(&plan, "assignments"),
            "reporting": reporting,
            "signer": signer(opts, text(&plan, "signer")),
            "recipients": recipients,
        }))
    }

    /// The data of the report document (data.json of report.typ).
    pub fn report_data(&self, report: &Report, opts: &DocOptions) -> Result<Value> {
        let who = self.issuer(&report.unit.id)?;
        let date = opts.date.unwrap_or_else(crate::clock::today_vn);
        let num = |v: Option<f64>| v.map(vn_decimal).unwrap_or_default();
        let lines: Vec<Value> = report
            .indicators
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let mut name = l.name.clone();
                if l.aggregation == Aggregation::Ratio {
                    if let Some(p) = l.percent_of_members {
                        name.push_str(&format!(" — {}% tổng số đoàn viên", vn_decimal(p)));
                    }
                }
                json!({"no": i + 1, "code": l.code, "name": name, "unit": l.unit_of_measure.clone().unwrap_or_default(),
                       "value": num(l.value), "target": num(l.target), "percent": num(l.percent_of_target),
                       "by_hand": l.value.is_none()})
            })
            .collect();
        // The per-unit table shows the indicators most reports are read for; the spreadsheet has them all.
        let key = ["TT-01", "TT-02", "TT-03", "GY-02", "MH-01"];
        let key_names: Vec<Value> = key
            .iter()
            .filter_map(|k| report.indicators.iter().find(|l| l.code == *k))
            .map(|l| json!({"code": l.code, "unit": l.unit_of_measure}))
            .collect();
        let rows: Vec<Value> = report
            .rows
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let name = r.title();
                let cells: Vec<String> = key_names
                    .iter()
                    .map(|k| k["code"].as_str().and_then(|c| r.values.get(c)).map(|v| vn_decimal(*v)).unwrap_or_default())
                    .collect();
                json!({"no": i + 1, "name": name, "events": vn_number(r.events), "participants": vn_number(r.participants), "cells": cells})
            })
            .collect();
        let summary = format!(
            "{}, {} và các đơn vị trực thuộc đã tổ chức {} hoạt động tuyên truyền với {} lượt người tham gia (mọi thành phần, kể cả đối tượng khác).",
            report.period.opening(),
            report.unit.name,
            vn_number(report.events),
            vn_number(report.participants)
        );
        let evidence_line = format!(
            "Có {}/{} hoạt động có minh chứng (ảnh, danh sách điểm danh, biên bản…); {} hoạt động chưa có minh chứng.",
            vn_number(report.events_with_evidence),
            vn_number(report.events),
            vn_number((report.events - report.events_with_evidence).max(0))
        );
        let annex = if opts.evidence_annex { self.annex_data(report)? } else { Vec::new() };
        let upper = who.parent_name.clone().map(|n| format!("Ban Thường vụ {n} (b/c);"));
        let recipients: Vec<String> = upper.into_iter().chain(["Lưu VP.".to_string()]).collect();
        Ok(json!({
            "header": who.header(Some(number_line(opts.number, "BC", issuer_code(&who.level))), Some(place_date(&who.place, date))),
            "subject": format!("Kết quả công tác tuyên truyền {}", report.period.label),
            "structure": report.structure.heading(report.period.end, crate::Lang::Vi),
            "summary": summary,
            "evidence_line": evidence_line,
            "annex": annex,
            "lines": lines,
            "key": key_names,
            "rows": rows,
            "signer": signer(opts, None),
            "recipients": recipients,
        }))
    }

    /// The annex: per row of the report (in its order), per event with evidence, its photos (thumbnails,
    /// with captions) and the names of its other files. Photos not arrived yet are left out.
    fn annex_data(&self, report: &Report) -> Result<Vec<Value>> {
        let mut out = Vec::new();
        for row in &report.rows {
            let events: Vec<Value> = report
                .evidence
                .iter()
                .filter(|e| e.row_id == row.id)
                .map(|e| -> Result<Value> {
                    let mut photos = Vec::new();
                    let mut others = Vec::new();
                    for f in &e.files {
                        let caption = f.caption.clone().unwrap_or_default();
                        if f.media_type == "image/jpeg" && self.holds_file(&f.sha256)? {
                            photos.push(json!({"sha256": f.sha256, "path": format!("img/{}.jpg", f.sha256), "caption": caption,
                                               "kind": f.kind.label(crate::Lang::Vi)}));
                        } else {
                            others.push(format!("{} ({})", f.name, f.kind.label(crate::Lang::Vi)));
                        }
                    }
                    let date = e.start.get(..10).and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()).map(dmy).unwrap_or_default();
                    Ok(json!({"title": e.title, "date": date, "photos": photos, "others": others.join("; ")}))
                })
                .collect::<Result<_>>()?;
            if !events.is_empty() {
                out.push(json!({"unit": row.title(), "events": events}));
            }
        }
        Ok(out)
    }
}
