// The build identity script shared with the server: see build/commit.rs.
include!("../build/commit.rs");
