//! "Did you mean ...?" for misspelt keys and names: the loader's hints, and the template builder's
//! for values ECS does not accept.

/// The closest candidate within a small edit distance (typos, swapped letters), if any.
pub fn did_you_mean<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let length = word.chars().count();
    let limit = (length / 3).clamp(1, 3);
    // An edit changes the length by one at most, so a candidate whose length differs by more is
    // too far without measuring: a huge word costs no distance (which grows with both lengths).
    let near = candidates
        .iter()
        .filter(|c| c.chars().count().abs_diff(length) <= limit)
        .copied()
        .collect::<Vec<_>>();
    closest(word, &near)
        .filter(|(d, _)| *d <= limit)
        .map(|(_, c)| c)
}

/// The candidate nearest to `word` however far it is, for an error that must always name the valid
/// value closest to what was written. Names made of words (`awslogs-datetime-format`) are compared
/// word by word first: the most words in common, then the longest run of them from the start, then
/// the fewest edits (the first of equally near candidates), so `awslogs-datetime-pattern` is nearest
/// to `awslogs-datetime-format` rather than to the fewer edits of `awslogs-multiline-pattern`.
pub fn nearest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    fn words(name: &str) -> Vec<&str> {
        name.split(['-', '_', '.'])
            .filter(|w| !w.is_empty())
            .collect()
    }
    let written = words(word);
    candidates
        .iter()
        .min_by_key(|candidate| {
            let theirs = words(candidate);
            let shared = theirs.iter().filter(|w| written.contains(w)).count();
            let leading = written
                .iter()
                .zip(&theirs)
                .take_while(|(a, b)| a == b)
                .count();
            (
                std::cmp::Reverse(shared),
                std::cmp::Reverse(leading),
                strsim::osa_distance(word, candidate),
            )
        })
        .copied()
}

/// Optimal string alignment: Levenshtein plus adjacent transpositions (`imgae` -> `image` is one
/// edit, where plain Levenshtein counts two).
fn closest<'a>(word: &str, candidates: &[&'a str]) -> Option<(usize, &'a str)> {
    candidates
        .iter()
        .map(|c| (strsim::osa_distance(word, c), *c))
        .min_by_key(|(d, _)| *d)
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
        // One edit per three letters: two edits are too many for a short word.
        assert_eq!(did_you_mean("imgs", &keys), None);
        assert_eq!(did_you_mean(&"image".repeat(100), &keys), None);
        // A long name's typo is a typo too.
        let long = "a-service-whose-name-says-everything-about-what-it-does-and-where";
        let typo = long.replace("where", "whree");
        assert!(typo.len() > 64);
        assert_eq!(did_you_mean(&typo, &[long]), Some(long));
        // Within the limit of edits, whichever way the length changes.
        assert_eq!(did_you_mean("volumesxyz", &keys), Some("volumes"));
    }

    #[test]
    fn nearest_always_answers_with_the_closest() {
        let options = [
            "awslogs-datetime-format",
            "awslogs-multiline-pattern",
            "max-buffer-size",
        ];
        assert_eq!(did_you_mean("awslogs-datetime-pattern", &options), None);
        assert_eq!(
            nearest("awslogs-datetime-pattern", &options),
            Some("awslogs-datetime-format")
        );
        assert_eq!(
            nearest("awslogs-max-buffer-size", &options),
            Some("max-buffer-size")
        );
        assert_eq!(
            nearest("awslogs-multline-pattern", &options),
            Some("awslogs-multiline-pattern")
        );
        assert_eq!(
            nearest("awslogs-datetim-formt", &options),
            Some("awslogs-datetime-format")
        );
        assert_eq!(nearest("x", &[]), None);
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
