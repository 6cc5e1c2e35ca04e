//! Text that reaches a terminal or a log line, made safe in one place.
//!
//! A certificate's names are chosen by whoever made it: an ESC sequence
//! (clear the screen, set the window title by OSC), a CR or LF (a forged
//! line), NUL, U+2028 (a line break to some viewers) or a bidi override
//! (text shown in another order than it is) must not reach a terminal or a
//! log as they are. [`escape`] writes each such character as RFC 4514's hex
//! escape of its UTF-8 bytes (`\1B`, `\E2\80\A8`), the form a distinguished
//! name already uses, so one name reads the same in `certplay inspect`,
//! `certplay verify`, the server's log and its JSON answers.
//!
//! Backslashes are left alone: [`escape`] is idempotent (its output has
//! nothing left to escape), so text escaped once is never escaped again into
//! `\\1B`.

use std::borrow::Cow;
use std::fmt::Write as _;

/// True for a character that must not reach a terminal or a log as it is:
/// C0 and C1 controls and DEL (ESC, CR, LF, NUL, CSI ...), the Unicode line
/// and paragraph separators, bidi embeddings, overrides, isolates and marks,
/// and invisible format characters (zero-width spaces and joiners, the soft
/// hyphen, the byte order mark, Unicode tag characters).
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{00AD}'                      // soft hyphen
            | '\u{061C}'                    // Arabic letter mark
            | '\u{180E}'                    // Mongolian vowel separator
            | '\u{200B}'..='\u{200F}'       // zero-width space/joiners, LRM, RLM
            | '\u{2028}'..='\u{202E}'       // line/paragraph separators, bidi embeddings and overrides
            | '\u{2060}'..='\u{206F}'       // word joiner, invisible operators, bidi isolates
            | '\u{FEFF}'                    // byte order mark
            | '\u{FFF9}'..='\u{FFFB}'       // interlinear annotations
            | '\u{E0000}'..='\u{E007F}') // tag characters
}

/// `text` with every [`is_unsafe`] character written as `\XX` per UTF-8
/// byte (upper-case hex, as RFC 4514 escapes a name's value); borrowed
/// when nothing needed escaping.
pub fn escape(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len().saturating_add(16));
    for c in text.chars() {
        push_escaped(&mut out, c);
    }
    Cow::Owned(out)
}

/// Appends `c` to `out`, escaped when it is [`is_unsafe`].
pub fn push_escaped(out: &mut String, c: char) {
    if is_unsafe(c) {
        let mut utf8 = [0u8; 4];
        for byte in c.encode_utf8(&mut utf8).bytes() {
            let _ = write!(out, "\\{byte:02X}");
        }
    } else {
        out.push(c);
    }
}

/// `json`, text a JSON writer made (serde_json escapes only `"`, `\\` and
/// C0 controls), with every other [`is_unsafe`] character written as a
/// JSON escape, `\\uXXXX` (a pair of them above U+FFFF): C1 controls,
/// DEL, U+2028, bidi marks. Such characters can only stand inside the
/// JSON's strings, so the result is still JSON and parses to the same
/// value. The layout's own line breaks and tabs are kept.
pub fn json(json: &str) -> Cow<'_, str> {
    let raw = |c: char| is_unsafe(c) && !matches!(c, '\n' | '\r' | '\t');
    if !json.chars().any(raw) {
        return Cow::Borrowed(json);
    }
    let mut out = String::with_capacity(json.len().saturating_add(16));
    for c in json.chars() {
        if raw(c) {
            let mut utf16 = [0u16; 2];
            for unit in c.encode_utf16(&mut utf16).iter() {
                let _ = write!(out, "\\u{unit:04X}");
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// `text` cut after `max` characters, with `…` where it was cut: for names
/// a peer chose, so that one log line stays bounded.
pub fn truncate(text: &str, max: usize) -> Cow<'_, str> {
    match text.char_indices().nth(max) {
        None => Cow::Borrowed(text),
        Some((end, _)) => {
            let mut cut = text.get(..end).unwrap_or_default().to_owned();
            cut.push('…');
            Cow::Owned(cut)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_separators_and_bidi_become_hex_escapes() {
        assert_eq!(escape("CN=ok"), "CN=ok");
        assert!(matches!(escape("CN=ok"), Cow::Borrowed(_)));
        assert_eq!(escape("a\nb\rc\0d"), "a\\0Ab\\0Dc\\00d");
        assert_eq!(
            escape("\u{1b}[2J\u{1b}]0;title\u{7}"),
            "\\1B[2J\\1B]0;title\\07"
        );
        assert_eq!(escape("csi\u{9b}31m"), "csi\\C2\\9B31m");
        assert_eq!(escape("x\u{2028}y\u{2029}"), "x\\E2\\80\\A8y\\E2\\80\\A9");
        assert_eq!(escape("\u{202E}gnp.exe"), "\\E2\\80\\AEgnp.exe");
        assert_eq!(escape("\u{2066}a\u{2069}"), "\\E2\\81\\A6a\\E2\\81\\A9");
        assert_eq!(escape("tag\u{E0041}"), "tag\\F3\\A0\\81\\81");
        assert_eq!(escape("é ü 日本 🙂"), "é ü 日本 🙂");
    }

    #[test]
    fn escaping_twice_is_escaping_once() {
        for text in ["a\u{1b}b", "back\\slash", "\\1B", "x\u{2028}\u{202E}\n"] {
            let once = escape(text).into_owned();
            assert_eq!(escape(&once), once, "{text:?}");
            assert!(!once.chars().any(is_unsafe), "{once:?}");
        }
        assert_eq!(escape("a\\b"), "a\\b");
    }

    /// Issue 23's handed-over finding: `inspect --json` left C1 controls,
    /// U+2028 and bidi marks raw, which a terminal acts on.
    #[test]
    fn json_text_escapes_what_serde_json_leaves_raw() {
        let name = "CN=a\u{9b}31m\u{2028}b\u{202E}gnp\u{7f}\u{E0041}\n\u{1b}é";
        let value = serde_json::json!({ "subject": name, "list": [name] });
        let written = serde_json::to_string_pretty(&value).unwrap();
        assert!(written.contains('\u{2028}'), "serde_json leaves it raw");
        let escaped = json(&written);
        assert!(
            !escaped
                .chars()
                .any(|c| is_unsafe(c) && !matches!(c, '\n' | ' ')),
            "{escaped}"
        );
        for hex in [
            "\\u009B",
            "\\u2028",
            "\\u202E",
            "\\u007F",
            "\\uDB40\\uDC41",
            "\\u001b",
        ] {
            assert!(escaped.contains(hex), "{hex}: {escaped}");
        }
        assert!(escaped.contains("é"), "{escaped}");
        let parsed: serde_json::Value = serde_json::from_str(&escaped).unwrap();
        assert_eq!(parsed, value);
        assert!(matches!(json("{\n  \"a\": 1\n}"), Cow::Borrowed(_)));
    }

    #[test]
    fn truncate_counts_characters_not_bytes() {
        assert_eq!(truncate("short", 200), "short");
        let long = "é".repeat(1000);
        let cut = truncate(&long, 200);
        assert_eq!(cut.chars().count(), 201);
        assert!(cut.ends_with('…'));
        assert_eq!(truncate("abc", 3), "abc");
        assert_eq!(truncate("abcd", 3), "abc…");
    }
}
