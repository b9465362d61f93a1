//! The catalogue of rules: one entry per diagnostic code. `docs/rules.md` is generated
//! from it (`bilan regles`), and a test fails when the two drift apart.

use crate::Severity;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    pub code: &'static str,
    pub severity: Severity,
    pub title: &'static str,
    /// What the rule checks and why, for the documentation.
    pub explanation: &'static str,
}

const fn rule(
    code: &'static str,
    severity: Severity,
    title: &'static str,
    explanation: &'static str,
) -> Rule {
    Rule { code, severity, title, explanation }
}

use Severity::{Error as E, Info as I, Warning as W};

pub const RULES: &[Rule] = &[
    // Budget of an action (section 5).
    rule("BUD001", E, "Total prévisionnel différent de la somme des parts",
        "Dans le budget prévisionnel (5.1), la part État plus la part CD doit égaler le total déclaré."),
    rule("BUD002", E, "Part de l'État au-delà du plafond de cofinancement",
        "L'État finance au plus la moitié de chaque action (plafond défini par programme) : la part CD doit être au moins égale à la part État."),
    rule("BUD003", E, "Lignes de l'annexe différentes du budget prévisionnel",
        "La somme des montants inscrits des lignes de dépense de l'action (annexe financière) doit égaler son budget prévisionnel."),
    rule("BUD004", E, "Crédits consommés supérieurs aux crédits engagés",
        "On ne peut consommer plus que ce qui a été engagé, pour l'action comme pour chaque ligne."),
    rule("BUD005", W, "Report demandé supérieur aux crédits restants",
        "Le report demandé sur N+1 ne peut dépasser le prévisionnel diminué des crédits consommés."),
    rule("BUD006", W, "Dépassement du prévisionnel",
        "Des crédits consommés supérieurs au montant prévu sont un dépassement à justifier."),
    rule("BUD007", E, "Exécution du corps du rapport différente de l'annexe",
        "Les crédits consommés et le report déclarés dans la section 5.2 doivent égaler ceux des lignes de l'annexe pour la même action."),
    rule("BUD008", E, "Ligne du tableau d'exécution différente de sa ligne d'annexe",
        "Une ligne du tableau 5.2 reliée à une ligne de l'annexe (clé `depense`) doit porter les mêmes montants."),
    rule("BUD009", E, "Total d'exécution différent de la somme de ses lignes",
        "Quand la section 5.2 déclare à la fois un total et des lignes, le total doit égaler la somme des lignes."),
    rule("BUD010", W, "Détail des frais de personnel différent du montant de la ligne",
        "La somme du détail des frais de personnel doit égaler le montant de la ligne qu'il justifie."),
    rule("BUD011", W, "Budget prévisionnel absent",
        "Chaque action rappelle son budget prévisionnel (part État, part CD, total), sauf si son budget est commun avec une autre action (`budget_commun_avec`)."),
    rule("BUD012", E, "Renvoi vers une action inconnue",
        "`budget_commun_avec` et la clé `depense` d'une ligne doivent désigner une action ou une ligne de dépense qui existe."),
    rule("BUD013", W, "Crédits engagés ni consommés ni reportés",
        "Des crédits engagés qui ne sont ni consommés ni reportés sur N+1 disparaissent : le commentaire d'exécution doit en dire le sort (annulation, solde non consommé, réfaction)."),
    rule("BUD014", E, "Part de l'État au-delà du plafond sur les lignes de l'annexe",
        "Même quand les parts du budget prévisionnel sont égales, la part État ne peut dépasser le plafond du programme (la moitié) des montants inscrits des lignes de l'annexe que l'action liste réellement."),
    rule("BUD015", W, "Calcul d'un libellé différent de son montant",
        "Quand un libellé ou un commentaire donne le calcul d'un montant (salaire ÷ heures × heures × personnes, « 10 % × … », mois comptés en douzièmes d'un salaire annuel), son résultat doit égaler le montant déclaré."),
    // Financial annex.
    rule("ANX001", E, "Sous-total de l'annexe différent de la somme de ses lignes",
        "Chaque sous-total de l'annexe (inscrit, réalisé, à reporter) doit égaler la somme des lignes du groupe."),
    rule("ANX002", E, "Total de l'annexe différent de la somme des lignes",
        "Le montant total de l'annexe doit égaler la somme de toutes ses lignes."),
    rule("ANX003", E, "Recette État différente de la somme des parts État",
        "La recette État d'un groupe de l'annexe doit égaler la somme des parts État des actions du groupe."),
    rule("ANX004", E, "Total des recettes État différent de la somme des groupes",
        "La recette État totale doit égaler la somme des recettes État des groupes."),
    rule("ANX005", W, "Intitulé de sous-total d'un autre groupe",
        "La ligne de sous-total doit porter l'intitulé de son groupe : un intitulé copié d'un autre groupe trompe le lecteur."),
    rule("ANX006", E, "Action absente ou en double dans l'annexe",
        "Chaque action qui a des lignes de dépense figure dans exactement un groupe de l'annexe, et un groupe ne cite que des actions qui existent."),
    rule("ANX007", I, "Écarts d'arrondi d'un groupe de l'annexe",
        "Les écarts d'arrondi à l'euro d'un même groupe de l'annexe (ou de son total) sont regroupés en une seule information qui les énumère."),
    // Indicators (section 7).
    rule("IND001", W, "Résultat en deçà de la cible sans justification",
        "Un indicateur qui n'atteint pas son résultat attendu doit être justifié (pour un délai, dépasser la cible est l'écart)."),
    rule("IND002", W, "Résultat manquant sans justification",
        "Un indicateur sans résultat chiffré (ND, non évalué, pas d'action réalisée, case vide) doit être justifié."),
    rule("IND003", E, "Répartition par territoire différente de son total",
        "Les parts d'une répartition par territoire doivent s'additionner en son total déclaré."),
    rule("IND004", W, "Situation N-1 différente du résultat de l'année précédente",
        "La situation N-1 d'un indicateur reprend le résultat déclaré dans le rapport de l'année précédente (contrôle fait avec `--precedent`)."),
    rule("IND005", W, "Cible nettement inférieure à la situation N-1",
        "Un résultat attendu inférieur de plus de 25 % (seuil fixé par programme) à la situation N-1 du même périmètre (pour un délai : supérieur) recule sur ce qui est déjà acquis ; la justification doit l'expliquer."),
    rule("IND006", W, "Deux indicateurs aux valeurs identiques",
        "Deux indicateurs différents d'une même action qui portent exactement les mêmes valeurs (situation N-1, cible, résultat) sont probablement une ligne recopiée."),
    rule("IND007", W, "Résultat très éloigné de la situation N-1 sans justification",
        "Un résultat plus de N fois supérieur (ou inférieur) à la situation N-1 du même périmètre demande une justification ; N est fixé par programme (3 pour la CALPAE et le Pacte)."),
    rule("IND008", W, "Indicateur national absent d'une mesure du référentiel",
        "Une mesure reliée au référentiel de son programme (clé `code`, par exemple `CALPAE-RSA`) doit renseigner, dans l'une de ses actions, chaque indicateur du catalogue national de cette mesure qui s'applique à l'année du rapport (un indicateur portant le même `code`). Une mesure sans `code` (fichier antérieur au catalogue) n'est pas jugée."),
    // Narrative against tables.
    rule("NAR001", W, "Montant du texte différent du tableau",
        "Un total ou un montant que le texte reprend du tableau (« Le budget total de … », « Crédits consommés : … ») doit être celui du tableau."),
    rule("NAR002", W, "Effectif du texte différent de l'indicateur",
        "Un nombre de personnes que le bilan d'exécution donne pour ce que compte un indicateur de l'action doit égaler son résultat."),
    rule("NAR003", W, "Pourcentage que les nombres du texte ne donnent pas",
        "Un pourcentage entre parenthèses après un effectif (« 78 personnes (30 %) ») doit être cet effectif rapporté à l'un des nombres cités plus haut dans le même texte."),
    // Text and completeness.
    rule("TXT001", W, "Consigne du modèle restée dans le texte",
        "Les consignes entre crochets du modèle (« [Commentez le tableau financier …] ») ne doivent pas subsister dans un rapport achevé."),
    rule("TXT002", W, "Crochet isolé",
        "Un crochet ouvrant ou fermant sans son pendant est le reste d'une consigne mal effacée."),
    rule("COM001", W, "Section obligatoire vide",
        "La description et le bilan d'exécution d'une action doivent être rédigés."),
    rule("COM002", I, "Section facultative vide",
        "Date de mise en place, partenaires, durée et perspectives sont vides : le document les affichera vides."),
    rule("COM003", W, "Montant laissé vide",
        "Un montant imprimé sans chiffre (« Crédits engagés : € ») doit être complété, ou retiré s'il est sans objet."),
    rule("COM004", W, "Délibération non renseignée",
        "Le numéro et la date de la délibération qui adopte le rapport sont nécessaires à sa transmission."),
    rule("COM005", W, "Financement FAPI non renseigné",
        "La section 6 indique si l'action était déjà financée au titre du FAPI (oui, non, oui en partie)."),
    rule("COM006", W, "Action sans indicateur",
        "Chaque action rend compte d'au moins un indicateur."),
    // Dates.
    rule("DAT001", E, "Fin de l'action avant son début",
        "La date de fin d'une action ne peut précéder sa date de début."),
    rule("DAT002", E, "Délibération après l'échéance",
        "L'assemblée délibère sur le rapport au plus tard à l'échéance fixée par la convention."),
    rule("DAT003", E, "Transmission avant la délibération",
        "Le rapport est transmis au préfet après son adoption par délibération."),
    rule("DAT004", W, "Délibération avant la fin de l'année rapportée",
        "Un rapport sur l'année N ne peut être adopté avant le 31 décembre de N."),
    rule("DAT005", E, "Année hors du programme",
        "L'année du rapport doit appartenir à la période du programme (2019–2022 pour la CALPAE, 2024–2027 pour le Pacte)."),
    rule("DAT006", W, "Durée annoncée incompatible avec les dates de l'action",
        "La durée de l'action (« 2 ans (2019/2020) », « toute l'année 2019 ») doit s'accorder avec ses dates de début et de fin."),
    rule("DAT007", W, "Action hors de l'année du rapport",
        "Une action rapportée pour l'année N commence au plus tard en N, et les années annoncées pour sa durée comprennent N."),
    // Structure.
    rule("NUM001", I, "Numérotation imprimée différente de la position",
        "Le numéro imprimé d'une mesure ou d'une action ne suit pas sa position ; les documents générés renumérotent automatiquement."),
    rule("NUM002", E, "Numéro ou identifiant en double",
        "Deux actions portent le même numéro, ou deux lignes de dépense le même identifiant : les renvois deviennent ambigus."),
];

pub fn rule_by_code(code: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.code == code)
}

/// The catalogue as Markdown: this text is `docs/rules.md`.
pub fn markdown() -> String {
    let mut out = String::from(
        "# Catalogue des règles de `bilan check`\n\n\
         <!-- Généré par `bilan regles` depuis crates/check/src/catalogue.rs : ne pas modifier à la main. -->\n\n\
         Chaque diagnostic porte un code stable, une gravité, un message, l'emplacement exact \
         (ligne et colonne du fichier, ou champ du formulaire) et, quand il aide, un conseil.\n\n\
         - **erreur** : bloque la transmission du rapport ;\n\
         - **avertissement** : demande une justification rattachée au diagnostic ;\n\
         - **info** : pour le lecteur, ne demande rien.\n\n\
         Une comparaison avec une annexe imprimée à l'euro près (`arrondi = \"euro\"`) dont \
         l'écart ne dépasse pas 0,50 € par montant arrondi est rétrogradée en **info** \
         (écart d'arrondi).\n\n",
    );
    let mut family = "";
    for r in RULES {
        let f = &r.code[..3];
        if f != family {
            family = f;
            let name = match f {
                "BUD" => "Budget des actions",
                "ANX" => "Annexe financière",
                "IND" => "Indicateurs",
                "NAR" => "Texte et tableaux",
                "TXT" => "Texte",
                "COM" => "Complétude",
                "DAT" => "Dates",
                "NUM" => "Structure",
                _ => "Autres",
            };
            out.push_str(&format!(
                "## {name}\n\n| Code | Gravité | Règle | Ce qui est vérifié |\n|---|---|---|---|\n"
            ));
        }
        out.push_str(&format!(
            "| `{}` | {} | {} | {} |\n",
            r.code,
            r.severity.label(),
            r.title,
            r.explanation
        ));
        if RULES.iter().skip_while(|x| x.code != r.code).nth(1).is_none_or(|n| n.code[..3] != *f) {
            out.push('\n');
        }
    }
    out
}
