//! The reference data in force: programmes, their measures and the national indicator
//! catalogue, stored in the database as one versioned TOML document per programme (seeded
//! at start from the repository's files, `data/referentiels/`), changed by an
//! administrator without a release. Every part of the web crate reads it through
//! [`current`].
//!
//! Each request first calls [`refresh`] (from the session guard, for pages and the API):
//! one indexed query reads the referentiels' revision, and the documents are reparsed only
//! when it changed, so several servers on one database agree without talking to each
//! other. A database that holds no referentiel yet (a test's fresh store) uses the files'
//! ([`crate::AppOptions::referentiel`]). Programme ids and names come only from the files
//! (an administrator adds years, measures and indicators, not programmes), so
//! [`programme_name`] needs no request.

use std::sync::{Arc, RwLock};

use bilan_domain::referentiel::{CatalogueIndicator, MeasureRef, Programme, Referentiel};
use bilan_domain::{MeasureKind, Report};
use bilan_store::{Store, StoreError};

use crate::error::AppError;
use crate::policy::Ctx;
use crate::AppState;

/// One server's copy: (the database's revision it was read at, or -1 before the first
/// request; the referentiel).
pub type Cache = RwLock<(i64, Arc<Referentiel>)>;

pub fn new_cache(files: &Arc<Referentiel>) -> Cache {
    RwLock::new((-1, files.clone()))
}

/// The reference data in force (as of this request's [`refresh`]).
pub fn current(app: &AppState) -> Arc<Referentiel> {
    app.referentiel.read().map_or_else(|p| p.into_inner().1.clone(), |c| c.1.clone())
}

/// "CALPAE", "Pacte des solidarités".
pub fn programme_name(id: &str) -> String {
    bilan_source::referentiel::builtin()
        .programme(id)
        .map_or_else(|| id.to_string(), |p| p.short_name.clone())
}

/// What the checks of `report` compare against: last year's report and the report's
/// programme.
pub fn check_context<'a>(
    reference: &'a Referentiel,
    report: &Report,
    previous: Option<&'a Report>,
) -> bilan_check::Context<'a> {
    bilan_check::Context { previous, programme: reference.programme(&report.programme) }
}

/// Seeds the database from the files: a programme absent from the database is inserted
/// (version 1); one already there is left as the administrators made it. Run at start,
/// before serving; safe when two servers start at once.
pub async fn seed(store: &Store, files: &Referentiel) -> Result<(), StoreError> {
    for p in &files.programmes {
        store.seed_referentiel(&p.id, &bilan_source::referentiel::to_toml(p)).await?;
    }
    Ok(())
}

/// Brings [`current`] up to date with the database.
pub async fn refresh(app: &AppState) -> Result<(), AppError> {
    let stamp = app.store.referentiels_revision().await?;
    if app.referentiel.read().map_err(AppError::internal)?.0 == stamp {
        return Ok(());
    }
    let stored = app.store.referentiels().await?;
    let parsed = if stored.is_empty() {
        app.options.referentiel.clone()
    } else {
        let mut programmes = Vec::new();
        for s in &stored {
            // The text was validated before it was stored; a failure here is a database
            // changed behind the application's back.
            let p = bilan_source::referentiel::parse(&format!("{} (base de données)", s.programme), &s.text)
                .map_err(|e| AppError::internal(format!("référentiel {} illisible : {e}", s.programme)))?;
            programmes.push(p);
        }
        Arc::new(Referentiel { programmes })
    };
    *app.referentiel.write().map_err(AppError::internal)? = (stamp, parsed);
    Ok(())
}

/// The stored version of a programme's referentiel (what a campaign records).
pub async fn stored_version(app: &AppState, programme: &str) -> Result<i32, AppError> {
    if let Some(s) = app.store.referentiels().await?.into_iter().find(|s| s.programme == programme) {
        return Ok(s.version);
    }
    // Not seeded yet (a fresh store): seed it now from the files, as `bilan serve` does.
    seed(&app.store, &app.options.referentiel).await?;
    app.store
        .referentiels()
        .await?
        .into_iter()
        .find(|s| s.programme == programme)
        .map(|s| s.version)
        .ok_or(AppError::NotFound)
}

/// Who reads the referentiels: the State's roles and the administrator.
pub fn may_read(ctx: &Ctx) -> Result<(), AppError> {
    if ctx.user.role.is_state() || ctx.user.role == bilan_store::Role::Admin {
        Ok(())
    } else {
        Err(AppError::forbidden(
            "Les référentiels se consultent depuis les comptes de l’État et d’administration.",
        ))
    }
}

/// Who changes them: the administrator.
pub fn may_change(ctx: &Ctx) -> Result<(), AppError> {
    if ctx.user.role == bilan_store::Role::Admin {
        Ok(())
    } else {
        Err(AppError::forbidden("Seul l’administrateur modifie les référentiels."))
    }
}

/// A change an administrator makes to one programme: one more year at its end, or one
/// more measure or catalogue indicator.
pub enum Change {
    /// One more year at the end of the programme.
    Year,
    Measure(MeasureRef),
    Indicator(CatalogueIndicator),
}

impl Change {
    fn apply(self, p: &mut Programme) -> String {
        match self {
            Change::Year => {
                p.last_year += 1;
                format!("année {} ajoutée", p.last_year)
            }
            Change::Measure(m) => {
                let what = format!("mesure {} ajoutée : {}", m.code, m.title);
                p.measures.push(m);
                what
            }
            Change::Indicator(i) => {
                let what = format!("indicateur {} ajouté : {}", i.code, i.title);
                p.indicators.push(i);
                what
            }
        }
    }
}

/// What became of a change.
pub enum Outcome {
    /// The new version.
    Saved(i32),
    /// The French reason (the change would make the referentiel invalid).
    Refused(String),
    /// Another change was saved since the form was drawn: nothing written.
    Stale,
}

/// Applies a change to the stored programme, checked like the files are, against the
/// version the form showed.
pub async fn change(
    app: &AppState,
    ctx: &Ctx,
    programme: &str,
    expected_version: i32,
    change: Change,
) -> Result<Outcome, AppError> {
    may_change(ctx)?;
    let reference = current(app);
    let mut p = reference.programme(programme).ok_or(AppError::NotFound)?.clone();
    let what = change.apply(&mut p);
    let text = bilan_source::referentiel::to_toml(&p);
    if let Err(e) = bilan_source::referentiel::parse(&format!("{programme} (modification)"), &text) {
        return Ok(Outcome::Refused(e.message));
    }
    match app.store.save_referentiel(ctx.user.id, programme, expected_version, &text, &what).await {
        Ok(version) => Ok(Outcome::Saved(version)),
        Err(StoreError::Conflict { .. }) => Ok(Outcome::Stale),
        Err(e) => Err(e.into()),
    }
}

/// The versions of a programme's referentiel, newest first: (version, at, actor login).
pub async fn history(
    app: &AppState,
    programme: &str,
) -> Result<Vec<(i32, String, Option<String>)>, AppError> {
    let mut v: Vec<_> = app
        .store
        .referentiel_versions(programme)
        .await?
        .into_iter()
        .map(|v| (v.version, v.at, v.actor_login))
        .collect();
    v.sort_by_key(|v| std::cmp::Reverse(v.0));
    Ok(v)
}

/// Letters and digits only, lower case, apostrophes and dashes ignored: « l’ASE » and
/// « l'ASE » compare equal.
fn folded(s: &str) -> String {
    s.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
}

/// The socle measures of the report's programme and year that the report does not carry
/// yet (by code, or, for a measure without code, by its title containing the reference
/// title).
pub fn missing_core_measures<'a>(referentiel: &'a Referentiel, report: &Report) -> Vec<&'a MeasureRef> {
    let Some(programme) = referentiel.programme(&report.programme) else {
        return Vec::new();
    };
    programme
        .core_measures(report.year)
        .filter(|m| {
            !report.measures.iter().any(|have| {
                have.code.as_deref() == Some(m.code.as_str())
                    || (have.code.is_none()
                        && have.kind == MeasureKind::Core
                        && folded(&have.title).contains(&folded(&m.title)))
            })
        })
        .collect()
}

/// The catalogue indicators of the measure whose code is `measure_code`, for the report's
/// programme and year; none for a measure without code.
pub fn catalogue_for<'a>(
    referentiel: &'a Referentiel,
    report: &Report,
    measure_code: Option<&str>,
) -> Vec<&'a CatalogueIndicator> {
    match (referentiel.programme(&report.programme), measure_code) {
        (Some(p), Some(code)) => {
            p.indicators.iter().filter(|i| i.measure == code && i.applies_to(report.year)).collect()
        }
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_allier_report_lacks_only_what_it_does_not_carry() {
        let r =
            bilan_source::parse_str(include_str!("../../../../examples/allier-2019.toml")).unwrap().report;
        let referentiel = bilan_source::referentiel::builtin();
        let missing: Vec<&str> =
            missing_core_measures(referentiel, &r).iter().map(|m| m.title.as_str()).collect();
        // Allier 2019 carries four of the five socle measures of 2019 (titles longer than
        // the reference's); « Formation des travailleurs sociaux » starts in 2020.
        assert_eq!(missing, vec!["Garantie d'activité et accompagnement global"]);
        assert!(!catalogue_for(referentiel, &r, Some("CALPAE-ASE")).is_empty());
        assert!(catalogue_for(referentiel, &r, None).is_empty());
    }
}
