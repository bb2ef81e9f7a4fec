//! Link flags of the `gitops` binary.

use std::path::Path;

fn main() {
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let env = std::env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();
    if os == "linux" && env == "gnu" {
        // Relative relocations packed (DT_RELR, glibc 2.36+): the loader no longer reads a
        // megabyte of relocation entries at every start (about 1 MiB less memory per run).
        println!("cargo:rustc-link-arg-bin=gitops=-Wl,-z,pack-relative-relocs");
        link_order();
    }
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=GITOPS_NO_LINK_ORDER");
}

/// Release builds (linked by lld, Rust's default linker here) place the functions
/// `gitops helm template` runs together at the start of `.text`
/// (`link/helm-template.order`, made by `scripts/link-order.sh`): the render then touches
/// a few contiguous megabytes of the binary instead of pages spread over all of it. The
/// list holds the names of both release builds (the static one of
/// `scripts/build-release.sh` and plain `cargo build --release`, whose symbol hashes
/// differ); names a build does not have are skipped, so a stale list only costs memory.
fn link_order() {
    let release = std::env::var("PROFILE").is_ok_and(|p| p == "release");
    let order = Path::new(&std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default())
        .join("link")
        .join("helm-template.order");
    println!("cargo:rerun-if-changed={}", order.display());
    if !release || std::env::var_os("GITOPS_NO_LINK_ORDER").is_some() || !order.exists() {
        return;
    }
    println!(
        "cargo:rustc-link-arg-bin=gitops=-Wl,--symbol-ordering-file={}",
        order.display()
    );
    println!("cargo:rustc-link-arg-bin=gitops=-Wl,--no-warn-symbol-ordering");
}
