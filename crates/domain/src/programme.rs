//! Reference data per programme: never hard-code a programme's rules in the checks.

/// A programme of State–Département conventions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Programme {
    pub id: &'static str,
    pub name: &'static str,
    pub short_name: &'static str,
    pub first_year: i32,
    pub last_year: i32,
    /// The largest share of an action the State may fund, in percent.
    pub max_state_share_percent: i64,
    /// How many times its baseline (or how small a fraction of it) an indicator's result
    /// may be before the change needs a word of justification.
    pub indicator_change_ratio: i64,
    /// How far below its baseline (in percent) a target may be set before the drop needs
    /// a word: a target a little under an exceptional year is ordinary.
    pub target_drop_tolerance_percent: i64,
    /// The usual deadline for adopting the report of year N: (month, day) of N+1.
    pub default_deadline: (u8, u8),
    /// Names of the measures every Département must carry (mesures socle), by first year.
    pub core_measures: &'static [(&'static str, i32)],
}

pub const PROGRAMMES: [Programme; 2] = [
    Programme {
        id: "calpae",
        name: "Convention d'appui à la lutte contre la pauvreté et d'accès à l'emploi",
        short_name: "CALPAE",
        first_year: 2019,
        last_year: 2022,
        max_state_share_percent: 50,
        indicator_change_ratio: 3,
        target_drop_tolerance_percent: 25,
        default_deadline: (6, 30),
        core_measures: &[
            ("Prévenir toute « sortie sèche » pour les jeunes sortants de l'aide sociale à l'enfance (ASE)", 2019),
            ("Premier accueil social inconditionnel de proximité", 2019),
            ("Référent de parcours", 2019),
            ("Orientation et parcours des allocataires du revenu de solidarité active", 2019),
            ("Garantie d'activité et accompagnement global", 2019),
            ("Formation des travailleurs sociaux", 2020),
        ],
    },
    Programme {
        id: "pacte",
        name: "Pacte des solidarités – contrat local des solidarités",
        short_name: "Pacte des solidarités",
        first_year: 2024,
        last_year: 2027,
        max_state_share_percent: 50,
        indicator_change_ratio: 3,
        target_drop_tolerance_percent: 25,
        default_deadline: (3, 31),
        core_measures: &[
            ("Prévenir la pauvreté dès l'enfance", 2024),
            ("Amplifier la politique d'accès à l'emploi pour tous", 2024),
            ("Lutter contre la grande exclusion grâce à l'accès aux droits", 2024),
            ("Construire une transition écologique solidaire", 2024),
        ],
    },
];

pub fn programme(id: &str) -> Option<&'static Programme> {
    PROGRAMMES.iter().find(|p| p.id == id)
}

impl Programme {
    pub fn covers(&self, year: i32) -> bool {
        (self.first_year..=self.last_year).contains(&year)
    }
}
