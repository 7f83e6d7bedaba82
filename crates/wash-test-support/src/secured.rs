//! NATS servers that ask for credentials, as production lattices run: operator (JWT) mode with a
//! memory resolver, user/password, nkey users; and TLS with a CA made for the test.
//!
//! The JWTs are minted here with the `nkeys` crate: a NATS JWT is `base64url(header)`.`base64url(claims)`
//! .`base64url(ed25519 signature of the first two parts)`, header `{"typ":"JWT","alg":"ed25519-nkey"}`;
//! the operator signs accounts, an account signs its users.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use nkeys::KeyPair;
use serde_json::{json, Value};

use crate::NatsServer;

/// Signs `claims` (with `iss`, `iat` and `jti` filled in) as a NATS JWT.
pub fn nats_jwt(signer: &KeyPair, mut claims: Value) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    claims["iss"] = json!(signer.public_key());
    claims["iat"] = json!(now);
    claims["jti"] = json!(format!(
        "{}{now}",
        claims["sub"].as_str().unwrap_or_default()
    ));
    let header = URL_SAFE_NO_PAD.encode(br#"{"typ":"JWT","alg":"ed25519-nkey"}"#);
    let body = URL_SAFE_NO_PAD.encode(claims.to_string());
    let signed = format!("{header}.{body}");
    let signature = signer.sign(signed.as_bytes()).expect("sign the JWT");
    format!("{signed}.{}", URL_SAFE_NO_PAD.encode(signature))
}

/// The text of a `.creds` file for a user JWT and seed, in the layout `nsc` writes.
pub fn creds_file_text(jwt: &str, seed: &str) -> String {
    format!(
        "-----BEGIN NATS USER JWT-----\n{jwt}\n------END NATS USER JWT------\n\n\
         ************************* IMPORTANT *************************\n\
         NKEY Seed printed below can be used to sign and prove identity.\n\
         NKEYs are sensitive and should be treated as secrets.\n\n\
         -----BEGIN USER NKEY SEED-----\n{seed}\n------END USER NKEY SEED------\n\n\
         *************************************************************\n"
    )
}

/// Publish and subscribe permissions of a user (`allow` lists of subjects).
#[derive(Debug, Clone, Default)]
pub struct Permissions {
    /// Subjects the user may publish to.
    pub publish: Vec<String>,
    /// Subjects the user may subscribe to.
    pub subscribe: Vec<String>,
}

/// An operator with a system account and two accounts with JetStream: `lattice` (where the tests'
/// lattice runs) and `other` (a stranger on the same server).
pub struct NatsOperator {
    operator: KeyPair,
    system: KeyPair,
    lattice: KeyPair,
    other: KeyPair,
}

impl std::fmt::Debug for NatsOperator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NatsOperator")
            .field("operator", &self.operator.public_key())
            .finish_non_exhaustive()
    }
}

/// A user minted by [`NatsOperator`]: its creds file and the secrets in it (for the tests that check
/// no output shows them).
#[derive(Debug, Clone)]
pub struct NatsUser {
    /// The `.creds` file.
    pub creds: PathBuf,
    /// The user JWT.
    pub jwt: String,
    /// The user's seed.
    pub seed: String,
}

fn account_claims(account: &KeyPair, name: &str, jetstream: bool) -> Value {
    let mut limits = json!({
        "subs": -1, "data": -1, "payload": -1, "imports": -1, "exports": -1,
        "wildcards": true, "conn": -1, "leaf": -1,
    });
    if jetstream {
        for field in [
            "mem_storage",
            "disk_storage",
            "streams",
            "consumer",
            "max_ack_pending",
        ] {
            limits[field] = json!(-1);
        }
    }
    json!({
        "sub": account.public_key(),
        "name": name,
        "nats": {
            "limits": limits,
            "default_permissions": {"pub": {}, "sub": {}},
            "type": "account",
            "version": 2,
        },
    })
}

impl Default for NatsOperator {
    fn default() -> Self {
        Self::new()
    }
}

impl NatsOperator {
    /// New keys for the operator and its accounts.
    pub fn new() -> Self {
        Self {
            operator: KeyPair::new_operator(),
            system: KeyPair::new_account(),
            lattice: KeyPair::new_account(),
            other: KeyPair::new_account(),
        }
    }

    /// The nats-server configuration (operator mode, memory resolver, JetStream in `dir`) on `port`.
    pub fn server_config(&self, port: u16, dir: &Path) -> String {
        let operator_jwt = nats_jwt(
            &self.operator,
            json!({
                "sub": self.operator.public_key(),
                "name": "wash-tests",
                "nats": {"type": "operator", "version": 2, "system_account": self.system.public_key()},
            }),
        );
        let accounts = [
            (&self.system, "SYS", false),
            (&self.lattice, "lattice", true),
            (&self.other, "other", true),
        ];
        let preload: Vec<String> = accounts
            .iter()
            .map(|(key, name, jetstream)| {
                let jwt = nats_jwt(&self.operator, account_claims(key, name, *jetstream));
                format!("  {}: \"{jwt}\"", key.public_key())
            })
            .collect();
        format!(
            "listen: \"127.0.0.1:{port}\"\noperator: \"{operator_jwt}\"\nsystem_account: {}\n\
             resolver: MEMORY\nresolver_preload: {{\n{}\n}}\njetstream: {{ store_dir: \"{}\" }}\n",
            self.system.public_key(),
            preload.join("\n"),
            dir.join("jetstream").display()
        )
    }

    fn mint(
        &self,
        account: &KeyPair,
        name: &str,
        permissions: Option<&Permissions>,
        dir: &Path,
    ) -> NatsUser {
        let user = KeyPair::new_user();
        let (publish, subscribe) = match permissions {
            Some(p) => (json!({"allow": p.publish}), json!({"allow": p.subscribe})),
            None => (json!({}), json!({})),
        };
        let jwt = nats_jwt(
            account,
            json!({
                "sub": user.public_key(),
                "name": name,
                "nats": {
                    "pub": publish, "sub": subscribe,
                    "subs": -1, "data": -1, "payload": -1,
                    "type": "user", "version": 2,
                },
            }),
        );
        let seed = user.seed().expect("user seed");
        let creds = dir.join(format!("{name}.creds"));
        std::fs::write(&creds, creds_file_text(&jwt, &seed)).expect("write the creds file");
        NatsUser { creds, jwt, seed }
    }

    /// A user of the lattice's account (all permissions unless `permissions`), its creds file in `dir`.
    pub fn user(&self, name: &str, permissions: Option<&Permissions>, dir: &Path) -> NatsUser {
        self.mint(&self.lattice, name, permissions, dir)
    }

    /// A user of the other account.
    pub fn stranger(&self, name: &str, dir: &Path) -> NatsUser {
        self.mint(&self.other, name, None, dir)
    }

    /// Starts nats-server in operator mode with JetStream.
    pub fn start_server(&self) -> NatsServer {
        NatsServer::start_with_config(|port, dir| self.server_config(port, dir))
    }
}

/// nats-server with JetStream that lets in one user with a password.
pub fn start_password_server(user: &str, password: &str) -> NatsServer {
    NatsServer::start_with_config(|port, dir| {
        format!(
            "listen: \"127.0.0.1:{port}\"\njetstream: {{ store_dir: \"{}\" }}\n\
             authorization: {{ users: [ {{ user: \"{user}\", password: \"{password}\" }} ] }}\n",
            dir.join("jetstream").display()
        )
    })
}

/// nats-server with JetStream that lets in the nkey users whose public keys are given.
pub fn start_nkey_server(users: &[String]) -> NatsServer {
    NatsServer::start_with_config(|port, dir| {
        let users: Vec<String> = users.iter().map(|k| format!("{{ nkey: {k} }}")).collect();
        format!(
            "listen: \"127.0.0.1:{port}\"\njetstream: {{ store_dir: \"{}\" }}\n\
             authorization: {{ users: [ {} ] }}\n",
            dir.join("jetstream").display(),
            users.join(", ")
        )
    })
}

/// A CA made for the test, and a certificate it signed for `127.0.0.1`/`localhost`.
#[derive(Debug, Clone)]
pub struct TestCa {
    /// The CA certificate (PEM), what clients must trust.
    pub ca_file: PathBuf,
    /// The server certificate (PEM).
    pub cert_file: PathBuf,
    /// The server key (PEM).
    pub key_file: PathBuf,
}

impl TestCa {
    /// Makes the CA and the server certificate in `dir`.
    pub fn new(dir: &Path) -> Self {
        let ca_key = rcgen::KeyPair::generate().expect("CA key");
        let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("CA params");
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "wash tests CA");
        let ca = ca_params.self_signed(&ca_key).expect("self-signed CA");
        let server_key = rcgen::KeyPair::generate().expect("server key");
        let mut params =
            rcgen::CertificateParams::new(vec!["localhost".to_owned()]).expect("server params");
        params
            .subject_alt_names
            .push(rcgen::SanType::IpAddress(std::net::IpAddr::from([
                127, 0, 0, 1,
            ])));
        let cert = params
            .signed_by(&server_key, &ca, &ca_key)
            .expect("server certificate");
        let files = Self {
            ca_file: dir.join("ca.pem"),
            cert_file: dir.join("server-cert.pem"),
            key_file: dir.join("server-key.pem"),
        };
        std::fs::write(&files.ca_file, ca.pem()).expect("write CA");
        std::fs::write(&files.cert_file, cert.pem()).expect("write certificate");
        std::fs::write(&files.key_file, server_key.serialize_pem()).expect("write key");
        files
    }

    /// Starts nats-server with JetStream that speaks TLS only, with this certificate.
    pub fn start_server(&self) -> NatsServer {
        NatsServer::start_with_config(|port, dir| {
            format!(
                "listen: \"127.0.0.1:{port}\"\njetstream: {{ store_dir: \"{}\" }}\n\
                 tls: {{ cert_file: \"{}\", key_file: \"{}\" }}\n",
                dir.join("jetstream").display(),
                self.cert_file.display(),
                self.key_file.display()
            )
        })
    }
}
