//! Vietnamese text: NFC at every entry, an accent-free folded form for search, and the Vietnamese
//! collation (a ă â b c d đ e ê …) for names and places.

use std::cmp::Ordering;
use std::sync::OnceLock;

use icu_collator::options::CollatorOptions;
use icu_collator::{Collator, CollatorBorrowed};
use unicode_normalization::{char::is_combining_mark, UnicodeNormalization};

/// The longest any single text field may be; short fields (names, titles) have tighter limits.
pub const MAX_TEXT: usize = 20_000;
/// Titles, names, places and other one-line fields.
pub const MAX_LINE: usize = 300;

/// Vietnamese keyboards produce NFC, NFD and mixed forms; SQLite compares bytes. Everything stored is NFC.
pub fn nfc(s: &str) -> String {
    // Most text arrives in NFC already; the quick check spares the full decomposition.
    if unicode_normalization::is_nfc_quick(s.chars()) == unicode_normalization::IsNormalized::Yes {
        return s.to_string();
    }
    s.nfc().collect()
}

/// Whether a text is NFC, without building the normalised copy when the quick check can tell.
pub fn is_nfc(s: &str) -> bool {
    match unicode_normalization::is_nfc_quick(s.chars()) {
        unicode_normalization::IsNormalized::Yes => true,
        unicode_normalization::IsNormalized::No => false,
        unicode_normalization::IsNormalized::Maybe => s.nfc().eq(s.chars()),
    }
}

/// Lower case, tone and vowel marks removed, đ folded to d: the form search matches on.
/// `đ` needs its own rule because U+0111 has no canonical decomposition.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.nfd() {
        if is_combining_mark(c) {
            continue;
        }
        match c {
            'đ' | 'Đ' => out.push('d'),
            _ => out.extend(c.to_lowercase()),
        }
    }
    out
}

/// Lower case, marks kept (NFC): the form an exact-tone match is made on. "ma", "má" and "mà" differ.
pub fn exact(s: &str) -> String {
    nfc(&s.to_lowercase())
}

/// Splits a query or a text into search words: letters and digits, everything else a separator.
pub fn words(s: &str) -> Vec<String> {
    s.split(|c: char| !c.is_alphanumeric() && !is_combining_mark(c))
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

fn collator() -> &'static CollatorBorrowed<'static> {
    static COLLATOR: OnceLock<CollatorBorrowed<'static>> = OnceLock::new();
    COLLATOR.get_or_init(|| {
        // `kn`: numbers in names sort by value ("thôn 2" before "thôn 10"), as people expect of lists.
        let locale = icu_locale_core::locale!("vi-u-kn");
        // Compiled data for `vi` ships in the crate; failure here would be a build defect, not user input.
        Collator::try_new(locale.into(), CollatorOptions::default())
            .expect("icu_collator ships compiled data for the vi locale")
    })
}

/// Compares two texts the Vietnamese way, numbers by their value.
pub fn compare_vi(a: &str, b: &str) -> Ordering {
    collator().compare(a, b)
}

/// Compares two person names by given name (tên, the last word) first, then the whole name,
/// as attendance lists are ordered.
pub fn compare_person_names(a: &str, b: &str) -> Ordering {
    let given = |s: &str| s.split_whitespace().last().unwrap_or("").to_string();
    compare_vi(&given(a), &given(b)).then_with(|| compare_vi(a, b))
}

/// A whole number the Vietnamese way: `48.000`.
pub fn vn_number(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

/// A number with at most one decimal, the Vietnamese way: `1.234`, `25,6`.
pub fn vn_decimal(x: f64) -> String {
    let tenths = (x * 10.0).round() as i64;
    let whole = vn_number(tenths / 10);
    match (tenths % 10).abs() {
        0 => whole,
        d if tenths < 0 && tenths / 10 == 0 => format!("-0,{d}"),
        d => format!("{whole},{d}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn fold_removes_every_vietnamese_mark_and_folds_d() {
        assert_eq!(fold("Đoàn TNCS Hồ Chí Minh"), "doan tncs ho chi minh");
        assert_eq!(fold("tuyên truyền"), "tuyen truyen");
        assert_eq!(fold("ĐƯỜNG ỨNG XỬ Ỹ"), "duong ung xu y");
    }

    #[test]
    fn nfd_and_nfc_input_fold_and_normalise_the_same() {
        let nfd = "Tuye\u{302}n truye\u{302}\u{300}n";
        assert_eq!(nfc(nfd), "Tuyên truyền");
        assert_eq!(fold(nfd), fold("Tuyên truyền"));
    }

    #[test]
    fn exact_keeps_tones_apart() {
        assert_ne!(exact("má"), exact("mà"));
        assert_eq!(exact("MÁ"), "má");
    }

    #[test]
    fn vietnamese_collation_orders_letters_the_vietnamese_way() {
        let mut names = vec!["Đức", "Dũng", "Ân", "An", "Ánh", "Bình", "Ấn", "Ăn"];
        names.sort_by(|a, b| compare_vi(a, b));
        // a < ă < â, and d < đ, whatever the tone
        assert_eq!(names, vec!["An", "Ánh", "Ăn", "Ân", "Ấn", "Bình", "Dũng", "Đức"]);
    }

    #[test]
    fn person_names_sort_by_given_name_first() {
        let mut names = vec!["Trần Văn Bình", "Nguyễn Thị An", "Lê Đức Anh", "Phạm Minh Đạt"];
        names.sort_by(|a, b| compare_person_names(a, b));
        assert_eq!(names, vec!["Nguyễn Thị An", "Lê Đức Anh", "Trần Văn Bình", "Phạm Minh Đạt"]);
    }

    proptest! {
        #[test]
        fn fold_is_idempotent_and_mark_free(s in "\\PC{0,40}") {
            let once = fold(&s);
            prop_assert_eq!(fold(&once), once.clone());
            prop_assert!(!once.nfd().any(is_combining_mark));
            prop_assert!(!once.contains('đ'));
        }

        #[test]
        fn nfc_is_idempotent(s in "\\PC{0,40}") {
            let once = nfc(&s);
            prop_assert_eq!(nfc(&once), once);
        }
    }

    #[test]
    fn numbers_inside_names_sort_by_value() {
        let mut v = vec!["Chi đoàn thôn 10", "Chi đoàn thôn 2", "Chi đoàn thôn 1"];
        v.sort_by(|a, b| compare_vi(a, b));
        assert_eq!(v, ["Chi đoàn thôn 1", "Chi đoàn thôn 2", "Chi đoàn thôn 10"]);
    }

    #[test]
    fn numbers_are_written_the_vietnamese_way() {
        assert_eq!(vn_number(48000), "48.000");
        assert_eq!(vn_number(-1234567), "-1.234.567");
        assert_eq!(vn_decimal(25.6), "25,6");
        assert_eq!(vn_decimal(1234.0), "1.234");
        assert_eq!(vn_decimal(-0.25), "-0,3");
    }
}
