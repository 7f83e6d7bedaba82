//! The page's forms and their validation: every field is checked here, before anything is sent to the
//! lattice, and a mistake comes back as a [`FormError`] naming the field and what to do.
//!
//! The page posts each form as a JSON object of strings (what the inputs hold); the checked result is
//! a typed request for [`wash_ctl`].

use std::collections::BTreeMap;
use std::net::SocketAddr;

use serde::Deserialize;
use wash_ctl::ids::{
    check_actor_id, check_contract_id, check_host_id, check_link, check_provider_id,
};
use wash_wire::LinkDefinition;

/// A field of a form holds something unusable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct FormError {
    /// The form field (input name) at fault.
    pub field: &'static str,
    /// What is wrong and what to do.
    pub message: String,
}

impl FormError {
    fn new(field: &'static str, message: impl Into<String>) -> Self {
        Self {
            field,
            message: message.into(),
        }
    }
}

/// "Start actor": a signed module by path on this machine or OCI reference.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct StartActorForm {
    /// Path or OCI reference.
    pub reference: String,
    /// Instances to start (empty: 1).
    pub count: String,
    /// Host (empty: auction).
    pub host_id: String,
}

/// "Start provider": a provider archive by path or OCI reference.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct StartProviderForm {
    /// Path or OCI reference.
    pub reference: String,
    /// Link name (empty: `default`).
    pub link_name: String,
    /// Host (empty: auction).
    pub host_id: String,
}

/// "Put link".
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct PutLinkForm {
    /// Actor id.
    pub actor_id: String,
    /// Provider id.
    pub provider_id: String,
    /// Contract id.
    pub contract_id: String,
    /// Link name (empty: `default`).
    pub link_name: String,
    /// `KEY=VALUE` lines.
    pub values: String,
}

/// "Delete link".
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct DeleteLinkForm {
    /// Actor id.
    pub actor_id: String,
    /// Contract id.
    pub contract_id: String,
    /// Link name (empty: `default`).
    pub link_name: String,
}

/// "Scale actor".
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ScaleActorForm {
    /// Actor id.
    pub actor_id: String,
    /// Reference to start more instances from (the running actor's).
    pub actor_ref: String,
    /// Host running it.
    pub host_id: String,
    /// Wanted instances.
    pub count: String,
}

/// "Stop actor".
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct StopActorForm {
    /// Actor id.
    pub actor_id: String,
    /// Host running it.
    pub host_id: String,
}

/// "Stop provider".
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct StopProviderForm {
    /// Provider id.
    pub provider_id: String,
    /// Link name of the instance.
    pub link_name: String,
    /// Contract id.
    pub contract_id: String,
    /// Host running it.
    pub host_id: String,
}

/// A checked start request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartRequest {
    /// Absolute path, URL or OCI reference, as the host should get it.
    pub reference: String,
    /// Instances (actors) — 1 for providers.
    pub count: u16,
    /// Link name (providers).
    pub link_name: String,
    /// Host, or `None` for an auction.
    pub host_id: Option<String>,
}

/// A checked scale request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScaleRequest {
    /// Actor id.
    pub actor_id: String,
    /// Reference of the module.
    pub actor_ref: String,
    /// Host.
    pub host_id: String,
    /// Wanted instances.
    pub count: u16,
}

/// A checked stop of a provider instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StopProviderRequest {
    /// Provider id.
    pub provider_id: String,
    /// Link name.
    pub link_name: String,
    /// Contract id.
    pub contract_id: String,
    /// Host.
    pub host_id: String,
}

impl StartActorForm {
    /// Checks the form.
    pub fn check(&self) -> Result<StartRequest, FormError> {
        Ok(StartRequest {
            reference: check_reference(&self.reference, "a signed actor module (.wasm)")?,
            count: parse_count(&self.count, "count", 1, 1)?,
            link_name: String::new(),
            host_id: optional_host(&self.host_id)?,
        })
    }
}

impl StartProviderForm {
    /// Checks the form.
    pub fn check(&self) -> Result<StartRequest, FormError> {
        Ok(StartRequest {
            reference: check_reference(&self.reference, "a provider archive (.par.gz)")?,
            count: 1,
            link_name: check_link_name(&self.link_name)?,
            host_id: optional_host(&self.host_id)?,
        })
    }
}

impl PutLinkForm {
    /// Checks the form and builds the link definition.
    pub fn check(&self) -> Result<LinkDefinition, FormError> {
        let actor_id = required(&self.actor_id, "actor_id", "choose the actor to link")?;
        let provider_id = required(
            &self.provider_id,
            "provider_id",
            "choose the provider to link",
        )?;
        let contract_id = required(
            &self.contract_id,
            "contract_id",
            "enter the contract id, e.g. wasmcloud:httpserver",
        )?;
        check_actor_id(&actor_id).map_err(|e| FormError::new("actor_id", e.to_string()))?;
        check_provider_id(&provider_id)
            .map_err(|e| FormError::new("provider_id", e.to_string()))?;
        check_contract_id(&contract_id)
            .map_err(|e| FormError::new("contract_id", e.to_string()))?;
        check_link(&actor_id, &provider_id, &contract_id)
            .map_err(|e| FormError::new("contract_id", e.to_string()))?;
        let values = parse_values(&self.values)?;
        check_known_values(&contract_id, &values)?;
        Ok(LinkDefinition {
            actor_id,
            provider_id,
            link_name: check_link_name(&self.link_name)?,
            contract_id,
            values,
        })
    }
}

impl DeleteLinkForm {
    /// Checks the form: (actor id, contract id, link name).
    pub fn check(&self) -> Result<(String, String, String), FormError> {
        let actor_id = self.actor_id.trim().to_owned();
        check_actor_id(&actor_id).map_err(|e| FormError::new("actor_id", e.to_string()))?;
        let contract_id = self.contract_id.trim().to_owned();
        check_contract_id(&contract_id)
            .map_err(|e| FormError::new("contract_id", e.to_string()))?;
        Ok((actor_id, contract_id, check_link_name(&self.link_name)?))
    }
}

impl ScaleActorForm {
    /// Checks the form.
    pub fn check(&self) -> Result<ScaleRequest, FormError> {
        let actor_id = self.actor_id.trim().to_owned();
        check_actor_id(&actor_id).map_err(|e| FormError::new("actor_id", e.to_string()))?;
        let host_id = self.host_id.trim().to_owned();
        check_host_id(&host_id).map_err(|e| FormError::new("host_id", e.to_string()))?;
        Ok(ScaleRequest {
            actor_ref: check_reference(&self.actor_ref, "the actor's signed module")?,
            count: parse_count(&self.count, "count", 0, u16::MAX)?,
            actor_id,
            host_id,
        })
    }
}

impl StopActorForm {
    /// Checks the form: (actor id, host id).
    pub fn check(&self) -> Result<(String, String), FormError> {
        let actor_id = self.actor_id.trim().to_owned();
        check_actor_id(&actor_id).map_err(|e| FormError::new("actor_id", e.to_string()))?;
        let host_id = self.host_id.trim().to_owned();
        check_host_id(&host_id).map_err(|e| FormError::new("host_id", e.to_string()))?;
        Ok((actor_id, host_id))
    }
}

impl StopProviderForm {
    /// Checks the form.
    pub fn check(&self) -> Result<StopProviderRequest, FormError> {
        let provider_id = self.provider_id.trim().to_owned();
        check_provider_id(&provider_id)
            .map_err(|e| FormError::new("provider_id", e.to_string()))?;
        let host_id = self.host_id.trim().to_owned();
        check_host_id(&host_id).map_err(|e| FormError::new("host_id", e.to_string()))?;
        let contract_id = self.contract_id.trim().to_owned();
        check_contract_id(&contract_id)
            .map_err(|e| FormError::new("contract_id", e.to_string()))?;
        Ok(StopProviderRequest {
            provider_id,
            link_name: check_link_name(&self.link_name)?,
            contract_id,
            host_id,
        })
    }
}

fn required(value: &str, field: &'static str, hint: &str) -> Result<String, FormError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(FormError::new(field, format!("{field} is empty: {hint}")));
    }
    Ok(value.to_owned())
}

fn optional_host(value: &str) -> Result<Option<String>, FormError> {
    let value = value.trim();
    if value.is_empty() {
        return Ok(None);
    }
    check_host_id(value).map_err(|e| FormError::new("host_id", e.to_string()))?;
    Ok(Some(value.to_owned()))
}

/// A link name: empty means `default`; no whitespace.
fn check_link_name(value: &str) -> Result<String, FormError> {
    let value = value.trim();
    if value.is_empty() {
        return Ok("default".into());
    }
    if value.contains(char::is_whitespace) || value.contains(['*', '>']) {
        return Err(FormError::new(
            "link_name",
            format!("link name `{value}` may not contain spaces, `*` or `>`: use e.g. `default` or `backup`"),
        ));
    }
    Ok(value.to_owned())
}

fn parse_count(value: &str, field: &'static str, min: u16, default: u16) -> Result<u16, FormError> {
    let value = value.trim();
    if value.is_empty() {
        return Ok(default.max(min));
    }
    match value.parse::<u16>() {
        Ok(n) if n >= min => Ok(n),
        _ => Err(FormError::new(
            field,
            format!(
                "{field} must be a whole number from {min} to {}, not `{value}`",
                u16::MAX
            ),
        )),
    }
}

/// A reference the host can load ([`wash_oci::host_reference`] decides): an existing file on this
/// machine (sent as an absolute path), a `file://` URL, or a well-formed OCI reference
/// (`registry/repository:tag`). Errors add what to enter instead.
pub fn check_reference(value: &str, what: &str) -> Result<String, FormError> {
    wash_oci::host_reference(value).map_err(|err| {
        let message = match &err {
            wash_oci::OciError::EmptyReference => format!("{err}: enter the path of {what} on this machine, or an OCI reference such as `127.0.0.1:5000/kvcounter:0.1.0`"),
            wash_oci::OciError::UnreadableReference { source, .. } => format!("{err} ({source}): enter the path of {what} on the machine running `wash ui`"),
            wash_oci::OciError::NotAFile(_) => format!("{err}: enter the path of {what}"),
            wash_oci::OciError::NotAReference(_) => format!("{err}: enter the path of {what}, or e.g. `127.0.0.1:5000/kvcounter:0.1.0`"),
            _ => err.to_string(),
        };
        FormError::new("reference", message)
    })
}

/// Link values: one `KEY=VALUE` per line; blank lines are skipped, a key may appear once.
pub fn parse_values(text: &str) -> Result<BTreeMap<String, String>, FormError> {
    let mut values = BTreeMap::new();
    for (number, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let line_no = number + 1;
        let Some((key, value)) = line.split_once('=') else {
            return Err(FormError::new(
                "values",
                format!("line {line_no}: `{line}` is not KEY=VALUE (e.g. `PORT=8080`)"),
            ));
        };
        let key = key.trim();
        if key.is_empty() || key.contains(char::is_whitespace) {
            return Err(FormError::new(
                "values",
                format!("line {line_no}: `{line}` needs a key without spaces before `=` (e.g. `PORT=8080`)"),
            ));
        }
        if values
            .insert(key.to_owned(), value.trim().to_owned())
            .is_some()
        {
            return Err(FormError::new(
                "values",
                format!("line {line_no}: `{key}` is given twice: keep one"),
            ));
        }
    }
    Ok(values)
}

/// Checks the settings a known provider contract reads, so a typo is caught here instead of in the
/// provider's log: the HTTP server's `PORT` and `address`.
fn check_known_values(
    contract_id: &str,
    values: &BTreeMap<String, String>,
) -> Result<(), FormError> {
    if contract_id != "wasmcloud:httpserver" {
        return Ok(());
    }
    for (key, value) in values {
        match key.to_ascii_lowercase().as_str() {
            "port" if !matches!(value.parse::<u16>(), Ok(port) if port > 0) => {
                return Err(FormError::new(
                    "values",
                    format!("{key} must be a port number from 1 to 65535, not `{value}`"),
                ));
            }
            "address" if value.parse::<SocketAddr>().is_err() => {
                return Err(FormError::new(
                    "values",
                    format!(
                        "{key} must be an IP address and port such as `127.0.0.1:8080`, not `{value}`"
                    ),
                ));
            }
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    const ACTOR: &str = "MBCFOPM6JW2APJLXJD3Z5O4CN7CPYJ2B4FTKLJUR5YR5MITIU7HD3WD5";
    const PROVIDER: &str = "VAG3QITQQ2ODAOWB5TTQSDJ53XK3SHBEIFNK4AYJ5RKAX2UNSCAPHA5M";

    fn link(values: &str) -> PutLinkForm {
        PutLinkForm {
            actor_id: ACTOR.into(),
            provider_id: PROVIDER.into(),
            contract_id: "wasmcloud:httpserver".into(),
            link_name: String::new(),
            values: values.into(),
        }
    }

    /// A good link form becomes a link definition with the default link name and trimmed values.
    #[test]
    fn link_form_builds_the_definition() {
        let link = link("PORT = 8080\n\n  address=127.0.0.1:8080 ")
            .check()
            .expect("valid");
        assert_eq!(link.link_name, "default");
        assert_eq!(link.values["PORT"], "8080");
        assert_eq!(link.values["address"], "127.0.0.1:8080");
    }

    /// A line without `=`, a repeated key and a bad port are each refused with the field and the line.
    #[test]
    fn bad_link_values_are_explained() {
        let err = link("PORT").check().expect_err("no =");
        assert_eq!(err.field, "values");
        assert!(
            err.message.contains("line 1: `PORT` is not KEY=VALUE"),
            "{err}"
        );
        let err = link("A=1\nA=2").check().expect_err("twice");
        assert!(err.message.contains("line 2: `A` is given twice"), "{err}");
        let err = link("PORT=eighty").check().expect_err("not a number");
        assert!(
            err.message
                .contains("port number from 1 to 65535, not `eighty`"),
            "{err}"
        );
    }

    /// Swapped or empty ids name the field at fault.
    #[test]
    fn link_ids_are_checked() {
        let mut form = link("");
        form.actor_id = PROVIDER.into();
        form.provider_id = ACTOR.into();
        assert_eq!(form.check().expect_err("swapped").field, "actor_id");
        let mut form = link("");
        form.contract_id = " ".into();
        let err = form.check().expect_err("empty");
        assert_eq!(err.field, "contract_id");
        assert!(err.message.contains("contract_id is empty"), "{err}");
    }

    /// An existing file becomes an absolute path, an OCI reference passes as it is, and anything else
    /// is refused with a hint.
    #[test]
    fn references_are_files_or_oci_references() {
        let dir = tempfile::tempdir().expect("dir");
        let file = dir.path().join("a.wasm");
        std::fs::write(&file, b"x").expect("write");
        let checked = check_reference(&file.display().to_string(), "a module").expect("file");
        assert!(Path::new(&checked).is_absolute());
        assert_eq!(
            check_reference("127.0.0.1:5000/kvcounter:0.1.0", "a module").expect("oci"),
            "127.0.0.1:5000/kvcounter:0.1.0"
        );
        let err = check_reference("not a reference", "a module").expect_err("neither");
        assert!(
            err.message
                .contains("neither a file on this machine nor an OCI reference"),
            "{err}"
        );
        let err = check_reference("/no/such/file.wasm", "a module").expect_err("missing");
        assert!(
            err.message.starts_with("cannot read `/no/such/file.wasm`"),
            "{err}"
        );
        let err = check_reference("https://example.com/a.wasm", "a module").expect_err("url");
        assert!(err.message.contains("URL the host cannot load"), "{err}");
    }

    /// Counts are whole numbers in range; an empty count means one instance.
    #[test]
    fn counts_are_checked() {
        let form = StartActorForm {
            reference: "127.0.0.1:5000/a:1".into(),
            count: String::new(),
            host_id: String::new(),
        };
        assert_eq!(form.check().expect("ok").count, 1);
        let form = StartActorForm {
            count: "-2".into(),
            ..form
        };
        let err = form.check().expect_err("negative");
        assert_eq!(err.field, "count");
        assert!(err.message.contains("from 1 to 65535, not `-2`"), "{err}");
    }
}
