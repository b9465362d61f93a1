//! The domain of `bilan`: the execution report of a State–Département anti-poverty
//! convention, its money and its reference data. Pure: no IO, no panics on any input.

pub mod amount;
pub mod annex_table;
pub mod collectivite;
pub mod date;
pub mod deliberation;
pub mod department;
pub mod draft;
pub mod geo;
pub mod indicator;
pub mod model;
pub mod money;
pub mod referentiel;
pub mod stored;

pub use amount::{figure, Amount};
pub use collectivite::CollectiviteCode;
pub use date::Date;
pub use department::DepartmentCode;
pub use indicator::{
    Indicator, IndicatorUnit, IndicatorValue, MissingReason, PartKind, Quantity, TerritoryValue,
};
pub use model::*;
pub use money::Money;
pub use referentiel::{Aggregation, CatalogueIndicator, MeasureRef, MonthDay, Programme, Referentiel};
