//! Integration tests of `plan`, one binary: golden plans for a matrix of
//! scenarios through the real `aws-sdk-efs` client against the in-process
//! emulator (`golden`), and the built binary's exit codes, flags and files
//! (`binary`). `support` starts emulators and sets up state through the SDK.
//!
//! Nothing here replaces the SDK; the emulator stands in for AWS.

mod binary;
mod golden;
mod kms;
mod markdown;
mod safety;
mod support;
