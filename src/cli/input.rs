//! Reading what a command is given: `--at` times, `--weight`s, `--provider` names (listed in `--help`),
//! response bodies from a file or stdin (bounded: at most [`MAX_BODY`] is read, never to the
//! end of `/dev/zero`), and `--usage` in Anthropic's, OpenAI's or Gemini's shape.

use std::io::Read;
use std::path::PathBuf;

use clap::builder::{PossibleValuesParser, TypedValueParser};

use crate::event::Usage;
use crate::ids::Provider;
use crate::time::{parse_ts, Timestamp};
use crate::{Error, Result};

/// The most of a body file or stdin the CLI reads: far more than any error response.
pub const MAX_BODY: u64 = 4 << 20;

/// `--at` values: RFC 3339.
pub fn parse_at(s: &str) -> Result<Timestamp, String> {
    parse_ts(s).map_err(|e| e.to_string())
}

/// `--weight`: a whole number, 0 or more (0 parks the account under `weighted`). Negative
/// numbers reach this parser (the option allows them) so the refusal can say what is wanted.
pub fn parse_weight(s: &str) -> Result<u32, String> {
    s.trim().parse::<u32>().map_err(|_| {
        format!("weight must be a whole number, 0 or more (0 parks the account under `weighted`), not {s:?}")
    })
}

/// `--provider`: one of the known names, which `--help` lists.
pub fn provider() -> impl TypedValueParser<Value = Provider> {
    PossibleValuesParser::new(Provider::ALL.map(Provider::as_str)).try_map(|s| s.parse())
}

/// A body from a file path, or `-` for standard input; refused beyond [`MAX_BODY`].
pub fn read_body(path: &Option<PathBuf>) -> Result<Vec<u8>> {
    let Some(path) = path else {
        return Ok(Vec::new());
    };
    let (name, source): (String, Box<dyn Read>) = if path.as_os_str() == "-" {
        ("standard input".into(), Box::new(std::io::stdin().lock()))
    } else {
        let file = std::fs::File::open(path)
            .map_err(|e| Error::InvalidInput(format!("--body {}: {e}", path.display())))?;
        (path.display().to_string(), Box::new(file))
    };
    let mut buf = Vec::new();
    source
        .take(MAX_BODY + 1)
        .read_to_end(&mut buf)
        .map_err(|e| Error::InvalidInput(format!("--body {name}: {e}")))?;
    if buf.len() as u64 > MAX_BODY {
        return Err(Error::InvalidInput(format!(
            "--body {name}: larger than {} MiB, the most rotor reads of a response body",
            MAX_BODY >> 20
        )));
    }
    Ok(buf)
}

/// `--usage`: a usage object as Anthropic (`input_tokens`, `output_tokens`, cache counts),
/// OpenAI (`prompt_tokens`, `completion_tokens`, `total_tokens`) or Gemini
/// (`promptTokenCount`, `candidatesTokenCount`, `totalTokenCount`) write it, bare or inside a
/// response (`{"usage": ...}`, `{"usageMetadata": ...}`). Anything else is refused.
pub fn parse_usage(provider: Provider, s: &str) -> Result<Usage> {
    let v: serde_json::Value = serde_json::from_str(s)
        .map_err(|e| Error::InvalidInput(format!("--usage is not JSON: {e}")))?;
    if !v.is_object() {
        return Err(unknown_usage());
    }
    let wrapped = v.get("usage").is_some() || v.get("usageMetadata").is_some();
    let body = if wrapped {
        v
    } else {
        serde_json::json!({ "usage": v })
    };
    crate::quota::extract_usage(provider, body.to_string().as_bytes()).ok_or_else(unknown_usage)
}

fn unknown_usage() -> Error {
    Error::InvalidInput(
        "--usage names no token counts rotor knows: give {\"input_tokens\": N, \"output_tokens\": N} \
         (Anthropic), {\"prompt_tokens\": N, \"completion_tokens\": N} (OpenAI) or \
         {\"promptTokenCount\": N, \"candidatesTokenCount\": N} (Gemini)"
            .into(),
    )
}
