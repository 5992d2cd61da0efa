//! Request extractors shared by the API and the pages: query strings and
//! JSON bodies read into typed values, every broken rule named at its field.

pub mod json;
pub mod query;
