//! The address of the person at the other end of a request: the connection's own address,
//! or, when that connection comes from a trusted reverse proxy (`NATTER_TRUSTED_PROXIES`),
//! the address the proxies name in `X-Forwarded-For`.
//!
//! Only addresses appended by trusted proxies are believed: the chain is read from the right
//! (the hop nearest to us) and the first address that is not a trusted proxy is the client.
//! Anything a client writes into the header itself sits further left and is never reached
//! while a proxy of ours appends behind it.

use std::net::IpAddr;

use actix_web::http::header::HeaderName;
use actix_web::{HttpMessage, HttpRequest, web};
use ipnet::IpNet;

const X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");

/// The trusted proxies, as app data (so request-level code reads them without the settings).
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(pub Vec<IpNet>);

impl TrustedProxies {
    fn trusts(&self, addr: IpAddr) -> bool {
        self.0.iter().any(|net| net.contains(&addr))
    }

    /// The client's address for `req` (`None` only for a request without a peer, as in
    /// actix's test requests).
    pub fn client_ip(&self, req: &HttpRequest) -> Option<IpAddr> {
        let peer = req.peer_addr()?.ip();
        let forwarded = req
            .headers()
            .get_all(X_FORWARDED_FOR)
            .filter_map(|v| v.to_str().ok());
        Some(self.resolve(peer, forwarded))
    }

    /// The client behind `peer`, given the `X-Forwarded-For` header lines in order.
    pub fn resolve<'a>(&self, peer: IpAddr, forwarded: impl Iterator<Item = &'a str>) -> IpAddr {
        if !self.trusts(peer) {
            return peer;
        }
        let hops: Vec<&str> = forwarded.flat_map(|line| line.split(',')).collect();
        let mut client = peer;
        for hop in hops.iter().rev() {
            match parse_hop(hop) {
                Some(addr) => {
                    client = addr;
                    if !self.trusts(addr) {
                        break;
                    }
                }
                // garbage from beyond the last trusted proxy: the client is that proxy's peer,
                // which we cannot name better than the proxy itself
                None => break,
            }
        }
        client
    }
}

/// The client's address of a request, worked out once (the request span and the rate limiter
/// both ask).
#[derive(Debug, Clone, Copy)]
struct ClientIp(Option<IpAddr>);

/// The client's address of `req`: behind the trusted proxies (app data), the one they name,
/// else the connection's own.
pub fn client_ip(req: &HttpRequest) -> Option<IpAddr> {
    if let Some(known) = req.extensions().get::<ClientIp>() {
        return known.0;
    }
    let ip = match req.app_data::<web::Data<TrustedProxies>>() {
        Some(proxies) => proxies.client_ip(req),
        None => req.peer_addr().map(|a| a.ip()),
    };
    req.extensions_mut().insert(ClientIp(ip));
    ip
}

/// One entry of `X-Forwarded-For`: an address, maybe with a port or in brackets.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    if let Ok(addr) = hop.parse::<IpAddr>() {
        return Some(addr);
    }
    if let Ok(sock) = hop.parse::<std::net::SocketAddr>() {
        return Some(sock.ip());
    }
    hop.strip_prefix('[')
        .and_then(|h| h.split_once(']'))
        .and_then(|(ip, _)| ip.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proxies(nets: &[&str]) -> TrustedProxies {
        TrustedProxies(nets.iter().map(|n| n.parse().unwrap()).collect())
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn without_trusted_proxies_the_header_is_ignored() {
        let none = TrustedProxies::default();
        let got = none.resolve(ip("203.0.113.9"), ["198.51.100.1"].into_iter());
        assert_eq!(got, ip("203.0.113.9"));
    }

    #[test]
    fn a_stranger_cannot_claim_an_address() {
        let trusted = proxies(&["10.0.0.0/8"]);
        let got = trusted.resolve(ip("203.0.113.9"), ["198.51.100.1"].into_iter());
        assert_eq!(got, ip("203.0.113.9"));
    }

    #[test]
    fn behind_a_trusted_proxy_the_nearest_untrusted_hop_is_the_client() {
        let trusted = proxies(&["10.0.0.0/8", "127.0.0.1/32"]);
        // the client wrote a fake address; our proxies appended the real one and themselves
        let got = trusted.resolve(
            ip("127.0.0.1"),
            ["1.2.3.4, 198.51.100.7", "10.1.2.3"].into_iter(),
        );
        assert_eq!(got, ip("198.51.100.7"));
    }

    #[test]
    fn ports_brackets_and_ipv6_are_understood() {
        let trusted = proxies(&["::1/128"]);
        assert_eq!(
            trusted.resolve(ip("::1"), ["[2001:db8::5]:4711"].into_iter()),
            ip("2001:db8::5")
        );
        assert_eq!(
            trusted.resolve(ip("::1"), ["192.0.2.1:80"].into_iter()),
            ip("192.0.2.1")
        );
    }

    #[test]
    fn garbage_or_an_all_trusted_chain_stops_at_the_last_known_hop() {
        let trusted = proxies(&["10.0.0.0/8"]);
        assert_eq!(
            trusted.resolve(ip("10.0.0.1"), ["unknown, 10.0.0.2"].into_iter()),
            ip("10.0.0.2")
        );
        assert_eq!(
            trusted.resolve(ip("10.0.0.1"), std::iter::empty()),
            ip("10.0.0.1")
        );
    }
}
