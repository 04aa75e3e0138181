//! `leash design` on the 268 real SAM templates of
//! `../shared/corpus/sam-templates` (issue 5's acceptance): no crash; each
//! template classified as modeled fully, partly or not, with a reason; for
//! every function of a fully-modeled template, every need allowed (the
//! design's own verification) and nothing granted that the template's own
//! IAM did not grant the same function (`no-new-access(original, designed)`
//! proved with leash-prove, managed policies read from
//! `../shared/corpus/aws-managed-policies`, counterexamples replayed
//! through the engine). Skipped, with a notice, when the corpus is absent.
//!
//! Run with `--nocapture` to see the counts and the templates per reason;
//! docs/design.md ("Corpus") records them.

#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use leash_design::original::{OriginalIam, managed_policy_name, original_iam_all};
use leash_design::{Application, Target, design, read_application, read_template};
use leash_policy::Policy;
use leash_policy::authz::{PolicySet, PreparedPolicySet};
use leash_policy::context::{Request, RequestContext};
use leash_policy::parse::parse_policy_bytes;
use leash_prove::domain::KeyValue;
use leash_prove::{Property, Verdict};

const ACCOUNT: &str = "111122223333";

fn corpus_dir(name: &str) -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpus")
        .join(name);
    dir.is_dir().then_some(dir)
}

/// AWS managed policies by name, read once.
fn managed_policies(dir: &Path) -> HashMap<String, Policy> {
    let mut policies = HashMap::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let Some(name) = path.file_stem().and_then(|s| s.to_str()) else {
            continue;
        };
        let parsed = parse_policy_bytes(&std::fs::read(&path).unwrap());
        if let Some(policy) = parsed.policy {
            policies.insert(name.to_string(), policy);
        }
    }
    policies
}

/// How well a template was modelled.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Modelled {
    Fully,
    Partly(String),
    Not(String),
}

/// A reason category for a model error (the message names a resource).
fn error_category(message: &str) -> String {
    if message.contains("only known at deployment") {
        DEPLOYMENT_ONLY.into()
    } else {
        format!("model error: {message}")
    }
}

/// A reason category for something a function's needs were not designed from.
fn ignored_category(text: &str) -> String {
    let text = text.trim();
    if text.contains("given by name or ARN")
        || (text.starts_with("managed policy") && text.contains("of execution role"))
    {
        "a managed policy by name or ARN".into()
    } else if text.contains("no documented mapping") {
        "a SAM policy template without an access mapping".into()
    } else if text.contains("its parameter names no") {
        "a SAM policy template on a resource outside the template".into()
    } else if text.contains("actions must be written out") {
        "an inline statement with wildcard actions".into()
    } else if text.contains("conditions, `NotAction`") {
        "an inline statement with a condition or NotAction/NotResource".into()
    } else if text.contains("is not a table, bucket, queue") {
        let resource = text
            .split("resource `")
            .nth(1)
            .and_then(|r| r.split('`').next())
            .unwrap_or("");
        let service = leash_policy::arn::Arn::parse(resource)
            .map(|arn| arn.service().as_str())
            .unwrap_or("");
        if resource == "*" {
            "a statement on `*`".into()
        } else if service == "logs" {
            "a statement on log groups (the design grants only its own)".into()
        } else if ["dynamodb", "s3", "sqs", "sns", "lambda"].contains(&service) {
            "a statement on a table, bucket, queue, topic or function outside the template (or a wildcard ARN)".into()
        } else {
            "a statement on a resource of a kind not modelled (Bedrock, EC2, SSM, Kinesis, ...)"
                .into()
        }
    } else if text.contains("not an `Allow`") {
        "an inline Deny statement".into()
    } else if text.contains("of type") && text.contains("not designed yet") {
        let kind = text.split('`').nth(3).unwrap_or("?").to_string();
        format!("an event of type {kind}")
    } else if text.contains("no listed action acts on") {
        "an inline statement whose actions do not act on its resource".into()
    } else if text.contains("its Queue is not") || text.contains("its Stream is not") {
        "an event source outside the template".into()
    } else {
        // Keep unknown texts whole so a new kind of reason shows up.
        text.to_string()
    }
}

/// A reason category for what a function keeps as is (or what its
/// declared needs supersede instead), in the words of `ignored_category`.
fn kept_category(reason: &leash_design::model::KeptReason) -> String {
    use leash_design::model::KeptReason as R;
    match reason {
        R::ManagedPolicy => "a managed policy by name or ARN".into(),
        R::SamTemplateUnmapped(_) => "a SAM policy template without an access mapping".into(),
        R::SamTemplateOutside(_) => {
            "a SAM policy template on a resource outside the template".into()
        }
        R::WildcardAction => "an inline statement with wildcard actions".into(),
        R::Condition | R::NotActionOrResource => {
            "an inline statement with a condition or NotAction/NotResource".into()
        }
        R::EveryResource => "a statement on `*`".into(),
        R::OutsideTemplate(arn) if arn.contains(":logs:") => {
            "a statement on log groups (the design grants only its own)".into()
        }
        R::OutsideTemplate(_) => "a statement on a table, bucket, queue, topic or function outside the template (or a wildcard ARN)".into(),
        R::NoAccessTable(_) => {
            "a statement on a resource of a kind not modelled (Bedrock, EC2, SSM, Kinesis, ...)"
                .into()
        }
        R::NotActing(_) => "an inline statement whose actions do not act on its resource".into(),
        R::Deny => "an inline Deny statement".into(),
        R::SamImplicit(_) => "a managed policy SAM attaches for what leash does not model".into(),
        R::SamTemplateBeyondLevel(_) => {
            "a SAM policy template statement beyond its access level".into()
        }
        R::LogsNotGranted => "a log statement where the design grants no log action".into(),
    }
}

/// Every reason category of a function: what it notes and what it keeps
/// as is or sees superseded, with the text of each.
fn function_reasons(function: &leash_design::model::Function) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = function
        .ignored
        .iter()
        .filter(|i| !is_informational(i))
        .map(|text| (ignored_category(text), text.clone()))
        .collect();
    out.extend(
        function
            .kept_as_is
            .iter()
            .chain(&function.superseded_kept)
            .map(|kept| {
                (
                    kept_category(&kept.reason),
                    format!("{}: {}", kept.origin, kept.reason.describe()),
                )
            }),
    );
    out
}

/// Every reason category of a template, with one example text each.
fn reasons(app: &Application) -> BTreeMap<String, String> {
    let mut reasons = BTreeMap::new();
    for function in &app.functions {
        for (category, text) in function_reasons(function) {
            reasons
                .entry(category)
                .or_insert_with(|| format!("`{}`: {text}", function.logical_id));
        }
    }
    reasons
}

/// Notes that do not leave anything undesigned: SAM itself ignores a
/// function's `Policies` when it sets `Role`
/// (<https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-resource-function.html#sam-function-role>),
/// so they grant nothing to design from; nor does an action the catalog
/// does not know (AWS grants nothing for it).
fn is_informational(text: &str) -> bool {
    text.contains("ignored, as SAM does") || text.contains("grants nothing and is left out")
}

fn classify(app: &Application) -> Modelled {
    if app.functions.is_empty() {
        return Modelled::Not("no Lambda functions".into());
    }
    let mut reasons: Vec<String> = app
        .functions
        .iter()
        .flat_map(|f| {
            function_reasons(f)
                .into_iter()
                .map(|(category, _)| category)
        })
        .collect();
    reasons.sort();
    reasons.dedup();
    match reasons.first() {
        None => Modelled::Fully,
        Some(first) => Modelled::Partly(first.clone()),
    }
}

/// The engine's decision on a counterexample, under `policy`.
fn engine_allows(
    policy: &Policy,
    principal: &str,
    counterexample: &leash_prove::Counterexample,
) -> bool {
    let mut context = RequestContext::new();
    for (key, value) in &counterexample.context {
        match value {
            KeyValue::Absent => {}
            KeyValue::Single(single) => context = context.with(key.clone(), single.clone()),
            KeyValue::Multiple(values) => {
                context = context.with_values(key.clone(), values.iter().cloned())
            }
        }
    }
    let request = Request::new(
        principal.to_string(),
        counterexample.action.clone(),
        counterexample.resource.clone(),
    )
    .with_context(context);
    PreparedPolicySet::new(&PolicySet::new().with_identity_policy("policy", policy.clone()))
        .evaluate(&request)
        .is_allowed()
}

/// `LEASH_CORPUS_VERBOSE=1` lists every template of every category.
fn verbose() -> bool {
    std::env::var_os("LEASH_CORPUS_VERBOSE").is_some()
}

#[derive(Default)]
struct Tally {
    by_class: BTreeMap<String, Vec<String>>,
    /// Every reason a template is partly modelled (a template may have several).
    by_reason: BTreeMap<String, Vec<String>>,
    functions_checked: usize,
    proofs: usize,
    unknown: Vec<String>,
    violations: Vec<String>,
    unverified: Vec<String>,
    approximated: Vec<String>,
    missing_managed: Vec<String>,
}

#[test]
fn design_on_the_sam_corpus() {
    let (Some(templates_dir), Some(managed_dir)) = (
        corpus_dir("sam-templates"),
        corpus_dir("aws-managed-policies"),
    ) else {
        // A skip in CI would hide the test: there it fails.
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true and ../shared/corpus is absent: the corpus test cannot run"
        );
        eprintln!("skipped: ../shared/corpus is absent");
        return;
    };
    let managed = managed_policies(&managed_dir);
    let lookup = |arn: &str| managed.get(managed_policy_name(arn)).cloned();
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&templates_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    paths.sort();
    assert_eq!(paths.len(), 268, "the corpus changed");

    // No option at all, as a new user runs it: the account, the region,
    // the stack name and every parameter are the template's symbols.
    let target = Target::default();
    let mut tally = Tally::default();
    for path in &paths {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let text = std::fs::read_to_string(path).unwrap();
        let class = model_template(&name, &text, &target, &lookup, &mut tally);
        tally.record(name, &class);
    }

    tally.print(paths.len());
    tally.assert_verified_and_proved();

    // Nothing is refused for a value known only at deployment.
    assert!(
        !tally
            .by_class
            .keys()
            .any(|class| class.contains(DEPLOYMENT_ONLY)),
        "templates refused for a name only known at deployment"
    );
}

/// What `error_category` calls a name only known at deployment.
const DEPLOYMENT_ONLY: &str = "a resource name only known at deployment";

/// Reads, designs and classifies one template, checking its designs into
/// `tally`.
fn model_template(
    name: &str,
    text: &str,
    target: &Target,
    lookup: &dyn Fn(&str) -> Option<Policy>,
    tally: &mut Tally,
) -> Modelled {
    match read_template(text) {
        Err(error) => Modelled::Not(format!("unreadable: {error}")),
        Ok(template) => match read_application(&template, target) {
            Err(error) => Modelled::Not(error_category(&error.to_string())),
            Ok(app) => {
                let roles = design(&app);
                let class = classify(&app);
                match roles {
                    Err(error) => Modelled::Not(format!("design error: {error}")),
                    Ok(roles) => {
                        for (reason, example) in reasons(&app) {
                            tally
                                .by_reason
                                .entry(reason)
                                .or_default()
                                .push(format!("{name} {example}"));
                        }
                        // Partly modeled designs too must verify and
                        // lint clean: what is designed is designed right.
                        for role in &roles {
                            let other = &role.lint_findings;
                            if !other.is_empty() || (class != Modelled::Fully && !role.verified()) {
                                tally.unverified.push(format!(
                                    "{name} `{}`: verified {}, lint {:?}",
                                    role.function,
                                    role.verified(),
                                    other
                                ));
                            }
                        }
                        if class == Modelled::Fully {
                            check_against_original(name, &template, &app, &roles, lookup, tally);
                        }
                        class
                    }
                }
            }
        },
    }
}

impl Tally {
    fn record(&mut self, name: String, class: &Modelled) {
        let key = match class {
            Modelled::Fully => "fully".to_string(),
            // A template may have several reasons: they are counted apart.
            Modelled::Partly(_) => "partly".to_string(),
            Modelled::Not(reason) => format!("not: {reason}"),
        };
        self.by_class.entry(key).or_default().push(name);
    }

    fn print(&self, templates: usize) {
        let tally = self;
        let count = |prefix: &str| -> usize {
            tally
                .by_class
                .iter()
                .filter(|(k, _)| k.starts_with(prefix))
                .map(|(_, v)| v.len())
                .sum()
        };
        println!(
            "modeled fully: {}, partly: {}, not: {} (of {})",
            count("fully"),
            count("partly"),
            count("not"),
            templates
        );
        for (class, names) in &tally.by_class {
            println!("{:4}  {class}", names.len());
            for name in names.iter().take(if verbose() { usize::MAX } else { 4 }) {
                println!("        {name}");
            }
        }
        println!("templates per reason (a template may have several):");
        for (reason, examples) in &tally.by_reason {
            println!("{:4}  {reason}", examples.len());
            for example in examples.iter().take(if verbose() { usize::MAX } else { 3 }) {
                println!("        {example}");
            }
        }
        println!(
            "functions checked against their original IAM: {}, proofs: {}, unknown: {}",
            tally.functions_checked,
            tally.proofs,
            tally.unknown.len()
        );
        println!(
            "originals approximated (an intrinsic only known at deployment): {}",
            tally.approximated.len()
        );
        for line in &tally.approximated {
            println!("  {line}");
        }
        println!(
            "managed policies missing from the corpus: {:?}",
            tally.missing_managed
        );
        for line in &tally.unknown {
            println!("unknown: {line}");
        }
        for line in tally.unverified.iter().chain(&tally.violations) {
            println!("{line}");
        }
    }

    /// Every design verifies and lints clean (an action the catalog does
    /// not know is left out, not copied), and every fully-modeled one is
    /// proved inside the template's own IAM.
    fn assert_verified_and_proved(&self) {
        let tally = self;
        assert!(
            tally.unverified.is_empty(),
            "designs whose own verification fails:\n{}",
            tally.unverified.join("\n")
        );
        assert!(
            tally.violations.is_empty(),
            "{} designed roles grant what the template did not:\n{}",
            tally.violations.len(),
            tally.violations.join("\n")
        );
        assert!(tally.unknown.is_empty(), "undecided proofs");
    }
}

fn check_against_original(
    name: &str,
    template: &leash_design::Template,
    app: &Application,
    roles: &[leash_design::RoleDesign],
    lookup: &dyn Fn(&str) -> Option<Policy>,
    tally: &mut Tally,
) {
    let originals: Vec<OriginalIam> = original_iam_all(template, app);
    for (role, original) in roles.iter().zip(&originals) {
        assert_eq!(role.function, original.function);
        tally.functions_checked += 1;
        if !role.verified() {
            let failed: Vec<String> = role
                .verification
                .iter()
                .filter(|c| !c.passed)
                .map(|c| {
                    format!(
                        "    {} {} {} ({})",
                        c.kind.as_str(),
                        c.action,
                        c.resource,
                        c.why
                    )
                })
                .collect();
            tally.unverified.push(format!(
                "{name} `{}`:\n{}",
                role.function,
                failed.join("\n")
            ));
        }
        for unresolved in &original.unresolved {
            tally
                .approximated
                .push(format!("{name} `{}`: {unresolved}", role.function));
        }
        let combined = original.combined(lookup);
        for missing in &combined.missing {
            if !tally.missing_managed.contains(missing) {
                tally.missing_managed.push(missing.clone());
            }
        }
        let designed = role.permissions_policy.policy().clone();
        let mut olds = vec![("the template's IAM", combined.policy.clone())];
        olds.extend(
            combined
                .boundaries
                .iter()
                .map(|b| ("the template's permissions boundary", b.clone())),
        );
        for (what, old) in olds {
            tally.proofs += 1;
            let property = Property::NoNewAccess {
                old: old.clone(),
                new: designed.clone(),
            };
            match leash_prove::prove(&property).map(|p| p.verdict) {
                Ok(Verdict::Holds) => {}
                Ok(Verdict::DoesNotHold(counterexample)) => {
                    let principal = format!("arn:aws:iam::{ACCOUNT}:role/{}", role.role_name);
                    tally.violations.push(format!(
                        "{name} `{}`: designed allows, {what} does not (engine: designed {}, original {}):\n{}  original origins: {:?}, managed: {:?}",
                        role.function,
                        if engine_allows(&designed, &principal, &counterexample) { "allow" } else { "deny" },
                        if engine_allows(&old, &principal, &counterexample) { "allow" } else { "deny" },
                        counterexample.describe(),
                        original.policies.iter().map(|p| p.origin.as_str()).collect::<Vec<_>>(),
                        original.managed,
                    ));
                }
                Ok(Verdict::Unknown(reason)) => tally.unknown.push(format!(
                    "{name} `{}` against {what}: {reason}",
                    role.function
                )),
                Err(error) => tally.unknown.push(format!(
                    "{name} `{}` against {what}: {error}",
                    role.function
                )),
            }
        }
    }
}

/// The managed policies `limit_log_actions` trusts to let a function write
/// its logs do, per their documents in the corpus (decided by the engine).
#[test]
fn log_writing_managed_policies_allow_writing_logs() {
    let Some(managed_dir) = corpus_dir("aws-managed-policies") else {
        // A skip in CI would hide the test: there it fails.
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true and ../shared/corpus is absent: the corpus test cannot run"
        );
        eprintln!("skipped: ../shared/corpus is absent");
        return;
    };
    let managed = managed_policies(&managed_dir);
    let stream = "arn:aws:logs:us-east-1:111122223333:log-group:/aws/lambda/f:log-stream:2026/01/01/[$LATEST]x";
    for name in leash_design::original::LOG_WRITING_MANAGED_POLICIES {
        let policy = managed
            .get(*name)
            .unwrap_or_else(|| panic!("{name} is not in the corpus"));
        let prepared =
            PreparedPolicySet::new(&PolicySet::new().with_identity_policy(*name, policy.clone()));
        for action in ["logs:CreateLogStream", "logs:PutLogEvents"] {
            let request = Request::new(
                format!("arn:aws:iam::{ACCOUNT}:role/r"),
                action.to_string(),
                stream.to_string(),
            );
            assert!(
                prepared.evaluate(&request).is_allowed(),
                "{name} does not allow {action}"
            );
        }
    }
}

/// The managed policies `limit_lambda_needs` trusts to grant Lambda's own
/// needs do grant each listed action, per their documents in the corpus
/// (decided by the engine, on a resource in the account and on `*`).
#[test]
fn lambda_need_managed_policies_allow_their_actions() {
    let Some(managed_dir) = corpus_dir("aws-managed-policies") else {
        // A skip in CI would hide the test: there it fails.
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true and ../shared/corpus is absent: the corpus test cannot run"
        );
        eprintln!("skipped: ../shared/corpus is absent");
        return;
    };
    let managed = managed_policies(&managed_dir);
    for (name, actions) in leash_design::original::LAMBDA_NEED_MANAGED_POLICIES {
        let policy = managed
            .get(*name)
            .unwrap_or_else(|| panic!("{name} is not in the corpus"));
        let prepared =
            PreparedPolicySet::new(&PolicySet::new().with_identity_policy(*name, policy.clone()));
        for action in *actions {
            for resource in [
                "*",
                "arn:aws:ec2:us-east-1:111122223333:network-interface/eni-0example",
            ] {
                let request = Request::new(
                    format!("arn:aws:iam::{ACCOUNT}:role/r"),
                    action.to_string(),
                    resource.to_string(),
                );
                assert!(
                    prepared.evaluate(&request).is_allowed(),
                    "{name} does not allow {action} on {resource}"
                );
            }
        }
    }
}
