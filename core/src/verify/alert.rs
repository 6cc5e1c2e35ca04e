//! TLS alerts by their RFC 8446 names, in words and in JSON.

use rustls::AlertDescription;

/// Every TLS alert RFC 8446 (and its successors) names, with its name.
pub(super) const ALERTS: [(AlertDescription, &str); 34] = [
    (AlertDescription::CloseNotify, "close_notify"),
    (AlertDescription::UnexpectedMessage, "unexpected_message"),
    (AlertDescription::BadRecordMac, "bad_record_mac"),
    (AlertDescription::DecryptionFailed, "decryption_failed"),
    (AlertDescription::RecordOverflow, "record_overflow"),
    (
        AlertDescription::DecompressionFailure,
        "decompression_failure",
    ),
    (AlertDescription::HandshakeFailure, "handshake_failure"),
    (AlertDescription::NoCertificate, "no_certificate"),
    (AlertDescription::BadCertificate, "bad_certificate"),
    (
        AlertDescription::UnsupportedCertificate,
        "unsupported_certificate",
    ),
    (AlertDescription::CertificateRevoked, "certificate_revoked"),
    (AlertDescription::CertificateExpired, "certificate_expired"),
    (AlertDescription::CertificateUnknown, "certificate_unknown"),
    (AlertDescription::IllegalParameter, "illegal_parameter"),
    (AlertDescription::UnknownCA, "unknown_ca"),
    (AlertDescription::AccessDenied, "access_denied"),
    (AlertDescription::DecodeError, "decode_error"),
    (AlertDescription::DecryptError, "decrypt_error"),
    (AlertDescription::ExportRestriction, "export_restriction"),
    (AlertDescription::ProtocolVersion, "protocol_version"),
    (
        AlertDescription::InsufficientSecurity,
        "insufficient_security",
    ),
    (AlertDescription::InternalError, "internal_error"),
    (
        AlertDescription::InappropriateFallback,
        "inappropriate_fallback",
    ),
    (AlertDescription::UserCanceled, "user_canceled"),
    (AlertDescription::NoRenegotiation, "no_renegotiation"),
    (AlertDescription::MissingExtension, "missing_extension"),
    (
        AlertDescription::UnsupportedExtension,
        "unsupported_extension",
    ),
    (
        AlertDescription::CertificateUnobtainable,
        "certificate_unobtainable",
    ),
    (AlertDescription::UnrecognisedName, "unrecognized_name"),
    (
        AlertDescription::BadCertificateStatusResponse,
        "bad_certificate_status_response",
    ),
    (
        AlertDescription::BadCertificateHashValue,
        "bad_certificate_hash_value",
    ),
    (AlertDescription::UnknownPSKIdentity, "unknown_psk_identity"),
    (
        AlertDescription::CertificateRequired,
        "certificate_required",
    ),
    (
        AlertDescription::NoApplicationProtocol,
        "no_application_protocol",
    ),
];

/// A TLS alert's RFC 8446 name (`unknown_ca`); an alert no RFC names is
/// `alert 200`.
pub fn alert_name(alert: AlertDescription) -> String {
    ALERTS
        .iter()
        .find(|(known, _)| *known == alert)
        .map_or_else(
            || format!("alert {}", u8::from(alert)),
            |(_, name)| (*name).to_owned(),
        )
}

/// An alert in JSON: its RFC 8446 name, or its code when no RFC names it.
pub(crate) mod serde_alert {
    use rustls::AlertDescription;
    use serde::{de, Deserializer, Serializer};

    use super::ALERTS;

    pub(crate) fn serialize<S: Serializer>(
        alert: &AlertDescription,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match ALERTS.iter().find(|(known, _)| known == alert) {
            Some((_, name)) => s.serialize_str(name),
            None => s.serialize_u8(u8::from(*alert)),
        }
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<AlertDescription, D::Error> {
        d.deserialize_any(Alert)
    }

    /// A name or a code (no untagged enum: it would buffer through serde's
    /// `Content`, kilobytes in the page's wasm).
    struct Alert;

    impl de::Visitor<'_> for Alert {
        type Value = AlertDescription;

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a TLS alert's name or code")
        }

        fn visit_str<E: de::Error>(self, name: &str) -> Result<AlertDescription, E> {
            ALERTS
                .iter()
                .find(|(_, known)| *known == name)
                .map(|(alert, _)| *alert)
                .ok_or_else(|| E::custom(format!("{name:?} is not a TLS alert")))
        }

        fn visit_u64<E: de::Error>(self, code: u64) -> Result<AlertDescription, E> {
            u8::try_from(code)
                .map(AlertDescription::from)
                .map_err(|_| E::custom(format!("{code} is not a TLS alert code")))
        }
    }
}
