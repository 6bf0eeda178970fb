//! JSON input of the API: a body extractor with problem+json rejections and lenient integers.

use axum::Json;
use axum::extract::{FromRequest, Request};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// JSON body extractor whose rejections are problem+json.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => Err(ApiError::for_status(
                rejection.status(),
                Some(rejection.body_text()),
            )),
        }
    }
}

/// Reads an integer that a JSON client may write as `15` or `15.0`: JSON Schema's `integer`
/// (which the API document promises) allows both, serde's `i64` only the first.
pub fn integral<'de, D: serde::Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    let n = serde_json::Number::deserialize(d)?;
    n.as_i64()
        .or_else(|| {
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
                .map(|f| f as i64)
        })
        .ok_or_else(|| serde::de::Error::custom(format!("expected an integer, got {n}")))
}

/// `integral` for an optional field.
pub fn integral_opt<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    #[derive(serde::Deserialize)]
    struct Wrap(#[serde(deserialize_with = "integral")] i64);
    Ok(Option::<Wrap>::deserialize(d)?.map(|Wrap(n)| n))
}
