//! Where webhooks may go: an `http` or `https` URL without credentials whose
//! host resolves only to public addresses (loopback, private, link-local,
//! shared and other special ranges are refused unless allowed). An IPv6
//! address that carries an IPv4 one (mapped, compatible, translated, NAT64,
//! 6to4) is judged as the IPv4 it carries. Every delivery checks again and
//! connects to the addresses checked, so a name that changes its answer
//! after the check cannot redirect a delivery inward. A malformed URL is
//! refused before any name is looked up.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, ToSocketAddrs};

use url::Url;

/// A checked destination.
#[derive(Debug, Clone)]
pub struct Target {
    pub url: Url,
    /// The host name as written (for TLS and the `Host` header).
    pub host: String,
    /// What the host resolved to.
    pub addrs: Vec<SocketAddr>,
}

/// The longest URL accepted.
pub const MAX_URL_CHARS: usize = 2000;

/// Checks `raw` and resolves its host (blocking: DNS); the error says which
/// rule it breaks.
pub fn check(raw: &str, allow_private: bool) -> Result<Target, String> {
    if raw.chars().count() > MAX_URL_CHARS {
        return Err(format!("at most {MAX_URL_CHARS} characters"));
    }
    // `http:///x` and `http:\\x` parse (the URL standard forgives them) with
    // a host the text never names: refuse them before looking anything up.
    let authority = raw
        .split_once("://")
        .map(|(_, rest)| rest.split(['/', '?', '#']).next().unwrap_or_default())
        .unwrap_or_default();
    if authority.is_empty() || raw.contains('\\') {
        return Err("not a URL: it must be http(s)://host/path".to_owned());
    }
    let url = Url::parse(raw).map_err(|e| format!("not a URL ({e})"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err("the scheme must be http or https".to_owned());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("must not carry a user name or password".to_owned());
    }
    let host = url
        .host_str()
        .ok_or_else(|| "must name a host".to_owned())?
        .to_owned();
    let port = url
        .port_or_known_default()
        .ok_or_else(|| "must name a port".to_owned())?;
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let addrs: Vec<SocketAddr> = (bare, port)
        .to_socket_addrs()
        .map_err(|_| format!("the host {host} cannot be resolved"))?
        .collect();
    if addrs.is_empty() {
        return Err(format!("the host {host} cannot be resolved"));
    }
    if !allow_private {
        if let Some(inner) = addrs.iter().find(|a| !is_public(a.ip())) {
            return Err(format!(
                "{host} is {}, a loopback or private address; webhooks go to public addresses \
                 (WEBHOOK_ALLOW_PRIVATE=true allows others)",
                inner.ip()
            ));
        }
    }
    Ok(Target { url, host, addrs })
}

/// Whether an address is reachable on the public internet.
fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => match carried_v4(v6) {
            Some(v4) => is_public_v4(v4),
            None => is_public_v6(v6),
        },
    }
}

/// The IPv4 address an IPv6 one carries: IPv4-mapped `::ffff:a.b.c.d`,
/// IPv4-compatible `::a.b.c.d`, IPv4-translated `::ffff:0:a.b.c.d`, NAT64
/// `64:ff9b::a.b.c.d` and 6to4 `2002:aabb:ccdd::`; traffic to them ends at
/// that IPv4 address.
fn carried_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = ip.segments();
    let low = Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
    match s {
        [0, 0, 0, 0, 0, 0xffff, _, _] | [0, 0, 0, 0, 0xffff, 0, _, _] => Some(low),
        // `::` and `::1` are IPv6's own, judged below.
        [0, 0, 0, 0, 0, 0, _, _] if !(ip.is_unspecified() || ip.is_loopback()) => Some(low),
        [0x64, 0xff9b, 0, 0, 0, 0, _, _] => Some(low),
        [0x2002, a, b, ..] => Some(Ipv4Addr::new(
            (a >> 8) as u8,
            a as u8,
            (b >> 8) as u8,
            b as u8,
        )),
        _ => None,
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        // Shared address space (carrier-grade NAT), 100.64.0.0/10.
        || (a == 100 && (64..128).contains(&b))
        // Benchmarking, 198.18.0.0/15, and reserved, 240.0.0.0/4.
        || (a == 198 && (b == 18 || b == 19))
        || a >= 240)
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let [first, second, ..] = ip.segments();
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        // Unique local, fc00::/7, and link-local, fe80::/10.
        || (first & 0xfe00) == 0xfc00
        || (first & 0xffc0) == 0xfe80
        // Documentation, 2001:db8::/32, and 3fff::/20.
        || (first == 0x2001 && second == 0x0db8)
        || (first == 0x3fff && second < 0x1000)
        // IETF protocol assignments, 2001::/23, Teredo (2001::/32) among them:
        // a Teredo address hides its IPv4 end.
        || (first == 0x2001 && second < 0x0200)
        // Local-use NAT64, 64:ff9b:1::/48, and discard-only, 100::/64.
        || (first == 0x64 && second == 0xff9b)
        || (first == 0x100 && ip.segments()[1..4] == [0, 0, 0]))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn refuses_inner_addresses_unless_allowed() {
        for url in [
            "http://127.0.0.1:9000/hook",
            "http://localhost/hook",
            "http://10.1.2.3/",
            "http://172.16.0.1/",
            "http://192.168.1.1/",
            "http://169.254.169.254/latest/meta-data",
            "http://100.64.0.1/",
            "http://[::1]/",
            "http://[fd00::1]/",
            "http://[fe80::1]/",
            "http://[::ffff:127.0.0.1]/",
            "http://0.0.0.0/",
            // IPv4 carried in IPv6: NAT64, 6to4, translated, compatible.
            "http://[64:ff9b::7f00:1]/",
            "http://[64:ff9b::a00:1]/",
            "http://[2002:7f00:1::]/",
            "http://[2002:c0a8:101::1]/",
            "http://[::ffff:0:7f00:1]/",
            "http://[::127.0.0.1]/",
            "http://[::a9fe:a9fe]/",
            "http://[64:ff9b:1::1]/",
            "http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/",
        ] {
            let refused = check(url, false);
            assert!(refused.is_err(), "{url} was accepted");
        }
        assert!(check("http://127.0.0.1:9000/hook", true).is_ok());
        assert!(check("https://93.184.216.34/hook", false).is_ok());
        // The same forms carrying a public IPv4 address are public.
        for url in [
            "https://[64:ff9b::5db8:d822]/hook",
            "https://[2002:5db8:d822::1]/hook",
            "https://[2606:4700::1111]/hook",
        ] {
            assert!(check(url, false).is_ok(), "{url} was refused");
        }
    }

    #[test]
    fn refuses_other_schemes_and_credentials() {
        for url in [
            "ftp://93.184.216.34/",
            "file:///etc/passwd",
            "https://user:pw@93.184.216.34/",
            "not a url",
        ] {
            assert!(check(url, true).is_err(), "{url} was accepted");
        }
        // Malformed: refused as such, before any name is looked up (a name
        // that cannot be resolved would say "cannot be resolved").
        for url in [
            "http:///x",
            "http:////x/y",
            "https:x",
            "http:\\\\x/",
            "http://",
        ] {
            let refused = check(url, true).unwrap_err();
            assert!(refused.starts_with("not a URL"), "{url}: {refused}");
        }
    }
}
