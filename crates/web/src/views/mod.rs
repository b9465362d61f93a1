//! The pages: the DSFR layout and one module per page, fed plain view data (never the
//! store).

pub mod account;
pub mod action;
pub mod admin;
pub mod annex;
pub mod attachments;
pub mod campaigns;
pub mod components;
pub mod conflict;
pub mod credits;
pub mod dashboard;
pub mod diagnostics;
pub mod errors;
pub mod files;
pub mod forms;
pub mod general;
pub mod history;
pub mod import;
pub mod item;
pub mod layout;
pub mod login;
pub mod notifications;
pub mod overview;
pub mod queue;
pub mod referentiel;
pub mod reports;
pub mod review;
pub mod structure;
pub mod tokens;
pub mod workflow;
