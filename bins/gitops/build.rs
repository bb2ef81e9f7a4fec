//! Link flags of the `gitops` binary.

fn main() {
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let env = std::env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();
    if os == "linux" && env == "gnu" {
        // Relative relocations packed (DT_RELR, glibc 2.36+): the loader no longer reads a
        // megabyte of relocation entries at every start (about 1 MiB less memory per run).
        println!("cargo:rustc-link-arg-bin=gitops=-Wl,-z,pack-relative-relocs");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
