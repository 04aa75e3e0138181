//! `leash action PATTERN`: look actions up in the embedded catalog.

use crate::args::ActionArgs;
use crate::exit;
use leash_catalog::{Action, catalog};
use serde_json::{Value, json};
use std::io::Write;

pub fn run(args: &ActionArgs) -> u8 {
    if args.sdk {
        return run_sdk(args);
    }
    let pattern = args.pattern.trim();
    if !pattern.contains(':') && pattern != "*" {
        eprintln!(
            "error: `{pattern}` is not an action pattern: expected `service:Action`, e.g. `s3:Get*`"
        );
        return exit::ERROR;
    }
    let mut actions = catalog().expand(pattern);
    actions.sort_by_key(|a| (a.service(), a.name()));
    if actions.is_empty() {
        eprintln!(
            "no action in the AWS catalog ({} {}) matches `{pattern}`",
            leash_catalog::DATA_PACKAGE,
            leash_catalog::DATA_VERSION
        );
        return exit::FINDINGS;
    }
    let mut out = std::io::stdout().lock();
    let written = if args.json {
        let listed: Vec<Value> = actions.iter().map(|a| action_json(a)).collect();
        serde_json::to_writer_pretty(&mut out, &listed)
            .map_err(std::io::Error::from)
            .and_then(|()| writeln!(out))
    } else {
        actions.iter().try_for_each(|a| write_text(&mut out, a))
    };
    match written {
        Ok(()) => exit::OK,
        Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => exit::OK,
        Err(err) => {
            eprintln!("error: cannot write output: {err}");
            exit::ERROR
        }
    }
}

fn arn_template(action: &Action, resource_type: &str) -> Option<&'static str> {
    catalog()
        .service(action.service())?
        .resource_type(resource_type)
        .map(|t| t.arn_template())
}

fn action_json(action: &Action) -> Value {
    let resource_types: Vec<Value> = action
        .resource_types()
        .iter()
        .map(|r| {
            json!({
                "name": r.resource_type(),
                "required": r.required(),
                "arn": arn_template(action, r.resource_type()),
                "condition_keys": r.condition_keys(),
                "dependent_actions": r.dependent_actions(),
            })
        })
        .collect();
    json!({
        "action": action.full_name(),
        "service": action.service(),
        "name": action.name(),
        "access_level": action.access_level().as_str(),
        "description": action.description(),
        "resource_types": resource_types,
        "condition_keys": action.condition_keys(),
        "dependent_actions": action.dependent_actions(),
    })
}

fn write_text(out: &mut impl Write, action: &Action) -> std::io::Result<()> {
    writeln!(
        out,
        "{}  [{}]",
        action.full_name(),
        action.access_level().as_str()
    )?;
    if !action.description().is_empty() {
        writeln!(out, "  {}", action.description())?;
    }
    if action.resource_types().is_empty() {
        writeln!(out, "  resources: * (no resource-level permissions)")?;
    }
    for r in action.resource_types() {
        let required = if r.required() { " (required)" } else { "" };
        let arn = arn_template(action, r.resource_type()).unwrap_or("");
        writeln!(out, "  resource {}{required}: {arn}", r.resource_type())?;
        if !r.condition_keys().is_empty() {
            writeln!(out, "    condition keys: {}", r.condition_keys().join(", "))?;
        }
    }
    if !action.condition_keys().is_empty() {
        writeln!(
            out,
            "  condition keys: {}",
            action.condition_keys().join(", ")
        )?;
    }
    if !action.dependent_actions().is_empty() {
        writeln!(
            out,
            "  dependent actions: {}",
            action.dependent_actions().join(", ")
        )?;
    }
    writeln!(out)
}

/// `leash action --sdk service.method`: the IAM actions of an SDK call.
fn run_sdk(args: &ActionArgs) -> u8 {
    let call = args.pattern.trim();
    let table = leash_code::sdk::table();
    let Some((service, method)) = call.split_once('.') else {
        eprintln!(
            "error: `{call}` is not an SDK call: expected `service.method`, e.g. `dynamodb.put_item`"
        );
        return exit::ERROR;
    };
    let operation = table
        .by_method(service, method)
        .or_else(|| table.by_name(service, method));
    let Some(operation) = operation else {
        eprintln!(
            "no operation `{method}` of service `{service}` in the SDK table (botocore {})",
            table.version
        );
        return exit::FINDINGS;
    };
    let names = leash_code::sdk::actions_of(operation);
    let mut actions: Vec<&Action> = names.iter().filter_map(|a| catalog().action(a)).collect();
    actions.sort_by_key(|a| (a.service(), a.name()));
    let mut out = std::io::stdout().lock();
    let written = if args.json {
        let value = json!({
            "call": format!("{}.{}", operation.service, operation.method),
            "operation": operation.name,
            "resource_members": operation.resource_members,
            "actions": actions.iter().map(|a| action_json(a)).collect::<Vec<Value>>(),
        });
        serde_json::to_writer_pretty(&mut out, &value)
            .map_err(std::io::Error::from)
            .and_then(|()| writeln!(out))
    } else {
        writeln!(
            out,
            "{}.{} (operation {}, botocore {}) needs:\n",
            operation.service, operation.method, operation.name, table.version
        )
        .and_then(|()| actions.iter().try_for_each(|a| write_text(&mut out, a)))
    };
    match written {
        Ok(()) => exit::OK,
        Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => exit::OK,
        Err(err) => {
            eprintln!("error: cannot write output: {err}");
            exit::ERROR
        }
    }
}
