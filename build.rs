//! Records the git commit the binary is built from (`COOPSIM_COMMIT`), for the provenance that
//! every results folder's manifest and report carry: `d3c96d7…`, with `-dirty` when tracked files
//! differ from that commit, or `unknown` when the source is not a git checkout (a crate tarball) or
//! git is missing. A few lines of `git` rather than a crate for it: this is all that is needed.

use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn main() {
    let commit = git(&["rev-parse", "HEAD"]).map(|hash| {
        let dirty =
            git(&["status", "--porcelain", "--untracked-files=no"]).is_some_and(|s| !s.is_empty());
        if dirty { format!("{hash}-dirty") } else { hash }
    });
    println!(
        "cargo:rustc-env=COOPSIM_COMMIT={}",
        commit.as_deref().unwrap_or("unknown")
    );
    // Built again when the checked-out commit moves (HEAD, or the branch it names) or a source
    // file changes; not on every change to the index, which `git status` itself may rewrite. In
    // a worktree `.git` is a file naming the real git folder, which `--git-dir` finds.
    if let Some(dir) = git(&["rev-parse", "--git-dir"]) {
        println!("cargo:rerun-if-changed={dir}/HEAD");
    }
    if let (Some(common), Some(branch)) = (
        git(&["rev-parse", "--git-common-dir"]),
        git(&["symbolic-ref", "-q", "HEAD"]),
    ) {
        // A path that does not exist would make cargo run this script on every build.
        for file in [
            format!("{common}/{branch}"),
            format!("{common}/packed-refs"),
        ] {
            if std::path::Path::new(&file).exists() {
                println!("cargo:rerun-if-changed={file}");
            }
        }
    }
    for tracked in ["src", "templates", "Cargo.toml", "Cargo.lock", "build.rs"] {
        println!("cargo:rerun-if-changed={tracked}");
    }
}
