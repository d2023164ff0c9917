//! Durations as users write them, everywhere (`--for`, scenario files, the
//! fault language): `humantime`'s forms — `500ms`, `2s`, `1m30s`, `1h`,
//! `2.5s`, `0` — and, for clock skew, a signed offset: `+500ms`, `-2s`, `0`.
//!
//! A bare number other than `0` is refused (humantime asks for a unit), so
//! `latency n0 n1 200` cannot mean milliseconds to one reader and seconds to
//! another. Callers add what the value is for (the argument, or the file and
//! line) around these messages.
//!
//! Both are at most `MAX` long: nothing devnet times needs more, a longer
//! one could overflow the clock arithmetic it feeds, and within it every
//! value written back (`format_duration`, `format_offset_ms`) parses again.

use std::time::Duration;

/// The longest duration or offset taken: 365 days.
pub const MAX: Duration = Duration::from_secs(365 * 24 * 3600);

/// A duration like `500ms`, `2s` or `1m30s`.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let d = humantime::parse_duration(s)
        .map_err(|e| format!("expected a duration like 500ms, 2s or 1m30s, found {s:?} ({e})"))?;
    if d > MAX {
        return Err(format!("expected a duration of at most 365 days, found {s:?}"));
    }
    Ok(d)
}

/// A signed offset in milliseconds: `+500ms`, `-2s`, `0` (an unsigned one is positive).
pub fn parse_offset_ms(s: &str) -> Result<i64, String> {
    let t = s.trim();
    let (sign, rest) = match t.strip_prefix('-') {
        Some(r) => (-1, r),
        None => (1, t.strip_prefix('+').unwrap_or(t)),
    };
    let d = humantime::parse_duration(rest)
        .map_err(|e| format!("expected an offset like +500ms, -2s or 0, found {t:?} ({e})"))?;
    if d > MAX {
        return Err(format!("expected an offset of at most 365 days either way, found {t:?}"));
    }
    Ok(sign * d.as_millis() as i64)
}

/// How an offset is written back into the fault language: `+500ms`, `-2000ms`, `0`.
pub fn format_offset_ms(ms: i64) -> String {
    match ms {
        0 => "0".into(),
        m if m > 0 => format!("+{m}ms"),
        m => format!("{m}ms"),
    }
}

/// How a duration is written back as one word (humantime's own format has spaces).
pub fn format_duration(d: Duration) -> String {
    if d.is_zero() {
        "0".into()
    } else if d.subsec_nanos().is_multiple_of(1_000_000) {
        format!("{}ms", d.as_millis())
    } else {
        format!("{}ns", d.as_nanos())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_forms_parse() {
        assert_eq!(parse_duration("20s"), Ok(Duration::from_secs(20)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("1m30s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse_duration("2.5s"), Ok(Duration::from_millis(2500)));
        assert_eq!(parse_duration("0"), Ok(Duration::ZERO));
    }

    #[test]
    fn errors_name_the_value_and_the_forms() {
        let e = parse_duration("3").unwrap_err();
        assert!(e.contains("found \"3\"") && e.contains("time unit needed"), "{e}");
        let e = parse_duration("3 parsecs").unwrap_err();
        assert!(e.contains("unknown time unit \"parsecs\""), "{e}");
        assert!(parse_duration("fast").unwrap_err().contains("like 500ms, 2s or 1m30s"));
        assert!(parse_duration("-2s").is_err());
    }

    #[test]
    fn offsets_are_signed() {
        assert_eq!(parse_offset_ms("+500ms"), Ok(500));
        assert_eq!(parse_offset_ms("-2s"), Ok(-2000));
        assert_eq!(parse_offset_ms("1s"), Ok(1000));
        assert_eq!(parse_offset_ms("0"), Ok(0));
        assert_eq!(parse_offset_ms("-0"), Ok(0));
        assert!(parse_offset_ms("--2s").unwrap_err().contains("like +500ms"));
        for ms in [0, 500, -2000, 61_000] {
            assert_eq!(parse_offset_ms(&format_offset_ms(ms)), Ok(ms));
        }
        for d in [Duration::ZERO, Duration::from_millis(1500), Duration::from_micros(1500)] {
            assert_eq!(parse_duration(&format_duration(d)), Ok(d));
        }
    }

    /// Found by the `faults` fuzz target: `latency * * 120m0888888888m02s`
    /// (1690 years) parsed, but written back as one word
    /// (`53333341684001ms`) it did not parse again, so `devnet inject` sent
    /// the running devnet words it refused. Durations and offsets now stop
    /// at `MAX`, and everything up to it survives the trip.
    #[test]
    fn durations_and_offsets_stop_at_a_year_and_survive_being_written_back() {
        let e = parse_duration("120m0888888888m02s1ms0ms1202s").unwrap_err();
        assert!(e.contains("at most 365 days"), "{e}");
        assert!(parse_duration("366days").is_err());
        assert_eq!(parse_duration("365days"), Ok(MAX));
        assert!(parse_offset_ms("-366days").unwrap_err().contains("at most 365 days"));
        let max_ms = MAX.as_millis() as i64;
        for d in [MAX, MAX - Duration::from_nanos(1)] {
            assert_eq!(parse_duration(&format_duration(d)), Ok(d));
        }
        for ms in [max_ms, -max_ms] {
            assert_eq!(parse_offset_ms(&format_offset_ms(ms)), Ok(ms));
        }
    }
}
