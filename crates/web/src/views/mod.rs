//! The pages: the DSFR layout and one module per page, fed plain view data (never the
//! store).

pub mod action;
pub mod annex;
pub mod components;
pub mod conflict;
pub mod forms;
pub mod item;
pub mod layout;
