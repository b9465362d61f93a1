//! What the application does, over the store and the core crates: loading a report for a
//! user, diagnostics, editing, workflow, review, credits, consolidation. No HTML, no axum.

pub mod accounts;
pub mod annex;
pub mod archive;
pub mod attachments;
pub mod cache;
pub mod campaigns;
pub mod consolidation;
pub mod credits;
pub mod dashboard;
pub mod diagnostics;
pub mod editing;
pub mod figures;
pub mod files;
pub mod forms;
pub mod import;
pub mod jwt;
pub mod notifications;
pub mod oidc;
pub mod outbox;
pub mod referentiel;
pub mod report;
pub mod reports;
pub mod review;
pub mod structure;
pub mod tokens;
pub mod values;
pub mod workflow;
