//! The optional `collectivite` key: who signed the convention, when it is not the
//! Département itself.

const HEAD: &str = "programme = \"pacte\"\ndepartement = \"69\"\nannee = 2024\n";

fn with(key: &str) -> String {
    format!("{HEAD}{key}\n")
}

#[test]
fn a_known_collectivite_covering_the_departement_is_the_signatory() {
    let p = bilan_source::parse_str(&with("collectivite = \"69M\"")).unwrap();
    assert_eq!(p.report.department.as_str(), "69");
    assert_eq!(p.report.signatory().as_str(), "69M");
    // Written back under the same key, read back the same.
    let text = bilan_source::to_toml(&p.report);
    assert!(text.contains("collectivite = \"69M\""), "{text}");
    assert_eq!(bilan_source::parse_str(&text).unwrap().report, p.report);
    // Absent (every file written before the key): the Département itself.
    let old = bilan_source::parse_str(HEAD).unwrap();
    assert_eq!((old.report.collectivite, old.report.signatory().as_str()), (None, "69"));
    assert!(!bilan_source::to_toml(&old.report).contains("collectivite"));
}

#[test]
fn an_unknown_code_is_refused_in_french_at_its_value() {
    let text = with("collectivite = \"69X\"");
    let e = bilan_source::parse_str(&text).unwrap_err();
    assert!(e.message.contains("« 69X » n'est pas un code de collectivité connu"), "{}", e.message);
    let span = e.span.clone().expect("a place");
    assert!(text[span].contains("\"69X\""), "{:?}", e.span);
}

#[test]
fn a_collectivite_that_does_not_cover_the_departement_is_refused_at_its_value() {
    let text = with("collectivite = \"20R\"");
    let e = bilan_source::parse_str(&text).unwrap_err();
    assert_eq!(
        e.message,
        "la collectivité Collectivité de Corse (20R) ne couvre pas le département Rhône (69) (elle couvre : \
         2A, 2B) : « departement » doit être l'un de ses territoires"
    );
    assert_eq!(&text[e.span.expect("a place")], "\"20R\"");
}
