//! Shared test helpers: the insta settings that put every snapshot in `snapshots/`, and small
//! builders used across test modules.

/// Insta settings for every snapshot of the suite: stored in the top-level `snapshots/` folder,
/// without the module prefix so names stay readable.
#[allow(dead_code)] // used through `snap!`
pub fn insta_settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path(concat!(env!("CARGO_MANIFEST_DIR"), "/snapshots"));
    s.set_prepend_module_to_snapshot(false);
    s.set_omit_expression(true);
    s
}

/// `snap!(name, value)`: a JSON snapshot in `snapshots/`; `snap!(text name, string)` a text one.
#[macro_export]
macro_rules! snap {
    (text $name:expr, $value:expr) => {
        $crate::it::support::insta_settings().bind(|| insta::assert_snapshot!($name, $value))
    };
    ($name:expr, $value:expr) => {
        $crate::it::support::insta_settings().bind(|| insta::assert_json_snapshot!($name, $value))
    };
}
