//! The reference text of the generator: measures, actions, indicators and expense lines,
//! as data. Core measures are listed in the order of the socle measures of the programme's
//! reference data (`data/referentiels/*.toml`, read by `bilan_source::referentiel`): their
//! titles are taken from there, so that consolidation matches them; local measures carry
//! their own titles. Core measures and the indicators of the national catalogue carry its
//! codes (`tests/codes.rs` checks them against the files): every catalogue indicator of a
//! core measure is `coded`, hence always carried.

use bilan_domain::IndicatorUnit;

/// How an indicator's values are made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Nature {
    /// People reached: spent ÷ a cost per person (euros), so that the cost per person is
    /// about the same everywhere.
    People { cost: i64 },
    /// A count proportional to the Département's size: `per_size` for a size of 1,
    /// growing by `growth` ‰ a year.
    Level { per_size: i64, growth: i64 },
    /// A delay in days around `lo..=hi`, decreasing a little every year (lower is better).
    Days { lo: i64, hi: i64 },
    /// A percentage around `lo..=hi`, rising a little every year.
    Percent { lo: i64, hi: i64 },
}

#[derive(Debug)]
pub(crate) struct IndicatorSpec {
    /// Stream key.
    pub id: &'static str,
    /// The national catalogue's code (`data/referentiels/*.toml`) this indicator reports;
    /// `None` for an indicator of the Département's own.
    pub code: Option<&'static str>,
    pub name: &'static str,
    pub unit: IndicatorUnit,
    pub nature: Nature,
    /// Always carried (by the measure's first action); otherwise most of the time.
    pub always: bool,
}

#[derive(Debug)]
pub(crate) struct ActionTemplate {
    pub title: &'static str,
    pub description: &'static str,
    pub partners: &'static str,
}

#[derive(Debug)]
pub(crate) struct MeasureSpec {
    /// Stream key.
    pub id: &'static str,
    /// The catalogue's measure code (core measures); empty for a local measure.
    pub code: &'static str,
    /// Title of a local measure; core measures take the programme's.
    pub title: &'static str,
    /// "Nom de la mesure" in the indicator tables.
    pub short: &'static str,
    /// Budget of one action for a Département of size 1, in euros.
    pub base_budget: i64,
    pub directorate: &'static str,
    /// Who the action reaches ("jeunes", "personnes").
    pub public: &'static str,
    /// Carried by every action of the measure, never missing.
    pub primary: IndicatorSpec,
    pub secondary: &'static [IndicatorSpec],
    pub actions: &'static [ActionTemplate],
}

const fn people(id: &'static str, name: &'static str, cost: i64) -> IndicatorSpec {
    IndicatorSpec {
        id,
        code: None,
        name,
        unit: IndicatorUnit::Count,
        nature: Nature::People { cost },
        always: true,
    }
}
const fn level(
    id: &'static str,
    name: &'static str,
    per_size: i64,
    growth: i64,
    always: bool,
) -> IndicatorSpec {
    IndicatorSpec {
        id,
        code: None,
        name,
        unit: IndicatorUnit::Count,
        nature: Nature::Level { per_size, growth },
        always,
    }
}
const fn days(id: &'static str, name: &'static str, lo: i64, hi: i64, always: bool) -> IndicatorSpec {
    IndicatorSpec { id, code: None, name, unit: IndicatorUnit::Days, nature: Nature::Days { lo, hi }, always }
}
const fn percent(id: &'static str, name: &'static str, lo: i64, hi: i64) -> IndicatorSpec {
    IndicatorSpec {
        id,
        code: None,
        name,
        unit: IndicatorUnit::Percent,
        nature: Nature::Percent { lo, hi },
        always: false,
    }
}
/// An indicator of the national catalogue: always carried (by every action for a primary
/// one, by the measure's first action otherwise), so that no coded socle measure leaves
/// one of its catalogue indicators out.
const fn coded(code: &'static str, s: IndicatorSpec) -> IndicatorSpec {
    IndicatorSpec { code: Some(code), always: true, ..s }
}
const fn average(id: &'static str, name: &'static str, lo: i64, hi: i64) -> IndicatorSpec {
    IndicatorSpec {
        id,
        code: None,
        name,
        unit: IndicatorUnit::Average,
        nature: Nature::Percent { lo, hi },
        always: true,
    }
}
const fn action(title: &'static str, description: &'static str, partners: &'static str) -> ActionTemplate {
    ActionTemplate { title, description, partners }
}

/// The indicator some Départements report in another unit (see [`UNIT_OVERRIDES`]).
pub(crate) const ORIENTATION_DELAY: &str = "Délai moyen d'orientation des allocataires du RSA";
pub(crate) const PEOPLE_REFERENT: &str = "Nombre de personnes accompagnées";
pub(crate) const TRAINED: &str = "Nombre de professionnels formés";

/// Départements that report [`ORIENTATION_DELAY`] in another unit than days, every year:
/// consolidation must list the indicator as incompatible rather than add it up.
pub(crate) const UNIT_OVERRIDES: &[(&str, IndicatorUnit)] =
    &[("23", IndicatorUnit::Percent), ("87", IndicatorUnit::Count), ("971", IndicatorUnit::Percent)];

/// The nature of an overridden indicator: a share oriented in less than a month, or the
/// number of people oriented.
pub(crate) fn override_nature(unit: IndicatorUnit) -> Nature {
    match unit {
        IndicatorUnit::Percent => Nature::Percent { lo: 55, hi: 80 },
        IndicatorUnit::Days => Nature::Days { lo: 25, hi: 70 },
        _ => Nature::Level { per_size: 700, growth: 1030 },
    }
}

pub(crate) const CALPAE_CORE: [MeasureSpec; 6] = [
    MeasureSpec {
        id: "ase",
        code: "CALPAE-ASE",
        title: "",
        short: "Sorties sèches de l'ASE",
        base_budget: 70_000,
        directorate: "DEF - Enfance Famille",
        public: "jeunes",
        primary: coded("CALPAE-ASE-01", people("ase-jeunes", "Nombre de jeunes sortants de l'ASE accompagnés", 2_000)),
        secondary: &[
            percent("ase-logement", "Part des jeunes sortants de l'ASE disposant d'un logement stable", 45, 75),
            level("ase-cjm", "Nombre de contrats jeunes majeurs signés", 25, 1060, false),
        ],
        actions: &[
            action(
                "Accompagnement à l'autonomie des jeunes de 16 à 21 ans confiés à l'ASE",
                "Préparer la sortie du dispositif de protection de l'enfance dès 16 ans par un bilan d'autonomie partagé entre le jeune, son référent et la mission locale. Un projet d'accès à l'autonomie est formalisé six mois avant la majorité.",
                "Missions locales, foyers de jeunes travailleurs, assistants familiaux, Caisse d'allocations familiales.",
            ),
            action(
                "Référent unique pour les jeunes sortant de l'ASE",
                "Désigner pour chaque jeune majeur un référent chargé de coordonner les démarches de logement, de formation et d'accès aux droits, jusqu'à la stabilisation de sa situation.",
                "Missions locales, services de prévention spécialisée, Pôle emploi.",
            ),
            action(
                "Accès au logement des jeunes majeurs",
                "Mobiliser des logements en intermédiation locative et des places en foyer de jeunes travailleurs réservées aux jeunes sortant de l'ASE, avec un accompagnement social lié au logement.",
                "Bailleurs sociaux, associations d'intermédiation locative, foyers de jeunes travailleurs.",
            ),
        ],
    },
    MeasureSpec {
        id: "accueil",
        code: "CALPAE-ACCUEIL",
        title: "",
        short: "Premier accueil social",
        base_budget: 45_000,
        directorate: "DSD - Action sociale territoriale",
        public: "personnes",
        primary: people("accueil-personnes", "Nombre de personnes accueillies", 90),
        secondary: &[
            coded(
                "CALPAE-ACCUEIL-01",
                level(
                    "accueil-intervenants",
                    "Nombre d'intervenants sociaux sensibilisés à la démarche de premier accueil",
                    30,
                    1060,
                    true,
                ),
            ),
            coded("CALPAE-ACCUEIL-02", level("accueil-partenaires", "Nombre de partenaires impliqués", 12, 1040, true)),
            level("accueil-lieux", "Nombre de lieux de premier accueil labellisés", 6, 1100, false),
            days("accueil-rdv", "Délai moyen d'obtention d'un premier rendez-vous", 5, 15, false),
        ],
        actions: &[
            action(
                "Maillage territorial du premier accueil social inconditionnel",
                "Garantir à toute personne un premier accueil social à moins de trente minutes de son domicile, dans les maisons départementales des solidarités, les CCAS volontaires et les espaces France services.",
                "CCAS et CIAS, espaces France services, Caisse d'allocations familiales, Mutualité sociale agricole.",
            ),
            action(
                "Formation des agents d'accueil des partenaires",
                "Outiller les agents d'accueil des partenaires pour qu'ils repèrent les besoins, informent sur les droits et orientent vers le bon interlocuteur dès le premier contact.",
                "CCAS, espaces France services, associations caritatives.",
            ),
            action(
                "Charte départementale du premier accueil",
                "Élaborer et faire signer une charte commune fixant les engagements de chaque lieu d'accueil : horaires, confidentialité, délai de rendez-vous, orientation.",
                "Communes et intercommunalités, Caisse d'allocations familiales, Caisse primaire d'assurance maladie.",
            ),
        ],
    },
    MeasureSpec {
        id: "referent",
        code: "CALPAE-REFERENT",
        title: "",
        short: "Référent de parcours",
        base_budget: 80_000,
        directorate: "DSD - Action sociale territoriale",
        public: "personnes",
        primary: coded("CALPAE-REFERENT-02", people("referent-personnes", PEOPLE_REFERENT, 1_100)),
        secondary: &[
            coded(
                "CALPAE-REFERENT-01",
                level(
                    "referent-intervenants",
                    "Nombre d'intervenants sociaux sensibilisés à la démarche de référent de parcours",
                    35,
                    1060,
                    true,
                ),
            ),
            level("referent-formes", "Nombre de référents de parcours formés", 15, 1080, false),
            percent(
                "referent-reunions",
                "Part des situations ayant fait l'objet d'une réunion pluridisciplinaire",
                30,
                60,
            ),
        ],
        actions: &[
            action(
                "Déploiement de la démarche de référent de parcours",
                "Proposer aux personnes suivies par plusieurs intervenants un référent unique, choisi avec elles, qui coordonne leur parcours et réunit les partenaires autour de leur projet.",
                "CCAS, Caisse d'allocations familiales, bailleurs sociaux, associations d'insertion.",
            ),
            action(
                "Outil partagé de suivi des parcours",
                "Mettre à disposition des référents un dossier partagé, avec l'accord de la personne, pour éviter de lui faire répéter son histoire à chaque interlocuteur.",
                "Éditeur du logiciel d'action sociale, CCAS partenaires.",
            ),
            action(
                "Animation du réseau des référents",
                "Réunir chaque trimestre les référents de parcours du territoire pour partager les pratiques, analyser les situations complexes et lever les freins rencontrés.",
                "CCAS, associations, centres sociaux.",
            ),
        ],
    },
    MeasureSpec {
        id: "rsa",
        code: "CALPAE-RSA",
        title: "",
        short: "Orientation des allocataires du RSA",
        base_budget: 120_000,
        directorate: "DIE - Insertion et emploi",
        public: "allocataires",
        primary: people("rsa-accompagnes", "Nombre d'allocataires du RSA accompagnés", 450),
        secondary: &[
            days("delai-orientation", ORIENTATION_DELAY, 25, 70, true),
            coded(
                "CALPAE-RSA-01",
                level("rsa-orientes", "Nombre de nouveaux entrants orientés en un mois et moins", 900, 1040, true),
            ),
            coded(
                "CALPAE-RSA-02",
                level("rsa-rdv", "Nombre total de premiers rendez-vous d'accompagnement fixés", 1_200, 1040, true),
            ),
            coded(
                "CALPAE-RSA-03",
                level(
                    "rsa-rdv-delai",
                    "Nombre de premiers rendez-vous d'accompagnement fixés dans le délai de deux semaines",
                    700,
                    1050,
                    true,
                ),
            ),
            coded(
                "CALPAE-RSA-04",
                level("rsa-contrats", "Nombre total de premiers contrats d'engagement", 800, 1040, true),
            ),
            coded(
                "CALPAE-RSA-05",
                level(
                    "rsa-contrats-delai",
                    "Nombre de premiers contrats d'engagement signés dans les deux mois",
                    500,
                    1050,
                    true,
                ),
            ),
            percent(
                "rsa-cer",
                "Part des nouveaux allocataires ayant signé un contrat d'engagement réciproque",
                40,
                75,
            ),
        ],
        actions: &[
            action(
                "Orientation des nouveaux allocataires du RSA en moins d'un mois",
                "Organiser des rendez-vous d'orientation collectifs et individuels dès l'ouverture du droit, afin que chaque nouvel allocataire soit orienté et reçu par son référent dans le mois.",
                "Caisse d'allocations familiales, Pôle emploi, Mutualité sociale agricole.",
            ),
            action(
                "Plateforme de diagnostic partagé",
                "Mettre en place une plateforme réunissant travailleurs sociaux et conseillers emploi pour établir un diagnostic partagé de la situation de chaque allocataire.",
                "Pôle emploi, missions locales, structures d'insertion par l'activité économique.",
            ),
            action(
                "Accompagnement socio-professionnel renforcé",
                "Renforcer l'accompagnement des allocataires les plus éloignés de l'emploi par des conseillers en insertion dédiés, avec des entretiens au moins mensuels.",
                "Associations d'insertion, Pôle emploi, organismes de formation.",
            ),
        ],
    },
    MeasureSpec {
        id: "garantie",
        code: "CALPAE-GAA",
        title: "",
        short: "Garantie d'activité",
        base_budget: 150_000,
        directorate: "DIE - Insertion et emploi",
        public: "personnes",
        primary: coded(
            "CALPAE-GAA-01",
            people("garantie-accompagnes", "Nombre de personnes accompagnées en garantie d'activité", 1_600),
        ),
        secondary: &[
            percent("sorties-positives", "Taux de sorties positives vers l'emploi ou la formation", 25, 45),
            level("garantie-entreprises", "Nombre d'entreprises partenaires mobilisées", 20, 1070, false),
            coded(
                "CALPAE-GAA-02",
                level("garantie-sorties", "Nombre de sorties vers l'emploi ou la formation", 60, 1050, true),
            ),
            coded(
                "CALPAE-GAA-03",
                average(
                    "garantie-par-conseiller",
                    "Nombre moyen de personnes accompagnées par conseiller dédié à l'accompagnement global",
                    40,
                    70,
                ),
            ),
            coded(
                "CALPAE-GAA-04",
                days("garantie-delai", "Délai moyen d'entrée en accompagnement global", 20, 60, true),
            ),
        ],
        actions: &[
            action(
                "Accompagnement global conjoint avec Pôle emploi",
                "Associer un conseiller Pôle emploi et un travailleur social du Département autour des demandeurs d'emploi rencontrant des difficultés sociales, pour lever ensemble les freins à l'emploi.",
                "Pôle emploi.",
            ),
            action(
                "Garantie d'activité départementale",
                "Proposer aux allocataires du RSA un accompagnement intensif vers l'emploi, combinant mises en situation professionnelle, formation et suivi dans l'emploi.",
                "Structures d'insertion par l'activité économique, organismes de formation, entreprises du territoire.",
            ),
            action(
                "Job coaching et immersions en entreprise",
                "Financer des job coachs qui préparent les candidats, négocient les immersions avec les employeurs et suivent les premiers mois dans l'emploi.",
                "Entreprises, clubs d'entreprises, chambres consulaires.",
            ),
        ],
    },
    MeasureSpec {
        id: "formation",
        code: "CALPAE-FTS",
        title: "",
        short: "Formation des travailleurs sociaux",
        base_budget: 25_000,
        directorate: "DRH - Formation",
        public: "professionnels",
        primary: coded("CALPAE-FTS-01", level("formation-formes", TRAINED, 40, 1050, true)),
        secondary: &[
            level("formation-sessions", "Nombre de sessions de formation organisées", 4, 1050, false),
            percent("formation-satisfaction", "Part des participants satisfaits de la formation", 75, 92),
        ],
        actions: &[
            action(
                "Formation à l'aller-vers et à la participation des personnes accompagnées",
                "Former les travailleurs sociaux du Département et de ses partenaires à l'aller-vers et à la participation des personnes concernées à la conception des actions.",
                "Centre national de la fonction publique territoriale, écoles de travail social.",
            ),
            action(
                "Formation au développement social",
                "Former les équipes territoriales aux méthodes du développement social local et à la conduite de projets collectifs avec les habitants.",
                "Écoles de travail social, centres sociaux.",
            ),
            action(
                "Qualification des professionnels à la fonction de référent de parcours",
                "Proposer un cycle de formation commun aux professionnels du Département et des partenaires appelés à exercer la fonction de référent de parcours.",
                "CCAS, Caisse d'allocations familiales, associations.",
            ),
        ],
    },
];

pub(crate) const PACTE_CORE: [MeasureSpec; 4] = [
    MeasureSpec {
        id: "enfance",
        code: "PACTE-ENFANCE",
        title: "",
        short: "Prévention dès l'enfance",
        base_budget: 90_000,
        directorate: "DEF - Enfance Famille",
        public: "familles",
        primary: coded("PACTE-ENFANCE-01", people("enfance-familles", "Nombre de familles accompagnées", 900)),
        secondary: &[
            coded(
                "PACTE-ENFANCE-02",
                level(
                    "enfance-avip",
                    "Nombre de places en crèche à vocation d'insertion professionnelle",
                    12,
                    1080,
                    false,
                ),
            ),
            coded(
                "PACTE-ENFANCE-03",
                level(
                    "enfance-autonomie",
                    "Nombre de jeunes majeurs bénéficiant d'un contrat d'accès à l'autonomie",
                    18,
                    1060,
                    false,
                ),
            ),
        ],
        actions: &[
            action(
                "Crèches à vocation d'insertion professionnelle",
                "Réserver des places d'accueil du jeune enfant aux parents en recherche d'emploi, avec un accompagnement vers l'emploi pendant la durée de l'accueil.",
                "Caisse d'allocations familiales, France Travail, gestionnaires de crèches.",
            ),
            action(
                "Accompagnement des jeunes sortant de l'ASE vers l'autonomie",
                "Garantir à chaque jeune sortant de l'aide sociale à l'enfance un logement, des ressources et un accompagnement jusqu'à 21 ans.",
                "Missions locales, foyers de jeunes travailleurs, bailleurs sociaux.",
            ),
            action(
                "Soutien à la parentalité dans les quartiers prioritaires",
                "Développer des lieux d'accueil parents-enfants et des actions collectives de soutien à la parentalité dans les quartiers prioritaires de la politique de la ville.",
                "Centres sociaux, Caisse d'allocations familiales, communes.",
            ),
        ],
    },
    MeasureSpec {
        id: "emploi",
        code: "PACTE-EMPLOI",
        title: "",
        short: "Accès à l'emploi",
        base_budget: 150_000,
        directorate: "DIE - Insertion et emploi",
        public: "allocataires",
        primary: coded("PACTE-EMPLOI-01", people("emploi-accompagnes", "Nombre d'allocataires du RSA accompagnés", 500)),
        secondary: &[
            coded("PACTE-EMPLOI-02", days("delai-orientation", ORIENTATION_DELAY, 20, 60, true)),
            coded(
                "PACTE-EMPLOI-03",
                percent("sorties-positives", "Taux de sorties positives vers l'emploi ou la formation", 28, 48),
            ),
        ],
        actions: &[
            action(
                "Accompagnement rénové des allocataires du RSA avec France Travail",
                "Mettre en œuvre l'accompagnement rénové des allocataires du RSA : inscription systématique, diagnostic partagé et contrat d'engagement dans le mois.",
                "France Travail, Caisse d'allocations familiales, missions locales.",
            ),
            action(
                "Levée des freins périphériques à l'emploi",
                "Financer des solutions de garde d'enfants, de mobilité et de santé pour les personnes dont ces difficultés empêchent la reprise d'un emploi.",
                "Associations de mobilité solidaire, Caisse primaire d'assurance maladie, centres sociaux.",
            ),
            action(
                "Clauses sociales et partenariats avec les entreprises",
                "Développer les clauses sociales dans les marchés publics et les partenariats avec les entreprises qui recrutent des allocataires du RSA.",
                "Facilitateurs de clauses sociales, entreprises, chambres consulaires.",
            ),
        ],
    },
    MeasureSpec {
        id: "droits",
        code: "PACTE-DROITS",
        title: "",
        short: "Accès aux droits",
        base_budget: 70_000,
        directorate: "DSD - Action sociale territoriale",
        public: "personnes",
        primary: coded(
            "PACTE-DROITS-01",
            people("droits-accompagnes", "Nombre de personnes accompagnées dans l'accès aux droits", 250),
        ),
        secondary: &[
            level("droits-permanences", "Nombre de permanences d'accès aux droits tenues", 120, 1050, false),
            coded("PACTE-DROITS-02", days("droits-delai", "Délai moyen d'ouverture des droits", 15, 45, false)),
        ],
        actions: &[
            action(
                "Équipes mobiles d'aller-vers",
                "Déployer des équipes mobiles qui vont à la rencontre des personnes isolées ou sans domicile pour ouvrir leurs droits et les orienter.",
                "Associations d'hébergement, services intégrés d'accueil et d'orientation, CCAS.",
            ),
            action(
                "Lutte contre le non-recours aux droits",
                "Organiser des rendez-vous des droits avec la Caisse d'allocations familiales et la Caisse primaire d'assurance maladie pour repérer les droits non ouverts.",
                "Caisse d'allocations familiales, Caisse primaire d'assurance maladie, Mutualité sociale agricole.",
            ),
            action(
                "Premier accueil social inconditionnel",
                "Conforter le réseau des lieux de premier accueil social et la coordination entre les accueils du Département et ceux des partenaires.",
                "CCAS, espaces France services.",
            ),
        ],
    },
    MeasureSpec {
        id: "ecologie",
        code: "PACTE-ECOLOGIE",
        title: "",
        short: "Transition écologique solidaire",
        base_budget: 40_000,
        directorate: "DSD - Habitat et logement",
        public: "ménages",
        primary: coded(
            "PACTE-ECOLOGIE-01",
            people("ecologie-menages", "Nombre de ménages accompagnés dans la rénovation énergétique", 700),
        ),
        secondary: &[coded(
            "PACTE-ECOLOGIE-02",
            level("ecologie-diagnostics", "Nombre de diagnostics énergie réalisés", 60, 1060, false),
        )],
        actions: &[
            action(
                "Lutte contre la précarité énergétique",
                "Repérer les ménages en précarité énergétique, réaliser un diagnostic à domicile et les accompagner dans les travaux et les aides mobilisables.",
                "Agence départementale d'information sur le logement, fournisseurs d'énergie, opérateurs de l'habitat.",
            ),
            action(
                "Mobilité durable et solidaire",
                "Proposer des solutions de mobilité peu carbonées et abordables : location de vélos à assistance électrique, covoiturage solidaire, garage solidaire.",
                "Associations de mobilité, autorités organisatrices de la mobilité.",
            ),
            action(
                "Alimentation durable et accessible",
                "Soutenir les épiceries solidaires et les circuits courts qui rendent une alimentation de qualité accessible aux ménages modestes.",
                "Épiceries solidaires, producteurs locaux, banques alimentaires.",
            ),
        ],
    },
];

/// Measures at the Département's initiative, for both programmes.
pub(crate) const LOCAL: [MeasureSpec; 4] = [
    MeasureSpec {
        id: "iae",
        code: "",
        title: "Insertion par l'activité économique et clauses sociales",
        short: "Insertion par l'activité économique",
        base_budget: 60_000,
        directorate: "DIE - Insertion et emploi",
        public: "participants",
        primary: people(
            "iae-participants",
            "Nombre de participants accompagnés en insertion par l'activité économique",
            1_400,
        ),
        secondary: &[level("iae-heures", "Nombre d'heures d'insertion réalisées", 4_000, 1050, false)],
        actions: &[
            action(
                "Cofinancement des postes en chantiers d'insertion",
                "Cofinancer des postes en ateliers et chantiers d'insertion ouverts en priorité aux allocataires du RSA.",
                "Structures d'insertion par l'activité économique, Direction de l'emploi de l'État.",
            ),
            action(
                "Développement des clauses sociales",
                "Inscrire des clauses d'insertion dans les marchés du Département et accompagner les entreprises attributaires dans leurs recrutements.",
                "Facilitateur de clauses sociales, entreprises attributaires.",
            ),
        ],
    },
    MeasureSpec {
        id: "alimentation",
        code: "",
        title: "Lutte contre la précarité alimentaire",
        short: "Précarité alimentaire",
        base_budget: 35_000,
        directorate: "DSD - Action sociale territoriale",
        public: "ménages",
        primary: level("alimentation-menages", "Nombre de ménages bénéficiaires de l'aide alimentaire", 300, 1040, true),
        secondary: &[level("alimentation-epiceries", "Nombre d'épiceries sociales soutenues", 3, 1050, false)],
        actions: &[
            action(
                "Soutien aux épiceries sociales et solidaires",
                "Soutenir l'ouverture et le fonctionnement d'épiceries sociales dans les territoires qui en sont dépourvus.",
                "Épiceries sociales, banques alimentaires, CCAS.",
            ),
            action(
                "Ateliers cuisine et santé",
                "Proposer des ateliers collectifs de cuisine à petit budget, animés avec des diététiciens, dans les lieux d'aide alimentaire.",
                "Associations caritatives, centres sociaux.",
            ),
        ],
    },
    MeasureSpec {
        id: "mobilite",
        code: "",
        title: "Mobilité solidaire vers l'emploi",
        short: "Mobilité solidaire",
        base_budget: 40_000,
        directorate: "DIE - Insertion et emploi",
        public: "personnes",
        primary: people("mobilite-accompagnes", "Nombre de personnes accompagnées vers la mobilité", 600),
        secondary: &[level("mobilite-permis", "Nombre de permis de conduire financés", 30, 1050, false)],
        actions: &[
            action(
                "Plateforme de mobilité solidaire",
                "Financer une plateforme qui établit un diagnostic de mobilité et propose location de véhicules, auto-école sociale et transport à la demande.",
                "Association gestionnaire de la plateforme, auto-écoles sociales.",
            ),
            action(
                "Aide au permis de conduire",
                "Prendre en charge une partie du coût du permis de conduire pour les personnes dont l'accès à l'emploi en dépend.",
                "Auto-écoles, missions locales.",
            ),
        ],
    },
    MeasureSpec {
        id: "numerique",
        code: "",
        title: "Inclusion numérique et accès aux droits en ligne",
        short: "Inclusion numérique",
        base_budget: 30_000,
        directorate: "DSD - Action sociale territoriale",
        public: "personnes",
        primary: people(
            "numerique-accompagnes",
            "Nombre de personnes accompagnées dans leurs démarches en ligne",
            150,
        ),
        secondary: &[level("numerique-conseillers", "Nombre de conseillers numériques mobilisés", 3, 1050, false)],
        actions: &[
            action(
                "Conseillers numériques dans les maisons des solidarités",
                "Accueillir des conseillers numériques dans les maisons départementales des solidarités pour accompagner les démarches administratives en ligne.",
                "Espaces France services, médiathèques, associations.",
            ),
            action(
                "Équipement et ateliers numériques",
                "Équiper des lieux d'accès libre et proposer des ateliers d'initiation au numérique aux personnes accompagnées.",
                "Centres sociaux, médiathèques.",
            ),
        ],
    },
];

/// An expense line model: (category, label, directorate or "" for the measure's,
/// valorisation of staff time).
pub(crate) const LINES: [(&str, &str, &str, bool); 6] = [
    ("personnel", "Frais de personnel", "DRH", false),
    ("valorisation", "Valorisation du temps des agents départementaux", "DRH", true),
    ("subvention", "Subventions aux associations partenaires", "", false),
    ("prestation", "Marché de prestations d'accompagnement", "", false),
    ("fonctionnement", "Frais de fonctionnement, déplacements et communication", "", false),
    ("formation", "Actions de formation et d'ingénierie", "DRH - Formation", false),
];

/// Territories used for indicators broken down per territory.
pub(crate) const TERRITORIES: [&str; 5] =
    ["Territoire Nord", "Territoire Sud", "Territoire Est", "Territoire Ouest", "Territoire Centre"];

/// The core measures' specs of a programme.
pub(crate) fn core_specs(programme: &str) -> &'static [MeasureSpec] {
    match programme {
        "calpae" => &CALPAE_CORE,
        "pacte" => &PACTE_CORE,
        _ => &[],
    }
}

/// Large and small Départements (size factor in tenths): the others are in between.
pub(crate) const LARGE: &[&str] = &["59", "13", "75", "93", "69", "69M", "6AE", "92", "62", "33", "94", "31"];
pub(crate) const SMALL: &[&str] =
    &["48", "23", "05", "15", "90", "04", "09", "32", "52", "55", "20R", "46", "43", "976"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn core_specs_follow_the_programmes() {
        for id in ["calpae", "pacte"] {
            let p = bilan_source::referentiel::builtin().programme(id).expect("programme");
            assert_eq!(core_specs(id).len(), p.measures.iter().filter(|m| m.socle).count(), "{id}");
        }
    }

    #[test]
    fn texts_have_no_brackets() {
        let all = CALPAE_CORE.iter().chain(PACTE_CORE.iter()).chain(LOCAL.iter());
        for m in all {
            for a in m.actions {
                for t in [a.title, a.description, a.partners] {
                    assert!(!t.contains('[') && !t.contains(']'), "{t}");
                }
            }
        }
    }
}
