//! The delivery reader's CSV splitting against the `csv` crate on arbitrary bytes: tdip
//! refuses a record, or reads every record (line and field bytes) as `csv` does; and the
//! records before a refusal are read as `csv` reads them. The first bytes of the input
//! choose how it is read and cut into chunks (see `check_fuzz_input`).

#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../crates/tdip-core/tests/agreement/mod.rs"]
mod agreement;

fuzz_target!(|input: &[u8]| {
    if let Err(why) = agreement::check_fuzz_input(input) {
        panic!("{why}");
    }
});
