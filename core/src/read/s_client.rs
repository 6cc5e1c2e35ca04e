//! `openssl s_client -showcerts` output pasted whole: the chain the server
//! sent (its PEM blocks among the text), whether it asked for a client
//! certificate, and the CA names it listed ("Acceptable client certificate
//! CA names", one distinguished name a line in OpenSSL's one-line form).
//! With [`crate::verify::misfits`], what such a server would make of a
//! client certificate.

use serde::Serialize;

use super::model::{Attribute, AttributeValue, Name, Oid};
use super::{pem_blocks, Certificate};
use crate::oid::ATTRIBUTE_SHORT_NAMES;

/// The heading of the CA names block.
const CA_NAMES: &str = "Acceptable client certificate CA names";
/// What s_client prints when the server listed none, or asked for nothing.
const NO_CA_NAMES: &str = "No client certificate CA names sent";
/// Lines s_client prints only when the server sent a CertificateRequest
/// (TLS 1.3 and 1.2; "Client Certificate Types" is TLS 1.2's).
const REQUEST_LINES: [&str; 2] = [
    "Requested Signature Algorithms:",
    "Client Certificate Types:",
];

/// What an `openssl s_client` transcript says of the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SClient {
    /// The certificates it sent, in order (the leaf first), as read from
    /// the PEM blocks `-showcerts` prints; blocks that do not read are left
    /// out (the inspector shows them as unreadable).
    pub chain: Vec<Certificate>,
    /// The server sent a CertificateRequest: it asks for a client
    /// certificate (required or optional: s_client cannot tell).
    pub asked: bool,
    /// The CA names it listed (empty: none, so any certificate may be
    /// sent). Read back from OpenSSL's text, so they carry no DER: compare
    /// them with [`Name::same_as`].
    pub ca_names: Vec<Name>,
    /// Lines of the CA names block that do not read as a name, as pasted.
    pub unreadable_names: Vec<String>,
}

/// Reads `text` as `openssl s_client` output; `None` when it is not (no
/// CA names line of either kind, no "Certificate chain" heading).
pub fn read_s_client(text: &[u8]) -> Option<SClient> {
    let text = String::from_utf8_lossy(text);
    let lines: Vec<&str> = text.lines().map(|l| l.trim_end_matches('\r')).collect();
    let is_transcript = lines
        .iter()
        .any(|l| matches!(l.trim(), CA_NAMES | NO_CA_NAMES | "Certificate chain"));
    if !is_transcript {
        return None;
    }
    let mut ca_names = Vec::new();
    let mut unreadable_names = Vec::new();
    if let Some(at) = lines.iter().position(|l| l.trim() == CA_NAMES) {
        for line in lines.iter().skip(at.saturating_add(1)) {
            let line = line.trim();
            if line.is_empty() || line.starts_with("---") || ends_block(line) {
                break;
            }
            match parse_oneline(line) {
                Some(name) => ca_names.push(name),
                None => unreadable_names.push(line.to_owned()),
            }
        }
    }
    let asked = !ca_names.is_empty()
        || !unreadable_names.is_empty()
        || lines
            .iter()
            .any(|l| REQUEST_LINES.iter().any(|r| l.trim_start().starts_with(r)));
    let chain = pem_blocks(text.as_bytes())
        .into_iter()
        .filter(|b| b.label == "CERTIFICATE")
        .filter_map(|b| b.der.ok())
        .filter_map(|der| Certificate::from_der(&der).ok())
        .collect();
    Some(SClient {
        chain,
        asked,
        ca_names,
        unreadable_names,
    })
}

/// The lines that follow the CA names in s_client's output.
fn ends_block(line: &str) -> bool {
    REQUEST_LINES.iter().any(|r| line.starts_with(r))
        || [
            "Shared Requested Signature Algorithms:",
            "Peer signing digest:",
            "Peer signature type:",
            "Server Temp Key:",
        ]
        .iter()
        .any(|r| line.starts_with(r))
}

/// A distinguished name in OpenSSL's one-line form (`s_client`'s default:
/// `C = US, O = "Example, Inc.", CN = Root`, RDNs in their encoded order,
/// `+` between the attributes of one RDN, quotes or backslashes around
/// special characters). `None` when an attribute type is unknown or the
/// text is not of that form.
pub fn parse_oneline(text: &str) -> Option<Name> {
    let mut rdns: Vec<Vec<Attribute>> = vec![Vec::new()];
    let mut chars = text.trim().chars().peekable();
    loop {
        // TYPE
        let mut kind = String::new();
        while let Some(&c) = chars.peek() {
            if c == '=' {
                break;
            }
            kind.push(c);
            chars.next();
        }
        chars.next()?; // '='
        let kind = kind.trim();
        let oid = ATTRIBUTE_SHORT_NAMES
            .iter()
            .find(|(_, short)| *short == kind)
            .map(|(oid, _)| *oid)
            .or_else(|| kind.parse().ok())?;
        while chars.peek() == Some(&' ') {
            chars.next();
        }
        // VALUE, up to an unquoted, unescaped ", " or " + ".
        let mut value = String::new();
        let mut quoted = false;
        let mut separator = None;
        while let Some(c) = chars.next() {
            match c {
                '\\' => value.push(chars.next()?),
                '"' => quoted = !quoted,
                ',' | '+' if !quoted => {
                    separator = Some(c);
                    break;
                }
                _ => value.push(c),
            }
        }
        if quoted {
            return None;
        }
        let rdn = rdns.last_mut()?;
        rdn.push(Attribute {
            kind: Oid::new(oid),
            value: AttributeValue::Text(value.trim().to_owned()),
        });
        match separator {
            None => break,
            Some(',') => rdns.push(Vec::new()),
            Some(_) => {}
        }
    }
    if rdns.iter().any(Vec::is_empty) {
        return None;
    }
    Some(Name {
        rdns,
        der: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `openssl s_client -connect ... -showcerts` (OpenSSL 3.0.19) against
    /// `openssl s_server -Verify 1 -CAfile root.crt`, pasted whole with
    /// what it wrote on standard error.
    const PASTED: &str = r#"Can't use SSL_get_servername
depth=0 CN = localhost
verify error:num=18:self-signed certificate
verify return:1
depth=0 CN = localhost
verify return:1
CONNECTED(00000003)
---
Certificate chain
 0 s:CN = localhost
   i:CN = localhost
   a:PKEY: id-ecPublicKey, 256 (bit); sigalg: ecdsa-with-SHA256
   v:NotBefore: Dec  7 08:57:15 2026 GMT; NotAfter: Jan  6 08:57:15 2027 GMT
-----BEGIN CERTIFICATE-----
MIIBkzCCATmgAwIBAgIUT0yXRtrTZ8o9XugROwN7vqtQtycwCgYIKoZIzj0EAwIw
FDESMBAGA1UEAwwJbG9jYWxob3N0MB4XDTI2MTIwNzA4NTcxNVoXDTI3MDEwNjA4
NTcxNVowFDESMBAGA1UEAwwJbG9jYWxob3N0MFkwEwYHKoZIzj0CAQYIKoZIzj0D
AQcDQgAEBig0dIvS53rHJ5QoyVAx8iBKMtcmY/8uhvNq5nEN3+522fmLlq28pD4t
qxhOtLg2kqQYr/pPmABwjqXIVXALF6NpMGcwHQYDVR0OBBYEFO0NK7bUXgM3eLBg
aArtcuw9SsKlMB8GA1UdIwQYMBaAFO0NK7bUXgM3eLBgaArtcuw9SsKlMA8GA1Ud
EwEB/wQFMAMBAf8wFAYDVR0RBA0wC4IJbG9jYWxob3N0MAoGCCqGSM49BAMCA0gA
MEUCICoFHCGtO+EAWE/PdD/91/B5SyNDD5l/rKhfhsBI9fD8AiEAiKOiynwHadRD
Iz95zu5sXfljA9sr6BNbiNY+ZFE5vHs=
-----END CERTIFICATE-----
---
Server certificate
subject=CN = localhost
issuer=CN = localhost
---
Acceptable client certificate CA names
O = Example Corp, CN = Example Corp Root
Requested Signature Algorithms: ECDSA+SHA256:ECDSA+SHA384:ECDSA+SHA512:ed25519:ed448:rsa_pss_pss_sha256:rsa_pss_pss_sha384:rsa_pss_pss_sha512:RSA-PSS+SHA256:RSA-PSS+SHA384:RSA-PSS+SHA512:RSA+SHA256:RSA+SHA384:RSA+SHA512:ECDSA+SHA224:RSA+SHA224
Shared Requested Signature Algorithms: ECDSA+SHA256:ECDSA+SHA384:ECDSA+SHA512:ed25519:ed448:rsa_pss_pss_sha256:rsa_pss_pss_sha384:rsa_pss_pss_sha512:RSA-PSS+SHA256:RSA-PSS+SHA384:RSA-PSS+SHA512:RSA+SHA256:RSA+SHA384:RSA+SHA512
Peer signing digest: SHA256
Peer signature type: ECDSA
Server Temp Key: X25519, 253 bits
---
SSL handshake has read 906 bytes and written 407 bytes
Verification error: self-signed certificate
---
New, TLSv1.3, Cipher is TLS_AES_256_GCM_SHA384
Server public key is 256 bit
Secure Renegotiation IS NOT supported
Compression: NONE
Expansion: NONE
No ALPN negotiated
Early data was not sent
Verify return code: 18 (self-signed certificate)
---
4087B28C3B7F0000:error:0A00045C:SSL routines:ssl3_read_bytes:tlsv13 alert certificate required:../ssl/record/rec_layer_s3.c:1601:SSL alert number 116
"#;

    #[test]
    fn pasted_output_gives_the_chain_and_the_ca_names() {
        let server = read_s_client(PASTED.as_bytes()).expect("s_client output");
        assert_eq!(server.chain.len(), 1);
        assert_eq!(server.chain[0].subject.to_string(), "CN=localhost");
        assert!(server.asked);
        assert_eq!(server.ca_names.len(), 1);
        assert_eq!(
            server.ca_names[0].to_string(),
            "CN=Example Corp Root,O=Example Corp"
        );
        assert!(server.unreadable_names.is_empty());
        // CRLF, as a Windows terminal copies it.
        let crlf = PASTED.replace('\n', "\r\n");
        assert_eq!(read_s_client(crlf.as_bytes()), Some(server));
    }

    #[test]
    fn a_server_that_asks_for_nothing_and_other_text() {
        let open = "CONNECTED(00000003)\n---\nCertificate chain\n---\nNo client certificate CA \
                    names sent\nServer Temp Key: X25519, 253 bits\n---\n";
        let server = read_s_client(open.as_bytes()).expect("s_client output");
        assert!(!server.asked && server.ca_names.is_empty() && server.chain.is_empty());
        assert_eq!(read_s_client(b"-----BEGIN CERTIFICATE-----\nAA==\n"), None);
        assert_eq!(read_s_client(&[0xff, 0x00, 0x30]), None);
    }

    #[test]
    fn one_line_names_as_openssl_prints_them() {
        let name = parse_oneline(r#"C = US, O = "Example, Inc.", OU = a\+b, CN = Root + UID = 7"#)
            .expect("a name");
        assert_eq!(name.rdns.len(), 4);
        assert_eq!(name.rdns[3].len(), 2, "{name}");
        assert_eq!(
            name.to_string(),
            r#"CN=Root+UID=7,OU=a\+b,O=Example\, Inc.,C=US"#
        );
        for bad in ["", "CN", "nonsense = x", "CN = \"open", "CN = a, , O = b"] {
            assert_eq!(parse_oneline(bad), None, "{bad:?}");
        }
    }
}
