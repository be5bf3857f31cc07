//! What can go wrong on the network, worded for the officer (Vietnamese first).

use sotay_core::{Error, Lang};

#[derive(Debug, thiserror::Error)]
pub enum NetError {
    /// No upper unit, or it has no hub address yet.
    #[error("no hub is set for the upper unit")]
    NoHub,
    #[error("bad hub address {0}")]
    BadUrl(String),
    /// The status endpoint's address is not a loopback address and port.
    #[error("{0}: the status endpoint listens on a loopback address only (127.0.0.1:PORT or [::1]:PORT)")]
    StatusAddress(String),
    /// The hub could not be reached at all (no network, hub off): the normal state in the field.
    #[error("hub unreachable: {0}")]
    Offline(String),
    /// The certificate is not the one pinned at enrolment.
    #[error("the hub's certificate does not match the enrolled fingerprint")]
    WrongCertificate,
    /// Answered, but by another Sotay installation than the enrolled upper one.
    #[error("the hub is installation {found}, not the enrolled {expected}")]
    WrongHub { expected: String, found: String },
    #[error("timed out: {0}")]
    Timeout(&'static str),
    /// The link broke during an exchange.
    #[error("connection lost: {0}")]
    Broken(String),
    /// The hub refused, with its status and `{code, message}`.
    #[error("hub answered {status} {code}: {message}")]
    Refused { status: u16, code: String, message: String },
    /// The hub's answer made no sense (not our protocol).
    #[error("unexpected answer from the hub: {0}")]
    Protocol(String),
    /// The hub acknowledged less than it was sent, several times: stop rather than loop.
    #[error("the hub did not acknowledge what was sent")]
    NoProgress,
    #[error(transparent)]
    Core(#[from] Error),
    /// The national hub's PostgreSQL database (crate::pgstore).
    #[error(transparent)]
    Database(#[from] crate::pgstore::PgError),
}

impl NetError {
    /// A stable code for the UI and logs.
    pub fn code(&self) -> &'static str {
        match self {
            NetError::NoHub => "no_hub",
            NetError::BadUrl(_) => "bad_url",
            NetError::StatusAddress(_) => "status_address",
            NetError::Offline(_) => "offline",
            NetError::WrongCertificate => "wrong_certificate",
            NetError::WrongHub { .. } => "wrong_hub",
            NetError::Timeout(_) => "timeout",
            NetError::Broken(_) => "broken",
            NetError::Refused { .. } => "refused",
            NetError::Protocol(_) => "protocol",
            NetError::NoProgress => "no_progress",
            NetError::Core(e) => e.code(),
            NetError::Database(e) => e.code(),
        }
    }

    /// Worth another try later (the link or the hub's load), as opposed to a setting to fix.
    pub fn is_transient(&self) -> bool {
        match self {
            NetError::Offline(_) | NetError::Timeout(_) | NetError::Broken(_) | NetError::NoProgress => true,
            NetError::Refused { status, .. } => matches!(status, 408 | 413 | 429 | 500..=599),
            _ => false,
        }
    }

    pub fn message(&self, lang: Lang) -> String {
        let vi = lang == Lang::Vi;
        match self {
            NetError::NoHub if vi => "Chưa có địa chỉ máy chủ của cấp trên. Nhập tệp đăng ký của cấp trên có địa chỉ máy chủ, hoặc đặt địa chỉ bằng `sotay sync --hub https://…`.".into(),
            NetError::NoHub => "No hub address for the upper unit. Import the upper unit's enrolment file that names its hub, or set it with `sotay sync --hub https://…`.".into(),
            NetError::BadUrl(u) if vi => format!("Địa chỉ máy chủ không hợp lệ: {u} (dạng https://máy:cổng)"),
            NetError::BadUrl(u) => format!("Bad hub address: {u} (expected https://host:port)"),
            NetError::StatusAddress(a) if vi => format!("{a}: trang trạng thái chỉ nghe trên địa chỉ nội bộ của máy (127.0.0.1:CỔNG hoặc [::1]:CỔNG)"),
            NetError::StatusAddress(_) => self.to_string(),
            NetError::Offline(d) if vi => format!("Không kết nối được máy chủ cấp trên (đang ngoại tuyến): {d}"),
            NetError::Offline(d) => format!("Cannot reach the upper unit's hub (offline): {d}"),
            NetError::WrongCertificate if vi => "Chứng chỉ của máy chủ không khớp với dấu vân tay đã đăng ký — có thể là máy chủ giả. Không gửi gì.".into(),
            NetError::WrongCertificate => "The hub's certificate does not match the enrolled fingerprint — possibly not the real hub. Nothing was sent.".into(),
            NetError::WrongHub { expected, found } if vi => format!("Máy chủ là {found}, không phải cấp trên đã đăng ký ({expected})."),
            NetError::WrongHub { expected, found } => format!("The hub is {found}, not the enrolled upper installation {expected}."),
            NetError::Timeout(what) if vi => format!("Hết thời gian chờ ({what}); sẽ thử lại."),
            NetError::Timeout(what) => format!("Timed out ({what}); will retry."),
            NetError::Broken(d) if vi => format!("Mất kết nối giữa chừng ({d}); sẽ thử lại, không mất hay nhân đôi dữ liệu."),
            NetError::Broken(d) => format!("Connection lost midway ({d}); will retry, nothing is lost or doubled."),
            NetError::Refused { status, message, .. } if vi => format!("Máy chủ từ chối ({status}): {message}"),
            NetError::Refused { status, message, .. } => format!("The hub refused ({status}): {message}"),
            NetError::Protocol(d) if vi => format!("Máy chủ trả lời không đúng giao thức: {d}"),
            NetError::Protocol(d) => format!("Unexpected answer from the hub: {d}"),
            NetError::NoProgress if vi => "Máy chủ chưa xác nhận dữ liệu đã gửi; sẽ thử lại.".into(),
            NetError::NoProgress => "The hub did not acknowledge what was sent; will retry.".into(),
            NetError::Core(e) => e.message(lang),
            NetError::Database(e) => e.message(lang),
        }
    }
}
