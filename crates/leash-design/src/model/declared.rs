//! What the author declares under `Metadata: leash:`: a function's
//! `needs` (access levels or actions, with conditions) and the design
//! options (`permissions-boundary`, `consumers`, an API's `source-ip`). The
//! manifest reader uses the same need reader.
//!
//! Not for: reading the option values themselves (`options`), or needs
//! the template implies (`template_iam`, `connectors`, `events`).

use leash_iac::{Resource, Template};
use leash_policy::Value;

use super::{
    Access, AppResource, DesignOptions, ModelError, Need, NeedConditions, NeedSource, ResourceKind,
    error_at, field_span, service_of,
};
use crate::access::Scope;

/// `Metadata: leash: KEY` on a resource.
pub(super) fn resource_options<'a>(resource: &'a Resource, key: &str) -> Option<&'a Value> {
    resource.metadata.as_ref()?.get("leash")?.get(key)
}

/// The design options a template declares: `permissions-boundary` and
/// `consumers` in the top-level `Metadata: leash:`, `source-ip` in an API's
/// `Metadata: leash:` (bucket policies are read with the buckets).
pub(super) fn read_template_options(
    template: &Template,
    leash_metadata: Option<&Value>,
    resources: &[AppResource],
    target: (&str, &str),
) -> Result<DesignOptions, ModelError> {
    let mut options = DesignOptions::default();
    let at = "Metadata.leash";
    if let Some(boundary) = leash_metadata.and_then(|m| m.get("permissions-boundary")) {
        options.permissions_boundary = Some(crate::options::read_boundary(boundary, at)?);
    }
    if let Some(consumers) = leash_metadata.and_then(|m| m.get("consumers")) {
        options.consumers =
            crate::options::read_consumers(consumers, at, resources, false, target)?;
    }
    for resource in &template.resources {
        if let Some(ranges) = resource_options(resource, "source-ip") {
            let at = format!("`{}`: Metadata.leash", resource.logical_id.node);
            // Resource policies are a REST API feature; HTTP APIs have none.
            // https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-resource-policies.html
            if !matches!(
                resource.resource_type.node.as_str(),
                "AWS::Serverless::Api" | "AWS::ApiGateway::RestApi"
            ) {
                return Err(error_at(
                    ranges.span,
                    format!(
                        "{at}: `source-ip` applies only to REST APIs (`AWS::Serverless::Api`, `AWS::ApiGateway::RestApi`)"
                    ),
                ));
            }
            options.api_source_ips.push((
                resource.logical_id.node.clone(),
                crate::options::read_source_ips(ranges, &at)?,
            ));
        }
    }
    Ok(options)
}

/// A need the author declared (`Metadata: leash: needs` in a template, or
/// `needs` in a manifest): an access level or a list of actions on one
/// resource. `at` names it in error messages.
pub(crate) fn read_declared_need(
    at: &str,
    source: NeedSource,
    need: &Value,
    resources: &[AppResource],
    target: (&str, &str),
) -> Result<Vec<Need>, ModelError> {
    let mut needs = read_need_grants(at, source, need, resources, target)?;
    if let Some(conditions) = need.get("conditions")
        && let Some(resource) = needs
            .first()
            .and_then(|n| resources.iter().find(|r| r.logical_id == n.resource))
    {
        let actions: Vec<String> = needs
            .iter()
            .flat_map(|n| crate::options::need_actions(n, resource.kind))
            .collect();
        let conditions = crate::options::read_conditions(conditions, at, resource, &actions)?;
        for need in &mut needs {
            need.conditions = conditions.clone();
        }
    }
    Ok(needs)
}

/// A declared need without its conditions.
fn read_need_grants(
    at: &str,
    source: NeedSource,
    need: &Value,
    resources: &[AppResource],
    (account, region): (&str, &str),
) -> Result<Vec<Need>, ModelError> {
    let resource = need
        .get("resource")
        .and_then(Value::as_str)
        .ok_or_else(|| error_at(need.span, format!("{at} has no `resource`")))?;
    let target = resources
        .iter()
        .find(|r| r.logical_id == resource)
        .ok_or_else(|| {
            error_at(
                field_span(need, "resource"),
                format!("{at}: `{resource}` is not a table, bucket, queue, topic or function of the template"),
            )
        })?;
    let prefix = need
        .get("prefix")
        .and_then(Value::as_str)
        .map(str::to_string);
    if prefix.is_some() && target.kind != ResourceKind::Bucket {
        return Err(error_at(
            field_span(need, "prefix"),
            format!("{at}: `prefix` applies only to buckets"),
        ));
    }
    if prefix
        .as_deref()
        .is_some_and(|p| p.contains('*') || p.contains('?'))
    {
        return Err(error_at(
            field_span(need, "prefix"),
            format!("{at}: `prefix` must not contain wildcards"),
        ));
    }
    let index_flag = matches!(
        need.get("index").map(|v| &v.kind),
        Some(leash_policy::ValueKind::Bool(true))
    );
    if index_flag && target.kind != ResourceKind::Table {
        return Err(error_at(
            field_span(need, "index"),
            format!("{at}: `index` applies only to tables"),
        ));
    }
    match (need.get("access"), need.get("actions")) {
        (Some(_), Some(actions)) => Err(error_at(
            actions.span,
            format!("{at}: give either `access` or `actions`, not both"),
        )),
        (None, None) => Err(error_at(
            need.span,
            format!("{at} has neither `access` nor `actions`"),
        )),
        (None, Some(actions)) => {
            let declared = DeclaredActions {
                at,
                target,
                prefix: prefix.as_deref(),
                index: index_flag,
                account,
                region,
            };
            let needs = declared.needs(actions, source)?;
            if index_flag && !needs.iter().any(|n| n.scope == Some(Scope::TableIndexes)) {
                return Err(error_at(
                    field_span(need, "index"),
                    format!("{at}: `index: true` but none of the actions applies to an index"),
                ));
            }
            Ok(needs)
        }
        (Some(access_value), None) => {
            let access_text = access_value.as_str().ok_or_else(|| {
                error_at(access_value.span, format!("{at}: `access` is not a string"))
            })?;
            let access = Access::parse(access_text).ok_or_else(|| {
                error_at(access_value.span, format!(
                    "{at}: unknown access `{access_text}` (expected read, write, read-write, put, delete, invoke, publish or consume)"
                ))
            })?;
            if crate::access::entries(target.kind, access).is_empty() {
                return Err(error_at(
                    access_value.span,
                    format!(
                        "{at}: access `{access_text}` is not defined for a {}",
                        target.kind.as_str()
                    ),
                ));
            }
            Ok(vec![Need {
                resource: resource.to_string(),
                access,
                prefix,
                index: index_flag,
                actions: Vec::new(),
                scope: None,
                conditions: NeedConditions::default(),
                source,
            }])
        }
    }
}

/// A declared need that lists its actions (`actions: [dynamodb:GetItem]`)
/// instead of an access level, checked against the service authorization
/// catalog: each action must exist, belong to the resource's service and
/// have a resource type that the resource's ARN (or a part of it) is.
struct DeclaredActions<'a> {
    at: &'a str,
    target: &'a AppResource,
    prefix: Option<&'a str>,
    index: bool,
    account: &'a str,
    region: &'a str,
}

impl DeclaredActions<'_> {
    /// One listed need per part of the resource the actions act on (a
    /// bucket and its objects, a table and its indexes), in the order the
    /// parts are first named.
    fn needs(&self, actions: &Value, source: NeedSource) -> Result<Vec<Need>, ModelError> {
        let Some(items) = actions.as_array() else {
            return Err(error_at(
                actions.span,
                format!("{}: `actions` is not a list", self.at),
            ));
        };
        if items.is_empty() {
            return Err(error_at(
                actions.span,
                format!("{}: `actions` is empty", self.at),
            ));
        }
        let mut needs: Vec<Need> = Vec::new();
        for item in items {
            let (action, scope, prefix) = self.action(item)?;
            match needs
                .iter_mut()
                .find(|n| n.scope == Some(scope) && n.prefix == prefix)
            {
                Some(need) => {
                    if !need.actions.contains(&action) {
                        need.actions.push(action);
                    }
                }
                None => needs.push(Need {
                    resource: self.target.logical_id.clone(),
                    access: Access::Listed,
                    prefix,
                    index: scope == Scope::TableIndexes,
                    actions: vec![action],
                    scope: Some(scope),
                    conditions: NeedConditions::default(),
                    source: source.clone(),
                }),
            }
        }
        Ok(needs)
    }

    /// The canonical action name, the part of the resource it is granted
    /// on, and the prefix that part keeps.
    fn action(&self, item: &Value) -> Result<(String, Scope, Option<String>), ModelError> {
        let at = self.at;
        let text = item
            .as_str()
            .ok_or_else(|| error_at(item.span, format!("{at}: an action is not a string")))?;
        if text.contains('*') || text.contains('?') {
            return Err(error_at(
                item.span,
                format!("{at}: action `{text}` has a wildcard; list the actions one by one"),
            ));
        }
        let catalog = leash_catalog::catalog();
        let action = catalog.action(text).ok_or_else(|| {
            error_at(
                item.span,
                format!("{at}: `{text}` is not an action of the service authorization reference"),
            )
        })?;
        let service = service_of(self.target.kind);
        if action.service() != service {
            return Err(error_at(
                item.span,
                format!(
                    "{at}: `{text}` is not a `{service}` action, and `{}` is a {}",
                    self.target.logical_id,
                    self.target.kind.as_str()
                ),
            ));
        }
        // The parts of the resource the action may be granted on, most
        // specific first: with `index: true` an action that works on
        // indexes is granted on the indexes only (declare a second need
        // without `index` to also grant it on the table).
        let mut candidates: Vec<Scope> = crate::access::scopes(self.target.kind)
            .iter()
            .copied()
            .filter(|scope| *scope != Scope::TableIndexes || self.index)
            .collect();
        candidates.sort_by_key(|scope| *scope != Scope::TableIndexes);
        let applies = |scope: Scope| {
            let arn = crate::access::scope_arn(
                scope,
                &self.target.name,
                self.region,
                self.account,
                self.prefix,
            );
            action.resource_types().iter().any(|resource_type| {
                catalog
                    .service(action.service())
                    .and_then(|s| s.resource_type(resource_type.resource_type()))
                    .is_some_and(|t| t.matches_arn(&arn))
            })
        };
        let scope = candidates.into_iter().find(|scope| applies(*scope)).ok_or_else(|| {
            error_at(
                item.span,
                format!(
                    "{at}: `{text}` has no resource type that `{}` ({}) is; it cannot be granted on it",
                    self.target.logical_id,
                    crate::access::scopes(self.target.kind)
                        .iter()
                        .filter(|s| **s != Scope::TableIndexes || self.index)
                        .map(|s| crate::access::scope_arn(*s, &self.target.name, self.region, self.account, self.prefix))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
        })?;
        // A prefix narrows objects by ARN, and bucket actions only through
        // the `s3:prefix` condition key, which only the listing actions
        // support; a bucket action without the key is granted on the bucket.
        // https://docs.aws.amazon.com/AmazonS3/latest/userguide/amazon-s3-policy-keys.html#condition-key-bucket-ops-2
        let prefix = match scope {
            Scope::Objects => self.prefix.map(str::to_string),
            Scope::Bucket
                if action
                    .resource_types()
                    .iter()
                    .any(|r| r.condition_keys().contains(&"s3:prefix"))
                    || action.condition_keys().contains(&"s3:prefix") =>
            {
                self.prefix.map(str::to_string)
            }
            _ => None,
        };
        Ok((action.full_name(), scope, prefix))
    }
}
