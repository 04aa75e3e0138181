//! Generated account authorization dumps with seeded problems, and the
//! truth about them: the test data of `leash audit` (issue 16). Used by
//! `tests/audit.rs` and by `examples/gen-audit-dumps.rs` (the benchmark's
//! 10,000 accounts).
//!
//! Deterministic: the same seed and count give the same files, byte for
//! byte. Each account has clean principals (Lambda execution roles scoped
//! to their log group and table, a reader group and its users, a role a
//! listed account assumes with an external id, a Step Functions role with
//! `aws:SourceAccount`, a customer managed policy whose non-default
//! version allows `*`) and a seeded subset of the problems `leash audit`
//! must report. Even accounts are written as the AWS CLI returns them
//! (documents as objects), odd ones as the API does (URL-encoded text).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use serde_json::{Value, json};

/// "Now" of every generated dump: its newest date.
pub const NOW: &str = "2026-06-30T00:00:00Z";

/// The account every generated dump may trust (`--trusted-accounts`).
pub const TRUSTED_ACCOUNT: &str = "999999999999";

/// An account no dump should trust.
pub const FOREIGN_ACCOUNT: &str = "666666666666";

/// AWS managed policies the clean principals attach: read-only ones, from
/// the managed-policy corpus (embedded in leash-catalog).
const CLEAN_MANAGED: &[&str] = &[
    "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
    "arn:aws:iam::aws:policy/AmazonDynamoDBReadOnlyAccess",
    "arn:aws:iam::aws:policy/CloudWatchLogsReadOnlyAccess",
    "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess",
    "arn:aws:iam::aws:policy/AmazonSQSReadOnlyAccess",
    "arn:aws:iam::aws:policy/AmazonSNSReadOnlyAccess",
];

/// The problems a dump can be seeded with, and the rule that must report
/// each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Seed {
    /// A role allowing `*` on `*` (inline) or with `AdministratorAccess`.
    Admin,
    /// A user administrator through its group's `AdministratorAccess`.
    AdminThroughGroup,
    /// A role whose two inline policies complete `lambda-001`.
    Escalation,
    /// A role trusting `{"AWS": "*"}`.
    PublicTrust,
    /// A role trusting an account not in the trusted list.
    ForeignTrust,
    /// A Step Functions role without `aws:SourceAccount`.
    ServiceWithoutSource,
    /// A role last used 200 days before now.
    Unused,
}

impl Seed {
    pub const ALL: [Seed; 7] = [
        Seed::Admin,
        Seed::AdminThroughGroup,
        Seed::Escalation,
        Seed::PublicTrust,
        Seed::ForeignTrust,
        Seed::ServiceWithoutSource,
        Seed::Unused,
    ];
}

/// One finding the audit must give: in which file, on which principal
/// (`role/NAME`), of which rule.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Expected {
    pub file: String,
    pub principal: String,
    pub code: &'static str,
}

/// A generated dump: its file name, text and what it must give.
pub struct GeneratedDump {
    pub file: String,
    pub account: String,
    pub text: String,
    pub expected: Vec<Expected>,
}

/// splitmix64: small, seeded, the same everywhere.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// The `index`-th account's dump of a run seeded with `seed`, with
/// `clean_roles` clean Lambda roles.
pub fn generate(seed: u64, index: usize, clean_roles: usize) -> GeneratedDump {
    let mut random = Random(seed ^ (index as u64).wrapping_mul(0xA24B_AED4_963E_E407));
    let account = format!("{}", 200_000_000_000u64 + index as u64);
    let file = format!("account-{index:05}.json");
    let encoded = index % 2 == 1;
    // Every seed appears in every run of 7 or more accounts; beyond that,
    // each account draws a subset.
    let mut seeds: Vec<Seed> = vec![Seed::ALL[index % Seed::ALL.len()]];
    for seed in Seed::ALL {
        if !seeds.contains(&seed) && random.below(3) == 0 {
            seeds.push(seed);
        }
    }
    let mut d = Dump::new(&account, encoded);
    let mut expected = Vec::new();
    let mut expect = |principal: String, code: &'static str| {
        expected.push(Expected {
            file: file.clone(),
            principal,
            code,
        })
    };

    // Clean principals.
    let clean_policy_arn = format!("arn:aws:iam::{account}:policy/clean-reader");
    d.managed_policy(
        "clean-reader",
        &clean_policy_arn,
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
            "Resource": format!("arn:aws:s3:::reports-{account}/public/*")}]}),
        // An old version that allowed everything: not in effect.
        Some(json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})),
    );
    for k in 0..clean_roles {
        let name = format!("clean-fn-{k}");
        let managed = CLEAN_MANAGED[random.below(CLEAN_MANAGED.len() as u64) as usize];
        let mut attached = vec![managed.to_string()];
        if k == 0 {
            attached.push(clean_policy_arn.clone());
        }
        d.role(
            &name,
            service_trust("lambda.amazonaws.com", None),
            vec![(
                "scoped".to_string(),
                scoped_function_policy(&account, &name),
            )],
            attached,
            Some(NOW),
        );
    }
    d.role(
        "clean-partner",
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Principal": {"AWS": format!("arn:aws:iam::{TRUSTED_ACCOUNT}:root")},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"sts:ExternalId": "partner-7Qx"}}}]}),
        vec![(
            "scoped".to_string(),
            scoped_function_policy(&account, "clean-partner"),
        )],
        Vec::new(),
        Some(NOW),
    );
    d.role(
        "clean-workflow",
        service_trust("states.amazonaws.com", Some(&account)),
        vec![(
            "invoke".to_string(),
            json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Action": "lambda:InvokeFunction",
            "Resource": format!("arn:aws:lambda:us-east-1:{account}:function:clean-fn-0")}]}),
        )],
        Vec::new(),
        Some(NOW),
    );
    d.group(
        "clean-readers",
        Vec::new(),
        vec![CLEAN_MANAGED[0].to_string()],
    );
    for k in 0..2 {
        d.user(
            &format!("clean-user-{k}"),
            vec!["clean-readers".to_string()],
            Vec::new(),
        );
    }

    // Seeded problems, each on a principal of its own.
    for seed in &seeds {
        match seed {
            Seed::Admin => {
                let name = "seeded-admin";
                if random.below(2) == 0 {
                    d.role(
                        name,
                        service_trust("lambda.amazonaws.com", None),
                        vec![(
                            "all".to_string(),
                            json!({"Version": "2012-10-17", "Statement": [
                            {"Effect": "Allow", "Action": "*", "Resource": "*"}]}),
                        )],
                        Vec::new(),
                        Some(NOW),
                    );
                } else {
                    d.role(
                        name,
                        service_trust("lambda.amazonaws.com", None),
                        Vec::new(),
                        vec!["arn:aws:iam::aws:policy/AdministratorAccess".to_string()],
                        Some(NOW),
                    );
                }
                expect(format!("role/{name}"), "L601");
            }
            Seed::AdminThroughGroup => {
                d.group(
                    "seeded-admins",
                    Vec::new(),
                    vec!["arn:aws:iam::aws:policy/AdministratorAccess".to_string()],
                );
                d.user(
                    "seeded-admin-user",
                    vec!["seeded-admins".to_string()],
                    Vec::new(),
                );
                expect("group/seeded-admins".to_string(), "L601");
                expect("user/seeded-admin-user".to_string(), "L601");
            }
            Seed::Escalation => {
                let name = "seeded-escalation";
                d.role(
                    name,
                    service_trust("lambda.amazonaws.com", None),
                    vec![
                        ("pass".to_string(), json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                            "Action": "iam:PassRole", "Resource": format!("arn:aws:iam::{account}:role/*")}]})),
                        ("deploy".to_string(), json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                            "Action": ["lambda:CreateFunction", "lambda:InvokeFunction"], "Resource": "*"}]})),
                    ],
                    Vec::new(),
                    Some(NOW),
                );
                expect(format!("role/{name}"), "L602");
            }
            Seed::PublicTrust => {
                let name = "seeded-public-trust";
                d.role(
                    name,
                    json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                        "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}]}),
                    vec![("scoped".to_string(), scoped_function_policy(&account, name))],
                    Vec::new(),
                    Some(NOW),
                );
                expect(format!("role/{name}"), "L603");
            }
            Seed::ForeignTrust => {
                let name = "seeded-foreign-trust";
                d.role(
                    name,
                    json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                        "Principal": {"AWS": format!("arn:aws:iam::{FOREIGN_ACCOUNT}:root")},
                        "Action": "sts:AssumeRole",
                        "Condition": {"StringEquals": {"sts:ExternalId": "vendor-1"}}}]}),
                    vec![("scoped".to_string(), scoped_function_policy(&account, name))],
                    Vec::new(),
                    Some(NOW),
                );
                expect(format!("role/{name}"), "L604");
            }
            Seed::ServiceWithoutSource => {
                let name = "seeded-workflow";
                d.role(
                    name,
                    service_trust("states.amazonaws.com", None),
                    vec![("invoke".to_string(), json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                        "Action": "lambda:InvokeFunction",
                        "Resource": format!("arn:aws:lambda:us-east-1:{account}:function:clean-fn-0")}]}))],
                    Vec::new(),
                    Some(NOW),
                );
                expect(format!("role/{name}"), "L605");
            }
            Seed::Unused => {
                let name = "seeded-unused";
                d.role(
                    name,
                    service_trust("lambda.amazonaws.com", None),
                    vec![("scoped".to_string(), scoped_function_policy(&account, name))],
                    Vec::new(),
                    Some("2025-12-12T08:30:00Z"),
                );
                expect(format!("role/{name}"), "L606");
            }
        }
    }
    GeneratedDump {
        file,
        account,
        text: d.finish(),
        expected,
    }
}

fn service_trust(service: &str, source_account: Option<&str>) -> Value {
    let mut statement =
        json!({"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"});
    if let Some(account) = source_account {
        statement["Condition"] = json!({"StringEquals": {"aws:SourceAccount": account}});
    }
    json!({"Version": "2012-10-17", "Statement": [statement]})
}

/// What `leash design` gives a function: its own log group, one table.
fn scoped_function_policy(account: &str, name: &str) -> Value {
    json!({"Version": "2012-10-17", "Statement": [
        {"Sid": "Logs", "Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
         "Resource": format!("arn:aws:logs:us-east-1:{account}:log-group:/aws/lambda/{name}:*")},
        {"Sid": "Orders", "Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"],
         "Resource": format!("arn:aws:dynamodb:us-east-1:{account}:table/orders-{name}")}]})
}

/// A dump being built, in the API's shape.
struct Dump {
    account: String,
    encoded: bool,
    users: Vec<Value>,
    groups: Vec<Value>,
    roles: Vec<Value>,
    policies: Vec<Value>,
    counter: u64,
}

impl Dump {
    fn new(account: &str, encoded: bool) -> Self {
        Dump {
            account: account.to_string(),
            encoded,
            users: Vec::new(),
            groups: Vec::new(),
            roles: Vec::new(),
            policies: Vec::new(),
            counter: 0,
        }
    }

    fn id(&mut self, prefix: &str) -> String {
        self.counter += 1;
        format!("{prefix}{:017}", self.counter)
    }

    /// A document as the dump holds it.
    fn document(&self, document: Value) -> Value {
        if self.encoded {
            Value::String(url_encode(&document.to_string()))
        } else {
            document
        }
    }

    fn attached(arns: Vec<String>) -> Value {
        Value::Array(
            arns.into_iter()
                .map(|arn| {
                    let name = arn.rsplit('/').next().unwrap_or_default().to_string();
                    json!({"PolicyName": name, "PolicyArn": arn})
                })
                .collect(),
        )
    }

    fn inline(&self, policies: Vec<(String, Value)>) -> Value {
        Value::Array(
            policies
                .into_iter()
                .map(|(name, document)| json!({"PolicyName": name, "PolicyDocument": self.document(document)}))
                .collect(),
        )
    }

    fn role(
        &mut self,
        name: &str,
        trust: Value,
        inline: Vec<(String, Value)>,
        attached: Vec<String>,
        last_used: Option<&str>,
    ) {
        let id = self.id("AROA");
        let mut role = json!({
            "Path": "/",
            "RoleName": name,
            "RoleId": id,
            "Arn": format!("arn:aws:iam::{}:role/{name}", self.account),
            "CreateDate": "2025-01-15T10:00:00Z",
            "AssumeRolePolicyDocument": self.document(trust),
            "InstanceProfileList": [],
            "RolePolicyList": self.inline(inline),
            "AttachedManagedPolicies": Self::attached(attached),
            "Tags": [{"Key": "team", "Value": "orders"}],
            "RoleLastUsed": {},
        });
        if let Some(date) = last_used {
            role["RoleLastUsed"] = json!({"LastUsedDate": date, "Region": "us-east-1"});
        }
        self.roles.push(role);
    }

    fn user(&mut self, name: &str, groups: Vec<String>, attached: Vec<String>) {
        let id = self.id("AIDA");
        self.users.push(json!({
            "Path": "/",
            "UserName": name,
            "UserId": id,
            "Arn": format!("arn:aws:iam::{}:user/{name}", self.account),
            "CreateDate": "2025-02-01T09:00:00Z",
            "UserPolicyList": [],
            "GroupList": groups,
            "AttachedManagedPolicies": Self::attached(attached),
            "Tags": [],
        }));
    }

    fn group(&mut self, name: &str, inline: Vec<(String, Value)>, attached: Vec<String>) {
        let id = self.id("AGPA");
        let group = json!({
            "Path": "/",
            "GroupName": name,
            "GroupId": id,
            "Arn": format!("arn:aws:iam::{}:group/{name}", self.account),
            "CreateDate": "2025-02-01T09:00:00Z",
            "GroupPolicyList": self.inline(inline),
            "AttachedManagedPolicies": Self::attached(attached),
        });
        self.groups.push(group);
    }

    fn managed_policy(&mut self, name: &str, arn: &str, default: Value, old: Option<Value>) {
        let id = self.id("ANPA");
        let mut versions = vec![
            json!({"Document": self.document(default), "VersionId": "v2",
            "IsDefaultVersion": true, "CreateDate": "2025-03-01T00:00:00Z"}),
        ];
        if let Some(old) = old {
            versions.push(json!({"Document": self.document(old), "VersionId": "v1",
                "IsDefaultVersion": false, "CreateDate": "2025-01-01T00:00:00Z"}));
        }
        self.policies.push(json!({
            "PolicyName": name,
            "PolicyId": id,
            "Arn": arn,
            "Path": "/",
            "DefaultVersionId": "v2",
            "AttachmentCount": 1,
            "PermissionsBoundaryUsageCount": 0,
            "IsAttachable": true,
            "CreateDate": "2025-01-01T00:00:00Z",
            "UpdateDate": "2025-03-01T00:00:00Z",
            "PolicyVersionList": versions,
        }));
    }

    fn finish(self) -> String {
        let dump = json!({
            "UserDetailList": self.users,
            "GroupDetailList": self.groups,
            "RoleDetailList": self.roles,
            "Policies": self.policies,
            "IsTruncated": false,
        });
        let mut text = serde_json::to_string_pretty(&dump).unwrap();
        text.push('\n');
        text
    }
}

/// RFC 3986 percent-encoding of everything but unreserved characters, as
/// the IAM API returns policy documents.
pub fn url_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 2);
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}
