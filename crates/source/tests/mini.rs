#[test]
fn mini() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/mini.toml")).unwrap();
    let p = bilan_source::parse_str(&text).unwrap();
    let again = bilan_source::to_toml(&p.report);
    println!("{again}");
    let p2 = bilan_source::parse_str(&again).unwrap();
    assert_eq!(p.report, p2.report);
    let r = p.spans.locate("mesures[0].actions[0].prevision.total").unwrap();
    assert_eq!(&text[r], "\"30 000 €\"");
}
