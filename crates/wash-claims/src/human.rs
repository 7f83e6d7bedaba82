//! Humanised expiry and not-before times, formatted like wash 0.x (`in 1day`, `23h ago`, `never`).

use std::time::Duration;

/// `never` without an expiry, else `in <duration>` or `<duration> ago` relative to `now`.
pub fn humanize_expiry(exp: Option<u64>, now: u64) -> String {
    match exp {
        None => "never".into(),
        Some(exp) => relative(exp, now),
    }
}

/// `immediately` without a not-before time, else `in <duration>` or `<duration> ago`.
pub fn humanize_not_before(nbf: Option<u64>, now: u64) -> String {
    match nbf {
        None => "immediately".into(),
        Some(nbf) => relative(nbf, now),
    }
}

fn relative(at: u64, now: u64) -> String {
    if at > now {
        format!("in {}", round_down(at - now))
    } else {
        format!("{} ago", round_down(now - at))
    }
}

/// Rounds down to whole days, hours or minutes (whichever is the largest whole unit) and formats
/// with humantime, as wascap does.
pub(crate) fn round_down(secs: u64) -> String {
    const MINUTE: u64 = 60;
    const HOUR: u64 = 3600;
    const DAY: u64 = 86_400;
    let rounded = match secs {
        s if s >= DAY => s / DAY * DAY,
        s if s >= HOUR => s / HOUR * HOUR,
        s if s >= MINUTE => s / MINUTE * MINUTE,
        s => s,
    };
    humantime::format_duration(Duration::from_secs(rounded)).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The outputs observed from wash 0.18.1 (claims.md §3) come out exactly.
    #[test]
    fn matches_wash_observations() {
        let now = 1_700_000_000;
        assert_eq!(humanize_expiry(None, now), "never");
        assert_eq!(humanize_not_before(None, now), "immediately");
        assert_eq!(humanize_expiry(Some(now + 2 * 86_400 - 3), now), "in 1day");
        assert_eq!(humanize_not_before(Some(now + 86_400 - 3), now), "in 23h");
        assert_eq!(
            humanize_expiry(Some(now + 40 * 86_400), now),
            "in 1month 9days 13h 26m 24s"
        );
        assert_eq!(
            humanize_expiry(Some(now + 400 * 86_400), now),
            "in 1year 1month 4days 7h 26m 24s"
        );
        assert_eq!(humanize_expiry(Some(now - 90), now), "1m ago");
    }
}
