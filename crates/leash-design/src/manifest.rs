//! The leash application manifest: a YAML file that describes a serverless
//! application from scratch (where it runs, its tables, buckets, queues,
//! topics and functions, its APIs' routes, and what each function needs),
//! read into the same [`Application`] the template reader produces, so one
//! designer serves both. The format is documented in docs/design.md and by
//! the JSON Schema `schemas/leash-manifest.schema.json`.
//!
//! A manifest is told from a template by its required top-level key
//! `leash-manifest: 1`, which no CloudFormation template has (a template's
//! top-level keys are CloudFormation's own, all capitalized).
//!
//! Not for: templates (`model`), turning needs into policies (`design`).
//!
//! The reader is strict: unknown keys, duplicate keys and names that AWS
//! would reject are errors with the span of the offending value, so a typo
//! never silently drops a need.

use std::collections::BTreeMap;
use std::collections::BTreeSet;

use leash_policy::{Member, Span, Value, ValueKind};

use crate::model::{
    ApiRoute, AppResource, Application, DesignOptions, EncryptionKey, Function, ModelError,
    NeedSource, ResourceKind, Target, error_at, read_declared_need,
};

/// The top-level key that makes a YAML file a leash manifest.
pub const MANIFEST_KEY: &str = "leash-manifest";

/// The manifest format version this reader understands.
pub const MANIFEST_VERSION: &str = "1";

/// Whether a document tree is a leash manifest (has [`MANIFEST_KEY`]).
pub fn is_manifest(root: &Value) -> bool {
    root.get(MANIFEST_KEY).is_some()
}

/// Whether `text` reads as YAML with the manifest key at the top. Text that
/// is not YAML is not a manifest (the template reader reports its error).
pub fn is_manifest_text(text: &str) -> bool {
    // The key is written out, or spelled with escapes in a double-quoted
    // key (`"leash\u002dmanifest"`): text with neither is no manifest,
    // and a template need not be parsed twice to tell.
    if !text.contains(MANIFEST_KEY) && !text.contains('\\') {
        return false;
    }
    leash_iac::yaml::parse_yaml(text).is_ok_and(|root| is_manifest(&root))
}

/// Reads a manifest's text into the application model. `target` overrides
/// the manifest's `account` and `region`, as it does a template's.
pub fn read_manifest(text: &str, target: &Target) -> Result<Application, ModelError> {
    // A manifest names its resources outright: nothing in it is resolved.
    if target.stack_name.is_some() || !target.parameters.is_empty() {
        return Err(ModelError::TargetForManifest);
    }
    let root = leash_iac::yaml::parse_yaml(text)
        .map_err(|e| error_at(e.span, format!("not a manifest: {}", e.message)))?;
    application_from_manifest(&root, target)
}

const TOP_LEVEL_KEYS: &[&str] = &[
    MANIFEST_KEY,
    "account",
    "region",
    "tables",
    "buckets",
    "queues",
    "topics",
    "functions",
    "state-machines",
    "pipes",
    "schedules",
    "api-integrations",
    "apis",
    "permissions-boundary",
    "consumers",
];

/// Reads a manifest's document tree into the application model.
pub fn application_from_manifest(root: &Value, target: &Target) -> Result<Application, ModelError> {
    mapping(root, "the manifest", Some(TOP_LEVEL_KEYS))?;
    let version = root
        .get(MANIFEST_KEY)
        .ok_or_else(|| error_at(root.span, format!("the manifest has no `{MANIFEST_KEY}`")))?;
    if scalar_text(version) != Some(MANIFEST_VERSION) {
        return Err(error_at(
            version.span,
            format!("`{MANIFEST_KEY}` must be {MANIFEST_VERSION} (the only version there is)"),
        ));
    }
    let account = match &target.account {
        Some(account) => account.clone(),
        None => match root.get("account") {
            // YAML reads unquoted digits as a number, and would drop a
            // leading zero of the account id on the way to JSON.
            Some(value) if matches!(value.kind, ValueKind::Number(_)) => {
                return Err(error_at(
                    value.span,
                    "the account is not 12 digits in quotes: quote it, YAML reads unquoted digits as a number".into(),
                ));
            }
            _ => required_string(root, "account", "the manifest")?.to_string(),
        },
    };
    if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
        let span = root.get("account").map_or(root.span, |v| v.span);
        return Err(error_at(
            span,
            format!(
                "the account `{account}` is not 12 digits (quote it: YAML reads unquoted digits as a number)"
            ),
        ));
    }
    let region = match &target.region {
        Some(region) => region.clone(),
        None => {
            let region = required_string(root, "region", "the manifest")?;
            if !is_region(region) {
                return Err(error_at(
                    field_span(root, "region"),
                    format!("`{region}` is not a region name such as `us-west-2`"),
                ));
            }
            region.to_string()
        }
    };

    let mut resources: Vec<AppResource> = Vec::new();
    let mut add = |resource: AppResource, span: Span| {
        if resources
            .iter()
            .any(|r| r.logical_id == resource.logical_id)
        {
            return Err(error_at(
                span,
                format!(
                    "`{}` is declared twice; names must be unique across tables, buckets, queues, topics, functions and state machines",
                    resource.logical_id
                ),
            ));
        }
        resources.push(resource);
        Ok(())
    };
    for member in section(root, "tables")? {
        add(read_table(member)?, member.key.span)?;
    }
    for member in section(root, "buckets")? {
        let at = format!("bucket `{}`", member.key.node);
        mapping(&member.value, &at, Some(&["kms-key", "policy"]))?;
        check_name(member, ResourceKind::Bucket)?;
        let mut bucket = AppResource::new(&member.key.node, ResourceKind::Bucket, &member.key.node);
        if let Some(key) = member.value.get("kms-key") {
            bucket.encryption_key = Some(EncryptionKey {
                resource: None,
                key: crate::options::read_kms_key(key, &at)?,
            });
        }
        if let Some(policy) = member.value.get("policy") {
            bucket.bucket_policy = Some(crate::options::read_bucket_policy(policy, &at)?);
        }
        add(bucket, member.key.span)?;
    }
    for (key, kind) in [
        ("queues", ResourceKind::Queue),
        ("topics", ResourceKind::Topic),
    ] {
        for member in section(root, key)? {
            let at = format!("{} `{}`", kind.as_str(), member.key.node);
            mapping(&member.value, &at, Some(&[]))?;
            check_name(member, kind)?;
            add(
                AppResource::new(&member.key.node, kind, &member.key.node),
                member.key.span,
            )?;
        }
    }
    let function_members = section(root, "functions")?;
    let machine_members = section(root, "state-machines")?;
    let integration_members = section(root, "api-integrations")?;
    let api_members = section(root, "apis")?;
    for member in function_members {
        check_name(member, ResourceKind::Function)?;
        add(
            AppResource::new(&member.key.node, ResourceKind::Function, &member.key.node),
            member.key.span,
        )?;
    }
    for member in machine_members {
        check_name(member, ResourceKind::StateMachine)?;
        add(
            AppResource::new(
                &member.key.node,
                ResourceKind::StateMachine,
                &member.key.node,
            ),
            member.key.span,
        )?;
    }

    // EventBridge pipes and schedules: principals only (nothing refers to
    // them as a resource), named as EventBridge names them: 1-64 of
    // letters, digits, `.`, `-`, `_`
    // (https://docs.aws.amazon.com/eventbridge/latest/pipes-reference/API_CreatePipe.html,
    // https://docs.aws.amazon.com/scheduler/latest/APIReference/API_CreateSchedule.html);
    // leash keeps to letters, digits, `-` and `_`, and to names no other
    // principal of the manifest has (each gets `NAME-role.json`).
    let pipe_members = section(root, "pipes")?;
    let schedule_members = section(root, "schedules")?;
    let mut principal_names: BTreeSet<String> = function_members
        .iter()
        .chain(machine_members)
        .map(|m| m.key.node.clone())
        .collect();
    for member in pipe_members.iter().chain(schedule_members) {
        let name = &member.key.node;
        if !is_word(name, 64) {
            return Err(error_at(
                member.key.span,
                format!(
                    "`{name}`: a pipe or schedule name is up to 64 letters, digits, `-` or `_`"
                ),
            ));
        }
        if !principal_names.insert(name.clone()) {
            return Err(error_at(
                member.key.span,
                format!("`{name}` is declared twice; principals' names must be unique"),
            ));
        }
    }

    let mut functions = Vec::new();
    // Functions, state machines, pipes and schedules: each a principal
    // with its needs (a state machine's, pipe's or schedule's are declared
    // here, as its definition or resource would tell).
    use crate::model::PrincipalKind;
    let principals = function_members
        .iter()
        .map(|m| (m, PrincipalKind::Function))
        .chain(
            machine_members
                .iter()
                .map(|m| (m, PrincipalKind::StateMachine)),
        )
        .chain(pipe_members.iter().map(|m| (m, PrincipalKind::Pipe)))
        .chain(
            schedule_members
                .iter()
                .map(|m| (m, PrincipalKind::Schedule)),
        )
        // An API Gateway integration's credentials role, by role name:
        // its needs are what its integrations call.
        .chain(
            integration_members
                .iter()
                .map(|m| (m, PrincipalKind::ApiIntegration)),
        );
    for (member, kind) in principals {
        let name = &member.key.node;
        let at = format!("{} `{name}`", kind.as_str());
        // An IAM role name: 1-64 of `A-Za-z0-9+=,.@_-`
        // (<https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html>).
        let role_name = |n: &str| {
            (1..=64).contains(&n.len())
                && n.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-".contains(&b))
        };
        if kind == crate::model::PrincipalKind::ApiIntegration && !role_name(name) {
            return Err(error_at(
                member.key.span,
                format!("{at}: not an IAM role name (1-64 of A-Za-z0-9+=,.@_-)"),
            ));
        }
        mapping(&member.value, &at, Some(&["needs"]))?;
        let mut function = Function::new(name, name);
        function.kind = kind;
        if kind != PrincipalKind::Function {
            // Only a function writes a log group of its own.
            function.log_actions = Some(Vec::new());
        }
        if let Some(needs) = member.value.get("needs") {
            let items = needs
                .as_array()
                .ok_or_else(|| error_at(needs.span, format!("{at}: `needs` is not a list")))?;
            for (index, need) in items.iter().enumerate() {
                let need_at = format!("{at}: needs[{index}]");
                mapping(
                    need,
                    &need_at,
                    Some(&[
                        "resource",
                        "access",
                        "actions",
                        "prefix",
                        "index",
                        "conditions",
                    ]),
                )?;
                function.needs.extend(read_declared_need(
                    &need_at,
                    NeedSource::Manifest { index },
                    need,
                    &resources,
                    (&account, &region),
                )?);
            }
        }
        functions.push(function);
    }

    let mut options = DesignOptions::default();
    for member in api_members {
        if let Some(ranges) = read_api(member, &mut functions)? {
            options
                .api_source_ips
                .push((member.key.node.clone(), ranges));
        }
    }
    if let Some(boundary) = root.get("permissions-boundary") {
        options.permissions_boundary =
            Some(crate::options::read_boundary(boundary, "the manifest")?);
    }
    if let Some(consumers) = root.get("consumers") {
        options.consumers = crate::options::read_consumers(
            consumers,
            "the manifest",
            &resources,
            true,
            (&account, &region),
        )?;
    }

    Ok(Application {
        symbols: Default::default(),
        account,
        region,
        stack_name: None,
        parameters: BTreeMap::new(),
        functions,
        resources,
        options,
    })
}

fn read_table(member: &Member) -> Result<AppResource, ModelError> {
    let name = &member.key.node;
    let at = format!("table `{name}`");
    let table = &member.value;
    mapping(table, &at, Some(&["key", "indexes", "stream", "kms-key"]))?;
    check_name(member, ResourceKind::Table)?;
    let mut resource = AppResource::new(name, ResourceKind::Table, name);
    let key = table
        .get("key")
        .ok_or_else(|| error_at(member.key.span, format!("{at} has no `key`")))?;
    let (partition, sort) = read_key(key, &format!("{at}: key"))?;
    resource.partition_key = Some(partition);
    resource.sort_key = sort;
    if let Some(indexes) = table.get("indexes") {
        for index in mapping(indexes, &format!("{at}: indexes"), None)? {
            let index_at = format!("{at}: index `{}`", index.key.node);
            if !is_table_name(&index.key.node) {
                return Err(error_at(
                    index.key.span,
                    format!(
                        "{index_at}: an index name is 3 to 255 letters, digits, `_`, `-` or `.`"
                    ),
                ));
            }
            read_key(&index.value, &index_at)?;
            resource.indexes.push(index.key.node.clone());
        }
    }
    if let Some(stream) = table.get("stream") {
        // The stream view types of DynamoDB Streams.
        // https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_StreamSpecification.html
        const VIEWS: &[&str] = &["keys-only", "new-image", "old-image", "new-and-old-images"];
        match stream.as_str() {
            Some(view) if VIEWS.contains(&view) => resource.has_stream = true,
            _ => {
                return Err(error_at(
                    stream.span,
                    format!(
                        "{at}: `stream` must be one of keys-only, new-image, old-image, new-and-old-images"
                    ),
                ));
            }
        }
    }
    if let Some(key) = table.get("kms-key") {
        resource.encryption_key = Some(EncryptionKey {
            resource: None,
            key: crate::options::read_kms_key(key, &at)?,
        });
    }
    Ok(resource)
}

/// `{partition: ATTRIBUTE, sort: ATTRIBUTE}`; the sort key is optional.
fn read_key(key: &Value, at: &str) -> Result<(String, Option<String>), ModelError> {
    mapping(key, at, Some(&["partition", "sort"]))?;
    let partition = required_string(key, "partition", at)?.to_string();
    let sort = match key.get("sort") {
        Some(sort) => Some(
            sort.as_str()
                .ok_or_else(|| error_at(sort.span, format!("{at}: `sort` is not a string")))?
                .to_string(),
        ),
        None => None,
    };
    Ok((partition, sort))
}

const HTTP_METHODS: &[&str] = &[
    "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY",
];

/// Reads an API's routes into the functions; returns its `source-ip` ranges.
fn read_api(
    member: &Member,
    functions: &mut [Function],
) -> Result<Option<Vec<String>>, ModelError> {
    let api = &member.key.node;
    let at = format!("api `{api}`");
    let value = &member.value;
    mapping(value, &at, Some(&["type", "stage", "routes", "source-ip"]))?;
    // API Gateway resource ids in CloudFormation are logical ids: letters
    // and digits, which is what `${Api}` in the SourceArn's `Fn::Sub` needs.
    if api.is_empty() || !api.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(error_at(
            member.key.span,
            format!("{at}: an API's name is its logical id, letters and digits only"),
        ));
    }
    let event_type = match value.get("type").map(|t| (t, t.as_str())) {
        None | Some((_, Some("rest"))) => "Api",
        Some((_, Some("http"))) => "HttpApi",
        Some((t, _)) => {
            return Err(error_at(
                t.span,
                format!("{at}: `type` must be rest or http"),
            ));
        }
    };
    let source_ips = match value.get("source-ip") {
        // Resource policies are a REST API feature; HTTP APIs have none.
        // https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-resource-policies.html
        Some(ranges) if event_type == "HttpApi" => {
            return Err(error_at(
                ranges.span,
                format!("{at}: `source-ip` needs a resource policy, which only REST APIs have"),
            ));
        }
        Some(ranges) => Some(crate::options::read_source_ips(ranges, &at)?),
        None => None,
    };
    let stage = required_string(value, "stage", &at)?;
    // Stage names: letters, digits, `-` and `_`; HTTP APIs also `$default`.
    // https://docs.aws.amazon.com/apigateway/latest/api/API_CreateStage.html
    let valid_stage = (event_type == "HttpApi" && stage == "$default")
        || (!stage.is_empty()
            && stage
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
    if !valid_stage {
        return Err(error_at(
            field_span(value, "stage"),
            format!(
                "{at}: stage `{stage}` must be letters, digits, `-` or `_` (or `$default` for an http API)"
            ),
        ));
    }
    let routes = value
        .get("routes")
        .ok_or_else(|| error_at(member.key.span, format!("{at} has no `routes`")))?;
    let routes = routes
        .as_array()
        .ok_or_else(|| error_at(routes.span, format!("{at}: `routes` is not a list")))?;
    for (index, route) in routes.iter().enumerate() {
        let route_at = format!("{at}: routes[{index}]");
        mapping(route, &route_at, Some(&["method", "path", "function"]))?;
        let method = required_string(route, "method", &route_at)?;
        let upper = method.to_ascii_uppercase();
        if !HTTP_METHODS.contains(&upper.as_str()) {
            return Err(error_at(
                field_span(route, "method"),
                format!(
                    "{route_at}: `{method}` is not one of GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS, ANY"
                ),
            ));
        }
        let path = required_string(route, "path", &route_at)?;
        check_path(path).map_err(|why| {
            error_at(
                field_span(route, "path"),
                format!("{route_at}: path `{path}` {why}"),
            )
        })?;
        let target = required_string(route, "function", &route_at)?;
        let function = functions
            .iter_mut()
            .find(|f| f.logical_id == target)
            .ok_or_else(|| {
                error_at(
                    field_span(route, "function"),
                    format!("{route_at}: `{target}` is not a function of the manifest"),
                )
            })?;
        let event = event_name(&upper, path);
        if function
            .routes
            .iter()
            .any(|r| r.api == *api && r.method == upper && r.path == path)
        {
            return Err(error_at(
                route.span,
                format!("{route_at}: `{upper} {path}` is listed twice for `{target}`"),
            ));
        }
        function.routes.push(ApiRoute {
            event,
            event_type: event_type.to_string(),
            api: api.clone(),
            stage: stage.to_string(),
            method: upper,
            path: path.to_string(),
        });
    }
    Ok(source_ips)
}

/// A resource path: `/`, or `/`-separated non-empty segments, each literal
/// text or one `{parameter}` (the last may be greedy, `{proxy+}`).
/// https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-method-settings-method-request.html#setup-method-resources
fn check_path(path: &str) -> Result<(), &'static str> {
    let Some(rest) = path.strip_prefix('/') else {
        return Err("must start with `/`");
    };
    if rest.is_empty() {
        return Ok(());
    }
    let segments: Vec<&str> = rest.split('/').collect();
    for (position, segment) in segments.iter().enumerate() {
        if segment.is_empty() {
            return Err("has an empty segment");
        }
        if segment.contains('*') || segment.contains('?') {
            return Err("must not contain wildcards");
        }
        if let Some(inner) = segment.strip_prefix('{') {
            let Some(name) = inner.strip_suffix('}') else {
                return Err("has a `{` without its `}`");
            };
            let (name, greedy) = match name.strip_suffix('+') {
                Some(name) => (name, true),
                None => (name, false),
            };
            if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
                return Err("has a parameter that is not letters, digits or `_`");
            }
            if greedy && position + 1 != segments.len() {
                return Err("has a greedy parameter `{name+}` before its last segment");
            }
        } else if segment.contains('{') || segment.contains('}') {
            return Err("mixes a parameter with text in one segment");
        }
    }
    Ok(())
}

/// The event name a route gets (templates name their events; a manifest's
/// routes are named from method and path): `GET /orders/{orderId}` is
/// `GetOrdersOrderId`, `GET /` is `GetRoot`.
fn event_name(method: &str, path: &str) -> String {
    let capitalized = |word: &str| {
        let mut chars = word.chars();
        chars.next().map_or_else(String::new, |first| {
            first.to_ascii_uppercase().to_string() + chars.as_str()
        })
    };
    let words: Vec<String> = path
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(capitalized)
        .collect();
    let method = capitalized(&method.to_ascii_lowercase());
    if words.is_empty() {
        format!("{method}Root")
    } else {
        format!("{method}{}", words.concat())
    }
}

/// The naming rules AWS applies to each kind, so a designed ARN names a
/// resource that can exist.
fn check_name(member: &Member, kind: ResourceKind) -> Result<(), ModelError> {
    let name = member.key.node.as_str();
    let (valid, rule) = match kind {
        // https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.NamingRulesDataTypes.html
        ResourceKind::Table => (
            is_table_name(name),
            "a table name is 3 to 255 letters, digits, `_`, `-` or `.`",
        ),
        // https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
        ResourceKind::Bucket => (
            (3..=63).contains(&name.len())
                && name.bytes().all(|b| {
                    b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-'
                })
                && name
                    .bytes()
                    .next()
                    .is_some_and(|b| b.is_ascii_alphanumeric())
                && name
                    .bytes()
                    .last()
                    .is_some_and(|b| b.is_ascii_alphanumeric())
                && !name.contains(".."),
            "a bucket name is 3 to 63 lowercase letters, digits, `.` or `-`, starting and ending with a letter or digit",
        ),
        // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_CreateQueue.html
        ResourceKind::Queue => (
            is_word(
                name.strip_suffix(".fifo").unwrap_or(name),
                80 - 5 * usize::from(name.ends_with(".fifo")),
            ),
            "a queue name is up to 80 letters, digits, `-` or `_` (a FIFO queue's ends in `.fifo`)",
        ),
        // https://docs.aws.amazon.com/sns/latest/api/API_CreateTopic.html
        ResourceKind::Topic => (
            is_word(
                name.strip_suffix(".fifo").unwrap_or(name),
                256 - 5 * usize::from(name.ends_with(".fifo")),
            ),
            "a topic name is up to 256 letters, digits, `-` or `_` (a FIFO topic's ends in `.fifo`)",
        ),
        // https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html
        ResourceKind::Function => (
            is_word(name, 64),
            "a function name is up to 64 letters, digits, `-` or `_`",
        ),
        // https://docs.aws.amazon.com/step-functions/latest/apireference/API_CreateStateMachine.html
        // (1-80 characters; leash keeps to letters, digits, `-` and `_`,
        // which every ARN and role name takes as they are)
        ResourceKind::StateMachine => (
            is_word(name, 80),
            "a state machine name is up to 80 letters, digits, `-` or `_`",
        ),
        // Kinds the manifest does not declare (yet): read from templates only.
        ResourceKind::Stream
        | ResourceKind::Secret
        | ResourceKind::Parameter
        | ResourceKind::LogGroup
        | ResourceKind::EventBus
        | ResourceKind::Key => (!name.is_empty(), "a name is not empty"),
    };
    if valid {
        Ok(())
    } else {
        Err(error_at(member.key.span, format!("`{name}`: {rule}")))
    }
}

fn is_table_name(name: &str) -> bool {
    (3..=255).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.')
}

fn is_word(name: &str, max: usize) -> bool {
    !name.is_empty()
        && name.len() <= max
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// `us-west-2`, `eu-central-1`, `us-gov-west-1`: letters, a dash-separated
/// word or more, and a number.
fn is_region(region: &str) -> bool {
    let parts: Vec<&str> = region.split('-').collect();
    parts.len() >= 3
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        && parts
            .last()
            .is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

/// The members of a mapping (a null value is an empty one), refusing
/// duplicate keys and keys outside `allowed` (`None`: any key, for
/// mappings that name things by key).
fn mapping<'a>(
    value: &'a Value,
    at: &str,
    allowed: Option<&[&str]>,
) -> Result<&'a [Member], ModelError> {
    let members = match &value.kind {
        ValueKind::Object(members) => members.as_slice(),
        ValueKind::Null => &[],
        _ => {
            return Err(error_at(
                value.span,
                format!("{at} must be a mapping, not {}", value.kind_name()),
            ));
        }
    };
    for (position, member) in members.iter().enumerate() {
        if members[..position]
            .iter()
            .any(|m| m.key.node == member.key.node)
        {
            return Err(error_at(
                member.key.span,
                format!("{at}: `{}` is given twice", member.key.node),
            ));
        }
        if let Some(allowed) = allowed
            && !allowed.contains(&member.key.node.as_str())
        {
            return Err(error_at(
                member.key.span,
                if allowed.is_empty() {
                    format!(
                        "{at}: unknown key `{}` (it takes none yet)",
                        member.key.node
                    )
                } else {
                    format!(
                        "{at}: unknown key `{}` (expected {})",
                        member.key.node,
                        allowed.join(", ")
                    )
                },
            ));
        }
    }
    Ok(members)
}

/// A top-level section (`tables:`, ...), empty when absent.
fn section<'a>(root: &'a Value, key: &str) -> Result<&'a [Member], ModelError> {
    match root.get(key) {
        Some(value) => mapping(value, &format!("`{key}`"), None),
        None => Ok(&[]),
    }
}

fn required_string<'a>(value: &'a Value, key: &str, at: &str) -> Result<&'a str, ModelError> {
    let field = value
        .get(key)
        .ok_or_else(|| error_at(value.span, format!("{at} has no `{key}`")))?;
    field.as_str().ok_or_else(|| {
        error_at(
            field.span,
            format!("{at}: `{key}` must be a string, not {}", field.kind_name()),
        )
    })
}

/// A scalar's text: a string, or a number as written.
fn scalar_text(value: &Value) -> Option<&str> {
    match &value.kind {
        ValueKind::String(text) | ValueKind::Number(text) => Some(text),
        _ => None,
    }
}

fn field_span(value: &Value, key: &str) -> Span {
    value.get(key).map_or(value.span, |v| v.span)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::model::Access;

    const MANIFEST: &str = r#"
leash-manifest: 1
account: "111122223333"
region: eu-central-1
tables:
  Orders:
    key: {partition: orderId, sort: createdAt}
    indexes:
      ByCustomer: {partition: customerId}
    stream: new-image
    kms-key: arn:aws:kms:eu-central-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab
buckets:
  acme-receipts:
queues:
  jobs.fifo: {}
topics:
  events: {}
functions:
  worker:
    needs:
      - {resource: Orders, access: consume}
      - {resource: jobs.fifo, access: consume}
      - {resource: events, access: publish}
      - {resource: acme-receipts, actions: [s3:GetObject], prefix: in/}
  api:
    needs:
      - {resource: worker, access: invoke}
apis:
  Http:
    type: http
    stage: $default
    routes:
      - {method: any, path: "/{proxy+}", function: api}
      - {method: ANY, path: "/files/{proxy+}", function: worker}
"#;

    #[test]
    fn reads_every_kind_of_resource_and_route() {
        let app = read_manifest(MANIFEST, &Target::default()).unwrap();
        assert_eq!(app.region, "eu-central-1");
        let orders = app.resource("Orders").unwrap();
        assert_eq!(orders.partition_key.as_deref(), Some("orderId"));
        assert_eq!(orders.sort_key.as_deref(), Some("createdAt"));
        assert_eq!(orders.indexes, vec!["ByCustomer".to_string()]);
        assert!(orders.has_stream);
        assert_eq!(app.resource("jobs.fifo").unwrap().kind, ResourceKind::Queue);
        assert_eq!(app.resource("worker").unwrap().kind, ResourceKind::Function);
        let worker = &app.functions[0];
        assert_eq!(worker.needs.len(), 4);
        assert_eq!(worker.needs[3].access, Access::Listed);
        assert_eq!(worker.needs[3].prefix.as_deref(), Some("in/"));
        assert_eq!(worker.needs[0].source.describe(), "manifest needs[0]");
        let route = &app.functions[1].routes[0];
        assert_eq!(
            (
                route.event_type.as_str(),
                route.stage.as_str(),
                route.method.as_str()
            ),
            ("HttpApi", "$default", "ANY")
        );
        assert_eq!(route.event, "AnyProxy");
        // The design verifies and lints clean; `ANY /files/{proxy+}` is
        // checked against another path, `ANY /{proxy+}` has none.
        let roles = crate::design::design(&app).unwrap();
        let other_paths: Vec<usize> = roles
            .iter()
            .map(|r| {
                r.verification
                    .iter()
                    .filter(|c| c.context.iter().any(|(_, v)| v.ends_with("/not-this-path")))
                    .count()
            })
            .collect();
        assert_eq!(other_paths, vec![1, 0]);
        for role in crate::design::design(&app).unwrap() {
            let failed: Vec<_> = role.verification.iter().filter(|c| !c.passed).collect();
            assert!(failed.is_empty(), "{}: {failed:#?}", role.role_name);
            assert!(role.lint_findings.is_empty(), "{:?}", role.lint_findings);
        }
    }

    #[test]
    fn the_target_overrides_account_and_region() {
        let target = Target {
            account: Some("444455556666".into()),
            region: Some("us-east-1".into()),
            ..Default::default()
        };
        let app = read_manifest(MANIFEST, &target).unwrap();
        assert_eq!(
            (app.account.as_str(), app.region.as_str()),
            ("444455556666", "us-east-1")
        );
    }

    /// The message and the text the error's span covers.
    fn refused(from: &str, to: &str) -> (String, String) {
        assert!(MANIFEST.contains(from), "{from}");
        let text = MANIFEST.replacen(from, to, 1);
        let error = read_manifest(&text, &Target::default()).unwrap_err();
        let span = error.span().unwrap();
        (error.to_string(), text[span.start..span.end].to_string())
    }

    #[test]
    fn errors_point_at_the_offending_value() {
        let cases = [
            ("  events: {}", "  Orders: {}", "declared twice", "Orders"),
            (
                "{resource: events,",
                "{resource: nothing,",
                "is not a table",
                "nothing",
            ),
            (
                "function: api}",
                "function: apii}",
                "not a function of the manifest",
                "apii",
            ),
            (
                "stream: new-image",
                "stream: everything",
                "`stream` must be",
                "everything",
            ),
            ("key/1234abcd", "alias/1234abcd", "must be a key ARN", ""),
            (
                "ByCustomer: {partition: customerId}",
                "ByCustomer: {partition: customerId, kind: global}",
                "unknown key `kind`",
                "kind",
            ),
            (
                "  events: {}",
                "  events: {fifo: true}",
                "takes none yet",
                "fifo",
            ),
            (
                "path: \"/{proxy+}\"",
                "path: \"/{proxy+}/x\"",
                "greedy parameter",
                "\"/{proxy+}/x\"",
            ),
            ("type: http", "type: websocket", "rest or http", "websocket"),
            (
                "leash-manifest: 1\n",
                "leash-manifest: 1\nResources: {}\n",
                "unknown key `Resources`",
                "Resources",
            ),
        ];
        for (from, to, message, spanned) in cases {
            let (error, text) = refused(from, to);
            assert!(error.contains(message), "{to}: {error}");
            if !spanned.is_empty() {
                assert_eq!(text, spanned, "{to}: {error}");
            }
        }
    }

    #[test]
    fn paths_and_event_names() {
        assert!(check_path("/").is_ok());
        assert!(check_path("/orders/{orderId}/receipt").is_ok());
        assert!(check_path("/files/{proxy+}").is_ok());
        assert!(check_path("orders").is_err());
        assert!(check_path("/orders//x").is_err());
        assert!(check_path("/orders/{id").is_err());
        assert!(check_path("/orders/x{id}").is_err());
        assert_eq!(event_name("GET", "/orders/{orderId}"), "GetOrdersOrderId");
        assert_eq!(event_name("DELETE", "/"), "DeleteRoot");
    }

    #[test]
    fn a_manifest_is_told_from_a_template() {
        assert!(is_manifest_text(MANIFEST));
        assert!(!is_manifest_text("Resources: {}\n"));
        assert!(!is_manifest_text("{not yaml"));
        // The key spelled with an escape is still the key.
        assert!(is_manifest_text(
            "\"leash\\u002dmanifest\": \"1\"\nfunctions: {}\n"
        ));
        assert!(!is_manifest_text(
            "Resources: {}\nX: \"leash\\u002dother\"\n"
        ));
    }
}
