//! Form fields as the DSFR draws them, from the form specs of `service::forms`: label,
//! hint, input, the error under it, and the error summary at the top of a refused form.

use maud::{html, Markup};

use crate::service::forms::{field_id, join, Errors, Kind, Spec, Values};
use crate::views::components::alert;

/// The inputs of `specs` under `base` (the item's field path).
pub fn render_fields(specs: &[Spec], base: &str, values: &Values, errors: &Errors) -> Markup {
    render_fields_fixed(specs, base, values, errors, &[])
}

/// The inputs of `specs`, those named in `fixed` shown disabled (their value is imposed
/// and enforced by the server: a disabled input is not posted).
pub fn render_fields_fixed(
    specs: &[Spec],
    base: &str,
    values: &Values,
    errors: &Errors,
    fixed: &[&str],
) -> Markup {
    html! {
        @for spec in specs {
            (field(spec, base, values.get(spec.name).map(String::as_str).unwrap_or(""), errors, fixed.contains(&spec.name)))
        }
    }
}

fn field(spec: &Spec, base: &str, value: &str, errors: &Errors, disabled: bool) -> Markup {
    let id = field_id(&join(base, spec.name));
    let error = errors.iter().find(|(n, _)| n == spec.name).map(|(_, m)| m.as_str());
    let error_id = format!("{id}-erreur");
    let described = error.is_some().then_some(error_id.as_str());
    let err =
        |group: &str| if error.is_some() { format!("{group} {group}--error") } else { group.to_string() };
    let label = html! {
        label.fr-label for=(id) {
            (spec.label)
            @if spec.required { " " span.obligatoire { "(obligatoire)" } }
            @if !spec.hint.is_empty() { span.fr-hint-text { (spec.hint) } }
        }
    };
    let error_text = html! {
        @if let Some(m) = error { p.fr-error-text id=(error_id) { (m) } }
    };
    match spec.kind {
        Kind::Check => html! {
            div class={ (err("fr-checkbox-group")) " fr-mb-3w" } {
                input type="checkbox" id=(id) name=(spec.name) value="oui" checked[!value.is_empty()] aria-describedby=[described];
                (label) (error_text)
            }
        },
        Kind::Choice(options) => html! {
            div class=(err("fr-select-group")) {
                (label)
                select.fr-select id=(id) name=(spec.name) aria-describedby=[described] disabled[disabled] {
                    @for (v, l) in options { option value=(v) selected[*v == value] { (l) } }
                }
                (error_text)
            }
        },
        Kind::Area => html! {
            div class=(err("fr-input-group")) {
                (label)
                textarea.fr-input id=(id) name=(spec.name) rows=(if value.len() > 600 { 12 } else { 5 })
                    aria-describedby=[described] required[spec.required] { (value) }
                (error_text)
            }
        },
        Kind::Text | Kind::Amount | Kind::Date | Kind::Value => {
            let amount = matches!(spec.kind, Kind::Amount);
            html! {
                div class=(err("fr-input-group")) {
                    (label)
                    input class={ "fr-input" @if error.is_some() { " fr-input--error" } } type="text" id=(id)
                        name=(spec.name) value=(value)
                        inputmode=[amount.then_some("decimal")] autocomplete=[amount.then_some("off")]
                        data-montant[amount]
                        placeholder=[matches!(spec.kind, Kind::Date).then_some("AAAA-MM-JJ")]
                        aria-describedby=[described] required[spec.required] disabled[disabled];
                    (error_text)
                }
            }
        }
    }
}

/// The error summary at the top of a refused form, each entry linking to its field.
pub fn error_summary(specs: &[&Spec], base: &str, errors: &Errors) -> Markup {
    let items = html! {
        ul {
            @for (name, message) in errors {
                li {
                    a href={ "#" (field_id(&join(base, name))) } {
                        (specs.iter().find(|s| s.name == name).map(|s| s.label).unwrap_or(name.as_str()))
                    }
                    " : " (message)
                }
            }
        }
    };
    alert(
        "error",
        "erreurs-formulaire",
        "Le formulaire contient des erreurs : rien n’a été enregistré",
        items,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::forms::EXPENSE_FIELDS;

    #[test]
    fn rendering_escapes_values() {
        let mut v = Values::new();
        v.insert("libelle".into(), "<script>alert(1)</script>".into());
        let h =
            render_fields(EXPENSE_FIELDS, "mesures[0].actions[0].depenses[0]", &v, &Vec::new()).into_string();
        assert!(h.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(!h.contains("<script>"));
        assert!(h.contains("id=\"champ-mesures-0-actions-0-depenses-0-libelle\""));
    }
}
