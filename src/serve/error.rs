//! How the server says no: every error is JSON `{"error": code, "message": ...}` with the
//! matching status, including bodies that are too large or not JSON (the `JsonBody` extractor
//! replaces axum's plain-text rejections). Messages never quote a request's secrets back.

use axum::extract::{FromRequest, Request};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use http_body_util::BodyExt;
use serde::de::DeserializeOwned;
use serde_json::json;

use super::{BODY_LIMIT, DRAIN_LIMIT};
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

impl From<crate::ids::InvalidId> for ApiError {
    fn from(e: crate::ids::InvalidId) -> Self {
        Error::from(e).into()
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

/// A JSON request body of any content type, bounded by [`BODY_LIMIT`]. A body over the limit
/// is 413, one that is not the expected JSON is 400 naming the field at fault.
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, _: &S) -> Result<Self, Self::Rejection> {
        let bytes = raw_body(req).await?;
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

/// The whole body as bytes, or the JSON error for one too large or cut off. A body over the
/// limit is drained up to [`DRAIN_LIMIT`] before the 413, so the client gets to read it.
pub async fn raw_body(req: Request) -> Result<axum::body::Bytes, ApiError> {
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("request body is larger than the server accepts ({BODY_LIMIT} bytes)"),
        )
    };
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|n| n > DRAIN_LIMIT) {
        return Err(too_large());
    }
    let limit = BODY_LIMIT as u64;
    let mut body = req.into_body();
    let mut kept = Vec::with_capacity(declared.unwrap_or(0).min(limit) as usize);
    let mut read: u64 = 0;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| {
            ApiError::bad_request(format!("the request body could not be read: {e}"))
        })?;
        let Ok(data) = frame.into_data() else {
            continue; // trailers
        };
        read += data.len() as u64;
        if read <= limit {
            kept.extend_from_slice(&data);
        } else if read > DRAIN_LIMIT {
            break;
        }
    }
    if read > limit {
        return Err(too_large());
    }
    Ok(kept.into())
}
