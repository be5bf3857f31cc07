//! The national hub's state in PostgreSQL (issue 16, docs/national.md): a pool of connections
//! (deadpool-postgres over tokio-postgres, no TLS on loopback), the schema and its version. Opening
//! refuses — with a message that names the problem, and the hub does not start — an address that is not
//! PostgreSQL's, a server that cannot be reached, and a database set up by a newer Sotay.

mod adopt;
mod error;
pub mod hub;
mod index;
pub mod report;
pub mod schema;

pub use adopt::Adopted;

use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use tokio_postgres::NoTls;

pub use error::PgError;

/// How long opening waits for the server before it says it cannot reach it.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// An open national hub database.
pub struct PgStore {
    pool: Pool,
}

/// `host:port/database` of a URL, for messages (never the password).
fn target(config: &tokio_postgres::Config) -> String {
    let host = config
        .get_hosts()
        .first()
        .map(|h| match h {
            tokio_postgres::config::Host::Tcp(name) => name.clone(),
            tokio_postgres::config::Host::Unix(path) => path.display().to_string(),
        })
        .unwrap_or_default();
    let port = config.get_ports().first().copied().unwrap_or(5432);
    format!("{host}:{port}/{}", config.get_dbname().unwrap_or_default())
}

impl PgStore {
    /// Connects to `url` (`postgresql://user@host:port/database`), brings its schema up to this
    /// program's (under an advisory lock, so hubs starting together migrate once) and refuses a newer one.
    pub async fn open(url: &str) -> Result<PgStore, PgError> {
        let (store, where_) = Self::connect(url)?;
        let mut client = store.pool.get().await.map_err(|e| PgError::Unreachable { target: where_.clone(), detail: unreachable_detail(&e) })?;
        migrate(&mut client).await?;
        Ok(store)
    }

    /// Connects to `url` for reading only (a streaming replica, or a role with SELECT alone): nothing is
    /// migrated; a database of another schema version than this program's is refused.
    pub async fn open_read_only(url: &str) -> Result<PgStore, PgError> {
        let (store, where_) = Self::connect(url)?;
        let client = store.pool.get().await.map_err(|e| PgError::Unreachable { target: where_.clone(), detail: unreachable_detail(&e) })?;
        let found: i32 = match client.query_opt("SELECT version FROM schema_version", &[]).await {
            Ok(row) => row.map(|r| r.get(0)).unwrap_or(0),
            Err(e) if e.code() == Some(&tokio_postgres::error::SqlState::UNDEFINED_TABLE) => 0,
            Err(e) => return Err(e.into()),
        };
        let known = schema::known();
        if found > known {
            return Err(PgError::NewerSchema { found, known });
        }
        if found < known {
            return Err(PgError::NotAdopted);
        }
        drop(client);
        Ok(store)
    }

    fn connect(url: &str) -> Result<(PgStore, String), PgError> {
        if !(url.starts_with("postgresql://") || url.starts_with("postgres://")) {
            return Err(PgError::BadUrl { detail: url.split('@').next_back().unwrap_or_default().to_string() });
        }
        let mut config: tokio_postgres::Config = url.parse().map_err(|e: tokio_postgres::Error| PgError::BadUrl { detail: e.to_string() })?;
        config.connect_timeout(CONNECT_TIMEOUT);
        config.application_name("sotay-hub");
        // A hub killed in the middle of a statement frees its locks within seconds (docs/national.md).
        config.options("-c idle_in_transaction_session_timeout=60000 -c client_connection_check_interval=2000");
        let where_ = target(&config);
        let manager = Manager::from_config(config, NoTls, ManagerConfig { recycling_method: RecyclingMethod::Fast });
        let pool = Pool::builder(manager).max_size(16).build().map_err(|e| PgError::Database(e.to_string()))?;
        Ok((PgStore { pool }, where_))
    }

    /// The schema version the database is at.
    pub async fn schema_version(&self) -> Result<i32, PgError> {
        let client = self.client().await?;
        Ok(client.query_one("SELECT version FROM schema_version", &[]).await?.get(0))
    }

    pub(crate) async fn client(&self) -> Result<deadpool_postgres::Object, PgError> {
        Ok(self.pool.get().await?)
    }
}

/// Why a connection failed, without the driver's layers of wording.
fn unreachable_detail(e: &deadpool_postgres::PoolError) -> String {
    match e {
        deadpool_postgres::PoolError::Backend(pg) => {
            pg.as_db_error().map(|d| d.message().to_string()).unwrap_or_else(|| {
                let mut text = pg.to_string();
                let mut source = std::error::Error::source(pg);
                while let Some(s) = source {
                    text = s.to_string();
                    source = s.source();
                }
                text
            })
        }
        other => other.to_string(),
    }
}

/// Runs the migrations this database lacks, in one transaction under the migration lock.
async fn migrate(client: &mut deadpool_postgres::Object) -> Result<(), PgError> {
    let tx = client.transaction().await?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&schema::MIGRATION_LOCK]).await?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS schema_version (
             singleton  boolean PRIMARY KEY DEFAULT true CHECK (singleton),
             version    integer NOT NULL,
             written_by text NOT NULL,
             applied_at timestamptz NOT NULL DEFAULT now())",
    )
    .await?;
    let found: i32 = tx.query_opt("SELECT version FROM schema_version", &[]).await?.map(|r| r.get(0)).unwrap_or(0);
    let known = schema::known();
    if found > known {
        return Err(PgError::NewerSchema { found, known });
    }
    for sql in &schema::MIGRATIONS[found as usize..] {
        tx.batch_execute(sql).await?;
    }
    if found < known {
        let by = format!("sotay {}", env!("CARGO_PKG_VERSION"));
        tx.execute(
            "INSERT INTO schema_version (version, written_by) VALUES ($1, $2)
             ON CONFLICT (singleton) DO UPDATE SET version = excluded.version, written_by = excluded.written_by, applied_at = now()",
            &[&known, &by],
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}
