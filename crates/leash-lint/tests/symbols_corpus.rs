//! Issue 11's acceptance on the shared corpus: a value known only at
//! deployment is a symbol, never a `*`. No finding on any template of
//! `../shared/corpus/sam-templates` shows a `*` in its message, label or
//! in a template value its help quotes
//! that the template's text at the finding's position does not contain
//! (or, quoting another entry, that the template does not contain at
//! all), and no finding shows a symbol's private character in any text.
#![allow(clippy::unwrap_used)]

use std::path::Path;

/// The backticked fragments of `text`.
fn quoted(text: &str) -> Vec<&str> {
    text.split('`').skip(1).step_by(2).collect()
}

fn has_private_character(text: &str) -> bool {
    text.chars().any(leash_policy::symbol::is_symbol)
}

#[test]
fn no_finding_shows_a_star_the_template_does_not_contain() {
    let directory =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/sam-templates");
    let Ok(entries) = std::fs::read_dir(&directory) else {
        assert!(
            std::env::var_os("CI").is_none(),
            "{} is absent: in CI the corpus must be there",
            directory.display()
        );
        println!(
            "notice: {} is absent; corpus test skipped",
            directory.display()
        );
        return;
    };
    let mut paths: Vec<_> = entries.map(|e| e.unwrap().path()).collect();
    paths.sort();
    let mut findings = 0;
    let mut checked = 0;
    let mut problems = Vec::new();
    for path in &paths {
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        for d in leash_lint::lint_template_text(&text) {
            findings += 1;
            let mut texts = vec![d.message.as_str()];
            texts.extend(d.label.as_deref());
            texts.extend(d.help.as_deref());
            if let Some(fix) = &d.fix {
                texts.push(fix.message.as_str());
                texts.extend(fix.edits.iter().map(|e| e.replacement.as_str()));
            }
            if texts.iter().any(|t| has_private_character(t)) {
                problems.push(format!("{name}: {}: a symbol character: {texts:?}", d.code));
            }
            let at = text.get(d.span.start..d.span.end).unwrap_or_default();
            if at.contains('*') {
                continue;
            }
            checked += 1;
            let mut shown = quoted(&d.message);
            if let Some(label) = &d.label {
                shown.extend(quoted(label));
            }
            // A help's quoted values are advice (`log-group:/aws/lambda/NAME:*`,
            // `leash action 'logs:*'`) unless they hold a value of the
            // template, written as a symbol (`${...}`): those count too.
            if let Some(help) = &d.help {
                shown.extend(quoted(help).into_iter().filter(|f| f.contains("${")));
            }
            // A `*` the author wrote elsewhere (`s3:*` covering the
            // `s3:PutObject` at the position) is the template's own.
            if let Some(star) = shown
                .iter()
                .find(|fragment| fragment.contains('*') && !text.contains(*fragment))
            {
                problems.push(format!(
                    "{name}:{}: {} shows `{star}` for `{at}`: {}",
                    d.span.start, d.code, d.message
                ));
            }
        }
    }
    println!(
        "{} templates, {findings} findings, {checked} at text without `*`",
        paths.len()
    );
    assert!(findings > 500, "the corpus gave only {findings} findings");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
