//! A small glob matcher for template `include` / `exclude` / `ignore` lists and `.genignore`.
//!
//! `*` matches within one path segment, `**` across segments, `?` one character. A pattern without
//! `/` matches a file's name in any folder (like a `.gitignore` line); a pattern ending in `/`, or
//! one that names a folder, matches everything under that folder.

/// Whether `path` (relative, `/`-separated) matches `pattern`.
pub(crate) fn matches(pattern: &str, path: &str) -> bool {
    let pattern = pattern.trim();
    let pattern = pattern.strip_prefix("./").unwrap_or(pattern);
    let pattern = pattern.strip_prefix('/').unwrap_or(pattern);
    if pattern.is_empty() {
        return false;
    }
    let dir_pattern = pattern.trim_end_matches('/');
    let anchored = dir_pattern.contains('/');
    // The path itself, or any folder above it (so `docs` and `docs/` ignore `docs/a.md`).
    let mut candidates = vec![path];
    let mut end = path.len();
    while let Some(slash) = path[..end].rfind('/') {
        candidates.push(&path[..slash]);
        end = slash;
    }
    candidates.into_iter().any(|candidate| {
        if anchored {
            glob_match(dir_pattern.as_bytes(), candidate.as_bytes())
        } else {
            let name = candidate.rsplit('/').next().unwrap_or(candidate);
            glob_match(dir_pattern.as_bytes(), name.as_bytes())
        }
    })
}

/// Whether any of `patterns` matches `path`.
pub(crate) fn any_matches(patterns: &[String], path: &str) -> bool {
    patterns.iter().any(|p| matches(p, path))
}

fn glob_match(pattern: &[u8], text: &[u8]) -> bool {
    match pattern.first() {
        None => text.is_empty(),
        Some(b'*') if pattern.get(1) == Some(&b'*') => {
            let mut rest = &pattern[2..];
            if rest.first() == Some(&b'/') {
                // `**/x` also matches `x` at the top.
                rest = &rest[1..];
            }
            (0..=text.len()).any(|i| glob_match(rest, &text[i..]))
        }
        Some(b'*') => {
            let rest = &pattern[1..];
            let limit = text.iter().position(|&c| c == b'/').unwrap_or(text.len());
            (0..=limit).any(|i| glob_match(rest, &text[i..]))
        }
        Some(b'?') => !text.is_empty() && text[0] != b'/' && glob_match(&pattern[1..], &text[1..]),
        Some(&c) => text.first() == Some(&c) && glob_match(&pattern[1..], &text[1..]),
    }
}

#[cfg(test)]
mod tests {
    use super::matches;

    /// Names without a slash match in any folder; `*` stays within a segment, `**` crosses them.
    #[test]
    fn gitignore_like_matching() {
        assert!(matches("*.png", "assets/logo.png"));
        assert!(matches("notes.md", "notes.md"));
        assert!(matches("notes.md", "docs/notes.md"));
        assert!(!matches("src/*.rs", "src/bin/x.rs"));
        assert!(matches("src/**/*.rs", "src/bin/x.rs"));
        assert!(matches("src/**/*.rs", "src/x.rs"));
        assert!(matches("assets/", "assets/img/a.png"));
        assert!(matches("assets", "assets/a.png"));
        assert!(matches("file?.txt", "file1.txt"));
        assert!(!matches("file?.txt", "file10.txt"));
        assert!(!matches("", "a"));
    }
}
