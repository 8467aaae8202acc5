// The build identity script shared with the app: see build/commit.rs.
include!("../build/commit.rs");
