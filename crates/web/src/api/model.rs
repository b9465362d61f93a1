//! The JSON documents of the API, as serde structs with French keys. Their schemas are in
//! `docs/openapi.json` (components `Montant`, `Taux`, `Quantite`, `Consolidation`,
//! `NoteCredits`…): change both together.
//!
//! Money computed by the application (credits, consolidations) is a [`Montant`]: exact
//! cents as an integer and the same value as a decimal string with a dot and two decimals
//! ("1234.56"), never a float. Amounts of the report model itself (`rapport`) keep the
//! notation of the TOML file ("1 234,56 €", "" when printed blank).

use bilan_consolidate::catalogue::{aggregation_code, CodedMissing, CodedValue, UncodedIndicator};
use bilan_consolidate::consolidation::{
    IgnoredReport, IndicatorConsolidation, IndicatorOutcome, IndicatorPoint, MeasureConsolidation,
    MissingPoint, Stats,
};
use bilan_consolidate::credits::CarryOverLine;
use bilan_consolidate::{
    Aggregate, CodedIndicator, Consolidation, CreditLine, CreditsNote, Decision, Figures, LineKey,
    Provenance, Rate, SourcedAmount,
};
use bilan_domain::indicator::{MissingReason, Quantity};
use bilan_domain::referentiel::Aggregation;
use bilan_domain::{CollectiviteCode, IndicatorUnit, MeasureKind, Money};
use serde::Serialize;

use crate::policy::perimeter::Perimeter;
use crate::service::consolidation::Loaded;

/// "1234.56", "-0.05": exact, dot as decimal separator, always two decimals.
pub fn decimal(hundredths: i64) -> String {
    let sign = if hundredths < 0 { "-" } else { "" };
    let abs = hundredths.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
pub struct Montant {
    pub centimes: i64,
    pub euros: String,
}

impl From<Money> for Montant {
    fn from(m: Money) -> Montant {
        Montant { centimes: m.cents(), euros: decimal(m.cents()) }
    }
}

#[derive(Serialize)]
pub struct Taux {
    pub numerateur: i64,
    pub denominateur: i64,
    /// Rounded half away from zero.
    pub pour_mille: i64,
    pub texte: String,
}

impl From<Rate> for Taux {
    fn from(r: Rate) -> Taux {
        Taux {
            numerateur: r.numerator(),
            denominateur: r.denominator(),
            pour_mille: r.per_mille(),
            texte: r.to_french(),
        }
    }
}

#[derive(Serialize)]
pub struct Quantite {
    pub centiemes: i64,
    pub valeur: String,
}

impl From<Quantity> for Quantite {
    fn from(q: Quantity) -> Quantite {
        Quantite::hundredths(q.hundredths())
    }
}

impl Quantite {
    fn hundredths(h: i64) -> Quantite {
        Quantite { centiemes: h, valeur: decimal(h) }
    }
}

fn dep_name(code: &str) -> String {
    bilan_domain::collectivite::name(code)
}

#[derive(Serialize)]
pub struct DepartementRef {
    pub departement: String,
    pub departement_nom: String,
}

impl DepartementRef {
    fn of(code: CollectiviteCode) -> DepartementRef {
        DepartementRef { departement: code.as_str().to_string(), departement_nom: dep_name(code.as_str()) }
    }
}

fn unit_code(u: Option<IndicatorUnit>) -> Option<&'static str> {
    u.map(IndicatorUnit::label)
}

// ----- consolidation --------------------------------------------------------------------

#[derive(Serialize)]
pub struct MontantTotal {
    pub centimes: i64,
    pub euros: String,
    /// Actions that state no figure for this amount.
    pub manquants: usize,
}

impl From<&SourcedAmount> for MontantTotal {
    fn from(s: &SourcedAmount) -> MontantTotal {
        MontantTotal {
            centimes: s.value.cents(),
            euros: decimal(s.value.cents()),
            manquants: s.missing.len(),
        }
    }
}

#[derive(Serialize)]
pub struct Totaux {
    pub prevu: MontantTotal,
    pub engage: MontantTotal,
    pub consomme: MontantTotal,
    pub report: MontantTotal,
    pub part_etat: MontantTotal,
    pub taux_execution: Option<Taux>,
}

impl From<&Figures> for Totaux {
    fn from(f: &Figures) -> Totaux {
        Totaux {
            prevu: (&f.planned).into(),
            engage: (&f.committed).into(),
            consomme: (&f.spent).into(),
            report: (&f.carry_over).into(),
            part_etat: (&f.state_share).into(),
            taux_execution: f.execution_rate().map(Taux::from),
        }
    }
}

#[derive(Serialize)]
pub struct Lieu {
    pub action: String,
    pub chemin: String,
}

impl From<&Provenance> for Lieu {
    fn from(p: &Provenance) -> Lieu {
        Lieu { action: p.action.clone(), chemin: p.path.clone() }
    }
}

#[derive(Serialize)]
pub struct SourceMontant {
    pub action: String,
    pub chemin: String,
    pub montant: Montant,
}

#[derive(Serialize)]
pub struct MontantDetaille {
    pub centimes: i64,
    pub euros: String,
    pub sources: Vec<SourceMontant>,
    pub manquants: Vec<Lieu>,
}

impl From<&SourcedAmount> for MontantDetaille {
    fn from(s: &SourcedAmount) -> MontantDetaille {
        MontantDetaille {
            centimes: s.value.cents(),
            euros: decimal(s.value.cents()),
            sources: s
                .sources
                .iter()
                .map(|src| SourceMontant {
                    action: src.at.action.clone(),
                    chemin: src.at.path.clone(),
                    montant: src.amount.into(),
                })
                .collect(),
            manquants: s.missing.iter().map(Lieu::from).collect(),
        }
    }
}

#[derive(Serialize)]
pub struct ChiffresDetailles {
    pub prevu: MontantDetaille,
    pub engage: MontantDetaille,
    pub consomme: MontantDetaille,
    pub report: MontantDetaille,
    pub part_etat: MontantDetaille,
    pub taux_execution: Option<Taux>,
}

impl From<&Figures> for ChiffresDetailles {
    fn from(f: &Figures) -> ChiffresDetailles {
        ChiffresDetailles {
            prevu: (&f.planned).into(),
            engage: (&f.committed).into(),
            consomme: (&f.spent).into(),
            report: (&f.carry_over).into(),
            part_etat: (&f.state_share).into(),
            taux_execution: f.execution_rate().map(Taux::from),
        }
    }
}

/// The action numbers a sum reads, in order of first appearance.
fn actions_of(f: &Figures) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let amounts = [&f.planned, &f.committed, &f.spent, &f.carry_over, &f.state_share];
    let places = amounts
        .iter()
        .flat_map(|a| a.sources.iter().map(|s| &s.at).chain(a.missing.iter()))
        .map(|p| &p.action);
    for action in places {
        if !action.is_empty() && !out.contains(action) {
            out.push(action.clone());
        }
    }
    out
}

#[derive(Serialize)]
pub struct Perimetre {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub code: Option<String>,
    pub nom: String,
}

#[derive(Serialize)]
pub struct RapportCompte {
    pub departement: String,
    pub departement_nom: String,
    pub statut: &'static str,
    pub rapport_id: Option<i64>,
}

#[derive(Serialize)]
pub struct NonTransmis {
    pub departement: String,
    pub departement_nom: String,
    /// The status of its report when one exists (`brouillon`, `adopte`, `a_corriger`).
    pub statut: Option<&'static str>,
}

#[derive(Serialize)]
pub struct Ignore {
    pub departement: String,
    pub annee: i32,
    pub programme: String,
    pub statut: &'static str,
    pub motif: String,
}

impl From<&IgnoredReport> for Ignore {
    fn from(i: &IgnoredReport) -> Ignore {
        Ignore {
            departement: i.signatory.as_str().to_string(),
            annee: i.year,
            programme: i.programme.clone(),
            statut: i.state.code(),
            motif: i.reason.clone(),
        }
    }
}

#[derive(Serialize)]
pub struct TotalType {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub totaux: Totaux,
}

fn kind_code(k: MeasureKind) -> &'static str {
    match k {
        MeasureKind::Core => "socle",
        MeasureKind::Local => "initiative",
    }
}

#[derive(Serialize)]
pub struct MesureRef {
    pub numero: String,
    pub intitule: String,
    pub chemin: String,
}

#[derive(Serialize)]
pub struct Cellule {
    pub departement: String,
    pub departement_nom: String,
    pub statut: &'static str,
    pub rapport_id: Option<i64>,
    pub mesures: Vec<MesureRef>,
    pub actions: Vec<String>,
    pub chiffres: ChiffresDetailles,
}

#[derive(Serialize)]
pub struct Mesure {
    pub intitule: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub rang_socle: Option<usize>,
    pub totaux: Totaux,
    pub absente_de: Vec<DepartementRef>,
    pub departements: Vec<Cellule>,
    pub indicateurs: Vec<Indicateur>,
}

#[derive(Serialize)]
pub struct TotalDepartement {
    pub departement: String,
    pub departement_nom: String,
    pub statut: &'static str,
    pub rapport_id: Option<i64>,
    pub totaux: Totaux,
}

#[derive(Serialize)]
pub struct Statistiques {
    pub nombre: usize,
    pub minimum: Quantite,
    pub mediane: Quantite,
    pub maximum: Quantite,
}

impl From<&Stats> for Statistiques {
    fn from(s: &Stats) -> Statistiques {
        Statistiques {
            nombre: s.count,
            minimum: Quantite::hundredths(s.min),
            mediane: Quantite::hundredths(s.median),
            maximum: Quantite::hundredths(s.max),
        }
    }
}

#[derive(Serialize)]
pub struct GroupeUnite {
    pub unite: Option<&'static str>,
    pub departements: Vec<String>,
}

#[derive(Serialize)]
pub struct ValeurDepartement {
    pub departement: String,
    pub valeur: Quantite,
}

#[derive(Serialize)]
#[serde(tag = "type")]
pub enum Resultat {
    #[serde(rename = "somme")]
    Sum { unite: &'static str, total: Quantite, par_departement: Vec<ValeurDepartement> },
    #[serde(rename = "dispersion")]
    Spread { unite: Option<&'static str>, statistiques: Option<Statistiques> },
    #[serde(rename = "incompatible")]
    Incompatible { unites: Vec<GroupeUnite> },
    #[serde(rename = "sans_valeur")]
    NoValue { unite: Option<&'static str> },
}

#[derive(Serialize)]
pub struct ValeurIndicateur {
    pub departement: String,
    pub action: String,
    pub chemin: String,
    pub intitule: String,
    pub unite: Option<&'static str>,
    pub valeur: Quantite,
}

impl From<&IndicatorPoint> for ValeurIndicateur {
    fn from(p: &IndicatorPoint) -> ValeurIndicateur {
        ValeurIndicateur {
            departement: p.at.signatory.as_str().to_string(),
            action: p.at.action.clone(),
            chemin: p.at.path.clone(),
            intitule: p.name.clone(),
            unite: unit_code(p.unit),
            valeur: p.value.into(),
        }
    }
}

fn reason_code(r: MissingReason) -> &'static str {
    match r {
        MissingReason::NotAvailable => "non_disponible",
        MissingReason::NotEvaluated => "non_evalue",
        MissingReason::NoAction => "pas_d_action",
        MissingReason::NotApplicable => "sans_objet",
        MissingReason::InProgress => "en_cours",
        MissingReason::Other => "non_chiffre",
    }
}

#[derive(Serialize)]
pub struct ValeurManquante {
    pub departement: String,
    pub action: String,
    pub chemin: String,
    pub intitule: String,
    pub unite: Option<&'static str>,
    /// `None`: no result at all was written.
    pub motif: Option<&'static str>,
    pub motif_libelle: &'static str,
    pub texte: String,
}

impl From<&MissingPoint> for ValeurManquante {
    fn from(m: &MissingPoint) -> ValeurManquante {
        ValeurManquante {
            departement: m.at.signatory.as_str().to_string(),
            action: m.at.action.clone(),
            chemin: m.at.path.clone(),
            intitule: m.name.clone(),
            unite: unit_code(m.unit),
            motif: m.reason.map(reason_code),
            motif_libelle: m.reason.map_or("non renseigné", MissingReason::label),
            texte: m.text.clone(),
        }
    }
}

#[derive(Serialize)]
pub struct Indicateur {
    pub intitule: String,
    pub description: String,
    pub resultat: Resultat,
    pub valeurs: Vec<ValeurIndicateur>,
    pub manquants: Vec<ValeurManquante>,
}

impl From<&IndicatorConsolidation> for Indicateur {
    fn from(i: &IndicatorConsolidation) -> Indicateur {
        let resultat = match &i.outcome {
            IndicatorOutcome::Summed { unit, total } => Resultat::Sum {
                unite: unit.label(),
                total: (*total).into(),
                par_departement: i
                    .per_signatory()
                    .into_iter()
                    .map(|(d, q)| ValeurDepartement { departement: d.as_str().to_string(), valeur: q.into() })
                    .collect(),
            },
            IndicatorOutcome::Spread { unit, stats } => Resultat::Spread {
                unite: unit_code(*unit),
                statistiques: stats.as_ref().map(Statistiques::from),
            },
            IndicatorOutcome::Incompatible { units } => Resultat::Incompatible {
                unites: units
                    .iter()
                    .map(|g| GroupeUnite {
                        unite: unit_code(g.unit),
                        departements: g.signatories.iter().map(|d| d.as_str().to_string()).collect(),
                    })
                    .collect(),
            },
            IndicatorOutcome::NoValue { unit } => Resultat::NoValue { unite: unit_code(*unit) },
        };
        Indicateur {
            intitule: i.name.clone(),
            description: i.describe(),
            resultat,
            valeurs: i.values.iter().map(ValeurIndicateur::from).collect(),
            manquants: i.missing.iter().map(ValeurManquante::from).collect(),
        }
    }
}

#[derive(Serialize)]
pub struct ConsolidationDoc {
    pub perimetre: Perimetre,
    pub programme: String,
    pub programme_nom: String,
    pub annee: i32,
    pub departements_attendus: usize,
    pub rapports_consolides: Vec<RapportCompte>,
    pub non_transmis: Vec<NonTransmis>,
    pub message_non_transmis: Option<String>,
    pub ignores: Vec<Ignore>,
    pub totaux: Totaux,
    pub par_type: Vec<TotalType>,
    pub mesures: Vec<Mesure>,
    pub departements: Vec<TotalDepartement>,
    /// The indicators by catalogue code ([`bilan_consolidate::catalogue`]), in the
    /// catalogue's order; empty without a catalogue.
    pub indicateurs_referentiel: Vec<IndicateurReferentiel>,
    /// Indicators without a code whose title resembles a catalogue indicator's.
    pub non_rattaches: Vec<NonRattache>,
    /// Per Département, its indicators without a code that resemble none.
    pub indicateurs_locaux: Vec<IndicateursLocaux>,
    /// Codes not in the year's catalogue.
    pub codes_inconnus: Vec<CodeInconnu>,
}

/// How a catalogue indicator adds up, by its rule.
#[derive(Serialize)]
#[serde(tag = "type")]
pub enum Agregat {
    #[serde(rename = "somme")]
    Sum { total: Quantite, nombre_valeurs: usize },
    #[serde(rename = "moyenne_ponderee")]
    WeightedMean { moyenne: Option<Quantite>, poids_total: Quantite, nombre_valeurs: usize },
    #[serde(rename = "repartition")]
    Distribution { statistiques: Option<Statistiques> },
}

impl From<&Aggregate> for Agregat {
    fn from(a: &Aggregate) -> Agregat {
        match a {
            Aggregate::Sum { total, count } => {
                Agregat::Sum { total: (*total).into(), nombre_valeurs: *count }
            }
            Aggregate::WeightedMean { mean, weight_total, count } => Agregat::WeightedMean {
                moyenne: mean.map(Quantite::from),
                poids_total: (*weight_total).into(),
                nombre_valeurs: *count,
            },
            Aggregate::Distribution { stats } => {
                Agregat::Distribution { statistiques: stats.as_ref().map(Statistiques::from) }
            }
        }
    }
}

#[derive(Serialize)]
pub struct ValeurCodee {
    pub departement: String,
    pub action: String,
    pub chemin: String,
    pub intitule: String,
    pub unite: Option<&'static str>,
    pub valeur: Quantite,
    /// The weight it was counted with (weighted mean only).
    pub poids: Option<Quantite>,
}

impl From<&CodedValue> for ValeurCodee {
    fn from(v: &CodedValue) -> ValeurCodee {
        ValeurCodee {
            departement: v.at.signatory.as_str().to_string(),
            action: v.at.action.clone(),
            chemin: v.at.path.clone(),
            intitule: v.name.clone(),
            unite: unit_code(v.unit),
            valeur: v.value.into(),
            poids: v.weight.map(Quantite::from),
        }
    }
}

#[derive(Serialize)]
pub struct ManquantCode {
    pub departement: String,
    pub action: String,
    pub chemin: String,
    pub intitule: String,
    pub motif: Option<&'static str>,
    pub motif_libelle: &'static str,
    pub texte: String,
}

impl From<&CodedMissing> for ManquantCode {
    fn from(m: &CodedMissing) -> ManquantCode {
        ManquantCode {
            departement: m.at.signatory.as_str().to_string(),
            action: m.at.action.clone(),
            chemin: m.at.path.clone(),
            intitule: m.name.clone(),
            motif: m.reason.map(reason_code),
            motif_libelle: m.reason.map_or("non renseigné", MissingReason::label),
            texte: m.text.clone(),
        }
    }
}

#[derive(Serialize)]
pub struct IndicateurReferentiel {
    pub code: String,
    pub intitule: String,
    pub unite: &'static str,
    /// Code of the catalogue measure.
    pub mesure: String,
    pub agregation: &'static str,
    /// The weight's code, for a weighted mean.
    pub poids: Option<String>,
    pub description: String,
    pub agregat: Agregat,
    pub valeurs: Vec<ValeurCodee>,
    pub manquants: Vec<ManquantCode>,
    pub unite_incompatible: Vec<ValeurCodee>,
    pub sans_poids: Vec<ValeurCodee>,
    pub declare_par: Vec<String>,
    pub non_declare_par: Vec<String>,
}

impl From<&CodedIndicator> for IndicateurReferentiel {
    fn from(i: &CodedIndicator) -> IndicateurReferentiel {
        let codes = |ds: &[CollectiviteCode]| ds.iter().map(|d| d.as_str().to_string()).collect();
        IndicateurReferentiel {
            code: i.code.clone(),
            intitule: i.title.clone(),
            unite: i.unit.label(),
            mesure: i.measure.clone(),
            agregation: aggregation_code(&i.aggregation),
            poids: match &i.aggregation {
                Aggregation::WeightedMean { weight } => Some(weight.clone()),
                _ => None,
            },
            description: i.describe(),
            agregat: (&i.aggregate).into(),
            valeurs: i.values.iter().map(ValeurCodee::from).collect(),
            manquants: i.missing.iter().map(ManquantCode::from).collect(),
            unite_incompatible: i.incompatible.iter().map(ValeurCodee::from).collect(),
            sans_poids: i.without_weight.iter().map(ValeurCodee::from).collect(),
            declare_par: codes(&i.reported_by),
            non_declare_par: codes(&i.not_reported),
        }
    }
}

/// An indicator without a code, where it is.
#[derive(Serialize)]
pub struct IndicateurSansCode {
    pub action: String,
    pub chemin: String,
    /// `k` of the indicator form `/rapports/{id}/actions/{action}/indicateurs/{k}`.
    pub indice: usize,
    pub intitule: String,
    pub unite: Option<&'static str>,
    /// The result N as printed; empty when none.
    pub resultat: String,
}

impl From<&UncodedIndicator> for IndicateurSansCode {
    fn from(u: &UncodedIndicator) -> IndicateurSansCode {
        IndicateurSansCode {
            action: u.at.action.clone(),
            chemin: u.at.path.clone(),
            indice: u.index,
            intitule: u.name.clone(),
            unite: unit_code(u.unit),
            resultat: u.result.clone(),
        }
    }
}

#[derive(Serialize)]
pub struct NonRattache {
    pub departement: String,
    pub departement_nom: String,
    pub rapport_id: Option<i64>,
    pub indicateur: IndicateurSansCode,
    pub code_suggere: String,
    pub intitule_suggere: String,
}

#[derive(Serialize)]
pub struct IndicateursLocaux {
    pub departement: String,
    pub departement_nom: String,
    pub rapport_id: Option<i64>,
    pub indicateurs: Vec<IndicateurSansCode>,
}

#[derive(Serialize)]
pub struct CodeInconnu {
    pub departement: String,
    pub rapport_id: Option<i64>,
    pub code: String,
    pub motif: String,
    pub indicateur: IndicateurSansCode,
}

fn measure(m: &MeasureConsolidation, l: &Loaded) -> Mesure {
    Mesure {
        intitule: m.title.clone(),
        kind: kind_code(m.key.kind),
        rang_socle: m.core_rank,
        totaux: (&m.total).into(),
        absente_de: m.absent_from.iter().map(|d| DepartementRef::of(*d)).collect(),
        departements: m
            .cells
            .iter()
            .map(|c| Cellule {
                departement: c.signatory.as_str().to_string(),
                departement_nom: dep_name(c.signatory.as_str()),
                statut: c.state.code(),
                rapport_id: l.report_id(c.signatory.as_str()),
                mesures: c
                    .measures
                    .iter()
                    .map(|r| MesureRef {
                        numero: r.number.clone(),
                        intitule: r.title.clone(),
                        chemin: r.at.path.clone(),
                    })
                    .collect(),
                actions: actions_of(&c.figures),
                chiffres: (&c.figures).into(),
            })
            .collect(),
        indicateurs: m.indicators.iter().map(Indicateur::from).collect(),
    }
}

pub fn consolidation(l: &Loaded, c: &Consolidation) -> ConsolidationDoc {
    let (kind, code) = match &l.perimeter {
        Perimeter::National => ("national", None),
        Perimeter::Region(code) => ("region", Some(code.clone())),
    };
    ConsolidationDoc {
        perimetre: Perimetre { kind, code, nom: l.perimeter.label() },
        programme: c.programme.clone(),
        programme_nom: crate::service::consolidation::programme_name(&c.programme),
        annee: c.year,
        departements_attendus: c.expected.len(),
        rapports_consolides: c
            .counted
            .iter()
            .map(|r| RapportCompte {
                departement: r.signatory.as_str().to_string(),
                departement_nom: dep_name(r.signatory.as_str()),
                statut: r.state.code(),
                rapport_id: l.report_id(r.signatory.as_str()),
            })
            .collect(),
        non_transmis: c
            .not_transmitted
            .iter()
            .map(|d| NonTransmis {
                departement: d.as_str().to_string(),
                departement_nom: dep_name(d.as_str()),
                statut: l.other_status(d.as_str()).map(|s| s.as_str()),
            })
            .collect(),
        message_non_transmis: c.not_transmitted_message(),
        indicateurs_referentiel: c
            .catalogue
            .iter()
            .flat_map(|k| &k.indicators)
            .map(IndicateurReferentiel::from)
            .collect(),
        non_rattaches: c
            .catalogue
            .iter()
            .flat_map(|k| &k.unlinked)
            .map(|u| {
                let d = u.indicator.at.signatory.as_str();
                NonRattache {
                    departement: d.to_string(),
                    departement_nom: dep_name(d),
                    rapport_id: l.report_id(d),
                    indicateur: (&u.indicator).into(),
                    code_suggere: u.suggested_code.clone(),
                    intitule_suggere: u.suggested_title.clone(),
                }
            })
            .collect(),
        indicateurs_locaux: c
            .catalogue
            .iter()
            .flat_map(|k| &k.local)
            .map(|g| {
                let d = g.signatory.as_str();
                IndicateursLocaux {
                    departement: d.to_string(),
                    departement_nom: dep_name(d),
                    rapport_id: l.report_id(d),
                    indicateurs: g.indicators.iter().map(IndicateurSansCode::from).collect(),
                }
            })
            .collect(),
        codes_inconnus: c
            .catalogue
            .iter()
            .flat_map(|k| &k.unknown_codes)
            .map(|u| {
                let d = u.indicator.at.signatory.as_str();
                CodeInconnu {
                    departement: d.to_string(),
                    rapport_id: l.report_id(d),
                    code: u.code.clone(),
                    motif: u.reason.clone(),
                    indicateur: (&u.indicator).into(),
                }
            })
            .collect(),
        ignores: c.ignored.iter().map(Ignore::from).collect(),
        totaux: (&c.total).into(),
        par_type: c
            .by_kind
            .iter()
            .map(|k| TotalType { kind: kind_code(k.kind), totaux: (&k.figures).into() })
            .collect(),
        mesures: c.measures.iter().map(|m| measure(m, l)).collect(),
        departements: c
            .signatories
            .iter()
            .map(|d| TotalDepartement {
                departement: d.signatory.as_str().to_string(),
                departement_nom: dep_name(d.signatory.as_str()),
                statut: d.state.code(),
                rapport_id: l.report_id(d.signatory.as_str()),
                totaux: (&d.figures).into(),
            })
            .collect(),
    }
}

// ----- credits ----------------------------------------------------------------------------

#[derive(Serialize)]
pub struct Regles {
    pub programme: String,
    pub annee: i32,
    pub part_etat_maximale_pourcent: i64,
    pub refaction: bool,
    pub description: String,
}

fn decision_code(d: Option<Decision>) -> Option<&'static str> {
    d.map(|d| match d {
        Decision::Accept => "accepte",
        Decision::Refuse => "refuse",
    })
}

#[derive(Serialize)]
pub struct ReportDemande {
    pub action: String,
    pub ligne: String,
    pub libelle: String,
    pub chemin: String,
    pub demande: Montant,
    pub part_etat: Montant,
    pub part_etat_plafonnee: Montant,
    pub decision: Option<&'static str>,
    pub motif: Option<String>,
    pub explication: String,
}

fn carry_over(c: &CarryOverLine, reasons: &std::collections::BTreeMap<LineKey, String>) -> ReportDemande {
    ReportDemande {
        action: c.key.action.clone(),
        ligne: c.key.line.clone(),
        libelle: c.label.clone(),
        chemin: c.at.path.clone(),
        demande: c.requested.into(),
        part_etat: c.state_part.into(),
        part_etat_plafonnee: c.state_part_capped.into(),
        decision: decision_code(c.decision),
        motif: reasons.get(&c.key).filter(|r| !r.trim().is_empty()).cloned(),
        explication: c.explanation.clone(),
    }
}

#[derive(Serialize)]
pub struct LigneCredits {
    pub mesure: String,
    pub action: String,
    pub intitule: String,
    pub chemin: String,
    pub part_etat: Option<Montant>,
    pub consomme: Option<Montant>,
    pub sources_consomme: Vec<String>,
    pub credit_etat_utilise: Montant,
    pub credit_etat_non_consomme: Montant,
    pub reports: Vec<ReportDemande>,
    pub reports_acceptes: Montant,
    pub reports_refuses: Montant,
    pub reports_sans_decision: Montant,
    pub refaction: Montant,
    pub explication: String,
}

fn line(l: &CreditLine, reasons: &std::collections::BTreeMap<LineKey, String>) -> LigneCredits {
    LigneCredits {
        mesure: l.measure.clone(),
        action: l.action.clone(),
        intitule: l.title.clone(),
        chemin: l.at.path.clone(),
        part_etat: l.state_share.map(Montant::from),
        consomme: l.spent.map(Montant::from),
        sources_consomme: l.spent_sources.iter().map(|p| p.path.clone()).collect(),
        credit_etat_utilise: l.state_credit_used.into(),
        credit_etat_non_consomme: l.unspent_state_credit.into(),
        reports: l.carry_overs.iter().map(|c| carry_over(c, reasons)).collect(),
        reports_acceptes: l.accepted_carry_over.into(),
        reports_refuses: l.refused_carry_over.into(),
        reports_sans_decision: l.undecided_carry_over.into(),
        refaction: l.reduction.into(),
        explication: l.explanation.clone(),
    }
}

#[derive(Serialize)]
pub struct CleLigne {
    pub action: String,
    pub ligne: String,
}

impl From<&LineKey> for CleLigne {
    fn from(k: &LineKey) -> CleLigne {
        CleLigne { action: k.action.clone(), ligne: k.line.clone() }
    }
}

#[derive(Serialize)]
pub struct NoteCredits {
    pub rapport_id: i64,
    pub departement: String,
    pub departement_nom: String,
    pub annee: i32,
    pub annee_credits: i32,
    pub regles: Regles,
    pub montant_etat_n1: Montant,
    pub reports_acceptes: Montant,
    pub reports_refuses: Montant,
    pub reports_sans_decision: Montant,
    pub refaction: Montant,
    pub credits_delegues: Montant,
    pub definitive: bool,
    pub lignes: Vec<LigneCredits>,
    pub sans_decision: Vec<CleLigne>,
    pub decisions_inconnues: Vec<CleLigne>,
    pub avertissements: Vec<String>,
    pub explication: String,
}

/// `signatory`: the report's collectivité code as the store keys it (the note itself
/// names only the Département of the text).
pub fn credits_note(
    report_id: i64,
    signatory: &str,
    n: &CreditsNote,
    reasons: &std::collections::BTreeMap<LineKey, String>,
) -> NoteCredits {
    NoteCredits {
        rapport_id: report_id,
        departement: signatory.to_string(),
        departement_nom: dep_name(signatory),
        annee: n.year,
        annee_credits: n.year.saturating_add(1),
        regles: Regles {
            programme: n.rules.programme.clone(),
            annee: n.rules.year,
            part_etat_maximale_pourcent: n.rules.share_percent(),
            refaction: n.rules.reduction_applies,
            description: n.rules.describe(),
        },
        montant_etat_n1: n.state_amount_next_year.into(),
        reports_acceptes: n.accepted_carry_over.into(),
        reports_refuses: n.refused_carry_over.into(),
        reports_sans_decision: n.undecided_carry_over.into(),
        refaction: n.reduction.into(),
        credits_delegues: n.delegated.into(),
        definitive: n.is_final(),
        lignes: n.lines.iter().map(|l| line(l, reasons)).collect(),
        sans_decision: n.undecided.iter().map(CleLigne::from).collect(),
        decisions_inconnues: n.unknown_decisions.iter().map(CleLigne::from).collect(),
        avertissements: n.warnings.clone(),
        explication: n.explanation.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_are_exact() {
        assert_eq!(decimal(123_456), "1234.56");
        assert_eq!(decimal(5), "0.05");
        assert_eq!(decimal(-5), "-0.05");
        assert_eq!(decimal(-123_400), "-1234.00");
        assert_eq!(decimal(0), "0.00");
        assert_eq!(decimal(i64::MIN), "-92233720368547758.08");
        let m = Montant::from(Money::from_cents(14_546_826));
        assert_eq!((m.centimes, m.euros.as_str()), (14_546_826, "145468.26"));
    }
}
