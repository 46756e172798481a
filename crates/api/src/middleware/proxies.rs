//! The client's address behind reverse proxies, for the rate limit of
//! anonymous requests.
//!
//! `Forwarded` (RFC 7239) and `X-Forwarded-For` are written by whoever sent
//! the request, so they are believed only from the peers listed in
//! `SCT_TRUSTED_PROXIES`, and only the one header those proxies are said to
//! set (`SCT_TRUSTED_PROXY_HEADER`, `x-forwarded-for` by default: a header of
//! the other kind passes through from the client unchecked). The client is
//! the rightmost address of the chain that is not a trusted proxy: a client
//! may prepend whatever it likes, but not what its proxy appends.

use actix_web::http::header::HeaderMap;
use std::net::IpAddr;

/// One network in CIDR notation (`10.0.0.0/8`, `2001:db8::/32`, or a bare
/// address for a single host).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    network: IpAddr,
    prefix: u8,
}

impl Cidr {
    /// Parses `address[/prefix]`.
    ///
    /// # Errors
    /// A message naming what is wrong.
    pub fn parse(s: &str) -> Result<Self, String> {
        let s = s.trim();
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let network: IpAddr = addr
            .parse()
            .map_err(|_| format!("{s}: not an IP address or CIDR"))?;
        let max = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("{s}: the prefix length must be 0 to {max}"))?,
            None => max,
        };
        Ok(Self { network, prefix })
    }

    /// Whether `ip` is in this network (an IPv4-mapped IPv6 address counts
    /// as its IPv4 address).
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 @ IpAddr::V4(_) => v4,
        };
        let (net, addr, bits) = match (self.network, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                (u128::from(u32::from(n)), u128::from(u32::from(a)), 32u32)
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => (u128::from(n), u128::from(a), 128u32),
            _ => return false,
        };
        let host_bits = bits - u32::from(self.prefix);
        let mask = u128::MAX.checked_shl(host_bits).unwrap_or(0);
        net & mask == addr & mask
    }
}

/// Which header the trusted proxies set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ProxyHeader {
    /// `X-Forwarded-For: client, proxy1, ...`.
    #[default]
    XForwardedFor,
    /// RFC 7239 `Forwarded: for=client, for=proxy1`.
    Forwarded,
}

/// The proxies whose forwarding header is believed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies {
    networks: Vec<Cidr>,
    header: ProxyHeader,
}

impl TrustedProxies {
    /// Parses a comma-separated list of CIDRs (empty: trust no proxy) and
    /// the header name (`x-forwarded-for` or `forwarded`; empty: the first).
    ///
    /// # Errors
    /// A message naming the entry that is wrong.
    pub fn parse(list: &str, header: &str) -> Result<Self, String> {
        let networks = list
            .split(',')
            .filter(|s| !s.trim().is_empty())
            .map(Cidr::parse)
            .collect::<Result<Vec<_>, _>>()?;
        let header = match header.trim().to_ascii_lowercase().as_str() {
            "" | "x-forwarded-for" => ProxyHeader::XForwardedFor,
            "forwarded" => ProxyHeader::Forwarded,
            other => return Err(format!("{other}: use x-forwarded-for or forwarded")),
        };
        Ok(Self { networks, header })
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        self.networks.iter().any(|n| n.contains(ip))
    }

    /// The client's address: the peer itself unless it is a trusted proxy;
    /// else the rightmost address of the forwarding chain that is not a
    /// trusted proxy (if the chain runs out or names an unknown or
    /// obfuscated node, the last address known).
    pub fn client_address(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        if !self.trusts(peer) {
            return peer;
        }
        let chain = match self.header {
            ProxyHeader::XForwardedFor => x_forwarded_for(headers),
            ProxyHeader::Forwarded => forwarded(headers),
        };
        let mut client = peer;
        for hop in chain.iter().rev() {
            let Some(ip) = *hop else {
                return client;
            };
            client = ip;
            if !self.trusts(ip) {
                return ip;
            }
        }
        client
    }
}

/// Every value of a header, in order, as one comma-separated list.
fn joined(headers: &HeaderMap, name: &str) -> Vec<String> {
    headers
        .get_all(name)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|s| s.trim().to_owned())
        .collect()
}

/// An address as a forwarding header writes it: `1.2.3.4`, `1.2.3.4:80`,
/// `2001:db8::1`, `[2001:db8::1]:80`, quoted or not. `None` for `unknown`,
/// obfuscated identifiers and anything else.
fn node(s: &str) -> Option<IpAddr> {
    let s = s.trim().trim_matches('"');
    if let Some(rest) = s.strip_prefix('[') {
        return rest.split_once(']')?.0.parse().ok();
    }
    if let Ok(ip) = s.parse() {
        return Some(ip);
    }
    let (host, port) = s.rsplit_once(':')?;
    port.parse::<u16>().ok()?;
    host.parse::<std::net::Ipv4Addr>().ok().map(IpAddr::V4)
}

fn x_forwarded_for(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    joined(headers, "x-forwarded-for")
        .iter()
        .map(|s| node(s))
        .collect()
}

fn forwarded(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    joined(headers, "forwarded")
        .iter()
        .map(|element| {
            element.split(';').find_map(|pair| {
                let (k, v) = pair.split_once('=')?;
                k.trim().eq_ignore_ascii_case("for").then(|| node(v))?
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::{HeaderName, HeaderValue};

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(HeaderName::from_static(k), HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn cidrs_parse_and_contain() {
        let ten = Cidr::parse("10.0.0.0/8").expect("cidr");
        assert!(ten.contains(ip("10.255.1.2")));
        assert!(!ten.contains(ip("11.0.0.1")));
        assert!(ten.contains(ip("::ffff:10.1.1.1")));
        assert!(!ten.contains(ip("2001:db8::1")));
        let host = Cidr::parse("192.0.2.7").expect("host");
        assert!(host.contains(ip("192.0.2.7")) && !host.contains(ip("192.0.2.8")));
        let v6 = Cidr::parse("2001:db8::/32").expect("v6");
        assert!(v6.contains(ip("2001:db8:ffff::1")) && !v6.contains(ip("2001:db9::1")));
        assert!(Cidr::parse("0.0.0.0/0")
            .expect("all")
            .contains(ip("8.8.8.8")));
        for bad in ["10.0.0.0/33", "::/129", "ten", "10.0.0.0/x", ""] {
            assert!(Cidr::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn headers_are_believed_only_from_trusted_peers_and_the_rightmost_untrusted_counts() {
        let t = TrustedProxies::parse("10.0.0.0/8, 127.0.0.1", "").expect("list");
        let xff = headers(&[("x-forwarded-for", "198.51.100.7, 203.0.113.1, 10.1.2.3")]);
        assert_eq!(t.client_address(ip("127.0.0.1"), &xff), ip("203.0.113.1"));
        // From an untrusted peer nothing is believed.
        assert_eq!(t.client_address(ip("192.0.2.9"), &xff), ip("192.0.2.9"));
        // Several header lines form one list, in order.
        let lines = headers(&[
            ("x-forwarded-for", "198.51.100.7"),
            ("x-forwarded-for", "203.0.113.5:4711"),
        ]);
        assert_eq!(t.client_address(ip("10.0.0.1"), &lines), ip("203.0.113.5"));
        // Only proxies in the chain: the leftmost; none: the peer.
        let proxies = headers(&[("x-forwarded-for", "10.9.9.9, 10.1.1.1")]);
        assert_eq!(t.client_address(ip("10.0.0.1"), &proxies), ip("10.9.9.9"));
        assert_eq!(
            t.client_address(ip("10.0.0.1"), &HeaderMap::new()),
            ip("10.0.0.1")
        );
        // An unparsable hop ends the walk at the last address known.
        let junk = headers(&[("x-forwarded-for", "203.0.113.1, garbage, 10.1.1.1")]);
        assert_eq!(t.client_address(ip("10.0.0.1"), &junk), ip("10.1.1.1"));
        // The other header is not believed.
        let fwd = headers(&[("forwarded", "for=203.0.113.9")]);
        assert_eq!(t.client_address(ip("10.0.0.1"), &fwd), ip("10.0.0.1"));
        // Nobody trusted: the peer, always.
        let none = TrustedProxies::default();
        assert_eq!(none.client_address(ip("127.0.0.1"), &xff), ip("127.0.0.1"));
    }

    #[test]
    fn rfc7239_forwarded_is_read_when_configured() {
        let t = TrustedProxies::parse("127.0.0.1/32", "Forwarded").expect("list");
        let h = headers(&[(
            "forwarded",
            "for=192.0.2.60;proto=http;by=203.0.113.43, For=\"[2001:db8:cafe::17]:4711\"",
        )]);
        assert_eq!(
            t.client_address(ip("127.0.0.1"), &h),
            ip("2001:db8:cafe::17")
        );
        let hidden = headers(&[("forwarded", "for=_hidden, for=unknown")]);
        assert_eq!(t.client_address(ip("127.0.0.1"), &hidden), ip("127.0.0.1"));
        let xff = headers(&[("x-forwarded-for", "203.0.113.1")]);
        assert_eq!(t.client_address(ip("127.0.0.1"), &xff), ip("127.0.0.1"));
        assert!(TrustedProxies::parse("", "x-real-ip").is_err());
        assert!(TrustedProxies::parse("10.0.0.0/8,nope", "").is_err());
    }
}
