//! Request plumbing shared by the API and the pages: query strings and JSON
//! bodies read into typed values, every broken rule named at its field, and
//! `HEAD` answered as `GET`.

pub mod head;
pub mod json;
pub mod query;
