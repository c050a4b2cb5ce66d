//! Writing JSON text directly into a response buffer (no intermediate `serde_json::Value`).

/// Append `s` as a JSON string literal.
pub fn push_str(out: &mut String, s: &str) {
    out.push('"');
    let mut rest = s;
    // Every byte that needs escaping is ASCII, so scanning bytes finds character boundaries.
    while let Some(i) = rest
        .bytes()
        .position(|b| b == b'"' || b == b'\\' || b < b' ')
    {
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

#[cfg(test)]
mod tests {
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
