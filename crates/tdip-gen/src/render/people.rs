//! Rendering of the people-and-money columns: names, addresses, registration place,
//! porting and payment.

use super::Record;
use crate::Country;
use crate::ctx::Ctx;
use crate::names::{BE_ORGS, NL_ORGS};
use crate::numbers::{be_national_check, iban_check, push_padded, push_time, push_u64};
use crate::places::{BE_SHOPS, NL_BANKS, NL_SHOPS};
use crate::row::{Address, Means, Method, Place, Row};

impl Record {
    /// surname, organisation and given_names columns.
    pub(super) fn names(&mut self, ctx: &Ctx, r: &Row) {
        match &r.org {
            Some(o) => {
                self.end();
                let patterns = if ctx.country == Country::Nl {
                    NL_ORGS
                } else {
                    BE_ORGS
                };
                let mut rest = patterns[usize::from(o.pattern)];
                while let Some(pos) = rest.find('{') {
                    self.s(&rest[..pos]);
                    self.s(match &rest[pos + 1..pos + 2] {
                        "S" => o.s,
                        "T" => o.t,
                        _ => o.city,
                    });
                    rest = &rest[pos + 3..];
                }
                self.s(rest);
                self.end();
                self.end();
            }
            None => {
                self.field(r.surname);
                self.end();
                self.s(r.given);
                if !r.given2.is_empty() {
                    self.buf.push(b' ');
                    self.s(r.given2);
                }
                self.end();
            }
        }
    }

    /// The six columns of an address.
    pub(super) fn address(&mut self, ctx: &Ctx, a: Option<Address>, explicit_country: bool) {
        let Some(a) = a else {
            for _ in 0..6 {
                self.end();
            }
            return;
        };
        self.field(a.street);
        push_u64(&mut self.buf, u64::from(a.number));
        self.end();
        self.field(a.addition);
        push_padded(&mut self.buf, u64::from(a.pc), 4);
        if a.country == Country::Nl {
            self.buf.push(b' ');
            self.buf.extend_from_slice(&a.pc_letters);
        }
        self.end();
        self.field(a.city);
        if explicit_country || a.country != ctx.country {
            self.s(a.country.code());
        }
        self.end();
    }

    pub(super) fn place(&mut self, ctx: &Ctx, r: &Row) {
        match r.place {
            Place::None => {}
            Place::Online => self.s("online"),
            Place::Shop {
                chain,
                city,
                street,
            } => {
                let (shops, own) = match ctx.country {
                    Country::Nl => (NL_SHOPS, " winkel "),
                    Country::Be => (BE_SHOPS, " Shop "),
                };
                match shops[usize::from(chain)] {
                    "" => {
                        self.s(ctx.own_name);
                        self.s(own);
                    }
                    chain => {
                        self.s(chain);
                        self.buf.push(b' ');
                    }
                }
                self.s(city);
                if !street.is_empty() {
                    self.s(", ");
                    self.s(street);
                }
            }
        }
    }

    pub(super) fn porting(&mut self, ctx: &Ctx, r: &Row) {
        let (from, to, at) = match (r.port_out, r.port_in) {
            (Some((to, at, _)), _) => (ctx.own_name, to, at),
            (None, Some((from, at))) => (from, ctx.own_name, at),
            (None, None) => {
                for _ in 0..3 {
                    self.end();
                }
                return;
            }
        };
        self.field(from);
        self.field(to);
        push_time(&mut self.buf, at);
        self.end();
    }

    pub(super) fn payment(&mut self, r: &Row) {
        if let Some(m) = r.method {
            self.s(match m {
                Method::Transfer => "transfer",
                Method::DirectDebit => "direct_debit",
                Method::Card => "card",
                Method::Cash => "cash",
                Method::TopUp => "top_up",
            });
        }
        self.end();
        match r.means {
            Means::None => {}
            Means::Card(last4) => {
                self.s("**** **** **** ");
                push_padded(&mut self.buf, u64::from(last4), 4);
            }
            Means::IbanNl { bank, account } => {
                let mut bban = [0u8; 14];
                bban[..4].copy_from_slice(NL_BANKS[usize::from(bank)]);
                fill_digits(&mut bban[4..], account);
                self.s("NL");
                push_padded(&mut self.buf, u64::from(iban_check(b"NL", &bban)), 2);
                self.buf.extend_from_slice(&bban);
            }
            Means::IbanBe { bank, account } => {
                let n10 = u64::from(bank) * 10_000_000 + u64::from(account);
                let mut bban = [0u8; 12];
                fill_digits(&mut bban[..10], n10);
                fill_digits(&mut bban[10..], be_national_check(n10));
                self.s("BE");
                push_padded(&mut self.buf, u64::from(iban_check(b"BE", &bban)), 2);
                self.buf.extend_from_slice(&bban);
            }
        }
        self.end();
    }
}

/// Writes `n` zero-padded into all of `out`.
fn fill_digits(out: &mut [u8], mut n: u64) {
    for d in out.iter_mut().rev() {
        *d = b'0' + (n % 10) as u8;
        n /= 10;
    }
}
