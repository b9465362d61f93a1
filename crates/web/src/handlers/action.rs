//! The action form and its items: expense lines, body-table lines, indicators.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;

use super::{may_edit, revision, SavedQuery};
use crate::error::AppError;
use crate::handlers::conflict_page;
use crate::policy::{access, Ctx};
use crate::service::editing::{self, ActionAt, ActionRef, EditError, ItemKind};
use crate::service::forms::{self, field_id, join, Errors, Fields, Values};
use crate::service::referentiel;
use crate::service::report::Loaded;
use crate::service::values;
use crate::views::action::{ActionForm, Diagnostics};
use crate::views::conflict::Conflict;
use crate::views::item::ItemForm;
use crate::AppState;

/// The report and action of the URL; 404 when either is missing or out of reach.
async fn load(app: &AppState, ctx: &Ctx, id: &str, num: &str) -> Result<(Loaded, ActionRef), AppError> {
    let id = crate::service::report::parse_id(id)?;
    editing::load_action(app, ctx, id, num).await
}

/// The action of the URL at the form's revision.
fn at<'a>(l: &Loaded, a: &'a ActionRef, revision: i64) -> ActionAt<'a> {
    ActionAt { id: l.id(), number: &a.number, revision }
}

/// What a form shows: its values, the errors of a refused post, the « Enregistré » notice.
struct Shown {
    values: Values,
    errors: Errors,
    saved: bool,
    piece_added: bool,
    status: StatusCode,
}

impl Shown {
    fn fresh(values: Values, saved: bool) -> Shown {
        Shown { values, errors: Errors::new(), saved, piece_added: false, status: StatusCode::OK }
    }
    /// A refused post: the submitted values with their errors (422).
    fn refused(values: Values, errors: Errors) -> Shown {
        Shown { values, errors, saved: false, piece_added: false, status: StatusCode::UNPROCESSABLE_ENTITY }
    }
}

// ----- the action -----

async fn action_page(
    app: &AppState,
    ctx: &Ctx,
    l: &Loaded,
    a: &ActionRef,
    shown: Shown,
) -> Result<Response, AppError> {
    let around = editing::around(app, l, true).await?;
    let pieces: Vec<bilan_store::Attachment> =
        crate::service::attachments::of_report(app, &ctx.user, &l.stored.summary)
            .await?
            .into_iter()
            .filter(|p| p.action.as_deref() == Some(a.number.as_str()))
            .collect();
    let base = a.base();
    let form = ActionForm {
        loaded: l,
        at: a,
        editable: access::can_edit(&ctx.user, &l.stored.summary).is_ok(),
        values: &shown.values,
        errors: &shown.errors,
        saved: shown.saved,
        diagnostics: Diagnostics {
            loaded: l,
            items: editing::diagnostics_under(&around.diagnostics, &base),
            justified: &around.justified,
        },
        comments: editing::comments_on_action(&around.comments, &a.number, &base),
        pieces: &pieces,
        piece_added: shown.piece_added,
    };
    Ok(crate::views::action::page(ctx, &form).status(shown.status).into_response())
}

pub async fn action_form(
    State(app): State<AppState>,
    ctx: Ctx,
    Path((id, num)): Path<(String, String)>,
    Query(q): Query<SavedQuery>,
) -> Result<Response, AppError> {
    let (l, a) = load(&app, &ctx, &id, &num).await?;
    let values = values::action_values(a.of(&l.report));
    let shown = Shown { piece_added: q.piece.is_some(), ..Shown::fresh(values, q.enregistre.is_some()) };
    action_page(&app, &ctx, &l, &a, shown).await
}

pub async fn action_save(
    State(app): State<AppState>,
    ctx: Ctx,
    Path((id, num)): Path<(String, String)>,
    fields: Fields,
) -> Result<Response, AppError> {
    let (l, a) = load(&app, &ctx, &id, &num).await?;
    may_edit(&ctx, &l)?;
    let revision = revision(&fields)?;
    let patch = match forms::parse(forms::action_fields(), &fields) {
        Ok(p) => p,
        Err(errors) => {
            let values = forms::submitted(forms::action_fields(), &fields);
            return action_page(&app, &ctx, &l, &a, Shown::refused(values, errors)).await;
        }
    };
    match editing::save_action(&app, &ctx, at(&l, &a, revision), patch).await {
        Ok(()) => Ok(Redirect::to(&format!("{}?enregistre=1", a.url(l.id()))).into_response()),
        Err(e) => e.or_conflict(|current, current_revision| {
            conflict_page(
                &ctx,
                &l,
                Conflict {
                    csrf: &ctx.csrf,
                    title: format!("Action {}", a.number),
                    specs: forms::action_fields().collect(),
                    submitted: forms::submitted(forms::action_fields(), &fields),
                    current: current.as_ref().map(values::action_values),
                    current_revision,
                    form_url: a.url(l.id()),
                },
            )
        }),
    }
}

// ----- items of an action: expense lines, body-table lines, indicators -----

async fn item_page(
    app: &AppState,
    ctx: &Ctx,
    l: &Loaded,
    a: &ActionRef,
    kind: ItemKind,
    k: Option<usize>,
    shown: Shown,
) -> Result<Response, AppError> {
    // The diagnostics of an existing item (a new one has none yet).
    let around = match k {
        Some(_) => Some(editing::around(app, l, false).await?),
        None => None,
    };
    let base = k.map(|k| format!("{}.{}[{k}]", a.base(), kind.path())).unwrap_or_default();
    let catalogue = match kind {
        ItemKind::Indicator => indicator_catalogue(app, l, a),
        _ => Vec::new(),
    };
    let code = match (kind, k) {
        (ItemKind::Indicator, Some(k)) => a.of(&l.report).indicators.get(k).and_then(|i| i.code.clone()),
        _ => None,
    };
    let unit_fixed = code.as_deref().is_some_and(|c| catalogue.iter().any(|i| i.code == c));
    let form = ItemForm {
        loaded: l,
        at: a,
        kind,
        k,
        editable: access::can_edit(&ctx.user, &l.stored.summary).is_ok(),
        values: &shown.values,
        errors: &shown.errors,
        saved: shown.saved,
        diagnostics: around.as_ref().map(|around| Diagnostics {
            loaded: l,
            items: editing::diagnostics_under(&around.diagnostics, &base),
            justified: &around.justified,
        }),
        catalogue: if k.is_none() { catalogue.iter().collect() } else { Vec::new() },
        chosen: shown.values.get("catalogue").cloned().unwrap_or_default(),
        code,
        unit_fixed,
    };
    Ok(crate::views::item::page(ctx, &form).status(shown.status).into_response())
}

pub async fn item_form(
    State(app): State<AppState>,
    ctx: Ctx,
    Path((id, num, kind, k)): Path<(String, String, String, String)>,
    Query(q): Query<SavedQuery>,
) -> Result<Response, AppError> {
    let kind = ItemKind::parse(&kind).ok_or(AppError::NotFound)?;
    let (l, a) = load(&app, &ctx, &id, &num).await?;
    let action = a.of(&l.report);
    let k = kind.index(action, &k).ok_or(AppError::NotFound)?;
    let values = kind.values(action, k).unwrap_or_default();
    item_page(&app, &ctx, &l, &a, kind, Some(k), Shown::fresh(values, q.enregistre.is_some())).await
}

pub async fn item_new_form(
    State(app): State<AppState>,
    ctx: Ctx,
    Path((id, num, kind)): Path<(String, String, String)>,
) -> Result<Response, AppError> {
    let kind = ItemKind::parse(&kind).ok_or(AppError::NotFound)?;
    let (l, a) = load(&app, &ctx, &id, &num).await?;
    may_edit(&ctx, &l)?;
    item_page(&app, &ctx, &l, &a, kind, None, Shown::fresh(Values::new(), false)).await
}

pub async fn item_create(
    State(app): State<AppState>,
    ctx: Ctx,
    Path((id, num, kind)): Path<(String, String, String)>,
    fields: Fields,
) -> Result<Response, AppError> {
    let kind = ItemKind::parse(&kind).ok_or(AppError::NotFound)?;
    save_item(&app, &ctx, &id, &num, kind, None, fields).await
}

pub async fn item_save(
    State(app): State<AppState>,
    ctx: Ctx,
    Path((id, num, kind, k)): Path<(String, String, String, String)>,
    fields: Fields,
) -> Result<Response, AppError> {
    let kind = ItemKind::parse(&kind).ok_or(AppError::NotFound)?;
    let k = k.parse::<usize>().map_err(|_| AppError::NotFound)?;
    save_item(&app, &ctx, &id, &num, kind, Some(k), fields).await
}

/// The catalogue indicators of the action's measure (by the measure's code).
fn indicator_catalogue(
    app: &AppState,
    l: &Loaded,
    a: &ActionRef,
) -> Vec<bilan_domain::referentiel::CatalogueIndicator> {
    let measure_code = l.report.measures.get(a.mi).and_then(|m| m.code.as_deref());
    referentiel::catalogue_for(&referentiel::current(app), &l.report, measure_code)
        .into_iter()
        .cloned()
        .collect()
}

/// A catalogue indicator imposes its title and unit on a new indicator (field
/// `catalogue`), and its unit on an existing one that carries its code: the posted values
/// are replaced. Gives the code to record on a new indicator, or the form's error.
fn impose_catalogue(
    app: &AppState,
    l: &Loaded,
    a: &ActionRef,
    k: Option<usize>,
    fields: &mut Fields,
) -> Result<Option<String>, Errors> {
    let catalogue = indicator_catalogue(app, l, a);
    let unit =
        |i: &bilan_domain::referentiel::CatalogueIndicator| values::unit_text(Some(i.unit)).to_string();
    match k {
        None => {
            let Some(chosen) = fields.get("catalogue").map(str::trim).filter(|c| !c.is_empty()) else {
                return Ok(None);
            };
            let Some(i) = catalogue.iter().find(|i| i.code == chosen) else {
                let message = "Cet indicateur n’est pas au catalogue de la mesure : choisissez-en un de la liste ou « indicateur local ».";
                return Err(vec![("catalogue".to_string(), message.to_string())]);
            };
            fields.set("intitule", &i.title);
            fields.set("unite", &unit(i));
            Ok(Some(i.code.clone()))
        }
        Some(k) => {
            let code = a.of(&l.report).indicators.get(k).and_then(|i| i.code.as_deref());
            if let Some(i) = catalogue.iter().find(|i| Some(i.code.as_str()) == code) {
                fields.set("unite", &unit(i));
            }
            Ok(None)
        }
    }
}

/// Saves item `k` of the action, or adds one when `k` is `None`.
async fn save_item(
    app: &AppState,
    ctx: &Ctx,
    id: &str,
    num: &str,
    kind: ItemKind,
    k: Option<usize>,
    mut fields: Fields,
) -> Result<Response, AppError> {
    let (l, a) = load(app, ctx, id, num).await?;
    may_edit(ctx, &l)?;
    let revision = revision(&fields)?;
    let code = match kind {
        ItemKind::Indicator => impose_catalogue(app, &l, &a, k, &mut fields),
        _ => Ok(None),
    };
    let parsed = forms::parse(kind.specs(), &fields);
    let (patch, code) = match (parsed, code) {
        (Ok(p), Ok(code)) => (p, code),
        (parsed, code) => {
            let errors: Errors =
                code.err().into_iter().flatten().chain(parsed.err().into_iter().flatten()).collect();
            let mut values = forms::submitted(kind.specs(), &fields);
            if let Some(c) = fields.get("catalogue") {
                values.insert("catalogue".into(), c.to_string());
            }
            let k = k.filter(|k| *k < kind.count(a.of(&l.report)));
            return item_page(app, ctx, &l, &a, kind, k, Shown::refused(values, errors)).await;
        }
    };
    let item_url = |index: usize| format!("{}/{}/{index}", a.url(l.id()), kind.segment());
    match editing::save_item(app, ctx, at(&l, &a, revision), kind, k, patch, code).await {
        Ok(index) => Ok(Redirect::to(&format!("{}?enregistre=1", item_url(index))).into_response()),
        Err(e) => e.or_conflict(|current, current_revision| {
            let (current, form_url) = match k {
                Some(k) => (current.and_then(|act| kind.values(&act, k)), item_url(k)),
                // A new item: nothing to compare with; the re-post adds it.
                None => (Some(Values::new()), format!("{}/{}/nouvelle", a.url(l.id()), kind.segment())),
            };
            conflict_page(
                ctx,
                &l,
                Conflict {
                    csrf: &ctx.csrf,
                    title: format!("Action {} – {}", a.number, kind.name()),
                    specs: kind.specs().iter().collect(),
                    submitted: forms::submitted(kind.specs(), &fields),
                    current,
                    current_revision,
                    form_url,
                },
            )
        }),
    }
}

pub async fn item_delete(
    State(app): State<AppState>,
    ctx: Ctx,
    Path((id, num, kind, k)): Path<(String, String, String, String)>,
    fields: Fields,
) -> Result<Response, AppError> {
    let kind = ItemKind::parse(&kind).ok_or(AppError::NotFound)?;
    let k = k.parse::<usize>().map_err(|_| AppError::NotFound)?;
    let (l, a) = load(&app, &ctx, &id, &num).await?;
    may_edit(&ctx, &l)?;
    let revision = revision(&fields)?;
    let url = a.url(l.id());
    match crate::service::structure::remove_item(&app, &ctx, at(&l, &a, revision), kind, k).await {
        Ok(()) => {
            let anchor = field_id(&join(&a.base(), kind.path()));
            Ok(Redirect::to(&format!("{url}?enregistre=1#{anchor}")).into_response())
        }
        Err(EditError::Conflict { .. }) => Err(AppError::page(
            StatusCode::CONFLICT,
            "Modification concurrente : rien n’a été supprimé",
            html! {
                p {
                    "Un autre agent a modifié cette action depuis que vous avez ouvert la page : rien n’a été supprimé. "
                    a href=(url) id="lien-conflit-recharger" { "Rechargez l’action" }
                    " pour voir la version actuelle."
                }
            },
        )),
        Err(EditError::Failed(e)) => Err(e),
    }
}
