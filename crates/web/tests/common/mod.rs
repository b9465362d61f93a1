//! Test harness: the real application on 127.0.0.1, port 0, over a fresh SQLite database
//! seeded with the demo data, and a cookie-keeping HTTP client per user.

#![allow(dead_code)]

use std::net::SocketAddr;

use bilan_store::{ReportFilter, Store};
use bilan_web::AppOptions;
use reqwest::redirect::Policy;
use reqwest::{Client, Response, StatusCode};

pub const PASSWORD: &str = bilan_web::demo::DEMO_PASSWORD;

pub struct Server {
    pub base: String,
    pub store: Store,
    /// The database's URL (a second server may open it).
    pub database_url: String,
    _dir: tempfile::TempDir,
}

pub async fn start() -> Server {
    start_with(AppOptions::default()).await
}

pub async fn start_with(options: AppOptions) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("bilan.db").display());
    let store = Store::connect(&url).await.unwrap();
    // As `bilan servir` and `bilan demo` do: the reference data of the options first.
    bilan_web::seed_referentiels(&store, &options.referentiel).await.unwrap();
    let accounts = bilan_web::demo::seed(&store).await.unwrap();
    assert_eq!(accounts.len(), 7);
    let base = serve(store.clone(), options).await;
    Server { base, store, database_url: url, _dir: dir }
}

/// Serves the application over `store` on 127.0.0.1, port 0: its base URL.
pub async fn serve(store: Store, options: AppOptions) -> String {
    let app = bilan_web::app(store, options).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>()).await.unwrap();
    });
    format!("http://{addr}")
}

impl Server {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A client without a session.
    pub fn anonymous(&self) -> Agent {
        bilan_web::install_tls_provider();
        Agent {
            client: Client::builder().cookie_store(true).redirect(Policy::none()).build().unwrap(),
            base: self.base.clone(),
        }
    }

    /// A client without a session whose connections come from `ip` (any 127.x.y.z
    /// address reaches the server on Linux's loopback).
    pub fn anonymous_from(&self, ip: std::net::IpAddr) -> Agent {
        bilan_web::install_tls_provider();
        Agent {
            client: Client::builder()
                .cookie_store(true)
                .redirect(Policy::none())
                .local_address(ip)
                .build()
                .unwrap(),
            base: self.base.clone(),
        }
    }

    /// A signed-in client.
    pub async fn login(&self, login: &str) -> Agent {
        let agent = self.anonymous();
        let r = agent.try_login(login, PASSWORD).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "login of {login}");
        agent
    }

    /// The id of the report of a Département and year.
    pub async fn report_id(&self, department: &str, year: i32) -> i64 {
        let list = self
            .store
            .reports(&ReportFilter {
                departments: Some(vec![department.into()]),
                statuses: None,
                year: Some(year),
            })
            .await
            .unwrap();
        list[0].id
    }

    pub async fn text(&self, id: i64) -> String {
        self.store.report(id).await.unwrap().unwrap().text
    }

    pub async fn report(&self, id: i64) -> bilan_domain::Report {
        bilan_source::parse_str(&self.text(id).await).unwrap().report
    }

    pub async fn admin_id(&self) -> i64 {
        self.store.user_by_login("admin").await.unwrap().unwrap().id
    }
}

pub struct Agent {
    pub client: Client,
    pub base: String,
}

impl Agent {
    pub async fn get(&self, path: &str) -> Response {
        self.client.get(format!("{}{path}", self.base)).send().await.unwrap()
    }

    pub async fn page(&self, path: &str) -> (StatusCode, String) {
        let r = self.get(path).await;
        let s = r.status();
        (s, r.text().await.unwrap())
    }

    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> Response {
        self.client.post(format!("{}{path}", self.base)).form(form).send().await.unwrap()
    }

    pub async fn post_text(&self, path: &str, form: &[(&str, &str)]) -> (StatusCode, String) {
        let r = self.post(path, form).await;
        let s = r.status();
        (s, r.text().await.unwrap())
    }

    pub async fn try_login(&self, login: &str, password: &str) -> Response {
        let (_, html) = self.page("/connexion").await;
        let csrf = hidden_value(&html, "csrf").expect("login form token");
        self.post(
            "/connexion",
            &[("login", login), ("mot_de_passe", password), ("csrf", &csrf), ("suite", "/rapports")],
        )
        .await
    }

    /// The session's CSRF token, read from a page's forms.
    pub async fn csrf(&self) -> String {
        let (_, html) = self.page("/rapports").await;
        if let Some(token) = hidden_value(&html, "csrf") {
            return token;
        }
        // The administrator has no reports: its accounts page carries the token.
        let (_, html) = self.page("/admin/comptes").await;
        hidden_value(&html, "csrf").expect("csrf token in the page")
    }
}

/// A page parsed as a browser parses it.
pub fn parse(html: &str) -> scraper::Html {
    scraper::Html::parse_document(html)
}

fn selector(css: &str) -> scraper::Selector {
    scraper::Selector::parse(css).unwrap_or_else(|e| panic!("selector {css}: {e}"))
}

/// The elements matching a CSS selector.
pub fn select<'a>(doc: &'a scraper::Html, css: &str) -> Vec<scraper::ElementRef<'a>> {
    doc.select(&selector(css)).collect()
}

/// The text of the element with this id (whitespace collapsed), if there is one.
pub fn text_by_id(html: &str, id: &str) -> Option<String> {
    let doc = parse(html);
    let found = doc.select(&selector(&format!("[id=\"{id}\"]"))).next()?;
    Some(found.text().collect::<String>().split_whitespace().collect::<Vec<_>>().join(" "))
}

/// Whether the page has an element with this id.
pub fn has_id(html: &str, id: &str) -> bool {
    let doc = parse(html);
    doc.select(&selector(&format!("[id=\"{id}\"]"))).next().is_some()
}

/// An attribute of the element with this id.
pub fn attr_by_id(html: &str, id: &str, attr: &str) -> Option<String> {
    let doc = parse(html);
    let found = doc.select(&selector(&format!("[id=\"{id}\"]"))).next()?;
    found.value().attr(attr).map(str::to_string)
}

/// The value of the first hidden input named `name`.
pub fn hidden_value(html: &str, name: &str) -> Option<String> {
    let doc = parse(html);
    let found = doc.select(&selector(&format!("input[name=\"{name}\"]"))).next()?;
    found.value().attr("value").map(str::to_string)
}

/// The fields of a form as the browser would submit them unchanged (inputs with their
/// value, checked boxes, textareas, the selected option), in document order.
pub fn form_fields(html: &str, form_id: &str) -> Vec<(String, String)> {
    let doc = parse(html);
    let form = doc
        .select(&selector(&format!("form[id=\"{form_id}\"]")))
        .next()
        .unwrap_or_else(|| panic!("no form {form_id}"));
    let mut fields = Vec::new();
    for el in form.select(&selector("input[name], textarea[name], select[name]")) {
        let v = el.value();
        let name = v.attr("name").unwrap_or_default().to_string();
        let value = match v.name() {
            "textarea" => el.text().collect::<String>(),
            "select" => el
                .select(&selector("option[selected]"))
                .next()
                .and_then(|o| o.value().attr("value"))
                .unwrap_or_default()
                .to_string(),
            _ if v.attr("type") == Some("checkbox") && v.attr("checked").is_none() => continue,
            _ => v.attr("value").unwrap_or_default().to_string(),
        };
        fields.push((name, value));
    }
    fields
}

/// The form fields of the action page as currently shown, enough to re-submit the form
/// with one field changed.
pub fn action_form_fields(html: &str) -> Vec<(String, String)> {
    form_fields(html, "form-action")
}

/// Sets `name` in a field list.
pub fn set(fields: &mut [(String, String)], name: &str, value: &str) {
    let f = fields.iter_mut().find(|(n, _)| n == name).unwrap_or_else(|| panic!("no field {name}"));
    f.1 = value.to_string();
}

pub fn as_refs(fields: &[(String, String)]) -> Vec<(&str, &str)> {
    fields.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect()
}

/// Rewrites report `id` through the store (one whole-report edit at its current revision),
/// as another server or a direct change would.
pub async fn edit_text(
    store: &Store,
    actor: i64,
    id: i64,
    change: impl FnOnce(&mut bilan_domain::Report) + Send,
) {
    let revision = store.report(id).await.unwrap().unwrap().summary.revision;
    store
        .update_report(
            actor,
            id,
            bilan_store::EditScope::Whole { expected_revision: revision },
            move |current| {
                let mut r = bilan_source::parse_str(&current.text).unwrap().report;
                change(&mut r);
                let actions = r.actions().map(|(_, _, _, a)| a.number.clone()).collect();
                Ok(bilan_store::Edit {
                    text: bilan_source::to_toml(&r),
                    audit_action: "test".into(),
                    audit_target: "test".into(),
                    before: None,
                    after: None,
                    actions,
                })
            },
        )
        .await
        .unwrap();
}

/// The indicator `name` of action `number` (which the test knows exists).
pub fn indicator_mut<'a>(
    r: &'a mut bilan_domain::Report,
    number: &str,
    name: &str,
) -> &'a mut bilan_domain::Indicator {
    r.measures
        .iter_mut()
        .flat_map(|m| m.actions.iter_mut())
        .filter(|a| a.number == number)
        .flat_map(|a| a.indicators.iter_mut())
        .find(|i| i.name == name)
        .unwrap_or_else(|| panic!("no indicator « {name} » in action {number}"))
}
