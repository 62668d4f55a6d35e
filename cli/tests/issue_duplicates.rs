//! `certanchor issue` refuses input with a key or column given twice, and
//! writes nothing.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::{LAND, Office, ca, run_stderr, s};

#[test]
fn issue_refuses_repeated_keys_and_columns_and_writes_nothing() {
    let o = Office::new();
    let land = o.p("land.pem");
    let issue = |input: &str, out: &str| {
        run_stderr(
            &[
                "issue",
                "--key",
                &land,
                "--issuer",
                LAND,
                "--batch",
                "dup",
                "--kind",
                "real_estate_title",
                "--input",
                input,
                "--out",
                out,
            ],
            2,
        )
    };
    // JSONL: the first row is good, the second repeats `id`, the third a field
    let good = std::fs::read_to_string(o.file("titles.jsonl")).unwrap();
    let first = good.lines().next().unwrap();
    let dup_id = first.replacen("{\"fields\"", "{\"id\":\"X-1\",\"fields\"", 1);
    let dup_field = first.replacen("\"fields\":{", "\"fields\":{\"location\":\"别处\",", 1);
    assert_ne!(dup_id, first);
    assert_ne!(dup_field, first);
    let jsonl = o.file("dup.jsonl");
    std::fs::write(&jsonl, format!("{first}\n{dup_id}\n{dup_field}\n")).unwrap();
    let out = o.file("out-jsonl");
    let err = issue(s(&jsonl), s(&out));
    assert!(
        err.contains("dup.jsonl:2: field `id`: key `id` appears twice in the row"),
        "{err}"
    );
    assert!(
        err.contains("dup.jsonl:3: field `location`: key `location` appears twice in `fields`"),
        "{err}"
    );
    assert!(err.contains("nothing was written"), "{err}");
    assert!(!out.exists());
    // CSV: a column named twice
    let csv = o.file("dup.csv");
    std::fs::write(
        &csv,
        "id,valid_from,valid_until,location,location\nT-1,2024-01-01,,甲,乙\n",
    )
    .unwrap();
    let out = o.file("out-csv");
    let err = issue(s(&csv), s(&out));
    assert!(
        err.contains("dup.csv:1: field `location`: column 5 repeats the name of column 4"),
        "{err}"
    );
    assert!(!out.exists());
    // the first row alone issues
    let one = o.file("one.jsonl");
    std::fs::write(&one, format!("{first}\n")).unwrap();
    let out = o.file("out-one");
    ca().args([
        "issue",
        "--key",
        &land,
        "--issuer",
        LAND,
        "--batch",
        "one",
        "--kind",
        "real_estate_title",
        "--input",
        s(&one),
        "--out",
        s(&out),
    ])
    .assert()
    .success();
}
