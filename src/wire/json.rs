//! Writing JSON text directly into a response buffer (no intermediate `serde_json::Value`).

/// Append `s` as a JSON string literal.
pub fn push_str(out: &mut String, s: &str) {
    out.push('"');
    let mut rest = s;
    // Every byte that needs escaping is ASCII, so scanning bytes finds character boundaries.
    while let Some(i) = first_to_escape(rest.as_bytes()) {
        out.push_str(&rest[..i]);
        let c = rest.as_bytes()[i];
        match c {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            0x08 => out.push_str("\\b"),
            0x0c => out.push_str("\\f"),
            c => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.push_str("\\u00");
                out.push(HEX[(c >> 4) as usize] as char);
                out.push(HEX[(c & 0xf) as usize] as char);
            }
        }
        rest = &rest[i + 1..];
    }
    out.push_str(rest);
    out.push('"');
}

/// The index of the first byte JSON must escape (`"`, `\\`, a control character). Eight bytes
/// at a time while none is found (most of an answer's text needs no escaping), then byte by
/// byte in the word that has one.
fn first_to_escape(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    /// Whether some byte of `w` is zero (exact: no false positive for the word as a whole).
    fn has_zero(w: u64) -> bool {
        w.wrapping_sub(ONES) & !w & HIGHS != 0
    }
    let mut i = 0;
    while let Some(chunk) = bytes.get(i..i + 8) {
        let w = u64::from_ne_bytes(chunk.try_into().unwrap_or_default());
        // Bytes below 0x20: like `has_zero`, with 0x20 in place of 1.
        let control = w.wrapping_sub(ONES * 0x20) & !w & HIGHS != 0;
        if control
            || has_zero(w ^ (ONES * u64::from(b'"')))
            || has_zero(w ^ (ONES * u64::from(b'\\')))
        {
            break;
        }
        i += 8;
    }
    bytes[i..]
        .iter()
        .position(|&b| b == b'"' || b == b'\\' || b < b' ')
        .map(|p| p + i)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_word_scan_finds_what_the_byte_scan_finds() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(5);
        for _ in 0..20_000 {
            let len = rng.gen_range(0..64);
            let bytes: Vec<u8> = (0..len)
                .map(|_| match rng.gen_range(0..20) {
                    0 => b'"',
                    1 => b'\\',
                    2 => rng.gen_range(0..0x20),
                    3 => rng.gen_range(0x80..=0xff),
                    _ => rng.gen_range(0x20..0x7f),
                })
                .collect();
            let expected = bytes
                .iter()
                .position(|&b| b == b'"' || b == b'\\' || b < b' ');
            assert_eq!(super::first_to_escape(&bytes), expected, "{bytes:?}");
        }
    }

    #[test]
    fn strings_are_escaped_as_serde_json_does() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(3);
        for _ in 0..2000 {
            let s: String = (0..rng.gen_range(0..10))
                .map(|_| {
                    if rng.gen_bool(0.5) {
                        ['"', '\\', '\u{0}', '\u{1f}', '\n', '\u{8}', 'é', '/'][rng.gen_range(0..8)]
                    } else {
                        rng.gen::<char>()
                    }
                })
                .collect();
            let mut out = String::new();
            super::push_str(&mut out, &s);
            assert_eq!(out, serde_json::Value::from(s.as_str()).to_string());
        }
    }
}
