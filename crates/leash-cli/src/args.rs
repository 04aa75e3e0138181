//! Every command and flag, defined once; `--help` is generated from here.

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// leash: least-privilege IAM for serverless AWS applications, offline.
#[derive(Parser, Debug)]
#[command(name = "leash", about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

impl Cli {
    /// Parses arguments, with a version string that names the embedded AWS
    /// catalog (read from constants: the catalog itself is not decoded).
    pub fn parse_with_version() -> Cli {
        let version: &'static str = Box::leak(
            format!(
                "{} (AWS catalog: {} {}, updated {})",
                env!("CARGO_PKG_VERSION"),
                leash_catalog::DATA_PACKAGE,
                leash_catalog::DATA_VERSION,
                leash_catalog::DATA_UPDATED
            )
            .into_boxed_str(),
        );
        let matches = Cli::command().version(version).get_matches();
        match Cli::from_arg_matches(&matches) {
            Ok(cli) => cli,
            Err(err) => err.exit(),
        }
    }
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Look up AWS actions in the embedded catalog, e.g. `s3:Get*`
    Action(ActionArgs),
    /// Lint IAM policies: syntax, unknown services, actions and condition keys
    Check(CheckArgs),
    /// Decide a request exactly as AWS would, and explain why
    Sim(Box<SimArgs>),
    /// Prove properties of policies exactly, with counterexample requests
    Prove(Box<ProveArgs>),
    /// Design one least-privilege role per Lambda function from a SAM/CloudFormation template
    Design(Box<DesignArgs>),
    /// Audit AWS accounts from `aws iam get-account-authorization-details` output
    Audit(Box<AuditArgs>),
    /// What principals did, from CloudTrail log files: IAM actions per principal and resource
    Usage(UsageArgs),
    /// What each function's handler code calls: SDK calls, IAM actions, template resources
    Needs(NeedsArgs),
}

#[derive(Args, Debug)]
pub struct NeedsArgs {
    /// SAM/CloudFormation templates; each function's code is read from its `CodeUri`. With several, the JSON calls name their template (`template`) and the text has a heading per template
    #[arg(required = true)]
    pub templates: Vec<std::path::PathBuf>,
    /// Print one JSON array of calls instead of a table per function
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct UsageArgs {
    /// CloudTrail log files (`*.json.gz` as delivered, or `*.json`), or folders of them such as `AWSLogs/` (searched recursively)
    #[arg(required_unless_present_any = ["from_aggregate", "emit_sql"])]
    pub paths: Vec<PathBuf>,
    /// Write the aggregate (JSON lines) to this file, atomically, instead of standard output
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Read an aggregate instead of (or besides) trail files: the JSON lines `leash usage` writes, or CloudTrail Lake / Athena results as CSV or JSON lines (shape in docs/usage.md); repeatable
    #[arg(long, value_name = "FILE")]
    pub from_aggregate: Vec<PathBuf>,
    /// Account authorization dumps (`aws iam get-account-authorization-details`) whose roles are compared with the aggregate: unused services, actions and resources per role; repeatable, folders searched for `*.json`
    #[arg(long, value_name = "DUMP")]
    pub policies: Vec<PathBuf>,
    /// With --policies: write a narrowed policy per role into this folder (`ACCOUNT/ROLE.json`), each proved to grant nothing the original did not and replayed against every observed row, with `report.md` and `refine.json`
    #[arg(long, value_name = "DIR", requires = "policies")]
    pub narrow: Option<PathBuf>,
    /// Print the aggregation as SQL for this engine instead of reading trails (`athena`: Amazon Athena / Trino over the CloudTrail table AWS documents)
    #[arg(long, value_enum, value_name = "ENGINE", conflicts_with_all = ["paths", "from_aggregate", "policies"])]
    pub emit_sql: Option<SqlEngine>,
    /// With --emit-sql: the CloudTrail table to query
    #[arg(
        long,
        value_name = "NAME",
        default_value = "cloudtrail_logs",
        requires = "emit_sql"
    )]
    pub table: String,
}

/// SQL engines `leash usage --emit-sql` writes for.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum SqlEngine {
    Athena,
}

#[derive(Args, Debug)]
pub struct AuditArgs {
    /// Dumps (`aws iam get-account-authorization-details` output, one file per account), or folders of them (searched recursively for `*.json`)
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Exit 1 when a finding is at or above this severity
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub fail_on: FailOn,
    /// Accounts roles may trust besides their own (comma-separated or repeated); other accounts in trust policies are reported
    #[arg(long, value_name = "ACCOUNT", value_delimiter = ',')]
    pub trusted_accounts: Vec<String>,
    /// Report roles not used for more than this many days (`RoleLastUsed`); 0: do not check
    #[arg(long, value_name = "DAYS", default_value_t = leash_lint::audit::DEFAULT_UNUSED_DAYS)]
    pub unused_days: u32,
    /// The date unused roles are measured from (ISO 8601); default: the newest date in each dump
    #[arg(long, value_name = "DATE")]
    pub now: Option<String>,
    /// Write a Markdown report per account into this folder (`ACCOUNT.md`, worst principals first)
    #[arg(long, value_name = "DIR")]
    pub report: Option<PathBuf>,
    /// The organization's SCPs and RCPs and the accounts they apply to (format in docs/audit.md)
    #[arg(long, value_name = "FILE")]
    pub organization: Option<PathBuf>,
    /// Suppressions file (default: `leash.toml` in the current folder, if any)
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct DesignArgs {
    /// The SAM or CloudFormation template (YAML or JSON), or a leash manifest (YAML with `leash-manifest: 1`)
    pub input: PathBuf,
    /// Directory to write the output files and report.md into (created if missing; files are never left half-written)
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Output format: `cfn` (template.designed.json: the whole template with the roles wired in, not an overlay; the default for a template), `json` (one IAM JSON file per role, concrete values only; the default for a manifest), `terraform` (main.tf.json: roles, role policies, Lambda permissions)
    #[arg(long, value_enum)]
    pub format: Option<DesignFormat>,
    /// The AWS account id; overrides `Metadata: leash: account` in the template (or `account` in a manifest)
    #[arg(long)]
    pub account: Option<String>,
    /// The AWS region; overrides `Metadata: leash: region` in the template (or `region` in a manifest)
    #[arg(long)]
    pub region: Option<String>,
    /// The stack name the template will be deployed as: the value of `AWS::StackName` (templates only)
    #[arg(long, value_name = "NAME")]
    pub stack_name: Option<String>,
    /// A template parameter's value, as `aws cloudformation deploy --parameter-overrides` takes it; overrides the parameter's `Default`; repeatable (templates only)
    #[arg(long = "parameter", value_name = "KEY=VALUE", value_parser = parse_parameter)]
    pub parameters: Vec<(String, String)>,
    /// Folder of AWS managed policy documents (`<PolicyName>.json`) to compare the template's managed policies with, before the ones built in (from leash-catalog)
    #[arg(long, value_name = "DIR")]
    pub managed_policies: Option<PathBuf>,
    /// `--format cfn`: how many days the log groups the design creates (one per function that has none) keep their events; one of CloudWatch Logs' values (1, 3, 5, 7, 14, 30, 60, 90, ... 3653); default 30
    #[arg(long, value_name = "DAYS", value_parser = parse_log_retention)]
    pub log_retention: Option<u16>,
    /// Exit 1 when a role keeps something of the template's IAM as is (leash cannot narrow it), for CI
    #[arg(long)]
    pub strict: bool,
}

/// `--log-retention DAYS`: one of the retention periods CloudWatch Logs
/// accepts.
fn parse_log_retention(text: &str) -> Result<u16, String> {
    let allowed = leash_design::model::LOG_RETENTION_DAYS;
    text.parse::<u16>()
        .ok()
        .filter(|days| allowed.contains(days))
        .ok_or_else(|| {
            let values: Vec<String> = allowed.iter().map(u16::to_string).collect();
            format!(
                "`{text}` is not a log retention CloudWatch Logs accepts: one of {}",
                values.join(", ")
            )
        })
}

/// `KEY=VALUE` of `--parameter`: the key is everything before the first
/// `=`, so a value may itself hold `=`.
fn parse_parameter(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((key, value)) if !key.is_empty() => Ok((key.to_string(), value.to_string())),
        Some(_) => Err(format!("`{text}` has no parameter name before `=`")),
        None => Err(format!(
            "`{text}` is not `KEY=VALUE` (a template parameter's name, `=`, its value)"
        )),
    }
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum DesignFormat {
    Json,
    Cfn,
    Terraform,
}

#[derive(Args, Debug)]
pub struct ActionArgs {
    /// An action or a pattern with `*` and `?`: `s3:GetObject`, `dynamodb:*Item`, `*:Describe*`
    /// (with `--sdk`: an SDK call, `dynamodb.put_item`)
    pub pattern: String,
    /// Look up an SDK call (`service.method`, e.g. `dynamodb.put_item`) and print its IAM actions
    #[arg(long)]
    pub sdk: bool,
    /// Print one JSON array instead of text
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// IAM policy JSON files, or folders (searched recursively for `*.json`)
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Exit 1 when a finding is at or above this severity
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub fail_on: FailOn,
    /// Suppressions file (default: `leash.toml` in the current folder, if any)
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// What kind of policy the policy files are (default: guessed from each policy); templates and plans give their own
    #[arg(long, value_enum)]
    pub kind: Option<PolicyKindArg>,
}

/// `leash check --kind`: the policy kinds a standalone file can be.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum PolicyKindArg {
    /// Attached to a user, group or role
    Identity,
    /// Attached to a resource (bucket, queue, topic, key, function, ...)
    Resource,
    /// A role trust policy
    Trust,
    /// An AWS Organizations service control policy
    Scp,
    /// An AWS Organizations resource control policy
    Rcp,
    /// A permissions boundary (identity-policy grammar)
    Boundary,
    /// A session policy (identity-policy grammar)
    Session,
}

impl PolicyKindArg {
    pub fn lint_kind(self) -> leash_lint::PolicyKind {
        use leash_lint::PolicyKind;
        match self {
            // Boundaries and session policies share the identity grammar
            // and checks: https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies.html
            PolicyKindArg::Identity | PolicyKindArg::Boundary | PolicyKindArg::Session => {
                PolicyKind::Identity
            }
            PolicyKindArg::Resource => PolicyKind::Resource,
            PolicyKindArg::Trust => PolicyKind::Trust,
            PolicyKindArg::Scp => PolicyKind::ServiceControl,
            PolicyKindArg::Rcp => PolicyKind::ResourceControl,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Human-readable, with source snippets
    Text,
    /// One JSON array of findings
    Json,
    /// SARIF 2.1.0, for code scanning (GitHub, GitLab, Azure DevOps)
    Sarif,
    /// GitHub Actions workflow annotations
    Github,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Info,
    Never,
}

#[derive(Args, Debug)]
#[command(group(clap::ArgGroup::new("input").required(true).args(["request", "batch", "action"])))]
pub struct SimArgs {
    /// A request file (JSON): principal, action, resource, context and policies
    #[arg(long, value_name = "FILE", conflicts_with = "batch")]
    pub request: Option<PathBuf>,
    /// One request per line (JSON Lines); prints one JSON result per line, in order
    #[arg(long, value_name = "FILE")]
    pub batch: Option<PathBuf>,
    /// Print the decision as JSON
    #[arg(long)]
    pub json: bool,
    /// Quick request: the action, e.g. `dynamodb:GetItem`
    #[arg(long, conflicts_with_all = ["request", "batch"])]
    pub action: Option<String>,
    /// Quick request: the resource ARN (default `*`)
    #[arg(long, requires = "action")]
    pub resource: Option<String>,
    /// Quick request: the caller's ARN (default a role in account 111122223333)
    #[arg(long, requires = "action")]
    pub principal: Option<String>,
    /// Quick request: the account that owns the resource
    #[arg(long, requires = "action")]
    pub resource_account: Option<String>,
    /// Quick request: an identity-based policy file (repeatable)
    #[arg(long, value_name = "FILE", requires = "action")]
    pub policy: Vec<PathBuf>,
    /// Quick request: a permissions boundary file
    #[arg(long, value_name = "FILE", requires = "action")]
    pub boundary: Option<PathBuf>,
    /// Quick request: a session policy file
    #[arg(long, value_name = "FILE", requires = "action")]
    pub session_policy: Option<PathBuf>,
    /// Quick request: the resource-based policy file
    #[arg(long, value_name = "FILE", requires = "action")]
    pub resource_policy: Option<PathBuf>,
    /// Quick request: an SCP file, all at one level (repeatable)
    #[arg(long, value_name = "FILE", requires = "action")]
    pub scp: Vec<PathBuf>,
    /// Quick request: a context key, `KEY=VALUE` (repeat a key for several values)
    #[arg(long, value_name = "KEY=VALUE", requires = "action")]
    pub context: Vec<String>,
}

#[derive(Args, Debug)]
pub struct ProveArgs {
    #[command(subcommand)]
    pub property: ProveProperty,
}

#[derive(Subcommand, Debug)]
pub enum ProveProperty {
    /// NEW allows no request that OLD denies (both identity policies, or both resource policies)
    NoNewAccess {
        /// The policy access is measured against
        old: PathBuf,
        /// The policy that must not allow more
        new: PathBuf,
        #[command(flatten)]
        output: ProveOutput,
    },
    /// The policy allows none of these actions on these resources, under any context or principal
    NotGranted {
        /// An identity policy, or a resource policy
        policy: PathBuf,
        /// Actions or patterns, e.g. `s3:Delete*` `iam:PassRole`
        #[arg(long = "action", value_name = "ACTION", required = true, num_args = 1..)]
        actions: Vec<String>,
        /// Resource ARNs or patterns, e.g. `arn:aws:s3:::bucket/*`
        #[arg(long = "resource", value_name = "ARN", required = true, num_args = 1..)]
        resources: Vec<String>,
        #[command(flatten)]
        output: ProveOutput,
    },
    /// The resource policy lets no principal outside the resource's account in
    NoPublicAccess {
        /// A resource policy (bucket, queue, topic, key, function, ...)
        policy: PathBuf,
        /// The resource's account; inferred from the policy's resource ARNs when omitted
        #[arg(long, value_name = "ID")]
        account: Option<String>,
        /// Callers of this organization (`aws:PrincipalOrgID`) are not outside
        #[arg(long, value_name = "ORG_ID")]
        org: Option<String>,
        #[command(flatten)]
        output: ProveOutput,
    },
    /// Which actions on which resources the identity policies allow, and under which conditions
    Summary {
        /// Identity policies of one principal (or role files written by `leash design`), taken together
        #[arg(required = true, num_args = 1..)]
        policies: Vec<PathBuf>,
        #[command(flatten)]
        output: SummaryOutput,
    },
}

#[derive(Args, Debug)]
pub struct SummaryOutput {
    /// Print one JSON object: `rows` (actions, resources, condition, witness request)
    #[arg(long)]
    pub json: bool,
    /// Give up (exit 2) after this many seconds
    #[arg(long, value_name = "SECONDS", default_value_t = 20)]
    pub timeout: u64,
}

#[derive(Args, Debug)]
pub struct ProveOutput {
    /// Print one JSON object: `holds` (true, false or null), `counterexample`, `reason`
    #[arg(long)]
    pub json: bool,
    /// Write the counterexample as a request file for `leash sim --request`
    #[arg(long, value_name = "FILE")]
    pub counterexample_out: Option<PathBuf>,
    /// Give up (answer unknown) after this many seconds
    #[arg(long, value_name = "SECONDS", default_value_t = 20)]
    pub timeout: u64,
}
