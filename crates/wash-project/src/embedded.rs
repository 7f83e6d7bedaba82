//! The templates of this repository's `templates/` folder, compiled into the library by `build.rs`.

use crate::{ProjectKind, Template, TemplateFile};

include!(concat!(env!("OUT_DIR"), "/templates.rs"));

/// The name of each embedded template, usable with `--template-name`: `(kind, name)`.
pub const EMBEDDED_TEMPLATE_NAMES: [(ProjectKind, &str); 3] = [
    (ProjectKind::Actor, "hello"),
    (ProjectKind::Provider, "factorial"),
    (ProjectKind::Interface, "greeter"),
];

/// Embedded templates besides each kind's default, picked with `--template-name`:
/// `(kind, name, folder under templates/)`.
pub const EXTRA_EMBEDDED_TEMPLATES: [(ProjectKind, &str, &str); 1] =
    [(ProjectKind::Actor, "go-hello", "actor-go")];

/// The extra embedded template `name` of `kind` (see [`EXTRA_EMBEDDED_TEMPLATES`]), if there is one.
pub fn embedded_named(kind: ProjectKind, name: &str) -> Option<Template> {
    let (_, name, folder) = EXTRA_EMBEDDED_TEMPLATES
        .iter()
        .find(|(k, n, _)| *k == kind && *n == name)?;
    Some(Template {
        origin: format!("embedded {kind} template `{name}`"),
        files: files_of(folder),
    })
}

fn files_of(folder: &str) -> Vec<TemplateFile> {
    FILES
        .iter()
        .filter(|(f, _, _)| *f == folder)
        .map(|(_, path, bytes)| TemplateFile {
            path: (*path).to_owned(),
            contents: bytes.to_vec(),
        })
        .collect()
}

/// The embedded template of `kind`, e.g. the hello-world HTTP actor for [`ProjectKind::Actor`].
pub fn embedded_template(kind: ProjectKind) -> Template {
    let files = FILES
        .iter()
        .filter(|(k, _, _)| *k == kind.as_str())
        .map(|(_, path, bytes)| TemplateFile {
            path: (*path).to_owned(),
            contents: bytes.to_vec(),
        })
        .collect();
    let name = EMBEDDED_TEMPLATE_NAMES
        .iter()
        .find(|(k, _)| *k == kind)
        .map_or("default", |(_, name)| name);
    Template {
        origin: format!("embedded {kind} template `{name}`"),
        files,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each embedded template has a wasmcloud.toml of its own kind and a Cargo.toml.
    #[test]
    fn every_kind_has_its_template() {
        for kind in ProjectKind::ALL {
            let template = embedded_template(kind);
            let manifest = template
                .file("wasmcloud.toml")
                .unwrap_or_else(|| panic!("{kind} template has wasmcloud.toml"));
            let text = String::from_utf8_lossy(&manifest.contents);
            assert!(text.contains(&format!("type = \"{kind}\"")), "{text}");
            assert!(template.file("Cargo.toml").is_some());
        }
    }

    /// `go-hello` is an actor template with a Go manifest, module and SDK; it is no provider template.
    #[test]
    fn go_hello_is_an_extra_actor_template() {
        let template = embedded_named(ProjectKind::Actor, "go-hello").expect("go-hello");
        let manifest = template.file("wasmcloud.toml").expect("wasmcloud.toml");
        assert!(String::from_utf8_lossy(&manifest.contents).contains("language = \"go\""));
        for file in ["go.mod", "main.go", "wasmbus/abi.go", "wasmbus/msgpack.go"] {
            assert!(template.file(file).is_some(), "{file}");
        }
        assert!(embedded_named(ProjectKind::Provider, "go-hello").is_none());
    }

    /// The provider template ships the lock file with the tokio-retry 0.3.0 pin.
    #[test]
    fn provider_template_pins_tokio_retry() {
        let template = embedded_template(ProjectKind::Provider);
        let lock = template.file("Cargo.lock").expect("provider Cargo.lock");
        let text = String::from_utf8_lossy(&lock.contents);
        assert!(
            text.contains("name = \"tokio-retry\"\nversion = \"0.3.0\""),
            "tokio-retry pinned"
        );
    }
}
