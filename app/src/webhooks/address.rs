//! No server-side request forgery: a webhook may only be sent to an address on the
//! public internet. An endpoint's URL is checked when it is saved and its name resolved
//! again at every delivery (DNS can change), and every address it resolves to must be
//! public: never loopback, private, link-local (the clouds' metadata service at
//! 169.254.169.254 among them), carrier-grade NAT, unspecified, multicast, broadcast,
//! documentation or benchmarking ranges, nor an IPv6 form of one of those.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use url::{Host, Url};

/// Whether a webhook may never be sent to `ip`.
pub fn forbidden(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => forbidden_v4(v4),
        IpAddr::V6(v6) => forbidden_v6(v6),
    }
}

fn forbidden_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_multicast()
        || ip.is_broadcast()
        || ip.is_documentation()
        || a == 0 // "this network"
        || (a == 100 && (64..128).contains(&b)) // carrier-grade NAT
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 198 && (18..20).contains(&b)) // benchmarking
        || a >= 240 // reserved
}

fn forbidden_v6(ip: Ipv6Addr) -> bool {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return forbidden_v4(v4);
    }
    let first = ip.segments()[0];
    ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        || (first & 0xfe00) == 0xfc00 // unique local
        || (first & 0xffc0) == 0xfe80 // link-local
        || (first & 0xffc0) == 0xfec0 // site-local (deprecated)
        || first == 0x2001 && ip.segments()[1] == 0x0db8 // documentation
        || first == 0x0064 && ip.segments()[1] == 0xff9b // NAT64, which reaches IPv4 anywhere
        || first == 0x2002 // 6to4, likewise
        || (ip.segments()[..6] == [0, 0, 0, 0, 0, 0]) // IPv4-compatible
}

/// Reads a webhook endpoint's URL: absolute, `https` (or `http` when private addresses
/// are allowed, for tests), no user info, at most 2,000 characters.
pub fn parse(text: &str, allow_private: bool) -> Result<Url, String> {
    let text = text.trim();
    if text.len() > 2_000 {
        return Err("The URL is too long (at most 2,000 characters).".into());
    }
    let url = Url::parse(text).map_err(|error| format!("{text:?} is not a URL: {error}."))?;
    match url.scheme() {
        "https" => {}
        "http" if allow_private => {}
        _ => return Err("The URL must start with https://.".into()),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("Put no user name or password in the URL: every call is signed.".into());
    }
    if url.host().is_none() {
        return Err("The URL names no host.".into());
    }
    Ok(url)
}

/// The addresses `url`'s host stands for, each checked: an error naming the host when
/// any is not public (a name that resolves to a private address among public ones is
/// refused too), or when the name does not resolve.
pub async fn resolve(url: &Url, allow_private: bool) -> Result<Vec<std::net::SocketAddr>, String> {
    let port = url.port_or_known_default().unwrap_or(443);
    let addrs: Vec<std::net::SocketAddr> = match url.host() {
        Some(Host::Ipv4(ip)) => vec![(IpAddr::V4(ip), port).into()],
        Some(Host::Ipv6(ip)) => vec![(IpAddr::V6(ip), port).into()],
        Some(Host::Domain(name)) => tokio::net::lookup_host((name, port))
            .await
            .map_err(|error| format!("{name} does not resolve: {error}."))?
            .collect(),
        None => return Err("The URL names no host.".into()),
    };
    let host = url.host_str().unwrap_or_default();
    if addrs.is_empty() {
        return Err(format!("{host} resolves to no address."));
    }
    if !allow_private && addrs.iter().any(|addr| forbidden(addr.ip())) {
        return Err(format!(
            "{host} leads to a private or reserved address; webhooks go only to the public \
             internet."
        ));
    }
    Ok(addrs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_public_addresses_are_allowed() {
        for ip in [
            "127.0.0.1",
            "127.1.2.3",
            "10.0.0.1",
            "172.16.5.4",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "0.1.2.3",
            "224.0.0.1",
            "255.255.255.255",
            "192.0.2.1",
            "198.18.0.1",
            "240.0.0.1",
            "::1",
            "::",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "::127.0.0.1",
            "64:ff9b::7f00:1",
            "2002:7f00:1::",
            "2001:db8::1",
            "ff02::1",
            "fec0::1",
        ] {
            assert!(forbidden(ip.parse().unwrap()), "{ip} must be refused");
        }
        for ip in ["8.8.8.8", "1.1.1.1", "93.184.216.34", "2606:4700:4700::1111", "2a00:1450::1"] {
            assert!(!forbidden(ip.parse().unwrap()), "{ip} is public");
        }
    }

    #[test]
    fn a_url_must_be_https_without_credentials() {
        assert!(parse("https://hooks.example.com/apilogs", false).is_ok());
        for bad in [
            "http://hooks.example.com/x",
            "ftp://hooks.example.com/x",
            "https://user:pass@hooks.example.com/x",
            "hooks.example.com/x",
            "https://",
            &format!("https://hooks.example.com/{}", "a".repeat(2_000)),
        ] {
            assert!(parse(bad, false).is_err(), "{bad} must be refused");
        }
        assert!(parse("http://127.0.0.1:9000/x", true).is_ok(), "tests may use http");
    }
}
