//! The page's own functions in headless Chromium (wasm-bindgen-test): the
//! WebCrypto RSA path and the P-256 path through [`certplay_web::issue`]
//! (what the Issue button runs: the plan checked, then issued by the tools
//! worker), the error for a bad server name, and the whole page mounted on
//! index.html's own markup and driven by clicks: the blog's set in one
//! click, a bad SAN shown next to its field, a preset with an intermediate
//! and two clients, "Add an intermediate" with name constraints in
//! RSA-4096, and the chain check's leaf, purpose and CRL with the
//! inspector's lints.
//!
//! The test harness serves no worker: [`certplay_web::tools::run_here`]
//! runs the worker's code on the test's thread, over a `MessageChannel`
//! (the same messages, codec and handlers as the worker; the real worker
//! is driven by tests/tests/browser.rs).
//!
//! WASM_BINDGEN_TEST_TIMEOUT=120 WASM_BINDGEN_TEST_DRIVER_TIMEOUT=60 \
//! CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
//! CHROMEDRIVER=/usr/bin/chromedriver \
//! cargo test -p certplay-web --target wasm32-unknown-unknown --test page

#![cfg(target_arch = "wasm32")]

use std::cell::RefCell;
use std::rc::Rc;

use certplay_core::read::Certificate;
use certplay_core::{Error, IssuedPlan, KeyType, Plan, PlanField, San, ServerTls, Source};
use certplay_web::editor::PlanForm;
use certplay_web::protocol::{Card, Reply, Request, SetHandle, ToWorker};
use certplay_web::worker::Tools;
use certplay_web::{issue, issue_using, IssuedSet, KeySource, Page};
use js_sys::Promise;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::{
    Element, Event, HtmlButtonElement, HtmlInputElement, HtmlSelectElement, HtmlTextAreaElement,
};

wasm_bindgen_test_configure!(run_in_browser);

/// What core says of the name `not_a_name!` (shown next to the SANs).
fn bad_name_reason() -> String {
    San::parse("not_a_name!").unwrap_err()
}

#[wasm_bindgen_test]
async fn rsa_keys_come_from_webcrypto_and_make_a_working_set() {
    assert_eq!(
        KeySource::for_key_type(KeyType::Rsa2048),
        KeySource::WebCrypto
    );
    let plan = Plan {
        key_type: KeyType::Rsa2048,
        ..Plan::default()
    };
    certplay_web::tools::run_here().unwrap();
    let set = issue(&plan).await.expect("the RSA set issues");
    assert_eq!(set.key_source, KeySource::WebCrypto);
    check_set(&set, "RSA-2048", "sha256WithRSAEncryption");
}

#[wasm_bindgen_test]
async fn p256_set_through_the_page_path() {
    certplay_web::tools::run_here().unwrap();
    let set = issue(&Plan::default())
        .await
        .expect("the default set issues");
    assert_eq!(set.key_source, KeySource::for_key_type(KeyType::EcdsaP256));
    check_set(&set, "ECDSA P-256", "ecdsa-with-SHA256");
}

#[wasm_bindgen_test]
async fn webcrypto_p256_keys_work_too() {
    certplay_web::tools::run_here().unwrap();
    let set = issue_using(&Plan::default(), KeySource::WebCrypto)
        .await
        .expect("WebCrypto P-256 keys sign the set");
    check_set(&set, "ECDSA P-256", "ecdsa-with-SHA256");
}

#[wasm_bindgen_test]
async fn webcrypto_makes_every_key_type() {
    certplay_web::tools::run_here().unwrap();
    for key_type in [KeyType::EcdsaP384, KeyType::Ed25519, KeyType::Rsa3072] {
        let plan = Plan {
            key_type,
            ..Plan::default()
        };
        let set = issue_using(&plan, KeySource::WebCrypto)
            .await
            .unwrap_or_else(|e| panic!("{key_type}: {e}"));
        assert_keys_sign(&set.issued, key_type);
    }
}

/// Every certificate of the blog's set (ca, server, client) holds a
/// `key_type` key, read back from the certificate (not the plan's field),
/// and the server and client certificates verify under the CA (webpki with
/// core's RustCrypto provider): the CA's key of that type signed them.
fn assert_keys_sign(issued: &IssuedPlan, key_type: KeyType) {
    use certplay_core::verify::{self, provider, Check, Purpose};
    let cert = |name: &str| Certificate::from_der(&issued.entry(name).unwrap().cert_der).unwrap();
    for name in ["ca", "server", "client"] {
        let read = KeyType::of(&cert(name).public_key.kind);
        assert_eq!(read, Some(key_type), "{name}'s certificate");
    }
    let anchors = [cert("ca")];
    for (name, purpose) in [
        (
            "server",
            Purpose::Server {
                host: "localhost".into(),
            },
        ),
        ("client", Purpose::Client),
    ] {
        let check = Check {
            anchors: &anchors,
            intermediates: &[],
            crls: &[],
            purpose,
            at: issued.issued_at.unix_timestamp() + 60,
        };
        verify::verify(&cert(name), &check, &provider::verifying())
            .unwrap_or_else(|e| panic!("{key_type}, {name}: {e}"));
    }
}

#[wasm_bindgen_test]
async fn a_bad_server_name_is_refused_before_any_key_work() {
    let mut form = PlanForm::from_plan(&Plan {
        key_type: KeyType::Rsa2048,
        ..Plan::default()
    });
    form.entries[1].sans = "localhost\nnot_a_name!".into();
    let failure = form.to_plan().unwrap_err();
    assert_eq!(
        failure,
        Error::Plan {
            entry: "server".into(),
            field: PlanField::Sans,
            reason: bad_name_reason(),
        }
    );
}

/// What a person checks: names, chain, purposes, v3, and that the files
/// work together (the server takes ca.crt, server.crt and server.key; the
/// WebCrypto key really is the certificate's key).
fn check_set(set: &IssuedSet, public_key: &str, signature: &str) {
    let entry = |name: &str| set.issued.entry(name).unwrap();
    let info = |name: &str| Certificate::from_der(&entry(name).cert_der).unwrap();
    let names = |c: &Certificate| -> Vec<String> {
        c.subject_alt_names()
            .iter()
            .map(ToString::to_string)
            .collect()
    };
    let purposes = |c: &Certificate| -> Vec<String> {
        c.extended_key_usage()
            .unwrap_or_default()
            .iter()
            .map(ToString::to_string)
            .collect()
    };
    for name in ["ca", "server", "client"] {
        let info = info(name);
        assert_eq!(info.version, 3);
        assert_eq!(info.public_key.kind.to_string(), public_key);
        assert_eq!(info.signature_algorithm.to_string(), signature);
        assert_eq!(info.issuer.to_string(), "CN=my-ca");
    }
    assert_eq!(info("ca").subject.to_string(), "CN=my-ca");
    assert_eq!(info("ca").basic_constraints(), Some((true, None)));
    assert_eq!(info("server").subject.to_string(), "CN=localhost");
    assert_eq!(
        names(&info("server")),
        [
            "DNS:localhost",
            "IP Address:127.0.0.1",
            "IP Address:0:0:0:0:0:0:0:1"
        ]
    );
    assert_eq!(purposes(&info("server")), ["id-kp-serverAuth"]);
    assert_eq!(info("client").subject.to_string(), "CN=my-client");
    assert_eq!(purposes(&info("client")), ["id-kp-clientAuth"]);
    assert!(set.micros > 0);
    // What the worker read back for the cards, in plan order.
    let subjects: Vec<&str> = set
        .cards
        .iter()
        .map(|card| card_field(card, "subject"))
        .collect();
    assert_eq!(subjects, ["CN=my-ca", "CN=localhost", "CN=my-client"]);

    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let tls = ServerTls::read(
        Source::new("ca.crt", entry("ca").cert_pem.as_bytes()),
        Source::new("server.crt", entry("server").cert_pem.as_bytes()),
        Source::new(
            "server.key",
            entry("server").key_pem.as_deref().unwrap().as_bytes(),
        ),
        now,
    )
    .expect("the server accepts the files");
    assert!(tls.warnings.is_empty(), "{:?}", tls.warnings);
    for file in set.issued.files().unwrap() {
        let label = match file.kind {
            certplay_core::FileKind::PrivateKey(_) => "PRIVATE KEY",
            certplay_core::FileKind::Plan => continue,
            _ => "CERTIFICATE",
        };
        assert!(
            file.contents
                .starts_with(&format!("-----BEGIN {label}-----\n")),
            "{}",
            file.name
        );
    }
}

#[wasm_bindgen_test]
async fn the_page_issues_from_its_own_markup() {
    certplay_web::tools::run_here().unwrap();
    let host = Markup::add();
    let page = Page::mount().expect("index.html has every element the page needs");

    // The blog's plan, one template clone per entry, filled in by Rust.
    assert_eq!(select("preset").value(), "blog");
    assert_eq!(input("entry-0-cn").value(), "my-ca");
    assert_eq!(select("entry-0-profile").value(), "root-ca");
    assert_eq!(input("entry-1-cn").value(), "localhost");
    assert_eq!(select("entry-1-issuer").value(), "ca");
    assert_eq!(
        textarea("entry-1-sans").value(),
        "DNS:localhost\nIP:127.0.0.1\nIP:::1"
    );
    assert_eq!(input("entry-2-cn").value(), "my-client");
    assert_eq!(select("key-type").value(), "p256");
    assert_eq!(input("entry-0-days").value(), "365");
    assert!(certplay_web::dom::by_id::<Element>("entry-3").is_err());
    assert_eq!(text("status"), "Ready");
    assert!(!element::<HtmlButtonElement>("issue").disabled());

    // One click issues the blog's set and shows what the certificates say.
    click_issue_and_wait().await;
    assert_eq!(state(), "done");
    assert!(
        text("status").starts_with("Issued: ECDSA P-256, in "),
        "{}",
        text("status")
    );
    // The cards say what the tools worker read back.
    assert_eq!(text("server-subject"), "CN=localhost");
    assert_eq!(text("ca-issuer"), "CN=my-ca (self-signed)");
    for action in [
        "p12-client",
        "revoke-client",
        "crl-ca",
        "crl-der-ca",
        "inspect-server",
    ] {
        element::<HtmlButtonElement>(action);
    }
    // A CA has a PKCS#12 file too; a root has no issuer to revoke it.
    assert!(element::<Element>("p12-ca")
        .closest("[hidden]")
        .unwrap()
        .is_none());
    assert!(element::<Element>("revoke-ca")
        .closest("[hidden]")
        .unwrap()
        .is_some());
    for name in certplay_web::BLOG_FILE_NAMES {
        element::<HtmlButtonElement>(&format!("download-{}", certplay_web::file_id(name)));
    }
    assert_eq!(
        text("purpose-ca-key"),
        "A CA's secret key: needed only to issue more certificates. Keep it private."
    );
    assert_eq!(
        text("next-curl"),
        "curl --cacert ca.crt --cert client.crt --key client.key https://localhost:3001"
    );
    let issued = page.issued().expect("the page keeps the set");
    assert_eq!(issued.issued.entries.len(), 3);
    assert!(element::<Element>("error").has_attribute("hidden"));

    // A bad name: core's words next to the SANs field and in #error.
    textarea("entry-1-sans").set_value("localhost\nnot_a_name!");
    click_issue_and_wait().await;
    assert_eq!(state(), "error");
    assert_eq!(text("entry-1-sans-error"), bad_name_reason());
    assert!(!element::<Element>("entry-1-sans-error").has_attribute("hidden"));
    assert_eq!(
        textarea("entry-1-sans")
            .get_attribute("aria-invalid")
            .as_deref(),
        Some("true")
    );
    // The person is taken to the field: its entry opened, the focus on it.
    assert_eq!(
        web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.active_element())
            .map(|e| e.id())
            .as_deref(),
        Some("entry-1-sans")
    );
    assert!(element::<Element>("entry-1").has_attribute("open"));
    assert!(
        text("error").contains(&bad_name_reason()),
        "{}",
        text("error")
    );
    assert!(element::<Element>("result").has_attribute("hidden"));

    // RSA through WebCrypto, from the form; the error goes away.
    textarea("entry-1-sans").set_value("localhost\n127.0.0.1");
    select("key-type").set_value("rsa2048");
    click_issue_and_wait().await;
    assert_eq!(state(), "done", "{}", text("error"));
    assert!(text("status").starts_with("Issued: RSA-2048, in "));
    assert_keys_sign(&page.issued().unwrap().issued, KeyType::Rsa2048);
    assert!(element::<Element>("error").has_attribute("hidden"));
    assert!(element::<Element>("entry-1-sans-error").has_attribute("hidden"));

    drop(page);
    host.remove();
}

#[wasm_bindgen_test]
async fn the_intermediate_preset_with_two_clients_issues_chains() {
    certplay_web::tools::run_here().unwrap();
    let host = Markup::add();
    let page = Page::mount().expect("the page mounts");

    select("preset").set_value("intermediate");
    select("preset")
        .dispatch_event(&Event::new("change").unwrap())
        .unwrap();
    assert_eq!(select("entry-1-profile").value(), "intermediate-ca");
    assert_eq!(select("entry-2-issuer").value(), "intermediate");
    element::<HtmlButtonElement>("add-client").click();
    assert_eq!(input("entry-4-name").value(), "client-2");
    assert_eq!(select("entry-4-issuer").value(), "intermediate");
    select("key-type").set_value("p384");

    click_issue_and_wait().await;
    assert_eq!(state(), "done", "{}", text("error"));
    for name in ["ca", "intermediate", "server", "client", "client-2"] {
        element::<Element>(&format!("card-{name}"));
    }
    for file in [
        "server-chain-crt",
        "client-chain-crt",
        "client-2-chain-crt",
        "client-2-key",
        "intermediate-key",
        "certplay-plan-toml",
    ] {
        element::<HtmlButtonElement>(&format!("download-{file}"));
    }
    assert_eq!(
        text("next-serve"),
        "certplay serve --ca ca.crt --cert server-chain.crt --key server.key --port 3001"
    );
    assert_eq!(
        text("next-curl"),
        "curl --cacert ca.crt --cert client-chain.crt --key client.key https://localhost:3001\n\
         curl --cacert ca.crt --cert client-2-chain.crt --key client-2.key https://localhost:3001"
    );
    let plan = page.issued().unwrap().issued.plan;
    assert_eq!(plan.entries.len(), 5);

    // Removing the second client and issuing again: four cards.
    element::<HtmlButtonElement>("entry-4-remove").click();
    click_issue_and_wait().await;
    assert_eq!(state(), "done", "{}", text("error"));
    assert!(certplay_web::dom::by_id::<Element>("card-client-2").is_err());

    drop(page);
    host.remove();
}

/// index.html's body, added to the test runner's page (whose own output
/// elements must stay).
struct Markup(Element);

impl Markup {
    fn add() -> Self {
        const INDEX_HTML: &str = include_str!("../../index.html");
        let start = INDEX_HTML.find("<body>").unwrap() + "<body>".len();
        let end = INDEX_HTML.find("</body>").unwrap();
        let document = web_sys::window().unwrap().document().unwrap();
        let host = document.create_element("div").unwrap();
        host.set_inner_html(&INDEX_HTML[start..end]);
        document.body().unwrap().append_child(&host).unwrap();
        Self(host)
    }

    fn remove(self) {
        self.0.remove();
    }
}

fn element<T: JsCast>(id: &str) -> T {
    certplay_web::dom::by_id::<T>(id).unwrap()
}

fn input(id: &str) -> HtmlInputElement {
    element(id)
}

fn select(id: &str) -> HtmlSelectElement {
    element(id)
}

fn textarea(id: &str) -> HtmlTextAreaElement {
    element(id)
}

fn text(id: &str) -> String {
    certplay_web::dom::text(id).unwrap()
}

fn state() -> String {
    element::<Element>("result")
        .get_attribute("data-state")
        .unwrap_or_default()
}

/// Clicks #issue (a submit button: the form's submit handler runs) and
/// waits until the page is no longer busy.
async fn click_issue_and_wait() {
    element::<HtmlButtonElement>("issue").click();
    // The handler starts its work as a microtask: let it begin.
    sleep(0).await;
    // A generous deadline: RSA-4096 keys on two busy cores.
    for _ in 0..2400 {
        if !matches!(state().as_str(), "busy" | "empty") {
            return;
        }
        sleep(50).await;
    }
    panic!("still issuing after 120 s");
}

async fn sleep(ms: i32) {
    let promise = Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .unwrap();
    });
    JsFuture::from(promise).await.unwrap();
}

/// The value of a card's field (`data-field` name), or the card's error.
fn card_field<'a>(card: &'a Card, name: &str) -> &'a str {
    match card {
        Ok(fields) => fields
            .iter()
            .find(|(field, _)| field.name() == name)
            .map_or("", |(_, value)| value.as_str()),
        Err(why) => why,
    }
}

/// A request after its trip to the worker, and a reply after its trip
/// back: through the codec the page and its worker use, unchanged.
async fn ask(tools: &Rc<RefCell<Tools>>, request: Request) -> Reply {
    use certplay_web::protocol::codec;
    let message = ToWorker {
        id: 7,
        request: request.clone(),
    };
    let sent =
        codec::decode_request::<Request>(&codec::encode_request::<Request, _>(&message).unwrap())
            .unwrap();
    assert_eq!(sent, message);
    let sent = sent.request;
    let reply = certplay_web::worker::answer(Rc::clone(tools), sent, Rc::new(|_, _| ())).await;
    let back: Reply = codec::decode_reply(&codec::encode_reply(&reply).unwrap()).unwrap();
    assert_eq!(back, reply);
    back
}

/// `plan` issued by `tools` (as the Issue button has it, with `own_keys`
/// and `own_cas`): the set's handle, the set as the page builds it, the
/// cards.
async fn issued_by(
    tools: &Rc<RefCell<Tools>>,
    request: Request,
) -> (SetHandle, IssuedPlan, Vec<Card>) {
    let Request::Issue { plan, .. } = &request else {
        panic!("not an Issue request: {request:?}")
    };
    let plan = plan.clone();
    let reply = ask(tools, request).await;
    let Reply::Issued {
        set,
        entries,
        issued_at,
        cards,
        ..
    } = reply
    else {
        panic!("the plan issues: {reply:?}")
    };
    assert_eq!(cards.len(), entries.len());
    let issued = IssuedPlan {
        plan,
        entries,
        issued_at: time::OffsetDateTime::from_unix_timestamp(issued_at).unwrap(),
        warnings: Vec::new(),
    };
    (set, issued, cards)
}

/// Issue `plan` with the worker's choice of keys, nothing brought.
fn issue_request(plan: &Plan) -> Request {
    Request::Issue {
        plan: plan.clone(),
        own_keys: Vec::new(),
        own_cas: Vec::new(),
        source: None,
    }
}

/// The tools worker's operations, run here directly (the worker's code
/// path without the worker): every request and reply survives the codec,
/// the worker issues and keeps the set and answers to its handle, and each
/// operation does its job.
#[wasm_bindgen_test]
async fn the_tools_operations_survive_the_wire_and_work() {
    use certplay_core::{Pkcs12Encoding, RevocationReason};
    use certplay_web::protocol::{CardField, ChainCheck, Der, Everything, Verdict};

    let tools = Rc::new(RefCell::new(Tools::default()));
    let (handle, set, cards) = issued_by(&tools, issue_request(&Plan::default())).await;
    let ca = cards[0].as_ref().unwrap();
    assert!(ca.contains(&(CardField::Issuer, "CN=my-ca (self-signed)".into())));
    assert!(ca.contains(&(CardField::BasicConstraints, "CA:TRUE".into())));
    let p12 = |password: &str| Request::Pkcs12 {
        set: handle,
        entry: "client".into(),
        encoding: Pkcs12Encoding::Legacy,
        password: password.into(),
    };
    let revoked = vec![("client".to_owned(), RevocationReason::KeyCompromise)];
    let crl = |der: bool| Request::Crl {
        set: handle,
        ca: "ca".into(),
        revoked: revoked.clone(),
        der,
    };
    let signed = vec![(
        "alice".to_owned(),
        set.entry("client").unwrap().cert_pem.clone(),
    )];
    let zip = |everything: Option<&str>| Request::Zip {
        set: handle,
        signed: signed.clone(),
        everything: everything.map(|password| Everything {
            revoked: revoked.clone(),
            password: password.to_owned(),
        }),
    };
    let requests = [
        p12("pw"),
        p12(""),
        crl(false),
        Request::MakeCsr {
            set: handle,
            entry: "server".into(),
        },
        Request::KeyDer {
            set: handle,
            entry: "server".into(),
        },
        crl(true),
        zip(None),
        zip(Some("")),
        zip(Some("zip pw")),
    ];
    let mut answers = Vec::new();
    for request in requests {
        answers.push(ask(&tools, request).await);
    }
    assert!(matches!(&answers[0], Reply::File(bytes) if !bytes.is_empty()));
    assert!(
        matches!(&answers[1], Reply::Failed(reason) if reason.contains("empty")),
        "{:?}",
        answers[1]
    );
    let Reply::File(pem) = &answers[2] else {
        panic!("{:?}", answers[2])
    };
    assert!(pem.starts_with(b"-----BEGIN X509 CRL-----"));
    let Reply::File(csr) = &answers[3] else {
        panic!("{:?}", answers[3])
    };
    assert!(csr.starts_with(b"-----BEGIN CERTIFICATE REQUEST-----"));
    let Reply::File(key) = &answers[4] else {
        panic!("{:?}", answers[4])
    };
    assert_eq!(key.first(), Some(&0x30), "DER starts with a SEQUENCE");
    let Reply::File(der) = &answers[5] else {
        panic!("{:?}", answers[5])
    };
    assert_eq!(der.first(), Some(&0x30), "a DER CRL");
    // Stored (uncompressed) zips: the names are in the bytes.
    let holds = |zip: &[u8], name: &str| zip.windows(name.len()).any(|w| w == name.as_bytes());
    let Reply::File(plain) = &answers[6] else {
        panic!("{:?}", answers[6])
    };
    assert!(holds(plain, "alice.crt") && holds(plain, "client.key"));
    assert!(!holds(plain, "client.p12") && !holds(plain, "ca.crl"));
    assert!(
        matches!(&answers[7], Reply::Failed(reason) if reason.contains("empty")),
        "{:?}",
        answers[7]
    );
    let Reply::File(everything) = &answers[8] else {
        panic!("{:?}", answers[8])
    };
    for name in [
        "client.p12",
        "server.p12",
        "ca.crl.der",
        "ca.crl",
        "ca.key.der",
        "client.crt.der",
        "alice.crt.der",
    ] {
        assert!(holds(everything, name), "{name} is not in the zip");
    }
    assert!(
        !holds(everything, "ca.p12"),
        "a CA's key is not put in a PKCS#12 file"
    );

    // A handle the worker does not know is refused in words, not guessed.
    let unknown = ask(
        &tools,
        Request::KeyDer {
            set: SetHandle(9999),
            entry: "server".into(),
        },
    )
    .await;
    assert!(
        matches!(&unknown, Reply::Failed(reason) if reason.contains("no longer keeps this set")),
        "{unknown:?}"
    );
    // A message that is not a request or a reply does not decode: an
    // error, no default.
    use certplay_web::protocol::codec;
    let text = wasm_bindgen::JsValue::from_str("not a request");
    assert!(codec::decode_request::<Request>(&text).is_err());
    assert!(codec::decode_reply::<Reply>(&text).is_err());
    let whole = codec::encode_reply(&Reply::Failed("why".into())).unwrap();
    let bytes = js_sys::Uint8Array::new(&whole).to_vec();
    let cut = js_sys::Uint8Array::from(&bytes[..bytes.len() - 1]);
    assert!(codec::decode_reply::<Reply>(&cut.into()).is_err());
    // A request cut short does not decode either, but its id does: the
    // worker answers it with why.
    let whole = codec::encode_request::<Request, _>(&ToWorker {
        id: 42,
        request: Request::KeyDer {
            set: SetHandle(1),
            entry: "server".into(),
        },
    })
    .unwrap();
    let bytes = js_sys::Uint8Array::new(&whole).to_vec();
    let cut: wasm_bindgen::JsValue = js_sys::Uint8Array::from(&bytes[..bytes.len() - 1]).into();
    assert!(codec::decode_request::<Request>(&cut).is_err());
    assert_eq!(codec::request_id::<Request>(&cut), Ok(42));

    // The inspector opens the PKCS#12 file made above with its password.
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let Reply::File(p12) = &answers[0] else {
        panic!("{:?}", answers[0])
    };
    let shown = ask(
        &tools,
        Request::Inspect {
            name: "client.p12".into(),
            bytes: p12.clone(),
            now,
            password: Some("pw".into()),
            set: None,
        },
    )
    .await;
    let Reply::Inspected(shown) = shown else {
        panic!("{shown:?}")
    };
    assert_eq!(shown.locked, None, "{}", shown.summary);
    assert_eq!(shown.certificates.len(), 2);
    assert!(shown
        .views
        .iter()
        .any(|v| v.title == "Certificate: CN=my-client"));

    // The chain check runs here, in wasm, with core's RustCrypto provider.
    let der = |name: &str| Der(set.entry(name).unwrap().cert_der.clone());
    let check = |leaf: &str, host: Option<&str>, crls: Vec<Der>| {
        Request::Verify(ChainCheck {
            leaf: der(leaf),
            anchors: vec![der("ca")],
            intermediates: Vec::new(),
            crls,
            server_host: host.map(str::to_owned),
            at: now,
        })
    };
    for (host, valid) in [("localhost", true), ("other.test", false)] {
        match ask(&tools, check("server", Some(host), vec![])).await {
            Reply::Verdict(Verdict::Valid(accepted)) if valid => {
                assert!(accepted.starts_with("CN=localhost"), "{accepted}")
            }
            Reply::Verdict(Verdict::Refused { kind, words }) if !valid => {
                assert_eq!(kind, "name-mismatch", "{words}");
                assert!(words.contains("other.test"), "{words}");
            }
            other => panic!("{host}: {other:?}"),
        }
    }

    // What the other stacks decide, from the chain's lints (postcard carries
    // them to the page): nothing refuses the set now; a century later its
    // root is a trust anchor past its notAfter, which every stack but
    // rustls refuses.
    let others = |at: i64| {
        Request::OtherStacks(ChainCheck {
            leaf: der("server"),
            anchors: vec![der("ca")],
            intermediates: Vec::new(),
            crls: Vec::new(),
            server_host: Some("localhost".into()),
            at,
        })
    };
    let Reply::OtherStacks(sound) = ask(&tools, others(now)).await else {
        panic!("no OtherStacks reply")
    };
    assert!(sound.refused_by.is_empty(), "{sound}");
    let Reply::OtherStacks(later) = ask(&tools, others(now + 100 * 366 * 86_400)).await else {
        panic!("no OtherStacks reply")
    };
    use certplay_core::read::lint::{LintId, Stack};
    let refusing: Vec<Stack> = later.refused_by.iter().map(|r| r.stack).collect();
    assert_eq!(
        refusing,
        [
            Stack::OpenSsl,
            Stack::OpenSslStrict,
            Stack::Curl,
            Stack::Go,
            Stack::Python,
            Stack::Node,
            Stack::Chromium
        ],
        "{later}"
    );
    assert!(
        later
            .refused_by
            .iter()
            .all(|r| r.because.contains(&LintId::TrustAnchorOutsideValidity)),
        "{later}"
    );
    assert!(
        later
            .lints
            .iter()
            .any(|l| l.certificate == "CN=my-ca"
                && l.lint.to_string().contains("refused by OpenSSL")),
        "{later:?}"
    );

    // With the CA's CRL (made above, revoking the client), the client is
    // refused as revoked; without it, accepted.
    let Reply::File(crl_der) = &answers[5] else {
        panic!("{:?}", answers[5])
    };
    for (crls, expected) in [
        (vec![], None),
        (vec![Der(crl_der.clone())], Some("revoked")),
    ] {
        let verdict = ask(&tools, check("client", None, crls)).await;
        match (&verdict, expected) {
            (Reply::Verdict(Verdict::Valid(_)), None) => {}
            (Reply::Verdict(Verdict::Refused { kind, .. }), Some(expected)) if kind == expected => {
            }
            _ => panic!("expected {expected:?}: {verdict:?}"),
        }
    }
}

/// "My own CA": the files read and checked by the tools worker's code
/// (here without the worker), core's words for what is wrong with them,
/// and a plan issued from the CA: not issued again, its key kept by the
/// worker and nowhere in the files or the zip, the leaves chaining to it,
/// the command line to match.
#[wasm_bindgen_test]
async fn an_own_ca_signs_the_plan_and_stays_what_it_is() {
    use certplay_core::{Preset, Validity};
    use certplay_web::next_steps::reproduce;
    use certplay_web::own_ca::{CaFile, OwnCas};
    use certplay_web::protocol::{ChainCheck, Der, Everything, Verdict};

    let tools = Rc::new(RefCell::new(Tools::default()));
    let original = Plan::default().issue().unwrap();
    let pem = |name: &str, key: bool| {
        let entry = original.entry(name).unwrap();
        if key {
            entry.key_pem.clone().unwrap().into_bytes()
        } else {
            entry.cert_pem.clone().into_bytes()
        }
    };
    let other = Plan::default().issue().unwrap();
    let load = |cert: Vec<u8>, key: Vec<u8>| {
        ask(
            &tools,
            Request::LoadCa {
                cert_name: "ca.crt".into(),
                cert,
                key_name: "ca.key".into(),
                key,
                password: None,
            },
        )
    };
    let refused = |reply: Reply| match reply {
        Reply::Failed(reason) => reason,
        other => panic!("refused, not {other:?}"),
    };

    // Core's own words for what is wrong with the files.
    let not_ca = refused(load(pem("server", false), pem("server", true)).await);
    assert!(not_ca.contains("is not a CA certificate"), "{not_ca}");
    let mismatch = refused(
        load(
            pem("ca", false),
            other
                .entry("ca")
                .unwrap()
                .key_pem
                .clone()
                .unwrap()
                .into_bytes(),
        )
        .await,
    );
    assert!(
        mismatch.contains("ca.key is not the private key of ca.crt (CN=my-ca)"),
        "{mismatch}"
    );
    let no_key = refused(load(pem("ca", false), pem("ca", false)).await);
    assert!(no_key.contains("ca.key"), "{no_key}");

    // An expired CA loads, with a warning.
    let mut expired_plan = Plan::default();
    expired_plan.entries[0].validity = Validity::Relative {
        days: 2,
        starts_in_days: -10,
    };
    let expired = expired_plan.issue().unwrap();
    let Reply::LoadedCa(loaded) = load(
        expired.entry("ca").unwrap().cert_pem.clone().into_bytes(),
        expired
            .entry("ca")
            .unwrap()
            .key_pem
            .clone()
            .unwrap()
            .into_bytes(),
    )
    .await
    else {
        panic!("an expired CA still loads")
    };
    assert!(
        loaded
            .warnings
            .iter()
            .any(|w| w.starts_with("ca.crt: expired at ")),
        "{:?}",
        loaded.warnings
    );

    // A CA with URI name constraints loads, with core's warning that
    // certplay serve (rustls) will refuse what it signs with a URI name,
    // where OpenSSL accepts it.
    let Reply::LoadedCa(loaded) =
        load(URI_CA.as_bytes().to_vec(), URI_CA_KEY.as_bytes().to_vec()).await
    else {
        panic!("a CA with URI name constraints loads")
    };
    assert!(
        loaded.warnings.iter().any(|w| w.starts_with(
            "ca.crt: CN=Workload URI CA has URI nameConstraints, which rustls-webpki does not \
             process: certplay serve (and any rustls server or client) will refuse every \
             certificate below it that holds a URI name"
        ) && w.contains("while OpenSSL accepts it")),
        "{:?}",
        loaded.warnings
    );
    // The blog's CA has none: no such warning.
    let Reply::LoadedCa(loaded) = load(pem("ca", false), pem("ca", true)).await else {
        panic!("the blog's CA loads")
    };
    assert!(
        !loaded.warnings.iter().any(|w| w.contains("rustls")),
        "{:?}",
        loaded.warnings
    );

    // The person picks ca.crt and ca.key for the plan's root; the page
    // keeps what the worker said (and its handle, not the key).
    let own = OwnCas::default();
    own.keep_file("ca", CaFile::Certificate, "ca.crt".into(), pem("ca", false));
    assert!(own.request("ca", "").is_none(), "one file is not enough");
    assert_eq!(
        own.pick("ca").unwrap().said().unwrap(),
        "Now pick its private key."
    );
    own.keep_file("ca", CaFile::Key, "my ca.key".into(), pem("ca", true));
    let reply = ask(&tools, own.request("ca", "").unwrap()).await;
    let pick = own.settle("ca", reply, false).unwrap();
    let said = pick.said().unwrap();
    assert!(
        said.starts_with("Your CA: CN=my-ca, ECDSA P-256, valid from "),
        "{said}"
    );

    // The editor's "my own CA" goes into the plan: any CA entry may be
    // it until one is ticked, then that one only.
    let mut form = PlanForm::preset(Preset::Intermediate);
    assert_eq!(form.own_ca_slot(), None);
    form.entries[0].existing = true;
    form.entries[1].existing = true;
    assert_eq!(form.own_ca_slot(), Some(0));
    let mut plan = form.to_plan().unwrap();
    assert!(plan.entries[0].existing);
    plan.entries[1].existing = false;
    plan.set_clients(&["alice".into()]);
    let missing = OwnCas::default().for_plan(&mut plan.clone()).unwrap_err();
    let certplay_web::Failure::Core(Error::Plan { entry, field, .. }) = &missing else {
        panic!("{missing:?}")
    };
    assert_eq!((entry.as_str(), *field), ("ca", PlanField::Existing));
    assert_eq!(
        certplay_web::editor::Field::at_fault(*field, &form.entries[0], ""),
        Some(certplay_web::editor::Field::Existing)
    );

    // Issuing signs with it, in the worker, with a key the person brought
    // (the server's, read by the worker as "use a key you already have").
    let server_key = certplay_core::KeyPair::generate(certplay_core::KeyType::EcdsaP256).unwrap();
    let imported = ask(
        &tools,
        Request::ImportKey {
            name: "server".into(),
            bytes: server_key.to_pkcs8_pem().unwrap().into_bytes(),
            password: None,
        },
    )
    .await;
    let Reply::OwnKey { der, key_type } = imported else {
        panic!("the key reads: {imported:?}")
    };
    assert_eq!(key_type, KeyType::EcdsaP256);
    let own_cas = own.for_plan(&mut plan).unwrap();
    let request = Request::Issue {
        plan: plan.clone(),
        own_keys: vec![("server".into(), der)],
        own_cas,
        source: None,
    };
    let (handle, issued, _) = issued_by(&tools, request).await;
    assert_eq!(
        issued.entry("server").unwrap().key_pem.as_deref(),
        Some(server_key.to_pkcs8_pem().unwrap().as_str())
    );
    let ca = issued.entry("ca").unwrap();
    assert_eq!(ca.cert_der, original.entry("ca").unwrap().cert_der);
    assert!(ca.key_pem.is_none(), "the own CA's key stays in the worker");
    let files = issued.files().unwrap();
    let names: Vec<&str> = files.iter().map(|f| f.name.as_str()).collect();
    assert!(
        names.contains(&"ca.crt") && !names.contains(&"ca.key"),
        "{names:?}"
    );
    assert!(names.contains(&"intermediate.key"), "{names:?}");
    let plan_file = files
        .iter()
        .find(|f| f.name == "certplay-plan.toml")
        .unwrap();
    assert!(Plan::from_toml(&plan_file.contents).unwrap().entries[0].existing);
    let (key_file, encrypted) = own.key_file(&issued.plan);
    assert_eq!(
        reproduce(&issued.plan, key_file.as_deref(), encrypted),
        "certplay issue --plan certplay-plan.toml --ca-cert ca.crt --ca-key 'my ca.key' --out pki"
    );

    // The leaves chain to the original CA (webpki, as the server judges).
    let at = issued.issued_at.unix_timestamp();
    for (leaf, host) in [("server", Some("localhost")), ("alice", None)] {
        let verdict = ask(
            &tools,
            Request::Verify(ChainCheck {
                leaf: Der(issued.entry(leaf).unwrap().cert_der.clone()),
                anchors: vec![Der(original.entry("ca").unwrap().cert_der.clone())],
                intermediates: vec![Der(issued.entry("intermediate").unwrap().cert_der.clone())],
                crls: vec![],
                server_host: host.map(str::to_owned),
                at,
            }),
        )
        .await;
        assert!(
            matches!(verdict, Reply::Verdict(Verdict::Valid(_))),
            "{leaf}: {verdict:?}"
        );
    }

    // The worker signs the CA's CRL with the key it keeps; no file of the
    // set hands that key out: not its DER, not the zip.
    let Reply::File(crl) = ask(
        &tools,
        Request::Crl {
            set: handle,
            ca: "ca".into(),
            revoked: vec![],
            der: false,
        },
    )
    .await
    else {
        panic!("the own CA's CRL")
    };
    assert!(String::from_utf8(crl)
        .unwrap()
        .starts_with("-----BEGIN X509 CRL-----"));
    let key_der = ask(
        &tools,
        Request::KeyDer {
            set: handle,
            entry: "ca".into(),
        },
    )
    .await;
    assert!(matches!(key_der, Reply::Failed(_)), "{key_der:?}");
    let Reply::File(zip) = ask(
        &tools,
        Request::Zip {
            set: handle,
            signed: vec![],
            everything: Some(Everything {
                revoked: vec![],
                password: "zip pw".into(),
            }),
        },
    )
    .await
    else {
        panic!("the zip")
    };
    let holds = |name: &[u8]| zip.windows(name.len()).any(|w| w == name);
    assert!(holds(b"ca.crt") && holds(b"ca.crl") && holds(b"server.key"));
    assert!(!holds(b"ca.key"), "the zip holds the own CA's key");
}

/// The editor's "my own CA": on the first root CA only; ticked, it shows
/// the file pickers instead of the fields that make a new CA, and Issue
/// without the files says so next to them.
#[wasm_bindgen_test]
async fn my_own_ca_in_the_editor() {
    certplay_web::tools::run_here().unwrap();
    let host = Markup::add();
    let page = Page::mount().expect("the page mounts");
    let hidden = |id: &str| {
        element::<Element>(id)
            .closest("[hidden]")
            .unwrap()
            .is_some()
    };
    assert!(!hidden("entry-0-existing"));
    assert!(hidden("entry-1-existing"), "only a CA can be my own CA");
    assert!(hidden("entry-0-own-ca-cert"));
    assert!(!hidden("entry-0-cn"));

    input("entry-0-existing").click();
    assert!(
        input("entry-0-existing").checked(),
        "kept across the re-render"
    );
    assert!(!hidden("entry-0-own-ca-cert"));
    assert!(!hidden("entry-0-own-ca-key"));
    assert!(!hidden("entry-0-own-ca-password"));
    assert!(
        hidden("entry-0-cn"),
        "the CA's subject is what its certificate says"
    );
    assert!(hidden("entry-0-path-len"));
    assert_eq!(
        text("entry-0-own-ca-status"),
        "Pick the CA's certificate and its private key (PEM)."
    );
    assert!(page.plan().unwrap().entries[0].existing);

    click_issue_and_wait().await;
    assert_eq!(state(), "error");
    assert!(
        text("entry-0-existing-error").contains("pick its certificate and private key files"),
        "{}",
        text("entry-0-existing-error")
    );
    assert!(!element::<Element>("entry-0-existing-error").has_attribute("hidden"));

    // Unticked: a new CA again.
    input("entry-0-existing").click();
    assert!(!hidden("entry-0-cn"));
    click_issue_and_wait().await;
    assert_eq!(state(), "done", "{}", text("error"));
    assert_eq!(
        text("reproduce"),
        "certplay issue --plan certplay-plan.toml --out pki"
    );

    drop(page);
    host.remove();
}

/// Waits (up to 60 s) until `#id`'s text satisfies `done`; returns it.
async fn wait_for_text(id: &str, done: impl Fn(&str) -> bool) -> String {
    for _ in 0..1200 {
        let shown = text(id);
        if done(&shown) {
            return shown;
        }
        sleep(50).await;
    }
    panic!("#{id} showed only {:?} after 60 s", text(id));
}

/// Sets a select's value and tells the page, as choosing it does.
fn choose(id: &str, value: &str) {
    select(id).set_value(value);
    select(id)
        .dispatch_event(&Event::new("change").unwrap())
        .unwrap();
}

/// "Add an intermediate" puts one between the root and the leaves; the
/// editor's name-constraint fields go into it; issued in RSA-4096. Read
/// back from the certificates: every key is RSA-4096, the intermediate
/// carries exactly those constraints, and the server's chain verifies
/// (webpki checks the constraints).
#[wasm_bindgen_test]
async fn add_an_intermediate_with_name_constraints_issues_them_in_rsa_4096() {
    certplay_web::tools::run_here().unwrap();
    let host = Markup::add();
    let page = Page::mount().expect("the page mounts");
    element::<HtmlButtonElement>("add-intermediate").click();
    assert_eq!(input("entry-1-name").value(), "intermediate");
    assert_eq!(select("entry-1-profile").value(), "intermediate-ca");
    assert_eq!(select("entry-1-issuer").value(), "ca");
    assert_eq!(select("entry-2-issuer").value(), "intermediate");
    assert_eq!(select("entry-3-issuer").value(), "intermediate");
    textarea("entry-1-permitted").set_value("DNS:localhost\nIP:127.0.0.0/8\nIP:::1/128");
    textarea("entry-1-excluded").set_value("DNS:evil.test");
    select("key-type").set_value("rsa4096");

    click_issue_and_wait().await;
    assert_eq!(state(), "done", "{}", text("error"));
    assert!(
        text("status").starts_with("Issued: RSA-4096, in "),
        "{}",
        text("status")
    );
    element::<Element>("card-intermediate");
    let issued = page.issued().unwrap().issued;
    let cert = |name: &str| Certificate::from_der(&issued.entry(name).unwrap().cert_der).unwrap();
    for name in ["ca", "intermediate", "server", "client"] {
        assert_eq!(
            KeyType::of(&cert(name).public_key.kind),
            Some(KeyType::Rsa4096),
            "{name}"
        );
    }
    let constraints: Vec<(Vec<String>, Vec<String>)> = cert("intermediate")
        .extensions
        .iter()
        .filter_map(|e| match &e.value {
            certplay_core::read::model::ExtensionValue::NameConstraints {
                permitted,
                excluded,
            } => Some((
                permitted.iter().map(ToString::to_string).collect(),
                excluded.iter().map(ToString::to_string).collect(),
            )),
            _ => None,
        })
        .collect();
    assert_eq!(constraints.len(), 1, "{constraints:?}");
    let (permitted, excluded) = &constraints[0];
    assert_eq!(permitted.len(), 3, "{permitted:?}");
    assert!(permitted[0].contains("localhost"), "{permitted:?}");
    assert_eq!(excluded.len(), 1, "{excluded:?}");
    assert!(excluded[0].contains("evil.test"), "{excluded:?}");
    // The root's certificate has none.
    assert!(!cert("ca").extensions.iter().any(|e| matches!(
        e.value,
        certplay_core::read::model::ExtensionValue::NameConstraints { .. }
    )));
    use certplay_core::verify::{self, provider, Check, Purpose};
    let anchors = [cert("ca")];
    let intermediates = [cert("intermediate")];
    let check = Check {
        anchors: &anchors,
        intermediates: &intermediates,
        crls: &[],
        purpose: Purpose::Server {
            host: "localhost".into(),
        },
        at: issued.issued_at.unix_timestamp() + 60,
    };
    verify::verify(&cert("server"), &check, &provider::verifying()).expect("the server's chain");

    drop(page);
    host.remove();
}

/// The chain check as a person uses it: the client's certificate chosen as
/// the leaf is refused for the server purpose and valid for the client
/// one; a CRL read in the inspector (the CA revoking the client) is used
/// and the check then says revoked; an expired certificate read in the
/// inspector shows its lint, a fresh one shows none.
#[wasm_bindgen_test]
async fn the_chain_check_uses_its_leaf_purpose_and_a_crl_and_the_inspector_shows_lints() {
    use certplay_core::{CrlParams, Revocation, RevocationReason, Serial, Validity};
    certplay_web::tools::run_here().unwrap();
    let host = Markup::add();
    let page = Page::mount().expect("the page mounts");
    click_issue_and_wait().await;
    assert_eq!(state(), "done", "{}", text("error"));
    let issued = page.issued().unwrap().issued;

    let check = || async {
        certplay_web::dom::set_text("check-verdict", "").unwrap();
        element::<HtmlButtonElement>("check-run").click();
        wait_for_text("check-verdict", |s| !s.is_empty() && s != "checking…").await
    };
    assert_eq!(select("check-leaf").value(), "issued server.crt");
    assert!(
        check().await.starts_with("valid: "),
        "{}",
        text("check-verdict")
    );
    // The client's certificate, for a server: the wrong purpose.
    choose("check-leaf", "issued client.crt");
    let said = check().await;
    assert!(
        said.starts_with("refused: ") && said.contains("Choose the other purpose"),
        "{said}"
    );
    // For a client (mTLS): valid, and no host name is asked for.
    choose("check-purpose", "client");
    assert!(element::<Element>("check-host-row").has_attribute("hidden"));
    let said = check().await;
    assert!(said.starts_with("valid: CN=my-client"), "{said}");

    // The CA revokes the client; the CRL is read in the inspector.
    assert_eq!(
        text("check-crls"),
        "CRLs: none read (paste or drop a CRL above to use it)"
    );
    let client = Certificate::from_der(&issued.entry("client").unwrap().cert_der).unwrap();
    let now = time::OffsetDateTime::now_utc();
    let crl = issued
        .issue_crl(
            "ca",
            &CrlParams::new(
                now,
                30,
                vec![Revocation {
                    serial: Serial::from_bytes(client.serial.bytes()),
                    reason: RevocationReason::KeyCompromise,
                    revoked_at: now - time::Duration::hours(1),
                }],
            ),
        )
        .expect("a CRL");
    textarea("inspect-input").set_value(&crl.pem);
    element::<HtmlButtonElement>("inspect-run").click();
    wait_for_text("check-crls", |t| t == "CRLs: the 1 read above").await;
    let said = check().await;
    assert!(
        said.starts_with("refused: ")
            && said.contains("revoked")
            && said.contains("Its CA revoked it"),
        "{said}"
    );
    // The server's certificate is not on the list: still valid.
    choose("check-leaf", "issued server.crt");
    choose("check-purpose", "server");
    assert!(
        check().await.starts_with("valid: "),
        "{}",
        text("check-verdict")
    );

    // The lints panel: none for the page's own certificate, the expiry
    // for one that expired.
    let pem = |issued: &IssuedPlan| issued.entry("server").unwrap().cert_pem.clone();
    // The CRL read above left "pasted text…" here: forget it, or the wait
    // below returns before this certificate is read.
    certplay_web::dom::set_text("inspect-status", "").unwrap();
    textarea("inspect-input").set_value(&pem(&issued));
    element::<HtmlButtonElement>("inspect-run").click();
    wait_for_text("inspect-status", |t| t.starts_with("pasted text")).await;
    assert!(element::<Element>("inspect-lints").has_attribute("hidden"));
    let mut plan = Plan::default();
    for entry in &mut plan.entries {
        entry.validity = Validity::Relative {
            days: 1,
            starts_in_days: -10,
        };
    }
    let expired = plan.issue().expect("a backdated set");
    certplay_web::dom::set_text("inspect-status", "").unwrap();
    textarea("inspect-input").set_value(&pem(&expired));
    element::<HtmlButtonElement>("inspect-run").click();
    wait_for_text("inspect-status", |t| t.starts_with("pasted text")).await;
    assert!(!element::<Element>("inspect-lints").has_attribute("hidden"));
    let lints = text("inspect-lints");
    assert!(lints.contains("expired"), "{lints}");
    // The certificate's card names the lint by its id.
    let card = element::<Element>("inspect-structured")
        .query_selector(r#"li[data-lint="expired"]"#)
        .unwrap()
        .expect("the card lists the expired lint");
    let line = card.text_content().unwrap_or_default();
    assert!(line.starts_with("Error expired: expired at "), "{line}");

    drop(page);
    host.remove();
}

/// "My own CA" with a chain (issue 29): an intermediate followed by its
/// root, picked for the plan's root entry, is sorted and checked in the
/// worker; issuing keeps the root as `ca` (certificate only), signs the
/// leaves with the intermediate, and each leaf's chain file holds the leaf
/// and the intermediate.
#[wasm_bindgen_test]
async fn an_own_intermediate_with_its_chain_signs_the_leaves() {
    use certplay_core::Preset;
    use certplay_web::own_ca::{CaFile, OwnCas};

    let tools = Rc::new(RefCell::new(Tools::default()));
    let company = Preset::Intermediate.plan().issue().unwrap();
    let cert = |name: &str| company.entry(name).unwrap().cert_pem.clone();
    let chain = format!("{}{}", cert("ca"), cert("intermediate"));
    let key = company
        .entry("intermediate")
        .unwrap()
        .key_pem
        .clone()
        .unwrap();

    let own = OwnCas::default();
    own.keep_file(
        "ca",
        CaFile::Certificate,
        "chain.pem".into(),
        chain.into_bytes(),
    );
    own.keep_file("ca", CaFile::Key, "issuing.key".into(), key.into_bytes());
    let reply = ask(&tools, own.request("ca", "").unwrap()).await;
    let said = own.settle("ca", reply, false).unwrap().said().unwrap();
    assert!(
        said.starts_with("Your CA: CN=my-intermediate-ca, ECDSA P-256")
            && said.contains("above it CN=my-ca (up to the root)"),
        "{said}"
    );

    let mut plan = Plan::default();
    plan.entries[0].existing = true;
    let own_cas = own.for_plan(&mut plan).unwrap();
    assert_eq!(
        own_cas.first().map(|(name, _)| name.as_str()),
        Some("intermediate")
    );
    let request = Request::Issue {
        plan: plan.clone(),
        own_keys: vec![],
        own_cas,
        source: None,
    };
    let (_, issued, _) = issued_by(&tools, request).await;
    let entry = |name: &str| issued.entry(name).unwrap();
    assert_eq!(entry("ca").cert_der, company.entry("ca").unwrap().cert_der);
    assert_eq!(
        entry("intermediate").cert_der,
        company.entry("intermediate").unwrap().cert_der
    );
    assert!(entry("ca").key_pem.is_none() && entry("intermediate").key_pem.is_none());
    for leaf in ["server", "client"] {
        assert_eq!(
            entry(leaf).chain_pem.as_deref(),
            Some(format!("{}{}", entry(leaf).cert_pem, cert("intermediate")).as_str()),
            "{leaf}"
        );
    }
    let planned = &issued.plan;
    assert!(
        planned.entry("ca").unwrap().existing && planned.entry("intermediate").unwrap().existing
    );
    assert_eq!(
        planned.entry("server").unwrap().issuer.as_deref(),
        Some("intermediate")
    );
}

/// A root made by openssl (`openssl req -x509 -days 36500 -addext
/// "nameConstraints=critical,permitted;URI:.example.org"`), and its key:
/// a CA whose URI name constraints rustls-webpki does not process.
const URI_CA: &str = "-----BEGIN CERTIFICATE-----
MIIBvjCCAWOgAwIBAgIUcuJaEc4nT4QOx9nQyMHkWrFIiVAwCgYIKoZIzj0EAwIw
GjEYMBYGA1UEAwwPV29ya2xvYWQgVVJJIENBMCAXDTI2MTIwNzEyMjM0MVoYDzIx
MjYxMTEzMTIyMzQxWjAaMRgwFgYDVQQDDA9Xb3JrbG9hZCBVUkkgQ0EwWTATBgcq
hkjOPQIBBggqhkjOPQMBBwNCAARTrK6CSMc6KbbDAATg+1rBDVSgkIcRNbwqmff+
5cJ6ewJT1fqlnp82ffWbqTPMZqm+L6NpHXukgIVDDIgkd+F7o4GEMIGBMB0GA1Ud
DgQWBBSydeeN2jJHafD0OFnwFzlIblOVxjAfBgNVHSMEGDAWgBSydeeN2jJHafD0
OFnwFzlIblOVxjAPBgNVHRMBAf8EBTADAQH/MA4GA1UdDwEB/wQEAwIBBjAeBgNV
HR4BAf8EFDASoBAwDoYMLmV4YW1wbGUub3JnMAoGCCqGSM49BAMCA0kAMEYCIQDj
bjyhp0r6R7dXMaVwn/0jxFDyWhZYzd+1/snOBZYa0AIhAJSW7V9cWW0FtYJfw/6s
5QyKj/yzyLk9bh13brVl619l
-----END CERTIFICATE-----
";

/// [`URI_CA`]'s private key (P-256, PKCS#8), made for this test only.
const URI_CA_KEY: &str = "-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgbujYAewNlcBrDuhc
2TcnNbM/Dy0PVPkLlNps5LYF7gehRANCAARTrK6CSMc6KbbDAATg+1rBDVSgkIcR
Nbwqmff+5cJ6ewJT1fqlnp82ffWbqTPMZqm+L6NpHXukgIVDDIgkd+F7
-----END PRIVATE KEY-----
";
