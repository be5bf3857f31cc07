//! Words shown to people: Vietnamese first, English second.

use crate::error::{Error, Problem, Refusal};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Vi,
    En,
}

impl Lang {
    pub fn parse(s: &str) -> Lang {
        if s.trim().to_ascii_lowercase().starts_with("en") {
            Lang::En
        } else {
            Lang::Vi
        }
    }
}

/// Vietnamese and English names of the fields that validation can name.
pub fn field_label(field: &str, lang: Lang) -> String {
    let leaf = field.rsplit('.').next().unwrap_or(field);
    let leaf = leaf.split('[').next().unwrap_or(leaf);
    let (vi, en) = match leaf {
        "title" => ("Tên/tiêu đề", "Title"),
        "attendees" => ("Danh sách đại biểu", "Attendees"),
        "position" => ("Chức vụ", "Position"),
        "phone" => ("Điện thoại", "Phone"),
        "note" => ("Ghi chú", "Notes"),
        "unit" => ("Đơn vị", "Unit"),
        "document" => ("Loại văn bản", "Document"),
        "name" => ("Tên", "Name"),
        "code" => ("Mã", "Code"),
        "kind" => ("Loại", "Kind"),
        "parent_id" => ("Đơn vị cấp trên", "Parent unit"),
        "successor_id" => ("Đơn vị kế thừa", "Successor unit"),
        "split_into" => ("Các đơn vị nhận phần tách ra", "Other units of the split"),
        "former_parents" => ("Các đơn vị cấp trên trước đây", "Former upper units"),
        "valid_from" => ("Hiệu lực từ", "Valid from"),
        "valid_to" => ("Hiệu lực đến", "Valid to"),
        "owner_unit" => ("Đơn vị", "Unit"),
        "unit_id" => ("Đơn vị", "Unit"),
        "plan_id" => ("Kế hoạch", "Plan"),
        "parent_plan_id" => ("Kế hoạch cấp trên", "Parent plan"),
        "event_id" => ("Hoạt động", "Event"),
        "start_at" => ("Bắt đầu", "Start"),
        "end_at" => ("Kết thúc", "End"),
        "start_on" => ("Ngày bắt đầu", "Start date"),
        "end_on" => ("Ngày kết thúc", "End date"),
        "issued_on" => ("Ngày ban hành", "Issue date"),
        "event_type" => ("Loại hoạt động", "Event type"),
        "mode" => ("Hình thức", "Mode"),
        "members" => ("Số đoàn viên", "Members"),
        "non_members" => ("Số thanh niên ngoài Đoàn", "Non-members"),
        "others" => ("Đối tượng khác", "Others"),
        "male" => ("Nam", "Male"),
        "female" => ("Nữ", "Female"),
        "participants" => ("Số người tham gia", "Participants"),
        "unique_members_reached" => ("Số đoàn viên được tiếp cận", "Unique members reached"),
        "connection_points" => ("Số điểm cầu", "Connection points"),
        "opinions_collected" => ("Số ý kiến thu được", "Opinions collected"),
        "indicator" => ("Chỉ tiêu", "Indicator"),
        "value" => ("Giá trị", "Value"),
        "number" => ("Số, ký hiệu", "Number"),
        "content" => ("Nội dung", "Content"),
        "topic" => ("Chủ đề", "Topic"),
        "given_on" => ("Ngày góp ý", "Date given"),
        "detected_at" => ("Thời điểm phát hiện", "Detected at"),
        "platform" => ("Nền tảng", "Platform"),
        "summary" => ("Tóm tắt", "Summary"),
        "screenshot_sha256" => ("Mã băm ảnh chụp", "Screenshot hash"),
        "address" => ("Địa chỉ cơ sở dữ liệu", "Database address"),
        "period_from" => ("Từ ngày", "From"),
        "period_to" => ("Đến ngày", "To"),
        "held_on" => ("Ngày kiểm tra", "Inspection date"),
        "subject" => ("Đối tượng", "Subject"),
        "status" => ("Trạng thái", "Status"),
        "views" => ("Lượt xem", "Views"),
        "period" => ("Kỳ báo cáo", "Reporting period"),
        "cut_off" => ("Ngày chốt số liệu", "Cut-off day"),
        "from" => ("Từ ngày", "From"),
        "to" => ("Đến ngày", "To"),
        "date" => ("Ngày", "Date"),
        "year" => ("Năm", "Year"),
        "plan" => ("Kế hoạch", "Plan"),
        "event" => ("Hoạt động", "Event"),
        "(record)" => ("Bản ghi", "Record"),
        "hub_url" => ("Địa chỉ máy chủ", "Hub address"),
        "fingerprint" => ("Dấu vân tay khóa", "Key fingerprint"),
        "scope" => ("Cách đánh số văn bản", "Document numbering"),
        "term_start" => ("Năm bắt đầu nhiệm kỳ", "Term start year"),
        "seed" => ("Dữ liệu mẫu", "Demo data"),
        "dir" => ("Thư mục", "Folder"),
        "docs" => ("Tài liệu", "Documents"),
        _ => ("", ""),
    };
    let label = if lang == Lang::Vi { vi } else { en };
    if label.is_empty() { field.to_string() } else { label.to_string() }
}

/// A kind of record as people name it: "hoạt động" / "event". An unknown kind is given back as it is.
pub fn kind_name(kind: &str, lang: Lang) -> String {
    let (vi, en) = match kind {
        "unit" => ("đơn vị", "unit"),
        "event" => ("hoạt động", "event"),
        "plan" => ("kế hoạch", "plan"),
        "practice" => ("mô hình", "model practice"),
        "opinion" => ("ý kiến", "opinion"),
        "inspection" => ("cuộc kiểm tra", "inspection"),
        "supervision" => ("cuộc giám sát", "supervision"),
        "case" => ("vụ việc", "false-information case"),
        "indicator" => ("chỉ tiêu", "indicator"),
        other => (other, other),
    };
    if lang == Lang::Vi { vi.to_string() } else { en.to_string() }
}

/// A document `sotay print` makes, as people name it: "giấy mời" / "invitation".
pub fn document_name(doc: &str, lang: Lang) -> String {
    let (vi, en) = match doc {
        "invitation" => ("giấy mời", "invitation"),
        "agenda" => ("chương trình", "agenda"),
        "attendance" => ("danh sách đại biểu", "attendance sheet"),
        "minutes" => ("biên bản", "minutes"),
        "outline" => ("đề cương tuyên truyền", "propaganda outline"),
        "plan" => ("kế hoạch", "plan"),
        "report" => ("báo cáo", "report"),
        other => (other, other),
    };
    if lang == Lang::Vi { vi.to_string() } else { en.to_string() }
}

pub fn error_message(e: &Error, lang: Lang) -> String {
    let vi = lang == Lang::Vi;
    match e {
        Error::Invalid { field, problem } => field_problem_text(field, problem, lang),
        Error::InvalidRecord { kind, problems } => {
            problems.iter().map(|p| record_problem_text(*kind, &p.field, &p.problem, lang)).collect::<Vec<_>>().join("; ")
        }
        Error::BadJson { line, column, detail } => {
            if vi {
                format!("Dữ liệu JSON không hợp lệ ở dòng {line}, cột {column}: {detail}")
            } else {
                format!("Invalid JSON at line {line}, column {column}: {detail}")
            }
        }
        Error::NotFound { kind, id } => {
            let what = kind_name(kind, lang);
            if vi { format!("Không tìm thấy {what} có mã {id}") } else { format!("No {what} with id {id}") }
        }
        Error::NotInitialized => {
            if vi {
                "Chưa thiết lập đơn vị cho máy này (chạy `sotay init` hoặc mở ứng dụng)".into()
            } else {
                "This installation has no unit yet (run `sotay init` or open the app)".into()
            }
        }
        Error::AlreadyInitialized => {
            if vi { "Máy này đã được thiết lập đơn vị".into() } else { "This installation is already set up".into() }
        }
        Error::NewerDatabase { found, known } => {
            if vi {
                format!("Cơ sở dữ liệu do phiên bản Sotay mới hơn tạo (lược đồ {found}, bản này chỉ biết đến {known}); hãy cập nhật Sotay")
            } else {
                format!("The database was written by a newer Sotay (schema {found}, this one knows up to {known}); update Sotay")
            }
        }
        Error::NotADatabase { path } => {
            if vi {
                format!("Tệp {path} không phải cơ sở dữ liệu Sotay (không phải SQLite)")
            } else {
                format!("{path} is not a Sotay database (not an SQLite file)")
            }
        }
        Error::Sqlite(err) => {
            if vi { format!("Lỗi cơ sở dữ liệu: {err}") } else { format!("Database error: {err}") }
        }
        Error::Io { path, source } => {
            if vi { format!("Lỗi đọc/ghi tệp {path}: {source}") } else { format!("File error on {path}: {source}") }
        }
        Error::NotOwner { kind, id, owner } => {
            if vi {
                format!("{kind} {id} thuộc đơn vị {owner}; chỉ đơn vị đó được sửa")
            } else {
                format!("{kind} {id} belongs to unit {owner}; only that unit can change it")
            }
        }
        Error::UnitEnded { unit, until, successor } => {
            let day: String = until.split('-').rev().collect::<Vec<_>>().join("/");
            match (vi, successor) {
                (true, Some(next)) => format!("{unit} đã kết thúc từ sau ngày {day} (chuyển về {next}): không ghi được hồ sơ sau ngày đó ở đây; hãy ghi ở máy của {next}, hoặc nhận tệp đăng ký của {next} để máy này tiếp tục làm việc cho {next} (giữ nguyên hồ sơ cũ)"),
                (true, None) => format!("{unit} đã kết thúc từ sau ngày {day}: không ghi được hồ sơ sau ngày đó ở đây; hãy ghi ở máy của đơn vị kế thừa"),
                (false, Some(next)) => format!("{unit} ended after {day} (its work went to {next}): records dated later cannot be written here; write them on {next}'s computer, or take {next}'s enrolment file to go on here as {next} (old records kept)"),
                (false, None) => format!("{unit} ended after {day}: records dated later cannot be written here; write them on the successor unit's computer"),
            }
        }
        Error::NotASuccessor { unit, of, ended: false } => {
            if vi {
                format!("{of} chưa được cấp trên ghi là đã sáp nhập hoặc chia tách: chưa thể chuyển máy này sang {unit}")
            } else {
                format!("The level above has not recorded {of} as merged or split: this computer cannot go on as {unit} yet")
            }
        }
        Error::NotASuccessor { unit, of, ended: true } => {
            if vi {
                format!("{unit} không phải đơn vị kế thừa của {of}: hãy dùng tệp đăng ký của đơn vị mà {of} được sáp nhập vào")
            } else {
                format!("{unit} is not a successor of {of}: use the enrolment file of the unit {of} was merged into")
            }
        }
        Error::NothingToUndo => {
            if vi { "Không có thay đổi tổ chức nào để hoàn tác".to_string() } else { "There is no structure change to undo".to_string() }
        }
        Error::AlreadySent => {
            if vi {
                "Thay đổi này đã được gửi đi (qua USB hoặc mạng) nên không hoàn tác được nữa: các đơn vị cấp dưới có thể đã nhận. Hãy ghi một thay đổi mới để sửa lại".to_string()
            } else {
                "This change has been sent (on a stick or over the network) and can no longer be undone: the units below may have it. Record a new change to put it right".to_string()
            }
        }
        Error::NotYetSent { changes } => {
            if vi {
                format!("Còn {changes} thay đổi chưa được cấp trên xác nhận đã nhận: hãy đồng bộ với cấp trên trước (USB hoặc mạng), rồi làm lại")
            } else {
                format!("{changes} change(s) not yet acknowledged by the level above: sync with it first (stick or network), then try again")
            }
        }
        Error::StructureFromAbove { unit, field } => {
            if vi {
                format!("Trường {field} của {unit} do cấp trên quyết định (sáp nhập, chia tách, đổi tên, chuyển đơn vị): hãy đề nghị đơn vị cấp trên sửa")
            } else {
                format!("The {field} of {unit} is decided by the level above (merges, splits, renames, moves): ask the upper unit to change it")
            }
        }
        Error::NoUpperPeer => {
            if vi {
                "Chưa kết nối với đơn vị cấp trên: hãy đọc tệp kết nối của cấp trên ở màn hình «Kết nối» (hoặc lệnh sotay enroll import) trước khi xuất".into()
            } else {
                "Not connected to an upper unit yet: read the upper unit's connection file on the Connect screen (or sotay enroll import) before exporting".into()
            }
        }
        Error::Render(detail) => {
            if vi { format!("Không dàn trang được văn bản: {detail}") } else { format!("The document could not be laid out: {detail}") }
        }
        Error::Refused { file, refusal } => {
            let why = refusal_text(refusal, lang);
            if vi { format!("Từ chối tệp {file}: {why}; không có gì được ghi") } else { format!("Refused {file}: {why}; nothing was written") }
        }
        Error::Source { vi: text_vi, en, .. } => {
            if vi { text_vi.clone() } else { en.clone() }
        }
        Error::Integrity(what) => {
            if vi { format!("Kiểm tra toàn vẹn thất bại: {what}") } else { format!("Integrity check failed: {what}") }
        }
        Error::FilesRefused { count } => {
            if vi { format!("{count} tệp bị từ chối; không có gì của các tệp đó được ghi (lý do ở từng dòng trên)") }
            else { format!("{count} file(s) refused; nothing of them was written (the reasons are on the lines above)") }
        }
        Error::BackupFailed { path, detail } => {
            if vi { format!("Không sao lưu được vào {path}: {detail}; dữ liệu hiện có không thay đổi") }
            else { format!("No backup could be made in {path}: {detail}; the data as it is was not changed") }
        }
        Error::Vault(p) => vault_problem_text(p, lang),
        Error::FileRefused { file, problem } => {
            let why = file_problem_text(problem, lang);
            if vi { format!("Không nhận tệp {file}: {why}") } else { format!("File {file} not taken: {why}") }
        }
        Error::RestoreRefused { file, reason } => {
            let why = restore_problem_text(reason, lang);
            if vi { format!("Không khôi phục từ tệp {file}: {why}. Dữ liệu hiện có không thay đổi") }
            else { format!("Not restored from {file}: {why}. The data as it is was not changed") }
        }
        Error::BadClock { year } => {
            if vi { format!("Đồng hồ của máy đang chỉ năm {year}: hãy chỉnh lại ngày giờ của máy rồi thử lại") }
            else { format!("The computer's clock reads the year {year}: set the date and time right, then try again") }
        }
    }
}

fn vault_problem_text(p: &crate::error::VaultProblem, lang: Lang) -> String {
    use crate::error::VaultProblem as P;
    let vi = lang == Lang::Vi;
    let wait = |s: i64| -> String {
        if s <= 0 { String::new() } else if vi { format!("; thử lại sau {s} giây") } else { format!("; try again in {s} seconds") }
    };
    match p {
        P::WrongPassphrase { wait_seconds } => {
            if vi { format!("Mật khẩu không đúng; dữ liệu không thay đổi{}", wait(*wait_seconds)) }
            else { format!("Wrong passphrase; nothing was changed{}", wait(*wait_seconds)) }
        }
        P::WrongRecoveryCode { wait_seconds } => {
            if vi { format!("Mã khôi phục không đúng; dữ liệu không thay đổi{}", wait(*wait_seconds)) }
            else { format!("Wrong recovery code; nothing was changed{}", wait(*wait_seconds)) }
        }
        P::WrongKeyFile { path } => {
            if vi { format!("Tệp khóa {path} không mở được dữ liệu này") } else { format!("The key file {path} does not open this data") }
        }
        P::TryLater { seconds } => {
            if vi { format!("Đã nhập sai nhiều lần; hãy chờ {seconds} giây rồi thử lại") }
            else { format!("Too many wrong tries; wait {seconds} seconds, then try again") }
        }
        P::PassphraseTooShort { min } => {
            if vi { format!("Mật khẩu: cần ít nhất {min} ký tự") } else { format!("Passphrase: at least {min} characters") }
        }
        P::PassphraseNeeded => {
            if vi { "Cần mật khẩu của dữ liệu: nhập khi được hỏi, hoặc đặt SOTAY_PASSPHRASE, hoặc dùng --passphrase-file / --key-file".into() }
            else { "The data's passphrase is needed: type it when asked, or set SOTAY_PASSPHRASE, or give --passphrase-file / --key-file".into() }
        }
        P::KeyFileMissing { path } => {
            if vi { format!("Không thấy tệp khóa {path} bên cạnh dữ liệu; không có nó thì dữ liệu không mở được. Hãy khôi phục từ một bản sao lưu (bản sao lưu mang theo khóa của nó)") }
            else { format!("The key file {path} beside the data is missing; without it the data cannot be opened. Restore from a backup (each backup carries its key)") }
        }
        P::KeyFileDamaged { path } => {
            if vi { format!("Tệp khóa {path} bị hỏng; hãy khôi phục từ một bản sao lưu") } else { format!("The key file {path} is damaged; restore from a backup") }
        }
        P::OtherKey => {
            if vi { "Khóa này không phải của dữ liệu này".into() } else { "This key is not this data's".into() }
        }
        P::Locked => {
            if vi { "Sổ tay đang khóa; hãy nhập mật khẩu để mở".into() } else { "Sotay is locked; enter the passphrase to open it".into() }
        }
        P::NotEncrypted => {
            if vi { "Dữ liệu này do phiên bản Sổ tay cũ tạo, chưa được mã hóa; hãy đặt mật khẩu để mã hóa (một lần, có sao lưu trước)".into() }
            else { "This data was made by an older Sotay and is not encrypted yet; set a passphrase to encrypt it (once, with a backup first)".into() }
        }
        P::NotSealedToUs => {
            if vi { "Khóa của bản sao lưu này không được gửi cho đơn vị này, nên không mở được".into() }
            else { "This backup's key was not sealed to this unit, so it cannot be opened here".into() }
        }
    }
}

/// Why a file was not kept, worded for the officer who picked it.
pub fn file_problem_text(p: &crate::evidence::FileProblem, lang: Lang) -> String {
    use crate::evidence::FileProblem as P;
    let vi = lang == Lang::Vi;
    let mb = |b: u64| format!("{:.1}", b as f64 / 1_048_576.0).replace('.', if vi { "," } else { "." });
    match p {
        P::Empty => if vi { "tệp rỗng".into() } else { "the file is empty".into() },
        P::Unsupported { extension } => {
            let ext = if extension.is_empty() { "(không đuôi)".to_string() } else { format!(".{extension}") };
            if vi { format!("chỉ nhận ảnh JPEG, PNG, WebP và tệp PDF (tệp này là {ext})") }
            else { format!("only JPEG, PNG and WebP photos and PDF files are taken (this one is {ext})") }
        }
        P::Heic => {
            if vi { "ảnh HEIC (iPhone) chưa đọc được; trên iPhone chọn Cài đặt › Camera › Định dạng › «Tương thích nhất», hoặc gửi ảnh dưới dạng JPEG".into() }
            else { "HEIC photos (iPhone) cannot be read yet; on the iPhone choose Settings › Camera › Formats › «Most Compatible», or send the photo as JPEG".into() }
        }
        P::NotWhatItSays { extension, actual } => {
            let actual = if *actual == "?" { if vi { "loại không nhận ra" } else { "an unknown kind" } } else { actual };
            if vi { format!("tên tệp ghi .{extension} nhưng nội dung là {actual}") }
            else { format!("the name says .{extension} but the content is {actual}") }
        }
        P::TooLarge { size, cap } => {
            if vi { format!("tệp {} MB, lớn hơn mức cho phép {} MB", mb(*size), mb(*cap)) }
            else { format!("the file is {} MB, over the {} MB allowed", mb(*size), mb(*cap)) }
        }
        P::Truncated => if vi { "tệp bị cắt cụt (chép hoặc tải về chưa hết)".into() } else { "the file is cut short (copied or downloaded in part)".into() },
        P::Damaged(detail) => if vi { format!("tệp bị hỏng, không đọc được ({detail})") } else { format!("the file is damaged and cannot be read ({detail})") },
        P::TooManyPixels { width, height } => {
            if *width == 0 {
                if vi { "ảnh lớn bất thường, vượt giới hạn giải nén".into() } else { "the picture is abnormally large, over the decoding limit".into() }
            } else if vi { format!("ảnh tự khai {width} × {height} điểm ảnh, lớn bất thường (giới hạn 120 triệu điểm ảnh)") }
            else { format!("the picture claims {width} × {height} pixels, abnormally large (limit 120 million pixels)") }
        }
        P::HashMismatch => if vi { "nội dung không khớp mã băm: tệp bị hỏng hoặc bị sửa trên đường đi".into() } else { "the content does not match its hash: damaged or altered on the way".into() },
        P::UnsafeName => if vi { "tên tệp không hợp lệ (đường dẫn ra ngoài thư mục tệp)".into() } else { "an unsafe file name (a path out of the files folder)".into() },
        P::Unreadable(detail) => if vi { format!("không đọc được tệp ({detail})") } else { format!("the file cannot be read ({detail})") },
    }
}

fn restore_problem_text(p: &crate::error::RestoreProblem, lang: Lang) -> String {
    use crate::error::RestoreProblem as P;
    let vi = lang == Lang::Vi;
    match p {
        P::NotSqlite => {
            if vi { "tệp này không phải một bản sao lưu Sotay trọn vẹn (tệp loại khác, hoặc bản sao lưu chép dở)".into() }
            else { "this file is not a whole Sotay backup (another kind of file, or a backup copied only in part)".into() }
        }
        P::Damaged(detail) => {
            if vi { format!("bản sao lưu bị hỏng hoặc không trọn vẹn (chép dở?): {detail}") }
            else { format!("the backup is damaged or incomplete (copied only in part?): {detail}") }
        }
        P::NotSotay => if vi { "tệp SQLite này không phải dữ liệu Sotay".into() } else { "this SQLite file is not Sotay data".into() },
        P::Newer { found, known } => {
            if vi { format!("bản sao lưu do phiên bản Sotay mới hơn tạo (lược đồ {found}, bản này biết đến {known}); hãy cập nhật Sotay trước") }
            else { format!("the backup was made by a newer Sotay (schema {found}, this one knows up to {known}); update Sotay first") }
        }
        P::OtherUnit { backup } => {
            if vi { format!("đây là bản sao lưu của đơn vị khác ({backup})") }
            else { format!("this is a backup of another unit ({backup})") }
        }
        P::InUse => {
            if vi { "dữ liệu đang mở ở chương trình khác (cửa sổ Sổ tay?); hãy đóng lại rồi khôi phục".into() }
            else { "the data is open in another program (the Sotay window?); close it, then restore".into() }
        }
        P::OtherInstallation => {
            if vi { "đây là bản sao lưu của một máy khác của đơn vị; mỗi máy chỉ khôi phục bản sao lưu của chính nó (máy mới: khôi phục khi chưa thiết lập đơn vị)".into() }
            else { "this is a backup of another laptop of the unit; each laptop restores only its own backups (a new laptop: restore before setting up a unit)".into() }
        }
    }
}

pub(crate) fn refusal_text(r: &Refusal, lang: Lang) -> String {
    let vi = lang == Lang::Vi;
    match r {
        Refusal::NotOurFormat => if vi { "không phải tệp đồng bộ của Sotay".into() } else { "not a Sotay sync file".into() },
        Refusal::NewerFormat { found, known } => {
            if vi { format!("định dạng phiên bản {found} mới hơn bản này ({known}); hãy cập nhật Sotay") }
            else { format!("format version {found} is newer than this Sotay knows ({known}); update Sotay") }
        }
        Refusal::Malformed { line, detail } => {
            if vi { format!("dòng {line} sai cấu trúc: {detail}") } else { format!("line {line} is malformed: {detail}") }
        }
        Refusal::TooLarge { line, max } => {
            if vi { format!("dòng {line} dài quá {max} byte") } else { format!("line {line} is longer than {max} bytes") }
        }
        Refusal::Truncated => if vi { "tệp bị cắt cụt (thiếu phần cuối)".into() } else { "the file is cut short (no ending)".into() },
        Refusal::DigestMismatch => if vi { "mã băm không khớp: tệp đã bị sửa hoặc hỏng".into() } else { "digest mismatch: the file was altered or damaged".into() },
        Refusal::BadSignature => if vi { "chữ ký không hợp lệ".into() } else { "bad signature".into() },
        Refusal::UnknownKey { fingerprint } => {
            if vi { format!("khóa {fingerprint} chưa được đăng ký (sotay enroll)") } else { format!("key {fingerprint} is not enrolled (sotay enroll)") }
        }
        Refusal::NotForThisInstallation => if vi { "tệp gửi cho máy khác".into() } else { "the file is addressed to another installation".into() },
        Refusal::OutOfScope { line, owner_unit } => {
            if vi { format!("dòng {line}: thay đổi bản ghi của đơn vị {owner_unit}, ngoài phạm vi của bên gửi") }
            else { format!("line {line}: changes a record of unit {owner_unit}, outside the sender's scope") }
        }
        Refusal::NotNfc { line } => {
            if vi { format!("dòng {line}: văn bản không ở dạng chuẩn NFC") } else { format!("line {line}: text is not in NFC form") }
        }
        Refusal::OutOfRange { line } => {
            if vi { format!("dòng {line}: thay đổi nằm ngoài các khoảng đã khai báo hoặc sai thứ tự") }
            else { format!("line {line}: change outside the declared ranges or out of order") }
        }
        Refusal::OwnChanges => if vi { "tệp chứa thay đổi của chính máy này".into() } else { "the file carries this installation's own changes".into() },
        Refusal::TrailingData { line } => {
            if vi { format!("dòng {line}: có nội dung sau phần kết của tệp") } else { format!("line {line}: text after the end of the bundle") }
        }
        Refusal::Unaccounted { origin, seq } => {
            if vi { format!("thay đổi số {seq} của máy {origin} không có trong tệp mà cũng không được khai là bỏ qua") }
            else { format!("change {seq} of origin {origin} is neither in the file nor declared left out") }
        }
        Refusal::NotSealedToUs => {
            if vi { "tệp được mã hóa cho một máy khác, máy này không mở được; hãy xuất tệp dành cho máy này".into() }
            else { "the file is encrypted for another installation and cannot be opened here; export one for this installation".into() }
        }
        Refusal::SealBroken { line } => {
            if vi { format!("dòng {line}: nội dung mã hóa không mở được (tệp bị sửa hoặc hỏng); không nhận gì từ tệp này") }
            else { format!("line {line}: the encrypted content does not open (the file was changed or damaged); nothing of it is taken") }
        }
        Refusal::Revoked { installation } => {
            if vi { format!("khóa của máy {installation} đã bị thu hồi (máy bị mất hoặc đã thay); không nhận gì do máy đó ký sau khi thu hồi") }
            else { format!("the key of installation {installation} was revoked (a lost or replaced laptop); nothing it signed after that is taken") }
        }
        Refusal::NotFromSender => {
            if vi { "tệp do máy khác ký, không phải máy gửi yêu cầu".into() } else { "the file was signed by another installation than the one sending it".into() }
        }
        Refusal::LeftOutUpward { origin } => {
            if vi { format!("tệp gửi lên bỏ qua thay đổi của máy {origin}; tệp gửi lên phải mang mọi thay đổi") }
            else { format!("an upward bundle leaves out changes of origin {origin}; upward, every change travels") }
        }
    }
}

/// "Số đoàn viên: không được là số âm": the field as people name it, then what is wrong.
pub fn field_problem_text(field: &str, problem: &Problem, lang: Lang) -> String {
    format!("{}: {}", field_label(field, lang), problem_text(problem, lang))
}

/// "Đường dẫn (Tin, bài đăng trên mạng, dòng 2): …": a field of a record named as its form names it.
pub fn record_problem_text(kind: crate::model::Kind, field: &str, problem: &Problem, lang: Lang) -> String {
    let other = |f: &str| record_field_label(kind, f, lang);
    format!("{}: {}", record_field_label(kind, field, lang), problem_words(problem, lang, &other))
}

/// What is wrong with a field of a record, without the field's name (a form shows it beside the field,
/// under its label); another field it speaks of is named as the form names it.
pub fn record_problem_only(kind: crate::model::Kind, problem: &Problem, lang: Lang) -> String {
    problem_words(problem, lang, &|f: &str| record_field_label(kind, f, lang))
}

/// A field of a record as its form names it; a field in a list says which row: "Họ và tên (Danh sách
/// đại biểu, dòng 3)". Falls back to the general names of [`field_label`].
pub fn record_field_label(kind: crate::model::Kind, path: &str, lang: Lang) -> String {
    let mut key = String::new();
    let mut rows: Vec<(String, usize)> = Vec::new();
    for segment in path.split('.') {
        let (name, index) = match segment.split_once('[') {
            Some((name, rest)) => (name, rest.trim_end_matches(']').parse::<usize>().ok()),
            None => (segment, None),
        };
        if !key.is_empty() {
            key.push('.');
        }
        key.push_str(name);
        if let Some(i) = index {
            let list = crate::model::labels::label(kind, &key, lang).map(str::to_string).unwrap_or_else(|| field_label(&key, lang));
            rows.push((list, i + 1));
        }
    }
    let leaf = crate::model::labels::label(kind, &key, lang).map(str::to_string).unwrap_or_else(|| field_label(path, lang));
    let row = if lang == Lang::Vi { "dòng" } else { "row" };
    match rows.last() {
        // A row of a list of values (units inspected): the list's own name, and the row.
        Some((_, n)) if path.ends_with(']') => format!("{leaf} ({row} {n})"),
        // A field of a row of a list of records.
        Some((list, n)) => format!("{leaf} ({list}, {row} {n})"),
        None => leaf,
    }
}
fn problem_text(p: &Problem, lang: Lang) -> String {
    problem_words(p, lang, &|f: &str| field_label(f, lang))
}

/// What is wrong; `other` names another field the problem speaks of.
fn problem_words(p: &Problem, lang: Lang, other_label: &dyn Fn(&str) -> String) -> String {
    let vi = lang == Lang::Vi;
    match p {
        Problem::Required => if vi { "bắt buộc phải nhập".into() } else { "is required".into() },
        Problem::TooLong { max } => {
            if vi { format!("dài quá {max} ký tự") } else { format!("is longer than {max} characters") }
        }
        Problem::Negative => if vi { "không được là số âm".into() } else { "must not be negative".into() },
        Problem::TooLarge { max } => {
            let max = crate::text::vn_number(*max);
            if vi { format!("không được lớn hơn {max}") } else { format!("must not be more than {max}") }
        }
        Problem::NotAfter { other } => {
            let other = other_label(other);
            if vi { format!("phải sau hoặc bằng {other}") } else { format!("must not be before {other}") }
        }
        Problem::UnknownUnit(id) => {
            if vi { format!("không có đơn vị {id}") } else { format!("unknown unit {id}") }
        }
        Problem::UnknownPlan(id) => {
            if vi { format!("không có kế hoạch {id}") } else { format!("unknown plan {id}") }
        }
        Problem::UnknownEvent(id) => {
            if vi { format!("không có hoạt động {id}") } else { format!("unknown event {id}") }
        }
        Problem::UnknownIndicator(c) => {
            if vi { format!("không có chỉ tiêu {c}") } else { format!("unknown indicator {c}") }
        }
        Problem::BadDate(s) => {
            if vi { format!("ngày/giờ không hợp lệ: {s}") } else { format!("not a valid date/time: {s}") }
        }
        Problem::BadValue(s) => {
            if vi { format!("giá trị không hợp lệ: {s}") } else { format!("invalid value: {s}") }
        }
        Problem::Duplicate(s) => {
            if vi { format!("đã có: {s}") } else { format!("already exists: {s}") }
        }
        Problem::SumExceeds { total } => {
            let total = other_label(total);
            if vi { format!("lớn hơn {total}") } else { format!("is more than {total}") }
        }
        Problem::MaleFemaleOverTotal { sum, total } => {
            let (sum, total) = (crate::text::vn_number(*sum), crate::text::vn_number(*total));
            if vi { format!("nam và nữ cộng lại ({sum}) nhiều hơn tổng số người tham gia ({total})") }
            else { format!("male and female together ({sum}) are more than all who took part ({total})") }
        }
        Problem::NoSuchDay(s) => {
            if vi { format!("không có ngày này trong lịch: {s}") } else { format!("there is no such day: {s}") }
        }
        Problem::ControlCharacter => {
            if vi { "có ký tự điều khiển không in được".into() } else { "contains a control character".into() }
        }
        Problem::OneLineOnly => if vi { "chỉ được viết trên một dòng".into() } else { "must fit on one line".into() },
        Problem::NotALink => {
            if vi { "đường dẫn phải bắt đầu bằng http:// hoặc https://".into() } else { "a link must start with http:// or https://".into() }
        }
        Problem::OnlyOnlineOrHybrid => {
            if vi { "chỉ dùng cho hoạt động trực tuyến hoặc kết hợp".into() } else { "only for online or hybrid events".into() }
        }
        Problem::CodeCharacters => {
            if vi { "chỉ gồm chữ cái không dấu A–Z, chữ số, dấu - và _".into() } else { "letters A–Z, digits, - and _ only".into() }
        }
        Problem::NotSha256 => if vi { "phải là 64 chữ số thập lục phân".into() } else { "must be 64 hexadecimal digits".into() },
        Problem::UnknownChoice(v) => {
            if vi { format!("«{v}» không có trong danh sách lựa chọn") } else { format!("«{v}» is not one of the choices") }
        }
        Problem::NotAWholeNumber => if vi { "phải là số nguyên".into() } else { "must be a whole number".into() },
        Problem::NotText => if vi { "phải là chữ".into() } else { "must be text".into() },
        Problem::NotAList => if vi { "phải là một danh sách".into() } else { "must be a list".into() },
        Problem::NotYesNo => if vi { "phải là có hoặc không".into() } else { "must be yes or no".into() },
        Problem::NotAnObject => if vi { "phải là một bản ghi (đối tượng JSON)".into() } else { "must be a record (a JSON object)".into() },
        Problem::OneOf { value, choices } => {
            if vi { format!("«{value}» không có; chọn một trong: {choices}") } else { format!("«{value}» is not known; choose one of: {choices}") }
        }
        Problem::NotNextUnit(name) => {
            if vi { format!("«{name}» không phải đơn vị ngay trên hay ngay dưới đơn vị này") }
            else { format!("«{name}» is neither directly above nor below this unit") }
        }
        Problem::NotHttps(url) => {
            if vi { format!("địa chỉ máy chủ phải bắt đầu bằng https://: {url}") } else { format!("a hub address must start with https://: {url}") }
        }
        Problem::RevokeUpper(unit) => {
            if vi { format!("không thể thu hồi khóa của cấp trên của chính đơn vị mình ({unit})") }
            else { format!("an installation cannot revoke the key of its own upper level ({unit})") }
        }
        Problem::RevokedKey(unit) => {
            if vi { format!("khóa trong tệp này ({unit}) đã bị thu hồi ở đây; máy mới của đơn vị phải kết nối bằng tệp của chính máy mới") }
            else { format!("the key in this file ({unit}) was revoked here; the unit's new laptop connects with its own new file") }
        }
        Problem::FileNotHere(sha) => {
            let short = &sha[..sha.len().min(12)];
            if vi { format!("máy này không có tệp {short}…; hãy đính kèm tệp thay vì ghi mã băm") }
            else { format!("this installation does not hold the file {short}…; attach the file rather than its hash") }
        }
        Problem::UnknownField(f) => {
            if vi { format!("không có trường «{f}»") } else { format!("there is no field «{f}»") }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_field_message_names_the_field_in_vietnamese() {
        let e = Error::invalid("participants.members", Problem::Negative);
        assert_eq!(e.message(Lang::Vi), "Số đoàn viên: không được là số âm");
        assert_eq!(e.message(Lang::En), "Members: must not be negative");
    }

    #[test]
    fn date_order_message_names_both_fields() {
        let e = Error::invalid("end_at", Problem::NotAfter { other: "start_at".into() });
        assert_eq!(e.message(Lang::Vi), "Kết thúc: phải sau hoặc bằng Bắt đầu");
    }
}

#[cfg(test)]
mod labels_of_values {
    use super::*;

    /// The fields of errors about one value rather than a record (the CLI's options, the print centre):
    /// each has a name in both languages.
    #[test]
    fn every_field_an_error_names_outside_records_has_a_name() {
        let fields = [
            "(record)", "code", "cut_off", "document", "end_at", "fingerprint", "hub_url", "kind", "owner_unit",
            "participants.members", "period", "register.scope", "register.term_start", "seed", "title", "to", "from",
            "unit", "year", "docs", "event", "plan", "dir", "date",
        ];
        for f in fields {
            let (vi, en) = (field_label(f, Lang::Vi), field_label(f, Lang::En));
            assert!(vi != f && en != f && !vi.contains('_') && vi != en, "{f}: «{vi}» / «{en}»");
        }
    }
}
