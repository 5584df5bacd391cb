//! Who the client is: the address that connected, or, when that is one of the proxies
//! named by `--trusted-proxy`, the address those proxies say they forwarded for. A
//! client cannot name an address of its choosing: `X-Forwarded-For` is read only from
//! trusted proxies, from the right, up to the first address that is not one.

use std::{
    net::{IpAddr, SocketAddr},
    str::FromStr,
    sync::Arc,
};

use axum::{
    extract::{ConnectInfo, Request, State},
    http::HeaderMap,
    middleware::Next,
    response::Response,
};

/// The client's address, for every request (sign-in throttling, recorded calls, share
/// links' openings).
pub use app::state::ClientAddress;

/// An address or a network, `203.0.113.7` or `10.0.0.0/8`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Network {
    address: IpAddr,
    prefix: u8,
}

impl Network {
    fn contains(&self, address: IpAddr) -> bool {
        let bits = |address: IpAddr| match address {
            IpAddr::V4(v4) => (u128::from(u32::from(v4)), 32),
            IpAddr::V6(v6) => (u128::from(v6), 128),
        };
        let ((net, width), (ip, other)) = (bits(self.address), bits(address.to_canonical()));
        if width != other {
            return false;
        }
        let shift = width - u32::from(self.prefix);
        shift >= width || (net >> shift) == (ip >> shift)
    }
}

impl FromStr for Network {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let invalid = || format!("{text:?} is not an address or a network such as 10.0.0.0/8");
        let (address, prefix) = text.trim().split_once('/').unwrap_or((text.trim(), ""));
        let address: IpAddr = address.parse().map_err(|_| invalid())?;
        let width = if address.is_ipv4() { 32 } else { 128 };
        let prefix =
            if prefix.is_empty() { width } else { prefix.parse().map_err(|_| invalid())? };
        if prefix > width {
            return Err(invalid());
        }
        Ok(Network { address, prefix })
    }
}

/// The proxies whose `X-Forwarded-For` is believed.
#[derive(Clone, Debug, Default)]
pub struct TrustedProxies(pub Vec<Network>);

impl TrustedProxies {
    fn trusts(&self, address: IpAddr) -> bool {
        self.0.iter().any(|network| network.contains(address))
    }

    /// The client behind `peer`, the address that connected.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let forwarded = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .map(str::trim)
            .collect::<Vec<_>>();
        let mut client = peer;
        for hop in forwarded.iter().rev() {
            if !self.trusts(client) {
                break;
            }
            match hop.parse() {
                Ok(address) => client = address,
                // A hop a proxy wrote wrong: the proxy itself is the last sure address.
                Err(_) => break,
            }
        }
        client
    }
}

/// Puts the [`ClientAddress`] in every request's extensions.
pub async fn client_address(
    State(proxies): State<Arc<TrustedProxies>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    mut request: Request,
    next: Next,
) -> Response {
    let client = proxies.client(peer.ip(), request.headers());
    request.extensions_mut().insert(ClientAddress(client));
    // And on the answer, for the access log written around it.
    let mut response = next.run(request).await;
    response.extensions_mut().insert(ClientAddress(client));
    response
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn forwarded(values: &[&'static str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append("x-forwarded-for", HeaderValue::from_static(value));
        }
        headers
    }

    #[test]
    fn only_trusted_proxies_name_the_client() {
        let proxies =
            TrustedProxies(vec!["10.0.0.0/8".parse().unwrap(), "192.0.2.1".parse().unwrap()]);
        let ip = |text: &str| text.parse::<IpAddr>().unwrap();
        let cases = [
            // Straight from the client: what it claims is ignored.
            ("198.51.100.7", vec!["203.0.113.9"], "198.51.100.7"),
            // Through one trusted proxy.
            ("10.1.2.3", vec!["203.0.113.9"], "203.0.113.9"),
            // Through two; the client's own claim to the left is not believed.
            ("192.0.2.1", vec!["6.6.6.6, 203.0.113.9, 10.9.9.9"], "203.0.113.9"),
            ("192.0.2.1", vec!["6.6.6.6", "203.0.113.9", "10.9.9.9"], "203.0.113.9"),
            // A trusted proxy that forwarded nothing, or something unreadable.
            ("10.1.2.3", vec![], "10.1.2.3"),
            ("10.1.2.3", vec!["not an address"], "10.1.2.3"),
            ("10.1.2.3", vec!["::ffff:203.0.113.9"], "::ffff:203.0.113.9"),
        ];
        for (peer, header, client) in cases {
            assert_eq!(
                proxies.client(ip(peer), &forwarded(&header)),
                ip(client),
                "{peer} {header:?}"
            );
        }
        assert_eq!(
            TrustedProxies::default().client(ip("10.1.2.3"), &forwarded(&["1.2.3.4"])),
            ip("10.1.2.3")
        );
    }

    #[test]
    fn networks_are_read_and_matched() {
        let net: Network = "10.0.0.0/8".parse().unwrap();
        assert!(net.contains("10.255.0.1".parse().unwrap()));
        assert!(net.contains("::ffff:10.0.0.1".parse().unwrap()));
        assert!(!net.contains("11.0.0.1".parse().unwrap()));
        assert!(!net.contains("::1".parse().unwrap()));
        let v6: Network = "2001:db8::/32".parse().unwrap();
        assert!(v6.contains("2001:db8:1::5".parse().unwrap()));
        assert!("0.0.0.0/0".parse::<Network>().unwrap().contains("8.8.8.8".parse().unwrap()));
        for bad in ["10.0.0.0/33", "nope", "10.0.0.0/x", "::/129"] {
            assert!(bad.parse::<Network>().is_err(), "{bad}");
        }
    }
}
