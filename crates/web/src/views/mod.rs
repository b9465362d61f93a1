//! The pages: the DSFR layout and one module per page, fed plain view data (never the
//! store).

pub mod components;
pub mod conflict;
pub mod diagnostics;
pub mod forms;
pub mod general;
pub mod history;
pub mod layout;
pub mod overview;
pub mod reports;
