//! What a format that writes concrete values (IAM JSON files) misses when
//! the design holds values known only at deployment, and how to give each.
//!
//! Not for: writing symbolic values (`sub_text` for CloudFormation,
//! `terraform` for Terraform).

use leash_policy::symbol::{Pseudo, SymbolKind, parts};

/// Each value known only at deployment that `texts` hold, once, with how
/// to give it (`${AWS::AccountId}`: `--account`); empty when every text is
/// concrete.
pub fn missing_values<'a>(
    symbols: &leash_iac::Symbols,
    texts: impl IntoIterator<Item = &'a str>,
) -> Vec<String> {
    let table = symbols.table();
    let mut seen = Vec::new();
    for text in texts {
        for part in parts(text) {
            if let leash_policy::symbol::Part::Symbol(index) = part
                && !seen.contains(&index)
            {
                seen.push(index);
            }
        }
    }
    seen.sort_unstable();
    seen.into_iter()
        .map(|index| match table.get(index) {
            Some(symbol) => describe(symbol),
            // Never written raw: still a value the format cannot hold.
            None => "`${?}` (a value leash lost track of: a bug, please report it)".to_string(),
        })
        .collect()
}

/// A missing value and how to give it.
fn describe(symbol: &leash_policy::symbol::Symbol) -> String {
    let how = match &symbol.kind {
        SymbolKind::Pseudo(Pseudo::AccountId) => "give `--account`".to_string(),
        SymbolKind::Pseudo(Pseudo::Region) => "give `--region`".to_string(),
        SymbolKind::Pseudo(Pseudo::StackName) => "give `--stack-name`".to_string(),
        SymbolKind::Pseudo(_) => "known only to CloudFormation".to_string(),
        SymbolKind::Parameter { name, .. } => format!("give `--parameter {name}=VALUE`"),
        SymbolKind::GeneratedName { logical_id, .. } => {
            format!("CloudFormation generates it: name `{logical_id}` in the template")
        }
        SymbolKind::Attribute { .. }
        | SymbolKind::Import { .. }
        | SymbolKind::Choice { .. }
        | SymbolKind::Opaque { .. } => "known only to CloudFormation".to_string(),
    };
    format!("`{}` ({how})", symbol.text)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn every_symbol_is_named_with_how_to_give_it() {
        let symbols = leash_iac::Symbols::default();
        let account = symbols
            .intern(SymbolKind::Pseudo(Pseudo::AccountId))
            .unwrap();
        let text = format!("arn:aws:iam::{account}:root");
        assert_eq!(
            missing_values(&symbols, [text.as_str(), "plain"]),
            ["`${AWS::AccountId}` (give `--account`)"]
        );
        assert!(missing_values(&symbols, ["plain"]).is_empty());
        // A symbol the table does not hold is still missing, never written raw.
        let lost = leash_policy::symbol::symbol_char(400).unwrap().to_string();
        assert_eq!(missing_values(&symbols, [lost.as_str()]).len(), 1);
    }
}
