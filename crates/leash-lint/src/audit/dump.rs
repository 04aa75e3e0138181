//! Reading `aws iam get-account-authorization-details` output into typed
//! principals and policies, every value keeping its span in the dump file.
//!
//! The shape is the API's
//! (<https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetAccountAuthorizationDetails.html>):
//! `UserDetailList`, `GroupDetailList`, `RoleDetailList` and `Policies`
//! (customer managed policies with their `PolicyVersionList`). Policy
//! documents come as JSON objects (the AWS CLI decodes them) or as
//! URL-encoded JSON text (the API's own form, RFC 3986 percent-encoding);
//! both are read, and a URL-encoded document's positions are mapped back
//! to the bytes of the dump that encode them.
//!
//! Not for: judging anything (see [`super`]).

use leash_policy::json::parse_json_bytes;
use leash_policy::{Span, Spanned, Value, ValueKind};

/// A policy document of the dump, read into a tree whose spans point into
/// the dump file.
#[derive(Clone, Debug)]
pub struct Document {
    pub value: Value,
    /// Whether every span of `value` is the exact place in the dump (an
    /// object, or URL-encoded text without JSON escapes). When not, every
    /// span is the whole string's, and fixes are not offered.
    pub exact: bool,
}

/// An inline policy (`RolePolicyList`, `UserPolicyList`, `GroupPolicyList`).
#[derive(Clone, Debug)]
pub struct InlinePolicy {
    pub name: Spanned<String>,
    pub document: Result<Document, DumpProblem>,
}

/// A managed policy attached by ARN, or a permissions boundary.
#[derive(Clone, Debug)]
pub struct Attachment {
    pub arn: Spanned<String>,
}

/// What is common to users, groups and roles.
#[derive(Clone, Debug)]
pub struct PrincipalDetail {
    pub name: Spanned<String>,
    pub arn: String,
    pub path: String,
    /// The whole entry in the dump.
    pub span: Span,
    pub inline: Vec<InlinePolicy>,
    pub attached: Vec<Attachment>,
    pub boundary: Option<Attachment>,
    pub create_date: Option<Spanned<String>>,
    /// `Tags`: key and value of each (users and roles; a request carries
    /// them as `aws:PrincipalTag/KEY`).
    pub tags: Vec<(String, String)>,
}

#[derive(Clone, Debug)]
pub struct Role {
    pub detail: PrincipalDetail,
    pub trust: Option<Result<Document, DumpProblem>>,
    /// `RoleLastUsed.LastUsedDate`, absent when the role was not used in
    /// the period IAM tracks (400 days).
    pub last_used: Option<Spanned<String>>,
}

#[derive(Clone, Debug)]
pub struct User {
    pub detail: PrincipalDetail,
    /// Names of the groups the user is in (`GroupList`).
    pub groups: Vec<String>,
}

#[derive(Clone, Debug)]
pub struct Group {
    pub detail: PrincipalDetail,
}

/// A customer managed policy (`Policies`) and its default version.
#[derive(Clone, Debug)]
pub struct ManagedPolicy {
    pub name: Spanned<String>,
    pub arn: String,
    /// The default version's document; `None` when the dump lists no
    /// default version.
    pub document: Option<Result<Document, DumpProblem>>,
}

/// One account's dump.
#[derive(Clone, Debug, Default)]
pub struct Dump {
    pub users: Vec<User>,
    pub groups: Vec<Group>,
    pub roles: Vec<Role>,
    pub policies: Vec<ManagedPolicy>,
    /// Entries that could not be read, with where and why.
    pub problems: Vec<DumpProblem>,
}

/// Something the dump holds that is not what the API returns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DumpProblem {
    pub message: String,
    pub span: Span,
}

impl Dump {
    /// The account the dump is of: the account field of its principals'
    /// and customer managed policies' ARNs (the most common one).
    pub fn account(&self) -> Option<String> {
        let arns = self
            .users
            .iter()
            .map(|u| &u.detail.arn)
            .chain(self.groups.iter().map(|g| &g.detail.arn))
            .chain(self.roles.iter().map(|r| &r.detail.arn))
            .chain(self.policies.iter().map(|p| &p.arn));
        let mut counts: Vec<(String, usize)> = Vec::new();
        for arn in arns {
            let Ok(parsed) = leash_policy::arn::Arn::parse(arn) else {
                continue;
            };
            let account = parsed.account().as_str();
            if account.is_empty() || account == "aws" {
                continue;
            }
            match counts.iter_mut().find(|(a, _)| a == account) {
                Some((_, n)) => *n += 1,
                None => counts.push((account.to_string(), 1)),
            }
        }
        counts
            .into_iter()
            .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
            .map(|(account, _)| account)
    }

    /// The newest date the dump holds (creation, update and last-use
    /// dates), as written: the default "now" of a deterministic audit.
    pub fn newest_date(&self) -> Option<&str> {
        let details = self
            .users
            .iter()
            .map(|u| &u.detail)
            .chain(self.groups.iter().map(|g| &g.detail))
            .chain(self.roles.iter().map(|r| &r.detail));
        details
            .filter_map(|d| d.create_date.as_ref())
            .chain(self.roles.iter().filter_map(|r| r.last_used.as_ref()))
            .map(|d| d.node.as_str())
            .filter_map(|d| super::dates::epoch_seconds(d).map(|s| (s, d)))
            .max_by_key(|(s, _)| *s)
            .map(|(_, d)| d)
    }
}

/// Reads a dump from its tree; entries that cannot be read are skipped and
/// listed in [`Dump::problems`].
pub fn read_dump(root: &Value, source: &str) -> Dump {
    let mut dump = Dump::default();
    if root.as_object().is_none() {
        dump.problems.push(DumpProblem {
            message: format!(
                "an authorization dump is a JSON object, this is {}",
                root.kind_name()
            ),
            span: root.span,
        });
        return dump;
    }
    if let Some(truncated) = root.get("IsTruncated")
        && truncated.kind == ValueKind::Bool(true)
    {
        dump.problems.push(DumpProblem {
            message: "the dump is truncated (`IsTruncated` is true): the users, groups, roles and policies after its `Marker` are missing, so they were not judged".to_string(),
            span: truncated.span,
        });
    }
    for entry in list(root, "RoleDetailList", &mut dump.problems) {
        if let Some(detail) = principal_detail(entry, "Role", source, &mut dump.problems) {
            let trust = entry
                .get("AssumeRolePolicyDocument")
                .map(|d| document_with_source(d, source));
            let last_used = entry
                .get("RoleLastUsed")
                .and_then(|u| u.get("LastUsedDate"))
                .and_then(spanned_string);
            dump.roles.push(Role {
                detail,
                trust,
                last_used,
            });
        }
    }
    for entry in list(root, "UserDetailList", &mut dump.problems) {
        if let Some(detail) = principal_detail(entry, "User", source, &mut dump.problems) {
            let groups = entry
                .get("GroupList")
                .and_then(Value::as_array)
                .unwrap_or_default()
                .iter()
                .filter_map(|g| g.as_str().map(str::to_string))
                .collect();
            dump.users.push(User { detail, groups });
        }
    }
    for entry in list(root, "GroupDetailList", &mut dump.problems) {
        if let Some(detail) = principal_detail(entry, "Group", source, &mut dump.problems) {
            dump.groups.push(Group { detail });
        }
    }
    for entry in list(root, "Policies", &mut dump.problems) {
        let (Some(name), Some(arn)) = (
            entry.get("PolicyName").and_then(spanned_string),
            entry.get("Arn").and_then(Value::as_str),
        ) else {
            dump.problems.push(DumpProblem {
                message: "a managed policy without `PolicyName` or `Arn`".to_string(),
                span: entry.span,
            });
            continue;
        };
        let versions = entry
            .get("PolicyVersionList")
            .and_then(Value::as_array)
            .unwrap_or_default();
        let default = versions.iter().find(|v| {
            matches!(
                v.get("IsDefaultVersion").map(|b| &b.kind),
                Some(ValueKind::Bool(true))
            )
        });
        let document = default
            .and_then(|v| v.get("Document"))
            .map(|d| document_with_source(d, source));
        dump.policies.push(ManagedPolicy {
            name,
            arn: arn.to_string(),
            document,
        });
    }
    dump
}

/// The entries of a top-level list (absent: none).
fn list<'v>(root: &'v Value, key: &str, problems: &mut Vec<DumpProblem>) -> &'v [Value] {
    match root.get(key) {
        None => &[],
        Some(value) => match value.as_array() {
            Some(items) => items,
            None => {
                problems.push(DumpProblem {
                    message: format!("`{key}` is a list, this is {}", value.kind_name()),
                    span: value.span,
                });
                &[]
            }
        },
    }
}

fn spanned_string(value: &Value) -> Option<Spanned<String>> {
    value
        .as_str()
        .map(|s| Spanned::new(s.to_string(), value.span))
}

fn principal_detail(
    entry: &Value,
    kind: &str,
    source: &str,
    problems: &mut Vec<DumpProblem>,
) -> Option<PrincipalDetail> {
    let name = entry.get(&format!("{kind}Name")).and_then(spanned_string);
    let arn = entry.get("Arn").and_then(Value::as_str);
    let (Some(name), Some(arn)) = (name, arn) else {
        problems.push(DumpProblem {
            message: format!("a {} without `{kind}Name` or `Arn`", kind.to_lowercase()),
            span: entry.span,
        });
        return None;
    };
    let inline = entry
        .get(&format!("{kind}PolicyList"))
        .and_then(Value::as_array)
        .unwrap_or_default()
        .iter()
        .filter_map(|p| {
            Some(InlinePolicy {
                name: p.get("PolicyName").and_then(spanned_string)?,
                document: document_with_source(p.get("PolicyDocument")?, source),
            })
        })
        .collect();
    let attached = entry
        .get("AttachedManagedPolicies")
        .and_then(Value::as_array)
        .unwrap_or_default()
        .iter()
        .filter_map(|p| {
            Some(Attachment {
                arn: p.get("PolicyArn").and_then(spanned_string)?,
            })
        })
        .collect();
    let boundary = entry
        .get("PermissionsBoundary")
        .and_then(|b| b.get("PermissionsBoundaryArn"))
        .and_then(spanned_string)
        .map(|arn| Attachment { arn });
    Some(PrincipalDetail {
        name,
        arn: arn.to_string(),
        path: entry
            .get("Path")
            .and_then(Value::as_str)
            .unwrap_or("/")
            .to_string(),
        span: entry.span,
        inline,
        attached,
        boundary,
        create_date: entry.get("CreateDate").and_then(spanned_string),
        tags: entry
            .get("Tags")
            .and_then(Value::as_array)
            .unwrap_or_default()
            .iter()
            .filter_map(|tag| {
                Some((
                    tag.get("Key")?.as_str()?.to_string(),
                    tag.get("Value")?.as_str()?.to_string(),
                ))
            })
            .collect(),
    })
}

/// A policy document as the dump holds it: an object, or URL-encoded text.
pub fn document(value: &Value) -> Result<Document, DumpProblem> {
    match &value.kind {
        ValueKind::Object(_) => Ok(Document {
            value: value.clone(),
            exact: true,
        }),
        ValueKind::String(text) => document_from_text(text, value.span, None),
        _ => Err(DumpProblem {
            message: format!(
                "a policy document is an object or URL-encoded JSON text, this is {}",
                value.kind_name()
            ),
            span: value.span,
        }),
    }
}

/// [`document`] with the dump's text, so that a URL-encoded document's
/// positions are exact.
pub fn document_with_source(value: &Value, source: &str) -> Result<Document, DumpProblem> {
    match &value.kind {
        ValueKind::String(text) => document_from_text(
            text,
            value.span,
            source.get(value.span.start..value.span.end),
        ),
        _ => document(value),
    }
}

fn document_from_text(text: &str, span: Span, raw: Option<&str>) -> Result<Document, DumpProblem> {
    let trimmed = text.trim_start();
    // JSON text written in a string (not encoded): positions are the
    // string's.
    let (decoded, offsets) = if trimmed.starts_with('{') {
        (text.as_bytes().to_vec(), None)
    } else {
        let decoded = percent_decode(text.as_bytes()).ok_or_else(|| DumpProblem {
            message: "the policy document is not valid URL-encoded text (a `%` not followed by two hex digits)".to_string(),
            span,
        })?;
        // Exact positions when the string in the dump has no JSON escape:
        // then its bytes (between the quotes) are `text`'s.
        let offsets = raw
            .filter(|raw| raw.len() == text.len() + 2 && !raw.contains('\\'))
            .map(|_| percent_offsets(text.as_bytes(), span.start + 1));
        (decoded, offsets)
    };
    let mut value = parse_json_bytes(&decoded).map_err(|err| DumpProblem {
        message: format!("the policy document is not JSON: {}", err.message),
        span,
    })?;
    let exact = offsets.is_some();
    remap(&mut value, &|inner: Span| match &offsets {
        Some(offsets) => Span::new(
            offsets.get(inner.start).copied().unwrap_or(span.end),
            offsets.get(inner.end).copied().unwrap_or(span.end),
        ),
        None => span,
    });
    Ok(Document { value, exact })
}

/// RFC 3986 percent-decoding (`+` stays `+`: the API encodes spaces as
/// `%20`).
fn percent_decode(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while let Some(&byte) = bytes.get(index) {
        if byte == b'%' {
            let high = hex(*bytes.get(index + 1)?)?;
            let low = hex(*bytes.get(index + 2)?)?;
            out.push(high * 16 + low);
            index += 3;
        } else {
            out.push(byte);
            index += 1;
        }
    }
    Some(out)
}

/// For each byte of the decoded text (and one past its end), the offset in
/// the dump of the byte or `%XX` that encodes it.
fn percent_offsets(bytes: &[u8], base: usize) -> Vec<usize> {
    let mut offsets = Vec::with_capacity(bytes.len() + 1);
    let mut index = 0;
    while index < bytes.len() {
        offsets.push(base + index);
        index += if bytes.get(index) == Some(&b'%') {
            3
        } else {
            1
        };
    }
    offsets.push(base + bytes.len());
    offsets
}

fn hex(byte: u8) -> Option<u8> {
    match byte {
        b'0'..=b'9' => Some(byte - b'0'),
        b'a'..=b'f' => Some(byte - b'a' + 10),
        b'A'..=b'F' => Some(byte - b'A' + 10),
        _ => None,
    }
}

fn remap(value: &mut Value, map: &dyn Fn(Span) -> Span) {
    value.span = map(value.span);
    match &mut value.kind {
        ValueKind::Array(items) => items.iter_mut().for_each(|item| remap(item, map)),
        ValueKind::Object(members) => {
            for member in members {
                member.key.span = map(member.key.span);
                remap(&mut member.value, map);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn url_encoded_documents_keep_exact_positions() {
        let text = r#"{"Doc": "%7B%22Version%22%3A%222012-10-17%22%7D"}"#;
        let root = leash_policy::json::parse_json(text).unwrap();
        let doc = document_with_source(root.get("Doc").unwrap(), text).unwrap();
        assert!(doc.exact);
        let version = doc.value.get("Version").unwrap();
        assert_eq!(version.as_str(), Some("2012-10-17"));
        // `"2012-10-17"` is written `%222012-10-17%22` in the dump.
        assert_eq!(
            &text[version.span.start..version.span.end],
            "%222012-10-17%22"
        );
    }

    // IsTruncated: "A flag that indicates whether there are more items to
    // return" (API_GetAccountAuthorizationDetails, Response Elements).
    #[test]
    fn a_truncated_dump_says_so() {
        let text = r#"{"RoleDetailList": [], "IsTruncated": true, "Marker": "abc"}"#;
        let dump = read_dump(&leash_policy::json::parse_json(text).unwrap(), text);
        assert_eq!(dump.problems.len(), 1);
        assert!(dump.problems[0].message.contains("truncated"));
        let whole = text.replace("true", "false");
        let dump = read_dump(&leash_policy::json::parse_json(&whole).unwrap(), &whole);
        assert!(dump.problems.is_empty());
    }

    #[test]
    fn bad_percent_encoding_is_a_problem_not_a_panic() {
        let text = r#"{"Doc": "%7B%2"}"#;
        let root = leash_policy::json::parse_json(text).unwrap();
        let err = document_with_source(root.get("Doc").unwrap(), text).unwrap_err();
        assert!(err.message.contains("URL-encoded"), "{}", err.message);
    }
}
