//! The TLS provider of every client in this crate.
//!
//! reqwest, gix, oci-client and object_store are built on rustls without a built-in
//! crypto provider; rustls then needs one installed for the process. We use `ring`, the
//! provider kube's clients use too, so that one binary never carries two (two providers
//! make rustls refuse to pick one).

/// Installs the `ring` provider for the process unless one is installed already.
/// Every network entry point of this crate calls it; binaries may call it at start-up.
pub fn ensure_provider() {
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        // Another thread may win the race; either way a provider is installed.
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
}
