//! DSFR pieces shared by the pages: alerts, status badges, hidden fields, error pages.
//! Everything is maud markup: text is escaped where it is inserted.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use bilan_domain::{figure, Amount, Money};
use bilan_store::Status;
use maud::{html, Markup};

use crate::error::PendingPage;
use crate::policy::access::status_code;
use crate::policy::Ctx;
use crate::views::layout::Page;

pub use crate::views::layout::csrf_input;

/// An amount in French ("1 234,50 €") in its `.montant` span.
pub fn money(m: Money) -> Markup {
    html! { span class="montant" { (m.to_french()) } }
}

/// An amount when it is a figure; nothing when blank or absent.
pub fn opt_money(a: &Option<Amount>) -> Markup {
    html! { @if let Some(m) = figure(a) { (money(m)) } }
}

/// The notice of a form the user may only read.
pub fn read_only() -> Markup {
    alert(
        "info",
        "lecture-seule",
        "Lecture seule",
        html! { p { "Vous ne pouvez pas modifier ces informations (votre rôle, ou le statut du rapport, ne le permet pas)." } },
    )
}

/// "dépense" → "Dépense": the first letter in upper case.
pub fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// A hidden form field.
pub fn hidden(name: &str, value: &str) -> Markup {
    html! { input type="hidden" name=(name) value=(value); }
}

/// A DSFR alert: kind is "error", "warning", "success" or "info".
pub fn alert(kind: &str, id: &str, title: &str, body: Markup) -> Markup {
    html! {
        div class={ "fr-alert fr-alert--" (kind) " fr-mb-3w" } id=(id) role=(if kind == "error" { "alert" } else { "status" }) {
            h2.fr-alert__title { (title) }
            (body)
        }
    }
}

/// Text with its line breaks kept: paragraphs for blank lines, `<br>` otherwise.
pub fn multiline(text: &str) -> Markup {
    html! {
        @for para in text.split("\n\n").map(str::trim).filter(|p| !p.is_empty()) {
            p {
                @for (i, line) in para.split('\n').enumerate() {
                    @if i > 0 { br; }
                    (line)
                }
            }
        }
    }
}

/// The body of an error page.
pub fn error_body(title: &str, message: Markup) -> Markup {
    html! {
        h1 #titre-erreur { (title) }
        div #message-erreur { (message) }
        p.fr-mt-3w { a.fr-link.fr-icon-arrow-left-line.fr-link--icon-left href="/rapports" { "Retour à mes rapports" } }
    }
}

/// A French error page (403, 404, 409, 413, 429, 500…).
pub fn error_page(status: StatusCode, ctx: Option<&Ctx>, title: &str, message: Markup) -> Response {
    Page::new(title, ctx, error_body(title, message)).status(status).into_response()
}

/// The page of an [`crate::error::AppError`], once the guard knows who is signed in.
pub fn pending_page(status: StatusCode, ctx: Option<&Ctx>, page: PendingPage) -> Response {
    error_page(status, ctx, &page.title, page.message)
}

/// A badge for a report status.
pub fn status_badge(status: Status) -> Markup {
    use Status::*;
    let (class, label) = match status {
        Draft => ("fr-badge--info", "Brouillon"),
        Adopted => ("fr-badge--new", "Adopté"),
        Transmitted => ("fr-badge--success", "Transmis"),
        SentBack => ("fr-badge--warning", "À corriger"),
        Approved => ("fr-badge--success", "Approuvé"),
    };
    html! { p class={ "fr-badge " (class) " fr-badge--no-icon statut" } data-statut=(status_code(status)) { (label) } }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_lines_kept() {
        assert_eq!(multiline("a<b\nc\n\nd").into_string(), "<p>a&lt;b<br>c</p><p>d</p>");
        assert_eq!(capitalize("érreur"), "Érreur");
        assert_eq!(capitalize(""), "");
        assert_eq!(opt_money(&None).into_string(), "");
        assert_eq!(opt_money(&Some(Amount::Blank)).into_string(), "");
        assert_eq!(
            hidden("x", "\"><script>").into_string(),
            "<input type=\"hidden\" name=\"x\" value=\"&quot;&gt;&lt;script&gt;\">"
        );
    }
}
