//! Shared by the differential tests: a deterministic random source, a
//! small policy generator and random requests shaped like the policies.
#![allow(clippy::unwrap_used, dead_code)]

use leash_policy::Policy;
use leash_policy::context::{ContextValue, Request, RequestContext};
use leash_policy::parse::parse_policy_text;
use serde_json::{Value as Json, json};

/// xorshift64*: deterministic, dependency-free.
pub struct Random(pub u64);

impl Random {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

pub const ACTIONS: &[&str] = &[
    "s3:GetObject",
    "s3:PutObject",
    "s3:Get*",
    "s3:*",
    "s3:*Object",
    "s3:ListBucket",
    "dynamodb:GetItem",
    "dynamodb:*Item",
    "dynamodb:*",
    "*",
    "logs:Put?ogEvents",
];
pub const RESOURCES: &[&str] = &[
    "arn:aws:s3:::b/*",
    "arn:aws:s3:::b/x",
    "arn:aws:s3:::b",
    "arn:aws:s3:::*",
    "*",
    "arn:aws:dynamodb:us-east-1:111122223333:table/T",
    "arn:aws:dynamodb:*:*:table/*",
    "arn:aws:s3:::b/home/*/x",
    "arn:aws:s3:::b?",
    // Policy variables and escapes (approximated by leash prove).
    "arn:aws:s3:::b/home/${aws:username}/*",
    "arn:aws:s3:::b/${aws:PrincipalTag/team, 'none'}/x",
    "arn:aws:s3:::b/${aws:username}",
    "arn:aws:s3:::b/q${?}${*}",
];

pub fn condition(random: &mut Random) -> Json {
    let choices = [
        json!({"StringEquals": {"aws:SourceVpc": "vpc-1"}}),
        json!({"StringNotEquals": {"aws:SourceVpc": ["vpc-1", "vpc-2"]}}),
        json!({"StringLike": {"s3:prefix": ["home/*", "pub?"]}}),
        json!({"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}),
        json!({"NotIpAddress": {"aws:SourceIp": ["10.1.0.0/16", "192.168.1.1"]}}),
        json!({"NumericLessThan": {"s3:max-keys": "10"}}),
        json!({"NumericGreaterThanEquals": {"s3:max-keys": "2.5"}}),
        json!({"Bool": {"aws:SecureTransport": "true"}}),
        json!({"Bool": {"aws:SecureTransport": "false"}}),
        json!({"Null": {"aws:SourceVpc": "true"}}),
        json!({"ForAnyValue:StringEquals": {"aws:TagKeys": ["a", "b"]}}),
        json!({"ForAllValues:StringLike": {"aws:TagKeys": ["a*"]}}),
        json!({"DateLessThan": {"aws:CurrentTime": "2026-06-01T00:00:00Z"}}),
        json!({"StringEqualsIgnoreCase": {"aws:PrincipalTag/team": "Ops"}}),
        json!({"ArnLike": {"aws:SourceArn": "arn:aws:sns:*:111122223333:t*"}}),
        json!({"StringLikeIfExists": {"aws:SourceVpce": "vpce-*"}}),
        json!({"StringEquals": {"aws:SourceVpce": "${aws:SourceVpc}"}}),
        json!({"StringNotEquals": {"aws:SourceVpc": "${aws:PrincipalTag/team}"}}),
        json!({"StringLike": {"s3:prefix": "home/${aws:username}/*"}}),
        json!({"StringEquals": {"aws:SourceVpc": "vpc-${aws:PrincipalTag/team, '1'}"}}),
        json!({"StringNotLike": {"s3:prefix": ["${aws:username}*"]}}),
    ];
    random.pick(&choices).clone()
}

pub fn small_policy(random: &mut Random) -> Json {
    let count = 1 + random.below(3);
    let statements: Vec<Json> = (0..count)
        .map(|_| {
            let mut statement = serde_json::Map::new();
            let effect = if random.chance(25) { "Deny" } else { "Allow" };
            statement.insert("Effect".into(), json!(effect));
            let actions: Vec<&str> = (0..1 + random.below(2))
                .map(|_| *random.pick(ACTIONS))
                .collect();
            let action_key = if random.chance(10) {
                "NotAction"
            } else {
                "Action"
            };
            statement.insert(action_key.into(), json!(actions));
            let resources: Vec<&str> = (0..1 + random.below(2))
                .map(|_| *random.pick(RESOURCES))
                .collect();
            let resource_key = if random.chance(10) {
                "NotResource"
            } else {
                "Resource"
            };
            statement.insert(resource_key.into(), json!(resources));
            if random.chance(50) {
                let mut merged = serde_json::Map::new();
                for _ in 0..1 + random.below(2) {
                    if let Json::Object(block) = condition(random) {
                        for (operator, entries) in block {
                            merged.insert(operator, entries);
                        }
                    }
                }
                statement.insert("Condition".into(), Json::Object(merged));
            }
            Json::Object(statement)
        })
        .collect();
    json!({"Version": "2012-10-17", "Statement": statements})
}

pub fn policy(value: &Json) -> Policy {
    parse_policy_text(&value.to_string()).policy.unwrap()
}

/// Strings that look like the pattern: wildcards filled at random.
pub fn fill(pattern: &str, random: &mut Random) -> String {
    let letters = [
        "",
        "a",
        "x",
        "home/",
        "b",
        "T",
        "Object",
        "/",
        ":",
        "us-east-1",
        "pub",
    ];
    let mut text = String::new();
    for character in pattern.chars() {
        match character {
            '*' => {
                for _ in 0..random.below(3) {
                    let letter: &str = letters[random.below(letters.len())];
                    text.push_str(letter);
                }
            }
            '?' => text.push(*random.pick(&['a', 'L', 'x', '/'])),
            other => text.push(other),
        }
    }
    if random.chance(10) {
        text.push('x');
    }
    text
}

pub fn random_value(key: &str, random: &mut Random) -> ContextValue {
    let pool: &[&str] = match key {
        "aws:SourceIp" => &[
            "10.0.0.1",
            "10.1.2.3",
            "192.168.1.1",
            "192.168.1.2",
            "9.255.255.255",
            "::1",
            "x",
        ],
        "s3:max-keys" => &["1", "2.5", "2.4", "9.99", "10", "10.0", "11", "-1", "ten"],
        "aws:SecureTransport" => &["true", "false", "TRUE", "yes"],
        "aws:CurrentTime" => &[
            "2026-05-31T23:59:59Z",
            "2026-06-01T00:00:00Z",
            "2027-01-01T00:00:00Z",
            "soon",
        ],
        "aws:SourceArn" => &[
            "arn:aws:sns:us-east-1:111122223333:topic",
            "arn:aws:sns:us-east-1:1:t",
            "arn:aws:sns::111122223333:t",
        ],
        "aws:PrincipalTag/team" => &["ops", "OPS", "Ops", "dev", "\u{212A}"],
        "aws:username" => &["alice", "x", "", "a/b", "home", "1"],
        _ => &[
            "vpc-1", "vpc-2", "vpc-3", "home/x", "pub1", "pub", "a", "b", "ab", "c", "", "vpce-1",
        ],
    };
    if key == "aws:TagKeys" {
        let count = random.below(3);
        return ContextValue::Multiple((0..count).map(|_| random.pick(pool).to_string()).collect());
    }
    ContextValue::Single(random.pick(pool).to_string())
}

pub const KEYS: &[&str] = &[
    "aws:SourceVpc",
    "s3:prefix",
    "aws:SourceIp",
    "s3:max-keys",
    "aws:SecureTransport",
    "aws:TagKeys",
    "aws:CurrentTime",
    "aws:PrincipalTag/team",
    "aws:SourceArn",
    "aws:SourceVpce",
    "aws:username",
];

pub fn random_request(
    random: &mut Random,
    actions: &[String],
    resources: &[String],
    keys: &[&str],
) -> Request {
    let action_pattern: String = random.pick(actions).clone();
    let action = fill(&action_pattern, random);
    let mut context = RequestContext::new();
    let mut chosen: Vec<(String, String)> = Vec::new();
    for key in keys {
        if random.chance(60) {
            let value = random_value(key, random);
            if let ContextValue::Single(single) = &value {
                chosen.push((key.to_ascii_lowercase(), single.clone()));
            }
            context.insert(key.to_string(), value);
        }
    }
    let resource_pattern: String = random.pick(resources).clone();
    let resource_pattern = substitute(&resource_pattern, &chosen, random);
    let resource = fill(&resource_pattern, random);
    Request::new(
        "arn:aws:sts::111122223333:assumed-role/r/s",
        action,
        resource,
    )
    .with_resource_account("111122223333")
    .with_time(1_767_225_600)
    .with_context(context)
}

/// `${key}` (and `${key, 'default'}`) in a pattern replaced by the key's
/// value in the request, mostly, so requests meet the policy variables;
/// escapes by their character.
pub fn substitute(pattern: &str, chosen: &[(String, String)], random: &mut Random) -> String {
    let mut text = String::new();
    let mut rest = pattern;
    while let Some(start) = rest.find("${") {
        text.push_str(&rest[..start]);
        let Some(end) = rest[start..].find('}') else {
            text.push_str(&rest[start..]);
            return text;
        };
        let inside = &rest[start + 2..start + end];
        let (key, default) = match inside.split_once(',') {
            Some((key, default)) => (key.trim(), Some(default.trim().trim_matches('\''))),
            None => (inside.trim(), None),
        };
        let value = match key {
            "*" | "?" | "$" => key.to_string(),
            _ => match chosen
                .iter()
                .find(|(name, _)| *name == key.to_ascii_lowercase())
            {
                Some((_, value)) if random.chance(80) => value.clone(),
                None if default.is_some() && random.chance(80) => {
                    default.unwrap_or_default().to_string()
                }
                _ => random.pick(&["alice", "x", "ops"]).to_string(),
            },
        };
        text.push_str(&value);
        rest = &rest[start + end + 1..];
    }
    text.push_str(rest);
    text
}
