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
            PgError::Database(detail) => format!("Lỗi cơ sở dữ liệu: {detail}"),
        }
    }
}

impl From<tokio_postgres::Error> for PgError {
    fn from(e: tokio_postgres::Error) -> Self {
        PgError::Database(e.as_db_error().map(|d| d.message().to_string()).unwrap_or_else(|| e.to_string()))
    }
}
