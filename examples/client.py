"""A Python service rotating OpenAI accounts through `rotor serve` (standard library only).

ROTOR_URL (default http://127.0.0.1:7070) and ROTOR_SERVE_TOKEN name the server and its token;
UPSTREAM_URL is the provider's endpoint. Each request: select -> call upstream -> report.
"""
import json
import os
import time
import urllib.error
import urllib.request

ROTOR = os.environ.get("ROTOR_URL", "http://127.0.0.1:7070")
TOKEN = os.environ["ROTOR_SERVE_TOKEN"]
UPSTREAM = os.environ.get("UPSTREAM_URL", "https://api.openai.com/v1/chat/completions")


def rotor(path, body):
    """POST to rotor; returns (status, JSON answer, headers)."""
    req = urllib.request.Request(
        ROTOR + path, data=json.dumps(body).encode(), method="POST",
        headers={"Authorization": "Bearer " + TOKEN, "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, json.load(r), r.headers
    except urllib.error.HTTPError as e:
        return e.code, json.load(e), e.headers


def call_upstream(bearer, payload):
    """The provider call; returns what rotor's report wants to know about it."""
    req = urllib.request.Request(
        UPSTREAM, data=json.dumps(payload).encode(),
        headers={"Authorization": "Bearer " + bearer, "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return {"status": r.status, "headers": dict(r.headers), "body": r.read().decode()}
    except urllib.error.HTTPError as e:  # the provider answered with an error status
        return {"status": e.code, "headers": dict(e.headers), "body": e.read().decode(errors="replace")}
    except (urllib.error.URLError, OSError) as e:  # no answer at all
        reason = getattr(e, "reason", e)
        if isinstance(reason, TimeoutError):
            return {"network_error": "timeout"}
        if isinstance(reason, ConnectionResetError):
            return {"network_error": "reset"}
        return {"network_error": "connect"}


def complete(model, messages, attempts=3):
    tried = []
    for _ in range(attempts):
        status, lease, headers = rotor("/v1/select", {"provider": "openai", "model": model, "exclude": tried})
        if status == 429:  # every account is blocked: rotor says for how long
            wait = headers.get("Retry-After")
            if wait is None or int(wait) > 30:
                raise RuntimeError("no account available: " + lease["message"])
            time.sleep(int(wait))
            continue
        outcome = call_upstream(lease["credential"]["bearer"], {"model": model, "messages": messages})
        verdict = rotor("/v1/report", {"request": lease["request"], **outcome})[1]
        if verdict["kind"] == "success":
            return json.loads(outcome["body"])
        print(f"{lease['label']}: {verdict['kind']}, blocked until {(verdict['block'] or {}).get('until')}")
        tried.append(lease["account"])
    raise RuntimeError(f"no answer after {attempts} attempts")


if __name__ == "__main__":
    for _ in range(int(os.environ.get("REQUESTS", "3"))):
        answer = complete("gpt-4o-mini", [{"role": "user", "content": "Say hi"}])
        print(answer["choices"][0]["message"]["content"])
