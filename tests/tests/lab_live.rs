//! The running server's verdict on the handshake lab's cases
//! (`POST /live/lab`), against a real `certplay serve` with its page,
//! asked with real curl as the page asks: for every case of the blog's
//! set (P-256) and each TLS version its client offers, the verdict of the
//! second listener's real handshake is core's prediction at the same
//! moment (who refused, the alert, the reason's kind), the answer carries
//! the listener's event and its log line, which the server's log holds;
//! and the server's own listener still trusts what it trusted.

use std::fs;
use std::path::Path;

use certplay_core::lab::{self, Case, Mutated, Reached, TlsVersion};
use certplay_core::read::model::Time;
use certplay_core::read::Certificate;
use certplay_core::verify::ReasonKind;
use certplay_core::{IssuedPlan, KeyType};
use certplay_server::lab::ServerVerdict;
use certplay_tests::{
    curl, curl_with_client_cert, issue_into, stderr, stdout, temp_dir, Server, BLOG_FILES,
};

/// `certplay serve` with the blog's files in `dir`, and its page.
fn with_page(dir: &Path) -> Server {
    let mut args = BLOG_FILES.to_vec();
    args.extend(["--page-port", "0"]);
    Server::start(dir, &args)
}

/// The page's live link on a running server: its address and token.
struct Link<'a> {
    dir: &'a Path,
    page: String,
    token: String,
}

impl<'a> Link<'a> {
    fn of(dir: &'a Path, server: &Server) -> Self {
        let page = format!(
            "http://127.0.0.1:{}",
            server.page_port.expect("a page port")
        );
        let token = curl(dir, &[&format!("{page}/live/token")]);
        let token: serde_json::Value = serde_json::from_str(&stdout(&token)).expect("token");
        Link {
            dir,
            page,
            token: token["token"].as_str().expect("a token").to_owned(),
        }
    }

    /// POSTs `body` to `/live/lab` with `headers`: the HTTP status and the
    /// answer.
    fn post(&self, body: &str, headers: &[String]) -> (u16, String) {
        self.post_to("/live/lab", body, headers)
    }

    /// POSTs `body` to `path` (with its query) with `headers`: the HTTP
    /// status and the answer.
    fn post_to(&self, path: &str, body: &str, headers: &[String]) -> (u16, String) {
        fs::write(self.dir.join("case.json"), body).expect("writing the body");
        let mut args: Vec<String> = vec![
            "--silent".into(),
            "--write-out".into(),
            "\n%{http_code}".into(),
        ];
        for header in headers {
            args.push("-H".into());
            args.push(header.clone());
        }
        args.extend([
            "-H".into(),
            "Content-Type: application/json".into(),
            "--data-binary".into(),
            "@case.json".into(),
            format!("{}{path}", self.page),
        ]);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = curl(self.dir, &args);
        let text = stdout(&out);
        let (answer, status) = text.rsplit_once('\n').unwrap_or(("", &text));
        (
            status
                .trim()
                .parse()
                .unwrap_or_else(|_| panic!("{text} {}", stderr(&out))),
            answer.to_owned(),
        )
    }

    /// Asks the server for `case`'s verdict, as the page does.
    fn ask(&self, case: &Mutated) -> ServerVerdict {
        self.ask_at(case, None)
    }

    /// The same with the lab's clock at `at` (Unix seconds), as the page
    /// asks when its clock is moved.
    fn ask_at(&self, case: &Mutated, at: Option<i64>) -> ServerVerdict {
        let body = serde_json::to_string(case).expect("a case as JSON");
        let path = match at {
            Some(at) => format!("/live/lab?at={at}"),
            None => "/live/lab".to_owned(),
        };
        let (status, answer) = self.post_to(&path, &body, &self.page_headers());
        assert_eq!(status, 200, "{}: {answer}", case.case);
        serde_json::from_str(&answer).unwrap_or_else(|e| panic!("{e}: {answer}"))
    }

    fn page_headers(&self) -> Vec<String> {
        vec![
            format!("Origin: {}", self.page),
            format!("X-Certplay-Token: {}", self.token),
        ]
    }
}

#[test]
fn every_case_the_running_server_runs_ends_as_predicted() {
    let dir = temp_dir();
    let d = dir.path();
    let set = issue_into(d, KeyType::EcdsaP256);
    let server = with_page(d);
    let link = Link::of(d, &server);
    let mut table = Vec::new();
    let mut disagree = Vec::new();
    for case in Case::ALL {
        let broken = lab::mutate(&set, case).expect("the case's broken copy");
        for version in lab::runs_of(case) {
            let broken = match version {
                Some(version) => broken.clone().offering(version.only()),
                None => broken.clone(),
            };
            let answer = link.ask(&broken);
            let predicted = lab::predict(&broken, answer.at).expect("a prediction");
            let (said, expected) = (answer.verdict.short(), predicted.verdict.short());
            assert_eq!(answer.short, said, "{case}");
            let tls = version.map_or("its own".to_owned(), |v| v.to_string());
            table.push(format!(
                "{case} / {tls}: server {said}; predicted {expected}"
            ));
            if said != expected {
                disagree.push(format!(
                    "{case} / {tls}: {said} != {expected}\n  {answer:?}"
                ));
            }
            assert_eq!(answer.case, case);
            assert_ne!(
                answer.listener.port(),
                server.port,
                "{case}: a second listener, not the server's own"
            );
            assert!(
                answer.listener.ip().is_loopback(),
                "{case}: {}",
                answer.listener
            );
            // The answer's log line is the one the server logged.
            let logged = server.wait_for_log(&format!("lab case {case} on {}", answer.listener));
            assert!(
                answer.log.starts_with(&answer.event.event.id),
                "{case}: {}",
                answer.log
            );
            assert!(
                logged.contains(&answer.log),
                "{case}: the listener's line is not in the log:\n{}\n{logged}",
                answer.log
            );
            match (&answer.verdict, &answer.client) {
                (lab::Verdict::Accepted, Some(Reached::Answered { status, body })) => {
                    assert_eq!((*status, body.as_str()), (200, "Hello World\n"), "{case}");
                    assert_eq!(answer.event.result, "accepted", "{case}");
                }
                (lab::Verdict::KeyMismatch, None) => {
                    assert_eq!(answer.event.kind.to_string(), "closed-before-hello");
                    assert!(answer.words.contains("key"), "{case}: {}", answer.words);
                }
                (lab::Verdict::Refused { reason, .. }, Some(_)) => {
                    assert_ne!(answer.event.result, "accepted", "{case}");
                    assert!(
                        answer.words.contains(&reason.to_string()),
                        "{case}: {} lacks {reason}",
                        answer.words
                    );
                }
                (verdict, client) => panic!("{case}: {verdict:?} with {client:?}"),
            }
            if version == Some(TlsVersion::Tls12) {
                assert!(
                    answer.event.event.tls_version.as_deref() != Some("TLSv1_3"),
                    "{case}: a TLS 1.2 client: {:?}",
                    answer.event.event
                );
            }
        }
    }
    let table = table.join("\n");
    println!("{table}");
    assert!(
        disagree.is_empty(),
        "the running server and the prediction disagree:\n{}\n\n{table}",
        disagree.join("\n")
    );
    let refusals = ReasonKind::NoClientCertificate.name();
    assert!(table.contains(refusals), "{table}");

    // The server's own listener kept its trust: the set as issued still
    // gets Hello World there.
    let out = curl_with_client_cert(d, &server.url());
    assert_eq!(stdout(&out), "Hello World\n", "{}", stderr(&out));
}

#[test]
fn a_lab_case_needs_the_page_origin_and_token() {
    let dir = temp_dir();
    let d = dir.path();
    let set = issue_into(d, KeyType::EcdsaP256);
    let server = with_page(d);
    let link = Link::of(d, &server);
    let case = lab::mutate(&set, Case::AsIssued).expect("the set as issued");
    let body = serde_json::to_string(&case).expect("JSON");

    let token_only = vec![format!("X-Certplay-Token: {}", link.token)];
    let (status, answer) = link.post(&body, &token_only);
    assert_eq!(status, 403, "{answer}");
    assert!(
        answer.contains("carries keys") && answer.contains("Origin"),
        "{answer}"
    );

    let origin_only = vec![format!("Origin: {}", link.page)];
    let (status, answer) = link.post(&body, &origin_only);
    assert_eq!(status, 403, "{answer}");
    assert!(answer.contains("X-Certplay-Token"), "{answer}");

    let other_origin = vec![
        "Origin: http://evil.example".to_owned(),
        format!("X-Certplay-Token: {}", link.token),
    ];
    let (status, answer) = link.post(&body, &other_origin);
    assert_eq!(status, 403, "{answer}");

    let (status, answer) = link.post("{\"case\": \"as-issued\"}", &link.page_headers());
    assert_eq!(status, 400, "{answer}");
    assert!(answer.contains("lab::Mutated"), "{answer}");

    // A case whose server key is not there is refused with core's words.
    let mut broken = case.clone();
    broken.serve.key = "missing.key".into();
    let body = serde_json::to_string(&broken).expect("JSON");
    let (status, answer) = link.post(&body, &link.page_headers());
    assert_eq!(status, 422, "{answer}");
    assert!(answer.contains("missing.key"), "{answer}");

    assert!(
        !server.log().contains("lab case as-issued on"),
        "no refused request ran a case:\n{}",
        server.log()
    );
    let answer = link.ask(&case);
    assert_eq!(answer.verdict, lab::Verdict::Accepted, "{answer:?}");
}

/// When the `name` certificate of `set` ends (Unix seconds).
fn not_after(set: &IssuedPlan, name: &str) -> i64 {
    let entry = set.entry(name).expect("the blog's set has it");
    Certificate::from_der(&entry.cert_der)
        .expect("it reads")
        .not_after
        .0
}

/// The lab's clock moved (`?at=`, as the page sends it): the second
/// listener and its client check validity at that moment, so a case gets
/// the verdict predicted at that clock, not the one the server's own time
/// gives; the words and the log line say which clock it was.
#[test]
fn a_moved_clock_is_the_second_listeners_clock_and_its_words_say_so() {
    let dir = temp_dir();
    let d = dir.path();
    let set = issue_into(d, KeyType::EcdsaP256);
    let server = with_page(d);
    let link = Link::of(d, &server);
    let clock = |at: i64| format!("at the lab's clock {}", Time(at));
    let said_at = |at: i64| format!(", {}", clock(at));

    // The set as issued, a day after the server's certificate ends:
    // expired at the lab's clock, accepted at the server's own.
    let as_issued = lab::mutate(&set, Case::AsIssued).expect("the set as issued");
    let later = not_after(&set, "server") + 86_400;
    let answer = link.ask_at(&as_issued, Some(later));
    let predicted = lab::predict(&as_issued, later).expect("a prediction");
    assert_eq!((answer.at, answer.lab_clock), (later, true), "{answer:?}");
    assert_eq!(answer.short, predicted.verdict.short(), "{answer:?}");
    assert_eq!(answer.kind, Some(ReasonKind::Expired), "{answer:?}");
    assert!(answer.words.ends_with(&said_at(later)), "{}", answer.words);
    assert!(
        answer
            .log
            .ends_with(&format!("; validity checked {}", clock(later))),
        "{}",
        answer.log
    );
    let logged = server.wait_for_log(&format!("lab case as-issued on {}", answer.listener));
    assert!(logged.contains(&answer.log), "{}\n{logged}", answer.log);
    assert!(
        logged.contains(&format!("untouched){}", said_at(later))),
        "the start line names the clock:\n{logged}"
    );
    let now = link.ask(&as_issued);
    assert_eq!(now.verdict, lab::Verdict::Accepted, "{now:?}");
    assert!(
        !now.lab_clock && !now.words.contains("lab's clock"),
        "{now:?}"
    );

    // A client certificate valid from 30 days on, 31 days on: accepted at
    // the lab's clock, refused (not yet valid) at the server's own.
    let not_yet = lab::mutate(&set, Case::ClientNotYetValid).expect("the case");
    let month = now.at + 31 * 86_400;
    let answer = link.ask_at(&not_yet, Some(month));
    let predicted = lab::predict(&not_yet, month).expect("a prediction");
    assert_eq!(predicted.verdict, lab::Verdict::Accepted, "{predicted:?}");
    assert_eq!(answer.verdict, lab::Verdict::Accepted, "{answer:?}");
    assert!(answer.words.ends_with(&said_at(month)), "{}", answer.words);
    let today = link.ask(&not_yet);
    assert_eq!(today.kind, Some(ReasonKind::NotYetValid), "{today:?}");

    // A clock that is not whole Unix seconds is refused in words.
    let body = serde_json::to_string(&as_issued).expect("JSON");
    let (status, answer) = link.post_to("/live/lab?at=soon", &body, &link.page_headers());
    assert_eq!(status, 400, "{answer}");
    assert!(answer.contains("whole Unix seconds"), "{answer}");
}
