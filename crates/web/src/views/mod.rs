//! The pages: the DSFR layout and one module per page, fed plain view data (never the
//! store).

pub mod components;
pub mod conflict;
pub mod forms;
pub mod layout;
pub mod queue;
pub mod review;
