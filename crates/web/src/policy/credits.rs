//! Who sees and who decides the credits of a report (the N+1 delegation).

use bilan_store::{Role, Status, User};

use crate::policy::access::{self, Allowed};

/// Who sees the credits of a report: the State's reviewers and readers while it is
/// transmitted or approved; the Département once it is approved (to check the note).
pub fn may_see_credits(user: &User, status: Status) -> Allowed {
    match user.role {
        r if r.is_state() => Ok(()),
        Role::DepartmentEditor | Role::DepartmentSignatory if status == Status::Approved => Ok(()),
        _ => {
            Err("La note de calcul des crédits est communiquée au Département une fois le rapport approuvé.")
        }
    }
}

/// Who enters the N+1 amount and decides on the carry-overs: the State's reviewers, on a
/// transmitted or approved report.
pub fn may_decide(user: &User, status: Status) -> bool {
    access::can_review(user).is_ok() && matches!(status, Status::Transmitted | Status::Approved)
}

/// Why a user who sees the credits may not decide on them.
pub const NOT_DECIDER: &str =
    "Seuls les services de l’État (préfecture, région) décident des crédits d’un rapport transmis ou approuvé.";
