//! The codes and verbs of HI-1, as types: the `ErrorCode`s tdip gives and the verbs an
//! `ActionRequest` carries, each defined once here and used by the service too.

use std::fmt;

/// An `ErrorCode` tdip gives. TS 103 120 leaves their values to the national profile;
/// `docs/hi1.md` lists them for senders. The number is what travels (see [`Hi1Code::value`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Hi1Code {
    /// 1001: the message cannot be read (not well-formed, or its header or actions
    /// missing); as an action's code, its `HI1Object` cannot be read or it has no verb;
    /// also a task that fails at the point itself.
    Unreadable,
    /// 1002: (service) the point keeps as many objects for this sender as it keeps for
    /// one: a CREATE waits until older ones expire.
    Full,
    /// 2001: a verb tdip does not take there: UPDATE of a task, DELIVER, GET or LIST
    /// without the service, or no HI-1 verb.
    Verb,
    /// 2002: an object other than an authorisation or a lawful-disclosure task, or a
    /// CREATE or UPDATE without one.
    Object,
    /// 2003: no object of this identifier is kept for the sender (expired, never
    /// created, or another sender's): a GET, or an UPDATE of an authorisation.
    UnknownObject,
    /// 2004: (service) a CREATE of an identifier already kept for the sender with other
    /// content (an identical resend is answered as the first time, not refused).
    Exists,
    /// 3001: an identifier format tdip holds no data by.
    Format,
    /// 3002: a task without an identifier, without the moment or period asked about (or
    /// with both), a CREATE without `Reference`, or a request value missing a part.
    Incomplete,
    /// 3003: a task whose authorisation is neither in the message nor kept.
    NoAuthorisation,
    /// 3004: a request value that is not a valid identifier of its format, a period or
    /// authorisation that ends before it starts, or a time that is not an ETSI
    /// QualifiedDateTime (no zone, or not a date).
    Invalid,
    /// 3005: a task whose authorisation is not in force now (before its `StartTime` or
    /// after its `EndTime`).
    NotInForce,
    /// 4001: a part of the demand not where tdip's profile puts it, a `RequestDetails`
    /// child tdip does not read, or a delivery destination tdip cannot deliver to.
    Profile,
    /// 4002: the catalogue refuses the demand (agency, legal basis, authorising official).
    Refused,
    /// 5001: (service, a task's `StatusReason` with `DisclosureNotAvailable`) the
    /// identifiers asked about are held by no one in the period asked.
    NoData,
    /// 5002: (service, a task's `StatusReason` with `Error`) the delivery could not be
    /// pushed to the destination the task names; it can still be fetched with GET.
    NotDelivered,
    /// 5003: (service, a task's `StatusReason` with `Disclosed`) the delivery holds the
    /// first communications of a period that has more than one answer takes; ask for
    /// shorter periods.
    Truncated,
}

impl Hi1Code {
    /// Every code, in numeric order.
    pub const ALL: [Hi1Code; 16] = [
        Hi1Code::Unreadable,
        Hi1Code::Full,
        Hi1Code::Verb,
        Hi1Code::Object,
        Hi1Code::UnknownObject,
        Hi1Code::Exists,
        Hi1Code::Format,
        Hi1Code::Incomplete,
        Hi1Code::NoAuthorisation,
        Hi1Code::Invalid,
        Hi1Code::NotInForce,
        Hi1Code::Profile,
        Hi1Code::Refused,
        Hi1Code::NoData,
        Hi1Code::NotDelivered,
        Hi1Code::Truncated,
    ];

    /// The number written as `ErrorCode`.
    pub fn value(self) -> u32 {
        match self {
            Hi1Code::Unreadable => 1001,
            Hi1Code::Full => 1002,
            Hi1Code::Verb => 2001,
            Hi1Code::Object => 2002,
            Hi1Code::UnknownObject => 2003,
            Hi1Code::Exists => 2004,
            Hi1Code::Format => 3001,
            Hi1Code::Incomplete => 3002,
            Hi1Code::NoAuthorisation => 3003,
            Hi1Code::Invalid => 3004,
            Hi1Code::NotInForce => 3005,
            Hi1Code::Profile => 4001,
            Hi1Code::Refused => 4002,
            Hi1Code::NoData => 5001,
            Hi1Code::NotDelivered => 5002,
            Hi1Code::Truncated => 5003,
        }
    }
}

/// The number, as it is written in a response.
impl fmt::Display for Hi1Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.value())
    }
}

/// The verb of an `ActionRequest` (the element after its `ActionIdentifier`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Verb {
    /// `GET`: an object by its identifier.
    Get,
    /// `CREATE`: a new object.
    Create,
    /// `UPDATE`: a change to an object.
    Update,
    /// `LIST`: the objects the sender may see.
    List,
    /// `DELIVER`: a delivery sent to the receiver.
    Deliver,
    /// An element ETSI's schema does not allow there, by its local name (kept for the
    /// error text).
    Other(String),
}

impl Verb {
    /// The verb of the element named `name`.
    pub fn from_name(name: &str) -> Verb {
        match name {
            "GET" => Verb::Get,
            "CREATE" => Verb::Create,
            "UPDATE" => Verb::Update,
            "LIST" => Verb::List,
            "DELIVER" => Verb::Deliver,
            other => Verb::Other(other.to_owned()),
        }
    }

    /// The element's name (`CREATE`, …; an unknown one's as sent).
    pub fn as_str(&self) -> &str {
        match self {
            Verb::Get => "GET",
            Verb::Create => "CREATE",
            Verb::Update => "UPDATE",
            Verb::List => "LIST",
            Verb::Deliver => "DELIVER",
            Verb::Other(name) => name,
        }
    }
}

/// The element's name.
impl fmt::Display for Verb {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::{Hi1Code, Verb};

    #[test]
    fn codes_have_distinct_numbers_in_order_and_are_written_as_them() {
        let values: Vec<u32> = Hi1Code::ALL.iter().map(|c| c.value()).collect();
        assert_eq!(
            values,
            [
                1001, 1002, 2001, 2002, 2003, 2004, 3001, 3002, 3003, 3004, 3005, 4001, 4002, 5001,
                5002, 5003
            ]
        );
        assert_eq!(Hi1Code::Refused.to_string(), "4002");
    }

    #[test]
    fn verbs_read_back_as_their_names_and_an_unknown_one_keeps_its_name() {
        for name in ["GET", "CREATE", "UPDATE", "LIST", "DELIVER", "DELETE"] {
            assert_eq!(Verb::from_name(name).as_str(), name);
        }
        assert_eq!(Verb::from_name("CREATE"), Verb::Create);
        assert_eq!(Verb::from_name("DELETE"), Verb::Other("DELETE".into()));
    }
}
