//! The query-string extractor: a parameter that does not parse is a 422
//! naming the parameter (`at`, `page`) and the rule, in the words the JSON
//! body's fields get, never actix's plain-text 400.

use std::future::{ready, Ready};
use std::ops::Deref;

use actix_web::{FromRequest, HttpRequest};
use serde::de::DeserializeOwned;

use crate::error::AppError;

/// The request's query string parsed as `T`.
pub struct QueryParams<T>(pub T);

impl<T> Deref for QueryParams<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned> FromRequest for QueryParams<T> {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        ready(parse(req.query_string()).map(QueryParams))
    }
}

/// Reads `query` as a `T`, or names the first parameter that does not fit.
fn parse<T: DeserializeOwned>(query: &str) -> Result<T, AppError> {
    let parameters = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
    serde_path_to_error::deserialize(parameters)
        .map_err(|e| AppError::Validation(vec![solver::path_error(e)]))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize)]
    struct Filter {
        page: Option<i64>,
        active: Option<bool>,
    }

    fn broken(query: &str) -> Vec<(String, String)> {
        match parse::<Filter>(query) {
            Err(AppError::Validation(errors)) => {
                errors.into_iter().map(|e| (e.field, e.rule)).collect()
            }
            other => panic!("{query}: {other:?}"),
        }
    }

    #[test]
    fn each_parameter_is_named_with_its_rule() {
        let read = parse::<Filter>("page=2&active=true&other=x").unwrap();
        assert_eq!((read.page, read.active), (Some(2), Some(true)));
        assert_eq!(broken("page=two"), [("page".into(), "type".into())]);
        assert_eq!(broken("page="), [("page".into(), "type".into())]);
        assert_eq!(broken("active=maybe"), [("active".into(), "type".into())]);
        assert_eq!(
            broken("page=1&page=2"),
            [("page".into(), "duplicate".into())]
        );
    }
}
