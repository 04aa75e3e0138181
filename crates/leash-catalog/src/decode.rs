//! Reading the embedded catalog file written by scripts/gen-catalog
//! (format: docs/catalog.md).
//!
//! Not for building indexes or answering lookups: this only turns bytes into
//! services, and reports a damaged file as a [`DecodeError`].
//!
//! The inflated bytes are leaked on purpose: the catalog lives for the whole
//! process (it sits in a `OnceLock`), and borrowing every name straight from
//! one buffer saves tens of thousands of small allocations at start-up.

use std::fmt;
use std::sync::OnceLock;

use crate::condition_key::{ConditionKey, ConditionKeyType};
use crate::resource_type::ResourceType;
use crate::service::{AccessLevel, Action, ActionResource, Service};

const MAGIC: &[u8] = b"LEASHCAT";
const FORMAT_VERSION: u8 = 1;
/// No section of a sane catalog inflates past this; a larger claim means a
/// damaged file, and refusing it avoids a huge allocation.
const MAX_SECTION_LENGTH: usize = 64 * 1024 * 1024;

/// The embedded catalog file could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    message: String,
}

impl DecodeError {
    fn new(message: impl Into<String>) -> DecodeError {
        DecodeError {
            message: message.into(),
        }
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "damaged catalog data: {}", self.message)
    }
}

impl std::error::Error for DecodeError {}

/// The parts of the file before inflating.
pub(crate) struct Header {
    pub(crate) data_version: &'static str,
    pub(crate) data_updated: &'static str,
    core_length: usize,
    core: &'static [u8],
    descriptions_length: usize,
    descriptions: &'static [u8],
}

/// Everything in the core section.
pub(crate) struct DecodedCatalog {
    pub(crate) services: Vec<Service>,
    pub(crate) global_condition_keys: Vec<ConditionKey>,
}

struct Reader<'a> {
    bytes: &'a [u8],
    position: usize,
}

impl<'a> Reader<'a> {
    fn new(bytes: &'a [u8]) -> Reader<'a> {
        Reader { bytes, position: 0 }
    }

    fn take(&mut self, length: usize) -> Result<&'a [u8], DecodeError> {
        let end = self
            .position
            .checked_add(length)
            .filter(|&end| end <= self.bytes.len())
            .ok_or_else(|| DecodeError::new(format!("truncated at byte {}", self.position)))?;
        let taken = self.bytes.get(self.position..end).unwrap_or_default();
        self.position = end;
        Ok(taken)
    }

    fn byte(&mut self) -> Result<u8, DecodeError> {
        let byte = *self
            .bytes
            .get(self.position)
            .ok_or_else(|| DecodeError::new(format!("truncated at byte {}", self.position)))?;
        self.position += 1;
        Ok(byte)
    }

    /// An unsigned LEB128 number of at most 32 bits.
    fn number(&mut self) -> Result<u32, DecodeError> {
        let mut value: u32 = 0;
        for shift in [0, 7, 14, 21, 28] {
            let byte = self.byte()?;
            let bits = u32::from(byte & 0x7f);
            if shift == 28 && bits > 0x0f {
                return Err(DecodeError::new("number wider than 32 bits"));
            }
            value |= bits << shift;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(DecodeError::new("number wider than 32 bits"))
    }

    fn length(&mut self) -> Result<usize, DecodeError> {
        usize::try_from(self.number()?).map_err(|_| DecodeError::new("length too large"))
    }

    /// A count of items that each take at least one more byte; a count
    /// larger than what is left is damage, refused before allocating for it.
    fn count(&mut self) -> Result<usize, DecodeError> {
        let count = self.length()?;
        let remaining = self.bytes.len().saturating_sub(self.position);
        if count > remaining {
            return Err(DecodeError::new(format!(
                "count {count} exceeds the {remaining} bytes left"
            )));
        }
        Ok(count)
    }

    fn is_at_end(&self) -> bool {
        self.position == self.bytes.len()
    }
}

pub(crate) fn read_header(bytes: &'static [u8]) -> Result<Header, DecodeError> {
    let mut reader = Reader::new(bytes);
    if reader.take(MAGIC.len())? != MAGIC {
        return Err(DecodeError::new("not a leash catalog file"));
    }
    let format = reader.byte()?;
    if format != FORMAT_VERSION {
        return Err(DecodeError::new(format!(
            "format version {format}, this build reads {FORMAT_VERSION}"
        )));
    }
    let text = |reader: &mut Reader<'static>| -> Result<&'static str, DecodeError> {
        let length = reader.length()?;
        std::str::from_utf8(reader.take(length)?)
            .map_err(|_| DecodeError::new("version text is not UTF-8"))
    };
    let data_version = text(&mut reader)?;
    let data_updated = text(&mut reader)?;
    let core_length = reader.length()?;
    let core_compressed_length = reader.length()?;
    let core = reader.take(core_compressed_length)?;
    let descriptions_length = reader.length()?;
    let descriptions_compressed_length = reader.length()?;
    let descriptions = reader.take(descriptions_compressed_length)?;
    if !reader.is_at_end() {
        return Err(DecodeError::new("trailing bytes after the last section"));
    }
    Ok(Header {
        data_version,
        data_updated,
        core_length,
        core,
        descriptions_length,
        descriptions,
    })
}

/// Inflates a raw-deflate section whose inflated length the header gives,
/// and leaks it (see the module docs).
fn inflate(compressed: &[u8], length: usize) -> Result<&'static [u8], DecodeError> {
    if length > MAX_SECTION_LENGTH {
        return Err(DecodeError::new(format!("section claims {length} bytes")));
    }
    let mut output = vec![0_u8; length];
    let written = miniz_oxide::inflate::decompress_slice_iter_to_slice(
        &mut output,
        std::iter::once(compressed),
        false,
        true,
    )
    .map_err(|status| DecodeError::new(format!("inflate failed: {status:?}")))?;
    if written != length {
        return Err(DecodeError::new(format!(
            "section inflated to {written} bytes, header says {length}"
        )));
    }
    Ok(Box::leak(output.into_boxed_slice()))
}

/// A count followed by that many lengths, then the concatenated UTF-8 text.
fn read_string_table(reader: &mut Reader<'static>) -> Result<Vec<&'static str>, DecodeError> {
    let count = reader.count()?;
    let mut lengths = Vec::with_capacity(count);
    let mut total: usize = 0;
    for _ in 0..count {
        let length = reader.length()?;
        total = total
            .checked_add(length)
            .ok_or_else(|| DecodeError::new("string table too large"))?;
        lengths.push(length);
    }
    let blob = std::str::from_utf8(reader.take(total)?)
        .map_err(|_| DecodeError::new("string table is not UTF-8"))?;
    let mut strings = Vec::with_capacity(count);
    let mut start = 0;
    for length in lengths {
        let end = start + length;
        let text = blob
            .get(start..end)
            .ok_or_else(|| DecodeError::new("string splits a UTF-8 character"))?;
        strings.push(text);
        start = end;
    }
    Ok(strings)
}

/// Reads names and lists of names by their string-table ids.
struct TableReader {
    reader: Reader<'static>,
    strings: &'static [&'static str],
}

impl TableReader {
    fn string(&mut self) -> Result<&'static str, DecodeError> {
        let id = self.reader.length()?;
        self.strings
            .get(id)
            .copied()
            .ok_or_else(|| DecodeError::new(format!("string id {id} out of range")))
    }

    fn strings(&mut self) -> Result<Vec<&'static str>, DecodeError> {
        let count = self.reader.count()?;
        (0..count).map(|_| self.string()).collect()
    }

    fn condition_key_type(&mut self) -> Result<ConditionKeyType, DecodeError> {
        let code = self.reader.byte()?;
        ConditionKeyType::from_code(code)
            .ok_or_else(|| DecodeError::new(format!("unknown condition key type code {code}")))
    }

    /// A service record; its actions stay encoded (see [`decode_actions`]).
    fn service(&mut self, next_description: &mut u32) -> Result<Service, DecodeError> {
        let prefix = self.string()?;
        let name = self.string()?;
        let resource_type_count = self.reader.count()?;
        let mut resource_types = Vec::with_capacity(resource_type_count);
        for _ in 0..resource_type_count {
            let resource_name = self.string()?;
            let arn_template = self.string()?;
            let condition_keys = self.strings()?;
            resource_types.push(ResourceType {
                service: prefix,
                name: resource_name,
                arn_template,
                condition_keys,
                // Set once the catalog's order is final.
                position: (0, 0),
            });
        }
        let condition_key_count = self.reader.count()?;
        let mut condition_keys = Vec::with_capacity(condition_key_count);
        for _ in 0..condition_key_count {
            let key_name = self.string()?;
            let key_type = self.condition_key_type()?;
            condition_keys.push(ConditionKey {
                name: key_name,
                key_type,
                description_index: Some(*next_description),
            });
            *next_description = next_description
                .checked_add(1)
                .ok_or_else(|| DecodeError::new("too many descriptions"))?;
        }
        let action_count = self.reader.length()?;
        let block_length = self.reader.length()?;
        let action_block = self.reader.take(block_length)?;
        // Each action takes at least four bytes (name, access level and
        // three counts), so this bounds the allocation decode_actions makes.
        if action_count > block_length {
            return Err(DecodeError::new(format!(
                "`{prefix}` claims {action_count} actions in {block_length} bytes"
            )));
        }
        let first_action_description = *next_description;
        *next_description = u32::try_from(action_count)
            .ok()
            .and_then(|count| next_description.checked_add(count))
            .ok_or_else(|| DecodeError::new("too many descriptions"))?;
        Ok(Service {
            prefix,
            name,
            action_count,
            action_block,
            strings: self.strings,
            first_action_description,
            actions: OnceLock::new(),
            action_index: OnceLock::new(),
            resource_types,
            condition_keys,
        })
    }

    fn action(
        &mut self,
        service: &'static str,
        description_index: u32,
    ) -> Result<Action, DecodeError> {
        let name = self.string()?;
        let code = self.reader.byte()?;
        let access_level = AccessLevel::from_code(code)
            .ok_or_else(|| DecodeError::new(format!("unknown access level code {code}")))?;
        let resource_count = self.reader.count()?;
        let mut resource_types = Vec::with_capacity(resource_count);
        for _ in 0..resource_count {
            let resource_type = self.string()?;
            let required = self.reader.byte()? != 0;
            let condition_keys = self.strings()?;
            let dependent_actions = self.strings()?;
            resource_types.push(ActionResource {
                resource_type,
                required,
                condition_keys,
                dependent_actions,
            });
        }
        let condition_keys = self.strings()?;
        let dependent_actions = self.strings()?;
        Ok(Action {
            service,
            name,
            access_level,
            description_index: Some(description_index),
            resource_types,
            condition_keys,
            dependent_actions,
        })
    }
}

pub(crate) fn decode_core(header: &Header) -> Result<DecodedCatalog, DecodeError> {
    let core = inflate(header.core, header.core_length)?;
    let mut reader = Reader::new(core);
    // Leaked with the inflated bytes: services borrow from it for the
    // process's lifetime.
    let strings: &'static [&'static str] =
        Box::leak(read_string_table(&mut reader)?.into_boxed_slice());
    let mut table = TableReader { reader, strings };
    let mut next_description = 0;
    let service_count = table.reader.count()?;
    let mut services = Vec::with_capacity(service_count);
    for _ in 0..service_count {
        services.push(table.service(&mut next_description)?);
    }
    let global_count = table.reader.count()?;
    let mut global_condition_keys = Vec::with_capacity(global_count);
    for _ in 0..global_count {
        let name = table.string()?;
        let key_type = table.condition_key_type()?;
        global_condition_keys.push(ConditionKey {
            name,
            key_type,
            description_index: None,
        });
    }
    if !table.reader.is_at_end() {
        return Err(DecodeError::new("trailing bytes in the core section"));
    }
    Ok(DecodedCatalog {
        services,
        global_condition_keys,
    })
}

/// Decodes a service's actions from its block.
pub(crate) fn decode_actions(service: &Service) -> Result<Vec<Action>, DecodeError> {
    let mut table = TableReader {
        reader: Reader::new(service.action_block),
        strings: service.strings,
    };
    let mut actions = Vec::with_capacity(service.action_count);
    for offset in 0..service.action_count {
        let description_index = u32::try_from(offset)
            .ok()
            .and_then(|offset| service.first_action_description.checked_add(offset))
            .ok_or_else(|| DecodeError::new("too many descriptions"))?;
        actions.push(table.action(service.prefix, description_index)?);
    }
    if !table.reader.is_at_end() {
        return Err(DecodeError::new(format!(
            "trailing bytes after the actions of `{}`",
            service.prefix
        )));
    }
    Ok(actions)
}

pub(crate) fn decode_descriptions(header: &Header) -> Result<Vec<&'static str>, DecodeError> {
    let bytes = inflate(header.descriptions, header.descriptions_length)?;
    let mut reader = Reader::new(bytes);
    let descriptions = read_string_table(&mut reader)?;
    if !reader.is_at_end() {
        return Err(DecodeError::new(
            "trailing bytes in the descriptions section",
        ));
    }
    Ok(descriptions)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn numbers_are_little_endian_base_128() {
        let mut reader = Reader::new(&[0x00, 0x7f, 0x80, 0x01, 0xff, 0xff, 0xff, 0xff, 0x0f]);
        assert_eq!(reader.number().unwrap(), 0);
        assert_eq!(reader.number().unwrap(), 127);
        assert_eq!(reader.number().unwrap(), 128);
        assert_eq!(reader.number().unwrap(), u32::MAX);
        assert!(reader.is_at_end());
    }

    #[test]
    fn overlong_and_truncated_numbers_are_errors() {
        assert!(
            Reader::new(&[0xff, 0xff, 0xff, 0xff, 0x1f])
                .number()
                .is_err()
        );
        assert!(Reader::new(&[0x80]).number().is_err());
    }

    #[test]
    fn damaged_headers_are_errors_not_panics() {
        assert!(read_header(b"").is_err());
        assert!(read_header(b"NOTACATALOG").is_err());
        assert!(read_header(b"LEASHCAT\x02").is_err());
        assert!(read_header(b"LEASHCAT\x01\x05ab").is_err());
        let message = read_header(b"nope").err().unwrap().to_string();
        assert_eq!(message, "damaged catalog data: truncated at byte 0");
    }

    #[test]
    fn counts_larger_than_the_rest_are_errors() {
        let mut reader = Reader::new(&[0x05, 0x01, 0x02]);
        assert!(reader.count().is_err());
        let mut reader = Reader::new(&[0x02, 0x01, 0x02]);
        assert_eq!(reader.count().unwrap(), 2);
        let bytes: &'static [u8] = b"\xff\xff\xff\xff\x0f";
        assert!(read_string_table(&mut Reader::new(bytes)).is_err());
    }

    fn push_number(bytes: &mut Vec<u8>, mut value: usize) {
        while value >= 0x80 {
            bytes.push(u8::try_from(value & 0x7f).unwrap() | 0x80);
            value >>= 7;
        }
        bytes.push(u8::try_from(value).unwrap());
    }

    /// The embedded file with its core section replaced by `core`.
    fn file_with_core(core: &[u8]) -> &'static [u8] {
        let header = read_header(crate::CATALOG_FILE).unwrap();
        let mut bytes = MAGIC.to_vec();
        bytes.push(FORMAT_VERSION);
        for text in [header.data_version, header.data_updated] {
            push_number(&mut bytes, text.len());
            bytes.extend_from_slice(text.as_bytes());
        }
        let compressed = miniz_oxide::deflate::compress_to_vec(core, 1);
        push_number(&mut bytes, core.len());
        push_number(&mut bytes, compressed.len());
        bytes.extend_from_slice(&compressed);
        push_number(&mut bytes, header.descriptions_length);
        push_number(&mut bytes, header.descriptions.len());
        bytes.extend_from_slice(header.descriptions);
        Box::leak(bytes.into_boxed_slice())
    }

    #[test]
    fn damaged_core_sections_are_errors_or_data_never_panics() {
        let header = read_header(crate::CATALOG_FILE).unwrap();
        let core = inflate(header.core, header.core_length).unwrap();
        // The unchanged core round-trips.
        let file = file_with_core(core);
        let decoded = decode_core(&read_header(file).unwrap()).unwrap();
        assert!(decoded.services.len() > 400);
        let mut position: usize = 17;
        for round in 0..12 {
            let mut damaged = core.to_vec();
            position = (position * 7919 + 104_729) % damaged.len();
            if round % 4 == 0 {
                damaged.truncate(position);
            } else if let Some(byte) = damaged.get_mut(position) {
                *byte ^= 0x5a;
            }
            let Ok(header) = read_header(file_with_core(&damaged)) else {
                continue;
            };
            let Ok(decoded) = decode_core(&header) else {
                continue;
            };
            for service in &decoded.services {
                let _ = decode_actions(service);
            }
            let catalog = crate::Catalog::build(decoded, "damaged", "damaged");
            let _ = catalog.expand("*:Get*");
            let _ = catalog.condition_key("aws:ResourceTag/team");
            let _ = catalog.resource_types_for_arn("arn:aws:s3:::bucket/*");
        }
    }

    #[test]
    fn string_tables_split_the_blob() {
        let bytes: &'static [u8] = b"\x03\x01\x00\x02abc";
        let mut reader = Reader::new(bytes);
        assert_eq!(read_string_table(&mut reader).unwrap(), vec!["a", "", "bc"]);
        assert!(reader.is_at_end());
    }
}
