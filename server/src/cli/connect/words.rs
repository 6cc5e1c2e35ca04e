//! `certplay connect`'s report in words (`--json` writes the same report
//! as data).

use super::*;

/// The report in words.
pub(super) fn words(report: &Report) -> String {
    let mut out = String::new();
    let _ = write!(out, "certplay connect {}", escape(&report.target));
    if let Some(address) = &report.address {
        let _ = write!(out, " ({address}");
        if report.server_name != report.target.rsplit_once(':').map_or("", |(h, _)| h) {
            let _ = write!(out, ", name {}", escape(&report.server_name));
        }
        out.push(')');
    }
    out.push('\n');
    for v in &report.versions {
        if v.accepted {
            let _ = write!(
                out,
                "{}: accepted: {}, group {}",
                v.version,
                v.suite.as_deref().unwrap_or("?"),
                v.group.as_deref().unwrap_or("?")
            );
            match &v.alpn {
                Some(alpn) => {
                    let _ = writeln!(out, ", ALPN {}", escape(alpn));
                }
                None => out.push_str(", no ALPN\n"),
            }
        } else {
            let _ = writeln!(out, "{}: {}", v.version, v.outcome);
        }
    }
    if let Some(failure) = &report.failure {
        let _ = writeln!(out, "failed: {failure}");
    }
    if !report.chain.is_empty() {
        let _ = writeln!(
            out,
            "chain the server sent ({} certificate{}):",
            report.chain.len(),
            if report.chain.len() == 1 { "" } else { "s" }
        );
    }
    for (i, c) in report.chain.iter().enumerate() {
        if let Some(why) = &c.unreadable {
            let _ = writeln!(
                out,
                "  {}. unreadable: {}",
                i.saturating_add(1),
                escape(why)
            );
            continue;
        }
        let _ = writeln!(out, "  {}. {}", i.saturating_add(1), escape(&c.subject));
        let _ = writeln!(out, "     issuer: {}", escape(&c.issuer));
        let _ = writeln!(out, "     valid: {} to {}", c.not_before, c.not_after);
        if !c.subject_alt_names.is_empty() {
            let _ = writeln!(
                out,
                "     subjectAltName: {}",
                escape(&c.subject_alt_names.join(", "))
            );
        }
        let _ = writeln!(out, "     key: {}", c.key);
        for lint in &c.lints {
            let _ = writeln!(out, "     lint: {}", escape(lint));
        }
    }
    if let Some(trust) = &report.trust {
        let _ = writeln!(
            out,
            "trust: {} against {} ({} CA{}): {}",
            if trust.refused.is_none() {
                "verified"
            } else {
                "refused"
            },
            escape(&trust.against),
            trust.anchors,
            if trust.anchors == 1 { "" } else { "s" },
            escape(&trust.words)
        );
        if let Some(revocation) = trust
            .revocation
            .as_ref()
            .filter(|_| trust.refused.is_none())
        {
            let _ = writeln!(out, "  revocation: {revocation}");
        }
        if let Some(curl) = &trust.curl {
            let _ = writeln!(out, "  {}", curl_words(curl));
        }
    }
    if let Some(auth) = &report.client_auth {
        match auth.mode {
            "not asked" => {
                out.push_str(
                    "client certificate: not asked for (the server sent no CertificateRequest)\n",
                );
            }
            "not reached" => {
                let _ = writeln!(
                    out,
                    "client certificate: not reached: {}",
                    auth.without_certificate
                );
            }
            mode => {
                let _ = writeln!(
                    out,
                    "client certificate: {mode}; without one: {}",
                    auth.without_certificate
                );
                let _ = writeln!(
                    out,
                    "  CA names it lists ({}): {}",
                    auth.ca_names.len(),
                    if auth.ca_names.is_empty() {
                        "none (any certificate may be sent)".to_owned()
                    } else {
                        escape(&auth.ca_names.join("; ")).into_owned()
                    }
                );
                let _ = writeln!(
                    out,
                    "  signature schemes it accepts: {}",
                    auth.signature_schemes.join(", ")
                );
            }
        }
        if let Some(http) = &auth.http {
            let _ = writeln!(out, "  GET without a client certificate: {}", escape(http));
        }
        if let Some(says) = &auth.says {
            let _ = writeln!(out, "  the server's answer says: {}", escape(says));
        }
    }
    if let Some(presented) = &report.client_certificate {
        let _ = writeln!(
            out,
            "with the client certificate {}: {}",
            escape(&presented.subject),
            presented.words
        );
        if let Some(http) = &presented.http {
            let _ = writeln!(out, "  GET: {}", escape(http));
        }
        if let Some(says) = &presented.says {
            let _ = writeln!(out, "  the server's answer says: {}", escape(says));
        }
        if let Some(curl) = &presented.curl {
            let _ = writeln!(out, "  {}", curl_words(curl));
        }
        if presented.asked {
            for line in verify::prediction(true, &presented.prediction) {
                let _ = writeln!(out, "  certplay's prediction: {}", escape(&line));
            }
        }
    }
    let _ = writeln!(out, "verdict: {}: {}", report.verdict, report.why);
    out
}

/// What curl prints, from core's prediction table, with the versions it is
/// for.
fn curl_words(curl: &Expected) -> String {
    let clients = Clients::CHECKED;
    format!(
        "curl {} (OpenSSL {}) would print: {curl}",
        clients.curl, clients.openssl
    )
}
