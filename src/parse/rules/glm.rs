//! The GLM envelope's rules: numeric business codes in `error.code` (a string or a number;
//! sometimes in `error.type`). Plan caps 1308 / 1310 are account-wide.

use crate::parse::input::Input;
use crate::parse::{ErrorKind, ParsedError, Scope};

/// Classification by a GLM business code (`code`, else a numeric `type`). Codes that are just
/// an HTTP status (`"401"`) are left to the status fallback.
pub(in crate::parse) fn by_code(input: &Input<'_>) -> Option<ParsedError> {
    let from_code = input.code().and_then(|c| kind_of_code(&c));
    let (kind, scope) = from_code.or_else(|| kind_of_code(input.error_type()?))?;
    let mut e = input.error_scoped(kind, scope);
    if e.code.is_none() {
        e.code = input.error_type().map(Into::into);
    }
    Some(e)
}

fn kind_of_code(code: &str) -> Option<(ErrorKind, Scope)> {
    use ErrorKind::*;
    if code == "model_not_found" {
        return Some((NotFound, Scope::Model));
    }
    let n: u32 = code.trim().parse().ok()?;
    let kind = match n {
        1000..=1004 => Authentication,
        // Account inactive / missing / locked / abnormal / banned for violations.
        1100 | 1110 | 1111 | 1112 | 1120 | 1121 => Permission,
        1113 => Billing,
        1211 | 1311 => NotFound,
        1220 | 1309 => Permission,
        1305 | 1312 => Overloaded,
        1302 | 1303 | 1313 => RateLimit,
        1304 => QuotaExceeded,
        // The coding plan's 5-hour and weekly / monthly caps belong to the key, every model.
        1308 | 1310 => return Some((QuotaExceeded, Scope::Account)),
        // Upstream interface / network errors inside the 12xx block.
        1230 | 1234 => Transient,
        1200..=1301 => InvalidRequest,
        _ => return None,
    };
    Some((kind, kind.default_scope()))
}
