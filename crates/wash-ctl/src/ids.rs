//! Telling wasmCloud ids apart before sending them: actor (`M…`), provider (`V…`) and host (`N…`) public
//! keys, and contract ids (`namespace:name`), so a mixed-up argument is explained instead of silently
//! producing a link or command that never matches anything.

/// What an argument was supposed to be and why it is not.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    /// A key of another kind (or no key) where a key was expected.
    #[error("`{value}` is {found}, not {expected}{hint}")]
    WrongKind {
        /// The argument.
        value: String,
        /// What it should be, e.g. "an actor id (M…)".
        expected: &'static str,
        /// What it looks like.
        found: &'static str,
        /// What to do.
        hint: String,
    },
}

/// What a string looks like.
fn kind(value: &str) -> &'static str {
    if is_key(value, 'M') {
        "an actor id (M…)"
    } else if is_key(value, 'V') {
        "a provider id (V…)"
    } else if is_key(value, 'N') {
        "a host id (N…)"
    } else if is_key(value, 'C') {
        "a cluster key (C…)"
    } else if value.len() == 56 && value.starts_with('S') {
        "a seed (S…), which must stay secret"
    } else if value.contains(':') && !value.contains('/') {
        "a contract id"
    } else if value.contains('/') || value.contains('.') {
        "a file path or OCI reference"
    } else {
        "not a wasmCloud id"
    }
}

/// Whether `value` has the shape of a public key with this prefix: 56 upper-case base32 characters.
pub fn is_key(value: &str, prefix: char) -> bool {
    value.len() == 56
        && value.starts_with(prefix)
        && value
            .chars()
            .all(|c| c.is_ascii_uppercase() || ('2'..='7').contains(&c))
}

fn expect_key(
    value: &str,
    prefix: char,
    expected: &'static str,
    hint: &str,
) -> Result<(), IdError> {
    if is_key(value, prefix) {
        return Ok(());
    }
    Err(IdError::WrongKind {
        value: value.into(),
        expected,
        found: kind(value),
        hint: hint.into(),
    })
}

/// Checks an actor id (`M…`).
pub fn check_actor_id(value: &str) -> Result<(), IdError> {
    expect_key(
        value,
        'M',
        "an actor id (M…)",
        ": `wash ctl get inventory` lists the running actors",
    )
}

/// Checks a provider id (`V…`).
pub fn check_provider_id(value: &str) -> Result<(), IdError> {
    expect_key(
        value,
        'V',
        "a provider id (V…)",
        ": `wash ctl get inventory` lists the running providers",
    )
}

/// Checks a host id (`N…`).
pub fn check_host_id(value: &str) -> Result<(), IdError> {
    expect_key(
        value,
        'N',
        "a host id (N…)",
        ": `wash ctl get hosts` lists the running hosts",
    )
}

/// Checks a contract id such as `wasmcloud:httpserver`.
pub fn check_contract_id(value: &str) -> Result<(), IdError> {
    let found = kind(value);
    if found == "a contract id" {
        return Ok(());
    }
    let hint = if found.starts_with("a provider id") {
        ": a contract id names the interface, e.g. `wasmcloud:keyvalue`; the provider's contract is in \
         `wash ctl get inventory`"
    } else {
        ": a contract id looks like `wasmcloud:httpserver`"
    };
    Err(IdError::WrongKind {
        value: value.into(),
        expected: "a contract id (e.g. wasmcloud:keyvalue)",
        found,
        hint: hint.into(),
    })
}

/// Checks the three ids of `wash ctl link put <actor-id> <provider-id> <contract-id>`, explaining swapped
/// arguments.
pub fn check_link(actor_id: &str, provider_id: &str, contract_id: &str) -> Result<(), IdError> {
    const ORDER: &str = "; the order is <actor-id> <provider-id> <contract-id>";
    if is_key(actor_id, 'V') && is_key(provider_id, 'M') {
        return Err(IdError::WrongKind {
            value: actor_id.into(),
            expected: "an actor id (M…)",
            found: "a provider id (V…)",
            hint: format!(": the actor and provider ids are swapped{ORDER}"),
        });
    }
    let with_order = |err: IdError| match err {
        IdError::WrongKind {
            value,
            expected,
            found,
            hint,
        } => IdError::WrongKind {
            value,
            expected,
            found,
            hint: format!("{hint}{ORDER}"),
        },
    };
    check_actor_id(actor_id).map_err(with_order)?;
    check_provider_id(provider_id).map_err(with_order)?;
    check_contract_id(contract_id).map_err(with_order)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ACTOR: &str = "MBCFOPM6JW2APJLXJD3Z5O4CN7CPYJ2B4FTKLJUR5YR5MITIU7HD3WD5";
    const PROVIDER: &str = "VAG3QITQQ2ODAOWB5TTQSDJ53XK3SHBEIFNK4AYJ5RKAX2UNSCAPHA5M";

    /// A correct link passes; a provider id in the contract slot is named as such.
    #[test]
    fn provider_id_as_contract_is_explained() {
        assert_eq!(check_link(ACTOR, PROVIDER, "wasmcloud:keyvalue"), Ok(()));
        let err = check_link(ACTOR, PROVIDER, PROVIDER).expect_err("refused");
        let text = err.to_string();
        assert!(
            text.contains("is a provider id (V…), not a contract id"),
            "{text}"
        );
        assert!(text.contains("wash ctl get inventory"), "{text}");
    }

    /// Swapped actor and provider ids are reported as swapped.
    #[test]
    fn swapped_ids_are_explained() {
        let err = check_link(PROVIDER, ACTOR, "wasmcloud:keyvalue").expect_err("refused");
        assert!(err.to_string().contains("swapped"), "{err}");
        let err = check_link(ACTOR, "wasmcloud:keyvalue", PROVIDER).expect_err("refused");
        assert!(
            err.to_string()
                .contains("is a contract id, not a provider id"),
            "{err}"
        );
    }
}
