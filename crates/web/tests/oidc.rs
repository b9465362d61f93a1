//! ProConnect sign-in against a real OpenID provider on loopback: npm `oidc-provider`
//! started by `e2e/oidc/provider.mjs` (`npm ci` installs it; `scripts/test.sh` runs it
//! before `cargo test`). The browser is a cookie-keeping HTTP client that follows the
//! provider's pages as a browser would. Every refusal is a French page and opens no
//! session.

mod common;

use std::io::BufRead;
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use bilan_store::Store;
use bilan_web::{AppOptions, Oidc, OidcConfig};
use common::{has_id, hidden_value, text_by_id};
use reqwest::redirect::Policy;
use reqwest::{Client, Response, StatusCode};

const CLIENT_ID: &str = "bilan-test";
const SECRET: &str = "secret-de-test-du-fournisseur-oidc";

/// The provider's process, stopped on drop.
struct Provider {
    child: Child,
    issuer: String,
}

impl Drop for Provider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the test provider for an application at `app` (its redirect URIs).
fn provider(app: &str) -> Provider {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    assert!(
        root.join("node_modules/oidc-provider").exists(),
        "node_modules/oidc-provider absent : lancez `npm ci` à la racine du dépôt"
    );
    let mut child = Command::new("node")
        .arg("e2e/oidc/provider.mjs")
        .current_dir(&root)
        .env("OIDC_CLIENT_ID", CLIENT_ID)
        .env("OIDC_CLIENT_SECRET", SECRET)
        .env("OIDC_REDIRECT_URIS", format!("{app}/connexion/proconnect/retour"))
        .env("OIDC_POST_LOGOUT_URIS", format!("{app}/connexion"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("node introuvable : le fournisseur OpenID de test ne peut pas démarrer");
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if let Some(url) = line.strip_prefix("prêt ") {
                let _ = tx.send(url.to_string());
            }
        }
    });
    let issuer =
        rx.recv_timeout(Duration::from_secs(30)).expect("le fournisseur OpenID de test n'a pas démarré");
    Provider { child, issuer }
}

fn config(issuer: &str, app: &str) -> OidcConfig {
    OidcConfig {
        issuer: issuer.to_string(),
        client_id: CLIENT_ID.into(),
        client_secret: SECRET.into(),
        redirect_uri: format!("{app}/connexion/proconnect/retour"),
        post_logout_redirect_uri: format!("{app}/connexion"),
    }
}

/// The application (demo accounts, SQLite) with ProConnect sign-in, and its provider.
struct World {
    app: String,
    store: Store,
    provider: Provider,
    _dir: tempfile::TempDir,
}

async fn world() -> World {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let app = format!("http://{}", listener.local_addr().unwrap());
    let provider = provider(&app);
    let oidc = Oidc::discover(config(&provider.issuer, &app)).await.expect("découverte du fournisseur");
    let dir = tempfile::tempdir().unwrap();
    let store = Store::connect(&format!("sqlite://{}", dir.path().join("bilan.db").display())).await.unwrap();
    let options = AppOptions { oidc: Some(Arc::new(oidc)), ..AppOptions::default() };
    bilan_web::seed_referentiels(&store, &options.referentiel).await.unwrap();
    bilan_web::demo::seed(&store).await.unwrap();
    let router = bilan_web::app(store.clone(), options).await;
    tokio::spawn(async move {
        axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>()).await.unwrap();
    });
    World { app, store, provider, _dir: dir }
}

fn browser() -> Client {
    bilan_web::install_tls_provider();
    Client::builder().cookie_store(true).redirect(Policy::none()).build().unwrap()
}

fn location(r: &Response) -> String {
    r.headers().get("location").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default()
}

fn sets_session(r: &Response) -> bool {
    r.headers().get_all("set-cookie").iter().any(|v| {
        v.to_str().unwrap().starts_with("bilan_session=") && !v.to_str().unwrap().contains("Max-Age=0")
    })
}

/// What the provider asserts at its sign-in form (and how it misbehaves).
struct Identity<'a> {
    sub: &'a str,
    email: &'a str,
    alterer: &'a str,
}

fn agent<'a>(sub: &'a str, email: &'a str) -> Identity<'a> {
    Identity { sub, email, alterer: "" }
}

impl World {
    /// Starts a ProConnect sign-in in `browser` and goes through the provider's pages: the
    /// callback URL the provider sends the browser to (not yet visited).
    async fn to_callback(&self, browser: &Client, who: &Identity<'_>) -> String {
        let r =
            browser.get(format!("{}/connexion/proconnect?suite=/tableaux", self.app)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let mut url = location(&r);
        assert!(url.starts_with(&format!("{}/auth?", self.provider.issuer)), "{url}");
        for param in
            ["code_challenge_method=S256", "code_challenge=", "nonce=", "state=", "scope=openid+email"]
        {
            assert!(url.contains(param), "{param} absent de {url}");
        }
        let callback = format!("{}/connexion/proconnect/retour", self.app);
        for _ in 0..10 {
            if url.starts_with(&callback) {
                return url;
            }
            let r = browser.get(&url).send().await.unwrap();
            let r = if r.status() == StatusCode::OK {
                // The provider's sign-in form.
                let form = [
                    ("sub", who.sub),
                    ("email", who.email),
                    ("given_name", "Camille"),
                    ("usual_name", "Agent"),
                    ("alterer", who.alterer),
                ];
                browser.post(&url).form(&form).send().await.unwrap()
            } else {
                r
            };
            assert_eq!(r.status(), StatusCode::SEE_OTHER, "{url}");
            let next = location(&r);
            url = if next.starts_with("http") { next } else { format!("{}{next}", self.provider.issuer) };
        }
        panic!("le fournisseur n'a pas renvoyé vers l'application");
    }

    async fn get(&self, browser: &Client, url: &str) -> Response {
        let url = if url.starts_with("http") { url.to_string() } else { format!("{}{url}", self.app) };
        browser.get(url).send().await.unwrap()
    }

    /// Where a browser lands on `/`: its role's home, or the login page without a session.
    async fn home(&self, browser: &Client) -> String {
        location(&self.get(browser, "/").await)
    }

    async fn audit(&self, kind: &str) -> Vec<bilan_store::AuditEntry> {
        self.store.audit(None, 10_000).await.unwrap().into_iter().filter(|e| e.action == kind).collect()
    }
}

/// A browser signed in with a demo account's password.
async fn password_login(app: &str, login: &str) -> Client {
    let b = browser();
    let html = b.get(format!("{app}/connexion")).send().await.unwrap().text().await.unwrap();
    let csrf = hidden_value(&html, "csrf").unwrap();
    let form =
        [("login", login), ("mot_de_passe", common::PASSWORD), ("csrf", &csrf), ("suite", "/rapports")];
    let r = b.post(format!("{app}/connexion")).form(&form).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    b
}

/// A refusal: 403, the French page with its reason, no session cookie, and no session.
async fn assert_refused(w: &World, browser: &Client, r: Response, title: &str) -> String {
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(!sets_session(&r), "a refusal sets no session cookie");
    let html = r.text().await.unwrap();
    assert_eq!(text_by_id(&html, "titre-erreur").as_deref(), Some(title), "{html}");
    assert!(has_id(&html, "lien-connexion"));
    let reason = text_by_id(&html, "motif-refus-proconnect").expect("the reason");
    assert_eq!(
        w.home(browser).await,
        "/rapports",
        "no session: / goes to the reports, which ask for a login"
    );
    let r = w.get(browser, "/rapports").await;
    assert_eq!(location(&r), "/connexion?suite=%2Frapports");
    reason
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_signs_in_is_bound_by_email_then_by_subject_and_signs_out_at_the_provider() {
    let w = world().await;
    // The login page offers ProConnect.
    let b = browser();
    let (_, html) = {
        let r = w.get(&b, "/connexion?suite=/tableaux").await;
        (r.status(), r.text().await.unwrap())
    };
    assert_eq!(
        common::attr_by_id(&html, "bouton-proconnect", "href").as_deref(),
        Some("/connexion/proconnect?suite=%2Ftableaux")
    );

    let callback =
        w.to_callback(&b, &agent("agent-prefecture", "Prefecture.Allier@demo.bilan.example")).await;
    let r = w.get(&b, &callback).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/tableaux", "back to `suite`");
    assert!(sets_session(&r));
    assert_eq!(w.home(&b).await, "/revue", "signed in as the préfecture's reviewer");
    let bound = w.audit("user.oidc").await;
    assert_eq!(bound.len(), 1);
    assert_eq!(bound[0].target, "prefecture.allier");
    assert!(bound[0].after.as_deref().unwrap().contains("sujet : agent-prefecture"));
    let sessions = w.audit("session.create").await;
    assert_eq!(sessions.iter().filter(|e| e.target == "proconnect").count(), 1);

    // The same answer again (a replayed state): refused, and the session stays the first.
    let sessions_before = w.audit("session.create").await.len();
    let r = w.get(&b, &callback).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(!sets_session(&r));
    let html = r.text().await.unwrap();
    assert!(text_by_id(&html, "motif-refus-proconnect").unwrap().contains("déjà servi"), "{html}");
    assert_eq!(w.audit("session.create").await.len(), sessions_before);
    // In another browser too.
    let other = browser();
    let r = w.get(&other, &callback).await;
    assert_refused(&w, &other, r, "Connexion ProConnect refusée").await;

    // Later sign-ins find the account by (issuer, sub), even when the provider now asserts
    // another account's e-mail.
    let b2 = browser();
    let callback = w.to_callback(&b2, &agent("agent-prefecture", "national@demo.bilan.example")).await;
    let r = w.get(&b2, &callback).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(w.home(&b2).await, "/revue", "still the préfecture's account, not the national reader's");
    assert_eq!(w.audit("user.oidc").await.len(), 1, "bound once");
    // Another identity asserting the bound account's e-mail does not get it.
    let b3 = browser();
    let callback = w.to_callback(&b3, &agent("un-autre-agent", "prefecture.allier@demo.bilan.example")).await;
    let r = w.get(&b3, &callback).await;
    assert_refused(&w, &b3, r, "Compte déjà rattaché à une autre identité ProConnect").await;

    // Sign-out ends the local session and goes through the provider's logout.
    let csrf = {
        let html = w.get(&b, "/revue").await.text().await.unwrap();
        hidden_value(&html, "csrf").unwrap()
    };
    let r = b.post(format!("{}/deconnexion", w.app)).form(&[("csrf", csrf.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let csp = r.headers().get("content-security-policy").unwrap().to_str().unwrap().to_string();
    assert!(csp.contains(&format!("form-action 'self' {};", w.provider.issuer)), "{csp}");
    let logout = location(&r);
    assert!(logout.starts_with(&format!("{}/session/end?id_token_hint=", w.provider.issuer)), "{logout}");
    let hint: String = form_urlencoded::byte_serialize(format!("{}/connexion", w.app).as_bytes()).collect();
    assert!(logout.contains(&format!("post_logout_redirect_uri={hint}")), "{logout}");
    let r = b.get(&logout).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK, "the provider accepts the hint and asks to confirm");
    assert_eq!(location(&w.get(&b, "/rapports").await), "/connexion?suite=%2Frapports");
    // A password session signs out locally only.
    let local = password_login(&w.app, "national").await;
    let csrf = hidden_value(&w.get(&local, "/revue").await.text().await.unwrap(), "csrf").unwrap();
    let r =
        local.post(format!("{}/deconnexion", w.app)).form(&[("csrf", csrf.as_str())]).send().await.unwrap();
    assert_eq!(location(&r), "/connexion");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_and_deactivated_identities_get_a_french_page_and_no_session() {
    let w = world().await;
    let b = browser();
    let callback = w.to_callback(&b, &agent("inconnu", "personne@interieur.gouv.fr")).await;
    let r = w.get(&b, &callback).await;
    let status = r.status();
    let html = r.text().await.unwrap();
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        text_by_id(&html, "titre-erreur").as_deref(),
        Some("Aucun compte ne correspond à votre identité ProConnect")
    );
    assert_eq!(text_by_id(&html, "courriel-proconnect").as_deref(), Some("personne@interieur.gouv.fr"));
    assert!(html.contains("administrateur"), "says whom to ask");
    assert_eq!(location(&w.get(&b, "/rapports").await), "/connexion?suite=%2Frapports");
    assert!(w.audit("user.oidc").await.is_empty());

    let admin = w.store.user_by_login("admin").await.unwrap().unwrap().id;
    let cantal = w.store.user_by_login("editeur.cantal").await.unwrap().unwrap().id;
    w.store.set_user_active(admin, cantal, false).await.unwrap();
    let b = browser();
    let callback = w.to_callback(&b, &agent("agent-cantal", "editeur.cantal@demo.bilan.example")).await;
    let r = w.get(&b, &callback).await;
    let reason = assert_refused(&w, &b, r, "Compte désactivé").await;
    assert!(reason.contains("réactiver"), "{reason}");
    assert!(w.audit("user.oidc").await.is_empty(), "nothing bound");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_or_tampered_answers_are_refused() {
    let w = world().await;
    let email = "editeur.allier@demo.bilan.example";
    // The provider's token answer altered: each refused, none bound.
    for (alterer, needle) in [
        ("signature", "signature"),
        ("kid", "clé que le fournisseur ne publie pas"),
        ("none", "algorithme refusé"),
        ("nonce", "nonce"),
        ("audience", "pas destiné à cette application"),
        ("expire", "expiré"),
    ] {
        let b = browser();
        let who = Identity { sub: "agent-allier", email, alterer };
        let callback = w.to_callback(&b, &who).await;
        let r = w.get(&b, &callback).await;
        let reason = assert_refused(&w, &b, r, "Connexion ProConnect refusée").await;
        assert!(reason.contains(needle), "{alterer}: {reason}");
    }
    assert!(w.audit("user.oidc").await.is_empty());
    assert!(w.audit("session.create").await.iter().all(|e| e.target != "proconnect"));

    // A state changed on the way: unknown.
    let b = browser();
    let callback = w.to_callback(&b, &agent("agent-allier", email)).await;
    let tampered = callback.replace("state=", "state=x");
    let reason = assert_refused(&w, &b, w.get(&b, &tampered).await, "Connexion ProConnect refusée").await;
    assert!(reason.contains("aucune connexion en cours"), "{reason}");
    // A code changed on the way: the provider refuses it (and the state is spent).
    let tampered = callback.replace("code=", "code=x");
    let reason = assert_refused(&w, &b, w.get(&b, &tampered).await, "Connexion ProConnect refusée").await;
    assert!(reason.contains("n’a pas confirmé"), "{reason}");
    let reason = assert_refused(&w, &b, w.get(&b, &callback).await, "Connexion ProConnect refusée").await;
    assert!(reason.contains("déjà servi"), "{reason}");
    // An answer naming another issuer (mix-up, RFC 9207).
    let b = browser();
    let callback = w.to_callback(&b, &agent("agent-allier", email)).await;
    let other_iss: String = form_urlencoded::byte_serialize(b"https://autre.example").collect();
    let mixed = format!("{}&iss={other_iss}", callback.split("&iss=").next().unwrap());
    let reason = assert_refused(&w, &b, w.get(&b, &mixed).await, "Connexion ProConnect refusée").await;
    assert!(reason.contains("autre fournisseur"), "{reason}");
    // An answer brought to another browser (login CSRF): refused, and spent.
    let victim = browser();
    let callback = w.to_callback(&b, &agent("agent-allier", email)).await;
    let reason =
        assert_refused(&w, &victim, w.get(&victim, &callback).await, "Connexion ProConnect refusée").await;
    assert!(reason.contains("ne revient pas au navigateur"), "{reason}");
    assert_refused(&w, &b, w.get(&b, &callback).await, "Connexion ProConnect refusée").await;
    // The provider's own refusal, and a bare callback.
    let b = browser();
    let r = w.get(&b, "/connexion/proconnect?suite=/rapports").await;
    let state = location(&r).split("state=").nth(1).unwrap().split('&').next().unwrap().to_string();
    let denied = format!("/connexion/proconnect/retour?error=access_denied&state={state}");
    let reason = assert_refused(&w, &b, w.get(&b, &denied).await, "Connexion ProConnect refusée").await;
    assert!(reason.contains("annulée"), "{reason}");
    assert_refused(&w, &b, w.get(&b, "/connexion/proconnect/retour").await, "Connexion ProConnect refusée")
        .await;
    // After all that, the honest sign-in still works.
    let b = browser();
    let callback = w.to_callback(&b, &agent("agent-allier", email)).await;
    assert!(sets_session(&w.get(&b, &callback).await));
    assert_eq!(w.home(&b).await, "/rapports");
    assert_eq!(w.audit("user.oidc").await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_provider_that_does_not_answer_or_names_another_issuer_stops_the_start() {
    let app = "http://127.0.0.1:9";
    // Nobody listens on port 9 of this machine's loopback.
    let e = Oidc::discover(config("http://127.0.0.1:9", app)).await.unwrap_err();
    assert!(e.contains("fournisseur d’identité http://127.0.0.1:9") && e.contains("injoignable"), "{e}");
    // In clear anywhere but loopback.
    let e = Oidc::discover(config("http://proconnect.example", app)).await.unwrap_err();
    assert!(e.contains("https://"), "{e}");
    // The provider answers for another issuer than the one configured.
    let p = provider(app);
    let port = p.issuer.rsplit(':').next().unwrap();
    let e = Oidc::discover(config(&format!("http://localhost:{port}"), app)).await.unwrap_err();
    assert!(e.contains("autre émetteur"), "{e}");
    let mut c = config(&p.issuer, app);
    c.client_secret.clear();
    assert!(Oidc::discover(c).await.unwrap_err().contains("BILAN_OIDC_SECRET_CLIENT"));
    // The real one is accepted.
    let oidc = Oidc::discover(config(&p.issuer, app)).await.unwrap();
    assert_eq!(oidc.issuer(), p.issuer);

    // Without ProConnect configured, its routes do not exist and the button is absent.
    let s = common::start().await;
    let b = browser();
    assert_eq!(b.get(s.url("/connexion/proconnect")).send().await.unwrap().status(), StatusCode::NOT_FOUND);
    let html = b.get(s.url("/connexion")).send().await.unwrap().text().await.unwrap();
    assert!(!has_id(&html, "bouton-proconnect"));
}
