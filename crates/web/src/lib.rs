//! The web application of `bilan`: server-rendered French pages (DSFR look) over the
//! store, for Départements to fill, check, adopt and transmit their execution reports.
//!
//! Public API (used by the CLI): [`Config`], [`serve`], [`app`], [`AppOptions`],
//! [`demo::seed`], [`hash_password`]. Routes, form field names and element ids are listed
//! in `crates/web/ROUTES.md`.

// `AppError::Ready` holds a built page (a form with its errors, a conflict page): boxing it
// would only add noise to every handler.
#![allow(clippy::result_large_err)]

// Layers, each allowed to import only those after it (ARCHITECTURE.md, "Web layers"):
// handlers and api → service, views, http → policy → core crates and the store.
mod api;
mod error;
mod handlers;
mod http;
mod policy;
mod service;
mod views;

pub mod demo;
pub mod metrics;
mod time;

use std::future::IntoFuture;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::response::Redirect;
use axum::routing::{get, post};
use axum::Router;

pub use bilan_store::Store;
pub use service::accounts::{
    hash_password, verify_password, MAX_FAILURES as MAX_LOGIN_FAILURES,
    MAX_FAILURES_PER_ADDRESS as MAX_LOGIN_FAILURES_PER_ADDRESS,
};
pub use service::oidc::{Oidc, OidcConfig};
pub use service::outbox::{parse_url as parse_smtp_url, SmtpConfig};
pub use service::tokens::{
    issue as issue_api_token, name_problem as api_token_name_problem, DEFAULT_DAYS as DEFAULT_TOKEN_DAYS,
    MAX_DAYS as MAX_TOKEN_DAYS,
};

/// How `bilan serve` starts the application.
#[derive(Debug, Clone)]
pub struct Config {
    /// `sqlite://PATH` or `postgres://…`.
    pub database_url: String,
    pub addr: SocketAddr,
    /// Mark cookies `Secure` (behind HTTPS).
    pub secure_cookies: bool,
    /// `node_modules/@gouvfr/dsfr/dist`: served under `/dsfr/`; pages work unstyled without it.
    pub assets_dir: Option<PathBuf>,
    /// See [`AppOptions::trusted_proxies`].
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// See [`AppOptions::referentiel`].
    pub referentiel: Arc<bilan_domain::referentiel::Referentiel>,
    /// See [`AppOptions::files_dir`].
    pub files_dir: Option<PathBuf>,
}

/// Options of the application itself.
#[derive(Debug, Clone)]
pub struct AppOptions {
    pub secure_cookies: bool,
    pub assets_dir: Option<PathBuf>,
    /// Largest uploaded file, in bytes.
    pub upload_limit: usize,
    /// Reverse proxies whose `X-Forwarded-For` is believed (login throttling counts per
    /// client address). Empty: the peer's address is the client's.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// The reference data files (validated before the server starts): seeded into an
    /// empty database, and used as they are until a database holds some.
    pub referentiel: Arc<bilan_domain::referentiel::Referentiel>,
    /// Who may read `/metriques`: the holder of this bearer token; without one, only
    /// direct requests from this machine (`handlers::ops`).
    pub metrics_token: Option<String>,
    /// After SIGTERM, how long in-flight requests may take before the server stops anyway.
    pub shutdown_grace: std::time::Duration,
    /// Bound of the server's cache of parsed reports and their diagnostics, in estimated
    /// bytes (`service::cache`).
    pub report_cache_bytes: usize,
    /// Where attached files are kept (`--fichiers DIR`: one file per SHA-256); `None`: in
    /// the database.
    pub files_dir: Option<PathBuf>,
    /// Where e-mails are sent; `None`: they stay in the outbox (`/admin/courriels`).
    pub smtp: Option<SmtpConfig>,
    /// The application's address as its users reach it (`https://bilan.example.fr`): the
    /// links of the e-mails start with it.
    pub public_url: String,
    /// How often the background task looks at the outbox.
    pub outbox_poll: std::time::Duration,
    /// The first wait after a failed send, doubled at each failure (at most an hour).
    pub outbox_backoff: std::time::Duration,
    /// ProConnect (OpenID Connect) sign-in, when configured: the provider discovered at
    /// start ([`Oidc::discover`]). `None`: local passwords only.
    pub oidc: Option<Arc<Oidc>>,
}

/// Installs rustls' `ring` crypto provider as the process default, once (later calls do
/// nothing). reqwest is built with `rustls-no-provider` (the default provider, aws-lc-rs,
/// costs minutes of C build), so every process that builds a `reqwest::Client` — the
/// server's OpenID client, and through Cargo's feature unification every test client of
/// the workspace — must call this first; [`app`] and [`Oidc::discover`] do.
pub fn install_tls_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// 30 s: under systemd's default stop timeout (90 s).
pub const DEFAULT_SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(30);

/// 5 Mo.
pub const DEFAULT_UPLOAD_LIMIT: usize = 5 * 1024 * 1024;

impl Default for AppOptions {
    fn default() -> Self {
        AppOptions {
            secure_cookies: false,
            assets_dir: None,
            upload_limit: DEFAULT_UPLOAD_LIMIT,
            trusted_proxies: Vec::new(),
            referentiel: Arc::new(bilan_source::referentiel::builtin().clone()),
            metrics_token: None,
            shutdown_grace: DEFAULT_SHUTDOWN_GRACE,
            report_cache_bytes: service::cache::DEFAULT_BUDGET,
            files_dir: None,
            smtp: None,
            public_url: "http://127.0.0.1:8080".to_owned(),
            outbox_poll: std::time::Duration::from_secs(5),
            outbox_backoff: std::time::Duration::from_secs(30),
            oidc: None,
        }
    }
}

/// Errors of starting the application. Messages are French (the CLI prints them).
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error("base de données : {0}")]
    Store(#[from] bilan_store::StoreError),
    #[error("réseau : {0}")]
    Io(#[from] std::io::Error),
    #[error("données de démonstration : {0}")]
    Demo(String),
    #[error("arrêt forcé : des requêtes duraient encore {0} s après le signal d'arrêt")]
    ShutdownTimeout(u64),
    #[error("notifications : {0}")]
    Notifications(String),
}

#[derive(Clone)]
pub(crate) struct AppState(Arc<Inner>);

pub(crate) struct Inner {
    pub store: Store,
    pub options: AppOptions,
    pub referentiel: service::referentiel::Cache,
    /// Parsed reports and their diagnostics by (id, revision).
    pub reports: service::cache::ReportCache,
    /// The State side's loads of a perimeter and year, by the year's version.
    pub loads: service::consolidation::LoadCache,
    /// The `Content-Security-Policy` of every response (`http::session::csp`).
    pub csp: axum::http::HeaderValue,
}

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

/// Seeds an empty database's reference data from the files (`bilan demo` and tests; `serve`
/// does it itself).
pub async fn seed_referentiels(
    store: &Store,
    files: &bilan_domain::referentiel::Referentiel,
) -> Result<(), WebError> {
    Ok(service::referentiel::seed(store, files).await?)
}

/// Opens the database, binds `config.addr` and serves until Ctrl-C.
pub async fn serve(config: Config) -> Result<(), WebError> {
    let store = Store::connect(&config.database_url).await?;
    let options = AppOptions {
        secure_cookies: config.secure_cookies,
        assets_dir: config.assets_dir.clone(),
        trusted_proxies: config.trusted_proxies.clone(),
        referentiel: config.referentiel.clone(),
        files_dir: config.files_dir.clone(),
        public_url: format!("http://{}", config.addr),
        ..AppOptions::default()
    };
    let listener = tokio::net::TcpListener::bind(config.addr).await?;
    serve_listener(listener, store, options).await
}

/// Serves on an already bound listener until Ctrl-C or SIGTERM (the caller can print the
/// real address first, e.g. after binding port 0). On the signal the listener is closed
/// (new connections are refused), idle connections are closed, and in-flight requests run
/// to their end; past `options.shutdown_grace` the server stops anyway
/// ([`WebError::ShutdownTimeout`]: the requests cut short roll back, every write being one
/// transaction).
pub async fn serve_listener(
    listener: tokio::net::TcpListener,
    store: Store,
    options: AppOptions,
) -> Result<(), WebError> {
    // The reference data first: a database without it gets the files' (several servers
    // starting at once insert it once).
    service::referentiel::seed(&store, &options.referentiel).await?;
    let grace = options.shutdown_grace;
    let state = app_state(store, options);
    // Reports stored without figures (by `bilan demo --seed-only`, a maintenance command or
    // an older version) get them before the first request.
    if let Err(e) = service::figures::backfill(&state.store).await {
        tracing::error!("chiffres des rapports non calculés : {e}");
    }
    let router = router(state.clone());
    let (stopping, mut stop_seen) = tokio::sync::watch::channel(false);
    // The outbox's sender and the reminders: stopped once the server is (below).
    let (stop_background, background_stop) = tokio::sync::watch::channel(false);
    let background = tokio::spawn(service::outbox::run(state, background_stop));
    let server = axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(async move {
            shutdown_signal().await;
            tracing::info!(
                "arrêt demandé : nouvelles connexions refusées, les requêtes en cours se terminent (au plus {} s)",
                grace.as_secs()
            );
            let _ = stopping.send(true);
        });
    let deadline = async move {
        if stop_seen.wait_for(|s| *s).await.is_err() {
            std::future::pending::<()>().await;
        }
        tokio::time::sleep(grace).await;
    };
    tokio::select! {
        served = server.into_future() => {
            served?;
            // A send in progress finishes (bounded by the SMTP timeout), then the task ends.
            let _ = stop_background.send(true);
            let _ = tokio::time::timeout(grace, background).await;
            tracing::info!("arrêt terminé");
            Ok(())
        }
        _ = deadline => {
            tracing::warn!("arrêt forcé après {} s : des requêtes en cours sont interrompues", grace.as_secs());
            Err(WebError::ShutdownTimeout(grace.as_secs()))
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}

/// The home page of each role: the review queue for the State, the reports otherwise.
async fn home(http::session::MaybeCtx(ctx): http::session::MaybeCtx) -> Redirect {
    use bilan_store::Role;
    match ctx.map(|c| c.user.role) {
        Some(r) if r.is_state() => Redirect::to("/revue"),
        Some(Role::Admin) => Redirect::to("/admin/comptes"),
        _ => Redirect::to("/rapports"),
    }
}

/// The application's router. Serve it with
/// `into_make_service_with_connect_info::<SocketAddr>()` so that login rate limiting
/// counts per client IP (without it, every client shares one IP counter).
pub async fn app(store: Store, options: AppOptions) -> Router {
    install_tls_provider();
    let state = app_state(store, options);
    // Reports stored without figures (or by an older version) get them now.
    if let Err(e) = service::figures::backfill(&state.store).await {
        tracing::error!("chiffres des rapports non calculés : {e}");
    }
    router(state)
}

/// The state of every request and background task. Its store records the figures of
/// every text written through it (the one place the hook is attached).
fn app_state(store: Store, options: AppOptions) -> AppState {
    let store = service::figures::attach(store);
    let csp = http::session::csp(options.oidc.as_deref().and_then(Oidc::logout_origin).as_deref());
    AppState(Arc::new(Inner {
        csp,
        referentiel: service::referentiel::new_cache(&options.referentiel),
        reports: service::cache::ReportCache::new(options.report_cache_bytes),
        loads: service::consolidation::LoadCache::default(),
        store,
        options,
    }))
}

/// The background work of a server (`serve_listener` runs it): the deadline reminders
/// once an hour, the outbox's sender every `options.outbox_poll` (when `options.smtp` is
/// set), the outbox's depth in `/metriques`; until `stop` turns true.
pub async fn background(store: Store, options: AppOptions, stop: tokio::sync::watch::Receiver<bool>) {
    service::outbox::run(app_state(store, options), stop).await
}

/// One pass of the outbox's sender as if it were `now` (Unix seconds): (sent, failed).
/// For tests and maintenance; the server's background task does the same every poll.
pub async fn deliver_outbox(
    store: &Store,
    options: &AppOptions,
    now: i64,
) -> Result<(usize, usize), WebError> {
    let smtp = options.smtp.as_ref().ok_or_else(|| WebError::Notifications("aucun serveur SMTP".into()))?;
    let mailer =
        service::outbox::Mailer::new(smtp, options.outbox_backoff).map_err(WebError::Notifications)?;
    let state = app_state(store.clone(), options.clone());
    let done = service::outbox::deliver_due(&state, &mailer, now)
        .await
        .map_err(|e| WebError::Notifications(format!("{e:?}")))?;
    Ok((done.sent, done.failed))
}

/// Computes and records the deadline reminders due on `today` (idempotent): how many were
/// written. The background task calls it with the day in Paris.
pub async fn send_reminders(
    store: &Store,
    options: &AppOptions,
    today: bilan_domain::Date,
) -> Result<usize, WebError> {
    let state = app_state(store.clone(), options.clone());
    service::notifications::run_reminders(&state, today)
        .await
        .map_err(|e| WebError::Notifications(format!("{e:?}")))
}

fn router(state: AppState) -> Router {
    let limit = state.options.upload_limit.max(service::attachments::MAX_BYTES) + 512 * 1024;
    Router::new()
        .route("/", get(home))
        .route("/connexion", get(handlers::login::login_form).post(handlers::login::login))
        .route("/deconnexion", post(handlers::login::logout))
        .route("/connexion/proconnect", get(handlers::oidc::start))
        .route("/connexion/proconnect/retour", get(handlers::oidc::callback))
        .route("/rapports", get(handlers::reports::reports))
        .route("/rapports/nouveau", post(handlers::campaigns::create_report))
        .route("/campagnes", get(handlers::campaigns::list).post(handlers::campaigns::open))
        .route("/campagnes/{id}", get(handlers::campaigns::page))
        .route("/campagnes/{id}/echeances", post(handlers::campaigns::set_deadline))
        .route("/referentiels", get(handlers::referentiel::list))
        .route("/referentiels/{programme}/historique", get(handlers::referentiel::history))
        .route("/referentiels/{programme}/{kind}", post(handlers::referentiel::change))
        .route("/rapports/{id}", get(handlers::reports::overview))
        .route(
            "/rapports/{id}/general",
            get(handlers::reports::general_form).post(handlers::reports::general_save),
        )
        .route(
            "/rapports/{id}/actions/{num}",
            get(handlers::action::action_form).post(handlers::action::action_save),
        )
        .route(
            "/rapports/{id}/actions/{num}/{kind}/nouvelle",
            get(handlers::action::item_new_form).post(handlers::action::item_create),
        )
        .route(
            "/rapports/{id}/actions/{num}/{kind}/{k}",
            get(handlers::action::item_form).post(handlers::action::item_save),
        )
        .route(
            "/rapports/{id}/actions/{num}/{kind}/{k}/supprimer",
            get(handlers::structure::confirm_item_removal).post(handlers::action::item_delete),
        )
        .route("/rapports/{id}/structure", get(handlers::structure::page))
        .route("/rapports/{id}/mesures", post(handlers::structure::add_measure))
        .route("/rapports/{id}/mesures/{m}", post(handlers::structure::rename_measure))
        .route("/rapports/{id}/mesures/{m}/monter", post(handlers::structure::measure_up))
        .route("/rapports/{id}/mesures/{m}/descendre", post(handlers::structure::measure_down))
        .route(
            "/rapports/{id}/mesures/{m}/supprimer",
            get(handlers::structure::confirm_measure_removal).post(handlers::structure::remove_measure),
        )
        .route("/rapports/{id}/mesures/{m}/actions", post(handlers::structure::add_action))
        .route("/rapports/{id}/actions/{num}/monter", post(handlers::structure::action_up))
        .route("/rapports/{id}/actions/{num}/descendre", post(handlers::structure::action_down))
        .route(
            "/rapports/{id}/actions/{num}/supprimer",
            get(handlers::structure::confirm_action_removal).post(handlers::structure::remove_action),
        )
        .route("/rapports/{id}/restaurer/{entry}", post(handlers::structure::restore))
        .route("/rapports/{id}/annexe", get(handlers::annex::annex_page).post(handlers::annex::annex_save))
        .route("/rapports/{id}/diagnostics", get(handlers::diagnostics::diagnostics_page))
        .route("/rapports/{id}/justifications", post(handlers::diagnostics::justify))
        .route("/rapports/{id}/historique", get(handlers::diagnostics::history))
        .route("/rapports/{id}/adopter", post(handlers::workflow::adopt))
        .route("/rapports/{id}/brouillon", post(handlers::workflow::back_to_draft))
        .route("/rapports/{id}/transmettre", post(handlers::workflow::transmit))
        .route("/rapports/{id}/renvoyer", post(handlers::workflow::send_back))
        .route("/rapports/{id}/approuver", post(handlers::workflow::approve))
        .route("/revue", get(handlers::review::queue))
        .route("/revue/approuver", post(handlers::review::approve_selection))
        .route("/revue/archive", get(handlers::review::archive_page))
        .route("/revue/archive.zip", get(handlers::review::archive_download))
        .route("/rapports/{id}/actions/{num}/pieces", post(handlers::attachments::add_piece))
        .route("/rapports/{id}/pieces/{pid}", get(handlers::attachments::download))
        .route("/rapports/{id}/pieces/{pid}/supprimer", post(handlers::attachments::remove_piece))
        .route("/rapports/{id}/revue", get(handlers::review::review_page))
        .route("/rapports/{id}/commentaires", post(handlers::review::add_comment))
        .route("/rapports/{id}/rouvrir", post(handlers::review::reopen))
        .route("/rapports/{id}/credits", get(handlers::credits::page).post(handlers::credits::save))
        .route("/rapports/{id}/credits/note.{format}", get(handlers::credits::note_download))
        .route("/tableaux", get(handlers::dashboard::index))
        .route("/tableaux/national", get(handlers::dashboard::national))
        .route("/tableaux/regions/{code}", get(handlers::dashboard::region))
        .route("/tableaux/national/donnees/{file}", get(handlers::dashboard::national_data))
        .route("/tableaux/regions/{code}/donnees/{file}", get(handlers::dashboard::region_data))
        .route("/rapports/{id}/telecharger/{format}", get(handlers::files::download))
        .route("/rapports/{id}/versions/{version}", get(handlers::files::frozen_version))
        .route("/rapports/{id}/import", get(handlers::import::import_page))
        .route("/rapports/{id}/import/toml", post(handlers::import::import_toml))
        .route("/rapports/{id}/import/annexe", post(handlers::import::import_annex))
        .route("/admin/comptes", get(handlers::admin::users_page).post(handlers::admin::create_user))
        .route("/admin/comptes/{uid}/{action}", post(handlers::admin::user_action))
        .route("/admin/courriels", get(handlers::notifications::outbox_page))
        .route("/notifications", get(handlers::notifications::list))
        .route("/notifications/lues", post(handlers::notifications::read_all))
        .route("/notifications/{nid}", get(handlers::notifications::open))
        .route("/notifications/{nid}/lue", post(handlers::notifications::read_one))
        .route(
            "/compte/notifications",
            get(handlers::notifications::preferences_form).post(handlers::notifications::preferences_save),
        )
        .route("/dsfr/{*path}", get(http::assets::dsfr))
        .route("/static/{file}", get(http::assets::own))
        .route("/compte/jetons", get(handlers::tokens::tokens_page).post(handlers::tokens::create_token))
        .route(
            "/compte/mot-de-passe",
            get(handlers::account::password_form).post(handlers::account::change_password),
        )
        .route("/compte/jetons/{tid}/revoquer", post(handlers::tokens::revoke_token))
        .merge(api::router())
        .fallback(handlers::reports::fallback)
        .layer(axum::middleware::from_fn_with_state(state.clone(), http::session::guard))
        .layer(DefaultBodyLimit::max(limit))
        // For the machines: outside the session guard (ROUTES.md, « Exploitation »).
        .route("/sante", get(handlers::ops::health))
        .route("/metriques", get(handlers::ops::metrics))
        // Outermost: the request's id, its log line and its metrics.
        .layer(axum::middleware::from_fn_with_state(state.clone(), http::observe::observe))
        .with_state(state)
}

/// The form decoder as the fuzz target `form_decode` drives it (and the corpus replay in
/// `tests/fuzz_corpus.rs`): urlencoded bytes → fields → every form's parsing. Not an API.
#[doc(hidden)]
pub fn fuzz_form_decoder(body: &[u8]) {
    let fields = service::forms::Fields::parse(body);
    let _ = fields.revision();
    let _ = service::forms::parse(service::forms::action_fields(), &fields);
    for specs in [
        service::forms::EXPENSE_FIELDS,
        service::forms::EXEC_LINE_FIELDS,
        service::forms::INDICATOR_FIELDS,
        service::forms::GENERAL_FIELDS,
    ] {
        let _ = service::forms::parse(specs, &fields);
        let _ = service::forms::submitted(specs, &fields);
    }
    for (_, value) in &fields.0 {
        let _ = service::forms::parse_indicator_value(value);
    }
}
