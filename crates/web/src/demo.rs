//! Demo data for `bilan demo`: the real Allier 2019 report as a draft, its 2020 follow-up
//! draft, three synthetic reports of other Départements of Auvergne-Rhône-Alpes (clearly
//! labelled as such; one draft, one transmitted, one approved), and one account per role.

use bilan_domain::annex_table::AnnexTable;
use bilan_domain::{figure, Amount, AnnexTotals, Date, Deliberation, DepartmentCode, Money, Report};
use bilan_store::{NewUser, Role, Status, Store};

use crate::policy::access::{role_label, territory_label};
use crate::service::accounts::hash_password;
use crate::WebError;

/// The password of every demo account.
pub const DEMO_PASSWORD: &str = "demo-bilan-2026";

const ALLIER_2019: &str = include_str!("../../../examples/allier-2019.toml");

/// A demo login to print.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoAccount {
    pub login: String,
    pub password: String,
    pub role_label: &'static str,
    pub territory_label: String,
}

/// (login, display name, role, territory).
const ACCOUNTS: &[(&str, &str, Role, Option<&str>)] = &[
    ("editeur.allier", "Camille Martin", Role::DepartmentEditor, Some("03")),
    ("signataire.allier", "Dominique Bernard", Role::DepartmentSignatory, Some("03")),
    ("prefecture.allier", "Claude Petit", Role::PrefectureReviewer, Some("03")),
    ("region.ara", "Alix Durand", Role::RegionalReviewer, Some("84")),
    ("national", "Sacha Robert", Role::NationalReader, None),
    ("admin", "Administrateur bilan", Role::Admin, None),
    ("editeur.cantal", "Morgan Leroy", Role::DepartmentEditor, Some("15")),
];

fn accounts() -> Vec<DemoAccount> {
    ACCOUNTS
        .iter()
        .map(|(login, _, role, territory)| DemoAccount {
            login: login.to_string(),
            password: DEMO_PASSWORD.to_string(),
            role_label: role_label(*role),
            territory_label: territory_label(*role, *territory),
        })
        .collect()
}

/// Seeds an empty database; does nothing when accounts already exist. Returns the demo
/// accounts (also when they were already there).
pub async fn seed(store: &Store) -> Result<Vec<DemoAccount>, WebError> {
    // Every report written here gets its figures, as through the application.
    let store = &crate::service::figures::attach(store.clone());
    if !store.users().await?.is_empty() {
        let mut present = Vec::new();
        for a in accounts() {
            if store.user_by_login(&a.login).await?.is_some() {
                present.push(a);
            }
        }
        return Ok(present);
    }
    let hashes = tokio::task::spawn_blocking(|| {
        ACCOUNTS.iter().map(|_| hash_password(DEMO_PASSWORD)).collect::<Vec<String>>()
    })
    .await
    .map_err(|e| WebError::Demo(e.to_string()))?;
    let mut admin = None;
    for ((login, name, role, territory), hash) in ACCOUNTS.iter().zip(hashes) {
        let id = store
            .create_user(
                None,
                NewUser {
                    login: login.to_string(),
                    display_name: name.to_string(),
                    password_hash: hash,
                    role: *role,
                    territory: territory.map(str::to_string),
                    // Demo mail stays in the outbox: the domain is reserved (RFC 2606).
                    email: Some(format!("{login}@demo.bilan.example")),
                },
            )
            .await?;
        if *role == Role::Admin {
            admin = Some(id);
        }
    }
    let admin = admin.ok_or_else(|| WebError::Demo("compte administrateur absent".into()))?;

    let allier = bilan_source::parse_str(ALLIER_2019)
        .map_err(|e| WebError::Demo(format!("exemple de l’Allier illisible : {e}")))?
        .report;
    create(store, &allier).await?;
    let calpae = bilan_source::referentiel::builtin()
        .programme("calpae")
        .ok_or_else(|| WebError::Demo("programme calpae absent".into()))?;
    let follow = bilan_domain::draft::follow_up(&allier, 2020, calpae);
    create(store, &follow).await?;
    // The Allier's 2024 Pacte report (synthetic, still a draft): what the Pacte 2025
    // campaign's draft is prefilled from when the national reader opens it.
    let pacte_2024 = bilan_synthetic::signatory_year(NATIONAL_SEED, "03", 2024)
        .ok_or_else(|| WebError::Demo("rapport synthétique Allier 2024 absent".into()))?;
    create(store, &pacte_2024.report).await?;

    let synthetic =
        [("15", 3, 5, Status::Draft), ("43", 4, 5, Status::Transmitted), ("63", 3, 2, Status::Approved)];
    for (code, num, den, status) in synthetic {
        let r = synthetic_report(&allier, code, num, den, status != Status::Draft)?;
        let id = create(store, &r).await?;
        if status != Status::Draft {
            let reason = "données de démonstration";
            store
                .set_status(
                    admin,
                    id,
                    Status::Draft,
                    Status::Adopted,
                    reason,
                    Some(("CP-2020-0412".into(), "2020-06-19".into())),
                )
                .await?;
            store.set_status(admin, id, Status::Adopted, Status::Transmitted, reason, None).await?;
            if status == Status::Approved {
                store.set_status(admin, id, Status::Transmitted, Status::Approved, reason, None).await?;
            }
        }
    }
    Ok(accounts())
}

/// The seed of the national synthetic dataset: the same data on every machine.
pub const NATIONAL_SEED: u64 = 2026;

/// Adds the national synthetic dataset (`bilan-synthetic`) for every (signatory, year)
/// that has no report yet, taking each report through the workflow up to its stage
/// (adopted, transmitted, approved) as the demo administrator. Returns how many reports
/// were added; run twice, it adds nothing.
pub async fn seed_national(store: &Store, files: &bilan_domain::Referentiel) -> Result<usize, WebError> {
    seed_national_scaled(store, files, 1).await
}

/// [`seed_national`] with every report's actions repeated `factor` times
/// (`bilan_synthetic::scaled`): a dataset `factor` times the national one, for benchmarks.
pub async fn seed_national_scaled(
    store: &Store,
    files: &bilan_domain::Referentiel,
    factor: usize,
) -> Result<usize, WebError> {
    let store = &crate::service::figures::attach(store.clone());
    let admin = store
        .users()
        .await?
        .into_iter()
        .find(|u| u.role == Role::Admin)
        .ok_or_else(|| {
            WebError::Demo("compte administrateur absent : lancez d’abord la démonstration".into())
        })?
        .id;
    let existing: std::collections::BTreeSet<(String, i32)> = store
        .reports(&bilan_store::ReportFilter { departments: None, statuses: None, year: None })
        .await?
        .into_iter()
        .map(|s| (s.department, s.year))
        .collect();
    let dataset = tokio::task::spawn_blocking(move || {
        let mut data = bilan_synthetic::national_dataset(NATIONAL_SEED);
        if factor > 1 {
            for item in &mut data {
                item.report = bilan_synthetic::scaled(&item.report, factor);
            }
        }
        data
    })
    .await
    .map_err(|e| WebError::Demo(e.to_string()))?;
    let mut added = 0;
    for item in dataset {
        let r = &item.report;
        if existing.contains(&(r.signatory().as_str().to_string(), r.year)) {
            continue;
        }
        let id = create(store, r).await?;
        added += 1;
        use bilan_synthetic::Stage;
        if item.stage == Stage::Draft {
            continue;
        }
        let reason = "données synthétiques de démonstration";
        let deliberation = r.deliberation.as_ref().map(|d| {
            (d.number.clone(), d.date.map(|d| d.iso()).unwrap_or_else(|| format!("{}-06-15", r.year + 1)))
        });
        let deliberation = deliberation
            .or_else(|| Some((format!("CP-{}-001", r.year + 1), format!("{}-06-15", r.year + 1))));
        store.set_status(admin, id, Status::Draft, Status::Adopted, reason, deliberation).await?;
        if item.stage == Stage::Adopted {
            continue;
        }
        store.set_status(admin, id, Status::Adopted, Status::Transmitted, reason, None).await?;
        if item.stage == Stage::Approved {
            store.set_status(admin, id, Status::Transmitted, Status::Approved, reason, None).await?;
        }
    }
    // The Pacte 2025 campaign, opened by the national reader: its conventions link the
    // reports above, and the collectivités without one get their draft.
    let national = store.users().await?.into_iter().find(|u| u.role == Role::NationalReader);
    if let (Some(national), Some(pacte)) = (national, files.programme("pacte")) {
        if !store.campaigns().await?.iter().any(|c| c.programme == "pacte" && c.year == 2025) {
            let version = store.referentiel("pacte").await?.map_or(1, |r| r.version);
            let deadline =
                pacte.deadline(2025).ok_or_else(|| WebError::Demo("échéance Pacte 2025".into()))?;
            let campaign = crate::service::campaigns::prepare(store, pacte, 2025, deadline, version)
                .await
                .map_err(|e| WebError::Demo(format!("campagne Pacte 2025 : {e:?}")))?;
            store.open_campaign(national.id, &campaign).await?;
        }
    }
    Ok(added)
}

/// Stores a report under its signatory (the collectivité code) with the territories it
/// covers, principal first, as campaigns do.
async fn create(store: &Store, r: &Report) -> Result<i64, WebError> {
    let signatory = r.signatory();
    let new = bilan_store::NewCollectiviteReport {
        collectivite: signatory.as_str().to_string(),
        territories: signatory.territories().iter().map(|t| t.to_string()).collect(),
        year: r.year,
        programme: r.programme.clone(),
        text: bilan_source::to_toml(r),
        actions: crate::service::values::action_numbers(r),
    };
    Ok(store.create_collectivite_report(None, &new).await?)
}

fn scale(a: &mut Option<Amount>, num: i64, den: i64) {
    if let Some(Amount::Value(m)) = a {
        let c = i128::from(m.cents()) * i128::from(num);
        let scaled = (c + i128::from(den) / 2) / i128::from(den);
        *m = Money::from_cents(i64::try_from(scaled).unwrap_or(i64::MAX));
    }
}

/// A report derived from the Allier one, amounts scaled by num/den, labelled synthetic.
fn synthetic_report(
    allier: &Report,
    code: &str,
    num: i64,
    den: i64,
    adopted: bool,
) -> Result<Report, WebError> {
    let department = DepartmentCode::parse(code).map_err(WebError::Demo)?;
    let info = department.info();
    let mut r = allier.clone();
    r.department = department;
    r.title = format!(
        "Rapport d’exécution 2019 – Département {} – Données synthétiques de démonstration",
        info.of_name
    );
    r.preamble = format!(
        "Données synthétiques de démonstration : ce rapport est dérivé de celui de l’Allier (montants multipliés par {num}/{den}) \
         et ne décrit pas la situation réelle du Département {}.",
        info.of_name
    );
    r.annex.title = format!("Annexe financière – Département {} – données synthétiques", info.of_name);
    for m in &mut r.measures {
        for a in &mut m.actions {
            if let Some(f) = a.forecast.as_mut() {
                scale(&mut f.state_share, num, den);
                scale(&mut f.department_share, num, den);
                // Keep the identity part État + part CD = total.
                f.total = match (figure(&f.state_share), figure(&f.department_share)) {
                    (Some(s), Some(d)) => Some(Amount::Value(s.add(d))),
                    _ => {
                        let mut t = f.total;
                        scale(&mut t, num, den);
                        t
                    }
                };
            }
            if let Some(x) = a.executed.as_mut() {
                scale(&mut x.committed, num, den);
                scale(&mut x.spent, num, den);
                scale(&mut x.carry_over, num, den);
                for l in &mut x.lines {
                    scale(&mut l.committed, num, den);
                    scale(&mut l.spent, num, den);
                    scale(&mut l.carry_over, num, den);
                    for s in &mut l.staff_details {
                        let mut v = Some(s.amount);
                        scale(&mut v, num, den);
                        s.amount = v.unwrap_or(s.amount);
                    }
                }
            }
            for e in &mut a.expenses {
                scale(&mut e.planned, num, den);
                scale(&mut e.committed, num, den);
                scale(&mut e.spent, num, den);
                scale(&mut e.carry_over, num, den);
            }
        }
    }
    // Declared annex figures: the computed ones (a synthetic annex adds up).
    r.annex.rounding = bilan_domain::Rounding::Cent;
    let table = AnnexTable::from_report(&r);
    for (g, computed) in r.annex.groups.iter_mut().zip(table.groups.iter()) {
        let s = computed.subtotal;
        g.subtotal = Some(AnnexTotals {
            planned: Some(Amount::Value(s.planned)),
            spent: Some(Amount::Value(s.spent)),
            carry_over: Some(Amount::Value(s.carry_over)),
            state_revenue: None,
        });
        g.state_revenue = s.state_revenue.map(Amount::Value);
    }
    let t = table.total;
    r.annex.total = Some(AnnexTotals {
        planned: Some(Amount::Value(t.planned)),
        spent: Some(Amount::Value(t.spent)),
        carry_over: Some(Amount::Value(t.carry_over)),
        state_revenue: t.state_revenue.map(Amount::Value),
    });
    if adopted {
        r.deliberation = Some(Deliberation {
            number: "CP-2020-0412".into(),
            date: Date::new(2020, 6, 19),
            body: "commission permanente".into(),
        });
        r.transmitted_on = Date::new(2020, 6, 26);
    }
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn synthetic_reports_are_labelled_and_scaled() {
        let allier = bilan_source::parse_str(ALLIER_2019).unwrap().report;
        let r = synthetic_report(&allier, "43", 4, 5, true).unwrap();
        assert!(r.title.contains("Données synthétiques de démonstration"));
        assert!(r.preamble.contains("Données synthétiques de démonstration"));
        assert_eq!(r.department.as_str(), "43");
        let text = bilan_source::to_toml(&r);
        let back = bilan_source::parse_str(&text).unwrap().report;
        assert_eq!(back, r);
        let a = &allier.measures[0].actions[0];
        let b = &r.measures[0].actions[0];
        assert_eq!(
            figure(&b.forecast.as_ref().unwrap().state_share).unwrap().cents(),
            figure(&a.forecast.as_ref().unwrap().state_share).unwrap().cents() * 4 / 5
        );
    }

    #[test]
    fn every_role_has_an_account() {
        for role in Role::ALL {
            assert!(ACCOUNTS.iter().any(|(_, _, r, _)| *r == role), "{role}");
        }
        assert!(accounts().iter().all(|a| a.password == DEMO_PASSWORD));
    }
}
