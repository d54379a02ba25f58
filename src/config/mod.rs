//! HCL loading, variable evaluation, validation and diagnostics. Produces a
//! [`crate::model::Desired`] or every diagnostic found; never calls AWS.
