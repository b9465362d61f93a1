//! Hand-written HTML with one escape function. Every piece of user or report text goes
//! through [`esc`] (or a helper that calls it); only string literals of this crate are
//! written raw. The layout follows the DSFR (served under `/dsfr/` when installed).

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::auth::Ctx;

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

/// A page: title, breadcrumb and main content, inside the DSFR header and footer.
pub struct Page<'a> {
    pub title: String,
    pub ctx: Option<&'a Ctx>,
    /// (label, link); the last entry is the current page.
    pub breadcrumb: Vec<(String, Option<String>)>,
    pub body: String,
    pub status: StatusCode,
}

impl<'a> Page<'a> {
    pub fn new(title: impl Into<String>, ctx: Option<&'a Ctx>, body: String) -> Page<'a> {
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
        let mut h = String::with_capacity(self.body.len() + 6000);
        h.push_str("<!doctype html>\n<html lang=\"fr\" data-fr-scheme=\"system\">\n<head>\n<meta charset=\"utf-8\">\n");
        h.push_str(
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1, shrink-to-fit=no\">\n",
        );
        h.push_str("<meta name=\"format-detection\" content=\"telephone=no\">\n");
        h.push_str(&format!("<title>{} – bilan</title>\n", esc(&self.title)));
        h.push_str("<link rel=\"stylesheet\" href=\"/dsfr/dsfr.min.css\">\n");
        h.push_str("<link rel=\"stylesheet\" href=\"/dsfr/utility/utility.min.css\">\n");
        h.push_str("<link rel=\"stylesheet\" href=\"/static/bilan.css\">\n");
        h.push_str("<link rel=\"icon\" href=\"/dsfr/favicon/favicon.svg\" type=\"image/svg+xml\">\n");
        h.push_str("</head>\n<body>\n");
        h.push_str(
            "<div class=\"fr-skiplinks\"><nav class=\"fr-container\" role=\"navigation\" aria-label=\"Accès rapide\">\
             <ul class=\"fr-skiplinks__list\"><li><a class=\"fr-link\" href=\"#contenu\">Contenu</a></li></ul></nav></div>\n",
        );
        self.header(&mut h);
        h.push_str(
            "<main id=\"contenu\" role=\"main\" tabindex=\"-1\">\n<div class=\"fr-container fr-my-4w\">\n",
        );
        if !self.breadcrumb.is_empty() {
            h.push_str(
                "<nav role=\"navigation\" class=\"fr-breadcrumb\" aria-label=\"vous êtes ici :\">\
                 <button class=\"fr-breadcrumb__button\" aria-expanded=\"false\" aria-controls=\"fil-ariane\">Voir le fil d’Ariane</button>\
                 <div class=\"fr-collapse\" id=\"fil-ariane\"><ol class=\"fr-breadcrumb__list\">",
            );
            let n = self.breadcrumb.len();
            for (i, (label, link)) in self.breadcrumb.iter().enumerate() {
                match link {
                    Some(href) if i + 1 < n => h.push_str(&format!(
                        "<li><a class=\"fr-breadcrumb__link\" href=\"{}\">{}</a></li>",
                        esc(href),
                        esc(label)
                    )),
                    _ => h.push_str(&format!(
                        "<li><a class=\"fr-breadcrumb__link\" aria-current=\"page\">{}</a></li>",
                        esc(label)
                    )),
                }
            }
            h.push_str("</ol></div></nav>\n");
        }
        h.push_str(&self.body);
        h.push_str("\n</div>\n</main>\n");
        h.push_str(
            "<footer class=\"fr-footer\" role=\"contentinfo\" id=\"pied\"><div class=\"fr-container\">\
             <div class=\"fr-footer__body\"><div class=\"fr-footer__brand fr-enlarge-link\">\
             <a href=\"/\" title=\"Accueil – bilan\"><p class=\"fr-logo\">République<br>Française</p></a></div>\
             <div class=\"fr-footer__content\"><p class=\"fr-footer__content-desc\">bilan : rapports d’exécution \
             des conventions de lutte contre la pauvreté entre l’État et les Départements.</p></div></div>\
             </div></footer>\n",
        );
        h.push_str("<script type=\"module\" src=\"/dsfr/dsfr.module.min.js\"></script>\n");
        h.push_str("<script nomodule src=\"/dsfr/dsfr.nomodule.min.js\"></script>\n");
        h.push_str("<script src=\"/static/bilan.js\" defer></script>\n");
        h.push_str("</body>\n</html>\n");
        h
    }

    fn header(&self, h: &mut String) {
        // The signed-in header: who and "Se déconnecter" as tools, the sections of the
        // application as the main navigation below (DSFR's burger menu on small screens).
        let burger = if self.ctx.is_some() {
            "<div class=\"fr-header__navbar\"><button class=\"fr-btn--menu fr-btn\" data-fr-opened=\"false\" \
             aria-controls=\"menu-principal\" aria-haspopup=\"menu\" id=\"bouton-menu\" title=\"Menu\">Menu</button></div>"
        } else {
            ""
        };
        h.push_str(&format!(
            "<header role=\"banner\" class=\"fr-header\"><div class=\"fr-header__body\"><div class=\"fr-container\">\
             <div class=\"fr-header__body-row\"><div class=\"fr-header__brand fr-enlarge-link\">\
             <div class=\"fr-header__brand-top\"><div class=\"fr-header__logo\">\
             <p class=\"fr-logo\">République<br>Française</p></div>{burger}</div>\
             <div class=\"fr-header__service\"><a href=\"/\" title=\"Accueil – bilan\">\
             <p class=\"fr-header__service-title\">bilan</p></a>\
             <p class=\"fr-header__service-tagline\">Rapports d’exécution des conventions de lutte contre la pauvreté</p>\
             </div></div>"
        ));
        let Some(ctx) = self.ctx else {
            h.push_str("</div></div></div></header>\n");
            return;
        };
        h.push_str("<div class=\"fr-header__tools\"><div class=\"fr-header__tools-links\"><ul class=\"fr-btns-group\">");
        h.push_str(&format!(
            "<li><span class=\"fr-btn fr-icon-account-circle-line\" id=\"utilisateur\">{} ({})</span></li>",
            esc(&ctx.user.display_name),
            esc(crate::access::role_label(ctx.user.role))
        ));
        h.push_str(
            "<li><a class=\"fr-btn fr-icon-lock-line\" href=\"/compte/mot-de-passe\" id=\"lien-mot-de-passe\">Mot de passe</a></li>",
        );
        h.push_str(&format!(
            "<li><form method=\"post\" action=\"/deconnexion\" id=\"form-deconnexion\">{}\
             <button type=\"submit\" class=\"fr-btn fr-icon-logout-box-r-line\" id=\"bouton-deconnexion\">Se déconnecter</button></form></li>",
            csrf_field(&ctx.csrf)
        ));
        h.push_str("</ul></div></div></div></div></div>");

        use bilan_store::Role;
        let role = ctx.user.role;
        let mut links: Vec<(&str, &str, &str)> = Vec::new();
        if role == Role::Admin {
            links.push(("/admin/comptes", "lien-comptes", "Comptes"));
        } else {
            links.push(("/rapports", "lien-mes-rapports", "Mes rapports"));
        }
        if role.is_state() {
            links.push(("/revue", "lien-file-revue", "File de revue"));
        }
        if crate::dashboard::has_dashboards(role) {
            links.push(("/tableaux", "lien-tableaux", "Tableaux de bord"));
        }
        if role != Role::Admin {
            links.push(("/compte/jetons", "lien-jetons", "Jetons d’API"));
        }
        h.push_str(
            "<div class=\"fr-header__menu fr-modal\" id=\"menu-principal\" aria-labelledby=\"bouton-menu\"><div class=\"fr-container\">\
             <button class=\"fr-btn--close fr-btn\" aria-controls=\"menu-principal\" title=\"Fermer\">Fermer</button>\
             <div class=\"fr-header__menu-links\"></div>\
             <nav class=\"fr-nav\" id=\"navigation\" role=\"navigation\" aria-label=\"Menu principal\"><ul class=\"fr-nav__list\">",
        );
        // The section the page belongs to: the root of its breadcrumb, else its title.
        let section = Some(self.breadcrumb.first().map_or(self.title.as_str(), |(label, _)| label.as_str()));
        for (href, id, label) in links {
            let current = if section == Some(label) { " aria-current=\"true\"" } else { "" };
            h.push_str(&format!(
                "<li class=\"fr-nav__item\"><a class=\"fr-nav__link\" href=\"{href}\" id=\"{id}\"{current}>{label}</a></li>"
            ));
        }
        h.push_str("</ul></nav></div></div></header>\n");
    }
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

/// The hidden synchronizer token every POST form carries.
pub fn csrf_field(token: &str) -> String {
    format!("<input type=\"hidden\" name=\"csrf\" value=\"{}\">", esc(token))
}

pub fn hidden(name: &str, value: &str) -> String {
    format!("<input type=\"hidden\" name=\"{}\" value=\"{}\">", esc(name), esc(value))
}

/// A DSFR alert: kind is "error", "warning", "success" or "info".
pub fn alert(kind: &str, id: &str, title: &str, body_html: &str) -> String {
    format!(
        "<div class=\"fr-alert fr-alert--{kind} fr-mb-3w\" id=\"{}\" role=\"{}\"><h2 class=\"fr-alert__title\">{}</h2>{body_html}</div>",
        esc(id),
        if kind == "error" { "alert" } else { "status" },
        esc(title)
    )
}

/// A simple error page (403, 404, 409, 413, 429, 500…) in French.
pub fn error_page(status: StatusCode, ctx: Option<&Ctx>, title: &str, message_html: &str) -> Response {
    let body = format!(
        "<h1 id=\"titre-erreur\">{}</h1><div id=\"message-erreur\">{message_html}</div>\
         <p class=\"fr-mt-3w\"><a class=\"fr-link fr-icon-arrow-left-line fr-link--icon-left\" href=\"/rapports\">Retour à mes rapports</a></p>",
        esc(title)
    );
    Page::new(title, ctx, body).status(status).into_response()
}

pub fn not_found(ctx: Option<&Ctx>) -> Response {
    error_page(
        StatusCode::NOT_FOUND,
        ctx,
        "Page introuvable",
        "<p>La page demandée n’existe pas, ou vous n’y avez pas accès.</p>",
    )
}

pub fn forbidden(ctx: Option<&Ctx>, message: &str) -> Response {
    error_page(StatusCode::FORBIDDEN, ctx, "Action non autorisée", &format!("<p>{}</p>", esc(message)))
}

/// An internal error: logged with a reference, shown without internals.
pub fn internal_error(ctx: Option<&Ctx>, what: &dyn std::fmt::Display) -> Response {
    let mut bytes = [0u8; 4];
    let _ = getrandom::fill(&mut bytes);
    let reference: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    eprintln!("bilan-web: erreur interne [{reference}] : {what}");
    error_page(
        StatusCode::INTERNAL_SERVER_ERROR,
        ctx,
        "Erreur interne",
        &format!(
            "<p>Une erreur inattendue s’est produite ; rien n’a été modifié. \
             Si elle se reproduit, communiquez la référence <strong id=\"reference-erreur\">{reference}</strong> à l’administrateur.</p>"
        ),
    )
}

/// A badge for a report status.
pub fn status_badge(status: bilan_store::Status) -> String {
    use bilan_store::Status::*;
    let (class, label) = match status {
        Draft => ("fr-badge--info", "Brouillon"),
        Adopted => ("fr-badge--new", "Adopté"),
        Transmitted => ("fr-badge--success", "Transmis"),
        SentBack => ("fr-badge--warning", "À corriger"),
        Approved => ("fr-badge--success", "Approuvé"),
    };
    format!(
        "<p class=\"fr-badge {class} fr-badge--no-icon statut\" data-statut=\"{}\">{label}</p>",
        status_code(status)
    )
}

/// The status as stored ("brouillon", "adopte"…), used in `data-statut` attributes.
pub fn status_code(status: bilan_store::Status) -> &'static str {
    use bilan_store::Status::*;
    match status {
        Draft => "brouillon",
        Adopted => "adopte",
        Transmitted => "transmis",
        SentBack => "a_corriger",
        Approved => "approuve",
    }
}

pub fn status_label(status: bilan_store::Status) -> &'static str {
    use bilan_store::Status::*;
    match status {
        Draft => "brouillon",
        Adopted => "adopté",
        Transmitted => "transmis",
        SentBack => "à corriger",
        Approved => "approuvé",
    }
}

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
