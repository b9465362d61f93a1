//! What the application does, over the store and the core crates: loading a report for a
//! user, diagnostics, editing, workflow, review, credits, consolidation. No HTML, no axum.

pub mod annex;
pub mod consolidation;
pub mod edit;
pub mod editing;
pub mod forms;
pub mod report;
