//! The names people see for the fields of each kind of record, in Vietnamese and English — the same
//! words as the forms (ui/js/lang/*.js), so that a message names a field as the form beside it does.

use super::Kind;
use crate::i18n::Lang;

/// The label of a field of `kind`, by its path without list positions (`online_posts.link`).
pub fn label(kind: Kind, path: &str, lang: Lang) -> Option<&'static str> {
    let table: &[(&str, &str, &str)] = match kind {
        Kind::Unit => UNIT,
        Kind::Plan => PLAN,
        Kind::Event => EVENT,
        Kind::Practice => PRACTICE,
        Kind::Opinion => OPINION,
        Kind::Inspection => INSPECTION,
        Kind::Supervision => SUPERVISION,
        Kind::Case => CASE,
        Kind::Indicator => INDICATOR,
    };
    let with_files = matches!(kind, Kind::Event | Kind::Practice | Kind::Inspection | Kind::Supervision | Kind::Case);
    let shared: &[(&str, &str, &str)] = if with_files { ATTACHMENTS } else { &[] };
    table.iter().chain(shared).find(|(p, _, _)| *p == path).map(|(_, vi, en)| if lang == Lang::Vi { *vi } else { *en })
}

/// The evidence files of the kinds that have them.
const ATTACHMENTS: &[(&str, &str, &str)] = &[
    ("attachments", "Tệp minh chứng", "Evidence files"),
    ("attachments.sha256", "Mã băm của tệp", "File hash"),
    ("attachments.kind", "Loại tệp", "File kind"),
    ("attachments.name", "Tên tệp", "File name"),
    ("attachments.media_type", "Định dạng tệp", "File format"),
    ("attachments.size", "Dung lượng tệp", "File size"),
    ("attachments.caption", "Chú thích", "Caption"),
];

const UNIT: &[(&str, &str, &str)] = &[
    ("code", "Mã đơn vị", "Unit code"),
    ("name", "Tên đơn vị", "Unit name"),
    ("level", "Cấp", "Level"),
    ("parent_id", "Đơn vị cấp trên", "Upper unit"),
    ("upper_body", "Cơ quan cấp trên (in trên văn bản)", "Upper body (in document headers)"),
    ("place", "Địa danh ghi ngày tháng văn bản", "Place name for document dates"),
    ("valid_from", "Hiệu lực từ ngày", "Valid from"),
    ("valid_to", "Hiệu lực đến ngày", "Valid to"),
    ("successor_id", "Đơn vị kế thừa", "Successor unit"),
    ("change", "Thay đổi tổ chức", "Change"),
    ("split_into", "Các đơn vị nhận phần tách ra", "Other units of the split"),
    ("former_parents", "Các đơn vị cấp trên trước đây", "Former upper units"),
    ("former_parents.parent_id", "Đơn vị cấp trên trước đây", "Former upper unit"),
    ("former_parents.until", "Trực thuộc đến ngày", "Under it until"),
    ("member_count", "Tổng số đoàn viên", "Number of members"),
];

const PLAN: &[(&str, &str, &str)] = &[
    ("title", "Tên kế hoạch", "Title"),
    ("number", "Số, ký hiệu", "Number and symbol"),
    ("issued_on", "Ngày ban hành", "Issued on"),
    ("signer", "Người ký", "Signed by"),
    ("bases", "Căn cứ", "Bases (documents)"),
    ("purpose", "Mục đích, yêu cầu", "Purpose and requirements"),
    ("content", "Nội dung, nhiệm vụ", "Content and tasks"),
    ("forms", "Hình thức tuyên truyền", "Forms"),
    ("audience", "Đối tượng", "Audience"),
    ("start_on", "Ngày bắt đầu", "Start date"),
    ("end_on", "Ngày kết thúc", "End date"),
    ("place", "Địa điểm", "Place"),
    ("assignments", "Phân công thực hiện", "Assignments"),
    ("targets", "Chỉ tiêu", "Targets"),
    ("targets.indicator", "Chỉ tiêu", "Indicator"),
    ("targets.value", "Mức giao", "Target value"),
    ("reporting", "Chế độ báo cáo", "Reporting duty"),
    ("reporting.what", "Chế độ báo cáo (nội dung)", "Reporting duty (what)"),
    ("reporting.to", "Gửi báo cáo về", "Report to"),
    ("reporting.due_on", "Hạn báo cáo", "Report due"),
    ("recipients", "Nơi nhận", "Recipients"),
    ("status", "Trạng thái", "Status"),
    ("parent_plan_id", "Thực hiện kế hoạch cấp trên", "Carries out upper plan"),
];

const EVENT: &[(&str, &str, &str)] = &[
    ("title", "Tên hoạt động", "Title"),
    ("event_type", "Loại hoạt động", "Type"),
    ("mode", "Hình thức", "Mode"),
    ("start_at", "Bắt đầu", "Start"),
    ("end_at", "Kết thúc", "End"),
    ("plan_id", "Thuộc kế hoạch", "Plan"),
    ("task", "Nhiệm vụ trong kế hoạch", "Task in the plan"),
    ("connection_points", "Số điểm cầu trực tuyến", "Online connection points"),
    ("place", "Địa điểm", "Place"),
    ("unit_id", "Tổ chức tại đơn vị", "Held at unit"),
    ("organisers", "Đơn vị, người tổ chức", "Organisers"),
    ("audience", "Đối tượng tham dự", "Audience"),
    ("participants", "Thành phần tham dự", "Participants"),
    ("participants.members", "Đoàn viên", "Union members"),
    ("participants.non_members", "Thanh niên ngoài Đoàn", "Non-member youth"),
    ("participants.others", "Đối tượng khác", "Others"),
    ("participants.male", "Trong đó: nam", "of whom male"),
    ("participants.female", "Trong đó: nữ", "of whom female"),
    ("unique_members_reached", "Đoàn viên được tiếp cận (không trùng)", "Unique members reached"),
    ("online_posts", "Tin, bài đăng trên mạng", "Online posts"),
    ("online_posts.platform", "Nền tảng", "Platform"),
    ("online_posts.link", "Đường dẫn", "Link"),
    ("online_posts.views", "Lượt xem", "Views"),
    ("online_posts.reactions", "Lượt thích", "Reactions"),
    ("online_posts.comments", "Bình luận", "Comments"),
    ("online_posts.shares", "Chia sẻ", "Shares"),
    ("online_posts.measured_at", "Thời điểm ghi số liệu", "Measured at"),
    ("opinions_collected", "Số ý kiến góp ý thu được", "Opinions collected"),
    ("evidence", "Minh chứng", "Evidence"),
    ("evidence.kind", "Loại minh chứng", "Kind"),
    ("evidence.reference", "Tệp, mã băm hoặc đường dẫn", "File, hash or link"),
    ("status", "Tình trạng", "Status"),
    ("notes", "Ghi chú", "Notes"),
    ("attendees", "Danh sách đại biểu", "Attendees"),
    ("attendees.name", "Họ và tên", "Full name"),
    ("attendees.position", "Chức vụ", "Position"),
    ("attendees.unit", "Đơn vị", "Unit"),
    ("attendees.phone", "Điện thoại", "Phone"),
    ("attendees.note", "Ghi chú", "Notes"),
];

const PRACTICE: &[(&str, &str, &str)] = &[
    ("name", "Tên mô hình, cách làm", "Name"),
    ("field", "Lĩnh vực", "Field"),
    ("started_on", "Ngày bắt đầu thực hiện", "Started on"),
    ("problem", "Vấn đề đặt ra", "Problem"),
    ("approach", "Cách làm", "Approach"),
    ("results", "Kết quả (kèm số liệu)", "Results (with numbers)"),
    ("recognitions", "Công nhận, khen thưởng", "Recognition"),
    ("recognitions.level", "Cấp", "Level"),
    ("recognitions.form", "Hình thức", "Form"),
    ("recognitions.decision_number", "Số quyết định", "Decision no."),
    ("recognitions.decided_on", "Ngày quyết định", "Decided on"),
    ("replications", "Nhân rộng", "Replication"),
    ("replications.unit_id", "Đơn vị áp dụng", "Adopting unit"),
    ("replications.adopted_on", "Ngày áp dụng", "Adopted on"),
    ("evidence", "Minh chứng", "Evidence"),
    ("contact", "Người liên hệ", "Contact"),
];

const OPINION: &[(&str, &str, &str)] = &[
    ("topic", "Chủ đề", "Topic"),
    ("content", "Nội dung ý kiến", "Opinion"),
    ("given_on", "Ngày góp ý", "Given on"),
    ("event_id", "Thu được tại hoạt động", "Collected at activity"),
    ("contributor", "Người góp ý", "Contributor"),
    ("addressee", "Góp ý cho", "Addressed to"),
    ("draft_name", "Tên dự thảo", "Draft name"),
    ("forwarded_to", "Đã chuyển đến", "Forwarded to"),
    ("forward_document", "Văn bản chuyển", "Forwarding document"),
    ("response", "Trả lời", "Response"),
    ("response.status", "Kết quả trả lời", "Response"),
    ("response.text", "Nội dung trả lời", "Response text"),
    ("response.on", "Ngày trả lời", "Response date"),
];

const INSPECTION: &[(&str, &str, &str)] = &[
    ("content", "Nội dung kiểm tra", "Content"),
    ("held_on", "Ngày kiểm tra", "Held on"),
    ("decision_number", "Số quyết định", "Decision no."),
    ("team", "Đoàn kiểm tra", "Team"),
    ("inspected_unit_ids", "Đơn vị được kiểm tra", "Units inspected"),
    ("period_from", "Thời kỳ kiểm tra từ ngày", "Period inspected from"),
    ("period_to", "Thời kỳ kiểm tra đến ngày", "Period inspected to"),
    ("findings", "Kết quả theo từng nội dung", "Findings per item"),
    ("findings.item", "Nội dung", "Item"),
    ("findings.met", "Đạt", "Met"),
    ("findings.note", "Ghi chú", "Note"),
    ("recommendations", "Kiến nghị", "Recommendations"),
    ("deadline", "Hạn khắc phục", "Remediation deadline"),
    ("remediation", "Tình hình khắc phục", "Remediation"),
    ("closing_report_number", "Số báo cáo kết thúc", "Closing report no."),
];

const SUPERVISION: &[(&str, &str, &str)] = &[
    ("subject", "Nội dung, đối tượng", "Subject"),
    ("kind", "Hình thức", "Kind"),
    ("role", "Vai trò", "Role"),
    ("period_from", "Từ ngày", "From"),
    ("period_to", "Đến ngày", "To"),
    ("partners", "Cơ quan, đơn vị phối hợp", "Partners"),
    ("findings", "Kết quả", "Findings"),
    ("recommendations", "Kiến nghị", "Recommendations"),
    ("recommendations_count", "Số kiến nghị", "Recommendations made"),
    ("recommendations_resolved", "Số kiến nghị đã được giải quyết", "Recommendations resolved"),
    ("follow_up", "Theo dõi, đôn đốc", "Follow-up"),
];

const CASE: &[(&str, &str, &str)] = &[
    ("summary", "Tóm tắt nội dung", "Summary"),
    ("platform", "Nền tảng", "Platform"),
    ("detected_at", "Thời điểm phát hiện", "Detected at"),
    ("detected_by", "Người phát hiện", "Detected by"),
    ("link", "Đường dẫn", "Link"),
    ("screenshot_sha256", "Mã băm ảnh chụp màn hình (SHA-256)", "Screenshot hash (SHA-256)"),
    ("category", "Phân loại", "Category"),
    ("reach_at_detection", "Lượt tiếp cận khi phát hiện", "Reach when found"),
    ("actions", "Biện pháp xử lý", "Actions"),
    ("actions.kind", "Biện pháp", "Action"),
    ("actions.on", "Ngày xử lý", "Date"),
    ("actions.link", "Đường dẫn", "Link"),
    ("actions.note", "Ghi chú", "Note"),
    ("outcome", "Kết quả xử lý", "Outcome"),
    ("status", "Tình trạng", "Status"),
    ("sensitive", "Thông tin nhạy cảm", "Sensitive"),
];

const INDICATOR: &[(&str, &str, &str)] = &[
    ("code", "Mã chỉ tiêu", "Code"),
    ("name", "Tên chỉ tiêu", "Name"),
    ("name_en", "Tên tiếng Anh", "English name"),
    ("group", "Nhóm chỉ tiêu", "Group"),
    ("unit_of_measure", "Đơn vị tính", "Unit of measure"),
    ("aggregation", "Cách cộng dồn", "Aggregation"),
    ("rule", "Cách tính", "Rule"),
    ("rule.source", "Loại bản ghi được đếm", "Records counted"),
    ("rule.measure", "Số liệu được tính", "Measure"),
    ("rule.subtype", "Loại hoạt động", "Event types"),
    ("rule.mode", "Hình thức", "Modes"),
    ("rule.status", "Tình trạng", "Statuses"),
];
