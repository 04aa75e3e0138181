//! `leash.toml`: suppressions, each with a reason.
//!
//! ```toml
//! [[ignore]]
//! code = "L106"                          # a code or a rule name
//! path = "infra/legacy/*.json"           # optional: a glob over the path as checked
//! sid = "AdminTools"                     # optional: only in the statement with this Sid
//! resource = "ReportsFunctionRole"       # optional: only in this template resource
//! reason = "the report builder reads every table by design"
//! ```
//!
//! Read from `--config FILE`, or from `leash.toml` in the current folder
//! when there is one. An entry without a reason is not applied (finding
//! L005 on the config file).

use leash_lint::{Diagnostic, Suppression, SuppressionKind};
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub ignore: Vec<IgnoreEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IgnoreEntry {
    pub code: String,
    pub path: Option<String>,
    pub sid: Option<String>,
    pub resource: Option<String>,
    pub reason: Option<String>,
}

/// A config file that could not be read: message and byte span.
pub struct ConfigError {
    pub message: String,
    pub span: leash_policy::Span,
}

pub fn parse(text: &str) -> Result<Config, ConfigError> {
    toml::from_str(text).map_err(|err| ConfigError {
        message: err.message().to_string(),
        span: err.span().map_or(leash_policy::Span::default(), |r| {
            leash_policy::Span::new(r.start, r.end)
        }),
    })
}

impl IgnoreEntry {
    pub fn has_reason(&self) -> bool {
        self.reason.as_deref().is_some_and(|r| !r.trim().is_empty())
    }

    fn applies(&self, path: &str, d: &Diagnostic) -> bool {
        (d.code == self.code || d.rule == self.code)
            && self
                .path
                .as_deref()
                .is_none_or(|glob| glob_match(glob, path.trim_start_matches("./")))
            && self
                .sid
                .as_deref()
                .is_none_or(|sid| d.sid.as_deref() == Some(sid))
            && self
                .resource
                .as_deref()
                .is_none_or(|r| d.resource.as_deref() == Some(r))
    }
}

impl Config {
    /// Marks the findings of one file that an entry with a reason covers.
    pub fn apply(&self, path: &str, diagnostics: &mut [Diagnostic]) {
        for d in diagnostics.iter_mut().filter(|d| d.suppressed.is_none()) {
            if let Some(entry) = self
                .ignore
                .iter()
                .find(|e| e.has_reason() && e.applies(path, d))
            {
                d.suppressed = Some(Suppression {
                    kind: SuppressionKind::External,
                    reason: entry.reason.clone().unwrap_or_default(),
                });
            }
        }
    }
}

/// `*` matches any run of characters (`/` included), `?` one character.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        match p.get(pi) {
            Some('*') => {
                star = Some((pi, ti));
                pi += 1;
            }
            Some(&c) if c == '?' || c == t[ti] => {
                pi += 1;
                ti += 1;
            }
            _ => match star {
                Some((star_pi, star_ti)) => {
                    pi = star_pi + 1;
                    ti = star_ti + 1;
                    star = Some((star_pi, star_ti + 1));
                }
                None => return false,
            },
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_cross_folders() {
        assert!(glob_match("infra/*.json", "infra/a/b.json"));
        assert!(glob_match("*.yaml", "template.yaml"));
        assert!(glob_match("a?c", "abc"));
        assert!(!glob_match("infra/*.json", "other/a.json"));
        assert!(glob_match("*", ""));
    }

    #[test]
    fn unknown_fields_are_errors_with_positions() {
        let Err(err) = parse("[[ignore]]\ncode = \"L106\"\nresons = \"x\"\n") else {
            panic!("accepted an unknown field");
        };
        assert!(err.message.contains("resons"), "{}", err.message);
        assert!(err.span.start > 0);
    }
}
