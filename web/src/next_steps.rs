//! The commands that try the downloaded files, with the blog's file names.

use std::net::IpAddr;

/// The port the commands use: 3001, so that the mTLS server does not collide
/// with the `certplay` that serves this page (3000 or 8080).
pub const PORT: u16 = 3001;

/// The commands shown under "Next steps".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NextSteps {
    /// `#next-serve`: run the mTLS server with the issued files.
    pub serve: String,
    /// `#next-curl`: the request that succeeds.
    pub curl: String,
    /// `#next-curl-no-cert`: the same request without the client
    /// certificate, which the server refuses.
    pub curl_without_certificate: String,
}

/// The commands for a server certificate with `server_names` as its
/// subjectAltName entries. curl must connect to one of those names: the
/// first of `localhost`, another DNS name (resolved to 127.0.0.1 with
/// `--resolve`) or an IP address.
pub fn next_steps(server_names: &[String]) -> NextSteps {
    let serve =
        format!("certplay serve --ca ca.crt --cert server.crt --key server.key --port {PORT}");
    let (resolve, url) = target(server_names);
    let curl = format!("curl --cacert ca.crt --cert client.crt --key client.key{resolve} {url}");
    let curl_without_certificate = format!("curl --cacert ca.crt{resolve} {url}");
    NextSteps {
        serve,
        curl,
        curl_without_certificate,
    }
}

/// The `--resolve` option (if needed, with its leading space) and the URL.
fn target(server_names: &[String]) -> (String, String) {
    let localhost = format!("https://localhost:{PORT}");
    if server_names
        .iter()
        .any(|n| n.eq_ignore_ascii_case("localhost"))
    {
        return (String::new(), localhost);
    }
    let Some(name) = server_names.first() else {
        return (String::new(), localhost);
    };
    match name.parse::<IpAddr>() {
        Ok(IpAddr::V4(ip)) => (String::new(), format!("https://{ip}:{PORT}")),
        Ok(IpAddr::V6(ip)) => (String::new(), format!("https://[{ip}]:{PORT}")),
        Err(_) => {
            // A wildcard covers exactly one label: pick one.
            let host = match name.strip_prefix("*.") {
                Some(domain) => format!("www.{domain}"),
                None => name.to_ascii_lowercase(),
            };
            (
                format!(" --resolve {host}:{PORT}:127.0.0.1"),
                format!("https://{host}:{PORT}"),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn the_blogs_names_give_the_blogs_commands() {
        let steps = next_steps(&names(&["localhost", "127.0.0.1", "::1"]));
        assert_eq!(
            steps.serve,
            "certplay serve --ca ca.crt --cert server.crt --key server.key --port 3001"
        );
        assert_eq!(
            steps.curl,
            "curl --cacert ca.crt --cert client.crt --key client.key https://localhost:3001"
        );
        assert_eq!(
            steps.curl_without_certificate,
            "curl --cacert ca.crt https://localhost:3001"
        );
    }

    #[test]
    fn other_names_are_reachable_on_loopback() {
        assert!(next_steps(&names(&["::1"]))
            .curl
            .ends_with(" https://[::1]:3001"));
        assert!(next_steps(&names(&["127.0.0.1", "localhost"]))
            .curl
            .ends_with(" https://localhost:3001"));
        assert!(next_steps(&names(&["API.example.test"]))
            .curl
            .ends_with(" --resolve api.example.test:3001:127.0.0.1 https://api.example.test:3001"));
        assert!(next_steps(&names(&["*.example.test"]))
            .curl
            .ends_with(" https://www.example.test:3001"));
    }
}
