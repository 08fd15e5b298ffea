//! hotnode's file side, as a library: resolving specifiers, reading and transforming app
//! modules into payloads for the runtime, watching files, and the private control socket.

pub mod private_fs;
pub mod project_root;
pub mod protocol;
pub mod resolve;
pub mod socket;
pub mod store;
pub mod transform_cache;
pub mod watch;
