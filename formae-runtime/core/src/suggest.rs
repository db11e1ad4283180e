//! "Did you mean": the nearest of a few known names to one that was mistyped.

/// The edit distance between `a` and `b` (insertions, deletions, substitutions).
pub fn distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut prev = row[0];
        row[0] = i;
        for j in 1..=b.len() {
            let cur = row[j];
            row[j] = (prev + usize::from(a[i - 1] != b[j - 1])).min(row[j] + 1).min(row[j - 1] + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// The name among `known` nearest to `given`, if it is within `max` edits.
pub fn nearest<'a>(given: &str, known: impl IntoIterator<Item = &'a str>, max: usize) -> Option<&'a str> {
    known.into_iter().map(|k| (distance(given, k), k)).filter(|(d, _)| *d <= max).min_by_key(|(d, _)| *d).map(|(_, k)| k)
}

/// `: did you mean `x`?` when one of `known` is within a third of `given`'s length (at
/// least one edit) of it, else nothing: the tail of an "unknown name" message.
pub fn did_you_mean<'a>(given: &str, known: impl IntoIterator<Item = &'a str>) -> String {
    let max = (given.chars().count() / 3).max(1);
    nearest(given, known, max).map(|n| format!(": did you mean `{n}`?")).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_nearest_name_within_reach_is_suggested() {
        assert_eq!(distance("cpuu", "cpu"), 1);
        assert_eq!(nearest("memroy", ["cpu", "memory", "image"], 2), Some("memory"));
        assert_eq!(nearest("zzz", ["cpu", "memory"], 2), None);
        assert_eq!(did_you_mean("cpuu", ["cpu", "memory"]), ": did you mean `cpu`?");
        assert_eq!(did_you_mean("zzz", ["cpu"]), "");
    }
}
