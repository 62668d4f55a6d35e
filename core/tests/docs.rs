//! The documents that list codes keep up with the code: every result code
//! and every check is named in SECURITY.md's table of result codes.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use certanchor::{CheckCode, ResultCode};

fn read(rel: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn security_md_names_every_result_code_and_check() {
    let doc = read("SECURITY.md");
    let table = doc
        .split("### Every result code")
        .nth(1)
        .expect("SECURITY.md has a section `### Every result code`");
    let table = table.split("\n## ").next().unwrap_or(table);
    let missing: Vec<&str> = ResultCode::ALL
        .iter()
        .map(|c| c.as_str())
        .filter(|c| !table.contains(&format!("`{c}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "SECURITY.md lacks result codes {missing:?}"
    );
    let missing: Vec<&str> = CheckCode::ALL
        .iter()
        .map(|c| c.as_str())
        .filter(|c| !table.contains(&format!("| `{c}` |")))
        .collect();
    assert!(missing.is_empty(), "SECURITY.md lacks checks {missing:?}");
}
