//! Issuing input (JSONL / CSV): a key or column given twice is refused by
//! line and field instead of the last one silently winning.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use certanchor::input::{InputFormat, InputProblem, read_certificates};

fn jsonl(text: &str) -> Result<usize, Vec<InputProblem>> {
    read_certificates(text.as_bytes(), InputFormat::Jsonl, "k", None).map(|rows| rows.len())
}

fn csv(text: &str) -> Result<usize, Vec<InputProblem>> {
    read_certificates(text.as_bytes(), InputFormat::Csv, "k", None).map(|rows| rows.len())
}

fn places(problems: &[InputProblem]) -> Vec<(usize, Option<&str>)> {
    problems
        .iter()
        .map(|p| (p.line, p.field.as_deref()))
        .collect()
}

#[test]
fn jsonl_repeated_keys_are_refused_by_line_and_field() {
    let input = concat!(
        r#"{"id":"a","valid_from":"2024-01-01","fields":{"name":"张三"}}"#,
        "\n",
        r#"{"id":"b","id":"c","valid_from":"2024-01-01","fields":{"name":"李四"}}"#,
        "\n",
        r#"{"id":"d","valid_from":"2024-01-01","fields":{"name":"王五","name":"赵六"}}"#,
        "\n",
        r#"{"id":"e","valid_from":0,"fields":{"holders":[{"n":1},{"n":2,"n":3}]}}"#,
        "\n",
        r#"{"id":"f","valid_from":0,"fields":{},"fields":{"name":"x"}}"#,
        "\n",
        r#"{"id":"g","valid_from":{"a":1,"a":2},"fields":{}}"#,
        "\n",
    );
    let e = jsonl(input).unwrap_err();
    assert_eq!(
        places(&e),
        vec![
            (2, Some("id")),
            (3, Some("name")),
            (4, Some("holders[1].n")),
            (5, Some("fields")),
            (6, Some("valid_from.a")),
        ],
        "{e:?}"
    );
    assert!(e[0].reason.contains("in the row"), "{}", e[0]);
    assert!(e[1].reason.contains("in `fields`"), "{}", e[1]);
    assert!(e[2].reason.contains("in `holders[1]`"), "{}", e[2]);
    assert!(
        e.iter().all(|p| p.reason.contains("appears twice")),
        "{e:?}"
    );
    assert!(
        e[1].to_string()
            .starts_with("line 3, field `name`: key `name` appears twice"),
        "{}",
        e[1]
    );
    // one key per object: the same key in sibling objects is fine
    let ok = r#"{"id":"a","valid_from":0,"fields":{"h":[{"n":1},{"n":2}],"r":{"n":3}}}"#;
    assert_eq!(jsonl(ok), Ok(1));
    // a row that is not an object is still a row problem
    let e = jsonl("[1,2]\n").unwrap_err();
    assert_eq!(places(&e), vec![(1, None)]);
    assert!(e[0].reason.contains("not a JSON object"), "{}", e[0]);
}

#[test]
fn csv_repeated_columns_and_keys_in_json_cells_are_refused() {
    let e = csv("id,valid_from,valid_until,name,uscc,name\nL-1,2024-01-01,,a,b,c\n").unwrap_err();
    assert_eq!(places(&e), vec![(1, Some("name"))]);
    assert!(e[0].reason.contains("column 6"), "{}", e[0]);
    assert!(e[0].reason.contains("column 4"), "{}", e[0]);
    // a field column named like a certificate column is a repeat too
    let e = csv("id,valid_from,valid_until,id\nL-1,2024-01-01,,x\n").unwrap_err();
    assert_eq!(places(&e), vec![(1, Some("id"))]);
    // every repeated column is reported
    let e = csv("id,valid_from,valid_until,a,b,a,b\n").unwrap_err();
    assert_eq!(places(&e), vec![(1, Some("a")), (1, Some("b"))]);
    // a JSON cell with a repeated key: its line and column name
    let e = csv(concat!(
        "id,valid_from,valid_until,holders\n",
        "L-1,2024-01-01,,\"[{\"\"n\"\":1}]\"\n",
        "L-2,2024-01-01,,\"[{\"\"n\"\":1,\"\"n\"\":2}]\"\n",
    ))
    .unwrap_err();
    assert_eq!(places(&e), vec![(3, Some("holders"))]);
    assert!(
        e[0].reason.contains("key `n` appears twice in `[0]`"),
        "{}",
        e[0]
    );
    assert_eq!(
        csv("id,valid_from,valid_until,a,b\nL-1,2024-01-01,,x,y\n"),
        Ok(1)
    );
}
