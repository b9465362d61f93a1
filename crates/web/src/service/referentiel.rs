//! The reference data the application works with: programmes, their measures and the
//! national indicator catalogue. Every part of the web crate goes through [`current`].
//!
//! For now it is the repository's files compiled into the program
//! (`bilan_source::referentiel::builtin`); it will be read from the database, where an
//! administrator edits it.

use bilan_domain::{Referentiel, Report};

/// The reference data in force.
pub fn current() -> &'static Referentiel {
    bilan_source::referentiel::builtin()
}

/// What the checks of `report` compare against: last year's report and the report's
/// programme.
pub fn check_context<'a>(report: &Report, previous: Option<&'a Report>) -> bilan_check::Context<'a> {
    bilan_check::Context { previous, programme: current().programme(&report.programme) }
}
