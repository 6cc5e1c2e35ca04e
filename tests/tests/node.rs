//! certplay's files are not certplay-only: a Node https server written like
//! the blog's (`requestCert`, `rejectUnauthorized`) accepts curl with
//! certplay's client certificate, and refuses curl without it.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use certplay_core::KeyType;
use certplay_tests::{curl, curl_with_client_cert, issue_into, stderr, stdout, temp_dir};

/// The blog's server, listening on a free port that it prints.
const SERVER_JS: &str = r#"
const https = require('https');
const fs = require('fs');

const hostname = 'localhost';

const options = {
    ca: fs.readFileSync('ca.crt'),
    cert: fs.readFileSync('server.crt'),
    key: fs.readFileSync('server.key'),
    rejectUnauthorized: true,
    requestCert: true,
};

const server = https.createServer(options, (req, res) => {
  res.statusCode = 200;
  res.setHeader('Content-Type', 'text/plain');
  res.end('Hello World');
});

server.listen(0, hostname, () => {
  console.log(`port ${server.address().port}`);
});
"#;

fn node_accepts(key_type: KeyType) {
    let dir = temp_dir();
    issue_into(dir.path(), key_type);
    std::fs::write(dir.path().join("server.js"), SERVER_JS).expect("writing server.js");
    let mut node = Command::new("node")
        .arg("server.js")
        .current_dir(dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("starting node (is it installed?)");
    let mut line = String::new();
    BufReader::new(node.stdout.take().expect("piped"))
        .read_line(&mut line)
        .expect("reading node's port");
    let port: u16 = line
        .trim()
        .strip_prefix("port ")
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("node printed {line:?}"));
    let url = format!("https://localhost:{port}");

    let ok = curl_with_client_cert(dir.path(), &url);
    let without = curl(dir.path(), &["--cacert", "ca.crt", &url]);
    let _ = node.kill();
    let _ = node.wait();

    assert_eq!(stdout(&ok), "Hello World", "curl: {}", stderr(&ok));
    assert!(
        !without.status.success(),
        "node accepted curl without a client certificate"
    );
}

#[test]
fn a_blog_style_node_server_accepts_certplays_p256_files() {
    node_accepts(KeyType::EcdsaP256);
}

#[test]
fn a_blog_style_node_server_accepts_certplays_rsa2048_files() {
    node_accepts(KeyType::Rsa2048);
}
