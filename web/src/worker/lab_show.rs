//! The lab module's handshake of a case as the page shows it: its
//! certificates read and its failures named here, where certificates are
//! read anyway (the lab module reads none: core's `lab::ReadCase`), or
//! `certplay serve`'s refusal to start with the case's server files; then
//! one block a message with what a person needs from it, the verdict in
//! the words `certplay serve` logs, and the same as text and JSON for
//! export.

use certplay_core::lab::{
    Body, ChainEntry, CodePoint, Mutated, Outcome, RawTranscript, ReadCase, Served, Transcript,
    Verdict,
};
use certplay_core::Error;

use super::files::invalid;
use crate::protocol::lab::{Ran, Shown, ShownMessage, ShownVerdict};

/// What the lab module `ran` of `broken` at `at`, shown; where `certplay
/// serve` refuses to start with the case's server files, the lab module
/// ran nothing (`ran` is `None`) and serve's refusal is the verdict.
pub fn ran(broken: &Mutated, at: i64, ran: Option<Ran>) -> Result<Shown, Error> {
    let read = match ReadCase::read(broken, at)? {
        Served::Listens(read) => read,
        Served::Refuses(refusal) => {
            let verdict = Verdict::ServeRefuses {
                words: refusal.to_string(),
            };
            return Ok(no_handshake(&verdict, None, &refusal, at, 0));
        }
    };
    let ran = ran.ok_or_else(|| invalid("lab case", "no handshake"))?;
    match ran.raw {
        None => {
            let refused = read.key_refusal.ok_or_else(|| {
                invalid(
                    "lab case",
                    "the lab module says the client refused its key, but it has none",
                )
            })?;
            Ok(no_handshake(
                &Verdict::KeyMismatch,
                Some("client"),
                &refused,
                at,
                ran.micros,
            ))
        }
        Some(raw) => {
            let raw = postcard::from_bytes::<RawTranscript>(&raw)
                .map_err(|e| invalid("the lab module's handshake", e.to_string()))?;
            Ok(shown(&read.explain(raw), ran.keylog, ran.micros))
        }
    }
}

/// `transcript`, with the client's key log and how long it took.
fn shown(transcript: &Transcript, keylog: String, micros: u64) -> Shown {
    let messages: Vec<ShownMessage> = transcript
        .messages
        .iter()
        .map(|m| ShownMessage {
            from: m.from.to_string(),
            name: m.body.name().to_owned(),
            details: details(&m.body),
        })
        .collect();
    let verdict = verdict(&transcript.outcome);
    // Compact: one serde_json formatter in the worker's wasm (its budget).
    let json = serde_json::to_string(transcript).unwrap_or_else(|e| format!("{e}"));
    Shown {
        text: text(transcript, &messages, &verdict),
        messages,
        verdict,
        json,
        keylog,
        micros,
    }
}

fn list(points: &[CodePoint]) -> String {
    if points.is_empty() {
        return "(none)".to_owned();
    }
    points
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

fn detail(what: &str, value: impl Into<String>) -> (String, String) {
    (what.to_owned(), value.into())
}

/// What a person needs from one message, in the order it carries it.
fn details(body: &Body) -> Vec<(String, String)> {
    match body {
        Body::ClientHello {
            server_name,
            versions,
            cipher_suites,
            groups,
            signature_schemes,
            alpn,
        } => vec![
            detail(
                "server name (SNI)",
                server_name.clone().unwrap_or_else(|| "(none)".into()),
            ),
            detail("versions", list(versions)),
            detail("cipher suites", list(cipher_suites)),
            detail("groups", list(groups)),
            detail("signature schemes", list(signature_schemes)),
            detail("ALPN", alpn.join(", ")),
        ],
        Body::ServerHello {
            version,
            cipher_suite,
            group,
        } => {
            let mut shown = vec![
                detail("version", version.to_string()),
                detail("cipher suite", cipher_suite.to_string()),
            ];
            shown.extend(group.as_ref().map(|g| detail("group", g.to_string())));
            shown
        }
        Body::EncryptedExtensions { alpn } => vec![detail(
            "ALPN",
            alpn.clone().unwrap_or_else(|| "(none)".into()),
        )],
        Body::Certificate { chain } if chain.is_empty() => {
            vec![detail("chain", "(empty: no certificate)")]
        }
        Body::Certificate { chain } => chain
            .iter()
            .enumerate()
            .map(|(at, entry)| {
                let value = match entry {
                    ChainEntry::Certificate {
                        subject,
                        issuer,
                        not_before,
                        not_after,
                    } => format!("{subject}; issuer {issuer}; valid {not_before} to {not_after}"),
                    ChainEntry::Unreadable { length } => {
                        format!("{length} bytes that are not a certificate")
                    }
                };
                detail(&format!("certificate {at}"), value)
            })
            .collect(),
        Body::ServerKeyExchange {
            group,
            signature_scheme,
        } => {
            let mut shown: Vec<_> = group
                .iter()
                .map(|g| detail("group", g.to_string()))
                .collect();
            shown.extend(
                signature_scheme
                    .iter()
                    .map(|s| detail("signature scheme", s.to_string())),
            );
            shown
        }
        Body::CertificateRequest {
            ca_names,
            signature_schemes,
        } => vec![
            detail(
                "CA names",
                if ca_names.is_empty() {
                    "(none)".to_owned()
                } else {
                    ca_names
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join("; ")
                },
            ),
            detail("signature schemes", list(signature_schemes)),
        ],
        Body::CertificateVerify { signature_scheme } => {
            vec![detail("signature scheme", signature_scheme.to_string())]
        }
        Body::Alert { alert } => vec![detail("alert", alert.to_string())],
        Body::HttpRequest { request_line } => vec![detail("request", request_line.clone())],
        Body::HttpResponse { status_line, body } => vec![
            detail("status", status_line.clone()),
            detail("body", body.clone()),
        ],
        Body::ServerHelloDone
        | Body::ClientKeyExchange
        | Body::ChangeCipherSpec
        | Body::Finished => Vec::new(),
    }
}

/// No handshake: `verdict` (the client refused its own key before its
/// first message, as curl and openssl do; or `certplay serve` refused to
/// start), `by` that side, for `refused` (core's words), at `at`, after
/// `micros`.
fn no_handshake(
    verdict: &Verdict,
    by: Option<&str>,
    refused: &Error,
    at: i64,
    micros: u64,
) -> Shown {
    let summary = match verdict {
        Verdict::KeyMismatch => format!("the client refused to start the handshake: {refused}"),
        other => other.words(),
    };
    let result = verdict.name();
    let verdict = ShownVerdict {
        result: result.into(),
        status: None,
        by: by.map(str::to_owned),
        alert: None,
        kind: None,
        summary: summary.clone(),
        short: result.into(),
    };
    // The transcript's JSON shape, typed: `serde_json::Value` would bring
    // its own serializer into the worker for this one reply.
    #[derive(serde::Serialize)]
    struct Ended<'a> {
        result: &'a str,
        reason: String,
    }
    #[derive(serde::Serialize)]
    struct NoHandshake<'a> {
        at: i64,
        outcome: Ended<'a>,
    }
    let json = NoHandshake {
        at,
        outcome: Ended {
            result,
            reason: refused.to_string(),
        },
    };
    Shown {
        messages: Vec::new(),
        verdict,
        text: format!("certplay lab handshake at {at}\n\n{summary}\n"),
        json: serde_json::to_string(&json).unwrap_or_else(|e| format!("{e}")),
        keylog: String::new(),
        micros,
    }
}

/// How it ended, in the words `certplay serve` logs.
fn verdict(outcome: &Outcome) -> ShownVerdict {
    match outcome {
        Outcome::Answered { status, body } => ShownVerdict {
            result: "answered".into(),
            status: Some(*status),
            by: None,
            alert: None,
            kind: None,
            summary: format!("GET / answered {status}: {body}"),
            // What a prediction of acceptance means.
            short: if *status == 200 && body.trim_end() == "Hello World" {
                "accepted".into()
            } else {
                format!("answered {status}")
            },
        },
        Outcome::Refused(refused) => {
            let alert = refused.alert.map(|a| a.to_string());
            let mut summary = format!(
                "the {} refused the connection{}: {}",
                refused.by,
                alert
                    .as_ref()
                    .map(|a| format!(" with the alert {a}"))
                    .unwrap_or_default(),
                refused.reason
            );
            if let Some(log) = &refused.server_log {
                summary.push_str(&format!("; the server logs: {log}"));
            }
            let kind = refused.reason.kind().name().to_owned();
            ShownVerdict {
                result: "refused".into(),
                status: None,
                by: Some(refused.by.to_string()),
                short: format!(
                    "refused by {}: {} ({kind})",
                    refused.by,
                    alert.as_deref().unwrap_or("no alert")
                ),
                alert,
                kind: Some(kind),
                summary,
            }
        }
    }
}

/// The whole transcript as text, one block a message.
fn text(transcript: &Transcript, messages: &[ShownMessage], verdict: &ShownVerdict) -> String {
    let mut out = format!("certplay lab handshake at {}\n", transcript.at);
    if let Some(version) = &transcript.version {
        out.push_str(&format!("version: {version}\n"));
    }
    for message in messages {
        out.push_str(&format!("\n{} -> {}\n", message.from, message.name));
        for (what, value) in &message.details {
            out.push_str(&format!("  {what}: {value}\n"));
        }
    }
    out.push_str(&format!("\n{}\n", verdict.summary));
    out
}
