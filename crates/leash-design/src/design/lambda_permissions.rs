//! `AWS::Lambda::Permission`s for the function's invokers (API routes,
//! buckets, topics, rules) and their checks.

use super::*;

pub(super) const EXAMPLE_API_ID: &str = "a1b2c3d4e5";

/// The Lambda permissions for the function's API routes, each verified on
/// the function's resource policy: the route is allowed, another method
/// and another API are denied.
/// https://docs.aws.amazon.com/apigateway/latest/developerguide/arn-format-reference.html
/// https://docs.aws.amazon.com/lambda/latest/dg/access-control-resource-based.html
pub(super) fn lambda_permissions(
    app: &Application,
    function: &Function,
) -> Result<(Vec<LambdaPermission>, Vec<Check>), DesignError> {
    let function_arn = format!(
        "arn:aws:lambda:{}:{}:function:{}",
        app.region, app.account, function.name
    );
    let mut permissions = Vec::new();
    let mut statements = Vec::new();
    for route in &function.routes {
        let method = if route.method == "ANY" {
            "*".to_string()
        } else {
            route.method.clone()
        };
        // Path parameters (`{id}`, `{proxy+}`) match any segment text.
        let path: String = route
            .path
            .split('/')
            .map(|segment| {
                if segment.starts_with('{') {
                    "*"
                } else {
                    segment
                }
            })
            .collect::<Vec<_>>()
            .join("/");
        let stage = if route.stage == "$default" {
            "*".to_string()
        } else {
            route.stage.clone()
        };
        let source_arn = format!(
            "arn:aws:execute-api:{}:{}:${{{}}}/{stage}/{method}{path}",
            app.region, app.account, route.api
        );
        statements.push(json!({
            "Sid": format!("Invoke{}", statements.len() + 1),
            "Effect": "Allow",
            "Principal": { "Service": "apigateway.amazonaws.com" },
            "Action": "lambda:InvokeFunction",
            "Resource": function_arn,
            "Condition": {
                // `${Api}` is CloudFormation's `Fn::Sub`, not a policy
                // variable: verify with a concrete API id in its place.
                "ArnLike": { "AWS:SourceArn": source_arn.replace(&format!("${{{}}}", route.api), EXAMPLE_API_ID) },
                "StringEquals": { "AWS:SourceAccount": app.account },
            },
        }));
        permissions.push(LambdaPermission {
            event: route.event.clone(),
            function_arn: function_arn.clone(),
            principal: "apigateway.amazonaws.com".into(),
            source_arn,
            source_account: app.account.clone(),
        });
    }
    // Other invokers (S3, SNS, EventBridge): `SourceArn` and `SourceAccount`,
    // checked with the `${...}` parts of the source filled in.
    let mut invoker_sources = Vec::new();
    for invoker in &function.invokers {
        let concrete = example_source(invoker, &app.region, &app.account);
        statements.push(json!({
            "Sid": format!("Invoke{}", statements.len() + 1),
            "Effect": "Allow",
            "Principal": { "Service": invoker.principal },
            "Action": "lambda:InvokeFunction",
            "Resource": function_arn,
            "Condition": {
                "ArnLike": { "AWS:SourceArn": concrete },
                "StringEquals": { "AWS:SourceAccount": app.account },
            },
        }));
        invoker_sources.push((invoker, concrete));
    }
    if statements.is_empty() {
        return Ok((permissions, Vec::new()));
    }
    let document = json!({ "Version": "2012-10-17", "Statement": statements });
    let policy = canonical(&document, "the designed Lambda permissions")?
        .policy()
        .clone();
    let prepared = PreparedPolicySet::new(
        &PolicySet::new().with_resource_policy("lambda permissions", policy),
    );
    // Every route's `SourceArn` as a pattern over concrete requests: a near
    // miss must be a route none of them covers (`ANY /{proxy+}` covers the
    // `not-this-path` of an `ANY /` beside it).
    let route_patterns: Vec<WildcardPattern> = permissions
        .iter()
        .zip(&function.routes)
        .map(|(permission, route)| {
            WildcardPattern::new(
                &permission
                    .source_arn
                    .replace(&format!("${{{}}}", route.api), EXAMPLE_API_ID),
                CaseMode::Sensitive,
            )
        })
        .collect();
    let mut checks = Vec::new();
    for (permission, route) in permissions.iter().zip(&function.routes) {
        // The API's id stands in for `${Api}` as a concrete request would carry.
        let concrete = |source: &str| {
            source
                .replace(&format!("${{{}}}", route.api), EXAMPLE_API_ID)
                .replace('*', "example")
        };
        let allowed_source = concrete(&permission.source_arn);
        let other_method = if route.method == "DELETE" {
            "PATCH"
        } else {
            "DELETE"
        };
        let other_route = if route.method == "ANY" {
            // Another path of the same API and stage. A route whose path is
            // one greedy parameter (`/{proxy+}`) covers every path: it has
            // no other route to deny.
            let greedy_root = route.path.starts_with("/{")
                && route.path.ends_with("+}")
                && route.path.matches('/').count() == 1;
            let parts: Vec<&str> = allowed_source.splitn(4, '/').collect();
            (!greedy_root && parts.len() >= 3)
                .then(|| format!("{}/{}/{}/not-this-path", parts[0], parts[1], parts[2]))
        } else {
            Some(allowed_source.replacen(
                &format!("/{}/", route.method),
                &format!("/{other_method}/"),
                1,
            ))
        };
        let other_api = allowed_source.replace(EXAMPLE_API_ID, "zzzzzzzzzz");
        let mut cases = vec![(CheckKind::Need, allowed_source, true)];
        cases.extend(
            other_route
                .filter(|source| !route_patterns.iter().any(|p| p.is_match(source)))
                .map(|source| (CheckKind::OtherRoute, source, false)),
        );
        cases.push((CheckKind::OtherRoute, other_api, false));
        for (kind, source, expected_allow) in cases {
            let account = Arn::parse(&source)
                .map(|arn| arn.account().as_str().to_string())
                .unwrap_or_default();
            checks.push(invoke_check(
                &prepared,
                app,
                &function_arn,
                "apigateway.amazonaws.com",
                (kind, source, account, expected_allow),
            ));
        }
    }
    for (invoker, concrete) in invoker_sources {
        permissions.push(LambdaPermission {
            event: invoker.event.clone(),
            function_arn: function_arn.clone(),
            principal: invoker.principal.clone(),
            source_arn: invoker.source_arn.clone(),
            source_account: app.account.clone(),
        });
        // The source itself; a look-alike source (`NAME-archive`); the same
        // source name in another account (bucket names are global, so the
        // account condition is what keeps another account's bucket out).
        let cases = [
            (CheckKind::Need, concrete.clone(), app.account.clone(), true),
            (
                CheckKind::OtherSource,
                format!("{concrete}-archive"),
                app.account.clone(),
                false,
            ),
            (
                CheckKind::OtherSource,
                concrete.clone(),
                OTHER_ACCOUNT.to_string(),
                false,
            ),
        ];
        for case in cases {
            checks.push(invoke_check(
                &prepared,
                app,
                &function_arn,
                &invoker.principal,
                case,
            ));
        }
    }
    Ok((permissions, checks))
}

/// An account that is not the application's, for near misses.
pub(super) const OTHER_ACCOUNT: &str = "444455556666";

/// `invoker.source_arn` with its `Fn::Sub` references (`${Bucket}`,
/// `${Topic}`, `${FunctionEvent.Arn}`) replaced by what a deployment could
/// fill in, for the engine.
pub(super) fn example_source(
    invoker: &crate::model::EventInvoker,
    region: &str,
    account: &str,
) -> String {
    let source = &invoker.source_arn;
    let (Some(start), Some(end)) = (source.find("${"), source.find('}')) else {
        return source.clone();
    };
    let Some(reference) = source.get(start + 2..end) else {
        return source.clone();
    };
    let id = reference
        .trim_end_matches(".Arn")
        .to_ascii_lowercase()
        .replace('.', "-");
    let filled = match invoker.event_type.as_str() {
        // `Ref` of a bucket is its name.
        "S3" => format!("{id}-example"),
        // `Ref` of a topic is its ARN.
        "SNS" => format!("arn:aws:sns:{region}:{account}:{id}-example"),
        _ => format!("arn:aws:events:{region}:{account}:rule/{id}-example"),
    };
    format!(
        "{}{filled}{}",
        source.get(..start).unwrap_or_default(),
        source.get(end + 1..).unwrap_or_default()
    )
}

/// One request to the function's resource policy: `principal` invokes it
/// with `aws:SourceArn` `source` and `aws:SourceAccount` `account`.
pub(super) fn invoke_check(
    prepared: &PreparedPolicySet,
    app: &Application,
    function_arn: &str,
    principal: &str,
    (kind, source, account, expected_allow): (CheckKind, String, String, bool),
) -> Check {
    let context = vec![
        ("aws:SourceArn".to_string(), source.clone()),
        ("aws:SourceAccount".to_string(), account),
    ];
    let mut request_context = RequestContext::new();
    for (key, value) in &context {
        request_context = request_context.with(key.clone(), value.clone());
    }
    let request = Request::new(principal, "lambda:InvokeFunction", function_arn)
        .with_resource_account(app.account.clone())
        .with_context(request_context);
    let decision = prepared.evaluate(&request);
    let allowed = decision.is_allowed();
    Check {
        kind,
        action: "lambda:InvokeFunction".into(),
        resource: function_arn.to_string(),
        context,
        expected_allow,
        allowed,
        passed: allowed == expected_allow,
        why: decision.reason.as_str().to_string(),
    }
}
