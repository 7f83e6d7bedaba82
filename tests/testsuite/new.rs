//! `wash new`: embedded templates, local and git templates, placeholders, and refusals that touch nothing.

use std::path::{Path, PathBuf};
use std::process::Command;

use wash_test_support::wash;

use crate::snapshot::assert_help_snapshot;

/// A local template with a custom placeholder, a file name placeholder, a `.liquid` file and an ignore.
fn write_custom_template(dir: &Path) {
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(
        dir.join("cargo-generate.toml"),
        "[template]\nignore = [\"notes.txt\"]\n\n\
         [placeholders.greeting]\ntype = \"string\"\nprompt = \"Greeting?\"\nregex = \"^[A-Z][a-z]+$\"\n\n\
         [placeholders.vendor]\ndefault = \"acme\"\n\n\
         [placeholders.loud]\ntype = \"bool\"\ndefault = false\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("wasmcloud.toml"),
        "name = \"{{project-name}}\"\ntype = \"actor\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("src/{{crate_name}}.txt.liquid"),
        "{{greeting}} from {{project-name | pascal_case}} by {{vendor}}{% if loud %}!{% endif %}\n",
    )
    .unwrap();
    std::fs::write(dir.join("notes.txt"), "not copied").unwrap();
    std::fs::write(dir.join("logo.bin"), [0xff, 0xfe, 0x00, b'{', b'{']).unwrap();
}

/// The embedded actor template renders under `--silent` into `./<name>` with the name filled in.
#[test]
fn embedded_actor_template_renders() {
    let out = wash()
        .args(["new", "actor", "hello-world", "--silent", "-o", "json"])
        .run()
        .success();
    let json = out.json();
    let project = out.work_dir().join("hello-world");
    assert_eq!(json["path"], project.display().to_string());
    let files: Vec<&str> = json["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap())
        .collect();
    assert!(
        files.contains(&"src/lib.rs") && files.contains(&"wasmcloud.toml"),
        "{files:?}"
    );
    assert!(
        !files.contains(&"cargo-generate.toml"),
        "the template config is not copied"
    );
    let cargo = std::fs::read_to_string(project.join("Cargo.toml")).unwrap();
    assert!(cargo.contains("name = \"hello-world\""), "{cargo}");
    assert!(cargo.contains("wasmbus-rpc = \"0.15\""), "{cargo}");
    let lib = std::fs::read_to_string(project.join("src/lib.rs")).unwrap();
    assert!(lib.contains("struct HelloWorldActor"), "{lib}");
    let manifest = std::fs::read_to_string(project.join("wasmcloud.toml")).unwrap();
    assert!(
        manifest.contains("claims = [\"wasmcloud:httpserver\"]"),
        "{manifest}"
    );
}

/// An existing folder without `--force` is refused with exit 1, and its contents are left as they were.
#[test]
fn existing_folder_is_refused_without_force() {
    let cmd = wash();
    let existing = cmd.work_dir().join("hello");
    std::fs::create_dir_all(&existing).unwrap();
    std::fs::write(existing.join("Cargo.toml"), "mine").unwrap();
    let out = cmd
        .args(["new", "actor", "hello", "--silent"])
        .run()
        .assert_code(1);
    assert!(out.stderr().contains("already exists"), "{}", out.stderr());
    assert!(out.stderr().contains("--force"), "{}", out.stderr());
    assert_eq!(
        std::fs::read_to_string(existing.join("Cargo.toml")).unwrap(),
        "mine"
    );
    assert_eq!(std::fs::read_dir(&existing).unwrap().count(), 1);

    let cmd = wash();
    let existing = cmd.work_dir().join("hello");
    std::fs::create_dir_all(&existing).unwrap();
    std::fs::write(existing.join("keep.txt"), "kept").unwrap();
    let _out = cmd
        .args(["new", "actor", "hello", "--silent", "--force"])
        .run()
        .success();
    assert!(existing.join("src/lib.rs").is_file());
    assert_eq!(
        std::fs::read_to_string(existing.join("keep.txt")).unwrap(),
        "kept"
    );
}

/// Without a terminal and without a name, `wash new` exits 2 and says how to pass the name.
#[test]
fn missing_name_without_terminal_is_a_usage_error() {
    let out = wash().args(["new", "provider"]).run().assert_code(2);
    assert!(
        out.stderr().contains("missing the project name"),
        "{}",
        out.stderr()
    );
    assert!(
        out.stderr().contains("wash new provider <NAME>"),
        "{}",
        out.stderr()
    );
    let out = wash()
        .args(["new", "provider", "--silent", "-o", "json"])
        .run()
        .assert_code(2);
    assert_eq!(out.json()["success"], false);
    assert_eq!(std::fs::read_dir(out.work_dir()).unwrap().count(), 0);
}

/// A local template renders custom placeholders from `--values` and `--define`, renders file names,
/// drops `.liquid`, honours `ignore`, and copies binary files as they are.
#[test]
fn path_template_with_values_and_defines() {
    let cmd = wash();
    let template = cmd.home().join("tpl");
    write_custom_template(&template);
    let values = cmd.home().join("values.toml");
    std::fs::write(&values, "[values]\ngreeting = \"Howdy\"\nloud = true\n").unwrap();
    let out = cmd
        .args(["new", "actor", "my-app", "--path"])
        .arg(&template)
        .arg("--values")
        .arg(&values)
        .args(["-d", "vendor=Initech", "-o", "json"])
        .run()
        .success();
    let project = out.work_dir().join("my-app");
    let text = std::fs::read_to_string(project.join("src/my_app.txt")).unwrap();
    assert_eq!(text, "Howdy from MyApp by Initech!\n");
    assert!(!project.join("notes.txt").exists(), "ignored file copied");
    assert_eq!(
        std::fs::read(project.join("logo.bin")).unwrap(),
        [0xff, 0xfe, 0x00, b'{', b'{']
    );
    assert_eq!(out.json()["values"]["vendor"], "Initech");
}

/// A placeholder without a default and no value is a usage error naming `--define`; a value that breaks
/// the placeholder's regex is refused; in both cases nothing is written.
#[test]
fn placeholder_values_are_required_and_checked() {
    let cmd = wash();
    let template = cmd.home().join("tpl");
    write_custom_template(&template);
    let out = cmd
        .args(["new", "actor", "app", "--silent", "--path"])
        .arg(&template)
        .run()
        .assert_code(2);
    assert!(out.stderr().contains("`greeting`"), "{}", out.stderr());
    assert!(
        out.stderr().contains("--define greeting=<VALUE>"),
        "{}",
        out.stderr()
    );
    assert!(!out.work_dir().join("app").exists());

    let cmd = wash();
    let template = cmd.home().join("tpl");
    write_custom_template(&template);
    let out = cmd
        .args(["new", "actor", "app", "-d", "greeting=hi", "--path"])
        .arg(&template)
        .run()
        .assert_code(1);
    assert!(
        out.stderr().contains("must match the regex"),
        "{}",
        out.stderr()
    );
    assert!(!out.work_dir().join("app").exists());
}

/// A template using a placeholder nobody defines fails with the file and variable named, writing nothing.
#[test]
fn undefined_placeholder_is_a_clear_error() {
    let cmd = wash();
    let template = cmd.home().join("tpl");
    std::fs::create_dir_all(&template).unwrap();
    std::fs::write(template.join("a.txt"), "fine {{project-name}}").unwrap();
    std::fs::write(template.join("README.md"), "by {{ maintainer }}").unwrap();
    let out = cmd
        .args(["new", "actor", "app", "--silent", "--path"])
        .arg(&template)
        .run()
        .assert_code(1);
    let stderr = out.stderr();
    assert!(stderr.contains("`README.md`"), "{stderr}");
    assert!(stderr.contains("maintainer"), "{stderr}");
    assert!(!out.work_dir().join("app").exists());
    let leftovers: Vec<_> = std::fs::read_dir(out.work_dir()).unwrap().collect();
    assert!(
        leftovers.is_empty(),
        "staging folder left behind: {leftovers:?}"
    );
}

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.com",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .current_dir(dir)
        .status()
        .expect("run git");
    assert!(status.success(), "git {args:?} failed");
}

/// `--git` clones a template from a bare repository by file URL, on the branch asked for.
#[test]
fn git_template_from_local_bare_repository() {
    let cmd = wash();
    let source = cmd.home().join("src-repo");
    write_custom_template(&source.join("actor/custom"));
    git(&source, &["init", "-q"]);
    git(&source, &["checkout", "-q", "-b", "templates"]);
    git(&source, &["add", "."]);
    git(&source, &["commit", "-q", "-m", "template"]);
    let bare: PathBuf = cmd.home().join("templates.git");
    git(
        &cmd.home(),
        &["clone", "-q", "--bare", "src-repo", "templates.git"],
    );
    let url = format!("file://{}", bare.display());
    let out = cmd
        .args(["new", "actor", "from-git", "--silent", "--git", &url])
        .args(["--branch", "templates", "--subfolder", "actor/custom"])
        .args(["-d", "greeting=Hello", "-o", "json"])
        .run()
        .success();
    let text = std::fs::read_to_string(out.work_dir().join("from-git/src/from_git.txt")).unwrap();
    assert_eq!(text, "Hello from FromGit by acme\n");
    assert!(out.json()["template"]
        .as_str()
        .unwrap()
        .contains("branch `templates`"));

    let out = wash()
        .args([
            "new",
            "actor",
            "x",
            "--silent",
            "--git",
            "file:///nonexistent/repo.git",
        ])
        .run()
        .assert_code(1);
    assert!(out.stderr().contains("failed to clone"), "{}", out.stderr());
}

/// `--template-name` finds a favorite in `~/.wash/favorites.toml`; an unknown name lists the known ones.
#[test]
fn template_name_from_favorites() {
    let cmd = wash();
    let template = cmd.home().join("tpl");
    write_custom_template(&template);
    std::fs::write(
        cmd.home().join(".wash/favorites.toml"),
        "[[actor]]\nname = \"custom\"\npath = \"../tpl\"\n",
    )
    .unwrap();
    let out = cmd
        .args([
            "new",
            "actor",
            "fav",
            "--silent",
            "--template-name",
            "custom",
        ])
        .args(["-d", "greeting=Hi"])
        .run()
        .success();
    assert!(out.work_dir().join("fav/src/fav.txt").is_file());

    let out = wash()
        .args(["new", "actor", "fav", "--silent", "--template-name", "nope"])
        .run()
        .assert_code(1);
    assert!(out.stderr().contains("known: hello"), "{}", out.stderr());
}

/// `wash new --help` and its subcommands' help match the snapshots.
#[test]
fn help_snapshots() {
    assert_help_snapshot("new", &["new"]);
    assert_help_snapshot("new_actor", &["new", "actor"]);
}
