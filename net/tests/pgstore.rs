//! The national hub's PostgreSQL store against a real server that the test starts itself (initdb in a
//! temporary folder, a free port, stopped at the end): its schema set up once however many hubs start
//! together, and a wrong, unreachable or newer database refused with a message that names the problem.

use sotay_core::Lang;
use sotay_net::pgstore::{PgError, PgStore};
use sotay_tests::postgres::PgCluster;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a tokio runtime")
}

#[test]
fn a_new_database_is_set_up_once_even_by_two_hubs_starting_together() {
    let pg = PgCluster::start();
    let url = pg.database("national");
    let rt = runtime();
    let (a, b, c) = rt.block_on(async { tokio::join!(PgStore::open(&url), PgStore::open(&url), PgStore::open(&url)) });
    let (a, _b, _c) = (a.unwrap(), b.unwrap(), c.unwrap());
    assert_eq!(rt.block_on(a.schema_version()).unwrap(), sotay_net::pgstore::schema::known());
    assert_eq!(pg.psql("national", "SELECT count(*) FROM schema_version"), (true, "1".to_string()));
    let (ok, tables) = pg.psql("national", "SELECT string_agg(tablename, ',' ORDER BY tablename) FROM pg_tables WHERE schemaname = 'public'");
    assert!(ok);
    assert_eq!(tables, "acks,change_log,file_parts,files,held_heads,inbox,installation,origin_heads,peers,records,schema_version,units_placed");
    // Opened again: nothing to do, nothing changed.
    rt.block_on(PgStore::open(&url)).unwrap();
    assert_eq!(pg.psql("national", "SELECT version FROM schema_version").1, sotay_net::pgstore::schema::known().to_string());
}

#[test]
fn a_wrong_unreachable_or_newer_database_is_refused_with_a_message_that_names_it() {
    let pg = PgCluster::start();
    let rt = runtime();
    let open = |url: &str| rt.block_on(PgStore::open(url)).err().unwrap_or_else(|| panic!("{url} opened"));

    let e = open("mysql://root@127.0.0.1/national");
    assert_eq!(e.code(), "bad_database_url");
    assert!(e.message(Lang::Vi).contains("postgresql://"), "{}", e.message(Lang::Vi));
    assert_eq!(open("postgresql://postgres@127.0.0.1:notaport/x").code(), "bad_database_url");

    // Nothing listens on that port.
    let closed = sotay_tests::network::free_port();
    let e = open(&format!("postgresql://postgres@127.0.0.1:{closed}/national"));
    assert!(matches!(e, PgError::Unreachable { .. }), "{e:?}");
    assert!(e.message(Lang::Vi).contains(&format!("127.0.0.1:{closed}/national")), "{}", e.message(Lang::Vi));
    // The server answers but the database is not there.
    let e = open(&pg.url("no_such_database"));
    assert_eq!(e.code(), "database_unreachable");
    assert!(e.message(Lang::En).contains("no_such_database"), "{}", e.message(Lang::En));

    // Set up by a newer Sotay: refused, and nothing written into it.
    let url = pg.database("newer");
    rt.block_on(PgStore::open(&url)).unwrap();
    assert!(pg.psql("newer", "UPDATE schema_version SET version = 99").0);
    let e = open(&url);
    assert!(matches!(e, PgError::NewerSchema { found: 99, .. }), "{e:?}");
    assert!(e.message(Lang::Vi).contains("phiên bản Sổ tay mới hơn") && e.message(Lang::Vi).contains("99"), "{}", e.message(Lang::Vi));
    assert_eq!(pg.psql("newer", "SELECT version FROM schema_version").1, "99");
}
