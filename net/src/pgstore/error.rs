//! What can go wrong with the national hub's PostgreSQL database, worded for the province's or the
//! Central Committee's IT officer (Vietnamese first): the hub does not start on any of these.

use sotay_core::Lang;

#[derive(Debug, thiserror::Error)]
pub enum PgError {
    /// Not a PostgreSQL URL (`postgresql://user@host:port/database`).
    #[error("not a PostgreSQL address: {detail}")]
    BadUrl { detail: String },
    /// Nothing answers there, or it refused the connection or the login.
    #[error("cannot reach the database {target}: {detail}")]
    Unreachable { target: String, detail: String },
    /// The database was set up by a newer Sotay: this one must not write into it.
    #[error("the database was set up by a newer Sotay (schema {found}, this program knows up to {known})")]
    NewerSchema { found: i32, known: i32 },
    /// The database already holds another hub's installation.
    #[error("the database holds another installation ({held}), not {offered}")]
    OtherInstallation { held: String, offered: String },
    /// No hub was adopted into this database yet (`sotay hub adopt`).
    #[error("no hub installation in this database yet: run `sotay hub adopt` first")]
    NotAdopted,
    /// The connection was lost or the server is restarting, or two hubs met on a lock: worth trying
    /// again in a moment (a push is answered "retry later").
    #[error("the database is not available right now: {0}")]
    Unavailable(String),
    /// Any other error the server answered.
    #[error("database error: {0}")]
    Database(String),
}

impl PgError {
    /// A stable code for logs and tests.
    pub fn code(&self) -> &'static str {
        match self {
            PgError::BadUrl { .. } => "bad_database_url",
            PgError::Unreachable { .. } => "database_unreachable",
            PgError::NewerSchema { .. } => "newer_database",
            PgError::OtherInstallation { .. } => "other_installation",
            PgError::NotAdopted => "not_adopted",
            PgError::Unavailable(_) => "database_unavailable",
            PgError::Database(_) => "database",
        }
    }

    pub fn message(&self, lang: Lang) -> String {
        if lang == Lang::En {
            return self.to_string();
        }
        match self {
            PgError::BadUrl { detail } => {
                format!("Địa chỉ cơ sở dữ liệu không đúng dạng postgresql://người_dùng@máy:cổng/tên_cơ_sở_dữ_liệu ({detail})")
            }
            PgError::Unreachable { target, detail } => {
                let why = match reason_vi(detail) {
                    Some(reason) => format!("{reason} ({detail})"),
                    None => detail.clone(),
                };
                format!("Không kết nối được cơ sở dữ liệu {target}: {why}. Hãy kiểm tra máy chủ PostgreSQL đang chạy, địa chỉ, cổng và quyền đăng nhập (pg_hba.conf)")
            }
            PgError::NewerSchema { found, known } => format!(
                "Cơ sở dữ liệu do một phiên bản Sổ tay mới hơn thiết lập (lược đồ {found}, chương trình này chỉ biết đến {known}): hãy cập nhật Sổ tay trên máy chủ này; hub chưa chạy"
            ),
            PgError::OtherInstallation { held, offered } => format!(
                "Cơ sở dữ liệu này đang là của một cài đặt khác ({held}), không phải {offered}: hai hub không được dùng chung một cơ sở dữ liệu"
            ),
            PgError::NotAdopted => "Cơ sở dữ liệu chưa có cài đặt hub nào: hãy chạy `sotay hub adopt` trước".to_string(),
            PgError::Unavailable(detail) => format!("Cơ sở dữ liệu tạm thời không sẵn sàng ({detail}); hãy thử lại sau ít phút"),
            PgError::Database(detail) => format!("Lỗi cơ sở dữ liệu: {detail}"),
        }
    }
}

/// A database failure behind a report (`PgReport`), carried through sotay-core with its message in both
/// languages.
impl From<PgError> for sotay_core::Error {
    fn from(e: PgError) -> Self {
        sotay_core::Error::Source { code: e.code(), vi: e.message(Lang::Vi), en: e.message(Lang::En) }
    }
}

/// The usual reasons a connection fails, said in Vietnamese (the system and the server word them in
/// English; the original stays beside it for IT staff).
fn reason_vi(detail: &str) -> Option<&'static str> {
    let d = detail.to_ascii_lowercase();
    [
        ("connection refused", "không có máy chủ nào nhận kết nối ở cổng đó"),
        ("timed out", "hết thời gian chờ máy chủ trả lời"),
        ("failed to lookup address", "không tìm thấy máy chủ có tên đó"),
        ("name or service not known", "không tìm thấy máy chủ có tên đó"),
        ("password authentication failed", "sai tên đăng nhập hoặc mật khẩu"),
        ("no pg_hba.conf entry", "máy chủ không cho máy này đăng nhập (pg_hba.conf)"),
        ("does not exist", "không có người dùng hoặc cơ sở dữ liệu đó trên máy chủ"),
    ]
    .iter()
    .find(|(english, _)| d.contains(english))
    .map(|(_, vi)| *vi)
}

impl From<tokio_postgres::Error> for PgError {
    fn from(e: tokio_postgres::Error) -> Self {
        match e.as_db_error() {
            // 08: connection exception; 57P: the server shutting down or restarting; 53: out of
            // resources; 40001/40P01: serialization failure, deadlock (the other side went on).
            Some(d) if ["08", "57", "53", "40"].iter().any(|class| d.code().code().starts_with(class)) => PgError::Unavailable(d.message().to_string()),
            Some(d) => PgError::Database(d.message().to_string()),
            None if e.is_closed() || io_underneath(&e) => PgError::Unavailable(e.to_string()),
            None => PgError::Database(e.to_string()),
        }
    }
}

impl From<deadpool_postgres::PoolError> for PgError {
    fn from(e: deadpool_postgres::PoolError) -> Self {
        PgError::Unavailable(super::unreachable_detail(&e))
    }
}

/// Whether an error without a server answer came from the connection (reset, refused, timed out).
fn io_underneath(e: &tokio_postgres::Error) -> bool {
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        if s.is::<std::io::Error>() {
            return true;
        }
        source = s.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_or_failed_login_is_said_in_vietnamese_with_the_original_beside_it() {
        let e = PgError::Unreachable { target: "10.0.0.5:5432/sotay".into(), detail: "Connection refused (os error 111)".into() };
        assert_eq!(
            e.message(Lang::Vi),
            "Không kết nối được cơ sở dữ liệu 10.0.0.5:5432/sotay: không có máy chủ nào nhận kết nối ở cổng đó (Connection refused (os error 111)). \
             Hãy kiểm tra máy chủ PostgreSQL đang chạy, địa chỉ, cổng và quyền đăng nhập (pg_hba.conf)"
        );
        let e = PgError::Unreachable { target: "db/sotay".into(), detail: "password authentication failed for user \"doc\"".into() };
        assert!(e.message(Lang::Vi).contains("sai tên đăng nhập hoặc mật khẩu"));
        let e = PgError::Unreachable { target: "db/sotay".into(), detail: "something new".into() };
        assert!(e.message(Lang::Vi).contains(": something new. "));
    }
}
