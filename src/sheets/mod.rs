//! Spreadsheets an office exchanges with the service: reading CSV and XLSX
//! ([`read`]), writing tables as downloads ([`export`]), the faculty pool's
//! sheet ([`pool`]) and its merging into the pool ([`pool_import`]), a yearly plan's sheet ([`plan`]), the offices of a part of the tree ([`offices`]), the staffed plan to
//! print ([`staffed_plan`]) and the evaluation cards to cut apart
//! ([`evaluation_cards`]).

pub mod evaluation_cards;
pub mod export;
pub mod offices;
pub mod plan;
pub mod pool;
pub mod pool_import;
pub mod read;
pub mod staffed_plan;
