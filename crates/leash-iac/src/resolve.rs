//! Symbolic resolution of CloudFormation intrinsic functions.
//!
//! For: turning `{"Ref": ...}`, `{"Fn::GetAtt": ...}`, `{"Fn::Sub": ...}` and
//! friends inside a policy into the strings (ARNs, names) they stand for,
//! so the policy parser, linter and engine can read the policy. Every result
//! keeps the span of the intrinsic it replaced. Not for: deploying or
//! validating templates; values that only exist after deployment (generated
//! names, IDs, imports) become the wildcard `*`, recorded as
//! [`UnresolvedIntrinsic`].
//!
//! Soundness: a `*` over-approximates a resource or name, which is the safe
//! direction for checking what an `Allow` grants. It is NOT the safe
//! direction inside a `Deny`, a `NotResource`/`NotAction`, or a condition
//! value: there a wildcard makes the policy deny or exclude more than the
//! deployed one would. Callers that reason about denies should look at
//! [`Resolution::unresolved`]. See docs/iac.md for the full table.
//!
//! Intrinsic function reference:
//! <https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference.html>,
//! pseudo parameters:
//! <https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/pseudo-parameter-reference.html>.

use std::collections::{BTreeMap, HashMap, HashSet};

use leash_policy::symbol::{Pseudo, SymbolKind};
use leash_policy::{Member, Span, Value, ValueKind};

use crate::template::{Resource, Template, is_intrinsic};

/// What is known about the deployment target. Unknown parts become `*`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ResolveContext {
    /// `AWS::AccountId`, e.g. `111122223333`.
    pub account: Option<String>,
    /// `AWS::Region`, e.g. `us-east-1`.
    pub region: Option<String>,
    /// `AWS::Partition`; `aws` when not given.
    pub partition: Option<String>,
    /// What stands for the name of a resource whose template sets none
    /// (CloudFormation generates it at deployment).
    pub unnamed_resources: UnnamedResources,
    /// `AWS::StackName`, e.g. `shop`; `*` when not given.
    pub stack_name: Option<String>,
    /// Values of template parameters, as given at deployment
    /// (`aws cloudformation deploy --parameter-overrides KEY=VALUE`): a
    /// given value takes the place of the parameter's `Default`. A list
    /// parameter's value is comma-separated. Check them with
    /// [`check_parameter_values`] first.
    pub parameters: BTreeMap<String, String>,
    /// What a value known only at deployment becomes.
    pub unknowns: Unknowns,
    /// What a parameter's `Default` stands for when no value is given.
    pub parameter_defaults: ParameterDefaults,
}

/// What a parameter with a `Default` and no given value reads as.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ParameterDefaults {
    /// The default: what a deployment without an override uses. What a
    /// linter wants (a default of `*` is a finding).
    #[default]
    Read,
    /// A symbol, like a parameter without a default: every deployment may
    /// override the default, so a design that hard-coded it would break
    /// the stacks that do. `leash design` reads parameters so, and writes
    /// them back as `${Parameter}`. (With [`Unknowns::Wildcards`] the
    /// default is read.)
    Unknown,
}

/// What resolution makes of a value known only at deployment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Unknowns {
    /// A symbol (`leash_policy::symbol`) of the template's table: one value
    /// that is unknown offline, matched by nothing but itself and written
    /// back as the template writes it. Nothing becomes `*` that the author
    /// did not write. [`ResolveContext::unnamed_resources`] is not used.
    #[default]
    Symbols,
    /// `*` (or, for unnamed resources, what
    /// [`ResolveContext::unnamed_resources`] says), recorded as
    /// unresolved; `AWS::Partition` is `aws`. The reading `leash design`
    /// still uses until it writes symbolic designs.
    Wildcards,
}

/// A given parameter value the template does not accept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParameterValueError {
    /// Lowercase, user text in backticks.
    pub message: String,
    /// The template's `AllowedValues` the value is not in, when that is why.
    pub span: Option<Span>,
}

impl std::fmt::Display for ParameterValueError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// Checks values given for template parameters: each must name a parameter
/// the template declares, and be one of its `AllowedValues` when it has
/// them (each item of a list parameter's comma-separated value), as
/// CloudFormation checks them before deploying:
/// <https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/parameters-section-structure.html>.
pub fn check_parameter_values(
    template: &Template,
    values: &BTreeMap<String, String>,
) -> Result<(), ParameterValueError> {
    for (name, value) in values {
        let Some(parameter) = template.parameter(name) else {
            let declared: Vec<String> = template
                .parameters
                .iter()
                .map(|p| format!("`{}`", p.name.node))
                .collect();
            let declared = if declared.is_empty() {
                "it declares none".to_string()
            } else {
                format!("its parameters are {}", declared.join(", "))
            };
            return Err(ParameterValueError {
                message: format!("the template declares no parameter `{name}`; {declared}"),
                span: None,
            });
        };
        let Some(allowed) = &parameter.allowed_values else {
            continue;
        };
        let Some(items) = allowed.as_array() else {
            continue;
        };
        let allowed_texts: Vec<String> = items.iter().filter_map(scalar_text).collect();
        let parameter_type = parameter.parameter_type.as_deref().unwrap_or("String");
        let given: Vec<&str> = if is_list_type(parameter_type) {
            value.split(',').map(str::trim).collect()
        } else {
            vec![value.as_str()]
        };
        for item in given {
            if !allowed_texts.iter().any(|allowed| allowed == item) {
                let listed: Vec<String> = allowed_texts.iter().map(|a| format!("`{a}`")).collect();
                return Err(ParameterValueError {
                    message: format!(
                        "`{item}` is not an allowed value of parameter `{name}`: its `AllowedValues` are {}",
                        listed.join(", ")
                    ),
                    span: Some(allowed.span),
                });
            }
        }
    }
    Ok(())
}

/// `CommaDelimitedList` and `List<...>` parameters hold lists.
fn is_list_type(parameter_type: &str) -> bool {
    parameter_type == "CommaDelimitedList" || parameter_type.starts_with("List<")
}

/// How a resource without a name in the template is written in ARNs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum UnnamedResources {
    /// `*`: every name the resource could get. Over-approximates what a
    /// policy grants, the safe direction for "what can this role do".
    #[default]
    Wildcard,
    /// The logical id (`table/OrdersTable`): one specific resource whose
    /// real name is unknown. What a linter wants, so that a policy scoped to
    /// one table is not reported as granting every table.
    LogicalId,
}

/// An intrinsic that could not be resolved exactly: it became `*` (or, for
/// `Fn::If` on an unknown condition, one branch).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct UnresolvedIntrinsic {
    pub span: Span,
    /// Lowercase, user text in backticks, e.g. "`Fn::ImportValue` is only known at deployment".
    pub reason: String,
}

/// A resolved value and what had to be approximated.
#[derive(Clone, Debug, PartialEq)]
pub struct Resolution {
    pub value: Value,
    pub unresolved: Vec<UnresolvedIntrinsic>,
}

/// Resolves the intrinsics in `value` with an empty [`ResolveContext`].
pub fn resolve(value: &Value, template: &Template) -> Value {
    resolve_with(value, template, &ResolveContext::default()).value
}

/// Resolves the intrinsics in `value`, reporting what was approximated.
pub fn resolve_with(value: &Value, template: &Template, context: &ResolveContext) -> Resolution {
    let mut resolver = Resolver::new(template, context);
    let value = resolver.top(value);
    Resolution {
        value,
        unresolved: resolver.unresolved,
    }
}

/// Resolves with extra names for `Ref` / `${Name}` (SAM policy template
/// parameters), which take precedence over the template's own.
pub(crate) fn resolve_with_parameters(
    value: &Value,
    template: &Template,
    context: &ResolveContext,
    parameters: &HashMap<String, Value>,
) -> Resolution {
    let mut resolver = Resolver::new(template, context);
    resolver.overrides = Some(parameters);
    let value = resolver.top(value);
    Resolution {
        value,
        unresolved: resolver.unresolved,
    }
}

/// Stand-ins for region and account inside the resource table's patterns.
const REGION_PLACEHOLDER: &str = "\u{0}region\u{0}";
const ACCOUNT_PLACEHOLDER: &str = "\u{0}account\u{0}";
const PARTITION_PLACEHOLDER: &str = "\u{0}partition\u{0}";

/// Longest string `Fn::Sub` / `Fn::Join` may build: names that use other
/// names twice double at each step, so a short template could otherwise
/// build gigabytes. IAM policies are at most a few KiB anyway.
const MAX_RESOLVED_STRING: usize = 64 * 1024;

/// Evaluates the template condition `name` with the parameters' defaults;
/// `None` when it depends on something only known at deployment.
pub(crate) fn condition_value(
    template: &Template,
    context: &ResolveContext,
    name: &str,
) -> Option<bool> {
    Resolver::new(template, context).condition(name, 0)
}

/// Deeper than this, references are taken to be cyclic and become `*`.
const MAX_DEPTH: usize = 48;

enum Resolved {
    One(Value),
    /// `Fn::If` on an unknown condition inside a list: both branches.
    Many(Vec<Value>),
    /// `Ref: AWS::NoValue`: the enclosing property or list item goes away.
    Nothing,
}

/// A resource property's resolved text and what it left unresolved.
type ResolvedProperty = (Option<String>, Vec<UnresolvedIntrinsic>);

struct Resolver<'a> {
    template: &'a Template,
    context: &'a ResolveContext,
    overrides: Option<&'a HashMap<String, Value>>,
    unresolved: Vec<UnresolvedIntrinsic>,
    depth: usize,
    /// Resource properties already resolved (logical id, property), with
    /// what they left unresolved; `None` while being resolved (a cycle).
    /// Memoizing keeps `A: ${B}${B}`, `B: ${C}${C}`... linear.
    properties: HashMap<(String, String), Option<ResolvedProperty>>,
    /// Conditions already evaluated; `None` while being evaluated.
    conditions: HashMap<String, Option<Option<bool>>>,
    /// `unresolved` as a set: one entry per place and reason, however often
    /// the place is reached through references.
    seen: HashSet<UnresolvedIntrinsic>,
}

impl<'a> Resolver<'a> {
    fn new(template: &'a Template, context: &'a ResolveContext) -> Self {
        Resolver {
            template,
            context,
            overrides: None,
            unresolved: Vec::new(),
            depth: 0,
            properties: HashMap::new(),
            conditions: HashMap::new(),
            seen: HashSet::new(),
        }
    }

    fn record(&mut self, item: UnresolvedIntrinsic) {
        if self.seen.insert(item.clone()) {
            self.unresolved.push(item);
        }
    }

    /// Forgets what was recorded after the first `length` entries (for
    /// trial resolutions whose approximations do not reach the result).
    fn truncate_unresolved(&mut self, length: usize) {
        for item in self.unresolved.drain(length.min(self.unresolved.len())..) {
            self.seen.remove(&item);
        }
    }

    fn top(&mut self, value: &Value) -> Value {
        match self.value(value, false) {
            Resolved::One(v) => v,
            Resolved::Many(items) => Value::new(ValueKind::Array(items), value.span),
            Resolved::Nothing => Value::new(ValueKind::Null, value.span),
        }
    }

    fn symbolic(&self) -> bool {
        self.context.unknowns == Unknowns::Symbols
    }

    fn wildcard(&mut self, span: Span, reason: impl Into<String>) -> Value {
        self.record(UnresolvedIntrinsic {
            span,
            reason: reason.into(),
        });
        string(span, "*")
    }

    /// A value known only at deployment: the symbol for `kind` (or, with
    /// [`Unknowns::Wildcards`] or a full symbol table, `*`, recorded with
    /// `reason` at `span`).
    fn unknown_text(&mut self, span: Span, kind: SymbolKind, reason: impl Into<String>) -> String {
        if self.symbolic()
            && let Some(symbol) = self.template.symbols.intern(kind)
        {
            return symbol.to_string();
        }
        self.record(UnresolvedIntrinsic {
            span,
            reason: reason.into(),
        });
        "*".to_string()
    }

    fn unknown(&mut self, span: Span, kind: SymbolKind, reason: impl Into<String>) -> Value {
        let text = self.unknown_text(span, kind, reason);
        string(span, &text)
    }

    /// An intrinsic whose value leash does not compute, as one opaque
    /// value (its own symbol: two such intrinsics are two values).
    fn opaque(&mut self, span: Span, intrinsic: &str, reason: impl Into<String>) -> Value {
        let kind = SymbolKind::Opaque {
            intrinsic: format!("!{} …", intrinsic.trim_start_matches("Fn::")),
            at: span.start,
        };
        self.unknown(span, kind, reason)
    }

    /// A pseudo parameter's value: the context's, else a symbol (or what
    /// [`Unknowns::Wildcards`] reads it as).
    /// <https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/pseudo-parameter-reference.html>
    fn pseudo(&mut self, pseudo: Pseudo, span: Span) -> String {
        let known = match pseudo {
            Pseudo::Partition => self.context.partition.clone(),
            Pseudo::Region => self.context.region.clone(),
            Pseudo::AccountId => self.context.account.clone(),
            Pseudo::StackName => self.context.stack_name.clone(),
            Pseudo::UrlSuffix => self.context.partition.as_deref().map(url_suffix),
            Pseudo::StackId | Pseudo::NotificationArns => None,
        };
        if let Some(known) = known {
            return known;
        }
        if !self.symbolic() {
            match pseudo {
                Pseudo::Partition => return "aws".to_string(),
                Pseudo::UrlSuffix => return url_suffix("aws"),
                _ => {}
            }
        }
        let reason = match pseudo {
            Pseudo::Region | Pseudo::AccountId => format!("`{}` is not given", pseudo.name()),
            _ => format!("`{}` is only known at deployment", pseudo.name()),
        };
        self.unknown_text(span, SymbolKind::Pseudo(pseudo), reason)
    }

    fn value(&mut self, value: &Value, in_list: bool) -> Resolved {
        if self.depth > MAX_DEPTH {
            return Resolved::One(
                self.wildcard(value.span, "references nest too deeply (a cycle?)"),
            );
        }
        self.depth += 1;
        let resolved = self.value_inner(value, in_list);
        self.depth -= 1;
        resolved
    }

    fn value_inner(&mut self, value: &Value, in_list: bool) -> Resolved {
        match &value.kind {
            ValueKind::Object(members) => {
                if is_intrinsic(value)
                    && let [member] = members.as_slice()
                {
                    return self.intrinsic(&member.key.node, &member.value, value.span, in_list);
                }
                let mut out = Vec::with_capacity(members.len());
                for member in members {
                    // Policy elements that take a list: an `Fn::If` on an
                    // unknown condition there is the union of its
                    // branches, each checked where it is written.
                    let takes_list = self.symbolic()
                        && matches!(
                            member.key.node.as_str(),
                            "Action"
                                | "NotAction"
                                | "Resource"
                                | "NotResource"
                                | "AWS"
                                | "Service"
                                | "Federated"
                        );
                    match self.value(&member.value, takes_list) {
                        Resolved::One(v) => out.push(Member {
                            key: member.key.clone(),
                            value: v,
                        }),
                        Resolved::Many(items) => out.push(Member {
                            key: member.key.clone(),
                            value: Value::new(ValueKind::Array(items), member.value.span),
                        }),
                        Resolved::Nothing => {}
                    }
                }
                Resolved::One(Value::new(ValueKind::Object(out), value.span))
            }
            ValueKind::Array(items) => {
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    match self.value(item, true) {
                        Resolved::One(v) => out.push(v),
                        Resolved::Many(many) => out.extend(many),
                        Resolved::Nothing => {}
                    }
                }
                Resolved::One(Value::new(ValueKind::Array(out), value.span))
            }
            _ => Resolved::One(value.clone()),
        }
    }

    /// Resolves an argument that must yield one value.
    fn one(&mut self, value: &Value) -> Value {
        self.top(value)
    }

    fn intrinsic(&mut self, name: &str, argument: &Value, span: Span, in_list: bool) -> Resolved {
        let one = match name {
            "Ref" => match argument.as_str() {
                Some("AWS::NoValue") => return Resolved::Nothing,
                Some(target) => self.reference(target, span),
                None => self.opaque(span, name, "`Ref` takes a name"),
            },
            "Fn::GetAtt" => self.get_att(argument, span),
            "Fn::Sub" => self.sub(argument, span),
            "Fn::Join" => self.join(argument, span),
            "Fn::Select" => self.select(argument, span),
            "Fn::Split" => self.split(argument, span),
            "Fn::FindInMap" => self.find_in_map(argument, span),
            "Fn::If" => return self.if_(argument, span, in_list),
            "Fn::ImportValue" => {
                let export = self.one(argument);
                match export.as_str() {
                    Some(export) => self.unknown(
                        span,
                        SymbolKind::Import {
                            export: export.to_string(),
                        },
                        "`Fn::ImportValue` is only known at deployment",
                    ),
                    None => {
                        self.opaque(span, name, "`Fn::ImportValue` is only known at deployment")
                    }
                }
            }
            // Condition functions are not values; they are read by
            // `condition_value` and left alone here.
            "Fn::Equals" | "Fn::And" | "Fn::Or" | "Fn::Not" => {
                return Resolved::One(Value::new(
                    ValueKind::Object(vec![Member {
                        key: leash_policy::Spanned::new(name.to_string(), span),
                        value: argument.clone(),
                    }]),
                    span,
                ));
            }
            other => self.opaque(span, other, format!("`{other}` is not resolved by leash")),
        };
        Resolved::One(one)
    }

    /// `Ref`: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference-ref.html
    fn reference(&mut self, target: &str, span: Span) -> Value {
        if let Some(value) = self.overrides.and_then(|o| o.get(target)) {
            return value.clone();
        }
        if let Some(pseudo) = Pseudo::from_name(target) {
            return string(span, &self.pseudo(pseudo, span));
        }
        if let Some(parameter) = self.template.parameter(target) {
            let parameter_type = parameter.parameter_type.as_deref().unwrap_or("String");
            let is_list = is_list_type(parameter_type);
            let symbol = |resolver: &mut Self, reason: String| {
                let kind = SymbolKind::Parameter {
                    name: target.to_string(),
                    parameter_type: parameter_type.to_string(),
                };
                let value = resolver.unknown(span, kind, reason);
                // A list parameter stands for a list: one unknown item.
                if is_list && resolver.symbolic() {
                    Value::new(ValueKind::Array(vec![value]), span)
                } else {
                    value
                }
            };
            if parameter_type.starts_with("AWS::SSM::Parameter::Value") {
                return symbol(
                    self,
                    format!("parameter `{target}` is read from SSM at deployment"),
                );
            }
            // A value given at deployment takes the place of `Default`:
            // https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/parameters-section-structure.html
            let default = match self.context.parameters.get(target) {
                Some(given) => string(span, given),
                None => {
                    let Some(default) = parameter.default.clone() else {
                        return symbol(self, format!("parameter `{target}` has no default"));
                    };
                    if self.symbolic()
                        && self.context.parameter_defaults == ParameterDefaults::Unknown
                    {
                        return symbol(
                            self,
                            format!(
                                "parameter `{target}` has a default, which a deployment may override"
                            ),
                        );
                    }
                    self.one(&default)
                }
            };
            return match (&default.kind, is_list) {
                (ValueKind::String(text), true) => Value::new(
                    ValueKind::Array(
                        text.split(',')
                            .map(|part| string(span, part.trim()))
                            .collect(),
                    ),
                    span,
                ),
                (ValueKind::String(text), false) => string(span, text),
                (ValueKind::Number(text), _) => string(span, text),
                (ValueKind::Bool(b), _) => string(span, if *b { "true" } else { "false" }),
                _ => Value::new(default.kind, span),
            };
        }
        if let Some(resource) = self.template.resource(target) {
            return match self.resource_attribute(resource, None) {
                Some(text) => string(span, &self.fill_region_and_account(&text, span)),
                None => {
                    let kind = SymbolKind::Attribute {
                        logical_id: target.to_string(),
                        attribute: None,
                        resource_type: Some(resource.resource_type.node.clone()),
                    };
                    let reason = format!(
                        "`Ref` of a `{}` is not in leash's table",
                        resource.resource_type.node
                    );
                    self.unknown(span, kind, reason)
                }
            };
        }
        if let Some(arn) = self.generated_role_arn(target) {
            return string(span, &self.fill_region_and_account(&arn, span));
        }
        // SAM's `AutoPublishAlias` makes `Function.Alias` and
        // `Function.Version` referable: the alias or version ARN.
        // https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-specification-generated-resources-function.html
        if let Some((function_id, suffix)) = target.rsplit_once('.')
            && let Some(function) = self
                .template
                .resource(function_id)
                .filter(|r| r.resource_type.node == "AWS::Serverless::Function")
        {
            let qualifier = match suffix {
                "Alias" => self.property(function, "AutoPublishAlias"),
                "Version" => None,
                _ => return self.undeclared(target, span),
            };
            let qualifier = match qualifier {
                Some(qualifier) => qualifier,
                // The version number is given at deployment.
                None => self.unknown_text(
                    span,
                    SymbolKind::Attribute {
                        logical_id: target.to_string(),
                        attribute: None,
                        resource_type: Some("AWS::Lambda::Version".to_string()),
                    },
                    format!("`{target}` is only known at deployment"),
                ),
            };
            let arn = match self.resource_attribute(function, Some("Arn")) {
                Some(arn) => arn,
                None => "*".to_string(),
            };
            let arn = self.fill_region_and_account(&arn, span);
            return string(span, &format!("{arn}:{qualifier}"));
        }
        self.undeclared(target, span)
    }

    /// A name the template neither declares nor generates (CloudFormation
    /// rejects the template): one unknown value.
    fn undeclared(&mut self, name: &str, span: Span) -> Value {
        let kind = SymbolKind::Attribute {
            logical_id: name.to_string(),
            attribute: None,
            resource_type: None,
        };
        self.unknown(
            span,
            kind,
            format!("`{name}` is not a parameter or resource of the template"),
        )
    }

    /// `Fn::GetAtt`: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference-getatt.html
    fn get_att(&mut self, argument: &Value, span: Span) -> Value {
        let argument = self.one(argument);
        let (logical_id, attribute) = match &argument.kind {
            ValueKind::String(text) => match text.split_once('.') {
                Some((id, attribute)) => (id.to_string(), attribute.to_string()),
                None => return self.wildcard(span, "`Fn::GetAtt` needs `Resource.Attribute`"),
            },
            ValueKind::Array(items) => match (
                items.first().and_then(Value::as_str),
                items.get(1).and_then(Value::as_str),
            ) {
                (Some(id), Some(attribute)) => (id.to_string(), attribute.to_string()),
                _ => return self.wildcard(span, "`Fn::GetAtt` needs a resource and an attribute"),
            },
            _ => return self.wildcard(span, "`Fn::GetAtt` needs a resource and an attribute"),
        };
        self.attribute(&logical_id, &attribute, span)
    }

    fn attribute(&mut self, logical_id: &str, attribute: &str, span: Span) -> Value {
        if let Some(resource) = self.template.resource(logical_id) {
            return match self.resource_attribute(resource, Some(attribute)) {
                Some(text) => string(span, &self.fill_region_and_account(&text, span)),
                None => {
                    let kind = SymbolKind::Attribute {
                        logical_id: logical_id.to_string(),
                        attribute: Some(attribute.to_string()),
                        resource_type: Some(resource.resource_type.node.clone()),
                    };
                    let reason = format!(
                        "attribute `{attribute}` of a `{}` is not in leash's table",
                        resource.resource_type.node
                    );
                    self.unknown(span, kind, reason)
                }
            };
        }
        if attribute == "Arn"
            && let Some(arn) = self.generated_role_arn(logical_id)
        {
            return string(span, &self.fill_region_and_account(&arn, span));
        }
        let kind = SymbolKind::Attribute {
            logical_id: logical_id.to_string(),
            attribute: Some(attribute.to_string()),
            resource_type: None,
        };
        self.unknown(
            span,
            kind,
            format!("`{logical_id}` is not a resource of the template"),
        )
    }

    /// SAM names the execution role it generates `<Function>Role`; its
    /// physical name is generated, so only the path is known.
    /// Replaces the placeholders of [`Self::resource_attribute`] with the
    /// context's region and account, recording an unknown one at `span`.
    fn fill_region_and_account(&mut self, text: &str, span: Span) -> String {
        let mut text = text.to_string();
        for (placeholder, pseudo) in [
            (PARTITION_PLACEHOLDER, Pseudo::Partition),
            (REGION_PLACEHOLDER, Pseudo::Region),
            (ACCOUNT_PLACEHOLDER, Pseudo::AccountId),
        ] {
            if text.contains(placeholder) {
                let value = self.pseudo(pseudo, span);
                text = text.replace(placeholder, &value);
            }
        }
        text
    }

    /// SAM names the execution role it generates `<Function>Role`; its
    /// name is generated at deployment.
    fn generated_role_arn(&mut self, logical_id: &str) -> Option<String> {
        let owner = logical_id.strip_suffix("Role")?;
        let resource = self.template.resource(owner)?;
        let generates = matches!(
            resource.resource_type.node.as_str(),
            "AWS::Serverless::Function" | "AWS::Serverless::StateMachine"
        ) && resource.properties.get("Role").is_none();
        if !generates {
            return None;
        }
        let name = if self.symbolic() {
            let kind = SymbolKind::GeneratedName {
                logical_id: logical_id.to_string(),
                resource_type: "AWS::IAM::Role".to_string(),
            };
            self.unknown_text(
                resource.logical_id.span,
                kind,
                "the role SAM generates is named at deployment",
            )
        } else {
            "*".to_string()
        };
        catalog_arn("iam", "role", &[("RoleNameWithPath", &name)])
    }

    /// A string property of a resource, resolved (`*` inside where unknown).
    fn property(&mut self, resource: &Resource, name: &str) -> Option<String> {
        let value = resource.properties.get(name)?;
        let key = (resource.logical_id.node.clone(), name.to_string());
        match self.properties.get(&key) {
            Some(Some((text, unresolved))) => {
                let (text, unresolved) = (text.clone(), unresolved.clone());
                for item in unresolved {
                    self.record(item);
                }
                return text;
            }
            Some(None) => {
                self.record(UnresolvedIntrinsic {
                    span: value.span,
                    reason: format!("`{}.{name}` refers to itself", resource.logical_id.node),
                });
                return Some("*".to_string());
            }
            None => {}
        }
        self.properties.insert(key.clone(), None);
        let before = self.unresolved.len();
        let resolved = self.one(value);
        let text = match resolved.kind {
            ValueKind::String(text) => Some(text),
            ValueKind::Number(text) => Some(text),
            _ => Some("*".to_string()),
        };
        let unresolved = self.unresolved.get(before..).unwrap_or(&[]).to_vec();
        self.properties
            .insert(key, Some((text.clone(), unresolved)));
        text
    }

    /// An identifier the service always generates (an AppSync API id):
    /// `*`, or the logical id when unnamed resources are written so.
    fn generated_identifier(&mut self, resource: &Resource) -> String {
        if self.symbolic() {
            let kind = SymbolKind::GeneratedName {
                logical_id: resource.logical_id.node.clone(),
                resource_type: resource.resource_type.node.clone(),
            };
            let reason = format!(
                "the identifier of `{}` is generated at deployment",
                resource.logical_id.node
            );
            return self.unknown_text(resource.logical_id.span, kind, reason);
        }
        match self.context.unnamed_resources {
            UnnamedResources::Wildcard => "*".to_string(),
            UnnamedResources::LogicalId => resource.logical_id.node.clone(),
        }
    }

    /// The resource's name property, resolved; without one, the name
    /// CloudFormation generates at deployment.
    fn name_or_wildcard(&mut self, resource: &Resource, name: &str) -> String {
        match self.property(resource, name) {
            Some(text) => text,
            None => self.generated_identifier(resource),
        }
    }

    /// The whole of `Ref` (`attribute` None) or `Fn::GetAtt` of `resource`
    /// as one unknown value, for return values whose parts leash cannot
    /// name (a stream label, an ARN's random suffix); `fallback` is the
    /// pattern [`Unknowns::Wildcards`] reads it as.
    fn whole_attribute(
        &mut self,
        resource: &Resource,
        attribute: Option<&str>,
        fallback: String,
    ) -> String {
        if !self.symbolic() {
            return fallback;
        }
        let kind = SymbolKind::Attribute {
            logical_id: resource.logical_id.node.clone(),
            attribute: attribute.map(str::to_string),
            resource_type: Some(resource.resource_type.node.clone()),
        };
        self.unknown_text(
            resource.logical_id.span,
            kind,
            "the value is only known at deployment",
        )
    }

    /// The resource table: what `Ref` (`attribute` = None) and `Fn::GetAtt`
    /// return for each resource type, as a pattern. Names a template does
    /// not set are generated by CloudFormation at deployment and become `*`.
    /// Return values are listed on each resource type's page of the
    /// CloudFormation resource reference, e.g.
    /// <https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-dynamodb-table.html#aws-resource-dynamodb-table-return-values>.
    fn resource_attribute(
        &mut self,
        resource: &Resource,
        attribute: Option<&str>,
    ) -> Option<String> {
        // ARNs come from the catalog's templates ([`catalog_arn`]), with
        // placeholders that `fill_region_and_account` fills; so do the
        // region and account of the non-ARN return values here.
        let r = REGION_PLACEHOLDER;
        let a = ACCOUNT_PLACEHOLDER;
        let resource_type = resource.resource_type.node.clone();
        let text = match (resource_type.as_str(), attribute) {
            ("AWS::S3::Bucket", _) => {
                let name = self.name_or_wildcard(resource, "BucketName");
                match attribute {
                    None => name,
                    Some("Arn") => catalog_arn("s3", "bucket", &[("BucketName", &name)])?,
                    Some("DomainName") => format!("{name}.s3.amazonaws.com"),
                    Some("RegionalDomainName") => format!("{name}.s3.{r}.amazonaws.com"),
                    _ => return None,
                }
            }
            (
                "AWS::DynamoDB::Table"
                | "AWS::DynamoDB::GlobalTable"
                | "AWS::Serverless::SimpleTable",
                _,
            ) => {
                let name = self.name_or_wildcard(resource, "TableName");
                match attribute {
                    None => name,
                    Some("Arn") => catalog_arn("dynamodb", "table", &[("TableName", &name)])?,
                    // The stream's label is a timestamp set at deployment:
                    // one unknown part of a known shape.
                    Some("StreamArn") => {
                        let label = if self.symbolic() {
                            let kind = SymbolKind::Opaque {
                                intrinsic: format!(
                                    "{{stream label of {}}}",
                                    resource.logical_id.node
                                ),
                                at: resource.logical_id.span.start,
                            };
                            self.unknown_text(
                                resource.logical_id.span,
                                kind,
                                "the stream label is only known at deployment",
                            )
                        } else {
                            "*".to_string()
                        };
                        catalog_arn(
                            "dynamodb",
                            "stream",
                            &[("TableName", &name), ("StreamLabel", &label)],
                        )?
                    }
                    _ => return None,
                }
            }
            ("AWS::Lambda::Function" | "AWS::Serverless::Function", _) => {
                let name = self.name_or_wildcard(resource, "FunctionName");
                match attribute {
                    None => name,
                    Some("Arn") => catalog_arn("lambda", "function", &[("FunctionName", &name)])?,
                    _ => return None,
                }
            }
            ("AWS::SQS::Queue", _) => {
                let name = self.name_or_wildcard(resource, "QueueName");
                match attribute {
                    None | Some("QueueUrl") => format!("https://sqs.{r}.amazonaws.com/{a}/{name}"),
                    Some("Arn") => catalog_arn("sqs", "queue", &[("QueueName", &name)])?,
                    Some("QueueName") => name,
                    _ => return None,
                }
            }
            ("AWS::SNS::Topic", _) => {
                let name = self.name_or_wildcard(resource, "TopicName");
                match attribute {
                    None | Some("TopicArn") => {
                        catalog_arn("sns", "topic", &[("TopicName", &name)])?
                    }
                    Some("TopicName") => name,
                    _ => return None,
                }
            }
            (
                "AWS::IAM::Role"
                | "AWS::IAM::User"
                | "AWS::IAM::Group"
                | "AWS::IAM::InstanceProfile",
                _,
            ) => {
                let (name_property, kind, placeholder) = match resource_type.as_str() {
                    "AWS::IAM::Role" => ("RoleName", "role", "RoleNameWithPath"),
                    "AWS::IAM::User" => ("UserName", "user", "UserNameWithPath"),
                    "AWS::IAM::Group" => ("GroupName", "group", "GroupNameWithPath"),
                    _ => (
                        "InstanceProfileName",
                        "instance-profile",
                        "InstanceProfileNameWithPath",
                    ),
                };
                let name = self.name_or_wildcard(resource, name_property);
                let path = self
                    .property(resource, "Path")
                    .unwrap_or_else(|| "/".to_string());
                match attribute {
                    None => name,
                    // `${RoleNameWithPath}` follows `role/`: the path
                    // without its leading `/`.
                    Some("Arn") => {
                        let with_path = format!("{}{name}", path.trim_start_matches('/'));
                        catalog_arn("iam", kind, &[(placeholder, &with_path)])?
                    }
                    _ => return None,
                }
            }
            ("AWS::IAM::ManagedPolicy", None | Some("PolicyArn")) => {
                let name = self.name_or_wildcard(resource, "ManagedPolicyName");
                let path = self
                    .property(resource, "Path")
                    .unwrap_or_else(|| "/".to_string());
                let with_path = format!("{}{name}", path.trim_start_matches('/'));
                catalog_arn("iam", "policy", &[("PolicyNameWithPath", &with_path)])?
            }
            ("AWS::StepFunctions::StateMachine" | "AWS::Serverless::StateMachine", _) => {
                let name_property = if resource_type == "AWS::Serverless::StateMachine" {
                    "Name"
                } else {
                    "StateMachineName"
                };
                let name = self.name_or_wildcard(resource, name_property);
                match attribute {
                    None | Some("Arn") => {
                        catalog_arn("states", "statemachine", &[("StateMachineName", &name)])?
                    }
                    Some("Name") => name,
                    _ => return None,
                }
            }
            ("AWS::Logs::LogGroup", _) => {
                let name = self.name_or_wildcard(resource, "LogGroupName");
                match attribute {
                    None => name,
                    // GetAtt Arn ends in `:*` (the log streams).
                    Some("Arn") => format!(
                        "{}:*",
                        catalog_arn("logs", "log-group", &[("LogGroupName", &name)])?
                    ),
                    _ => return None,
                }
            }
            ("AWS::SecretsManager::Secret", None | Some("Id")) => {
                // Secrets Manager appends `-` and six random characters.
                match self.property(resource, "Name") {
                    Some(name) => catalog_arn(
                        "secretsmanager",
                        "Secret",
                        &[("SecretId", &format!("{name}-??????"))],
                    )?,
                    None => self.whole_attribute(
                        resource,
                        None,
                        catalog_arn("secretsmanager", "Secret", &[("SecretId", "*")])?,
                    ),
                }
            }
            ("AWS::SSM::Parameter", None) => self.name_or_wildcard(resource, "Name"),
            ("AWS::Kinesis::Stream", _) => {
                let name = self.name_or_wildcard(resource, "Name");
                match attribute {
                    None => name,
                    Some("Arn") => catalog_arn("kinesis", "stream", &[("StreamName", &name)])?,
                    _ => return None,
                }
            }
            ("AWS::KinesisFirehose::DeliveryStream", _) => {
                let name = self.name_or_wildcard(resource, "DeliveryStreamName");
                match attribute {
                    None => name,
                    Some("Arn") => catalog_arn(
                        "firehose",
                        "deliverystream",
                        &[("DeliveryStreamName", &name)],
                    )?,
                    _ => return None,
                }
            }
            ("AWS::Events::EventBus", _) => {
                let name = self.name_or_wildcard(resource, "Name");
                match attribute {
                    None | Some("Name") => name,
                    Some("Arn") => catalog_arn("events", "event-bus", &[("EventBusName", &name)])?,
                    _ => return None,
                }
            }
            ("AWS::Events::Rule", _) => {
                let name = self.name_or_wildcard(resource, "Name");
                let bus = self.property(resource, "EventBusName");
                match attribute {
                    None => name,
                    Some("Arn") => match bus.as_deref() {
                        None | Some("default") => catalog_arn(
                            "events",
                            "rule-on-default-event-bus",
                            &[("RuleName", &name)],
                        )?,
                        Some(bus) => {
                            let bus = bus.rsplit('/').next().unwrap_or(bus);
                            catalog_arn(
                                "events",
                                "rule-on-custom-event-bus",
                                &[("EventBusName", bus), ("RuleName", &name)],
                            )?
                        }
                    },
                    _ => return None,
                }
            }
            // The key id is generated by KMS; `Ref` returns it.
            ("AWS::KMS::Key", Some("Arn")) => {
                let id = if self.symbolic() {
                    self.generated_identifier(resource)
                } else {
                    "*".to_string()
                };
                catalog_arn("kms", "key", &[("KeyId", &id)])?
            }
            ("AWS::KMS::Key", None | Some("KeyId")) if self.symbolic() => {
                self.generated_identifier(resource)
            }
            ("AWS::KMS::Alias", None) => self.name_or_wildcard(resource, "AliasName"),
            // A collection's id is generated by OpenSearch Serverless;
            // `Ref` and `Id` return it, `Arn` names the collection by it.
            // https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-opensearchserverless-collection.html
            ("AWS::OpenSearchServerless::Collection", None | Some("Id")) => {
                self.generated_identifier(resource)
            }
            ("AWS::OpenSearchServerless::Collection", Some("Arn")) => {
                let id = self.generated_identifier(resource);
                catalog_arn("aoss", "collection", &[("CollectionId", &id)])?
            }
            ("AWS::Lambda::LayerVersion" | "AWS::Serverless::LayerVersion", None) => {
                // The version number is given at deployment.
                let name = self.name_or_wildcard(resource, "LayerName");
                let fallback = catalog_arn(
                    "lambda",
                    "layerVersion",
                    &[("LayerName", &name), ("LayerVersion", "*")],
                )?;
                self.whole_attribute(resource, None, fallback)
            }
            // The pool id is generated; `Ref` returns it.
            ("AWS::Cognito::UserPool", Some("Arn")) => {
                let id = if self.symbolic() {
                    self.generated_identifier(resource)
                } else {
                    "*".to_string()
                };
                catalog_arn("cognito-idp", "userpool", &[("UserPoolId", &id)])?
            }
            // `Ref` returns the API's ARN, like `Arn`:
            // https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-appsync-graphqlapi.html#aws-resource-appsync-graphqlapi-return-values
            // SAM's `AWS::Serverless::GraphQLApi` becomes an
            // `AWS::AppSync::GraphQLApi` with the same logical id:
            // https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-specification-generated-resources-graphqlapi.html
            // The API id is always generated by AppSync.
            (
                "AWS::AppSync::GraphQLApi" | "AWS::Serverless::GraphQLApi",
                None | Some("Arn" | "GraphQLApiArn" | "ApiId"),
            ) => {
                let id = self.generated_identifier(resource);
                match attribute {
                    Some("ApiId") => id,
                    _ => catalog_arn("appsync", "graphqlapi", &[("GraphQLAPIId", &id)])?,
                }
            }
            ("AWS::ECR::Repository", _) => {
                let name = self.name_or_wildcard(resource, "RepositoryName");
                match attribute {
                    None => name,
                    Some("Arn") => catalog_arn("ecr", "repository", &[("RepositoryName", &name)])?,
                    _ => return None,
                }
            }
            (
                "AWS::OpenSearchService::Domain" | "AWS::Elasticsearch::Domain",
                Some("Arn" | "DomainArn"),
            ) => {
                let name = self.name_or_wildcard(resource, "DomainName");
                catalog_arn("es", "domain", &[("DomainName", &name)])?
            }
            // Both ARNs end in an id EventBridge generates.
            ("AWS::Events::Connection", Some("Arn")) => {
                let name = self.name_or_wildcard(resource, "Name");
                let fallback = format!(
                    "{}/*",
                    catalog_arn("events", "connection", &[("ConnectionName", &name)])?
                );
                self.whole_attribute(resource, attribute, fallback)
            }
            ("AWS::Events::ApiDestination", Some("Arn")) => {
                let name = self.name_or_wildcard(resource, "Name");
                let fallback = format!(
                    "{}/*",
                    catalog_arn(
                        "events",
                        "api-destination",
                        &[("ApiDestinationName", &name)],
                    )?
                );
                self.whole_attribute(resource, attribute, fallback)
            }
            ("AWS::Pipes::Pipe", Some("Arn")) => {
                let name = self.name_or_wildcard(resource, "Name");
                catalog_arn("pipes", "pipe", &[("Name", &name)])?
            }
            ("AWS::CloudWatch::Alarm", Some("Arn")) => {
                let name = self.name_or_wildcard(resource, "AlarmName");
                catalog_arn("cloudwatch", "alarm", &[("AlarmName", &name)])?
            }
            _ => return None,
        };
        Some(text)
    }

    /// `Fn::Sub`: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference-sub.html
    fn sub(&mut self, argument: &Value, span: Span) -> Value {
        let (template_string, variables) = match &argument.kind {
            ValueKind::String(text) => (text.clone(), None),
            ValueKind::Array(items) => {
                match (items.first().and_then(Value::as_str), items.get(1)) {
                    (Some(text), variables) => (text.to_string(), variables),
                    _ => return self.opaque(span, "Fn::Sub", "`Fn::Sub` needs a string"),
                }
            }
            _ => return self.opaque(span, "Fn::Sub", "`Fn::Sub` needs a string"),
        };
        let mut out = String::with_capacity(template_string.len());
        let mut rest = template_string.as_str();
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            // `${!Literal}` writes `${Literal}`.
            if let Some(literal) = after.strip_prefix('!') {
                out.push_str("${");
                rest = literal;
                continue;
            }
            let Some(end) = after.find('}') else {
                out.push_str(&rest[start..]);
                rest = "";
                break;
            };
            let name = &after[..end];
            rest = &after[end + 1..];
            let replacement = match variables.and_then(|v| v.get(name)) {
                Some(variable) => self.one(variable),
                None => match name.split_once('.') {
                    Some((id, attribute)) if !name.starts_with("AWS::") => {
                        self.attribute(id, attribute, span)
                    }
                    _ => self.reference(name, span),
                },
            };
            match &replacement.kind {
                ValueKind::String(text) | ValueKind::Number(text) => {
                    if out.len() + text.len() > MAX_RESOLVED_STRING {
                        return self.wildcard(span, "`Fn::Sub` builds a string longer than 64 KiB");
                    }
                    out.push_str(text);
                }
                ValueKind::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
                _ => {
                    let text = self.unknown_text(
                        span,
                        SymbolKind::Opaque {
                            intrinsic: format!("${{{name}}}"),
                            at: span.start,
                        },
                        format!("`${{{name}}}` is not a string"),
                    );
                    out.push_str(&text);
                }
            }
        }
        out.push_str(rest);
        string(span, &out)
    }

    /// `Fn::Join`: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference-join.html
    fn join(&mut self, argument: &Value, span: Span) -> Value {
        let Some([delimiter, list]) = argument.as_array() else {
            return self.opaque(span, "Fn::Join", "`Fn::Join` needs a delimiter and a list");
        };
        let delimiter = self.one(delimiter);
        let list = self.one(list);
        let (Some(delimiter), Some(items)) = (delimiter.as_str(), list.as_array()) else {
            return self.opaque(span, "Fn::Join", "`Fn::Join` needs a delimiter and a list");
        };
        let mut parts = Vec::with_capacity(items.len());
        let mut length = 0;
        for item in items {
            match &item.kind {
                ValueKind::String(text) | ValueKind::Number(text) => {
                    length += text.len() + delimiter.len();
                    if length > MAX_RESOLVED_STRING {
                        return self
                            .wildcard(span, "`Fn::Join` builds a string longer than 64 KiB");
                    }
                    parts.push(text.clone())
                }
                _ => {
                    return self.opaque(
                        span,
                        "Fn::Join",
                        "`Fn::Join` of a value that is not a string",
                    );
                }
            }
        }
        string(span, &parts.join(delimiter))
    }

    /// `Fn::Select`: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference-select.html
    fn select(&mut self, argument: &Value, span: Span) -> Value {
        let Some([index, list]) = argument.as_array() else {
            return self.opaque(span, "Fn::Select", "`Fn::Select` needs an index and a list");
        };
        let index = self.one(index);
        let list = self.one(list);
        let index = match &index.kind {
            ValueKind::String(text) | ValueKind::Number(text) => text.parse::<usize>().ok(),
            _ => None,
        };
        match (index, list.as_array()) {
            (Some(i), Some(items)) => match items.get(i) {
                Some(item) => Value::new(item.kind.clone(), span),
                None => self.opaque(
                    span,
                    "Fn::Select",
                    "`Fn::Select` index is not known to be in the list",
                ),
            },
            _ => self.opaque(span, "Fn::Select", "`Fn::Select` of an unknown list"),
        }
    }

    /// `Fn::Split`: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference-split.html
    fn split(&mut self, argument: &Value, span: Span) -> Value {
        let Some([delimiter, source]) = argument.as_array() else {
            return self.opaque(
                span,
                "Fn::Split",
                "`Fn::Split` needs a delimiter and a string",
            );
        };
        let delimiter = self.one(delimiter);
        let source = self.one(source);
        match (delimiter.as_str(), source.as_str()) {
            (Some(delimiter), Some(text)) if !delimiter.is_empty() => Value::new(
                ValueKind::Array(
                    text.split(delimiter)
                        .map(|part| string(span, part))
                        .collect(),
                ),
                span,
            ),
            _ => self.opaque(span, "Fn::Split", "`Fn::Split` of an unknown string"),
        }
    }

    /// `Fn::FindInMap`: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference-findinmap.html
    fn find_in_map(&mut self, argument: &Value, span: Span) -> Value {
        let Some(items) = argument.as_array() else {
            return self.opaque(
                span,
                "Fn::FindInMap",
                "`Fn::FindInMap` needs a map and two keys",
            );
        };
        let keys: Vec<Option<String>> = items
            .iter()
            .take(3)
            .map(|item| {
                let before = self.unresolved.len();
                let resolved = self.one(item);
                let exact = self.unresolved.len() == before;
                self.truncate_unresolved(before);
                resolved
                    .as_str()
                    .filter(|text| exact && !leash_policy::symbol::contains_symbol(text))
                    .map(str::to_string)
            })
            .collect();
        if let [Some(map), Some(top), Some(second)] = keys.as_slice()
            && let Some(found) = self
                .template
                .mapping(map)
                .and_then(|m| m.get(top))
                .and_then(|m| m.get(second))
                .cloned()
        {
            let found = self.one(&found);
            return Value::new(found.kind, span);
        }
        self.opaque(
            span,
            "Fn::FindInMap",
            "`Fn::FindInMap` with keys only known at deployment",
        )
    }

    /// `Fn::If`: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference-conditions.html#intrinsic-function-reference-conditions-if
    ///
    /// A condition that the parameter defaults decide picks its branch. An
    /// unknown one gives both branches inside a list (a union) and the
    /// true branch elsewhere, recorded as unresolved: choosing one branch
    /// can under-approximate what the deployed template grants.
    fn if_(&mut self, argument: &Value, span: Span, in_list: bool) -> Resolved {
        let Some([condition, when_true, when_false]) = argument.as_array() else {
            return Resolved::One(self.opaque(
                span,
                "Fn::If",
                "`Fn::If` needs a condition and two values",
            ));
        };
        let known = condition.as_str().and_then(|name| self.condition(name, 0));
        match known {
            Some(true) => self.value(when_true, in_list),
            Some(false) => self.value(when_false, in_list),
            None if in_list => {
                let mut items = Vec::new();
                for branch in [when_true, when_false] {
                    match self.value(branch, true) {
                        Resolved::One(v) => items.push(v),
                        Resolved::Many(many) => items.extend(many),
                        Resolved::Nothing => {}
                    }
                }
                Resolved::Many(items)
            }
            None => {
                let name = condition.as_str().unwrap_or("?").to_string();
                if self.symbolic() {
                    // One value, which is one of the branches: a choice.
                    let before = self.unresolved.len();
                    let branches = [self.one(when_true), self.one(when_false)];
                    if let [Some(yes), Some(no)] = branches.each_ref().map(|b| b.as_str()) {
                        let kind = SymbolKind::Choice {
                            condition: name.clone(),
                            values: vec![yes.to_string(), no.to_string()],
                        };
                        return Resolved::One(self.unknown(
                            span,
                            kind,
                            format!("condition `{name}` is only known at deployment"),
                        ));
                    }
                    self.truncate_unresolved(before);
                }
                self.record(UnresolvedIntrinsic {
                    span,
                    reason: format!(
                        "condition `{name}` is only known at deployment; the true branch was taken"
                    ),
                });
                self.value(when_true, in_list)
            }
        }
    }

    /// Evaluates a named condition with the parameters' defaults; `None`
    /// when it depends on something only known at deployment.
    fn condition(&mut self, name: &str, depth: usize) -> Option<bool> {
        match self.conditions.get(name) {
            Some(Some(known)) => return *known,
            // A condition that depends on itself is not decided.
            Some(None) => return None,
            None => {}
        }
        let expression = self.template.condition(name)?.clone();
        self.conditions.insert(name.to_string(), None);
        let known = self.condition_expression(&expression, depth + 1);
        self.conditions.insert(name.to_string(), Some(known));
        known
    }

    fn condition_expression(&mut self, expression: &Value, depth: usize) -> Option<bool> {
        if depth > MAX_DEPTH {
            return None;
        }
        let [member] = expression.as_object()? else {
            return None;
        };
        let argument = &member.value;
        match member.key.node.as_str() {
            "Condition" => self.condition(argument.as_str()?, depth),
            "Fn::Not" => {
                Some(!self.condition_expression(argument.as_array()?.first()?, depth + 1)?)
            }
            "Fn::And" | "Fn::Or" => {
                let is_and = member.key.node == "Fn::And";
                let mut any_unknown = false;
                for operand in argument.as_array()? {
                    match self.condition_expression(operand, depth + 1) {
                        Some(value) if value != is_and => return Some(value),
                        Some(_) => {}
                        None => any_unknown = true,
                    }
                }
                if any_unknown { None } else { Some(is_and) }
            }
            "Fn::Equals" => {
                let [left, right] = argument.as_array()? else {
                    return None;
                };
                let before = self.unresolved.len();
                let left = self.one(left);
                let right = self.one(right);
                let exact = self.unresolved.len() == before;
                self.truncate_unresolved(before);
                if !exact {
                    return None;
                }
                let (left, right) = (scalar_text(&left)?, scalar_text(&right)?);
                // A value known only at deployment equals only itself.
                if left != right
                    && (leash_policy::symbol::contains_symbol(&left)
                        || leash_policy::symbol::contains_symbol(&right))
                {
                    return None;
                }
                Some(left == right)
            }
            _ => None,
        }
    }
}

fn scalar_text(value: &Value) -> Option<String> {
    match &value.kind {
        ValueKind::String(text) | ValueKind::Number(text) => Some(text.clone()),
        ValueKind::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// The ARN of a resource of the catalog's resource type `resource_type` of
/// `service`, from the catalog's ARN template: `${Partition}`, `${Region}`
/// and `${Account}` become the resolver's placeholders, each other
/// placeholder its value in `values` (by the template's name for it).
/// `None` when the catalog lacks the type or a placeholder has no value.
/// The ARN formats of template resources thus come from one place, the
/// catalog (<https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html>).
fn catalog_arn(service: &str, resource_type: &str, values: &[(&str, &str)]) -> Option<String> {
    let template = leash_catalog::catalog()
        .service(service)?
        .resource_type(resource_type)?
        .arn_template();
    // A type with two forms lists them separated by `, `: the first.
    let template = template.split(", ").next().unwrap_or(template);
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after.find('}')?;
        let name = &after[..end];
        let value = match name {
            "Partition" => PARTITION_PLACEHOLDER,
            "Region" => REGION_PLACEHOLDER,
            "Account" => ACCOUNT_PLACEHOLDER,
            _ => values.iter().find(|(n, _)| *n == name)?.1,
        };
        out.push_str(value);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Some(out)
}

/// `AWS::URLSuffix` in `partition`: `amazonaws.com.cn` in China, else
/// `amazonaws.com`.
fn url_suffix(partition: &str) -> String {
    if partition == "aws-cn" {
        "amazonaws.com.cn".to_string()
    } else {
        "amazonaws.com".to_string()
    }
}

fn string(span: Span, text: &str) -> Value {
    Value::new(ValueKind::String(text.to_string()), span)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::template::read_template;

    const TEMPLATE: &str = "\
Parameters:
  Stage: {Type: String, Default: prod}
  NoDefault: {Type: String}
  Names: {Type: CommaDelimitedList, Default: 'a,b'}
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
  IsUnknown: !Equals [!Ref NoDefault, x]
Mappings:
  Env: {prod: {Table: orders-prod}}
Resources:
  Table:
    Type: AWS::DynamoDB::Table
    Properties: {TableName: !Sub 'orders-${Stage}'}
  Bucket: {Type: AWS::S3::Bucket}
  Queue: {Type: AWS::SQS::Queue, Properties: {QueueName: q}}
  Topic: {Type: AWS::SNS::Topic, Properties: {TopicName: t}}
  Group: {Type: AWS::Logs::LogGroup, Properties: {LogGroupName: /aws/lambda/f}}
  Secret: {Type: AWS::SecretsManager::Secret, Properties: {Name: s}}
  Fn: {Type: AWS::Serverless::Function, Properties: {FunctionName: f, AutoPublishAlias: live}}
  Role: {Type: AWS::IAM::Role, Properties: {RoleName: r, Path: /app/}}
  Machine: {Type: AWS::Serverless::StateMachine}
Outputs:
  V:
    A: !GetAtt Table.Arn
    B: !Sub 'arn:${AWS::Partition}:s3:::${Bucket}/*'
    C: !Join [':', [!Ref AWS::Region, !Ref AWS::AccountId]]
    D: !Select [1, !Ref Names]
    E: !If [IsProd, yes, no]
    F: [!If [IsUnknown, x, y]]
    G: !If [IsUnknown, x, y]
    H: !FindInMap [Env, !Ref Stage, Table]
    I: !Sub '${!Literal}-${Queue.Arn}'
    J: !ImportValue Shared
    K: [a, !Ref AWS::NoValue]
    L: !GetAtt Group.Arn
    M: !Ref Secret
    N: !GetAtt FnRole.Arn
    O: !GetAtt Role.Arn
    P: !Ref Machine
    Q: !Sub ['${X}/${Topic}', {X: !Ref NoDefault}]
    R: !Ref Queue
    S: !Ref Fn.Alias
";

    fn outputs(context: &ResolveContext) -> Resolution {
        let template = read_template(TEMPLATE).unwrap();
        let value = template
            .root
            .get("Outputs")
            .unwrap()
            .get("V")
            .unwrap()
            .clone();
        resolve_with(&value, &template, context)
    }

    fn text<'a>(resolution: &'a Resolution, key: &str) -> &'a str {
        resolution.value.get(key).unwrap().as_str().unwrap()
    }

    fn wildcards() -> ResolveContext {
        ResolveContext {
            unknowns: Unknowns::Wildcards,
            ..Default::default()
        }
    }

    /// Each output of [`TEMPLATE`] resolved symbolically, written as the
    /// template's symbol table writes it back.
    #[test]
    fn values_known_only_at_deployment_are_symbols() {
        let template = read_template(TEMPLATE).unwrap();
        let value = template.root.get("Outputs").unwrap().get("V").unwrap();
        let r = resolve_with(value, &template, &ResolveContext::default());
        let shown = |key: &str| template.symbols.display(text(&r, key));
        let arn_prefix = "arn:${AWS::Partition}";
        let at = "${AWS::Region}:${AWS::AccountId}";
        assert_eq!(
            shown("A"),
            format!("{arn_prefix}:dynamodb:{at}:table/orders-prod")
        );
        // The bucket has no name: its generated name, never `*`.
        assert_eq!(shown("B"), "arn:${AWS::Partition}:s3:::${Bucket}/*");
        assert_eq!(shown("C"), at);
        assert_eq!(shown("G"), "!If [IsUnknown, x, y]");
        assert_eq!(shown("I"), format!("${{Literal}}-{arn_prefix}:sqs:{at}:q"));
        assert_eq!(shown("J"), "!ImportValue Shared");
        assert_eq!(
            shown("N"),
            format!("{arn_prefix}:iam::${{AWS::AccountId}}:role/${{FnRole}}")
        );
        assert_eq!(
            shown("P"),
            format!("{arn_prefix}:states:{at}:stateMachine:${{Machine.Name}}")
        );
        assert_eq!(
            shown("Q"),
            format!("${{NoDefault}}/{arn_prefix}:sns:{at}:t")
        );
        assert_eq!(
            shown("R"),
            "https://sqs.${AWS::Region}.amazonaws.com/${AWS::AccountId}/q"
        );
        // Inside a list, an unknown condition still gives both branches.
        let f = r.value.get("F").unwrap().as_array().unwrap();
        assert_eq!(f.len(), 2);
        // The same value is the same symbol wherever it is met.
        assert_eq!(text(&r, "C").chars().next(), text(&r, "R").chars().nth(12));
        // Nothing was approximated.
        assert!(r.unresolved.is_empty(), "{:?}", r.unresolved);
    }

    /// An `Fn::If` on an unknown condition where a policy takes a list
    /// (`Resource`, `Action`, principals) is the union of its branches,
    /// each at its own position; elsewhere it is one value, a choice.
    #[test]
    fn unknown_conditions_in_policy_lists_give_both_branches() {
        let text = "\
Parameters:
  Existing: {Type: String, Default: ''}
Conditions:
  CreateBucket: !Equals [!Ref Existing, '']
  Other: !Equals [!Ref AWS::Region, us-east-1]
Resources:
  New: {Type: AWS::S3::Bucket}
Outputs:
  V:
    Resource: !If [Other, !GetAtt New.Arn, '*']
    Effect: !If [Other, Allow, Deny]
";
        let template = read_template(text).unwrap();
        let value = template.root.get("Outputs").unwrap().get("V").unwrap();
        let r = resolve_with(value, &template, &ResolveContext::default());
        let resources: Vec<String> = r
            .value
            .get("Resource")
            .unwrap()
            .as_array()
            .unwrap()
            .iter()
            .map(|v| template.symbols.display(v.as_str().unwrap()))
            .collect();
        assert_eq!(resources, ["arn:${AWS::Partition}:s3:::${New}", "*"]);
        let effect = r.value.get("Effect").unwrap().as_str().unwrap();
        assert_eq!(template.symbols.display(effect), "!If [Other, Allow, Deny]");
    }

    #[test]
    fn resolves_the_resource_table_and_functions() {
        let r = outputs(&wildcards());
        assert_eq!(text(&r, "A"), "arn:aws:dynamodb:*:*:table/orders-prod");
        assert_eq!(text(&r, "B"), "arn:aws:s3:::*/*");
        assert_eq!(text(&r, "C"), "*:*");
        assert_eq!(text(&r, "D"), "b");
        assert_eq!(text(&r, "E"), "yes");
        let f: Vec<_> = r
            .value
            .get("F")
            .unwrap()
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert_eq!(f, ["x", "y"]);
        assert_eq!(text(&r, "G"), "x");
        assert_eq!(text(&r, "H"), "orders-prod");
        assert_eq!(text(&r, "I"), "${Literal}-arn:aws:sqs:*:*:q");
        assert_eq!(text(&r, "J"), "*");
        assert_eq!(r.value.get("K").unwrap().as_array().unwrap().len(), 1);
        assert_eq!(text(&r, "L"), "arn:aws:logs:*:*:log-group:/aws/lambda/f:*");
        assert_eq!(text(&r, "M"), "arn:aws:secretsmanager:*:*:secret:s-??????");
        assert_eq!(text(&r, "N"), "arn:aws:iam::*:role/*");
        assert_eq!(text(&r, "O"), "arn:aws:iam::*:role/app/r");
        assert_eq!(text(&r, "P"), "arn:aws:states:*:*:stateMachine:*");
        assert_eq!(text(&r, "Q"), "*/arn:aws:sns:*:*:t");
        assert_eq!(text(&r, "R"), "https://sqs.*.amazonaws.com/*/q");
        assert_eq!(text(&r, "S"), "arn:aws:lambda:*:*:function:f:live");
        let reasons: Vec<&str> = r.unresolved.iter().map(|u| u.reason.as_str()).collect();
        assert!(reasons.iter().any(|r| r.contains("Fn::ImportValue")));
        assert!(reasons.iter().any(|r| r.contains("condition `IsUnknown`")));
        assert!(
            reasons
                .iter()
                .any(|r| r.contains("`NoDefault` has no default"))
        );
    }

    #[test]
    fn unnamed_resources_are_wildcards_or_their_logical_id() {
        let template = read_template(
            "Resources:\n  Orders:\n    Type: AWS::DynamoDB::Table\nOutputs:\n  A:\n    Value: !GetAtt Orders.Arn\n",
        )
        .unwrap();
        let value = template
            .root
            .get("Outputs")
            .unwrap()
            .get("A")
            .unwrap()
            .get("Value")
            .unwrap();
        let symbolic = resolve(value, &template);
        assert_eq!(
            template.symbols.display(symbolic.as_str().unwrap()),
            "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${Orders}"
        );
        let wildcard = resolve_with(value, &template, &wildcards()).value;
        assert_eq!(wildcard.as_str(), Some("arn:aws:dynamodb:*:*:table/*"));
        let context = ResolveContext {
            unnamed_resources: UnnamedResources::LogicalId,
            ..wildcards()
        };
        let named = resolve_with(value, &template, &context).value;
        assert_eq!(named.as_str(), Some("arn:aws:dynamodb:*:*:table/Orders"));
    }

    #[test]
    fn context_fills_region_and_account_and_spans_are_kept() {
        let context = ResolveContext {
            account: Some("111122223333".into()),
            region: Some("eu-west-1".into()),
            partition: None,
            ..wildcards()
        };
        let r = outputs(&context);
        assert_eq!(
            text(&r, "A"),
            "arn:aws:dynamodb:eu-west-1:111122223333:table/orders-prod"
        );
        let a = r.value.get("A").unwrap();
        assert_eq!(&TEMPLATE[a.span.start..a.span.end], "!GetAtt Table.Arn");
    }
    /// The rest of the resource table; each row follows the "Return
    /// values" section of the type's page in the CloudFormation resource
    /// reference, e.g.
    /// https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-kinesis-stream.html#aws-resource-kinesis-stream-return-values
    #[test]
    fn resource_table_rows() {
        let text = "\
Resources:
  Stream: {Type: AWS::Kinesis::Stream, Properties: {Name: s}}
  Bus: {Type: AWS::Events::EventBus, Properties: {Name: b}}
  Rule: {Type: AWS::Events::Rule, Properties: {Name: r, EventBusName: !Ref Bus}}
  Firehose: {Type: AWS::KinesisFirehose::DeliveryStream, Properties: {DeliveryStreamName: f}}
  Param: {Type: AWS::SSM::Parameter, Properties: {Name: /app/p}}
  Key: {Type: AWS::KMS::Key}
  Policy: {Type: AWS::IAM::ManagedPolicy, Properties: {ManagedPolicyName: m}}
  Layer: {Type: AWS::Serverless::LayerVersion, Properties: {LayerName: l}}
  User: {Type: AWS::IAM::User}
  Unknown: {Type: AWS::EC2::VPC}
  Graph: {Type: AWS::AppSync::GraphQLApi, Properties: {Name: g}}
  SamGraph: {Type: AWS::Serverless::GraphQLApi, Properties: {Name: s}}
Outputs:
  V:
    A: !GetAtt Stream.Arn
    B: !GetAtt Bus.Arn
    C: !Ref Bus
    D: !GetAtt Rule.Arn
    E: !GetAtt Firehose.Arn
    F: !Ref Param
    G: !GetAtt Key.Arn
    H: !Ref Policy
    I: !Ref Layer
    J: !GetAtt User.Arn
    K: !Ref Unknown
    L: !Ref Graph
    M: !Sub '${SamGraph}/types/Mutation/*'
    N: !GetAtt Graph.ApiId
";
        let template = read_template(text).unwrap();
        let value = template
            .root
            .get("Outputs")
            .unwrap()
            .get("V")
            .unwrap()
            .clone();
        let context = ResolveContext {
            account: Some("111122223333".into()),
            region: Some("us-east-1".into()),
            partition: Some("aws".into()),
            ..wildcards()
        };
        let r = resolve_with(&value, &template, &context);
        assert_eq!(
            text_of(&r, "A"),
            "arn:aws:kinesis:us-east-1:111122223333:stream/s"
        );
        assert_eq!(
            text_of(&r, "B"),
            "arn:aws:events:us-east-1:111122223333:event-bus/b"
        );
        assert_eq!(text_of(&r, "C"), "b");
        assert_eq!(
            text_of(&r, "D"),
            "arn:aws:events:us-east-1:111122223333:rule/b/r"
        );
        assert_eq!(
            text_of(&r, "E"),
            "arn:aws:firehose:us-east-1:111122223333:deliverystream/f"
        );
        assert_eq!(text_of(&r, "F"), "/app/p");
        assert_eq!(text_of(&r, "G"), "arn:aws:kms:us-east-1:111122223333:key/*");
        assert_eq!(text_of(&r, "H"), "arn:aws:iam::111122223333:policy/m");
        assert_eq!(
            text_of(&r, "I"),
            "arn:aws:lambda:us-east-1:111122223333:layer:l:*"
        );
        assert_eq!(text_of(&r, "J"), "arn:aws:iam::111122223333:user/*");
        assert_eq!(text_of(&r, "K"), "*");
        // AppSync: `Ref` is the API's ARN (the id part is generated).
        assert_eq!(
            text_of(&r, "L"),
            "arn:aws:appsync:us-east-1:111122223333:apis/*"
        );
        assert_eq!(
            text_of(&r, "M"),
            "arn:aws:appsync:us-east-1:111122223333:apis/*/types/Mutation/*"
        );
        assert_eq!(text_of(&r, "N"), "*");
        assert_eq!(r.unresolved.len(), 1, "{:?}", r.unresolved);
    }

    /// The ARN formats come from the catalog's ARN templates; each row as
    /// the resource's "Return values" page gives it.
    #[test]
    fn arn_formats_come_from_the_catalog() {
        let text = "\
Resources:
  Repo: {Type: AWS::ECR::Repository, Properties: {RepositoryName: repo}}
  Search: {Type: AWS::OpenSearchService::Domain, Properties: {DomainName: d}}
  Conn: {Type: AWS::Events::Connection, Properties: {Name: c}}
  Dest: {Type: AWS::Events::ApiDestination, Properties: {Name: x}}
  Pipe: {Type: AWS::Pipes::Pipe, Properties: {Name: p}}
  Alarm: {Type: AWS::CloudWatch::Alarm, Properties: {AlarmName: a}}
  Pool: {Type: AWS::Cognito::UserPool}
  Group: {Type: AWS::IAM::Group, Properties: {GroupName: g, Path: /team/}}
  Profile: {Type: AWS::IAM::InstanceProfile, Properties: {InstanceProfileName: i}}
  Table: {Type: AWS::DynamoDB::Table, Properties: {TableName: t}}
  Secret: {Type: AWS::SecretsManager::Secret}
  Machine: {Type: AWS::StepFunctions::StateMachine, Properties: {StateMachineName: m}}
Outputs:
  V:
    A: !GetAtt Repo.Arn
    B: !GetAtt Search.Arn
    C: !GetAtt Conn.Arn
    D: !GetAtt Dest.Arn
    E: !GetAtt Pipe.Arn
    F: !GetAtt Alarm.Arn
    G: !GetAtt Pool.Arn
    H: !GetAtt Group.Arn
    I: !GetAtt Profile.Arn
    J: !GetAtt Table.StreamArn
    K: !Ref Secret
    L: !Ref Machine
";
        let template = read_template(text).unwrap();
        let value = template.root.get("Outputs").unwrap().get("V").unwrap();
        let context = ResolveContext {
            account: Some("111122223333".into()),
            region: Some("us-east-1".into()),
            partition: Some("aws".into()),
            ..wildcards()
        };
        let r = resolve_with(value, &template, &context);
        let at = "us-east-1:111122223333";
        for (key, expected) in [
            ("A", format!("arn:aws:ecr:{at}:repository/repo")),
            ("B", format!("arn:aws:es:{at}:domain/d")),
            ("C", format!("arn:aws:events:{at}:connection/c/*")),
            ("D", format!("arn:aws:events:{at}:api-destination/x/*")),
            ("E", format!("arn:aws:pipes:{at}:pipe/p")),
            ("F", format!("arn:aws:cloudwatch:{at}:alarm:a")),
            ("G", format!("arn:aws:cognito-idp:{at}:userpool/*")),
            ("H", "arn:aws:iam::111122223333:group/team/g".to_string()),
            (
                "I",
                "arn:aws:iam::111122223333:instance-profile/i".to_string(),
            ),
            ("J", format!("arn:aws:dynamodb:{at}:table/t/stream/*")),
            ("K", format!("arn:aws:secretsmanager:{at}:secret:*")),
            ("L", format!("arn:aws:states:{at}:stateMachine:m")),
        ] {
            assert_eq!(text_of(&r, key), expected, "{key}");
        }
    }

    fn text_of<'a>(resolution: &'a Resolution, key: &str) -> &'a str {
        resolution.value.get(key).unwrap().as_str().unwrap()
    }

    /// Values known at deployment: `AWS::StackName`
    /// (<https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/pseudo-parameter-reference.html>)
    /// and parameter values, which take the place of `Default`
    /// (<https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/parameters-section-structure.html>).
    const DEPLOYED: &str = "\
Parameters:
  Stage: {Type: String, Default: prod, AllowedValues: [prod, test]}
  Bucket: {Type: String}
  Names: {Type: CommaDelimitedList, AllowedValues: [a, b, c]}
  FromSsm: {Type: 'AWS::SSM::Parameter::Value<String>'}
Conditions:
  IsTest: !Equals [!Ref Stage, test]
Resources:
  Table:
    Type: AWS::DynamoDB::Table
    Properties: {TableName: !Sub '${AWS::StackName}-orders-${Stage}'}
Outputs:
  V:
    A: !GetAtt Table.Arn
    B: !Ref Bucket
    C: !Ref Names
    D: !Ref FromSsm
    E: !If [IsTest, yes, no]
    F: !Ref AWS::StackId
";

    #[test]
    fn stack_name_and_given_parameters_resolve() {
        let template = read_template(DEPLOYED).unwrap();
        let value = template
            .root
            .get("Outputs")
            .unwrap()
            .get("V")
            .unwrap()
            .clone();
        let base = ResolveContext {
            account: Some("111122223333".into()),
            region: Some("us-east-1".into()),
            ..wildcards()
        };
        // Without them: wildcards, each recorded.
        let unknown = resolve_with(&value, &template, &base);
        assert_eq!(
            text(&unknown, "A"),
            "arn:aws:dynamodb:us-east-1:111122223333:table/*-orders-prod"
        );
        assert_eq!(text(&unknown, "B"), "*");
        assert!(
            unknown
                .unresolved
                .iter()
                .any(|u| u.reason.contains("`AWS::StackName`"))
        );
        assert!(
            unknown
                .unresolved
                .iter()
                .any(|u| u.reason.contains("`Bucket` has no default"))
        );

        let context = ResolveContext {
            stack_name: Some("shop".into()),
            parameters: [
                ("Stage".to_string(), "test".to_string()),
                ("Bucket".to_string(), "receipts".to_string()),
                ("Names".to_string(), "a, c".to_string()),
                ("FromSsm".to_string(), "/shop/name".to_string()),
            ]
            .into_iter()
            .collect(),
            ..base
        };
        let known = resolve_with(&value, &template, &context);
        assert_eq!(
            text(&known, "A"),
            "arn:aws:dynamodb:us-east-1:111122223333:table/shop-orders-test"
        );
        assert_eq!(text(&known, "B"), "receipts");
        let names: Vec<&str> = known
            .value
            .get("C")
            .unwrap()
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert_eq!(names, ["a", "c"]);
        // An SSM parameter's value is the name of the SSM parameter to
        // read at deployment, not the value itself.
        assert_eq!(text(&known, "D"), "*");
        // Conditions read the given value too.
        assert_eq!(text(&known, "E"), "yes");
        // The stack id holds an id CloudFormation generates.
        assert_eq!(text(&known, "F"), "*");
    }

    #[test]
    fn given_parameter_values_are_checked_against_the_template() {
        let template = read_template(DEPLOYED).unwrap();
        let check = |pairs: &[(&str, &str)]| {
            let values = pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            check_parameter_values(&template, &values)
        };
        assert_eq!(check(&[("Stage", "test"), ("Names", "b,a")]), Ok(()));
        let undeclared = check(&[("Stag", "test")]).unwrap_err();
        assert_eq!(
            undeclared.message,
            "the template declares no parameter `Stag`; its parameters are `Stage`, `Bucket`, `Names`, `FromSsm`"
        );
        assert_eq!(undeclared.span, None);
        let not_allowed = check(&[("Stage", "dev")]).unwrap_err();
        assert_eq!(
            not_allowed.message,
            "`dev` is not an allowed value of parameter `Stage`: its `AllowedValues` are `prod`, `test`"
        );
        let allowed_at = DEPLOYED.find("[prod, test]").unwrap();
        assert_eq!(
            not_allowed.span,
            Some(Span::new(allowed_at, allowed_at + "[prod, test]".len()))
        );
        // Each item of a list parameter is checked.
        let item = check(&[("Names", "a,d")]).unwrap_err();
        assert!(
            item.message
                .starts_with("`d` is not an allowed value of parameter `Names`")
        );
        let none = read_template("Resources: {}\n").unwrap();
        let values = [("X".to_string(), "1".to_string())].into_iter().collect();
        assert_eq!(
            check_parameter_values(&none, &values).unwrap_err().message,
            "the template declares no parameter `X`; it declares none"
        );
    }
}
