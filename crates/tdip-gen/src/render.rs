//! Rendering a [`Row`] into the 38 CSV fields, all into one reused byte buffer.

use std::io::Write as _;
use std::net::Ipv6Addr;

use crate::COLUMNS;
use crate::Country;
use crate::ctx::{Ctx, MOBILE_CAP};
use crate::names::push_ascii_lower;
use crate::numbers::{luhn_digit, mix64, push_hex, push_ipv4, push_padded, push_time, push_u64};
use crate::places::OUIS;
use crate::row::{RegIp, Row, SUPP, Service, email_domain};

mod people;

const NCOL: usize = COLUMNS.len();
/// First octet of each provider tag's IPv4 /10 (the second half of the tags uses the
/// second quarter of the /8).
const V4_FIRST: [u32; 16] = [
    77, 78, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 90, 91, 92, 94,
];

/// One rendered row: the bytes of all fields and where each ends.
/// One rendered row. Fields are assembled in `buf` and then appended to `record`; fields
/// that are a single static string go to `record` directly.
pub(crate) struct Record {
    buf: Vec<u8>,
    col: usize,
    record: csv::ByteRecord,
}

impl Default for Record {
    fn default() -> Self {
        Record {
            buf: Vec::with_capacity(256),
            col: 0,
            record: csv::ByteRecord::with_capacity(1024, NCOL),
        }
    }
}

impl Record {
    /// The rendered fields, in [`COLUMNS`] order, as a record for
    /// `csv::Writer::write_byte_record` (whose fast path copies a record into the output
    /// buffer without per-byte state-machine work).
    pub(crate) fn byte_record(&self) -> &csv::ByteRecord {
        &self.record
    }

    /// Ends the field assembled in `buf`.
    fn end(&mut self) {
        self.record.push_field(&self.buf);
        self.buf.clear();
        self.col += 1;
    }

    /// A whole field from one string.
    fn field(&mut self, s: &str) {
        debug_assert!(self.buf.is_empty());
        self.record.push_field(s.as_bytes());
        self.col += 1;
    }

    fn s(&mut self, s: &str) {
        self.buf.extend_from_slice(s.as_bytes());
    }

    fn sep(&mut self, first: &mut bool) {
        if !*first {
            self.buf.push(b';');
        }
        *first = false;
    }

    /// Renders subscription `i` with content `r`.
    pub(crate) fn render(&mut self, ctx: &Ctx, i: u64, r: &Row) {
        self.buf.clear();
        self.record.clear();
        self.col = 0;
        let b = &mut self.buf;
        b.extend_from_slice(ctx.cfg.provider.as_bytes());
        b.push(b'-');
        push_padded(b, i + 1, 9);
        self.end();
        self.field(r.service.as_str());
        let mut first = true;
        for (bit, name) in SUPP.iter().enumerate() {
            if r.supp & (1 << bit) != 0 {
                self.sep(&mut first);
                self.s(name);
            }
        }
        self.end();
        self.msisdn(ctx, r);
        self.end();
        self.mobile_ids(ctx, r);
        self.internet_ids(ctx, i, r);
        self.names(ctx, r);
        self.address(ctx, r.billing, r.billing_country_explicit);
        self.address(ctx, r.install, true);
        push_time(&mut self.buf, r.start);
        self.end();
        if let Some(t) = r.end {
            push_time(&mut self.buf, t);
        }
        self.end();
        self.place(ctx, r);
        self.end();
        if let Some((at, lac, ci)) = r.activation {
            push_time(&mut self.buf, at);
            self.end();
            self.s(if ctx.country == Country::Nl {
                "204-"
            } else {
                "206-"
            });
            push_padded(&mut self.buf, u64::from(ctx.mnc), 2);
            self.buf.push(b'-');
            push_u64(&mut self.buf, u64::from(lac));
            self.buf.push(b'-');
            push_u64(&mut self.buf, u64::from(ci));
            self.end();
        } else {
            self.end();
            self.end();
        }
        match r.reg {
            Some((ip, port)) => {
                match ip {
                    RegIp::V4(a) => push_ipv4(&mut self.buf, a),
                    RegIp::V6(a) => {
                        let _ = write!(self.buf, "{}", Ipv6Addr::from(a));
                    }
                }
                self.end();
                push_u64(&mut self.buf, u64::from(port));
                self.end();
            }
            None => {
                self.end();
                self.end();
            }
        }
        self.end(); // registration_ntp
        self.porting(ctx, r);
        self.payment(r);
        // payment_at (format version 2): the generator writes no payment history yet.
        self.end();
        debug_assert_eq!(self.col, NCOL);
    }

    fn msisdn(&mut self, ctx: &Ctx, r: &Row) {
        match r.service {
            Service::Mobile => {
                let n = ctx.slot * MOBILE_CAP + ctx.msisdn_scr.apply(r.rank);
                match ctx.country {
                    Country::Nl => {
                        self.s("+316");
                        push_padded(&mut self.buf, n, 8);
                    }
                    Country::Be => {
                        self.s("+324");
                        push_padded(&mut self.buf, 50_000_000 + n, 8);
                    }
                }
            }
            Service::Fixed | Service::Voip => {
                let (g, sub) = ctx.geo_number(r.rank, r.service == Service::Voip);
                self.s(if ctx.country == Country::Nl {
                    "+31"
                } else {
                    "+32"
                });
                self.s(g.area);
                push_padded(&mut self.buf, sub, g.digits);
            }
            _ => {}
        }
    }

    /// imsi and imei columns.
    fn mobile_ids(&mut self, ctx: &Ctx, r: &Row) {
        if r.service != Service::Mobile {
            self.end();
            self.end();
            return;
        }
        for sim in 0..u64::from(r.sims) {
            if sim > 0 {
                self.buf.push(b';');
            }
            self.s(if ctx.country == Country::Nl {
                "204"
            } else {
                "206"
            });
            push_padded(&mut self.buf, u64::from(ctx.mnc), 2);
            push_padded(&mut self.buf, ctx.slot, 2);
            push_padded(&mut self.buf, ctx.imsi_scr.apply(r.rank * 2 + sim), 8);
        }
        self.end();
        for sim in 0..u64::from(r.sims) {
            if sim > 0 {
                self.buf.push(b';');
            }
            let key = ((u64::from(r.imei_version) * 2 + sim) * 32 + ctx.tag) * 10_000_000 + r.rank;
            let start = self.buf.len();
            self.s(if mix64(key).is_multiple_of(4) {
                "86"
            } else {
                "35"
            });
            push_padded(&mut self.buf, ctx.imei_scr.apply(key), 12);
            let check = luhn_digit(&self.buf[start..]);
            self.buf.push(b'0' + check);
        }
        self.end();
    }

    /// ip, email, user_id and mac columns.
    fn internet_ids(&mut self, ctx: &Ctx, i: u64, r: &Row) {
        if r.service == Service::Internet {
            let idx = ctx.v4_scr.apply(r.rank) as u32;
            let tag = ctx.tag as u32;
            let a = V4_FIRST[(tag % 16) as usize] << 24
                | ((tag / 16) * 64 + idx / (256 * 254)) << 16
                | (idx / 254 % 256) << 8
                | (idx % 254 + 1);
            push_ipv4(&mut self.buf, a);
            let tag32 = 0x2a02_a000u128 + u128::from(ctx.tag) * 0x100;
            let prefix = match r.v6 {
                56 => Some((tag32 << 96 | u128::from(ctx.v6_scr.apply(r.rank)) << 72, 56)),
                48 => {
                    let hi = tag32 + 0x80 + u128::from(r.rank >> 16);
                    Some((hi << 96 | u128::from(r.rank & 0xffff) << 80, 48))
                }
                _ => None,
            };
            if let Some((p, len)) = prefix {
                let _ = write!(self.buf, ";{}/{len}", Ipv6Addr::from(p));
            }
        }
        self.end();
        if let Some(e) = &r.email {
            match &r.org {
                Some(_) => self.s(["info", "admin", "contact", "office"][usize::from(e.style)]),
                None => {
                    let (g, s) = (r.given, r.surname);
                    let b = &mut self.buf;
                    match e.style {
                        0 | 2 => {
                            if e.style == 0 {
                                push_ascii_lower(b, g);
                            } else {
                                let start = b.len();
                                push_ascii_lower(b, g);
                                b.truncate(start + 1);
                            }
                            b.push(b'.');
                            push_ascii_lower(b, s);
                        }
                        1 => {
                            push_ascii_lower(b, g);
                            push_ascii_lower(b, s);
                        }
                        _ => {
                            push_ascii_lower(b, s);
                            b.push(b'.');
                            push_ascii_lower(b, g);
                        }
                    }
                }
            }
            push_u64(&mut self.buf, i * 32 + ctx.tag);
            self.buf.push(b'@');
            self.s(email_domain(ctx.country, e));
        }
        self.end();
        let letter = match r.service {
            Service::Internet => Some(("i", 0)),
            Service::Email => Some(("e", 1)),
            Service::Voip => Some(("v", 2)),
            _ => None,
        };
        if let Some((l, svc)) = letter {
            self.s(l);
            push_padded(&mut self.buf, ctx.user_scr.apply(r.rank * 3 + svc), 8);
            self.buf.push(b'@');
            self.buf.extend_from_slice(ctx.cfg.provider.as_bytes());
        }
        self.end();
        if r.service == Service::Internet {
            let s = ctx.mac_scr.apply(ctx.tag << 22 | r.rank);
            let mac = u64::from(OUIS[(s >> 24) as usize]) << 24 | (s & 0xff_ffff);
            let start = self.buf.len();
            match r.mac_style {
                2 => {
                    for g in 0..3 {
                        if g > 0 {
                            self.buf.push(b'.');
                        }
                        push_hex(&mut self.buf, mac >> (32 - 16 * g) & 0xffff, 4);
                    }
                }
                style => {
                    for o in 0..6 {
                        if o > 0 {
                            self.buf.push(if style == 1 { b'-' } else { b':' });
                        }
                        push_hex(&mut self.buf, mac >> (40 - 8 * o) & 0xff, 2);
                    }
                    if style == 1 {
                        self.buf[start..].make_ascii_uppercase();
                    }
                }
            }
        }
        self.end();
    }
}
