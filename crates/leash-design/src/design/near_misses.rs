//! Near misses: the requests next to each need (other action, other
//! resource, other log group, other source) that the design must deny.

use super::*;

/// Whether the source of a need lets the design grant `action`: a need
/// read from a SAM policy template gets the curated actions of its level
/// that the template itself grants, never more (`DynamoDBReadPolicy` has no
/// `dynamodb:ConditionCheckItem`, which the curated `read` level has), so
/// the design stays inside the template's own IAM. The template's actions
/// come from SAM's data (`leash_iac::sam_policy_templates`).
pub(crate) fn within_source(source: &NeedSource, action: &str) -> bool {
    let NeedSource::SamPolicyTemplate { name } = source else {
        return true;
    };
    let Some(template) = leash_iac::sam_policy_templates::policy_template(name) else {
        return true;
    };
    let statements = template
        .definition
        .get("Statement")
        .and_then(leash_policy::Value::as_array)
        .unwrap_or(&[]);
    statements.iter().any(|statement| {
        statement
            .get("Effect")
            .and_then(leash_policy::Value::as_str)
            == Some("Allow")
            && statement.get("Action").is_some_and(|value| {
                let patterns = match value.as_array() {
                    Some(items) => items
                        .iter()
                        .filter_map(leash_policy::Value::as_str)
                        .collect(),
                    None => value.as_str().into_iter().collect::<Vec<_>>(),
                };
                patterns.into_iter().any(|pattern| {
                    leash_policy::matching::WildcardPattern::new(
                        pattern,
                        leash_policy::matching::CaseMode::Insensitive,
                    )
                    .is_match(action)
                })
            })
    })
}

/// Near misses on other resources are generated for at most this many
/// resources of each kind (and other functions' log groups), in template
/// order: each shows that the grant is scoped to its own ARN, and more of
/// them only repeat the point while the checks grow with functions times
/// resources (a 100-function template had 57,000 checks; see
/// docs/benchmarks.md).
pub(super) const OTHERS_PER_KIND: usize = 3;

pub(super) type PlannedCheck = (CheckKind, String, String, Vec<(String, String)>, bool);

/// Planned near misses with an index of (action, resource) pairs, so that
/// "already planned?" is a lookup: with a hundred functions a role gets
/// hundreds of near misses, and a scan per insertion dominated `design`.
/// The index is by action, then resource, so that a lookup borrows its
/// strings rather than copying them.
#[derive(Default)]
pub(super) struct PlannedChecks {
    list: Vec<PlannedCheck>,
    planned: std::collections::HashMap<String, std::collections::HashSet<String>>,
}

impl PlannedChecks {
    fn push(&mut self, check: PlannedCheck) {
        match self.planned.get_mut(check.1.as_str()) {
            Some(resources) => {
                resources.insert(check.2.clone());
            }
            None => {
                self.planned
                    .insert(check.1.clone(), [check.2.clone()].into_iter().collect());
            }
        }
        self.list.push(check);
    }

    fn has(&self, action: &str, resource: &str) -> bool {
        self.planned
            .get(action)
            .is_some_and(|resources| resources.contains(resource))
    }
}

/// Requests the design must deny: other actions on the function's
/// resources, its actions on resources it does not need (the other
/// functions' and look-alike names), objects outside its prefix, other log
/// groups.
pub(super) fn near_misses(
    app: &Application,
    function: &Function,
    arns: &Arns<'_>,
    grants: &BTreeMap<Key, BTreeMap<String, (Vec<String>, String)>>,
) -> Vec<PlannedCheck> {
    let mut checks = PlannedChecks::default();
    // Resources by logical id: `Application::resource` is a scan, and this
    // function looks up every need of every function.
    let by_id: std::collections::HashMap<&str, &AppResource> = app
        .resources
        .iter()
        .map(|r| (r.logical_id.as_str(), r))
        .collect();
    let resource_of = |id: &str| by_id.get(id).copied();
    // Action names are case-insensitive in IAM (`DynamoDB:PutItem` is
    // `dynamodb:PutItem`): https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html
    let granted = |action: &str, resource: &str| {
        grants.iter().any(|((arn, _), actions)| {
            actions.keys().any(|a| a.eq_ignore_ascii_case(action)) && arn_covers(arn, resource)
        })
    };
    for need in &function.needs {
        let Some(resource) = resource_of(&need.resource) else {
            continue;
        };
        let main_scope = primary_scope(resource.kind);
        let arn = arns.of(resource, main_scope, None);
        for action in never_granted(resource.kind) {
            // A statement of the template may list one (`dynamodb:Scan`):
            // then it is granted on purpose, not a near miss.
            if granted(action, &arn) || checks.has(action, &arn) {
                continue;
            }
            checks.push((
                CheckKind::OtherActionSameResource,
                (*action).to_string(),
                arn.clone(),
                Vec::new(),
                false,
            ));
        }
        // Actions of the table that other access levels grant, not granted here.
        for access in [
            Access::Read,
            Access::Write,
            Access::Delete,
            Access::ReadWrite,
            Access::Put,
            Access::Publish,
            Access::Consume,
            Access::Invoke,
        ] {
            for row in entries(resource.kind, access) {
                let example = arns.example(resource, row.scope, need.prefix.as_deref());
                for action in row.actions {
                    if !granted(action, &example) && !checks.has(action, &example) {
                        checks.push((
                            CheckKind::OtherActionSameResource,
                            (*action).to_string(),
                            example.clone(),
                            Vec::new(),
                            false,
                        ));
                    }
                }
            }
        }
        if let Some(prefix) = &need.prefix {
            // The same object action outside the prefix.
            let outside = format!(
                "arn:aws:s3:::{}/not-{}example-object",
                resource.name, prefix
            );
            let object_actions: Vec<String> = if need.access == Access::Listed {
                if need.scope == Some(Scope::Objects) {
                    need.actions.clone()
                } else {
                    Vec::new()
                }
            } else {
                entries(resource.kind, need.access)
                    .iter()
                    .filter(|row| row.scope == Scope::Objects)
                    .flat_map(|row| row.actions.iter().map(|a| (*a).to_string()))
                    .collect()
            };
            for action in object_actions {
                // Another need may grant the whole bucket: then it is no near miss.
                if !granted(&action, &outside) {
                    checks.push((
                        CheckKind::SameActionOtherResource,
                        action,
                        outside.clone(),
                        Vec::new(),
                        false,
                    ));
                }
            }
        }
        if need.access == Access::Read && resource.kind == ResourceKind::Table && !need.index {
            let example = arns.example(resource, Scope::TableIndexes, None);
            if !granted("dynamodb:Query", &example) {
                checks.push((
                    CheckKind::OtherActionSameResource,
                    "dynamodb:Query".into(),
                    example,
                    Vec::new(),
                    false,
                ));
            }
        }
    }
    // Each granted action on resources of the same kind the function does
    // not need, and on a look-alike name.
    // The resources the function needs, looked up once: with many
    // functions and resources, looking them up per check dominated `design`.
    let needed: Vec<&AppResource> = function
        .needs
        .iter()
        .filter_map(|n| resource_of(&n.resource))
        .collect();
    let needed_ids: std::collections::HashSet<&str> =
        function.needs.iter().map(|n| n.resource.as_str()).collect();
    // The ARN of each scope of each needed resource, built once for all
    // the grants.
    let scope_arns: Vec<Vec<String>> = needed
        .iter()
        .map(|r| {
            crate::access::scopes(r.kind)
                .iter()
                .map(|scope| arns.of(r, *scope, None))
                .collect()
        })
        .collect();
    for ((arn, _), actions) in grants {
        // The same ARN with another resource of the kind it names in place
        // of the one it names.
        // Only kinds of the needed resources this ARN names can be swapped
        // in (checked once per grant rather than per other resource).
        let named_kinds: Vec<ResourceKind> = needed
            .iter()
            .zip(&scope_arns)
            .filter(|(r, scoped)| arn_names(arn, r) || scoped.iter().any(|a| a == arn))
            .map(|(r, _)| r.kind)
            .collect();
        let other_arns: Vec<String> = app
            .resources
            .iter()
            .filter(|other| {
                named_kinds.contains(&other.kind) && !needed_ids.contains(other.logical_id.as_str())
            })
            .filter_map(|other| replace_name_in(arn, arns, &needed, other))
            .take(OTHERS_PER_KIND)
            .collect();
        for action in actions.keys() {
            for other_arn in &other_arns {
                checks.push((
                    CheckKind::SameActionOtherResource,
                    action.clone(),
                    other_arn.clone(),
                    Vec::new(),
                    false,
                ));
            }
            if !arn.contains(":logs:") {
                let look_alike = look_alike(arn);
                if !granted(action, &look_alike) {
                    checks.push((
                        CheckKind::SameActionOtherResource,
                        action.clone(),
                        look_alike,
                        Vec::new(),
                        false,
                    ));
                }
            }
        }
    }
    // What the template's IAM granted but the declared needs do not ask for
    // (the roadmap's shared role: `create-order` may not `dynamodb:Scan`).
    for need in &function.superseded {
        let Some(resource) = resource_of(&need.resource) else {
            continue;
        };
        let rows: Vec<(Scope, Vec<String>)> = match (need.access, need.scope) {
            (Access::Listed, Some(scope)) => vec![(scope, need.actions.clone())],
            _ => entries(resource.kind, need.access)
                .into_iter()
                .filter(|row| row.scope != Scope::TableIndexes || need.index)
                .map(|row| {
                    (
                        row.scope,
                        row.actions.iter().map(|a| (*a).to_string()).collect(),
                    )
                })
                .collect(),
        };
        for (scope, actions) in rows {
            let example = arns.example(resource, scope, need.prefix.as_deref());
            for action in actions {
                if granted(&action, &example) || checks.has(&action, &example) {
                    continue;
                }
                checks.push((
                    CheckKind::Superseded,
                    action,
                    example.clone(),
                    Vec::new(),
                    false,
                ));
            }
        }
    }
    // What the other functions may do on resources this one does not need
    // (on at most `OTHERS_PER_KIND` of them per kind).
    let mut sampled: BTreeMap<ResourceKind, Vec<&str>> = BTreeMap::new();
    // Many functions share a need (same resource, access and prefix): its
    // requests are planned the first time, and every later visit only
    // rebuilt the same example ARNs to find them planned, which made this
    // loop grow with functions squared (see docs/benchmarks.md).
    let mut visited: std::collections::HashSet<(&str, Access, Option<&str>)> =
        std::collections::HashSet::new();
    for other in app
        .functions
        .iter()
        .filter(|f| f.logical_id != function.logical_id)
    {
        for need in &other.needs {
            let Some(resource) = resource_of(&need.resource) else {
                continue;
            };
            if needed_ids.contains(need.resource.as_str()) {
                continue;
            }
            let key = (
                resource.logical_id.as_str(),
                need.access,
                need.prefix.as_deref(),
            );
            if visited.contains(&key) {
                // Already chosen, and every request below already planned.
                continue;
            }
            let chosen = sampled.entry(resource.kind).or_default();
            if !chosen.contains(&resource.logical_id.as_str()) {
                if chosen.len() >= OTHERS_PER_KIND {
                    continue;
                }
                chosen.push(resource.logical_id.as_str());
            }
            visited.insert(key);
            for row in entries(resource.kind, need.access) {
                let example = arns.example(resource, row.scope, need.prefix.as_deref());
                for action in row.actions {
                    if !checks.has(action, &example) {
                        checks.push((
                            CheckKind::SameActionOtherResource,
                            (*action).to_string(),
                            example.clone(),
                            Vec::new(),
                            false,
                        ));
                    }
                }
            }
        }
    }
    // A function's own log group: another's, and deleting its own, are
    // denied. (Other principals get no log group of their own.)
    if function.kind == crate::model::PrincipalKind::Function {
        for other in app
            .functions
            .iter()
            // Functions that share the log group (`LoggingConfig.LogGroup`)
            // may write to it.
            .filter(|f| {
                f.logical_id != function.logical_id
                    && f.log_group_name() != function.log_group_name()
            })
            .take(OTHERS_PER_KIND)
        {
            let group = arns
                .log_group(&other.log_group_name())
                .replace(":*", ":log-stream:example");
            for action in LOG_ACTIONS {
                checks.push((
                    CheckKind::OtherLogGroup,
                    (*action).to_string(),
                    group.clone(),
                    Vec::new(),
                    false,
                ));
            }
        }
        let unrelated = arns
            .log_group(&format!("{}-other", function.log_group_name()))
            .replace(":*", ":log-stream:example");
        for action in LOG_ACTIONS {
            checks.push((
                CheckKind::OtherLogGroup,
                (*action).to_string(),
                unrelated.clone(),
                Vec::new(),
                false,
            ));
        }
        checks.push((
            CheckKind::OtherActionSameResource,
            "logs:DeleteLogGroup".into(),
            arns.log_group(&function.log_group_name()),
            Vec::new(),
            false,
        ));
    }
    checks.list
}

pub(super) fn primary_scope(kind: ResourceKind) -> Scope {
    match kind {
        ResourceKind::Table => Scope::Table,
        ResourceKind::Bucket => Scope::Bucket,
        ResourceKind::Queue => Scope::Queue,
        ResourceKind::Topic => Scope::Topic,
        ResourceKind::Function => Scope::Function,
        ResourceKind::Stream => Scope::Stream,
        ResourceKind::StateMachine => Scope::StateMachine,
        ResourceKind::Secret => Scope::Secret,
        ResourceKind::Parameter => Scope::Parameter,
        ResourceKind::LogGroup => Scope::LogStreams,
        ResourceKind::EventBus => Scope::EventBus,
        ResourceKind::Key => Scope::Key,
    }
}

/// The granted ARN with the resource name swapped for `other`'s, when
/// `other` is of the kind the ARN names.
pub(super) fn replace_name_in(
    arn: &str,
    arns: &Arns<'_>,
    needed: &[&AppResource],
    other: &AppResource,
) -> Option<String> {
    // An ARN that is exactly a scope of a resource the function uses: the
    // same scope of `other`.
    for owner in needed.iter().filter(|r| r.kind == other.kind) {
        for scope in crate::access::scopes(owner.kind) {
            if arns.of(owner, *scope, None) == arn {
                return Some(arns.example(other, *scope, None));
            }
        }
    }
    let owner = needed
        .iter()
        .find(|r| r.kind == other.kind && arn_names(arn, r))?;
    let arn = arn.replacen(&format!("/{}", owner.name), &format!("/{}", other.name), 1);
    let arn = arn.replacen(
        &format!(":::{}", owner.name),
        &format!(":::{}", other.name),
        1,
    );
    let arn = arn.replacen(
        &format!(":function:{}", owner.name),
        &format!(":function:{}", other.name),
        1,
    );
    let arn = if matches!(other.kind, ResourceKind::Queue | ResourceKind::Topic) {
        // A queue's or topic's resource part is its name.
        let renamed = Arn::parse(&arn)
            .ok()
            .and_then(|parsed| parsed.with(ArnSegment::Resource, &other.name))
            .map(|parsed| parsed.to_string());
        renamed.unwrap_or(arn)
    } else {
        arn
    };
    Some(arn.trim_end_matches('*').to_string() + if arn.ends_with('*') { "example" } else { "" })
}

pub(super) fn arn_names(arn: &str, resource: &AppResource) -> bool {
    let name = resource.name.as_str();
    // `arn` contains `before` immediately followed by `name` (without
    // building the joined string: this runs for every grant and resource).
    let contains_joined = |before: &str| {
        arn.match_indices(before)
            .any(|(at, _)| arn[at + before.len()..].starts_with(name))
    };
    let ends_joined = |before: &str| {
        arn.strip_suffix(name)
            .is_some_and(|rest| rest.ends_with(before))
    };
    contains_joined("table/")
        || contains_joined(":::")
        || ends_joined(":")
        || ends_joined(":function:")
}

/// The six characters Secrets Manager appends to a secret's name, for
/// concrete requests.
pub(super) const SECRET_SUFFIX: &str = "AbCdEf";

/// The ARN of a resource whose name extends the granted one
/// (`table/Orders` -> `table/Orders-archive`): catches a missing delimiter.
/// For a secret, `NAME-archive-AbCdEf`: the secret a `NAME-*` pattern
/// would also match.
pub(super) fn look_alike(arn: &str) -> String {
    if let Some(name) = arn.strip_suffix("-??????") {
        return format!("{name}-archive-{SECRET_SUFFIX}");
    }
    let base = arn.trim_end_matches('*').trim_end_matches('/');
    match arn.find("/index/").or_else(|| arn.find("/stream/")) {
        Some(position) => {
            format!("{}-archive{}", &arn[..position], &arn[position..]).replace('*', "example")
        }
        None if is_s3_object_arn(arn) => {
            let (bucket, key) = arn.split_once('/').unwrap_or((arn, ""));
            format!("{bucket}-archive/{}", key.replace('*', "example"))
        }
        None => format!("{base}-archive"),
    }
}

/// Whether `arn` names S3 objects (`arn:aws:s3:::BUCKET/KEY`).
pub(super) fn is_s3_object_arn(arn: &str) -> bool {
    Arn::parse(arn).is_ok_and(|parsed| {
        parsed.partition() == "aws"
            && parsed.service() == "s3"
            && parsed.region().is_empty()
            && parsed.account().is_empty()
            && parsed.resource().contains('/')
    })
}

/// Whether a policy resource pattern covers `resource`: `*` matches any
/// run of characters, `?` exactly one, as IAM's `Resource` matching does.
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html#reference_policies_elements_resource_wildcards
pub(super) fn arn_covers(pattern: &str, resource: &str) -> bool {
    // ASCII (every ARN the design builds): bytes are characters, and
    // nothing need be copied (this runs for every near miss and grant).
    if pattern.is_ascii() && resource.is_ascii() {
        return covers_units(pattern.as_bytes(), resource.as_bytes(), b'*', b'?');
    }
    let pattern: Vec<char> = pattern.chars().collect();
    let text: Vec<char> = resource.chars().collect();
    covers_units(&pattern, &text, '*', '?')
}

/// `arn_covers` on characters (or on bytes, for ASCII text).
fn covers_units<T: Copy + PartialEq>(pattern: &[T], text: &[T], any: T, one: T) -> bool {
    // Iterative matching with one backtrack point (the last `*`).
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some(c) if *c == any => {
                star = Some((p, t));
                p += 1;
            }
            Some(c) if *c == one || Some(c) == text.get(t) => {
                p += 1;
                t += 1;
            }
            _ => match star {
                Some((star_p, star_t)) => {
                    p = star_p + 1;
                    t = star_t + 1;
                    star = Some((star_p, star_t + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p.min(pattern.len())..].iter().all(|c| *c == any)
}
