//! Values known only at deployment, kept as symbols inside strings.
//!
//! For: a template's policies name what only deployment decides: the
//! account (`${AWS::AccountId}`), a parameter without a default, the name
//! CloudFormation generates for a table, an `Fn::ImportValue`. Each such
//! value is a *symbol*: it stands for exactly one value that is unknown
//! offline. It is never `*` (a wildcard the author did not write) and never
//! a reason to refuse. Not for: policy variables (`${aws:username}`), which
//! IAM itself replaces at request time (see [`crate::variables`]).
//!
//! ## Encoding
//!
//! A resolved string is a sequence of literal text and symbols. A symbol is
//! one character of Unicode's Supplementary Private Use Area-B
//! (U+100000..=U+10FFFD): its code point minus U+100000 is its index in the
//! [`SymbolTable`] of the template it came from. So every string operation
//! of the policy language stays exact on symbolic strings:
//!
//! - wildcard matching compares a symbol only with itself: a literal never
//!   matches it, `*` spans it (so `table/*` covers `table/${Table}`), and
//!   two different symbols never match each other;
//! - splitting an ARN at `:` or `/` never splits a symbol, because a symbol
//!   is one character whatever value it stands for;
//! - printing goes through [`SymbolTable::display`], which writes each
//!   symbol as the template writes it (`${AWS::AccountId}`,
//!   `${OrdersTable}`, `${Queue.Arn}`).
//!
//! Templates that contain these code points themselves are refused by
//! `leash-iac` (with their position), so a symbol cannot be forged.
//!
//! What a symbol is *not*: a proof that two symbols differ. `${BucketA}`
//! and `${BucketB}` may be the same bucket at deployment. Analyses that must
//! hold for every deployment (the design's verification) instantiate the
//! symbols with stand-ins ([`SymbolTable::instantiate`]) and say which.

use std::borrow::Cow;
use std::collections::HashMap;

// The code points and `is_symbol` are defined where ARNs are split
// (`leash_catalog::arn`, below this crate), so that splitting can classify
// a field as symbolic; this module is their home for everything else.
pub use leash_catalog::arn::{FIRST_SYMBOL, LAST_SYMBOL, is_symbol};
/// How many symbols one table can hold.
pub const MAX_SYMBOLS: usize = (LAST_SYMBOL - FIRST_SYMBOL + 1) as usize;

/// The table index of symbol `c`; `None` for any other character.
pub fn symbol_index(c: char) -> Option<usize> {
    is_symbol(c).then(|| (c as u32 - FIRST_SYMBOL) as usize)
}

/// The character of the symbol at `index`; `None` beyond [`MAX_SYMBOLS`].
pub fn symbol_char(index: usize) -> Option<char> {
    if index >= MAX_SYMBOLS {
        return None;
    }
    char::from_u32(FIRST_SYMBOL + index as u32)
}

/// Whether `text` contains a symbol.
pub fn contains_symbol(text: &str) -> bool {
    // Every symbol is encoded in UTF-8 as F4 80..=8F ..: a byte scan is
    // enough to rule them out.
    text.as_bytes().contains(&0xF4) && text.chars().any(is_symbol)
}

/// Whether `text` is exactly one symbol.
pub fn single_symbol(text: &str) -> Option<usize> {
    let mut chars = text.chars();
    let first = chars.next()?;
    if chars.next().is_some() {
        return None;
    }
    symbol_index(first)
}

/// The first position of a symbol in `text`, as a byte offset.
pub fn first_symbol(text: &str) -> Option<usize> {
    text.char_indices()
        .find(|(_, c)| is_symbol(*c))
        .map(|(i, _)| i)
}

/// One part of a symbolic string.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part<'a> {
    /// Literal text (never empty).
    Text(&'a str),
    /// A symbol, by its index in the table.
    Symbol(usize),
}

/// The parts of `text`, in order: literal runs and symbols.
pub fn parts(text: &str) -> Vec<Part<'_>> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, c) in text.char_indices() {
        if let Some(index) = symbol_index(c) {
            if start < i {
                out.push(Part::Text(&text[start..i]));
            }
            out.push(Part::Symbol(index));
            start = i + c.len_utf8();
        }
    }
    if start < text.len() {
        out.push(Part::Text(&text[start..]));
    }
    out
}

/// A CloudFormation pseudo parameter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Pseudo {
    AccountId,
    Region,
    Partition,
    StackName,
    StackId,
    UrlSuffix,
    NotificationArns,
}

impl Pseudo {
    /// The name as templates write it (`AWS::AccountId`).
    pub fn name(self) -> &'static str {
        match self {
            Pseudo::AccountId => "AWS::AccountId",
            Pseudo::Region => "AWS::Region",
            Pseudo::Partition => "AWS::Partition",
            Pseudo::StackName => "AWS::StackName",
            Pseudo::StackId => "AWS::StackId",
            Pseudo::UrlSuffix => "AWS::URLSuffix",
            Pseudo::NotificationArns => "AWS::NotificationARNs",
        }
    }

    /// The pseudo parameter named `name`.
    pub fn from_name(name: &str) -> Option<Pseudo> {
        Some(match name {
            "AWS::AccountId" => Pseudo::AccountId,
            "AWS::Region" => Pseudo::Region,
            "AWS::Partition" => Pseudo::Partition,
            "AWS::StackName" => Pseudo::StackName,
            "AWS::StackId" => Pseudo::StackId,
            "AWS::URLSuffix" => Pseudo::UrlSuffix,
            "AWS::NotificationARNs" => Pseudo::NotificationArns,
            _ => return None,
        })
    }
}

/// What a symbol stands for.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum SymbolKind {
    /// A pseudo parameter not given to leash.
    Pseudo(Pseudo),
    /// A template parameter without a value leash knows (no `Default`, or
    /// an `AWS::SSM::Parameter::Value<...>` type, whose value is read from
    /// SSM at deployment).
    Parameter {
        name: String,
        /// `Type` as declared (`String` when absent).
        parameter_type: String,
    },
    /// The name CloudFormation or the service generates for a resource the
    /// template does not name (`Ref` of a table without `TableName`), or an
    /// identifier the service always generates (an API id).
    GeneratedName {
        logical_id: String,
        resource_type: String,
    },
    /// An attribute leash does not compute (`Fn::GetAtt X.Attr`, or `Ref`
    /// when `attribute` is `None`).
    Attribute {
        logical_id: String,
        attribute: Option<String>,
        resource_type: Option<String>,
    },
    /// `Fn::ImportValue` of an export named by `export` (as resolved;
    /// itself possibly symbolic).
    Import { export: String },
    /// `Fn::If` on a condition only known at deployment, in a place that
    /// takes one value: one of `values`.
    Choice {
        condition: String,
        values: Vec<String>,
    },
    /// Any other intrinsic whose value leash does not compute
    /// (`Fn::Base64`, `Fn::Cidr`, `Fn::GetAZs`, `Fn::Select` of an
    /// unknown list...), shown as `intrinsic`; `at` (the byte offset where
    /// the template writes it) keeps two such intrinsics two values.
    Opaque { intrinsic: String, at: usize },
}

/// A value known only at deployment.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Symbol {
    pub kind: SymbolKind,
    /// How the template writes it, in `Fn::Sub` syntax where it has one:
    /// `${AWS::AccountId}`, `${OrdersTable}`, `${Queue.Arn}`,
    /// `!ImportValue shared-bus`.
    pub text: String,
}

impl Symbol {
    /// A symbol for `kind`, written as the template writes it.
    pub fn new(kind: SymbolKind) -> Symbol {
        let text = match &kind {
            SymbolKind::Pseudo(pseudo) => format!("${{{}}}", pseudo.name()),
            SymbolKind::Parameter { name, .. } => format!("${{{name}}}"),
            SymbolKind::GeneratedName {
                logical_id,
                resource_type,
            } => match generated_name_attribute(resource_type) {
                Some(attribute) => format!("${{{logical_id}.{attribute}}}"),
                None => format!("${{{logical_id}}}"),
            },
            SymbolKind::Attribute {
                logical_id,
                attribute: Some(attribute),
                ..
            } => format!("${{{logical_id}.{attribute}}}"),
            SymbolKind::Attribute {
                logical_id,
                attribute: None,
                ..
            } => format!("${{{logical_id}}}"),
            SymbolKind::Import { export } => format!("!ImportValue {export}"),
            SymbolKind::Choice { condition, values } => {
                format!("!If [{condition}, {}]", values.join(", "))
            }
            SymbolKind::Opaque { intrinsic, .. } => intrinsic.clone(),
        };
        Symbol { kind, text }
    }
}

/// The attribute that holds a resource's generated name or identifier,
/// for the types whose `Ref` returns something else (a queue's URL, a
/// topic's or state machine's ARN, an AppSync API's ARN); `None` where
/// `Ref` is the name or id.
/// <https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-sqs-queue.html#aws-resource-sqs-queue-return-values>
/// <https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-sns-topic.html#aws-resource-sns-topic-return-values>
/// <https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-stepfunctions-statemachine.html#aws-resource-stepfunctions-statemachine-return-values>
/// <https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-appsync-graphqlapi.html#aws-resource-appsync-graphqlapi-return-values>
fn generated_name_attribute(resource_type: &str) -> Option<&'static str> {
    match resource_type {
        "AWS::SQS::Queue" => Some("QueueName"),
        "AWS::SNS::Topic" => Some("TopicName"),
        "AWS::StepFunctions::StateMachine" | "AWS::Serverless::StateMachine" => Some("Name"),
        "AWS::AppSync::GraphQLApi" | "AWS::Serverless::GraphQLApi" => Some("ApiId"),
        _ => None,
    }
}

/// The symbols of one template, by index. Interning the same kind twice
/// gives the same symbol, so `${OrdersTable}` in two policies is one value.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SymbolTable {
    symbols: Vec<Symbol>,
    index: HashMap<SymbolKind, usize>,
}

impl SymbolTable {
    pub fn new() -> SymbolTable {
        SymbolTable::default()
    }

    /// The character standing for `kind`, interned; `None` when the table
    /// is full ([`MAX_SYMBOLS`]).
    pub fn intern(&mut self, kind: SymbolKind) -> Option<char> {
        if let Some(&index) = self.index.get(&kind) {
            return symbol_char(index);
        }
        let index = self.symbols.len();
        let c = symbol_char(index)?;
        // Choices and imports show their (possibly symbolic) values as the
        // table displays them.
        let mut symbol = Symbol::new(kind.clone());
        match &kind {
            SymbolKind::Choice { condition, values } => {
                let shown: Vec<String> = values
                    .iter()
                    .map(|v| self.display(v).into_owned())
                    .collect();
                symbol.text = format!("!If [{condition}, {}]", shown.join(", "));
            }
            SymbolKind::Import { export } => {
                symbol.text = format!("!ImportValue {}", self.display(export));
            }
            _ => {}
        }
        self.symbols.push(symbol);
        self.index.insert(kind, index);
        Some(c)
    }

    /// The symbol at `index`.
    pub fn get(&self, index: usize) -> Option<&Symbol> {
        self.symbols.get(index)
    }

    /// The symbol that `c` encodes, if it is one of this table's.
    pub fn of_char(&self, c: char) -> Option<&Symbol> {
        self.get(symbol_index(c)?)
    }

    /// How many symbols the table holds.
    pub fn len(&self) -> usize {
        self.symbols.len()
    }

    /// Whether the table holds none.
    pub fn is_empty(&self) -> bool {
        self.symbols.is_empty()
    }

    /// Every symbol, in index order.
    pub fn iter(&self) -> impl Iterator<Item = (usize, &Symbol)> {
        self.symbols.iter().enumerate()
    }

    /// `text` with each symbol written as the template writes it; a symbol
    /// not in this table is written `${?}`.
    pub fn display<'a>(&self, text: &'a str) -> Cow<'a, str> {
        if !contains_symbol(text) {
            return Cow::Borrowed(text);
        }
        let mut out = String::with_capacity(text.len() + 16);
        for c in text.chars() {
            match symbol_index(c) {
                Some(index) => match self.get(index) {
                    Some(symbol) => out.push_str(&symbol.text),
                    None => out.push_str("${?}"),
                },
                None => out.push(c),
            }
        }
        Cow::Owned(out)
    }

    /// `text` with each symbol replaced by `stand_in(symbol)`: one concrete
    /// deployment of the template. A symbol not in this table is left as
    /// it is.
    pub fn instantiate<'a>(
        &self,
        text: &'a str,
        mut stand_in: impl FnMut(usize, &Symbol) -> String,
    ) -> Cow<'a, str> {
        if !contains_symbol(text) {
            return Cow::Borrowed(text);
        }
        let mut out = String::with_capacity(text.len() + 16);
        for c in text.chars() {
            match symbol_index(c).and_then(|i| Some((i, self.get(i)?))) {
                Some((index, symbol)) => out.push_str(&stand_in(index, symbol)),
                None => out.push(c),
            }
        }
        Cow::Owned(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interning_is_stable_and_display_writes_template_text() {
        let mut table = SymbolTable::new();
        let account = table
            .intern(SymbolKind::Pseudo(Pseudo::AccountId))
            .expect("room");
        let table_name = table
            .intern(SymbolKind::GeneratedName {
                logical_id: "Orders".into(),
                resource_type: "AWS::DynamoDB::Table".into(),
            })
            .expect("room");
        assert_eq!(
            table.intern(SymbolKind::Pseudo(Pseudo::AccountId)),
            Some(account)
        );
        let arn = format!("arn:aws:dynamodb:us-east-1:{account}:table/{table_name}");
        assert_eq!(
            table.display(&arn),
            "arn:aws:dynamodb:us-east-1:${AWS::AccountId}:table/${Orders}"
        );
        let parsed = crate::arn::Arn::parse(&arn).expect("six fields");
        assert!(parsed.account().has_symbol() && parsed.resource().has_symbol());
        assert_eq!(
            parts(&arn),
            vec![
                Part::Text("arn:aws:dynamodb:us-east-1:"),
                Part::Symbol(0),
                Part::Text(":table/"),
                Part::Symbol(1),
            ]
        );
        let concrete = table.instantiate(&arn, |_, s| match s.kind {
            SymbolKind::Pseudo(Pseudo::AccountId) => "111122223333".into(),
            _ => "Orders-1".into(),
        });
        assert_eq!(
            concrete,
            "arn:aws:dynamodb:us-east-1:111122223333:table/Orders-1"
        );
    }

    #[test]
    fn symbols_are_recognised_and_nothing_else_is() {
        assert!(!contains_symbol("arn:aws:s3:::b/*"));
        assert!(!contains_symbol("\u{F4}\u{10FFFF}"));
        let c = symbol_char(5).expect("in range");
        assert_eq!(symbol_index(c), Some(5));
        assert_eq!(single_symbol(&c.to_string()), Some(5));
        assert_eq!(single_symbol(&format!("{c}x")), None);
        assert_eq!(symbol_char(MAX_SYMBOLS), None);
        assert_eq!(first_symbol(&format!("ab{c}")), Some(2));
    }
}
