//! Presentation of command results: the text tables and the inspect reports of signed artifacts.
//! Libraries return data; only the binary decides how it looks.

pub mod claims;
pub mod par;
pub mod table;

pub use table::TextTable;
