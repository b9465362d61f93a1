//! Who sees and does what. A report outside the user's territory or status scope is
//! "not found" (404: its existence is not revealed); an action the role may not do on a
//! report it sees is "forbidden" (403).

use bilan_domain::geo;
use bilan_store::{ReportFilter, ReportSummary, Role, Status, User};

pub fn role_label(role: Role) -> &'static str {
    match role {
        Role::DepartmentEditor => "rédacteur départemental",
        Role::DepartmentSignatory => "signataire départemental",
        Role::PrefectureReviewer => "préfecture",
        Role::RegionalReviewer => "région",
        Role::NationalReader => "lecteur national",
        Role::Admin => "administrateur",
    }
}

/// "Allier (03)", "Auvergne-Rhône-Alpes (84)", "toute la France".
pub fn territory_label(role: Role, territory: Option<&str>) -> String {
    match (role, territory) {
        (Role::RegionalReviewer, Some(code)) => geo::region(code)
            .map(|r| format!("{} ({code})", r.name))
            .unwrap_or_else(|| format!("région {code}")),
        (Role::NationalReader, _) => "toute la France".to_string(),
        (Role::Admin, _) => "—".to_string(),
        (_, Some(code)) => bilan_domain::collectivite::label(code),
        (_, None) => "aucun".to_string(),
    }
}

/// Statuses the State's reviewers see.
const REVIEWED: [Status; 2] = [Status::Transmitted, Status::Approved];

fn is_department_role(role: Role) -> bool {
    matches!(role, Role::DepartmentEditor | Role::DepartmentSignatory)
}

/// Whether the user may see this report at all.
pub fn can_see(user: &User, r: &ReportSummary) -> bool {
    let territory = user.territory.as_deref();
    match user.role {
        Role::DepartmentEditor | Role::DepartmentSignatory => territory == Some(r.department.as_str()),
        // The State's services see a report through the territories it covers: the
        // préfecture of the Bas-Rhin sees the report of the Collectivité européenne d'Alsace.
        Role::PrefectureReviewer => covers(r, |t| Some(t) == territory) && REVIEWED.contains(&r.status),
        Role::RegionalReviewer => {
            covers(r, |t| geo::department(t).map(|d| d.region_code) == territory)
                && REVIEWED.contains(&r.status)
        }
        Role::NationalReader => REVIEWED.contains(&r.status),
        Role::Admin => false,
    }
}

/// Whether one of the Départements a report covers passes `test` (its collectivité's own
/// code when the store lists no territory).
fn covers(r: &ReportSummary, test: impl Fn(&str) -> bool) -> bool {
    if r.territories.is_empty() {
        test(&r.department)
    } else {
        r.territories.iter().any(|t| test(t))
    }
}

/// The filter listing what the user may see (then refined by [`can_see`]).
pub fn filter_for(user: &User) -> ReportFilter {
    let territory = user.territory.clone();
    match user.role {
        Role::DepartmentEditor | Role::DepartmentSignatory => {
            ReportFilter { departments: Some(territory.into_iter().collect()), statuses: None, year: None }
        }
        Role::PrefectureReviewer => ReportFilter {
            departments: Some(territory.into_iter().collect()),
            statuses: Some(REVIEWED.to_vec()),
            year: None,
        },
        Role::RegionalReviewer => ReportFilter {
            departments: Some(
                geo::departments_of_region(territory.as_deref().unwrap_or(""))
                    .map(|d| d.code.to_string())
                    .collect(),
            ),
            statuses: Some(REVIEWED.to_vec()),
            year: None,
        },
        Role::NationalReader => {
            ReportFilter { departments: None, statuses: Some(REVIEWED.to_vec()), year: None }
        }
        Role::Admin => ReportFilter { departments: Some(Vec::new()), statuses: None, year: None },
    }
}

/// Why an action is refused on a visible report (a French sentence), or `Ok`.
pub type Allowed = Result<(), &'static str>;

const NOT_EDITOR: &str = "Seuls les rédacteurs du Département modifient le contenu du rapport.";
const NOT_SIGNATORY: &str =
    "Seul le signataire du Département adopte, transmet ou remet en brouillon le rapport.";
const FROZEN: &str = "Le rapport n’est pas modifiable dans son statut actuel : un rapport adopté doit d’abord être remis en brouillon par le signataire ; un rapport transmis ou approuvé est figé.";

/// Editing the content (forms, uploads).
pub fn can_edit(user: &User, r: &ReportSummary) -> Allowed {
    if user.role != Role::DepartmentEditor {
        return Err(NOT_EDITOR);
    }
    if !r.status.is_editable() {
        return Err(FROZEN);
    }
    Ok(())
}

/// Justifying warnings: editors and signatories, until transmission.
pub fn can_justify(user: &User, r: &ReportSummary) -> Allowed {
    if !is_department_role(user.role) {
        return Err("Seuls les agents du Département justifient les avertissements.");
    }
    if matches!(r.status, Status::Transmitted | Status::Approved) {
        return Err("Le rapport est transmis : ses justifications sont figées.");
    }
    Ok(())
}

/// Adopting, transmitting, going back to draft.
pub fn can_sign(user: &User) -> Allowed {
    if user.role == Role::DepartmentSignatory {
        Ok(())
    } else {
        Err(NOT_SIGNATORY)
    }
}

/// Deciding on a transmitted or approved report (send back, approve, reopen, comment, credits):
/// the State's reviewers. The national reader only reads.
pub fn can_review(user: &User) -> Allowed {
    if matches!(user.role, Role::PrefectureReviewer | Role::RegionalReviewer) {
        Ok(())
    } else {
        Err("Seuls les services de l’État (préfecture, région) renvoient ou approuvent un rapport.")
    }
}

/// Which territory a role needs: Some(true) a Département, Some(false) a region, None nothing.
pub fn territory_kind(role: Role) -> Option<bool> {
    match role {
        Role::DepartmentEditor | Role::DepartmentSignatory | Role::PrefectureReviewer => Some(true),
        Role::RegionalReviewer => Some(false),
        Role::NationalReader | Role::Admin => None,
    }
}

pub fn role_of_code(code: &str) -> Option<Role> {
    Role::from_code(code)
}

/// Whether a role has dashboards (the national reader, regional reviewers).
pub fn has_dashboards(role: Role) -> bool {
    matches!(role, Role::RegionalReviewer | Role::NationalReader)
}

/// The status as stored ("brouillon", "adopte"…), used in `data-statut` attributes.
pub fn status_code(status: Status) -> &'static str {
    use Status::*;
    match status {
        Draft => "brouillon",
        Adopted => "adopte",
        Transmitted => "transmis",
        SentBack => "a_corriger",
        Approved => "approuve",
    }
}

/// The status in a French sentence (« au statut « adopté » »).
pub fn status_label(status: Status) -> &'static str {
    use Status::*;
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

    fn user(role: Role, territory: Option<&str>) -> User {
        User {
            id: 1,
            login: "x".into(),
            display_name: "X".into(),
            password_hash: String::new(),
            role,
            territory: territory.map(str::to_string),
            active: true,
            email: None,
        }
    }

    fn report(dep: &str, status: Status) -> ReportSummary {
        ReportSummary {
            id: 1,
            department: dep.into(),
            territories: vec![dep.into()],
            year: 2019,
            programme: "calpae".into(),
            status,
            version: 1,
            revision: 1,
            updated_at: String::new(),
        }
    }

    #[test]
    fn matrix() {
        let ed = user(Role::DepartmentEditor, Some("03"));
        assert!(can_see(&ed, &report("03", Status::Draft)));
        assert!(!can_see(&ed, &report("15", Status::Draft)));
        assert!(can_edit(&ed, &report("03", Status::Draft)).is_ok());
        assert!(can_edit(&ed, &report("03", Status::Transmitted)).is_err());
        let pref = user(Role::PrefectureReviewer, Some("03"));
        assert!(!can_see(&pref, &report("03", Status::Draft)));
        assert!(can_see(&pref, &report("03", Status::Transmitted)));
        assert!(!can_see(&pref, &report("15", Status::Transmitted)));
        let reg = user(Role::RegionalReviewer, Some("84"));
        assert!(can_see(&reg, &report("15", Status::Approved)));
        assert!(!can_see(&reg, &report("75", Status::Approved)));
        assert!(!can_see(&reg, &report("15", Status::Draft)));
        let nat = user(Role::NationalReader, None);
        assert!(can_see(&nat, &report("75", Status::Transmitted)));
        assert!(!can_see(&nat, &report("75", Status::SentBack)));
        assert!(!can_see(&user(Role::Admin, None), &report("03", Status::Draft)));
        assert!(can_sign(&ed).is_err());
        assert!(can_sign(&user(Role::DepartmentSignatory, Some("03"))).is_ok());
    }
}
