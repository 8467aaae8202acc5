//! Files: the storage backends, what an upload's bytes are, the malware scanner, and the
//! service that turns finished uploads into files and erases what nothing refers to.

pub mod inspect;
pub mod scan;
pub mod service;
pub mod storage;
