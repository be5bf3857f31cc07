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
                format!("Không kết nối được cơ sở dữ liệu {target}: {detail}. Hãy kiểm tra máy chủ PostgreSQL đang chạy, địa chỉ, cổng và quyền đăng nhập (pg_hba.conf)")
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
