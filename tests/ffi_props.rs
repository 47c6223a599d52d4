//! Property test of the script-tag build's C-ABI layer (`src/ffi.rs`): any sequence of inputs,
//! with any bytes and lengths, leaves well-formed output records and never panics (in wasm a
//! panic traps and leaves every source of the module unusable).
#![cfg(all(feature = "ffi", not(target_arch = "wasm32")))]

use eventsource_wasm::ffi::{kind, Sources};
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Step {
    Create(Vec<f64>, Vec<u8>, usize),
    Input(u32, u32, Vec<u8>, usize),
    Response(u32, u32, Vec<u8>, i32, f64),
    Free(u32),
}

fn step() -> impl Strategy<Value = Step> {
    let nums = proptest::collection::vec(prop_oneof![any::<f64>(), -1.0..70_000.0f64, Just(0.0), Just(1.0)], 0..14);
    prop_oneof![
        (nums, proptest::collection::vec(any::<u8>(), 0..12), any::<usize>())
            .prop_map(|(n, i, l)| Step::Create(n, i, l)),
        (0u32..4, 0u32..9, proptest::collection::vec(any::<u8>(), 0..96), any::<usize>())
            .prop_map(|(h, k, b, a)| Step::Input(h, k, b, a)),
        (
            0u32..4,
            prop_oneof![Just(200u32), Just(204), Just(404), Just(503), any::<u32>()],
            prop_oneof![Just(b"text/event-stream".to_vec()), proptest::collection::vec(any::<u8>(), 0..20)],
            prop_oneof![Just(-1), Just(0), any::<i32>()],
            prop_oneof![Just(f64::NAN), Just(f64::INFINITY), Just(-1.0), any::<f64>()]
        )
            .prop_map(|(h, s, ct, l, ra)| Step::Response(h, s, ct, l, ra)),
        (0u32..4).prop_map(Step::Free),
    ]
}

/// Checks that `buf` is a sequence of complete records with known tags, as `js/driver.js`
/// reads them (their fields are bytes: the stream's, for JS to decode).
fn well_formed(buf: &[u8]) -> bool {
    eventsource_wasm::ffi::decode(buf).is_some()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1500))]

    #[test]
    fn any_input_sequence_gives_well_formed_records(steps in proptest::collection::vec(step(), 1..40)) {
        let mut s = Sources::default();
        let mut now = 0.0;
        for st in steps {
            now += 10.0;
            let len = match st {
                Step::Create(nums, id, len) => {
                    let mut bytes: Vec<u8> = nums.iter().flat_map(|n| n.to_le_bytes()).collect();
                    bytes.extend_from_slice(&id);
                    s.scratch(bytes.len()).copy_from_slice(&bytes);
                    // The id's length as written, or anything.
                    let len = if len % 2 == 0 { id.len() } else { len };
                    let h = s.create(nums.len(), len);
                    prop_assert!(h > 0);
                    continue;
                }
                Step::Input(h, k, bytes, arg) => {
                    s.scratch(bytes.len()).copy_from_slice(&bytes);
                    // The length is the bytes written (or anything), the timer 0 or 1 (or anything).
                    let arg = match (k, arg % 4) {
                        (_, 3) => arg,
                        (kind::BODY, _) => bytes.len(),
                        _ => arg % 3,
                    };
                    s.input(h, now, k, arg)
                }
                Step::Response(h, status, ct, len, ra) => {
                    s.scratch(ct.len()).copy_from_slice(&ct);
                    let len = if len == 0 { ct.len() as i32 } else { len };
                    s.response(h, now, status, len, ra)
                }
                Step::Free(h) => {
                    s.free(h);
                    continue;
                }
            };
            prop_assert_eq!(len, s.out.buf.len());
            prop_assert!(well_formed(&s.out.buf), "malformed output {:?}", s.out.buf);
        }
    }
}
