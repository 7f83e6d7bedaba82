//! The OCI registry client of wash (being written).
