//! IPv4/IPv6 addresses and prefixes in canonical form.
//!
//! An IPv4-mapped IPv6 address (`::ffff:192.0.2.7`) is the IPv4 address it maps, so the
//! same host is never stored under two spellings.

use std::net::{IpAddr, Ipv4Addr};

use ipnet::IpNet;

use super::IdentError;

const NOT_AN_ADDRESS: &str = "is not an IPv4 or IPv6 address";

/// Parses an address (`192.0.2.7`, `2001:db8::1`) or a prefix (`198.51.100.0/29`,
/// `2001:db8:12::/48`). A single address becomes a /32 or /128; the host bits of a prefix
/// must be zero.
pub fn parse_ip(raw: &str) -> Result<IpNet, IdentError> {
    let s = raw.trim();
    let Some((addr, len)) = s.split_once('/') else {
        let addr = parse_ip_addr(s)?;
        return Ok(IpNet::from(addr));
    };
    let addr = parse_addr(addr)?;
    if len.is_empty() || !len.bytes().all(|b| b.is_ascii_digit()) || len.len() > 3 {
        return Err(IdentError::new("the prefix length after / is not a number"));
    }
    let len: u8 = len
        .parse()
        .map_err(|_| IdentError::new("the prefix length after / is not a number"))?;
    let net = match addr {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) if len >= 96 => IpNet::new(IpAddr::V4(v4), len - 96),
            Some(_) => {
                return Err(IdentError::new(
                    "an IPv4-mapped IPv6 prefix must be at least /96",
                ));
            }
            None => IpNet::new(addr, len),
        },
        IpAddr::V4(_) => IpNet::new(addr, len),
    };
    let net = net.map_err(|_| {
        IdentError::new(if addr.is_ipv4() {
            "the prefix length of an IPv4 prefix must be from 0 to 32"
        } else {
            "the prefix length of an IPv6 prefix must be from 0 to 128"
        })
    })?;
    if net.trunc() != net {
        return Err(IdentError::new(
            "host bits are set after the prefix length; they must be zero",
        ));
    }
    Ok(net)
}

/// Parses a single IP address (no prefix), turning an IPv4-mapped IPv6 address into IPv4.
pub fn parse_ip_addr(raw: &str) -> Result<IpAddr, IdentError> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(IdentError::new("is empty"));
    }
    if s.contains('/') {
        return Err(IdentError::new("expected a single address, not a prefix"));
    }
    let addr = parse_addr(s)?;
    Ok(canonical(addr))
}

/// Prints a net canonically; a full-length prefix (/32, /128) as the bare address.
pub fn display_ip(net: &IpNet) -> String {
    if net.prefix_len() == net.max_prefix_len() {
        net.addr().to_string()
    } else {
        net.to_string()
    }
}

fn parse_addr(s: &str) -> Result<IpAddr, IdentError> {
    if s.is_empty() {
        return Err(IdentError::new("is empty"));
    }
    s.parse::<IpAddr>()
        .map_err(|_| IdentError::new(NOT_AN_ADDRESS))
}

fn canonical(addr: IpAddr) -> IpAddr {
    match addr {
        IpAddr::V6(v6) => v6
            .to_ipv4_mapped()
            .map_or(addr, |v4: Ipv4Addr| IpAddr::V4(v4)),
        IpAddr::V4(_) => addr,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(raw: &str) -> Result<String, String> {
        parse_ip(raw)
            .map(|n| display_ip(&n))
            .map_err(|e| e.reason().to_string())
    }

    #[test]
    fn good_ips() {
        let cases = [
            ("192.0.2.7", "192.0.2.7"),
            (" 192.0.2.7 ", "192.0.2.7"),
            ("192.0.2.7/32", "192.0.2.7"),
            ("198.51.100.0/29", "198.51.100.0/29"),
            ("0.0.0.0/0", "0.0.0.0/0"),
            ("2001:db8:12::/48", "2001:db8:12::/48"),
            ("2001:DB8:0:0:0:0:0:1", "2001:db8::1"),
            ("2001:db8::1/128", "2001:db8::1"),
            ("::ffff:192.0.2.7", "192.0.2.7"),
            ("::ffff:c000:207", "192.0.2.7"),
            ("::ffff:198.51.100.0/125", "198.51.100.0/29"),
            ("::1", "::1"),
        ];
        for (raw, want) in cases {
            assert_eq!(norm(raw), Ok(want.to_string()), "{raw:?}");
        }
    }

    #[test]
    fn bad_ips() {
        let cases = [
            ("", "is empty"),
            ("192.0.2", NOT_AN_ADDRESS),
            ("192.0.2.256", NOT_AN_ADDRESS),
            ("192.000.002.007", NOT_AN_ADDRESS),
            ("fe80::1%eth0", NOT_AN_ADDRESS),
            ("host.example", NOT_AN_ADDRESS),
            (
                "198.51.100.1/29",
                "host bits are set after the prefix length; they must be zero",
            ),
            (
                "2001:db8:12::1/48",
                "host bits are set after the prefix length; they must be zero",
            ),
            (
                "198.51.100.0/33",
                "the prefix length of an IPv4 prefix must be from 0 to 32",
            ),
            (
                "2001:db8::/129",
                "the prefix length of an IPv6 prefix must be from 0 to 128",
            ),
            ("198.51.100.0/", "the prefix length after / is not a number"),
            (
                "198.51.100.0/+8",
                "the prefix length after / is not a number",
            ),
            (
                "198.51.100.0/2/9",
                "the prefix length after / is not a number",
            ),
            ("/24", "is empty"),
            (
                "::ffff:0.0.0.0/64",
                "an IPv4-mapped IPv6 prefix must be at least /96",
            ),
        ];
        for (raw, want) in cases {
            assert_eq!(norm(raw), Err(want.to_string()), "{raw:?}");
        }
    }

    #[test]
    fn single_addresses() {
        assert_eq!(
            parse_ip_addr("::ffff:192.0.2.7"),
            Ok("192.0.2.7".parse().unwrap())
        );
        assert_eq!(
            parse_ip_addr("2001:db8::1").map(|a| a.to_string()),
            Ok("2001:db8::1".to_string())
        );
        assert_eq!(
            parse_ip_addr("192.0.2.0/24").unwrap_err().reason(),
            "expected a single address, not a prefix"
        );
        assert_eq!(parse_ip_addr(" ").unwrap_err().reason(), "is empty");
    }
}
