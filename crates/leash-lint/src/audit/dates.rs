//! The ISO 8601 dates of a dump (`2024-05-01T12:34:56Z`,
//! `2024-05-01T12:34:56+00:00`, `2024-05-01T12:34:56.123000+02:00`, or a
//! day alone) as seconds since 1970-01-01 UTC.

/// Seconds since the epoch, or `None` when `text` is not such a date.
pub fn epoch_seconds(text: &str) -> Option<i64> {
    let text = text.trim();
    let date = text.get(..10)?;
    let mut fields = date.split('-');
    let year: i64 = number(fields.next()?, 4)?;
    let month: i64 = number(fields.next()?, 2)?;
    let day: i64 = number(fields.next()?, 2)?;
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let days = days_from_civil(year, month, day);
    let rest = text.get(10..)?;
    if rest.is_empty() {
        return Some(days * 86_400);
    }
    let rest = rest.strip_prefix(['T', ' '])?;
    let hour: i64 = number(rest.get(0..2)?, 2)?;
    let minute: i64 = number(rest.get(3..5)?, 2)?;
    let second: i64 = number(rest.get(6..8)?, 2)?;
    if rest.get(2..3) != Some(":") || rest.get(5..6) != Some(":") || hour > 23 || minute > 59 {
        return None;
    }
    let mut zone = rest.get(8..)?;
    if let Some(fraction) = zone.strip_prefix('.') {
        let digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
        zone = fraction.get(digits..)?;
    }
    let offset = match zone {
        "" | "Z" | "z" => 0,
        _ => {
            let sign = match zone.get(..1)? {
                "+" => 1,
                "-" => -1,
                _ => return None,
            };
            let hours: i64 = number(zone.get(1..3)?, 2)?;
            let minutes: i64 = match zone.get(3..)? {
                "" => 0,
                m => number(m.strip_prefix(':').unwrap_or(m), 2)?,
            };
            sign * (hours * 3600 + minutes * 60)
        }
    };
    Some(days * 86_400 + hour * 3600 + minute * 60 + second - offset)
}

fn number(text: &str, width: usize) -> Option<i64> {
    (text.len() == width && text.bytes().all(|b| b.is_ascii_digit()))
        .then(|| text.parse().ok())
        .flatten()
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
/// algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_index = (month + 9) % 12;
    let day_of_year = (153 * month_index + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use super::epoch_seconds;

    #[test]
    fn the_forms_the_api_and_the_cli_write() {
        assert_eq!(epoch_seconds("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(epoch_seconds("2024-03-01"), Some(1_709_251_200));
        assert_eq!(
            epoch_seconds("2024-03-01T02:00:00+02:00"),
            Some(1_709_251_200)
        );
        assert_eq!(
            epoch_seconds("2024-03-01T00:00:00.123000Z"),
            Some(1_709_251_200)
        );
        assert_eq!(epoch_seconds("2024-13-01"), None);
        assert_eq!(epoch_seconds("yesterday"), None);
        assert_eq!(epoch_seconds("2024-03-01T00:00"), None);
    }
}
