//! French messages for what the TOML parser and serde report in English.

/// Turns a toml/serde message into French. Our own messages (already French) pass through.
pub fn translate_toml_message(msg: &str) -> String {
    let msg = msg.trim();
    let ticked = |s: &str| -> Vec<String> { s.split('`').skip(1).step_by(2).map(str::to_string).collect() };
    if msg.starts_with("duplicate key") {
        return match ticked(msg).first() {
            Some(k) => format!("clé « {k} » en double : chaque clé ne peut apparaître qu'une fois"),
            None => "clé en double : chaque clé ne peut apparaître qu'une fois par table".to_string(),
        };
    }
    if let Some(rest) = msg.strip_prefix("unknown field ") {
        let names = ticked(rest);
        let field = names.first().cloned().unwrap_or_default();
        let expected: Vec<String> = names.iter().skip(1).map(|n| format!("« {n} »")).collect();
        return if expected.is_empty() {
            format!("clé « {field} » inconnue ici")
        } else {
            format!("clé « {field} » inconnue ici ; clés possibles : {}", expected.join(", "))
        };
    }
    if msg.starts_with("missing field") {
        let field = ticked(msg).first().cloned().unwrap_or_default();
        return format!("clé obligatoire « {field} » absente");
    }
    if let Some(rest) = msg.strip_prefix("unknown variant ") {
        let names = ticked(rest);
        let v = names.first().cloned().unwrap_or_default();
        let expected: Vec<String> = names.iter().skip(1).map(|n| format!("« {n} »")).collect();
        return format!("valeur « {v} » non reconnue ; valeurs possibles : {}", expected.join(", "));
    }
    if let Some(rest) = msg.strip_prefix("invalid type: ") {
        let (found, expected) = rest.split_once(", expected ").unwrap_or((rest, "?"));
        return format!(
            "type de valeur inattendu : {} trouvé, {} attendu",
            french_type(found),
            french_type(expected)
        );
    }
    if msg.starts_with("invalid length") {
        return format!("nombre d'éléments inattendu ({msg})");
    }
    if looks_french(msg) {
        return msg.to_string();
    }
    // Syntax errors from the TOML parser ("invalid string", "unclosed table"…).
    format!("syntaxe TOML invalide : {msg}")
}

fn looks_french(msg: &str) -> bool {
    msg.contains('«') || msg.contains(" est ") || msg.contains(" n'") || msg.contains("montant")
}

fn french_type(t: &str) -> String {
    let t = t.trim();
    let base = t.split_whitespace().next().unwrap_or(t);
    let value = t.split('`').nth(1);
    let name = match base {
        "string" | "a" if t.contains("string") => "un texte",
        "string" => "un texte",
        "integer" => "un nombre entier",
        "floating" | "float" => "un nombre décimal",
        "boolean" => "un booléen (true/false)",
        "sequence" => "une liste [ … ]",
        "map" => "une table",
        "struct" => "une table",
        _ if t.contains("boolean") => "un booléen (true/false)",
        _ if t.contains("integer") => "un nombre entier",
        _ if t.contains("sequence") => "une liste [ … ]",
        _ if t.contains("struct") || t.contains("map") || t.contains("table") => "une table",
        _ if t.contains("string") => "un texte",
        _ => return t.to_string(),
    };
    match value {
        Some(v) => format!("{name} (« {v} »)"),
        None => name.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn translates_common_messages() {
        assert_eq!(
            translate_toml_message("invalid type: string \"oui\", expected a boolean"),
            "type de valeur inattendu : un texte trouvé, un booléen (true/false) attendu"
        );
        assert_eq!(
            translate_toml_message("duplicate key"),
            "clé en double : chaque clé ne peut apparaître qu'une fois par table"
        );
        let m = translate_toml_message("unknown field `totl`, expected one of `part_etat`, `total`");
        assert!(m.contains("« totl » inconnue") && m.contains("« total »"), "{m}");
        assert_eq!(translate_toml_message("missing field `annee`"), "clé obligatoire « annee » absente");
        let m = translate_toml_message("invalid type: integer `3`, expected a string");
        assert!(m.contains("un nombre entier (« 3 »)") && m.contains("un texte attendu"), "{m}");
        assert!(translate_toml_message("invalid string").starts_with("syntaxe TOML invalide"));
        let own = "« x » n'est pas un montant";
        assert_eq!(translate_toml_message(own), own);
    }
}
