//! The migrations are `sqlx::migrate!` of `migrations/sqlite` and `migrations/postgres`:
//! sqlx keys each applied migration by version and SHA-384 of its SQL. Databases created
//! before the store used the macro (a hand-written migration source giving the same
//! versions and checksums) keep opening only while the applied files stay byte for byte
//! what they were: these tests pin them, and show that an edit is refused, not re-run.

use bilan_store::{ReportFilter, Store, StoreError};
use sha2::{Digest, Sha384};

mod common;

/// (file, SHA-384 in hex) of every migration released so far, as found in the
/// `_sqlx_migrations` table of databases created by earlier versions. Append, never edit.
const RELEASED: &[(&str, &str)] = &[
    (
        "sqlite/0001_initial.sql",
        "ba0e76b7fc178fce917a3e8298ca81edc226cf99f9e035b6160cc6a8ac4fdc9612d2368e1a062ac111b122302fc81752",
    ),
    (
        "sqlite/0002_state_review.sql",
        "26839a35880a52fb3e796276ba2a8d73e66f51f59750c00526da82f95dfb021db784ea60dd4f1c797177e81ca407dcc1",
    ),
    (
        "sqlite/0003_audit_chain.sql",
        "497b9eb2bb002e54339c0b8d86c3a49b9bd02ce895542b6e83c4c2f47243155887983739d39a732170c261dec657d141",
    ),
    (
        "sqlite/0004_accounts.sql",
        "ff0240753964e12cf0516b7b12d911a4b2aeca1a30f71d1958d913f7cc1c373f72932f496dc36f992bf71ae6620237a6",
    ),
    (
        "sqlite/0005_referentiels_campaigns.sql",
        "dc2e02f82571931a859b6b42a30b6a188cc848bdca3ed527eaa281d28c8c22e567bbfdaa635e4f00bcd83e12e25e73a2",
    ),
    (
        "postgres/0001_initial.sql",
        "1f62f6871d43f8f13a49d5a6bff0f1a2700e099914de771662505c0d677eba16f557e5a7e806ee55b345853c6c63bc33",
    ),
    (
        "postgres/0002_state_review.sql",
        "9817896e44b2f728dd2ba113bcb49363320ef5e138e2690dc21e773fc69dfccbf01bddb02d2f417305757c15604ef48d",
    ),
    (
        "postgres/0003_audit_chain.sql",
        "15ce19cc05da8dc55ea704375b1a451e5459d7d3469d76de3e45209547ac46831e1e939620522f5d00bf33aa12d8e5c6",
    ),
    (
        "postgres/0004_accounts.sql",
        "254416fa61d9cefb153da024159e79ab8b1c2d5fd6711b971d23ea42461a454cece4aa074e75cc571cdfee0181353122",
    ),
    (
        "postgres/0005_referentiels_campaigns.sql",
        "84956fdedc7b012459388812407c9746945dc8fab3fcd4aeb87618515268845230f50a74ae3c860b297589c4f9de7d00",
    ),
    (
        "sqlite/0006_user_email.sql",
        "aa869ca110d354f3ab9d1217c1b37e0f7934adddd6adb5eb55ddc6354428a6e104ac4e57827e7293260a4977a0d6f251",
    ),
    (
        "sqlite/0007_notifications.sql",
        "df54791f2112e6829c4e3cf74da188aae60cca8ae9b7a2d31ead04e5e203a45ae2cac2be080d3ac97e6a305b007e7f2e",
    ),
    (
        "sqlite/0008_attachments.sql",
        "525b6e85e285e1021a15d400b729fce662312de9a9ce090238f33cb9a3cbcbdfcd90bed24f0cdc443bbbcb9c8b37548b",
    ),
    (
        "sqlite/0009_oidc.sql",
        "0d9df862c69525ef5fe0bb8498f767e2f68a5364fd4851697a9b003c013d4a07978f89d84508a1136dd46e5e1b42739d",
    ),
    (
        "sqlite/0010_report_figures.sql",
        "76d2d9a64a293bd2d903260401df05f4189a72a14d3d282510e2727990eeca390149bc0b87583444a5f66c4c44e31b8f",
    ),
    (
        "postgres/0006_user_email.sql",
        "dceb6fa7e16ce176b0cc9edabf1f3869658f47f21d931c990c6e7011ba2c0d60ac1b8dc86c46b63acbaa8eb9d22ce5ac",
    ),
    (
        "postgres/0007_notifications.sql",
        "4161bc748ec89083a7bda08065fc13fe9fd3baa1cf74c1966c504b73280a4440d2054aefe08415508c81ca6a7043b40e",
    ),
    (
        "postgres/0008_attachments.sql",
        "c405a027aa1e0665e38e69da8b246f9c059750947a32ad212da96d68fb4ee691edf285fa7f2dfc2c7c6ddf9c1cae1d0e",
    ),
    (
        "postgres/0009_oidc.sql",
        "884daa3c5f55398e4d2e622e521ebb4e07081e0cec55faa8cffdcd3fc83cc559b26d41008663d9432364100d08b35d90",
    ),
    (
        "postgres/0010_report_figures.sql",
        "c0f2eb416e99778737c6245327d1fdd7aade028385841bf9f094b0aaf23dc660eed5fdce7e9fa98fbcdf513b1994f31c",
    ),
];

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
}

#[test]
fn released_migrations_are_unchanged() {
    for (file, expected) in RELEASED {
        let path = format!("{}/migrations/{file}", env!("CARGO_MANIFEST_DIR"));
        let sql = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        assert_eq!(
            hex(&Sha384::digest(&sql)),
            *expected,
            "{file} was applied by released versions: add a new migration instead of editing it"
        );
    }
}

#[test]
fn the_database_records_the_released_checksums_and_refuses_an_edited_one() {
    runtime().block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("b.sqlite").display());
        let store = Store::connect(&url).await.unwrap();
        let Store::Sqlite(s) = &store else { panic!("a SQLite store") };
        let rows: Vec<(i64, String, Vec<u8>)> =
            sqlx::query_as("SELECT version, description, checksum FROM _sqlx_migrations ORDER BY version")
                .fetch_all(s.pool())
                .await
                .unwrap();
        let sqlite: Vec<_> = RELEASED.iter().filter(|(f, _)| f.starts_with("sqlite/")).collect();
        assert!(rows.len() >= sqlite.len(), "{rows:?}");
        for ((file, sum), (version, description, checksum)) in sqlite.iter().zip(&rows) {
            let name = file.trim_start_matches("sqlite/").trim_end_matches(".sql");
            let (number, words) = name.split_once('_').unwrap();
            assert_eq!(*version, number.parse::<i64>().unwrap());
            assert_eq!(*description, words.replace('_', " "));
            assert_eq!(hex(checksum), *sum, "{file}");
        }
        // What an edited, already applied migration looks like to the store: refused.
        sqlx::query("UPDATE _sqlx_migrations SET checksum = x'00' WHERE version = 1")
            .execute(s.pool())
            .await
            .unwrap();
        store.close().await;
        let e = Store::connect(&url).await.unwrap_err();
        assert!(matches!(e, StoreError::Migration(sqlx::migrate::MigrateError::VersionMismatch(1))), "{e:?}");
    });
}

/// A copy of the migrations of `db` up to schema 4 (before issue 11).
fn schema_4(db: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (file, _) in RELEASED.iter().filter(|(f, _)| f.starts_with(&format!("{db}/"))) {
        let name = file.trim_start_matches(&format!("{db}/"));
        if name < "0005" {
            let from = format!("{}/migrations/{file}", env!("CARGO_MANIFEST_DIR"));
            std::fs::copy(from, dir.path().join(name)).unwrap();
        }
    }
    dir
}

const LEGACY_REPORT: &str =
    "INSERT INTO reports (department, year, programme, status, version, revision, text, \
     created_at, updated_at) VALUES ('2A', 2019, 'calpae', 'brouillon', 1, 1, 'ancien', \
     '2020-01-01T00:00:00Z', '2020-01-01T00:00:00Z')";

/// A report written before schema 5 covers its own Département, and is found by it.
async fn legacy_report_gets_its_territory(store: &Store) {
    let f = ReportFilter { departments: Some(vec!["2A".to_owned()]), ..Default::default() };
    let found = store.reports(&f).await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!((found[0].department.as_str(), found[0].territories.clone()), ("2A", vec!["2A".to_owned()]));
    store.create_report(None, "2A", 2020, "calpae", "nouveau", &[]).await.unwrap();
    assert_eq!(store.reports(&f).await.unwrap().len(), 2);
}

#[test]
fn schema_5_gives_existing_sqlite_reports_their_department_as_territory() {
    runtime().block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("b.sqlite").display());
        let old = schema_4("sqlite");
        let options = <sqlx::sqlite::SqliteConnectOptions as std::str::FromStr>::from_str(&url)
            .unwrap()
            .create_if_missing(true);
        let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
        sqlx::migrate::Migrator::new(old.path()).await.unwrap().run(&pool).await.unwrap();
        sqlx::query(LEGACY_REPORT).execute(&pool).await.unwrap();
        pool.close().await;
        let store = Store::connect(&url).await.unwrap();
        legacy_report_gets_its_territory(&store).await;
        store.close().await;
    });
}

#[test]
fn schema_5_gives_existing_postgres_reports_their_department_as_territory() {
    runtime().block_on(async {
        let Some(db) = common::PgDatabase::create().await else { return };
        let old = schema_4("postgres");
        let pool = sqlx::PgPool::connect(&db.url).await.unwrap();
        sqlx::migrate::Migrator::new(old.path()).await.unwrap().run(&pool).await.unwrap();
        sqlx::query(LEGACY_REPORT).execute(&pool).await.unwrap();
        pool.close().await;
        let store = Store::connect(&db.url).await.unwrap();
        legacy_report_gets_its_territory(&store).await;
        store.close().await;
    });
}
