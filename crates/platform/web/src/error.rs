//! Errors as the user sees them: an HTML page in their language, or RFC 9457 problem+json on
//! the API. Handlers return [`PageError`] or [`ApiError`]; the context middleware renders
//! HTML errors (it knows the language) and turns any other error response into one of the two,
//! so no route can answer with a bare text error.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use guichet_core::authz::Denied;

/// An error on an HTML route: status, message key, optional detail (already in the user's
/// language or language-neutral, e.g. a database error id).
#[derive(Debug, Clone)]
pub struct PageError {
    pub status: StatusCode,
    pub key: &'static str,
    pub detail: Option<String>,
}

impl PageError {
    pub fn new(status: StatusCode, key: &'static str) -> Self {
        Self {
            status,
            key,
            detail: None,
        }
    }

    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "error-404")
    }

    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            key: "error-400",
            detail: Some(detail.into()),
        }
    }

    /// An unexpected failure: logged with its cause, shown without it.
    pub fn internal(cause: &dyn std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "request failed");
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "error-500")
    }

    /// The default key for a status, for errors that did not come from a handler.
    pub fn for_status(status: StatusCode) -> Self {
        let key = match status.as_u16() {
            400 | 422 => "error-400",
            401 => "error-401",
            403 => "error-403",
            404 => "error-404",
            405 => "error-405",
            409 => "error-409",
            413 => "error-413",
            415 => "error-415",
            503 | 504 | 408 => "error-503",
            _ => "error-500",
        };
        Self::new(status, key)
    }
}

impl From<Denied> for PageError {
    fn from(d: Denied) -> Self {
        match d {
            Denied::NotLoggedIn => Self::new(StatusCode::UNAUTHORIZED, "error-401"),
            Denied::Forbidden | Denied::OutOfScope => Self::new(StatusCode::FORBIDDEN, "error-403"),
        }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        // The body is rendered by the context middleware, which knows the language.
        let mut response = self.status.into_response();
        response.extensions_mut().insert(self);
        response
    }
}

/// An RFC 9457 problem document.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem, e.g. `urn:guichet:problem:not-found`.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Per-field problems of a form submission: `path` (field key, `block[0].key` in blocks),
    /// stable `code`, `message` in the requested language.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(value_type = Vec<Object>)]
    pub errors: Vec<serde_json::Value>,
}

/// An error on the JSON API.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub detail: Option<String>,
    pub errors: Vec<serde_json::Value>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> Self {
        Self {
            status,
            code,
            detail: Some(detail.into()),
            errors: Vec::new(),
        }
    }

    pub fn internal(cause: &dyn std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "API request failed");
        Self {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            code: "internal",
            detail: None,
            errors: Vec::new(),
        }
    }

    /// The problem code for a bare status.
    pub fn for_status(status: StatusCode, detail: Option<String>) -> Self {
        let code = match status.as_u16() {
            400 | 422 => "bad-request",
            401 => "unauthorized",
            403 => "forbidden",
            404 => "not-found",
            405 => "method-not-allowed",
            408 => "timeout",
            409 => "conflict",
            413 => "payload-too-large",
            415 => "unsupported-media-type",
            429 => "too-many-requests",
            503 => "unavailable",
            _ => "internal",
        };
        Self {
            status,
            code,
            detail,
            errors: Vec::new(),
        }
    }
}

impl From<Denied> for ApiError {
    fn from(d: Denied) -> Self {
        match d {
            Denied::NotLoggedIn => {
                Self::new(StatusCode::UNAUTHORIZED, "unauthorized", d.to_string())
            }
            Denied::Forbidden => Self::new(StatusCode::FORBIDDEN, "forbidden", d.to_string()),
            Denied::OutOfScope => {
                Self::new(StatusCode::FORBIDDEN, "insufficient-scope", d.to_string())
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let problem = Problem {
            kind: format!("urn:guichet:problem:{}", self.code),
            title: self.status.canonical_reason().unwrap_or("Error").to_owned(),
            status: self.status.as_u16(),
            detail: self.detail,
            errors: self.errors,
        };
        let mut response = (self.status, Json(problem)).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        response
    }
}

impl From<guichet_store::StoreError> for ApiError {
    fn from(e: guichet_store::StoreError) -> Self {
        use guichet_store::StoreError as E;
        match e {
            E::Conflict(what) => Self::new(
                StatusCode::CONFLICT,
                "conflict",
                format!("{what} already exists"),
            ),
            E::NotFound(what) => Self::new(
                StatusCode::NOT_FOUND,
                "not-found",
                format!("{what} was not found"),
            ),
            E::Busy(_) | E::Connect(_) => Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "the database is busy; retry",
            ),
            E::Stale(what) => Self::new(
                StatusCode::CONFLICT,
                "stale",
                format!("{what} was changed meanwhile; reload and try again"),
            ),
            other => Self::internal(&other),
        }
    }
}

impl From<guichet_store::StoreError> for PageError {
    fn from(e: guichet_store::StoreError) -> Self {
        use guichet_store::StoreError as E;
        match e {
            E::Conflict(_) => Self::new(StatusCode::CONFLICT, "error-409"),
            E::Stale(_) => Self::new(StatusCode::CONFLICT, "error-stale"),
            E::NotFound(_) => Self::not_found(),
            E::Busy(_) | E::Connect(_) => Self::new(StatusCode::SERVICE_UNAVAILABLE, "error-503"),
            other => Self::internal(&other),
        }
    }
}

impl From<guichet_common::ServiceError> for ApiError {
    fn from(e: guichet_common::ServiceError) -> Self {
        use guichet_common::ServiceError as E;
        match e {
            E::Invalid { key, detail, .. } => {
                Self::new(StatusCode::UNPROCESSABLE_ENTITY, key, detail)
            }
            E::Form(errors) => {
                let mut out = Self::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "form-invalid",
                    format!("the answers have {} problem(s)", errors.len()),
                );
                out.errors = errors
                    .iter()
                    .map(|e| serde_json::json!({ "path": e.path, "code": e.code, "message": e.message }))
                    .collect();
                out
            }
            E::IllegalStep { .. } => {
                Self::new(StatusCode::CONFLICT, "illegal-transition", e.to_string())
            }
            E::FormChanged { .. } => {
                Self::new(StatusCode::CONFLICT, "stale-form-version", e.to_string())
            }
            E::NotFound(what) => Self::new(
                StatusCode::NOT_FOUND,
                "not-found",
                format!("{what} was not found"),
            ),
            E::Store(s) => s.into(),
            E::Internal(_) => Self::internal(&e),
        }
    }
}
