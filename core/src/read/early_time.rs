//! Validity dates before 1970, which the `der` crate refuses to read (its
//! dates start at the Unix epoch) though RFC 5280 allows them: UTCTime's
//! two-digit years 50 to 69 are 1950 to 1969 (4.1.2.5.1), and
//! GeneralizedTime may say any year. [`before_1970`] finds such a date in
//! a certificate's validity, reads it itself, and gives the DER back with
//! each of those dates replaced by 1970-01-01 in the same encoding and
//! length, so that the rest can be read as usual; the real dates then take
//! their places in the model.

use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time as TimeOfDay};

/// UTCTime and GeneralizedTime tags.
const UTC_TIME: u8 = 0x17;
const GENERALIZED_TIME: u8 = 0x18;

/// A certificate whose validity holds a date before 1970: its DER with
/// those dates at 1970-01-01, and the real notBefore and notAfter (Unix
/// seconds, negative) where they were replaced.
#[derive(Debug)]
pub(crate) struct Early {
    pub der: Vec<u8>,
    pub real: [Option<i64>; 2],
}

/// `der`'s early validity dates, if it has any (`None`: it has none, or it
/// is not shaped like a certificate up to its validity).
pub(crate) fn before_1970(der: &[u8]) -> Option<Early> {
    let (certificate, _) = element(der, 0, 0x30)?;
    let (tbs, _) = element(der, certificate.start, 0x30)?;
    let mut at = tbs.start;
    // [0] EXPLICIT version, when not v1.
    if der.get(at) == Some(&0xa0) {
        at = element(der, at, 0xa0)?.1;
    }
    // serialNumber, signature, issuer.
    for tag in [0x02, 0x30, 0x30] {
        at = element(der, at, tag)?.1;
    }
    let (validity, _) = element(der, at, 0x30)?;
    let mut patched = der.to_vec();
    let mut real = [None, None];
    let mut at = validity.start;
    for slot in &mut real {
        let tag = *der.get(at)?;
        let (time, next) = element(der, at, tag)?;
        let text = der.get(time.start..time.end)?;
        if let Some(seconds) = early(tag, text) {
            let epoch: &[u8] = if tag == UTC_TIME {
                b"700101000000Z"
            } else {
                b"19700101000000Z"
            };
            patched
                .get_mut(time.start..time.end)?
                .copy_from_slice(epoch);
            *slot = Some(seconds);
        }
        at = next;
    }
    (real != [None, None]).then_some(Early { der: patched, real })
}

/// Content bounds of one element.
struct Span {
    start: usize,
    end: usize,
}

/// The element with `tag` at `at`: its content and where the next begins.
fn element(der: &[u8], at: usize, tag: u8) -> Option<(Span, usize)> {
    if *der.get(at)? != tag {
        return None;
    }
    let first = *der.get(at.checked_add(1)?)?;
    let (length, start) = if first < 0x80 {
        (usize::from(first), at.checked_add(2)?)
    } else {
        let count = usize::from(first & 0x7f);
        if count == 0 || count > 4 {
            return None;
        }
        let from = at.checked_add(2)?;
        let bytes = der.get(from..from.checked_add(count)?)?;
        let length = bytes.iter().try_fold(0usize, |n, b| {
            n.checked_mul(256)?.checked_add(usize::from(*b))
        })?;
        (length, from.checked_add(count)?)
    };
    let end = start.checked_add(length)?;
    (end <= der.len()).then_some((Span { start, end }, end))
}

/// The DER time `text` (UTCTime `YYMMDDHHMMSSZ`, GeneralizedTime
/// `YYYYMMDDHHMMSSZ`) in Unix seconds, when it is before 1970 and a real
/// date.
fn early(tag: u8, text: &[u8]) -> Option<i64> {
    let (year, rest) = match tag {
        UTC_TIME if text.len() == 13 => {
            let yy = number(text.get(..2)?)?;
            // 50 to 99 are 1950 to 1999; only 1950 to 1969 are early.
            (if yy >= 50 { 1900 + yy } else { 2000 + yy }, text.get(2..)?)
        }
        GENERALIZED_TIME if text.len() == 15 => (number(text.get(..4)?)?, text.get(4..)?),
        _ => return None,
    };
    if year >= 1970 || rest.last() != Some(&b'Z') {
        return None;
    }
    let field = |from: usize| number(rest.get(from..from + 2)?);
    let month = Month::try_from(u8::try_from(field(0)?).ok()?).ok()?;
    let date = Date::from_calendar_date(
        i32::try_from(year).ok()?,
        month,
        u8::try_from(field(2)?).ok()?,
    )
    .ok()?;
    let time = TimeOfDay::from_hms(
        u8::try_from(field(4)?).ok()?,
        u8::try_from(field(6)?).ok()?,
        u8::try_from(field(8)?).ok()?,
    )
    .ok()?;
    let at: OffsetDateTime = PrimitiveDateTime::new(date, time).assume_utc();
    Some(at.unix_timestamp())
}

/// ASCII digits as a number; `None` for anything else.
fn number(digits: &[u8]) -> Option<u32> {
    digits.iter().try_fold(0u32, |n, d| {
        d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn years_1950_to_1969_are_early_and_read() {
        assert_eq!(early(UTC_TIME, b"600101000000Z"), Some(-315_619_200));
        assert_eq!(early(UTC_TIME, b"500101000000Z"), Some(-631_152_000));
        assert_eq!(early(UTC_TIME, b"691231235959Z"), Some(-1));
        assert_eq!(
            early(GENERALIZED_TIME, b"19600101000000Z"),
            Some(-315_619_200)
        );
        // Read as usual: not early.
        assert_eq!(early(UTC_TIME, b"700101000000Z"), None);
        assert_eq!(early(UTC_TIME, b"490101000000Z"), None);
        // Not a date.
        assert_eq!(early(UTC_TIME, b"601301000000Z"), None);
        assert_eq!(early(UTC_TIME, b"600230000000Z"), None);
        assert_eq!(early(UTC_TIME, b"6001010000+0Z"), None);
        assert_eq!(early(UTC_TIME, b"60010100000Z"), None);
    }

    #[test]
    fn any_bytes_are_answered_without_a_panic() {
        assert!(before_1970(&[]).is_none());
        assert!(before_1970(&[0x30, 0x84, 0xff, 0xff, 0xff, 0xff]).is_none());
        assert!(before_1970(&[0x30, 0x82, 0x00]).is_none());
        let mut bytes = vec![0x30, 0x10, 0x30, 0x0e, 0xa0, 0x00, 0x02, 0x00, 0x30, 0x00];
        bytes.extend([0x30, 0x00, 0x30, 0x04, 0x17, 0x02, b'6', b'0']);
        assert!(before_1970(&bytes).is_none());
    }
}
