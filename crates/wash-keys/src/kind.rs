//! The seven key kinds wash uses, their prefixes and their names on the command line and in file names.

use std::fmt;
use std::str::FromStr;

use nkeys::KeyPairType;

use crate::KeyError;

/// A kind of nkeys identity (the letter a public key starts with).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KeyKind {
    /// `A...`: signs actors and providers (the issuer).
    Account,
    /// `C...`: a lattice/cluster signer.
    Cluster,
    /// `M...`: an actor (WebAssembly module) identity.
    Module,
    /// `N...`: a host identity.
    Server,
    /// `O...`: signs accounts.
    Operator,
    /// `U...`: a user.
    User,
    /// `V...`: a capability provider identity.
    Service,
}

impl KeyKind {
    /// Every kind, in the order of the spec's table.
    pub const ALL: [KeyKind; 7] = [
        KeyKind::Account,
        KeyKind::Cluster,
        KeyKind::Module,
        KeyKind::Server,
        KeyKind::Operator,
        KeyKind::User,
        KeyKind::Service,
    ];

    /// The lower-case name used on the command line and in key file names (`account`, `module`, ...).
    pub fn name(self) -> &'static str {
        match self {
            KeyKind::Account => "account",
            KeyKind::Cluster => "cluster",
            KeyKind::Module => "module",
            KeyKind::Server => "server",
            KeyKind::Operator => "operator",
            KeyKind::User => "user",
            KeyKind::Service => "service",
        }
    }

    /// "an account", "a module", ... for messages.
    pub fn article_name(self) -> String {
        match self {
            KeyKind::Account | KeyKind::Operator => format!("an {}", self.name()),
            _ => format!("a {}", self.name()),
        }
    }

    /// The nkeys prefix byte of public keys of this kind (`v << 3`, keys.md §1).
    pub fn prefix_byte(self) -> u8 {
        match self {
            KeyKind::Account => 0,
            KeyKind::Cluster => 2 << 3,
            KeyKind::Module => 12 << 3,
            KeyKind::Server => 13 << 3,
            KeyKind::Operator => 14 << 3,
            KeyKind::User => 20 << 3,
            KeyKind::Service => 21 << 3,
        }
    }

    /// The kind with this prefix byte, if it is one of the seven.
    pub fn from_prefix_byte(byte: u8) -> Option<KeyKind> {
        KeyKind::ALL.into_iter().find(|k| k.prefix_byte() == byte)
    }

    /// The letter public keys of this kind start with (`A`, `M`, `V`, ...).
    pub fn letter(self) -> char {
        match self {
            KeyKind::Account => 'A',
            KeyKind::Cluster => 'C',
            KeyKind::Module => 'M',
            KeyKind::Server => 'N',
            KeyKind::Operator => 'O',
            KeyKind::User => 'U',
            KeyKind::Service => 'V',
        }
    }

    pub(crate) fn nkeys_type(self) -> KeyPairType {
        match self {
            KeyKind::Account => KeyPairType::Account,
            KeyKind::Cluster => KeyPairType::Cluster,
            KeyKind::Module => KeyPairType::Module,
            KeyKind::Server => KeyPairType::Server,
            KeyKind::Operator => KeyPairType::Operator,
            KeyKind::User => KeyPairType::User,
            KeyKind::Service => KeyPairType::Service,
        }
    }
}

impl fmt::Display for KeyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for KeyKind {
    type Err = KeyError;

    /// Parses a kind name case-insensitively. Unlike wash 0.x (which turned any unknown word into a
    /// module key), an unknown word is an error. `actor`, `provider` and `host` are accepted as the
    /// wasmCloud names of `module`, `service` and `server`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let kind = match s.to_ascii_lowercase().as_str() {
            "account" => KeyKind::Account,
            "cluster" => KeyKind::Cluster,
            "module" | "actor" => KeyKind::Module,
            "server" | "host" => KeyKind::Server,
            "operator" => KeyKind::Operator,
            "user" => KeyKind::User,
            "service" | "provider" => KeyKind::Service,
            _ => return Err(KeyError::UnknownKind(s.to_owned())),
        };
        Ok(kind)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Kind names parse case-insensitively, aliases map to their kinds, and unknown words are rejected.
    #[test]
    fn names_parse_case_insensitively_and_unknown_is_an_error() {
        for kind in KeyKind::ALL {
            assert_eq!(kind.name().parse::<KeyKind>().unwrap(), kind);
            assert_eq!(kind.name().to_uppercase().parse::<KeyKind>().unwrap(), kind);
        }
        assert_eq!("Actor".parse::<KeyKind>().unwrap(), KeyKind::Module);
        assert_eq!("provider".parse::<KeyKind>().unwrap(), KeyKind::Service);
        assert!(matches!("foo".parse::<KeyKind>(), Err(KeyError::UnknownKind(w)) if w == "foo"));
    }

    /// Prefix bytes round-trip and match the spec's `v << 3` table.
    #[test]
    fn prefix_bytes_round_trip() {
        for kind in KeyKind::ALL {
            assert_eq!(KeyKind::from_prefix_byte(kind.prefix_byte()), Some(kind));
            assert_eq!(kind.prefix_byte() & 0x07, 0);
        }
        assert_eq!(
            KeyKind::from_prefix_byte(23 << 3),
            None,
            "curve keys are not ours"
        );
    }
}
