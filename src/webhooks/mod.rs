//! Outbound webhooks (Standard Webhooks): the checks on an endpoint's
//! address, the signature, and the worker that delivers the outbox that
//! `store::webhooks` keeps.

pub mod address;
pub mod delivery;
pub mod signing;

pub use delivery::{start, WebhookConfig};
