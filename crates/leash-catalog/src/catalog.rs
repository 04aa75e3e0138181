//! The decoded catalog and its lookups: services, actions (also by wildcard
//! pattern), resource types for an ARN, condition keys.
//!
//! Not for reading the file format (decode.rs) or for policy semantics
//! (leash-policy).

use std::sync::OnceLock;

use crate::condition_key::{ConditionKey, ConditionKeyIndex, ConditionKeyInfo, info_for};
use crate::decode::DecodedCatalog;
use crate::resource_type::{
    ArnPattern, ArnTemplate, PlaceholderRule, ResourceType, TemplatePart,
    documented_extra_templates, separator_restrictions,
};
use crate::service::{Action, Service};
use crate::text::{compare_ignore_ascii_case, has_wildcard, wildcard_match_ignore_case};

/// The AWS service authorization catalog. Get the embedded one with
/// [`crate::catalog`].
///
/// Parts are decoded or indexed when first needed: a service's actions on
/// first use of that service, the ARN templates on the first ARN question,
/// the condition key index on the first condition key lookup.
#[derive(Debug)]
pub struct Catalog {
    /// Sorted by prefix, ignoring ASCII case.
    services: Vec<Service>,
    /// For each byte value, where the services whose prefix starts with it
    /// (ASCII-lowercased) begin in `services`; one more entry closes the
    /// last range. A lookup then searches a handful of services, not all.
    first_byte_starts: Vec<u32>,
    action_count: usize,
    global_condition_keys: Vec<ConditionKey>,
    condition_keys: OnceLock<ConditionKeyIndex>,
    arn_index: OnceLock<ArnIndex>,
    data_version: &'static str,
    data_updated: &'static str,
}

/// Every resource type's parsed ARN templates, and which resource types an
/// ARN naming a given service may denote.
#[derive(Debug, Default)]
struct ArnIndex {
    /// By service index, then resource type index.
    templates: Vec<Vec<Vec<ArnTemplate>>>,
    /// (ARN service segment, service index, resource type index), sorted by
    /// the segment, for templates whose service segment is plain text.
    by_arn_service: Vec<(&'static str, usize, usize)>,
    /// Resource types with a template whose service segment is not plain
    /// text (AWS Backup's `${Vendor}`): candidates for every ARN.
    any_arn_service: Vec<(usize, usize)>,
}

impl Catalog {
    pub(crate) fn build(
        decoded: DecodedCatalog,
        data_version: &'static str,
        data_updated: &'static str,
    ) -> Catalog {
        let DecodedCatalog {
            mut services,
            global_condition_keys,
        } = decoded;
        // The generator sorts; sorting again (a no-op on sorted input) keeps
        // binary search right even if it ever did not.
        services.sort_by(|left, right| compare_ignore_ascii_case(left.prefix, right.prefix));
        for (service_index, service) in services.iter_mut().enumerate() {
            service
                .resource_types
                .sort_by(|left, right| compare_ignore_ascii_case(left.name, right.name));
            for (type_index, resource_type) in service.resource_types.iter_mut().enumerate() {
                resource_type.position = (service_index, type_index);
            }
            service
                .condition_keys
                .sort_by(|left, right| compare_ignore_ascii_case(left.name, right.name));
        }
        let action_count = services.iter().map(|service| service.action_count).sum();
        let first_byte_starts = first_byte_starts(&services);
        Catalog {
            services,
            first_byte_starts,
            action_count,
            global_condition_keys,
            condition_keys: OnceLock::new(),
            arn_index: OnceLock::new(),
            data_version,
            data_updated,
        }
    }

    fn condition_key_index(&self) -> &ConditionKeyIndex {
        self.condition_keys.get_or_init(|| {
            let mut entries: Vec<ConditionKeyInfo> = self
                .global_condition_keys
                .iter()
                .map(|key| info_for(key.name, key.key_type, true, None))
                .collect();
            for service in &self.services {
                entries.extend(
                    service
                        .condition_keys
                        .iter()
                        .map(|key| info_for(key.name, key.key_type, false, key.description_index)),
                );
            }
            ConditionKeyIndex::build(entries)
        })
    }

    fn arn_index(&self) -> &ArnIndex {
        self.arn_index
            .get_or_init(|| build_arn_index(&self.services))
    }

    pub(crate) fn arn_templates(&self, (service, resource_type): (usize, usize)) -> &[ArnTemplate] {
        self.arn_index()
            .templates
            .get(service)
            .and_then(|types| types.get(resource_type))
            .map_or(&[][..], Vec::as_slice)
    }

    /// An empty catalog, what [`crate::catalog`] falls back to if the
    /// embedded data cannot be read (the tests make sure it can).
    pub(crate) fn empty() -> Catalog {
        Catalog {
            services: Vec::new(),
            first_byte_starts: first_byte_starts(&[]),
            action_count: 0,
            global_condition_keys: Vec::new(),
            condition_keys: OnceLock::new(),
            arn_index: OnceLock::new(),
            data_version: "",
            data_updated: "",
        }
    }

    /// The data version recorded inside the catalog file (equal to
    /// [`crate::DATA_VERSION`]; kept to check the two agree).
    pub fn data_version(&self) -> &'static str {
        self.data_version
    }

    /// The data's `updatedAt` recorded inside the catalog file.
    pub fn data_updated(&self) -> &'static str {
        self.data_updated
    }

    /// Every service, sorted by prefix.
    pub fn services(&self) -> impl Iterator<Item = &Service> {
        self.services.iter()
    }

    /// How many services the catalog knows.
    pub fn service_count(&self) -> usize {
        self.services.len()
    }

    /// The service with this prefix (`s3`), ignoring ASCII case.
    pub fn service(&self, prefix: &str) -> Option<&Service> {
        // Only services whose prefix starts with the same letter can match.
        let candidates: &[Service] = match prefix.as_bytes().first() {
            Some(first) => {
                let byte = usize::from(first.to_ascii_lowercase());
                let bound = |index: usize| {
                    self.first_byte_starts
                        .get(index)
                        .map_or(0, |&start| start as usize)
                };
                self.services
                    .get(bound(byte)..bound(byte + 1))
                    .unwrap_or_default()
            }
            None => &self.services,
        };
        // Service prefixes are lowercase, so for a lowercase query (nearly
        // every one) plain byte order is the same order and much cheaper.
        let found = if prefix.bytes().all(|b| !b.is_ascii_uppercase()) {
            candidates
                .binary_search_by(|service| service.prefix.cmp(prefix))
                .ok()
        } else {
            None
        };
        found
            .or_else(|| {
                candidates
                    .binary_search_by(|service| compare_ignore_ascii_case(service.prefix, prefix))
                    .ok()
            })
            .and_then(|position| candidates.get(position))
    }

    /// Whether `prefix` names a service in the catalog, ignoring ASCII case.
    pub fn is_known_service(&self, prefix: &str) -> bool {
        self.service(prefix).is_some()
    }

    /// Every action of every service, sorted by service prefix, then name.
    pub fn actions(&self) -> impl Iterator<Item = &Action> {
        self.services
            .iter()
            .flat_map(|service| service.actions().iter())
    }

    /// How many actions the catalog knows.
    pub fn action_count(&self) -> usize {
        self.action_count
    }

    /// The action `service:Name` (`s3:GetObject`), ignoring case in both
    /// parts, as IAM does
    /// (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html>).
    pub fn action(&self, name: &str) -> Option<&Action> {
        let (prefix, action) = name.split_once(':')?;
        self.service(prefix)?.action(action)
    }

    /// The catalog actions an `Action` pattern matches: `*` stands for any
    /// run of characters, `?` for one, case is ignored, in the service part
    /// and the name alike (`s3:Get*`, `dynamodb:*Item`, `*:Describe*`, `*`).
    /// Sorted by service prefix, then name.
    ///
    /// The pattern is matched against the whole `service:Name` text, so a
    /// `*` may also span the colon (`s3*` covers `s3:GetObject` and
    /// `s3express:CreateSession`).
    pub fn expand(&self, pattern: &str) -> Vec<&Action> {
        if is_match_everything(pattern) {
            let mut all = Vec::with_capacity(self.action_count);
            all.extend(self.actions());
            return all;
        }
        let mut matched = Vec::new();
        self.visit_matches(pattern, |action| {
            matched.push(action);
            true
        });
        matched
    }

    /// Whether `pattern` matches at least one action: [`Catalog::expand`]
    /// without building the list, stopping at the first match.
    pub fn matches_any(&self, pattern: &str) -> bool {
        let mut found = false;
        self.visit_matches(pattern, |_| {
            found = true;
            false
        });
        found
    }

    /// Calls `visit` with each action `pattern` matches, in service then
    /// name order, until `visit` returns `false`.
    fn visit_matches<'a>(&'a self, pattern: &str, mut visit: impl FnMut(&'a Action) -> bool) {
        let mut colons = pattern.match_indices(':');
        match (colons.next(), colons.next()) {
            // Names never contain a colon, so a pattern with exactly one
            // must put it at the name's only colon: match the parts apart.
            (Some((colon, _)), None) => {
                let service_pattern = &pattern[..colon];
                let name_pattern = &pattern[colon + 1..];
                let services: Vec<&Service> = if has_wildcard(service_pattern) {
                    self.services
                        .iter()
                        .filter(|service| {
                            wildcard_match_ignore_case(service_pattern, service.prefix)
                        })
                        .collect()
                } else {
                    self.service(service_pattern).into_iter().collect()
                };
                for service in services {
                    if has_wildcard(name_pattern) {
                        for action in service.actions() {
                            if wildcard_match_ignore_case(name_pattern, action.name)
                                && !visit(action)
                            {
                                return;
                            }
                        }
                    } else if let Some(action) = service.action(name_pattern)
                        && !visit(action)
                    {
                        return;
                    }
                }
            }
            _ => {
                let mut full_name = String::new();
                for action in self.actions() {
                    full_name.clear();
                    full_name.push_str(action.service);
                    full_name.push(':');
                    full_name.push_str(action.name);
                    if wildcard_match_ignore_case(pattern, &full_name) && !visit(action) {
                        return;
                    }
                }
            }
        }
    }

    /// The resource types whose ARN template `arn` can denote. `arn` is a
    /// concrete ARN or an ARN pattern with `*`/`?`; a lone `*` denotes every
    /// resource type. See `resource_type.rs` for when a placeholder may hold
    /// `/` or `:`.
    ///
    /// Several services list other services' resource types (EC2 lists IAM
    /// roles); when the service named in the ARN defines a matching type,
    /// only its own types are returned.
    pub fn resource_types_for_arn(&self, arn: &str) -> Vec<&ResourceType> {
        if arn == "*" {
            return self
                .services
                .iter()
                .flat_map(|service| service.resource_types.iter())
                .collect();
        }
        let Some(pattern) = ArnPattern::parse(arn) else {
            return Vec::new();
        };
        let index = self.arn_index();
        let mut candidates: Vec<(usize, usize)> = if has_wildcard(pattern.service) {
            index
                .by_arn_service
                .iter()
                .map(|&(_, service, resource_type)| (service, resource_type))
                .collect()
        } else {
            let start = index
                .by_arn_service
                .partition_point(|(service, _, _)| *service < pattern.service);
            index
                .by_arn_service
                .get(start..)
                .unwrap_or_default()
                .iter()
                .take_while(|(service, _, _)| *service == pattern.service)
                .map(|&(_, service, resource_type)| (service, resource_type))
                .collect()
        };
        candidates.extend(index.any_arn_service.iter().copied());
        candidates.sort_unstable();
        candidates.dedup();
        let matched: Vec<&ResourceType> = candidates
            .into_iter()
            .filter(|&position| {
                self.arn_templates(position)
                    .iter()
                    .any(|template| template.matches_pattern(&pattern))
            })
            .filter_map(|(service, resource_type)| {
                self.services
                    .get(service)?
                    .resource_types
                    .get(resource_type)
            })
            .collect();
        if matched
            .iter()
            .any(|resource_type| resource_type.service == pattern.service)
        {
            matched
                .into_iter()
                .filter(|resource_type| resource_type.service == pattern.service)
                .collect()
        } else {
            matched
        }
    }

    /// The condition key a policy's `key` refers to, ignoring case: a global
    /// key (`aws:SourceIp`), a service key (`s3:prefix`), or a key with a
    /// variable part (`aws:ResourceTag/team` finds
    /// `aws:ResourceTag/${TagKey}`, `s3:ExistingObjectTag/env` finds
    /// `s3:ExistingObjectTag/<key>`). Where a global key and a service list
    /// the same name, the global entry's type wins.
    pub fn condition_key(&self, key: &str) -> Option<ConditionKeyInfo> {
        self.condition_key_index().find(key)
    }

    /// How many distinct condition key names the catalog knows.
    pub fn condition_key_count(&self) -> usize {
        self.condition_key_index().len()
    }

    /// The global condition keys (`aws:` keys every service can see, plus
    /// the few service-named keys AWS lists with them).
    pub fn global_condition_keys(&self) -> &[ConditionKey] {
        &self.global_condition_keys
    }
}

/// `first_byte_starts[b]`: how many of `services` (sorted ignoring ASCII
/// case) have an empty prefix or one whose lowercased first byte is below
/// `b`; 257 entries, so `b + 1` always exists.
fn first_byte_starts(services: &[Service]) -> Vec<u32> {
    (0..=256usize)
        .map(|byte| {
            services.partition_point(|service| {
                service
                    .prefix
                    .as_bytes()
                    .first()
                    .is_none_or(|first| usize::from(first.to_ascii_lowercase()) < byte)
            }) as u32
        })
        .collect()
}

/// `*`, `**`, `*:*`: patterns that match every `service:Name`.
fn is_match_everything(pattern: &str) -> bool {
    match pattern.split_once(':') {
        None => !pattern.is_empty() && pattern.bytes().all(|byte| byte == b'*'),
        Some((service, name)) => {
            !service.is_empty()
                && !name.is_empty()
                && service.bytes().all(|byte| byte == b'*')
                && name.bytes().all(|byte| byte == b'*')
        }
    }
}

/// (service index, resource type index, template index).
type TemplateLocation = (usize, usize, usize);

/// Parses every resource type's ARN template(s), applies the separator rule
/// within each ARN service, adds documented extra forms, and indexes the
/// resource types by the service named in their ARNs.
fn build_arn_index(services: &[Service]) -> ArnIndex {
    let mut templates: Vec<Vec<Vec<ArnTemplate>>> = services
        .iter()
        .map(|service| {
            service
                .resource_types
                .iter()
                .map(|resource_type| {
                    resource_type
                        .arn_template
                        .split(',')
                        .map(str::trim)
                        .filter_map(ArnTemplate::parse)
                        .collect()
                })
                .collect()
        })
        .collect();

    // (ARN service segment, service, resource type, template), grouped.
    let mut locations: Vec<(&'static str, usize, usize, usize)> = Vec::new();
    for (service_index, types) in templates.iter().enumerate() {
        for (type_index, forms) in types.iter().enumerate() {
            for (template_index, template) in forms.iter().enumerate() {
                let group = template.literal_service().unwrap_or("");
                locations.push((group, service_index, type_index, template_index));
            }
        }
    }
    locations.sort_unstable();

    // Work out the rule with shared borrows first, then write it back.
    let mut updates: Vec<(TemplateLocation, Vec<PlaceholderRule>)> = Vec::new();
    for group in locations.chunk_by(|left, right| left.0 == right.0) {
        let members: Vec<&ArnTemplate> = group
            .iter()
            .filter_map(|&(_, service, resource_type, template)| {
                templates.get(service)?.get(resource_type)?.get(template)
            })
            .collect();
        let rules = separator_restrictions(&members);
        for (&(_, service, resource_type, template), rule) in group.iter().zip(rules) {
            updates.push(((service, resource_type, template), rule));
        }
    }
    for ((service, resource_type, template), rules) in updates {
        let Some(template) = templates
            .get_mut(service)
            .and_then(|types| types.get_mut(resource_type))
            .and_then(|forms| forms.get_mut(template))
        else {
            continue;
        };
        for rule in rules {
            if let Some(TemplatePart::Placeholder(placeholder)) =
                template.resource_mut().get_mut(rule.part_index)
            {
                placeholder.may_contain_slash = rule.may_contain_slash;
                placeholder.may_contain_colon = rule.may_contain_colon;
            }
        }
    }

    let mut by_arn_service: Vec<(&'static str, usize, usize)> = Vec::new();
    let mut any_arn_service: Vec<(usize, usize)> = Vec::new();
    for (service_index, (service, types)) in services.iter().zip(&mut templates).enumerate() {
        for (type_index, (resource_type, forms)) in service
            .resource_types
            .iter()
            .zip(types.iter_mut())
            .enumerate()
        {
            let extra = documented_extra_templates(service.prefix, resource_type.name, forms);
            forms.extend(extra);
            for template in forms.iter() {
                match template.literal_service() {
                    Some(arn_service) => {
                        by_arn_service.push((arn_service, service_index, type_index));
                    }
                    None => any_arn_service.push((service_index, type_index)),
                }
            }
        }
    }
    by_arn_service.sort_unstable();
    by_arn_service.dedup();
    any_arn_service.sort_unstable();
    any_arn_service.dedup();
    ArnIndex {
        templates,
        by_arn_service,
        any_arn_service,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn match_everything_patterns() {
        for pattern in ["*", "**", "*:*", "**:*"] {
            assert!(is_match_everything(pattern), "{pattern}");
        }
        // `*:` would need an empty action name; `:*` an empty prefix.
        for pattern in ["", ":", "*:", ":*", "s3:*", "*:Get*", "*?"] {
            assert!(!is_match_everything(pattern), "{pattern}");
        }
    }

    #[test]
    fn the_empty_catalog_answers_nothing() {
        let catalog = Catalog::empty();
        assert_eq!(catalog.action_count(), 0);
        assert!(catalog.expand("*").is_empty());
        assert!(catalog.action("s3:GetObject").is_none());
        assert!(
            catalog
                .resource_types_for_arn("arn:aws:s3:::bucket")
                .is_empty()
        );
        assert!(catalog.condition_key("aws:SourceIp").is_none());
    }
}
