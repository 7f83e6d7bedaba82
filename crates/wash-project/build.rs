//! Embeds `templates/` (at the workspace root) into the library: one `(folder, path, bytes)` entry per file.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let templates = manifest_dir.join("../../templates");
    println!("cargo:rerun-if-changed={}", templates.display());
    let mut entries = Vec::new();
    // The first field is the template's folder: `actor`, `provider`, `interface` (each kind's default)
    // and named extras such as `actor-go`.
    for folder in ["actor", "actor-go", "provider", "interface"] {
        let root = templates.join(folder);
        collect(&root, &root, &mut |relative, absolute| {
            entries.push((folder, relative, absolute));
        });
    }
    // The wasmCloud model (`org.wasmcloud.model#U32`, `#wasmbus`, ...) that the contracts of the
    // provider and interface templates use: one copy, from `smithy/`, so `wash gen` works offline.
    let model = manifest_dir.join("../../smithy/wasmcloud-model.smithy");
    println!("cargo:rerun-if-changed={}", model.display());
    let model = model
        .canonicalize()
        .expect("smithy/wasmcloud-model.smithy exists");
    for kind in ["provider", "interface"] {
        entries.push((kind, "wasmcloud-model.smithy".to_owned(), model.clone()));
    }
    entries.sort();
    let mut code = String::from(
        "/// Every embedded template file: (template folder, relative path, contents).\n",
    );
    code.push_str("pub(crate) static FILES: &[(&str, &str, &[u8])] = &[\n");
    for (kind, relative, absolute) in &entries {
        let _ = writeln!(
            code,
            "    ({kind:?}, {relative:?}, include_bytes!({:?})),",
            absolute.display().to_string()
        );
    }
    code.push_str("];\n");
    let out =
        PathBuf::from(std::env::var_os("OUT_DIR").expect("set by cargo")).join("templates.rs");
    std::fs::write(&out, code).expect("write the embedded template table");
}

/// Calls `found` with the `/`-separated relative path and the absolute path of every file under `dir`,
/// skipping build output (`target/`, `build/`) that a trial build inside a template may have left.
fn collect(root: &Path, dir: &Path, found: &mut dyn FnMut(String, PathBuf)) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        panic!("templates folder `{}` is missing", dir.display());
    };
    for entry in entries {
        let entry = entry.expect("read a template folder entry");
        let path = entry.path();
        let name = entry.file_name();
        if path.is_dir() {
            if dir == root && (name == "target" || name == "build") {
                continue;
            }
            collect(root, &path, found);
        } else {
            let relative = path
                .strip_prefix(root)
                .expect("entries lie under the root")
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            found(
                relative,
                path.canonicalize().expect("canonical template path"),
            );
        }
    }
}
