//! Who is told what happened to a report (issue 13). Pure: the service reads the accounts
//! and the report, this says who among them gets the notification. Nobody is told about a
//! report they may not see, except the préfecture's copy of an overdue reminder, which
//! says no more than the campaign page shows it (a status and a deadline).

use bilan_store::{Id, ReportSummary, Role, Status, User};

use crate::policy::access;

/// What happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// The signatory transmitted the report: the préfecture and region reviewers.
    Transmitted,
    /// A reviewer sent it back: the Département's editors and signatories.
    SentBack,
    /// A reviewer approved it: the same.
    Approved,
    /// A reviewer reopened it: the same.
    Reopened,
    /// A reviewer commented on it: the same.
    Comment,
    /// A deadline reminder, before or after the deadline: the Département's editors and
    /// signatories, and once overdue the préfecture of each territory.
    Reminder { overdue: bool },
}

impl Event {
    /// The kind of notification, as stored (`bilan_store::NOTIFICATION_KINDS`), which is
    /// also what a user chooses to receive by e-mail or not.
    pub fn kind(self) -> &'static str {
        match self {
            Event::Transmitted => "transmis",
            Event::SentBack => "renvoye",
            Event::Approved => "approuve",
            Event::Reopened => "rouvert",
            Event::Comment => "commentaire",
            Event::Reminder { .. } => "rappel",
        }
    }
}

/// The kinds a user may choose to receive by e-mail, with their French label, in the order
/// of the preferences page. Every role sees every kind: a kind that never concerns the
/// role simply never arrives.
pub const KINDS: [(&str, &str); 6] = [
    ("transmis", "Rapport transmis par un Département"),
    ("renvoye", "Rapport renvoyé pour corrections"),
    ("approuve", "Rapport approuvé"),
    ("rouvert", "Rapport rouvert par l’État"),
    ("commentaire", "Commentaire de l’État"),
    ("rappel", "Rappels d’échéance (J-30, J-7, J-1, retard)"),
];

/// Whether `u` is an editor or signatory of the report's collectivité.
fn of_department(u: &User, r: &ReportSummary) -> bool {
    matches!(u.role, Role::DepartmentEditor | Role::DepartmentSignatory) && access::can_see(u, r)
}

/// Whether `u` is the préfecture of one of the Départements the report covers (whatever
/// its status).
fn prefecture_of(u: &User, r: &ReportSummary) -> bool {
    u.role == Role::PrefectureReviewer
        && u.territory.as_deref().is_some_and(|t| r.territories.iter().any(|c| c == t) || r.department == t)
}

/// The accounts told of `event` on report `r` (its summary *after* the event), among
/// `users`; never the author of the event, never an inactive account.
pub fn recipients<'a>(
    event: Event,
    r: &ReportSummary,
    users: &'a [User],
    actor: Option<Id>,
) -> Vec<&'a User> {
    users
        .iter()
        .filter(|u| u.active && Some(u.id) != actor)
        .filter(|u| match event {
            Event::Transmitted => {
                matches!(u.role, Role::PrefectureReviewer | Role::RegionalReviewer) && access::can_see(u, r)
            }
            Event::SentBack | Event::Approved | Event::Reopened | Event::Comment => of_department(u, r),
            Event::Reminder { overdue } => of_department(u, r) || (overdue && prefecture_of(u, r)),
        })
        .collect()
}

/// Whether a report in this status still waits for its transmission: reminders concern
/// it.
pub fn awaits_transmission(status: Status) -> bool {
    matches!(status, Status::Draft | Status::Adopted | Status::SentBack)
}

/// The reminder due for a deadline `days_left` days away (negative: past), if any: the
/// most urgent one reached, so that a server started at J-5 sends J-7, not J-30 as well.
pub fn reminder_due(days_left: i64) -> Option<&'static str> {
    match days_left {
        d if d < 0 => Some("retard"),
        0..=1 => Some("j1"),
        2..=7 => Some("j7"),
        8..=30 => Some("j30"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(id: Id, role: Role, territory: Option<&str>) -> User {
        User {
            id,
            login: format!("u{id}"),
            display_name: format!("U{id}"),
            password_hash: String::new(),
            role,
            territory: territory.map(str::to_owned),
            active: true,
            email: None,
        }
    }

    fn report(status: Status) -> ReportSummary {
        ReportSummary {
            id: 1,
            department: "03".into(),
            territories: vec!["03".into()],
            year: 2025,
            programme: "pacte".into(),
            status,
            version: 1,
            revision: 1,
            updated_at: String::new(),
        }
    }

    #[test]
    fn who_is_told() {
        let mut users = vec![
            user(1, Role::DepartmentEditor, Some("03")),
            user(2, Role::DepartmentSignatory, Some("03")),
            user(3, Role::PrefectureReviewer, Some("03")),
            user(4, Role::RegionalReviewer, Some("84")),
            user(5, Role::NationalReader, None),
            user(6, Role::Admin, None),
            user(7, Role::DepartmentEditor, Some("15")),
            user(8, Role::PrefectureReviewer, Some("15")),
            user(9, Role::RegionalReviewer, Some("11")),
            user(10, Role::DepartmentEditor, Some("03")),
        ];
        users[9].active = false;
        let ids = |v: Vec<&User>| v.into_iter().map(|u| u.id).collect::<Vec<_>>();
        let transmitted = report(Status::Transmitted);
        assert_eq!(ids(recipients(Event::Transmitted, &transmitted, &users, Some(2))), [3, 4]);
        let sent_back = report(Status::SentBack);
        assert_eq!(ids(recipients(Event::SentBack, &sent_back, &users, Some(3))), [1, 2]);
        assert_eq!(ids(recipients(Event::Comment, &transmitted, &users, Some(4))), [1, 2]);
        let draft = report(Status::Draft);
        assert_eq!(ids(recipients(Event::Reminder { overdue: false }, &draft, &users, None)), [1, 2]);
        assert_eq!(ids(recipients(Event::Reminder { overdue: true }, &draft, &users, None)), [1, 2, 3]);
    }

    #[test]
    fn reminders_by_days_left() {
        let due: Vec<_> = [45, 31, 30, 8, 7, 2, 1, 0, -1, -40].into_iter().map(reminder_due).collect();
        assert_eq!(
            due,
            [
                None,
                None,
                Some("j30"),
                Some("j30"),
                Some("j7"),
                Some("j7"),
                Some("j1"),
                Some("j1"),
                Some("retard"),
                Some("retard")
            ]
        );
        assert!(awaits_transmission(Status::SentBack) && !awaits_transmission(Status::Approved));
        assert_eq!(KINDS.map(|(k, _)| k), bilan_store::NOTIFICATION_KINDS);
    }
}
