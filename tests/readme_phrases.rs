//! The README lists every fixed phrase with both built-in texts (DESIGN
//! section 3); this keeps the list and the code from drifting apart.

use counter_kiosk::flow::Phrase;

fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', "<br>")
}

pub fn table_row(p: Phrase) -> String {
    format!(
        "| `{}` | {} | {} |",
        p.name(),
        cell(p.builtin("ja").unwrap_or("")),
        cell(p.builtin("en").unwrap_or(""))
    )
}

#[test]
fn readme_lists_every_fixed_phrase_with_both_texts() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    let missing: Vec<String> = Phrase::ALL
        .iter()
        .map(|p| table_row(*p))
        .filter(|row| !readme.contains(row.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "README lacks these rows (copy them in):\n{}",
        missing.join("\n")
    );
}
