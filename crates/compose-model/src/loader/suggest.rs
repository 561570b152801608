//! "Did you mean ...?" for misspelt keys and names.

/// The closest candidate within a small edit distance (typos, swapped letters), if any.
pub(crate) fn did_you_mean<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    // Keys are short; a huge one is no typo, and the distance is quadratic in its length.
    if word.len() > 64 {
        return None;
    }
    let limit = (word.chars().count() / 3).clamp(1, 3);
    candidates
        .iter()
        .map(|c| (distance(word, c), *c))
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

/// Optimal string alignment distance: Levenshtein plus adjacent transpositions (`imgae` -> `image`
/// is one edit).
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
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
        assert_eq!(distance("imgae", "image"), 1);
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(distance("kitten", "sitting"), 3);
    }
}
