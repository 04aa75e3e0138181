//! gzip as CloudTrail delivers its log files (`*.json.gz`): one or more
//! members, each a header, a DEFLATE stream and a CRC-32 and length that
//! are checked (RFC 1952). Not for: writing gzip.

use thiserror::Error;

/// Why a gzip file could not be read.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum GzipError {
    #[error("not gzip: the file does not start with the gzip magic bytes")]
    NotGzip,
    #[error("truncated gzip header or trailer at byte {0}")]
    Truncated(usize),
    #[error("gzip compression method {0} is not DEFLATE")]
    Method(u8),
    #[error("corrupt DEFLATE data in the member at byte {0}")]
    Deflate(usize),
    #[error("CRC-32 mismatch in the member at byte {0}: the file is damaged")]
    Checksum(usize),
}

const FHCRC: u8 = 0x02;
const FEXTRA: u8 = 0x04;
const FNAME: u8 = 0x08;
const FCOMMENT: u8 = 0x10;

/// Whether `bytes` start like gzip.
pub fn is_gzip(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0x1f, 0x8b])
}

/// The decompressed contents of every member of `bytes`, concatenated.
pub fn decompress(bytes: &[u8]) -> Result<Vec<u8>, GzipError> {
    if !is_gzip(bytes) {
        return Err(GzipError::NotGzip);
    }
    // The last member's trailer holds its length (mod 2^32): for the usual
    // one-member file, the exact size of the output.
    let hint = bytes
        .len()
        .checked_sub(4)
        .and_then(|at| bytes.get(at..))
        .map_or(0, |t| u32::from_le_bytes([t[0], t[1], t[2], t[3]]) as usize);
    let mut out: Vec<u8> = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let start = at;
        let header = bytes.get(at..at + 10).ok_or(GzipError::Truncated(at))?;
        if header[0] != 0x1f || header[1] != 0x8b {
            // Padding after the last member is tolerated, as gzip does.
            if bytes[at..].iter().all(|b| *b == 0) {
                break;
            }
            return Err(GzipError::NotGzip);
        }
        if header[2] != 8 {
            return Err(GzipError::Method(header[2]));
        }
        let flags = header[3];
        at += 10;
        if flags & FEXTRA != 0 {
            let length = bytes.get(at..at + 2).ok_or(GzipError::Truncated(at))?;
            at += 2 + usize::from(u16::from_le_bytes([length[0], length[1]]));
        }
        for flag in [FNAME, FCOMMENT] {
            if flags & flag != 0 {
                let end = bytes
                    .get(at..)
                    .and_then(|rest| rest.iter().position(|b| *b == 0))
                    .ok_or(GzipError::Truncated(at))?;
                at += end + 1;
            }
        }
        if flags & FHCRC != 0 {
            at += 2;
        }
        let body = bytes.get(at..).ok_or(GzipError::Truncated(at))?;
        let (data, used) = inflate(body, hint).ok_or(GzipError::Deflate(start))?;
        at += used;
        let trailer = bytes.get(at..at + 8).ok_or(GzipError::Truncated(at))?;
        let crc = u32::from_le_bytes([trailer[0], trailer[1], trailer[2], trailer[3]]);
        let size = u32::from_le_bytes([trailer[4], trailer[5], trailer[6], trailer[7]]);
        // ISIZE is the length modulo 2^32.
        if crc != crc32(&data) || size != data.len() as u32 {
            return Err(GzipError::Checksum(start));
        }
        at += 8;
        if out.is_empty() {
            out = data;
        } else {
            out.extend_from_slice(&data);
        }
    }
    Ok(out)
}

/// Inflates one raw DEFLATE stream at the start of `body`: the data and
/// how many bytes of `body` it took.
fn inflate(body: &[u8], hint: usize) -> Option<(Vec<u8>, usize)> {
    use miniz_oxide::inflate::TINFLStatus;
    use miniz_oxide::inflate::core::{DecompressorOxide, decompress, inflate_flags};
    let mut state = DecompressorOxide::new();
    // The size hint is trusted only so far (a damaged trailer must not
    // allocate gigabytes): DEFLATE expands at most about 1032 times.
    let bound = body.len().saturating_mul(1032).max(1024);
    let start = if hint > 0 && hint <= bound {
        hint + 1
    } else {
        body.len().saturating_mul(4).max(1024)
    };
    let mut out = vec![0_u8; start];
    let mut in_at = 0;
    let mut out_at = 0;
    loop {
        let (status, read, written) = decompress(
            &mut state,
            body.get(in_at..)?,
            &mut out,
            out_at,
            inflate_flags::TINFL_FLAG_USING_NON_WRAPPING_OUTPUT_BUF,
        );
        in_at += read;
        out_at += written;
        match status {
            TINFLStatus::Done => {
                out.truncate(out_at);
                return Some((out, in_at));
            }
            TINFLStatus::HasMoreOutput => {
                let grown = out.len() * 2;
                out.resize(grown, 0);
            }
            _ => return None,
        }
    }
}

/// CRC-32 (IEEE 802.3, reflected), as gzip's trailer carries it. With
/// `crc32fast`, which folds 64 bytes a step with the CPU's carry-less
/// multiply where it has one: checking the trailer was a seventh of
/// reading a trail with the eight-table software CRC (docs/benchmarks.md).
pub fn crc32(data: &[u8]) -> u32 {
    crc32fast::hash(data)
}

/// `data` as one gzip member (no name, no time): for tests and the
/// generator of test trails.
pub fn compress(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
    out.extend(miniz_oxide::deflate::compress_to_vec(data, 6));
    out.extend(crc32(data).to_le_bytes());
    out.extend((data.len() as u32).to_le_bytes());
    out
}

/// [`compress`] at DEFLATE level 1: for generating big test trails.
pub fn compress_fast(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
    out.extend(miniz_oxide::deflate::compress_to_vec(data, 1));
    out.extend(crc32(data).to_le_bytes());
    out.extend((data.len() as u32).to_le_bytes());
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_damage() {
        // The check value of CRC-32/ISO-HDLC (RFC 1952's CRC).
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        // Lengths around the 8-byte steps agree with the bytewise CRC.
        let bytewise = |data: &[u8]| {
            let mut crc = 0xFFFF_FFFF_u32;
            for byte in data {
                crc ^= u32::from(*byte);
                for _ in 0..8 {
                    crc = if crc & 1 != 0 {
                        0xEDB8_8320 ^ (crc >> 1)
                    } else {
                        crc >> 1
                    };
                }
            }
            crc ^ 0xFFFF_FFFF
        };
        let sample: Vec<u8> = (0..40_u32).map(|i| (i * 37 + 11) as u8).collect();
        for len in 0..sample.len() {
            assert_eq!(crc32(&sample[..len]), bytewise(&sample[..len]), "{len}");
        }
        let text = br#"{"Records":[]}"#.repeat(500);
        let packed = compress(&text);
        assert_eq!(decompress(&packed).unwrap(), text);
        // Two members read as their concatenation (RFC 1952, 2.2).
        let mut two = packed.clone();
        two.extend(compress(b"tail"));
        let mut expected = text.clone();
        expected.extend(b"tail");
        assert_eq!(decompress(&two).unwrap(), expected);
        let mut damaged = packed.clone();
        let last = damaged.len() - 5;
        damaged[last] ^= 0xff;
        assert!(decompress(&damaged).is_err());
        assert_eq!(decompress(b"{}"), Err(GzipError::NotGzip));
        assert!(decompress(&packed[..packed.len() - 3]).is_err());
    }
}
