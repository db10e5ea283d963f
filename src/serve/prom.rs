//! The Prometheus side of `/metrics`: installs `metrics-exporter-prometheus` as the process's
//! recorder (once; the library's series then land in it), with histogram buckets sized for a
//! `select` (µs) and a group commit (ms), and renders the text format. `healthz` lives here too.

use std::sync::OnceLock;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use super::App;
use crate::metrics::{SELECT_SECONDS, WRITER_COMMIT_SECONDS};

/// Installs the Prometheus recorder for this process, or returns the one installed earlier.
/// `None` when another recorder was installed first (an embedding service's own).
pub fn install() -> Option<PrometheusHandle> {
    static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let select = [
                1e-6, 2e-6, 5e-6, 1e-5, 2e-5, 5e-5, 1e-4, 2.5e-4, 5e-4, 1e-3, 5e-3, 1e-2,
            ];
            let commit = [
                1e-4, 5e-4, 1e-3, 2.5e-3, 5e-3, 1e-2, 2.5e-2, 5e-2, 0.1, 0.25, 1.0,
            ];
            let built = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Full(SELECT_SECONDS.into()), &select)
                .and_then(|b| {
                    b.set_buckets_for_metric(Matcher::Full(WRITER_COMMIT_SECONDS.into()), &commit)
                })
                .and_then(|b| b.install_recorder());
            match built {
                Ok(handle) => {
                    crate::metrics::describe();
                    Some(handle)
                }
                Err(e) => {
                    tracing::warn!(%e, "no Prometheus recorder: /metrics will answer 503");
                    None
                }
            }
        })
        .clone()
}

/// `GET /metrics`: the gauges brought up to date, then every series in the text format.
pub(crate) async fn metrics(State(app): State<App>) -> Response {
    let Some(handle) = &app.prometheus else {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            "no Prometheus recorder in this process\n",
        )
            .into_response();
    };
    app.engine.record_gauges(app.engine.now());
    let body = handle.render();
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        body,
    )
        .into_response()
}

/// `GET /healthz`: 200 while the log writer takes events (a flush completes).
pub(crate) async fn healthz(State(app): State<App>) -> Response {
    match app.engine.flush().await {
        Ok(()) => (StatusCode::OK, axum::Json(serde_json::json!({"ok": true}))).into_response(),
        Err(e) => (
            StatusCode::SERVICE_UNAVAILABLE,
            axum::Json(serde_json::json!({"ok": false, "error": e.to_string()})),
        )
            .into_response(),
    }
}
