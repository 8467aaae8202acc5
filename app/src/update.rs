//! The app's own updates: a release manifest signed with minisign (ed25519), checked against
//! the key compiled into this build ([`crate::build_info::UPDATE_PUBLIC_KEY`]); the archive
//! downloaded (resumably) and checked for size and sha256 before anything is touched; the
//! binary replaced atomically beside a copy of the old one; a restart into the new version.
//!
//! `manifest` reads and verifies; `download` fetches; `install` unpacks and replaces;
//! `worker` runs checks for the window; `headless` is `natter --update-only`.

pub mod download;
pub mod headless;
pub mod install;
pub mod manifest;
pub mod worker;

pub use headless::run_headless;
