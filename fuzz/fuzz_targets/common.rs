//! Input helpers shared by the fuzz targets (included with `#[path]`; not a target itself).
use libfuzzer_sys::arbitrary::{Arbitrary, Result, Unstructured};

/// One of `common`, or any value.
pub fn one_of<'a, T: Copy + Arbitrary<'a>>(u: &mut Unstructured<'a>, common: &[T]) -> Result<T> {
    let i = u.choose_index(common.len() + 1)?;
    common.get(i).copied().map_or_else(|| u.arbitrary(), Ok)
}

/// Up to `max` bytes: raw ones, or a run of `tokens` (stream syntax the parser acts on).
pub fn bytes(u: &mut Unstructured<'_>, max: usize, tokens: &[&[u8]]) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    if u.ratio(1, 3)? {
        let n = u.int_in_range(0..=max)?;
        out.extend_from_slice(u.bytes(n.min(u.len()))?);
    } else {
        for _ in 0..u.int_in_range(0..=max / 4)? {
            out.extend_from_slice(u.choose(tokens)?);
        }
    }
    Ok(out)
}
