//! The command lines certplay prints for a person to copy: `curl` against
//! a running server and `certplay serve` with issued files. One builder for
//! the server's "Try it", `certplay issue`'s commands and the page's next
//! steps, so that all of them connect the same way.
//!
//! Pure: the server certificate's names, where the server listens and the
//! file names go in; an argv and one shell-quoted line come out. The words
//! around them (why a name other than `localhost` is used, ...) belong to
//! each front end, which reads [`Fit`].

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use crate::lab::TlsVersions;
use crate::read::model::GeneralName;
use crate::San;

/// A name a TLS client can check a server certificate against: a
/// subjectAltName dNSName or iPAddress (RFC 5280, section 4.2.1.6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostName {
    /// dNSName, possibly a wildcard (`*.example.test`).
    Dns(String),
    /// iPAddress.
    Ip(IpAddr),
}

impl HostName {
    /// The host names among a plan entry's subjectAltNames.
    pub fn from_sans(sans: &[San]) -> Vec<HostName> {
        sans.iter()
            .filter_map(|san| match san {
                San::DnsName(name) => Some(HostName::Dns(name.clone())),
                San::IpAddress(ip) => Some(HostName::Ip(*ip)),
                San::Rfc822Name(_) | San::Uri(_) => None,
            })
            .collect()
    }

    /// The host names among a certificate's subjectAltNames.
    pub fn from_general_names(names: &[GeneralName]) -> Vec<HostName> {
        names
            .iter()
            .filter_map(|name| match name {
                GeneralName::Dns(name) => Some(HostName::Dns(name.clone())),
                GeneralName::Ip(bytes) => ip_of(bytes.bytes()).map(HostName::Ip),
                _ => None,
            })
            .collect()
    }
}

impl std::fmt::Display for HostName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HostName::Dns(name) => write!(f, "DNS:{name}"),
            HostName::Ip(ip) => write!(f, "IP:{ip}"),
        }
    }
}

fn ip_of(bytes: &[u8]) -> Option<IpAddr> {
    if let Ok(v4) = <[u8; 4]>::try_from(bytes) {
        return Some(IpAddr::from(v4));
    }
    <[u8; 16]>::try_from(bytes).ok().map(IpAddr::from)
}

/// How curl reaches the server under the URL's host when that host does
/// not lead there by itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// `--resolve NAME:PORT:IP`: the DNS name resolves to where the server
    /// listens (curl still checks the certificate against NAME).
    Resolve {
        /// The URL's DNS name.
        name: String,
        /// The port.
        port: u16,
        /// Where the server listens.
        ip: IpAddr,
    },
    /// `--connect-to HOST:PORT:IP:PORT`: the URL names an address the
    /// server does not listen on (an address subjectAltName); curl connects
    /// to where it listens and checks the certificate against HOST.
    ConnectTo {
        /// The URL's IP address.
        host: IpAddr,
        /// The port.
        port: u16,
        /// Where the server listens.
        ip: IpAddr,
    },
}

impl Route {
    /// The two curl arguments.
    pub fn args(&self) -> [String; 2] {
        match self {
            Route::Resolve { name, port, ip } => [
                "--resolve".into(),
                format!("{name}:{port}:{}", bracketed(*ip)),
            ],
            Route::ConnectTo { host, port, ip } => [
                "--connect-to".into(),
                format!("{}:{port}:{}:{port}", bracketed(*host), bracketed(*ip)),
            ],
        }
    }
}

/// How the server certificate's names fit where the server listens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fit {
    /// It covers the usual name of that address ([`Target::usual`]).
    Covered,
    /// It does not cover the usual name; the URL uses another of its names.
    OtherName,
    /// It has no DNS name nor IP address: curl and browsers refuse it
    /// whatever the URL.
    NoHostName,
}

/// Where a client connects: the URL, and the curl arguments that lead it
/// to the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// `https://HOST:PORT`.
    pub url: String,
    /// The URL's host (an IPv6 address without brackets).
    pub host: String,
    /// What curl needs beyond the URL, if anything.
    pub route: Option<Route>,
    /// The name a person would try first: `localhost` for a server on
    /// 127.0.0.1 or ::1, else the address it listens on.
    pub usual: String,
    /// Whether the certificate covers [`Target::usual`].
    pub fit: Fit,
}

impl Target {
    /// Picks a URL the server certificate covers for a server listening on
    /// `listen` (a wildcard address means this machine's loopback): the
    /// usual name when the certificate covers it, else one of its DNS
    /// names resolved to the server (`--resolve`), else one of its
    /// addresses connected to the server (`--connect-to`).
    pub fn new(names: &[HostName], listen: SocketAddr) -> Target {
        let port = listen.port();
        let ip = match listen.ip() {
            IpAddr::V4(v4) if v4.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(v6) if v6.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
            ip => ip,
        };
        // curl resolves `localhost` to 127.0.0.1 and ::1 by itself.
        let localhost_leads_here =
            ip == IpAddr::V4(Ipv4Addr::LOCALHOST) || ip == IpAddr::V6(Ipv6Addr::LOCALHOST);
        let usual = if localhost_leads_here {
            "localhost".to_owned()
        } else {
            ip.to_string()
        };
        let dns = |name: &HostName| match name {
            HostName::Dns(dns) => Some(dns.to_ascii_lowercase()),
            HostName::Ip(_) => None,
        };
        let covers_localhost = names.iter().filter_map(dns).any(|d| d == "localhost");
        let covers_ip = names.contains(&HostName::Ip(ip));
        let fit = if names.is_empty() {
            Fit::NoHostName
        } else if (localhost_leads_here && covers_localhost) || (!localhost_leads_here && covers_ip)
        {
            Fit::Covered
        } else {
            Fit::OtherName
        };
        let target = |host: String, route: Option<Route>| Target {
            url: url(&host, port),
            host,
            route,
            usual: usual.clone(),
            fit: fit.clone(),
        };
        if localhost_leads_here && covers_localhost {
            return target("localhost".into(), None);
        }
        if covers_ip {
            return target(ip.to_string(), None);
        }
        if let Some(name) = names.iter().find_map(dns) {
            // A wildcard covers exactly one label: pick one.
            let name = match name.strip_prefix("*.") {
                Some(domain) => format!("www.{domain}"),
                None => name,
            };
            let route = Route::Resolve {
                name: name.clone(),
                port,
                ip,
            };
            return target(name, Some(route));
        }
        let listed_ip = names.iter().find_map(|name| match name {
            HostName::Ip(listed) => Some(*listed),
            HostName::Dns(_) => None,
        });
        if let Some(host) = listed_ip {
            let route = Route::ConnectTo { host, port, ip };
            return target(host.to_string(), Some(route));
        }
        target(usual.clone(), None)
    }
}

/// `https://HOST:PORT`, with an IPv6 address in brackets.
fn url(host: &str, port: u16) -> String {
    match host.parse::<IpAddr>() {
        Ok(ip) => format!("https://{}:{port}", bracketed(ip)),
        Err(_) => format!("https://{host}:{port}"),
    }
}

fn bracketed(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => format!("[{v6}]"),
    }
}

/// A `curl` request to a running certplay server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Curl<'a> {
    /// The CA certificate curl trusts (`--cacert`).
    pub cacert: &'a str,
    /// The client's certificate (its chain file when it has one) and key;
    /// `None` for a request without a client certificate.
    pub client: Option<(&'a str, &'a str)>,
    /// Where to connect.
    pub target: &'a Target,
}

impl Curl<'_> {
    /// The arguments, `curl` first.
    pub fn argv(&self) -> Vec<String> {
        let mut argv = vec!["curl".to_owned(), "--cacert".into(), self.cacert.into()];
        if let Some((cert, key)) = self.client {
            argv.extend(["--cert".into(), cert.into(), "--key".into(), key.into()]);
        }
        if let Some(route) = &self.target.route {
            argv.extend(route.args());
        }
        argv.push(self.target.url.clone());
        argv
    }

    /// The command as one line for a POSIX shell.
    pub fn line(&self) -> String {
        shell_line(&self.argv())
    }

    /// The arguments for a client that offers `versions` (`--tlsv1.3`,
    /// `--tls-max 1.2`), before the URL.
    pub fn argv_offering(&self, versions: TlsVersions) -> Vec<String> {
        let mut argv = self.argv();
        let url = argv.pop();
        argv.extend(versions.curl_args().iter().map(|a| (*a).to_owned()));
        argv.extend(url);
        argv
    }
}

/// `openssl s_client` connecting as curl does: the same CA, client
/// files, host name (SNI and the name it checks) and address; it stops at
/// the first verify error (`-verify_return_error`), as curl does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SClient<'a> {
    /// `-CAfile`.
    pub cacert: &'a str,
    /// The client's certificate (its chain file when it has one: sent
    /// whole with `-cert_chain`) and key; `None`: none.
    pub client: Option<(&'a str, &'a str)>,
    /// Where curl would connect.
    pub target: &'a Target,
    /// The address the server listens on.
    pub listen: SocketAddr,
}

impl SClient<'_> {
    /// The arguments, `openssl` first.
    pub fn argv(&self) -> Vec<String> {
        let ip = match self.listen.ip() {
            IpAddr::V4(v4) if v4.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(v6) if v6.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
            ip => ip,
        };
        let mut argv: Vec<String> = vec![
            "openssl".into(),
            "s_client".into(),
            "-connect".into(),
            format!("{}:{}", bracketed(ip), self.listen.port()),
        ];
        match self.target.host.parse::<IpAddr>() {
            Ok(_) => argv.extend(["-verify_ip".into(), self.target.host.clone()]),
            Err(_) => argv.extend([
                "-servername".into(),
                self.target.host.clone(),
                "-verify_hostname".into(),
                self.target.host.clone(),
            ]),
        }
        argv.extend(["-CAfile".into(), self.cacert.into()]);
        if let Some((cert, key)) = self.client {
            argv.extend(["-cert".into(), cert.into()]);
            argv.extend(["-cert_chain".into(), cert.into()]);
            argv.extend(["-key".into(), key.into()]);
        }
        argv.push("-verify_return_error".into());
        argv
    }

    /// The arguments for a client that offers `versions` (`-tls1_3`,
    /// `-tls1_2`).
    pub fn argv_offering(&self, versions: TlsVersions) -> Vec<String> {
        let mut argv = self.argv();
        argv.extend(versions.openssl_args().iter().map(|a| (*a).to_owned()));
        argv
    }

    /// The command as one line for a POSIX shell.
    pub fn line(&self) -> String {
        shell_line(&self.argv())
    }
}

/// `certplay serve` with a set of files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Serve<'a> {
    /// `--ca`: the CA client certificates must chain to.
    pub ca: &'a str,
    /// `--cert`: the server's certificate (its chain file when it has one).
    pub cert: &'a str,
    /// `--key`: the server's key.
    pub key: &'a str,
    /// `--crl` files, if any.
    pub crls: &'a [&'a str],
    /// `--port`.
    pub port: u16,
}

impl Serve<'_> {
    /// The arguments, `certplay` first.
    pub fn argv(&self) -> Vec<String> {
        let mut argv: Vec<String> = [
            "certplay", "serve", "--ca", self.ca, "--cert", self.cert, "--key", self.key,
        ]
        .map(str::to_owned)
        .to_vec();
        for crl in self.crls {
            argv.extend(["--crl".to_owned(), (*crl).to_owned()]);
        }
        argv.extend(["--port".to_owned(), self.port.to_string()]);
        argv
    }

    /// The command as one line for a POSIX shell.
    pub fn line(&self) -> String {
        shell_line(&self.argv())
    }

    /// The arguments, with `--tls13-only` when `tls13_only`.
    pub fn argv_tls13_only(&self, tls13_only: bool) -> Vec<String> {
        let mut argv = self.argv();
        if tls13_only {
            argv.push("--tls13-only".into());
        }
        argv
    }

    /// Where the printed command listens: `certplay serve`'s default
    /// address (loopback) on [`Serve::port`].
    pub fn listens_on(&self) -> SocketAddr {
        SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), self.port)
    }
}

/// `argv` as one line a POSIX shell splits back into the same words.
pub fn shell_line(argv: &[String]) -> String {
    argv.iter()
        .map(|word| shell_word(word))
        .collect::<Vec<_>>()
        .join(" ")
}

/// `word` as one shell word: as it is when every character is one no
/// shell treats specially (brackets are globs in sh and errors in zsh),
/// else in single quotes (a file may be called `my CA's key.pem`).
pub fn shell_word(word: &str) -> String {
    let plain = !word.is_empty()
        && word.bytes().all(|b| {
            b.is_ascii_alphanumeric()
                || matches!(
                    b,
                    b'.' | b'-' | b'_' | b'/' | b'+' | b':' | b'@' | b',' | b'='
                )
        });
    if plain {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(ip: &str, port: u16) -> SocketAddr {
        SocketAddr::new(ip.parse().unwrap(), port)
    }

    fn dns(name: &str) -> HostName {
        HostName::Dns(name.into())
    }

    fn ip(text: &str) -> HostName {
        HostName::Ip(text.parse().unwrap())
    }

    fn curl(names: &[HostName], listen: SocketAddr) -> String {
        let target = Target::new(names, listen);
        Curl {
            cacert: "ca.crt",
            client: Some(("client.crt", "client.key")),
            target: &target,
        }
        .line()
    }

    #[test]
    fn the_blogs_names_on_loopback_need_nothing_more() {
        let blog = [dns("localhost"), ip("127.0.0.1"), ip("::1")];
        let target = Target::new(&blog, at("127.0.0.1", 3000));
        assert_eq!(target.fit, Fit::Covered);
        assert_eq!(
            curl(&blog, at("127.0.0.1", 3000)),
            "curl --cacert ca.crt --cert client.crt --key client.key https://localhost:3000"
        );
        // Listening on every address: curl still reaches it on loopback.
        assert_eq!(
            Target::new(&blog, at("0.0.0.0", 3000)).url,
            "https://localhost:3000"
        );
        assert_eq!(
            Target::new(&blog, at("::1", 3000)).url,
            "https://localhost:3000"
        );
    }

    #[test]
    fn another_loopback_address_is_connected_to_not_localhost() {
        let blog = [dns("localhost"), ip("127.0.0.1"), ip("::1")];
        // `serve --bind 127.0.0.2`: localhost leads to 127.0.0.1.
        let target = Target::new(&blog, at("127.0.0.2", 3000));
        assert_eq!(target.fit, Fit::OtherName);
        assert_eq!(target.usual, "127.0.0.2");
        assert_eq!(
            curl(&blog, at("127.0.0.2", 3000)),
            "curl --cacert ca.crt --cert client.crt --key client.key \
             --resolve localhost:3000:127.0.0.2 https://localhost:3000"
        );
        // A certificate for that address: the address itself.
        let own = [ip("127.0.0.2")];
        assert_eq!(
            curl(&own, at("127.0.0.2", 3000)),
            "curl --cacert ca.crt --cert client.crt --key client.key https://127.0.0.2:3000"
        );
        assert_eq!(Target::new(&own, at("127.0.0.2", 3000)).fit, Fit::Covered);
    }

    #[test]
    fn a_dns_name_is_resolved_to_where_the_server_listens() {
        let target = Target::new(&[dns("API.example.test")], at("127.0.0.1", 3001));
        assert_eq!(target.fit, Fit::OtherName);
        assert_eq!(target.usual, "localhost");
        assert_eq!(
            curl(&[dns("API.example.test")], at("127.0.0.1", 3001)),
            "curl --cacert ca.crt --cert client.crt --key client.key \
             --resolve api.example.test:3001:127.0.0.1 https://api.example.test:3001"
        );
        assert!(curl(&[dns("*.example.test")], at("127.0.0.1", 3001))
            .ends_with(" --resolve www.example.test:3001:127.0.0.1 https://www.example.test:3001"));
        assert!(curl(&[dns("api.test")], at("::1", 3001))
            .ends_with(" --resolve 'api.test:3001:[::1]' https://api.test:3001"));
    }

    #[test]
    fn an_address_it_does_not_listen_on_is_connected_to_where_it_listens() {
        assert!(curl(&[ip("127.0.0.2")], at("127.0.0.1", 3001))
            .ends_with(" --connect-to 127.0.0.2:3001:127.0.0.1:3001 https://127.0.0.2:3001"));
        assert!(curl(&[ip("192.0.2.1")], at("0.0.0.0", 3001))
            .ends_with(" --connect-to 192.0.2.1:3001:127.0.0.1:3001 https://192.0.2.1:3001"));
        assert!(curl(&[ip("::1")], at("127.0.0.1", 3001))
            .ends_with(" --connect-to '[::1]:3001:127.0.0.1:3001' 'https://[::1]:3001'"));
        // The address it listens on comes first when the certificate has it.
        assert!(curl(&[ip("::1")], at("::1", 3001)).ends_with(" 'https://[::1]:3001'"));
        // localhost's addresses are covered as addresses.
        let target = Target::new(&[ip("127.0.0.1")], at("127.0.0.1", 3001));
        assert_eq!(
            (target.url.as_str(), target.fit),
            ("https://127.0.0.1:3001", Fit::OtherName)
        );
    }

    #[test]
    fn no_host_name_is_said() {
        let target = Target::new(&[], at("127.0.0.1", 3000));
        assert_eq!(target.fit, Fit::NoHostName);
        assert_eq!(target.url, "https://localhost:3000");
        assert!(target.route.is_none());
    }

    #[test]
    fn names_come_from_plans_and_certificates_alike() {
        use crate::read::model::Hex;
        let from_plan = HostName::from_sans(&[
            "localhost".parse().unwrap(),
            "10.0.0.5".parse().unwrap(),
            "email:a@example.test".parse().unwrap(),
        ]);
        let from_cert = HostName::from_general_names(&[
            GeneralName::Dns("localhost".into()),
            GeneralName::Ip(Hex(vec![10, 0, 0, 5])),
            GeneralName::Email("a@example.test".into()),
            GeneralName::Ip(Hex(vec![1, 2, 3])),
        ]);
        assert_eq!(from_plan, [dns("localhost"), ip("10.0.0.5")]);
        assert_eq!(from_cert, from_plan);
    }

    #[test]
    fn serve_and_words_are_quoted_for_the_shell() {
        let serve = Serve {
            ca: "pki/ca.crt",
            cert: "pki/server-chain.crt",
            key: "my key.pem",
            crls: &["pki/ca.crl"],
            port: 3001,
        };
        assert_eq!(
            serve.line(),
            "certplay serve --ca pki/ca.crt --cert pki/server-chain.crt --key 'my key.pem' \
             --crl pki/ca.crl --port 3001"
        );
        assert_eq!(shell_word("my CA's key.pem"), "'my CA'\\''s key.pem'");
        assert_eq!(shell_word(""), "''");
        assert_eq!(shell_word("$HOME"), "'$HOME'");
    }
}
