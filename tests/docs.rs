//! docs/MODEL.md lists every parameter exactly as the code defines it.

#[test]
fn model_doc_parameter_table_matches_the_code() {
    let doc =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/MODEL.md")).unwrap();
    let start = doc
        .find("<!-- parameters:start -->\n")
        .expect("start marker")
        + "<!-- parameters:start -->\n".len();
    let end = doc.find("<!-- parameters:end -->").expect("end marker");
    assert_eq!(
        &doc[start..end],
        coopsim::present::params::parameter_table(),
        "docs/MODEL.md is stale: regenerate section 9 with `coopsim params`"
    );
}
