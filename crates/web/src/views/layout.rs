//! The page layout as a maud template: DSFR header (who is signed in, the sections of the
//! application), breadcrumb, footer. The DSFR is served under `/dsfr/` when installed.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use bilan_store::Role;
use maud::{html, Markup, DOCTYPE};

use crate::policy::access::role_label;
use crate::policy::Ctx;

/// A page: title, breadcrumb and main content, inside the DSFR header and footer.
pub struct Page<'a> {
    pub title: String,
    pub ctx: Option<&'a Ctx>,
    /// (label, link); the last entry is the current page.
    pub breadcrumb: Vec<(String, Option<String>)>,
    pub body: Markup,
    pub status: StatusCode,
}

impl<'a> Page<'a> {
    pub fn new(title: impl Into<String>, ctx: Option<&'a Ctx>, body: Markup) -> Page<'a> {
        Page { title: title.into(), ctx, breadcrumb: Vec::new(), body, status: StatusCode::OK }
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
                            @if ctx.user.role != Role::Admin {
                                li { a.fr-btn.fr-icon-notification-3-line href="/notifications" #lien-notifications {
                                    "Notifications"
                                    span.fr-badge.fr-badge--sm.fr-badge--info.fr-ml-1w #notifications-non-lues
                                        data-non-lues=(ctx.unread) { (ctx.unread) }
                                    span.fr-sr-only { " non lue(s)" }
                                } }
                            }
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
        links.push(("/admin/courriels", "lien-courriels", "Courriels envoyés"));
    } else {
        links.push(("/rapports", "lien-mes-rapports", "Mes rapports"));
    }
    if role.is_state() {
        links.push(("/revue", "lien-file-revue", "File de revue"));
        links.push(("/campagnes", "lien-campagnes", "Campagnes"));
    }
    if crate::policy::access::has_dashboards(role) {
        links.push(("/tableaux", "lien-tableaux", "Tableaux de bord"));
    }
    if role.is_state() || role == Role::Admin {
        links.push(("/referentiels", "lien-referentiels", "Référentiels"));
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
