//! The live link to the `certplay serve` that served this page (its
//! `/live/` endpoints, on this page's own origin): `#live-events` streams
//! every connection attempt on its mTLS port, and `#live-load` sends the
//! issued CA certificate, server certificate and server key to it when the
//! person clicks, so curl can try them at once. The handshake lab's "Ask
//! my local server" ([`Event::AskServer`]) sends one broken set, keys
//! included, to `POST /live/lab`: the server runs it on a second listener
//! and `#live-lab` shows its verdict and log line (also sent back as
//! [`Event::ServerSaid`]). Those two clicks are the only times the page
//! sends a private key anywhere.
//!
//! Opened from anywhere else (trunk serve, the file system), `/live/token`
//! does not answer with a token and `#live-status` says so.

use std::net::SocketAddr;
use std::rc::Rc;

use certplay_core::commands::{Curl, HostName, Target};
use certplay_core::event::EventKind;
use certplay_core::verify::ReasonKind;
use certplay_core::IssuedPlan;
use gloo_events::EventListener;
use js_sys::{Object, Reflect, JSON};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::{spawn_local, JsFuture};
use web_sys::{Element, EventSource, MessageEvent, Request, RequestInit, Response};

use super::{AppRef, Event, Panel, ServerSaid, State};
use crate::dom::{by_id, document, on, set_text, window};
use crate::error::Failure;
use crate::next_steps::Roles;

/// Connection lines kept in `#live-events`; older ones are dropped.
pub const MAX_LINES: u32 = 50;

/// What `POST /live/load` carries: PEM text, as the files of the same names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadFiles {
    /// The root CA certificate that client certificates must chain to.
    pub ca: String,
    /// The server's certificate, followed by its chain when it has one.
    pub cert: String,
    /// The server's private key.
    pub key: String,
    /// The file names, for the page's words (`ca.crt, server-chain.crt,
    /// server.key`).
    pub names: [String; 3],
    /// The entry whose certificate is `ca`.
    pub trusted: String,
    /// The CAs whose CRLs the server can check: the server certificate's
    /// issuers (intermediates, then `trusted`), which it sends or trusts.
    pub crl_issuers: Vec<String>,
    /// CRLs (PEM) of `crl_issuers`, when something under them was revoked
    /// here.
    pub crls: Vec<String>,
    /// The server certificate's names, for the curl line.
    pub server_names: Vec<HostName>,
    /// The first client's certificate (chain file if any) and key.
    pub client: Option<(String, String)>,
}

impl LoadFiles {
    /// The files the "Next steps" `certplay serve` command names: the root
    /// CA, the server's chain file (when under an intermediate) and key.
    pub fn of(issued: &IssuedPlan) -> Result<Self, String> {
        let roles = Roles::of(issued);
        let Some((cert, key)) = roles.server else {
            return Err(
                "this plan has no server certificate: add an entry with the server \
                        profile, issue, then send it"
                    .into(),
            );
        };
        let (trusted, crl_issuers) = issued
            .plan
            .entries
            .iter()
            .find(|e| e.profile.serves())
            .map(|server| {
                let issuers: Vec<String> = issued
                    .plan
                    .issuers_of(server)
                    .iter()
                    .map(|e| e.name.clone())
                    .collect();
                let root = issuers.last().unwrap_or(&server.name).clone();
                let cas = if issuers.is_empty() {
                    vec![root.clone()]
                } else {
                    issuers
                };
                (root, cas)
            })
            .unwrap_or_default();
        let files = issued.files().map_err(|e| e.to_string())?;
        let contents = |name: &str| {
            files
                .iter()
                .find(|f| f.name == name)
                .map(|f| f.contents.clone())
                .ok_or_else(|| format!("the issued set has no {name}"))
        };
        Ok(Self {
            ca: contents(&roles.ca)?,
            cert: contents(&cert)?,
            key: contents(&key)?,
            names: [roles.ca, cert, key],
            trusted,
            crl_issuers,
            crls: Vec::new(),
            server_names: roles.server_names,
            client: roles.clients.into_iter().next(),
        })
    }
}

/// One line of `#live-events`: time, peer, result, the client's subject,
/// what happened in core's words (the server's [`Streamed`] carries them),
/// and the panel's own hint for `kind`.
///
/// [`Streamed`]: certplay_core::event::Streamed
pub fn event_line(
    time: &str,
    peer: &str,
    result: &str,
    client: &str,
    words: &str,
    kind: Option<EventKind>,
) -> String {
    let result = match result {
        "accepted" => "accepted",
        "unauthorized" => "answered 401",
        "hung_up" => "handshake done, no request",
        _ => "refused",
    };
    let mut line = format!("{time} {peer} {result} ({client}): {words}");
    if let Some(hint) = kind.and_then(hint) {
        line.push_str(" (");
        line.push_str(hint);
        line.push(')');
    }
    line
}

/// The panel's hint for an event: what to change in this page.
fn hint(kind: EventKind) -> Option<&'static str> {
    let EventKind::Reason(reason) = kind else {
        return None;
    };
    Some(match reason {
        ReasonKind::NoClientCertificate => {
            "curl needs the client files downloaded above: --cert and --key"
        }
        ReasonKind::UnknownIssuer | ReasonKind::SameNameOtherCa => {
            "send this page's set to the server again, or use a client certificate issued with it"
        }
        ReasonKind::Revoked => "revoked in this page: issue a new client certificate",
        _ => return None,
    })
}

/// The live panel: it reads the shown set when its button is clicked.
#[derive(Debug)]
pub struct Live {
    app: AppRef,
}

impl Panel for Live {
    fn on(&self, event: &Event) -> Result<(), Failure> {
        if let Event::AskServer { case, body, at } = event {
            let (app, case, body, at) = (self.app.clone(), case.clone(), body.clone(), *at);
            spawn_local(async move {
                let _ = set_text(
                    "live-lab",
                    &format!("Sending lab case {case} (with its keys) to certplay serve…"),
                );
                let said = ask(&case, &body, at)
                    .await
                    .unwrap_or_else(|failure| ServerSaid {
                        case: case.clone(),
                        verdict: "failed".into(),
                        by: None,
                        alert: None,
                        kind: None,
                        short: String::new(),
                        words: words(failure),
                        log: String::new(),
                    });
                let _ = set_text("live-lab", &lab_line(&said));
                let _ = app.send(&Event::ServerSaid(said));
            });
        }
        Ok(())
    }
}

impl Live {
    /// Wires `#live`: asks for the token, then streams the events; the
    /// load button sends the set shown (if any) with the CRL of what was
    /// revoked on it.
    pub fn mount(
        app: AppRef,
        state: &State,
    ) -> Result<(Rc<dyn Panel>, Vec<EventListener>), Failure> {
        Ok((Rc::new(Self { app }), mount(state.clone())?))
    }
}

/// What `#live-lab` shows of the server's verdict on a lab case.
pub fn lab_line(said: &ServerSaid) -> String {
    if said.verdict == "failed" {
        return format!(
            "Lab case {}: certplay serve did not run it: {}",
            said.case, said.words
        );
    }
    let mut line = format!(
        "Lab case {}, run by certplay serve on a second listener: {}",
        said.case, said.words
    );
    if !said.log.is_empty() {
        line.push_str("\nIts log: ");
        line.push_str(&said.log);
    }
    line
}

/// `POST /live/lab` with one case (`body`, core's `lab::Mutated` as
/// JSON), at the lab's clock `at` when it was moved: what the server said,
/// in words.
async fn ask(case: &str, body: &str, at: Option<i64>) -> Result<ServerSaid, Failure> {
    let token = token().await?;
    let path = match at {
        Some(at) => format!("/live/lab?at={at}"),
        None => "/live/lab".to_owned(),
    };
    let response = fetch(&path, Some((&token, &JsValue::from_str(body)))).await?;
    let answer = text_of(&response).await?;
    if !response.ok() {
        return Err(Failure::Browser(format!(
            "certplay serve refused it (HTTP {}): {}",
            response.status(),
            answer.trim()
        )));
    }
    Ok(server_said(
        case,
        &JSON::parse(&answer).map_err(Failure::from_js)?,
    ))
}

/// The server's answer (`certplay_server::lab::ServerVerdict` as JSON)
/// read into words: the verdict is core's `lab::Verdict`, a name
/// (`"accepted"`) or `{"refused": {"by", "alert", "reason"}}`; `kind` is
/// the reason's stable name.
fn server_said(case: &str, json: &JsValue) -> ServerSaid {
    let verdict = Reflect::get(json, &"verdict".into()).unwrap_or_default();
    let refused = Reflect::get(&verdict, &"refused".into())
        .ok()
        .filter(JsValue::is_object);
    let (name, by, alert) = match &refused {
        Some(refused) => (
            "refused".to_owned(),
            field(refused, "by"),
            field(refused, "alert"),
        ),
        None => (verdict.as_string().unwrap_or_default(), None, None),
    };
    ServerSaid {
        case: field(json, "case").unwrap_or_else(|| case.to_owned()),
        verdict: name,
        by,
        alert,
        kind: field(json, "kind"),
        short: field(json, "short").unwrap_or_default(),
        words: field(json, "words").unwrap_or_default(),
        log: field(json, "log").unwrap_or_default(),
    }
}

fn mount(state: State) -> Result<Vec<EventListener>, Failure> {
    spawn_local(async {
        if let Err(failure) = watch().await {
            let _ = set_text("live-status", &words(failure));
        }
    });
    let button = by_id::<Element>("live-load-button")?;
    let listener = on(&button, "click", move |_| {
        let set = state
            .issued()
            .map(|set| set.issued)
            .ok_or_else(|| "issue a set first: this button sends the set issued above".to_owned());
        let state = state.clone();
        spawn_local(async move {
            let shown = async {
                let set = set.map_err(Failure::Browser)?;
                let mut files = LoadFiles::of(&set).map_err(Failure::Browser)?;
                let (crls, elsewhere) = live_crls(&state, &set, &files.crl_issuers).await?;
                files.crls = crls;
                let mut shown = load(&files).await?;
                if !elsewhere.is_empty() {
                    shown.push_str(&format!(
                        "\nNot checked: the revocation of {} (not issued by {}; certplay serve \
                         checks the CRLs of the CAs in the server's chain only)",
                        elsewhere.join(", "),
                        files.crl_issuers.join(" or ")
                    ));
                }
                Ok(shown)
            }
            .await
            .unwrap_or_else(words);
            let _ = set_text("live-load-result", &shown);
        });
    });
    Ok(vec![listener])
}

/// For the live load: the CRL of each CA in `cas` (the server's chain:
/// its intermediates and root) under which something was revoked here,
/// and the revoked entries under other CAs (whose CRLs that server cannot
/// check: it takes CRLs of the CAs it trusts or sends).
async fn live_crls(
    state: &State,
    set: &IssuedPlan,
    cas: &[String],
) -> Result<(Vec<String>, Vec<String>), Failure> {
    let elsewhere = state
        .revoked()
        .into_iter()
        .filter(|(name, _)| {
            !set.plan
                .entry(name)
                .and_then(|e| e.issuer.as_deref())
                .is_some_and(|issuer| cas.iter().any(|ca| ca == issuer))
        })
        .map(|(name, _)| name)
        .collect();
    let mut crls = Vec::new();
    for ca in cas {
        if !state.revoked_by(set, ca).is_empty() {
            let pem = state.crl(ca, false).await?;
            crls.push(String::from_utf8_lossy(&pem).into_owned());
        }
    }
    Ok((crls, elsewhere))
}

/// A failure as the panel shows it: its own reasons as they are, the
/// rest as [`Failure`] words them.
fn words(failure: Failure) -> String {
    match failure {
        Failure::Browser(why) => why,
        other => other.to_string(),
    }
}

/// Why the panel cannot work here, in words.
fn not_certplay(detail: &str) -> Failure {
    Failure::Browser(format!(
        "this page is not served by certplay serve ({detail}), so there is no live link: start \
         `certplay serve` and open the page it prints (http://127.0.0.1:8080/) to load these \
         certificates into it and watch its connections here"
    ))
}

/// `GET /live/token`: the token, or why this is not certplay serve.
async fn token() -> Result<String, Failure> {
    if window()?.location().protocol().map_err(Failure::from_js)? == "file:" {
        return Err(not_certplay("it was opened from a file"));
    }
    let response = fetch("/live/token", None).await?;
    let kind = response
        .headers()
        .get("content-type")
        .map_err(Failure::from_js)?
        .unwrap_or_default();
    if !response.ok() || !kind.starts_with("application/json") {
        return Err(not_certplay(&format!(
            "GET /live/token answered {} {}",
            response.status(),
            kind
        )));
    }
    let body = text_of(&response).await?;
    JSON::parse(&body)
        .ok()
        .and_then(|json| field(&json, "token"))
        .filter(|token| !token.is_empty())
        .ok_or_else(|| not_certplay("GET /live/token gave no token"))
}

/// Streams `/live/events` into `#live-events`, newest first.
async fn watch() -> Result<(), Failure> {
    let token = token().await?;
    let source =
        EventSource::new(&format!("/live/events?token={token}")).map_err(Failure::from_js)?;
    let list = by_id::<Element>("live-events")?;
    on(&source, "connection", move |event| {
        let Some(data) = event
            .dyn_ref::<MessageEvent>()
            .and_then(|m| m.data().as_string())
        else {
            return;
        };
        // core's Streamed: the event, and its words (decoding the whole
        // typed event here would not fit the page's wasm budget).
        let Ok(json) = JSON::parse(&data) else {
            return;
        };
        let text = |name: &str| field(&json, name).unwrap_or_default();
        let event = Reflect::get(&json, &"event".into()).unwrap_or_default();
        let of_event = |name: &str| field(&event, name).unwrap_or_default();
        let line = event_line(
            &of_event("time"),
            &of_event("peer"),
            &text("result"),
            &text("client"),
            &text("words"),
            text("kind").parse().ok(),
        );
        let _ = prepend(&list, &line, &text("result"));
    })
    .forget();
    on(&source, "open", |_| {
        let _ = set_text(
            "live-status",
            "Connected to certplay serve: each connection to its mTLS port appears below.",
        );
    })
    .forget();
    let watched = source.clone();
    on(&source, "error", move |_| {
        // EventSource retries by itself; CLOSED means it gave up (the server
        // was stopped or restarted with a new token).
        let words = if watched.ready_state() == EventSource::CLOSED {
            "The live link to certplay serve ended (stopped or restarted?): reload the page."
        } else {
            "The live link to certplay serve was interrupted; the browser reconnects by itself."
        };
        let _ = set_text("live-status", words);
    })
    .forget();
    Ok(())
}

/// Adds `line` on top of `list`, dropping lines beyond [`MAX_LINES`].
fn prepend(list: &Element, line: &str, result: &str) -> Result<(), Failure> {
    let item = document()?.create_element("li").map_err(Failure::from_js)?;
    item.set_text_content(Some(line));
    item.set_attribute("data-result", result)
        .map_err(Failure::from_js)?;
    list.prepend_with_node_1(&item).map_err(Failure::from_js)?;
    while list.child_element_count() > MAX_LINES {
        if let Some(last) = list.last_element_child() {
            last.remove();
        }
    }
    Ok(())
}

/// `POST /live/load` with `files`; the server's answer in words.
async fn load(files: &LoadFiles) -> Result<String, Failure> {
    let _ = set_text("live-load-result", "Sending…");
    let token = token().await?;
    let body = Object::new();
    for (name, value) in [
        ("ca", &files.ca),
        ("cert", &files.cert),
        ("key", &files.key),
    ] {
        Reflect::set(&body, &name.into(), &value.into()).map_err(Failure::from_js)?;
    }
    let crls: js_sys::Array = files.crls.iter().map(|c| JsValue::from_str(c)).collect();
    Reflect::set(&body, &"crls".into(), &crls).map_err(Failure::from_js)?;
    let body = JSON::stringify(&body).map_err(Failure::from_js)?;
    let response = fetch("/live/load", Some((&token, &body.into()))).await?;
    let answer = text_of(&response).await?;
    if !response.ok() {
        return Ok(format!(
            "certplay serve refused them (HTTP {}): {}",
            response.status(),
            answer.trim()
        ));
    }
    let json = JSON::parse(&answer).map_err(Failure::from_js)?;
    let list = |name: &str| -> Vec<String> {
        Reflect::get(&json, &name.into())
            .ok()
            .map(|v| js_sys::Array::from(&v))
            .map(|a| a.iter().filter_map(|v| v.as_string()).collect())
            .unwrap_or_default()
    };
    let mut shown = format!(
        "Loaded {}: certplay serve now presents {} and accepts client certificates issued by {}.",
        files.names.join(", "),
        field(&json, "server").unwrap_or_default(),
        list("trusted").join(", ")
    );
    // core's one builder of printed commands: where the server listens
    // and what its certificate covers decide the URL (and --resolve or
    // --connect-to).
    if let Some(address) = field(&json, "mtls_address").and_then(|a| a.parse::<SocketAddr>().ok()) {
        let target = Target::new(&files.server_names, address);
        let curl = Curl {
            cacert: &files.names[0],
            client: files.client.as_ref().map(|(c, k)| (c.as_str(), k.as_str())),
            target: &target,
        };
        shown.push_str(&format!(" Try it: {}", curl.line()));
    }
    let crls = list("crls");
    if !crls.is_empty() {
        shown.push_str(&format!(
            "\nRevoked certificates are refused: it checks the CRL of {}.",
            crls.join(", ")
        ));
    }
    for warning in list("warnings") {
        shown.push_str("\nWarning: ");
        shown.push_str(&warning);
    }
    Ok(shown)
}

/// `fetch(url)` on this origin: a GET, or a POST of JSON with the token.
async fn fetch(url: &str, post: Option<(&str, &JsValue)>) -> Result<Response, Failure> {
    let init = RequestInit::new();
    if let Some((token, body)) = post {
        init.set_method("POST");
        init.set_body(body);
        let headers = Object::new();
        Reflect::set(&headers, &"content-type".into(), &"application/json".into())
            .map_err(Failure::from_js)?;
        Reflect::set(&headers, &"x-certplay-token".into(), &token.into())
            .map_err(Failure::from_js)?;
        init.set_headers(&headers);
    }
    let request = Request::new_with_str_and_init(url, &init).map_err(Failure::from_js)?;
    JsFuture::from(window()?.fetch_with_request(&request))
        .await
        .map_err(|e| not_certplay(&Failure::from_js(e).to_string()))?
        .dyn_into::<Response>()
        .map_err(Failure::from_js)
}

async fn text_of(response: &Response) -> Result<String, Failure> {
    JsFuture::from(response.text().map_err(Failure::from_js)?)
        .await
        .map_err(Failure::from_js)
        .map(|text| text.as_string().unwrap_or_default())
}

/// A string field of a parsed JSON object.
fn field(json: &JsValue, name: &str) -> Option<String> {
    Reflect::get(json, &name.into())
        .ok()
        .and_then(|v| v.as_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    use certplay_core::{Plan, Preset};

    #[test]
    fn the_blog_set_sends_its_three_files() {
        let issued = Plan::default().issue().unwrap();
        let files = LoadFiles::of(&issued).unwrap();
        assert_eq!(files.names, ["ca.crt", "server.crt", "server.key"]);
        assert_eq!(files.crl_issuers, ["ca"]);
        assert_eq!(files.ca, issued.entry("ca").unwrap().cert_pem);
        assert_eq!(files.cert, issued.entry("server").unwrap().cert_pem);
        assert!(files.key.contains("PRIVATE KEY"));
    }

    #[test]
    fn a_server_under_an_intermediate_sends_its_chain() {
        let issued = Preset::Intermediate.plan().issue().unwrap();
        let files = LoadFiles::of(&issued).unwrap();
        assert_eq!(files.names, ["ca.crt", "server-chain.crt", "server.key"]);
        assert_eq!(files.cert.matches("BEGIN CERTIFICATE").count(), 2);
        // The intermediate's CRL goes too: the server sends that intermediate.
        assert_eq!(files.crl_issuers, ["intermediate", "ca"]);
        assert_eq!(files.trusted, "ca");
        let none = Preset::TwoClients.plan();
        let mut no_server = none.clone();
        no_server.entries.retain(|e| !e.profile.serves());
        let issued = no_server.issue().unwrap();
        assert!(LoadFiles::of(&issued)
            .unwrap_err()
            .contains("no server certificate"));
    }

    #[test]
    fn an_event_line_says_who_and_why() {
        use certplay_core::event::{Ending, Event, Outcome, Presented, Streamed};
        use certplay_core::read::model::Time;
        use certplay_core::verify::Reason;
        // What the server streams, read as the panel reads it.
        let line = |event: Event| {
            let json = serde_json::to_value(Streamed::new(event)).unwrap();
            let text = |v: &serde_json::Value| v.as_str().unwrap().to_owned();
            event_line(
                &text(&json["event"]["time"]),
                &text(&json["event"]["peer"]),
                &text(&json["result"]),
                &text(&json["client"]),
                &text(&json["words"]),
                text(&json["kind"]).parse().ok(),
            )
        };
        let refused = Event {
            id: "c1".into(),
            time: Time(1_795_914_000),
            peer: "127.0.0.1:4000".parse().unwrap(),
            tls_version: None,
            cipher_suite: None,
            alpn: None,
            outcome: Outcome::Refused {
                reason: Reason::NoClientCertificate,
            },
            chain: Vec::new(),
            requests: 0,
            duration_ms: 3,
        };
        let shown = line(refused.clone());
        assert!(
            shown.starts_with(
                "2026-11-29T01:00:00Z 127.0.0.1:4000 refused (no client certificate): \
                 no client certificate: the client sent none"
            ),
            "{shown}"
        );
        assert!(shown.contains("--cert"), "{shown}");
        let pki = Plan::default().issue().unwrap();
        let accepted = Event {
            outcome: Outcome::Accepted {
                ended: Ending::Closed,
            },
            chain: vec![Presented::from_der(
                &pki.entry("client").unwrap().cert_der,
                200,
            )],
            requests: 1,
            ..refused
        };
        let shown = line(accepted);
        assert!(shown.contains("accepted (CN=my-client)"), "{shown}");
    }
}
