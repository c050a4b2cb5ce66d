//! Codecs shared by the vendors: form/query parameters, cookies, XML text and CDATA, JSON
//! strings, secret comparison. (Vendor-specific encodings — Luminate's JSON quirks, SmarterU's
//! envelope, YM's JSV — live in each vendor's `render`.)

pub mod cookie;
pub mod form;
pub mod json;
pub mod xml;

use subtle::ConstantTimeEq;

/// Compare a presented secret with the stored one in constant time (for equal lengths; the
/// length itself is not secret-bearing for our keys).
pub fn secret_eq(presented: &str, stored: &str) -> bool {
    presented.as_bytes().ct_eq(stored.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    #[test]
    fn secret_eq_compares_whole_values() {
        assert!(super::secret_eq("abc", "abc"));
        assert!(!super::secret_eq("abc", "abd"));
        assert!(!super::secret_eq("ab", "abc"));
        assert!(!super::secret_eq("", "abc"));
    }
}
