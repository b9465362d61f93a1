//! The page layout (DSFR header, breadcrumb, footer) as a maud template, and the legacy
//! hand-escaped helpers that pages not yet moved to maud views still use. The layout
//! follows the DSFR (served under `/dsfr/` when installed).

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use bilan_store::Role;
use maud::{html, Markup, PreEscaped, Render, DOCTYPE};

use crate::policy::access::role_label;
use crate::policy::Ctx;

/// Escapes text for HTML content and double- or single-quoted attribute values.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Escaped text with line breaks kept: paragraphs for blank lines, `<br>` otherwise.
pub fn multiline(text: &str) -> String {
    let mut out = String::new();
    for para in text.split("\n\n").map(str::trim).filter(|p| !p.is_empty()) {
        out.push_str("<p>");
        out.push_str(&esc(para).replace('\n', "<br>"));
        out.push_str("</p>");
    }
    out
}

/// Percent-encodes a path segment (an action number such as "1.3.2" stays readable).
pub fn seg(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The content of a page: markup built by a view (escaped by construction), or, until every
/// page is a maud view, a legacy string of hand-escaped HTML.
pub enum Body {
    Markup(Markup),
    Legacy(String),
}

impl From<Markup> for Body {
    fn from(m: Markup) -> Self {
        Body::Markup(m)
    }
}

impl From<String> for Body {
    fn from(s: String) -> Self {
        Body::Legacy(s)
    }
}

impl Render for Body {
    fn render_to(&self, buffer: &mut String) {
        match self {
            Body::Markup(m) => buffer.push_str(&m.0),
            Body::Legacy(s) => buffer.push_str(s),
        }
    }
}

/// A page: title, breadcrumb and main content, inside the DSFR header and footer.
pub struct Page<'a> {
    pub title: String,
    pub ctx: Option<&'a Ctx>,
    /// (label, link); the last entry is the current page.
    pub breadcrumb: Vec<(String, Option<String>)>,
    pub body: Body,
    pub status: StatusCode,
}

impl<'a> Page<'a> {
    pub fn new(title: impl Into<String>, ctx: Option<&'a Ctx>, body: impl Into<Body>) -> Page<'a> {
        Page { title: title.into(), ctx, breadcrumb: Vec::new(), body: body.into(), status: StatusCode::OK }
    }
    pub fn status(mut self, status: StatusCode) -> Self {
        self.status = status;
        self
    }
    pub fn crumbs(mut self, crumbs: Vec<(String, Option<String>)>) -> Self {
        self.breadcrumb = crumbs;
        self
    }

    pub fn render(&self) -> String {
        let last = self.breadcrumb.len().saturating_sub(1);
        html! {
            (DOCTYPE)
            html lang="fr" data-fr-scheme="system" {
                head {
                    meta charset="utf-8";
                    meta name="viewport" content="width=device-width, initial-scale=1, shrink-to-fit=no";
                    meta name="format-detection" content="telephone=no";
                    title { (self.title) " – bilan" }
                    link rel="stylesheet" href="/dsfr/dsfr.min.css";
                    link rel="stylesheet" href="/dsfr/utility/utility.min.css";
                    link rel="stylesheet" href="/static/bilan.css";
                    link rel="icon" href="/dsfr/favicon/favicon.svg" type="image/svg+xml";
                }
                body {
                    div.fr-skiplinks {
                        nav.fr-container role="navigation" aria-label="Accès rapide" {
                            ul.fr-skiplinks__list { li { a.fr-link href="#contenu" { "Contenu" } } }
                        }
                    }
                    (self.header())
                    main #contenu role="main" tabindex="-1" {
                        div.fr-container.fr-my-4w {
                            @if !self.breadcrumb.is_empty() {
                                nav.fr-breadcrumb role="navigation" aria-label="vous êtes ici :" {
                                    button.fr-breadcrumb__button aria-expanded="false" aria-controls="fil-ariane" { "Voir le fil d’Ariane" }
                                    div.fr-collapse #fil-ariane {
                                        ol.fr-breadcrumb__list {
                                            @for (i, (label, link)) in self.breadcrumb.iter().enumerate() {
                                                li {
                                                    @match link {
                                                        Some(href) if i < last => a.fr-breadcrumb__link href=(href) { (label) },
                                                        _ => a.fr-breadcrumb__link aria-current="page" { (label) },
                                                    }
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                            (self.body)
                        }
                    }
                    footer.fr-footer role="contentinfo" #pied {
                        div.fr-container {
                            div.fr-footer__body {
                                div.fr-footer__brand.fr-enlarge-link {
                                    a href="/" title="Accueil – bilan" { p.fr-logo { "République" br; "Française" } }
                                }
                                div.fr-footer__content {
                                    p.fr-footer__content-desc {
                                        "bilan : rapports d’exécution des conventions de lutte contre la pauvreté entre l’État et les Départements."
                                    }
                                }
                            }
                        }
                    }
                    script type="module" src="/dsfr/dsfr.module.min.js" {}
                    script nomodule src="/dsfr/dsfr.nomodule.min.js" {}
                    script src="/static/bilan.js" defer {}
                }
            }
        }
        .into_string()
    }

    fn header(&self) -> Markup {
        // The signed-in header: who and "Se déconnecter" as tools, the sections of the
        // application as the main navigation below (DSFR's burger menu on small screens).
        // The section the page belongs to: the root of its breadcrumb, else its title.
        let section = self.breadcrumb.first().map_or(self.title.as_str(), |(label, _)| label.as_str());
        html! {
            header.fr-header role="banner" {
                div.fr-header__body { div.fr-container { div.fr-header__body-row {
                    div.fr-header__brand.fr-enlarge-link {
                        div.fr-header__brand-top {
                            div.fr-header__logo { p.fr-logo { "République" br; "Française" } }
                            @if self.ctx.is_some() {
                                div.fr-header__navbar {
                                    button.fr-btn--menu.fr-btn data-fr-opened="false" aria-controls="menu-principal"
                                        aria-haspopup="menu" #bouton-menu title="Menu" { "Menu" }
                                }
                            }
                        }
                        div.fr-header__service {
                            a href="/" title="Accueil – bilan" { p.fr-header__service-title { "bilan" } }
                            p.fr-header__service-tagline { "Rapports d’exécution des conventions de lutte contre la pauvreté" }
                        }
                    }
                    @if let Some(ctx) = self.ctx {
                        div.fr-header__tools { div.fr-header__tools-links { ul.fr-btns-group {
                            li { span.fr-btn.fr-icon-account-circle-line #utilisateur {
                                (ctx.user.display_name) " (" (role_label(ctx.user.role)) ")"
                            } }
                            li { a.fr-btn.fr-icon-lock-line href="/compte/mot-de-passe" #lien-mot-de-passe { "Mot de passe" } }
                            li { form method="post" action="/deconnexion" #form-deconnexion {
                                (csrf_input(&ctx.csrf))
                                button.fr-btn.fr-icon-logout-box-r-line type="submit" #bouton-deconnexion { "Se déconnecter" }
                            } }
                        } } }
                    }
                } } }
                @if let Some(ctx) = self.ctx {
                    div.fr-header__menu.fr-modal #menu-principal aria-labelledby="bouton-menu" { div.fr-container {
                        button.fr-btn--close.fr-btn aria-controls="menu-principal" title="Fermer" { "Fermer" }
                        div.fr-header__menu-links {}
                        nav.fr-nav #navigation role="navigation" aria-label="Menu principal" { ul.fr-nav__list {
                            @for (href, id, label) in navigation(ctx.user.role) {
                                li.fr-nav__item {
                                    a.fr-nav__link href=(href) id=(id) aria-current=[(section == label).then_some("true")] { (label) }
                                }
                            }
                        } }
                    } }
                }
            }
        }
    }
}

/// The sections of the application a role reaches from the main navigation.
fn navigation(role: Role) -> Vec<(&'static str, &'static str, &'static str)> {
    let mut links = Vec::new();
    if role == Role::Admin {
        links.push(("/admin/comptes", "lien-comptes", "Comptes"));
    } else {
        links.push(("/rapports", "lien-mes-rapports", "Mes rapports"));
    }
    if role.is_state() {
        links.push(("/revue", "lien-file-revue", "File de revue"));
    }
    if crate::policy::access::has_dashboards(role) {
        links.push(("/tableaux", "lien-tableaux", "Tableaux de bord"));
    }
    if role != Role::Admin {
        links.push(("/compte/jetons", "lien-jetons", "Jetons d’API"));
    }
    links
}

/// The hidden synchronizer token every POST form carries.
pub fn csrf_input(token: &str) -> Markup {
    html! { input type="hidden" name="csrf" value=(token); }
}

impl IntoResponse for Page<'_> {
    fn into_response(self) -> Response {
        html_response(self.status, self.render())
    }
}

pub fn html_response(status: StatusCode, body: String) -> Response {
    let mut r = (status, body).into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    r
}

// ---- Legacy string helpers, for the pages not yet moved to maud views. They go when the
// last of those pages does.

/// The hidden synchronizer token every POST form carries.
pub fn csrf_field(token: &str) -> String {
    csrf_input(token).into_string()
}

pub fn hidden(name: &str, value: &str) -> String {
    super::components::hidden(name, value).into_string()
}

/// A DSFR alert: kind is "error", "warning", "success" or "info".
pub fn alert(kind: &str, id: &str, title: &str, body_html: &str) -> String {
    super::components::alert(kind, id, title, PreEscaped(body_html.to_string())).into_string()
}

/// A simple error page with a hand-escaped message.
pub fn error_page(status: StatusCode, ctx: Option<&Ctx>, title: &str, message_html: &str) -> Response {
    super::components::error_page(status, ctx, title, PreEscaped(message_html.to_string()))
}

pub fn not_found(ctx: Option<&Ctx>) -> Response {
    super::components::pending_page(StatusCode::NOT_FOUND, ctx, crate::error::not_found_message())
}

/// An internal error: logged with a reference, shown without internals.
pub fn internal_error(ctx: Option<&Ctx>, what: &dyn std::fmt::Display) -> Response {
    let r = crate::error::AppError::internal(what).into_response();
    match r.extensions().get::<crate::error::PendingPage>() {
        Some(p) => super::components::pending_page(r.status(), ctx, p.clone()),
        None => r,
    }
}

/// A store error as a French page.
pub fn store_error(ctx: &Ctx, e: bilan_store::StoreError) -> Response {
    let r = crate::error::AppError::from(e).into_response();
    match r.extensions().get::<crate::error::PendingPage>() {
        Some(p) => super::components::pending_page(r.status(), Some(ctx), p.clone()),
        None => r,
    }
}

/// A badge for a report status.
pub fn status_badge(status: bilan_store::Status) -> String {
    super::components::status_badge(status).into_string()
}

pub use crate::policy::access::status_code;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_everything_dangerous() {
        assert_eq!(
            esc("<script>alert('x')</script>&\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;"
        );
        assert_eq!(multiline("a<b\nc\n\nd"), "<p>a&lt;b<br>c</p><p>d</p>");
        assert_eq!(seg("1.3.2"), "1.3.2");
        assert_eq!(seg("a/b c"), "a%2Fb%20c");
    }
}
