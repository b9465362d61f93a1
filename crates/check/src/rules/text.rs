//! Template leftovers, empty sections, blank amounts, unanswered questions.

use bilan_domain::{Action, Amount};

use super::Checker;

/// Bracketed template instructions in a text: "[Commentez le tableau …]".
fn placeholders(text: &str) -> Vec<&str> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('[') {
        let after = &rest[open + 1..];
        let Some(close) = after.find(']') else { break };
        let inside = &after[..close];
        // "[1]" or "[sic]" are not instructions; the template's are whole sentences.
        if inside.chars().filter(|c| c.is_alphabetic()).count() >= 12 {
            found.push(&rest[open..open + close + 2]);
        }
        rest = &after[close + 1..];
    }
    found
}

/// Whether a text holds something of its author's: not blank once its template
/// instructions (see [`placeholders`]) are taken out.
pub(crate) fn has_own_text(text: &str) -> bool {
    if !text.contains('[') {
        return !text.trim().is_empty();
    }
    let mut rest = text.to_string();
    for p in placeholders(text) {
        rest = rest.replacen(p, "", 1);
    }
    !rest.trim().is_empty()
}

/// Brackets that have lost their pair.
fn unbalanced(text: &str) -> bool {
    let mut depth: i32 = 0;
    for ch in text.chars() {
        match ch {
            '[' => depth += 1,
            ']' => {
                depth -= 1;
                if depth < 0 {
                    return true;
                }
            }
            _ => {}
        }
    }
    depth != 0
}

fn excerpt(s: &str) -> String {
    let flat: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() > 70 {
        format!("{}…", flat.chars().take(69).collect::<String>())
    } else {
        flat
    }
}

/// TXT001/TXT002 on one text; `path` is only built for a text that holds a bracket (most
/// do not, and the checks run on every text of the report).
fn check_text(c: &mut Checker<'_>, path: impl FnOnce() -> String, text: &str) {
    if !text.contains(['[', ']']) {
        return;
    }
    let path = path();
    for p in placeholders(text) {
        let focus = p.to_string();
        c.emit(
            "TXT001",
            path.clone(),
            format!("consigne du modèle restée dans le texte : « {} »", excerpt(p)),
            "consigne du modèle".into(),
        )
        .focus_on(focus)
        .hint = Some("supprimez la consigne, ou remplacez-la par le commentaire demandé".into());
    }
    if placeholders(text).is_empty() && unbalanced(text) {
        let d = c.emit(
            "TXT002",
            path,
            format!("crochet isolé dans « {} »", excerpt(text)),
            "crochet sans pendant".into(),
        );
        d.focus = text.chars().find(|ch| *ch == '[' || *ch == ']').map(String::from);
        d.hint = Some("reste probable d'une consigne du modèle mal effacée".into());
    }
}

/// COM003. The path and the name of the amount are built only for a blank amount (the rule
/// runs on every amount of the report; few are blank).
fn check_blank(
    c: &mut Checker<'_>,
    path: impl FnOnce() -> String,
    amount: &Option<Amount>,
    what: impl FnOnce() -> String,
) {
    if *amount == Some(Amount::Blank) {
        c.emit("COM003", path(), format!("{} est imprimé sans montant", what()), "montant vide".into())
            .hint = Some("indiquez le montant, « 0 € » s'il est nul, ou retirez la ligne".into());
    }
}

pub(super) fn check_action(c: &mut Checker<'_>, path: &str, a: &Action) {
    let sections: [(&str, &str, &String, bool); 7] = [
        ("description", "description", &a.description, true),
        ("mise_en_place", "date de mise en place", &a.start_text, false),
        ("partenaires", "partenaires et co-financeurs", &a.partners, false),
        ("duree", "durée", &a.duration, false),
        ("bilan", "bilan d'exécution", &a.execution_review, true),
        ("perspectives", "perspectives", &a.outlook, false),
        ("budget_commentaire", "commentaire du budget", &a.budget_comment, false),
    ];
    for (key, name, text, required) in sections {
        check_text(c, || format!("{path}.{key}"), text);
        // Sections 8 and 9 printed as one: `bilan` holds the perspectives too.
        let merged =
            key == "perspectives" && a.review_includes_outlook && !a.execution_review.trim().is_empty();
        if text.trim().is_empty() && key != "budget_commentaire" && !merged {
            let code = if required { "COM001" } else { "COM002" };
            c.emit(
                code,
                format!("{path}.{key}"),
                format!("action {} : la section « {name} » est vide", a.number),
                "section vide".into(),
            );
        }
    }
    check_text(c, || format!("{path}.intitule"), &a.title);
    check_text(c, || format!("{path}.indicateurs_commentaire"), &a.indicators_comment);
    if let Some(f) = &a.forecast {
        check_text(c, || format!("{path}.prevision.commentaire"), &f.comment);
        check_blank(c, || format!("{path}.prevision.part_etat"), &f.state_share, || "la part État".into());
        check_blank(c, || format!("{path}.prevision.part_cd"), &f.department_share, || "la part CD".into());
        check_blank(c, || format!("{path}.prevision.total"), &f.total, || "le total prévisionnel".into());
    }
    if let Some(ex) = &a.executed {
        check_text(c, || format!("{path}.execution.commentaire"), &ex.comment);
        check_blank(c, || format!("{path}.execution.engage"), &ex.committed, || "« Crédits engagés »".into());
        check_blank(c, || format!("{path}.execution.consomme"), &ex.spent, || "« Crédits consommés »".into());
        check_blank(c, || format!("{path}.execution.report"), &ex.carry_over, || "« Report demandé »".into());
    }
    for (k, e) in a.expenses.iter().enumerate() {
        let lp = || format!("{path}.depenses[{k}]");
        check_text(c, || format!("{}.libelle", lp()), &e.label);
        check_text(c, || format!("{}.commentaire", lp()), &e.comment);
        check_blank(
            c,
            || format!("{}.inscrit", lp()),
            &e.planned,
            || format!("le montant inscrit de « {} »", e.label),
        );
        check_blank(
            c,
            || format!("{}.realise", lp()),
            &e.spent,
            || format!("le montant réalisé de « {} »", e.label),
        );
    }
    for (k, ind) in a.indicators.iter().enumerate() {
        let ip = || format!("{path}.indicateurs[{k}]");
        // A merged "Nom de la mesure" cell is repeated on each row: report it once.
        if k == 0 || a.indicators[k - 1].measure_label != ind.measure_label {
            check_text(c, || format!("{}.mesure", ip()), &ind.measure_label);
        }
        check_text(c, || format!("{}.intitule", ip()), &ind.name);
        check_text(c, || format!("{}.justification", ip()), &ind.justification);
    }
    if a.fapi.is_none() {
        c.emit(
            "COM005",
            format!("{path}.fapi"),
            format!(
                "action {} : la section « Action déjà financée au titre du FAPI » n'est pas renseignée",
                a.number
            ),
            "FAPI non renseigné".into(),
        )
        .hint = Some("fapi = \"oui\", \"non\" ou \"oui en partie\"".into());
    }
    if a.indicators.is_empty() {
        c.emit(
            "COM006",
            format!("{path}.indicateurs"),
            format!("l'action {} ne rend compte d'aucun indicateur", a.number),
            "aucun indicateur".into(),
        );
    }
}

pub(super) fn check_report(c: &mut Checker<'_>) {
    let r = c.report;
    check_text(c, || "preambule".into(), &r.preamble);
    for (mi, m) in r.measures.iter().enumerate() {
        check_text(c, || format!("mesures[{mi}].intitule"), &m.title);
    }
    let missing = match &r.deliberation {
        None => Some("ni numéro ni date"),
        Some(d) if d.number.trim().is_empty() && d.date.is_none() => Some("ni numéro ni date"),
        Some(d) if d.number.trim().is_empty() => Some("pas de numéro"),
        Some(d) if d.date.is_none() => Some("pas de date"),
        _ => None,
    };
    if let Some(what) = missing {
        c.emit(
            "COM004",
            "deliberation".into(),
            format!("la délibération qui adopte le rapport n'est pas renseignée ({what})"),
            "délibération".into(),
        )
        .hint =
            Some("ajoutez une table [deliberation] avec numero et date une fois le rapport adopté".into());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_template_instructions_not_references() {
        assert_eq!(placeholders("Voir [1] et [sic]."), Vec::<&str>::new());
        assert_eq!(
            placeholders("Texte. [Commentez le tableau financier au sein de cette section] suite"),
            vec!["[Commentez le tableau financier au sein de cette section]"]
        );
        assert!(unbalanced("Référent de parcours]"));
        assert!(!unbalanced("a [b] c"));
    }

    #[test]
    fn own_text_is_what_remains_without_the_instructions() {
        assert!(!has_own_text("  \n"));
        assert!(!has_own_text(" [Décrivez l'action et ses objectifs en quelques lignes] "));
        assert!(has_own_text("[1] Voir le rapport."));
        assert!(has_own_text("Accompagnement. [Commentez le tableau financier au sein de cette section]"));
    }
}
