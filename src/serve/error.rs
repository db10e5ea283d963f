//! How the server says no: every error is JSON `{"error": code, "message": ...}` with the
//! matching status, including bodies that are too large or not JSON (the `JsonBody` extractor
//! replaces axum's plain-text rejections). Messages never quote a request's secrets back.

use axum::extract::{FromRequest, Request};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::de::DeserializeOwned;
use serde_json::json;

use crate::Error;

/// An error answer: status, a stable machine code, and a sentence for people.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
        }
    }
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }
    pub fn not_found(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, code, message)
    }
    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "send the server's token as `Authorization: Bearer <token>`",
        )
    }
}

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        match e {
            Error::InvalidInput(_) | Error::Import(_) | Error::Config(_) => {
                ApiError::bad_request(e.to_string())
            }
            Error::UnknownAccount(_) => ApiError::not_found("unknown_account", e.to_string()),
            Error::Refresh(_) => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "refresh", e.to_string())
            }
            _ => {
                tracing::error!(error = %e, "request failed inside the engine");
                ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string())
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Json(json!({"error": self.code, "message": self.message}));
        let mut res = (self.status, body).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            res.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        res
    }
}

/// A JSON request body of any content type, bounded by the router's body limit. A body over
/// the limit is 413, one that is not the expected JSON is 400 naming the field at fault.
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = raw_body(req, state).await?;
        let de = &mut serde_json::Deserializer::from_slice(&bytes);
        serde_path_to_error::deserialize(de)
            .map(JsonBody)
            .map_err(|e| {
                let at = e.path().to_string();
                let inner = e.into_inner();
                match at.as_str() {
                    "." | "?" | "" => {
                        ApiError::bad_request(format!("body is not the expected JSON: {inner}"))
                    }
                    _ => ApiError::bad_request(format!("{at}: {inner}")),
                }
            })
    }
}

/// The whole body as bytes, or the JSON error for one too large or cut off.
pub async fn raw_body<S: Send + Sync>(
    req: Request,
    state: &S,
) -> Result<axum::body::Bytes, ApiError> {
    axum::body::Bytes::from_request(req, state)
        .await
        .map_err(|r| {
            let status = r.status();
            if status == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::new(
                    status,
                    "payload_too_large",
                    "request body is larger than the server accepts",
                )
            } else {
                ApiError::new(status, "bad_request", r.body_text())
            }
        })
}
