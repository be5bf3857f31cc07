//! The recovery code: 25 characters of Crockford's base32 (125 random bits), shown once at set-up as
//! five groups of five to print or write down. Read back forgivingly: case, spaces and dashes do not
//! matter, and O/I/L read as 0/1/1 (the letters people confuse on paper).

use zeroize::Zeroizing;

use crate::error::Result;

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const LEN: usize = 25;

/// A new code, without its dashes.
pub(crate) fn generate() -> Result<Zeroizing<String>> {
    let mut bytes = Zeroizing::new([0u8; LEN]);
    super::random(&mut bytes[..])?;
    Ok(Zeroizing::new(bytes.iter().map(|b| ALPHABET[(b & 31) as usize] as char).collect()))
}

/// As the officer reads it: `XXXXX-XXXXX-XXXXX-XXXXX-XXXXX`.
pub fn format_code(code: &str) -> String {
    code.as_bytes().chunks(5).map(|c| String::from_utf8_lossy(c).into_owned()).collect::<Vec<_>>().join("-")
}

/// What was typed, in the canonical form, or None when it cannot be a code at all.
pub(crate) fn parse(typed: &str) -> Option<Zeroizing<String>> {
    let mut out = Zeroizing::new(String::with_capacity(LEN));
    for c in typed.chars() {
        let c = match c.to_ascii_uppercase() {
            ' ' | '-' | '\t' | '\n' | '\r' => continue,
            'O' => '0',
            'I' | 'L' => '1',
            c if ALPHABET.contains(&(c as u8)) && c.is_ascii() => c,
            _ => return None,
        };
        out.push(c);
    }
    (out.len() == LEN).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_reads_back_whatever_the_case_dashes_and_confusable_letters() {
        let code = generate().unwrap();
        assert_eq!(code.len(), LEN);
        let shown = format_code(&code);
        assert_eq!(shown.len(), LEN + 4);
        assert_eq!(parse(&shown).unwrap().as_str(), code.as_str());
        assert_eq!(parse(&shown.to_lowercase().replace('-', " ")).unwrap().as_str(), code.as_str());
        assert_eq!(parse("oooooiiiiilllll0000011111").unwrap().as_str(), "0000011111111110000011111");
        assert!(parse("too short").is_none());
        assert!(parse("UUUUU-UUUUU-UUUUU-UUUUU-UUUUU").is_none(), "U is not in Crockford's alphabet");
    }
}
