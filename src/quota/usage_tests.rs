//! `extract_usage` on real response body shapes, streamed and not, including bodies larger
//! than the two 64 KiB windows and hostile bytes.

use super::*;

fn u(input: u64, output: u64, total: Option<u64>) -> Option<Usage> {
    Some(Usage {
        input_tokens: Some(input),
        output_tokens: Some(output),
        total_tokens: total,
    })
}

#[test]
fn anthropic_message_counts_cache_tokens_as_input() {
    let body = br#"{"id":"msg_01XFDUDYJgAACzvnptvVoYEL","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929","content":[{"type":"text","text":"Hello!"}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":12,"cache_creation_input_tokens":100,"cache_read_input_tokens":2000,"output_tokens":6,"service_tier":"standard"}}"#;
    let got = extract_usage(Provider::Claude, body);
    assert_eq!(got, u(2112, 6, None));
    assert_eq!(got.unwrap().total(), 2118);
}

const ANTHROPIC_SSE: &str = "event: message_start\n\
data: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY\",\"type\":\"message\",\"role\":\"assistant\",\"content\":[],\"model\":\"claude-sonnet-4-5\",\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":25,\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":10,\"output_tokens\":1}}}\n\n\
event: content_block_start\n\
data: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n\
event: ping\n\
data: {\"type\": \"ping\"}\n\n\
event: content_block_delta\n\
data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hello\"}}\n\n";

const ANTHROPIC_SSE_END: &str = "event: content_block_stop\n\
data: {\"type\":\"content_block_stop\",\"index\":0}\n\n\
event: message_delta\n\
data: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":15}}\n\n\
event: message_stop\n\
data: {\"type\":\"message_stop\"}\n\n";

#[test]
fn anthropic_stream_takes_input_from_message_start_and_output_from_message_delta() {
    let body = format!("{ANTHROPIC_SSE}{ANTHROPIC_SSE_END}");
    assert_eq!(
        extract_usage(Provider::Claude, body.as_bytes()),
        u(35, 15, None)
    );
}

#[test]
fn anthropic_stream_longer_than_both_windows_still_finds_start_and_end() {
    let delta = "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"lorem ipsum \"}}\n\n";
    let body = format!("{ANTHROPIC_SSE}{}{ANTHROPIC_SSE_END}", delta.repeat(3000));
    assert!(body.len() > 2 * HALF);
    assert_eq!(
        extract_usage(Provider::Claude, body.as_bytes()),
        u(35, 15, None)
    );
}

#[test]
fn openai_chat_completion_json_and_glm() {
    let body = br#"{"id":"chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT","object":"chat.completion","created":1741569952,"model":"gpt-4.1-2025-04-14","choices":[{"index":0,"message":{"role":"assistant","content":"Hello!","refusal":null,"annotations":[]},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":19,"completion_tokens":10,"total_tokens":29,"prompt_tokens_details":{"cached_tokens":8,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}},"service_tier":"default"}"#;
    assert_eq!(extract_usage(Provider::Openai, body), u(19, 10, Some(29)));
    let glm = br#"{"choices":[{"finish_reason":"stop","index":0,"message":{"content":"Hi","reasoning_content":"...","role":"assistant"}}],"created":1760000000,"id":"2025100912","model":"glm-4.6","object":"chat.completion","request_id":"2025100912","usage":{"completion_tokens":120,"prompt_tokens":30,"prompt_tokens_details":{"cached_tokens":0},"total_tokens":150}}"#;
    assert_eq!(extract_usage(Provider::Glm, glm), u(30, 120, Some(150)));
}

#[test]
fn openai_chat_stream_uses_the_final_usage_chunk() {
    let body = "data: {\"id\":\"chatcmpl-123\",\"object\":\"chat.completion.chunk\",\"created\":1694268190,\"model\":\"gpt-4o-mini\",\"system_fingerprint\":\"fp_44709d6fcb\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}\n\n\
data: {\"id\":\"chatcmpl-123\",\"object\":\"chat.completion.chunk\",\"created\":1694268190,\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":\"stop\"}],\"usage\":null}\n\n\
data: {\"id\":\"chatcmpl-123\",\"object\":\"chat.completion.chunk\",\"created\":1694268190,\"model\":\"gpt-4o-mini\",\"choices\":[],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":12,\"total_tokens\":21}}\n\n\
data: [DONE]\n\n";
    assert_eq!(
        extract_usage(Provider::Openai, body.as_bytes()),
        u(9, 12, Some(21))
    );
    // without stream_options.include_usage there is no usage at all
    let first_two: String = body.split("\n\n").take(2).collect::<Vec<_>>().join("\n\n");
    assert_eq!(extract_usage(Provider::Openai, first_two.as_bytes()), None);
}

const RESPONSES_SSE: &str = "event: response.created\n\
data: {\"type\":\"response.created\",\"sequence_number\":0,\"response\":{\"id\":\"resp_67c9fdcecf488190bdd9a0409de3a1ec\",\"object\":\"response\",\"created_at\":1741290958,\"status\":\"in_progress\",\"model\":\"gpt-5-codex\",\"output\":[],\"usage\":null}}\n\n\
event: response.output_text.delta\n\
data: {\"type\":\"response.output_text.delta\",\"sequence_number\":4,\"item_id\":\"msg_1\",\"output_index\":0,\"content_index\":0,\"delta\":\"Hi\"}\n\n";

#[test]
fn responses_api_stream_reads_response_completed() {
    let done = "event: response.completed\n\
data: {\"type\":\"response.completed\",\"sequence_number\":9,\"response\":{\"id\":\"resp_67c9\",\"object\":\"response\",\"status\":\"completed\",\"model\":\"gpt-5-codex\",\"output\":[{\"type\":\"message\",\"id\":\"msg_1\",\"status\":\"completed\",\"role\":\"assistant\",\"content\":[{\"type\":\"output_text\",\"text\":\"Hi\",\"annotations\":[]}]}],\"usage\":{\"input_tokens\":37,\"input_tokens_details\":{\"cached_tokens\":0},\"output_tokens\":11,\"output_tokens_details\":{\"reasoning_tokens\":0},\"total_tokens\":48}}}\n\n";
    let body = format!("{RESPONSES_SSE}{done}");
    assert_eq!(
        extract_usage(Provider::Codex, body.as_bytes()),
        u(37, 11, Some(48))
    );
}

#[test]
fn responses_api_json_and_an_anthropic_compatible_stream_with_input_in_the_delta() {
    let body = br#"{"id":"resp_67ccd2bed1ec8190b14f964abc054267","object":"response","created_at":1741476542,"status":"completed","model":"gpt-5","output":[{"type":"message","id":"msg_1","status":"completed","role":"assistant","content":[{"type":"output_text","text":"Hi","annotations":[]}]}],"usage":{"input_tokens":36,"input_tokens_details":{"cached_tokens":0},"output_tokens":87,"output_tokens_details":{"reasoning_tokens":0},"total_tokens":123}}"#;
    assert_eq!(extract_usage(Provider::Openai, body), u(36, 87, Some(123)));
    // GLM's Anthropic endpoint: message_start says 0 input, message_delta states the real count
    let glm = "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_2025\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"glm-4.6\",\"content\":[],\"usage\":{\"input_tokens\":0,\"output_tokens\":0}}}\n\n\
event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"input_tokens\":950,\"output_tokens\":40,\"cache_read_input_tokens\":50}}\n\n";
    assert_eq!(
        extract_usage(Provider::Glm, glm.as_bytes()),
        u(1000, 40, None)
    );
}

#[test]
fn a_response_completed_line_larger_than_the_window_is_read_by_key() {
    // the completed event repeats the whole output, here 200 KiB on one line, usage at its end;
    // the text also holds an escaped "usage" key that must not be taken for the real one
    let text = format!(
        "{}\\\"usage\\\": {{\\\"input_tokens\\\": 1}}",
        "x".repeat(200 * 1024)
    );
    let done = format!("event: response.completed\ndata: {{\"type\":\"response.completed\",\"response\":{{\"output\":[{{\"content\":[{{\"text\":\"{text}\"}}]}}],\"usage\":{{\"input_tokens\":5000,\"output_tokens\":70000,\"total_tokens\":75000}}}}}}\n\n");
    let body = format!("{RESPONSES_SSE}{done}");
    assert_eq!(
        extract_usage(Provider::Codex, body.as_bytes()),
        u(5000, 70000, Some(75000))
    );
}

const GEMINI_JSON: &str = r#"{"candidates":[{"content":{"parts":[{"text":"Hi"}],"role":"model"},"finishReason":"STOP","index":0}],"usageMetadata":{"promptTokenCount":8,"candidatesTokenCount":12,"totalTokenCount":45,"thoughtsTokenCount":25,"promptTokensDetails":[{"modality":"TEXT","tokenCount":8}]},"modelVersion":"gemini-2.5-flash","responseId":"mZ3uaPm5Cdq3nvgP"}"#;

#[test]
fn google_json_and_antigravity_wrapped() {
    assert_eq!(
        extract_usage(Provider::Gemini, GEMINI_JSON.as_bytes()),
        u(8, 37, Some(45))
    );
    let wrapped = format!(r#"{{"response":{GEMINI_JSON},"traceId":"3d1f0c2a9b7e"}}"#);
    assert_eq!(
        extract_usage(Provider::Antigravity, wrapped.as_bytes()),
        u(8, 37, Some(45))
    );
}

#[test]
fn antigravity_sse_stream_takes_the_last_cumulative_usage() {
    let body = "data: {\"response\": {\"candidates\": [{\"content\": {\"role\": \"model\",\"parts\": [{\"text\": \"Hel\"}]}}],\"usageMetadata\": {\"promptTokenCount\": 120,\"totalTokenCount\": 120},\"modelVersion\": \"gemini-3-pro-preview\",\"responseId\": \"r1\"},\"traceId\": \"t1\"}\r\n\r\n\
data: {\"response\": {\"candidates\": [{\"content\": {\"role\": \"model\",\"parts\": [{\"text\": \"lo\"}]},\"finishReason\": \"STOP\"}],\"usageMetadata\": {\"promptTokenCount\": 120,\"candidatesTokenCount\": 30,\"totalTokenCount\": 150},\"modelVersion\": \"gemini-3-pro-preview\",\"responseId\": \"r1\"},\"traceId\": \"t1\"}\r\n\r\n";
    assert_eq!(
        extract_usage(Provider::Antigravity, body.as_bytes()),
        u(120, 30, Some(150))
    );
}

const GEMINI_ARRAY: &str = "[{\n  \"candidates\": [{\"content\": {\"parts\": [{\"text\": \"One\"}],\"role\": \"model\"},\"index\": 0}],\n  \"usageMetadata\": {\n    \"promptTokenCount\": 8,\n    \"totalTokenCount\": 8\n  },\n  \"modelVersion\": \"gemini-2.5-flash\"\n}\n,\r\n{\n  \"candidates\": [{\"content\": {\"parts\": [{\"text\": \"Two\"}],\"role\": \"model\"},\"finishReason\": \"STOP\",\"index\": 0}],\n  \"usageMetadata\": {\n    \"promptTokenCount\": 8,\n    \"candidatesTokenCount\": 20,\n    \"totalTokenCount\": 28\n  },\n  \"modelVersion\": \"gemini-2.5-flash\"\n}\n]";

#[test]
fn google_json_array_stream_whole_and_truncated() {
    assert_eq!(
        extract_usage(Provider::Gemini, GEMINI_ARRAY.as_bytes()),
        u(8, 20, Some(28))
    );
    // a stream cut before its closing bracket is no JSON document; the last usage still counts
    let cut = &GEMINI_ARRAY[..GEMINI_ARRAY.len() - 3];
    assert_eq!(
        extract_usage(Provider::Gemini, cut.as_bytes()),
        u(8, 20, Some(28))
    );
}

#[test]
fn bodies_without_usage_and_hostile_bytes_give_none() {
    for body in [
        &b""[..],
        b"<html><body>502 Bad Gateway</body></html>",
        br#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#,
        b"data: {\"usage\": \"lots\"}\n\ndata: [DONE]",
        b"\"usage\":",
        b"\xff\xfe\x00{\"usage\":{\"input_tokens\":",
        b"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
    ] {
        assert_eq!(extract_usage(Provider::Claude, body), None, "{body:?}");
    }
    let big = vec![b'{'; 300 * 1024];
    assert_eq!(extract_usage(Provider::Openai, &big), None);
    // a body made of nothing but keys is given up on after a bounded number of tries
    let keys = "\"usage\":1,".repeat(30_000);
    assert_eq!(extract_usage(Provider::Openai, keys.as_bytes()), None);
}

proptest::proptest! {
    #[test]
    fn never_panics_on_any_bytes(body in proptest::collection::vec(proptest::num::u8::ANY, 0..2048)) {
        let _ = extract_usage(Provider::Glm, &body);
    }
}
