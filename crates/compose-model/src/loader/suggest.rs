//! "Did you mean ...?" for misspelt keys and names.

/// The closest candidate within a small edit distance (typos, swapped letters), if any.
pub(crate) fn did_you_mean<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    // Keys are short; a huge one is no typo, and the distance is quadratic in its length.
    if word.len() > 64 {
        return None;
    }
    let limit = (word.chars().count() / 3).clamp(1, 3);
    // Optimal string alignment: Levenshtein plus adjacent transpositions (`imgae` -> `image` is one
    // edit, where plain Levenshtein counts two).
    candidates
        .iter()
        .map(|c| (strsim::osa_distance(word, c), *c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// The error for a key the spec does not allow at this level, with a hint when one of `known` is
/// a likely typo of it.
pub(crate) fn unknown_key(key: &str, known: &[&str]) -> String {
    let mut message = format!("additional property {key:?} is not allowed");
    if let Some(s) = did_you_mean(key, known) {
        message.push_str(&format!(" (did you mean {s:?}?)"));
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_keys() {
        let keys = ["image", "ports", "environment", "volumes"];
        assert_eq!(did_you_mean("imgae", &keys), Some("image"));
        assert_eq!(did_you_mean("port", &keys), Some("ports"));
        assert_eq!(did_you_mean("enviroment", &keys), Some("environment"));
        assert_eq!(did_you_mean("zzz", &keys), None);
        assert_eq!(did_you_mean(&"image".repeat(100), &keys), None);
    }

    #[test]
    fn distance_counts_transpositions_once() {
        use strsim::osa_distance as distance;
        assert_eq!(distance("imgae", "image"), 1);
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(distance("kitten", "sitting"), 3);
        // A swap is one edit even where the limit is 1: the hint survives it.
        let keys = ["ports", "expose", "secrets"];
        assert_eq!(did_you_mean("prots", &keys), Some("ports"));
        assert_eq!(did_you_mean("exopse", &keys), Some("expose"));
        assert_eq!(did_you_mean("secrest", &keys), Some("secrets"));
        assert_eq!(
            unknown_key("prots", &keys),
            "additional property \"prots\" is not allowed (did you mean \"ports\"?)"
        );
    }
}
