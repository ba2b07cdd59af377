"""
A small client that speaks the original Python SDK's wire format (aegislog on PyPI, README in
shared/seed/python-sdk-README.md), standard library only, and a probe that runs it against a
real `aegislog dev` server.

What the SDK does on the wire, and what this client does the same way:
- `record_sync()` and `record()` (fire-and-forget; its worker sends each queued event alone)
  POST `{endpoint}/ingest` with `Content-Type: application/json`, `X-Api-Key` when a key is
  set, and the body `json.dumps(data).encode("utf-8")` with json's default settings
  (ensure_ascii=True, allow_nan=True, separators ", " and ": ", keys in dict order).
- `data` is `{"tenant_id", "event_type", "event_id": uuid4, "trace_id": uuid4, **payload}`,
  then each compliance context given, as `to_dict()`: its fields that are not None.
- A receipt is read with `.get()` from `ok`, `event_id`, `trace_id`, `tenant_id`,
  `digest_b64url`, `signing_alg`; an HTTP error is only its status code.
- `verify()` GETs `{endpoint}/verify/{event_id}?tenant_id={tenant}` (not URL-encoded) with
  `X-Api-Key`; it reads `status`, `event.event_id`, `event.tenant_id`,
  `cryptographic_proof.kms_signature_valid`, `merkle_linkage.global_root_hash` (merkle_linkage
  may be null) and `verified_at`; a 404 is `status="not_found"`.

Usage: python3 python_sdk.py URL READ_KEY ADMIN_KEY TENANT. Prints one JSON object per line, one
per case ({"case", "ok", ...}); exits 0 when every case behaved as the SDK's user would expect.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import queue
import sys
import uuid
from dataclasses import dataclass
from typing import Any, Dict, Optional
from urllib.error import HTTPError, URLError
from urllib.request import Request, urlopen


class AegisLogAPIError(Exception):
    def __init__(self, message: str, status_code: Optional[int] = None):
        super().__init__(message)
        self.status_code = status_code


def _present(fields: Dict[str, Any]) -> Dict[str, Any]:
    return {k: v for k, v in fields.items() if v is not None}


@dataclass
class PolicyContext:
    policy_name: Optional[str] = None
    policy_version: Optional[str] = None
    policy_hash: Optional[str] = None

    def to_dict(self) -> Dict[str, Any]:
        return _present({"policy_name": self.policy_name, "policy_version": self.policy_version, "policy_hash": self.policy_hash})


@dataclass
class DataProvenance:
    reference_databases: Optional[list] = None
    training_datasets: Optional[list] = None
    data_version: Optional[str] = None
    lineage: Optional[str] = None

    def to_dict(self) -> Dict[str, Any]:
        return _present({"reference_databases": self.reference_databases, "training_datasets": self.training_datasets,
                         "data_version": self.data_version, "lineage": self.lineage})


@dataclass
class HumanIntervention:
    required: Optional[bool] = None
    reason: Optional[str] = None
    reviewer: Optional[str] = None
    reviewed_at: Optional[int] = None

    def to_dict(self) -> Dict[str, Any]:
        return _present({"required": self.required, "reason": self.reason, "reviewer": self.reviewer, "reviewed_at": self.reviewed_at})


@dataclass
class ModelContext:
    model_id: str
    model_version: str
    model_type: Optional[str] = None
    deployment_id: Optional[str] = None

    def to_dict(self) -> Dict[str, Any]:
        return _present({"model_id": self.model_id, "model_version": self.model_version, "model_type": self.model_type,
                         "deployment_id": self.deployment_id})


@dataclass
class SessionContext:
    session_id: str
    started_at: int
    ended_at: Optional[int] = None

    def to_dict(self) -> Dict[str, Any]:
        return _present({"session_id": self.session_id, "started_at": self.started_at, "ended_at": self.ended_at})


@dataclass
class PerformanceMetrics:
    latency_ms: Optional[int] = None
    confidence_score: Optional[float] = None
    input_tokens: Optional[int] = None
    output_tokens: Optional[int] = None
    anomaly_flags: Optional[list] = None

    def to_dict(self) -> Dict[str, Any]:
        return _present({"latency_ms": self.latency_ms, "confidence_score": self.confidence_score, "input_tokens": self.input_tokens,
                         "output_tokens": self.output_tokens, "anomaly_flags": self.anomaly_flags})


@dataclass
class Receipt:
    ok: bool
    event_id: str
    trace_id: str
    tenant_id: str
    digest_b64url: str
    signing_alg: str

    @classmethod
    def from_response(cls, data: Dict[str, Any]) -> "Receipt":
        return cls(ok=data.get("ok", False), event_id=data.get("event_id", ""), trace_id=data.get("trace_id", ""),
                   tenant_id=data.get("tenant_id", ""), digest_b64url=data.get("digest_b64url", ""), signing_alg=data.get("signing_alg", ""))


@dataclass
class VerificationResult:
    status: str
    event_id: str
    tenant_id: str
    kms_signature_valid: Optional[bool]
    merkle_root: Optional[str]
    verified_at: str

    @classmethod
    def from_response(cls, data: Dict[str, Any]) -> "VerificationResult":
        proof = data.get("cryptographic_proof", {})
        linkage = data.get("merkle_linkage") or {}
        event = data.get("event", {})
        return cls(status=data.get("status", "unknown"), event_id=event.get("event_id", ""), tenant_id=event.get("tenant_id", ""),
                   kms_signature_valid=proof.get("kms_signature_valid"), merkle_root=linkage.get("global_root_hash"),
                   verified_at=data.get("verified_at", ""))


CONTEXTS = ("policy_context", "data_provenance", "human_intervention", "model_context", "session_context", "performance_metrics")


class AegisLog:
    def __init__(self, endpoint: str, tenant_id: str = "default", api_key: Optional[str] = None, timeout: int = 10):
        self.endpoint = endpoint.rstrip("/")
        self.tenant_id = tenant_id
        self.api_key = api_key
        self.timeout = timeout
        self._queue: queue.Queue = queue.Queue()
        self.sent: list = []  # the bodies sent, byte for byte

    def event(self, event_type: str, payload: Dict[str, Any], trace_id: Optional[str] = None, event_id: Optional[str] = None,
              **contexts: Any) -> Dict[str, Any]:
        data = {"tenant_id": self.tenant_id, "event_type": event_type, "event_id": event_id or str(uuid.uuid4()),
                "trace_id": trace_id or str(uuid.uuid4()), **payload}
        for name in CONTEXTS:
            if contexts.get(name):
                data[name] = contexts[name].to_dict()
        return data

    def send_single(self, data: Dict[str, Any]) -> Dict[str, Any]:
        headers = {"Content-Type": "application/json"}
        if self.api_key:
            headers["X-Api-Key"] = self.api_key
        body = json.dumps(data).encode("utf-8")
        self.sent.append(body)
        try:
            with urlopen(Request(f"{self.endpoint}/ingest", data=body, headers=headers, method="POST"), timeout=self.timeout) as resp:
                return json.loads(resp.read().decode("utf-8"))
        except HTTPError as e:
            raise AegisLogAPIError(f"API error: {e.code}", status_code=e.code) from e
        except URLError as e:
            raise AegisLogAPIError(f"Network error: {e.reason}") from e

    def record(self, event_type: str, payload: Dict[str, Any], **kw: Any) -> str:
        data = self.event(event_type, payload, **kw)
        self._queue.put_nowait(data)
        return data["event_id"]

    def flush(self) -> list:
        """Sends what record() queued, one event at a time, as the SDK's worker does; returns the errors."""
        errors = []
        while True:
            try:
                data = self._queue.get_nowait()
            except queue.Empty:
                return errors
            try:
                self.send_single(data)
            except Exception as e:  # the SDK logs and goes on
                errors.append(str(e))

    def record_sync(self, event_type: str, payload: Dict[str, Any], **kw: Any) -> Receipt:
        return Receipt.from_response(self.send_single(self.event(event_type, payload, **kw)))

    def verify(self, event_id: str, tenant_id: Optional[str] = None) -> VerificationResult:
        tenant = tenant_id or self.tenant_id
        headers = {"X-Api-Key": self.api_key} if self.api_key else {}
        try:
            with urlopen(Request(f"{self.endpoint}/verify/{event_id}?tenant_id={tenant}", headers=headers, method="GET"), timeout=self.timeout) as resp:
                return VerificationResult.from_response(json.loads(resp.read().decode("utf-8")))
        except HTTPError as e:
            if e.code == 404:
                return VerificationResult("not_found", event_id, tenant, None, None, "")
            raise AegisLogAPIError(f"Verification failed: {e.code}", status_code=e.code) from e


# --- The probe's own tools: not part of the SDK --------------------------------------------------

def jcs(value: Any) -> str:
    """RFC 8785 in Python: what the server must digest for what Python sent (numbers as ECMAScript writes them)."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return jcs(float(value)) if abs(value) > 2**53 else str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("not JSON")
        if value == 0:
            return "0"
        digits, exponent = _shortest(value)
        sign = "-" if value < 0 else ""
        n = exponent + 1  # ECMAScript Number::toString: value = 0.digits × 10^n
        k = len(digits)
        if k <= n <= 21:
            return sign + digits + "0" * (n - k)
        if 0 < n <= 21:
            return sign + digits[:n] + "." + digits[n:]
        if -6 < n <= 0:
            return sign + "0." + "0" * (-n) + digits
        e = n - 1
        mantissa = digits if k == 1 else digits[0] + "." + digits[1:]
        return sign + mantissa + "e" + ("+" if e >= 0 else "-") + str(abs(e))
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(jcs(v) for v in value) + "]"
    if isinstance(value, dict):
        keys = sorted(value, key=lambda k: k.encode("utf-16-be"))
        return "{" + ",".join(json.dumps(k, ensure_ascii=False) + ":" + jcs(value[k]) for k in keys) + "}"
    raise TypeError(type(value).__name__)


def _shortest(value: float):
    """The shortest round-tripping digits of |value| (repr's, as ECMAScript's) and the decimal exponent of the first."""
    text = repr(abs(value))
    mantissa, _, exp = text.partition("e")
    whole, _, frac = mantissa.partition(".")
    digits = (whole + frac).lstrip("0")
    exponent = int(exp or 0) + len(whole) - 1 - (len(whole + frac) - len((whole + frac).lstrip("0")))
    return digits.rstrip("0") or "0", exponent


def digest_of(event: Dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(jcs(event).encode("utf-8")).digest()).rstrip(b"=").decode()


def get_json(url: str, key: str, method: str = "GET") -> Any:
    req = Request(url, headers={"X-Api-Key": key}, method=method, data=b"" if method == "POST" else None)
    with urlopen(req, timeout=10) as resp:
        return json.loads(resp.read().decode("utf-8"))


def main() -> int:
    url, read_key, admin_key, tenant = sys.argv[1:5]
    log = AegisLog(endpoint=url + "/", tenant_id=tenant, api_key=read_key)
    failures = 0
    stored: list = []  # (case, event as sent, receipt) to verify after the seal

    def report(case: str, ok: bool, **details: Any) -> None:
        nonlocal failures
        failures += 0 if ok else 1
        print(json.dumps({"case": case, "ok": ok, **details}, ensure_ascii=True, default=str), flush=True)

    def accepted(case: str, event_type: str, payload: Dict[str, Any], **kw: Any) -> None:
        """record_sync() must answer a receipt whose digest is SHA-256 of C(the event exactly as Python sent it)."""
        data = log.event(event_type, payload, **kw)
        try:
            receipt = Receipt.from_response(log.send_single(data))
        except AegisLogAPIError as e:
            return report(case, False, error=str(e), status=e.status_code, body=log.sent[-1].decode())
        sent = json.loads(log.sent[-1].decode())  # what the server received, as Python reads it back
        want = digest_of(sent)
        ok = receipt.ok is True and receipt.event_id == data["event_id"] and receipt.trace_id == data["trace_id"] \
            and receipt.tenant_id == tenant and receipt.signing_alg == "ECDSA_SHA_256" and receipt.digest_b64url == want
        report(case, ok, digest=receipt.digest_b64url, expected_digest=want, body=log.sent[-1].decode())
        stored.append((case, sent, receipt))

    def refused(case: str, status: int, event_type: str, payload: Dict[str, Any], **kw: Any) -> None:
        """PROTOCOL.md refuses these: the SDK must see a 4xx (its AegisLogAPIError), never a receipt nor a 5xx."""
        try:
            log.record_sync(event_type, payload, **kw)
            report(case, False, error="accepted", body=log.sent[-1].decode())
        except AegisLogAPIError as e:
            report(case, e.status_code == status, status=e.status_code, body=log.sent[-1].decode())

    policy_hash = "sha256:" + hashlib.sha256(b"rules: []\n").hexdigest()
    # The README's examples, as written (but a real policy hash: theirs are truncated placeholders).
    accepted("readme quick start", "critical_decision", {"decision_type": "loan_approval", "outcome": "approved", "confidence": 0.95})
    accepted("readme full compliance", "high_risk_ai_decision",
             {"input": {"customer_id": "C789", "request_type": "credit_increase"}, "output": {"approved": True, "new_limit": 10000}},
             policy_context=PolicyContext("credit_risk_policy", "4.2.1", policy_hash),
             data_provenance=DataProvenance(["credit-bureau-experian", "transaction-history"], ["risk-model-training-2025-q4"], "2026-01-11",
                                            "mlflow://experiments/risk-v4/run-123"),
             human_intervention=HumanIntervention(required=False),
             model_context=ModelContext("risk-assessment-v4", "4.2.0", "classifier", "prod-us-east-1"),
             session_context=SessionContext("sess_credit_review_123", 1767225540, 1767225600),
             performance_metrics=PerformanceMetrics(234, 0.89, 150, 50))
    accepted("human intervention", "loan_decision", {"applicant_id": "A123456", "loan_amount": 50000},
             human_intervention=HumanIntervention(True, "Loan amount exceeds $25,000 threshold", "loan_officer_42", 1767225600))
    accepted("empty contexts (every field None)", "x", {}, policy_context=PolicyContext(), performance_metrics=PerformanceMetrics())
    # What json.dumps writes that JavaScript writes otherwise.
    accepted("ensure_ascii escapes", "caf\u00e9 \U0001F600", {"name": "Ren\u00e9e \u2028 \u00e9\U0001F600", "\u00e9t\u00e9": "\x7f\x1f"})
    accepted("python floats", "floats", {"one": 1.0, "neg_zero": -0.0, "tiny": 1e-07, "small": 0.1, "third": 1 / 3, "big": 1.5e-300,
                                          "whole_big": 123456789012345.0, "below_2_53": 9007199254740991.0})
    accepted("python floats in contexts", "floats", {}, performance_metrics=PerformanceMetrics(latency_ms=12.5, confidence_score=1.0,
                                                                                              input_tokens=8, output_tokens=6))
    accepted("int beside 2^53", "ints", {"max_safe": 2**53 - 1, "min_safe": -(2**53 - 1)})
    accepted("None in the payload", "nones", {"a": None, "nested": {"b": None, "c": [None, 1]}})
    accepted("datetime.isoformat() strings", "times", {"at": "2026-01-11T09:16:52.123456", "at_utc": "2026-01-11T09:16:52.123456+00:00"})
    accepted("dict key order", "order", {"z": 1, "a": {"y": 2, "b": 3}, "\u00e9": 4, "E": 5, "\U0001F600": 6, "\ufb33": 7})
    accepted("user trace_id and event_id", "ids", {}, trace_id="trace:123", event_id="evt-" + uuid.uuid4().hex)

    # PROTOCOL.md §1 refuses these; Python writes them by default. The SDK must get a 4xx.
    refused("NaN (allow_nan=True writes it)", 400, "nan", {"score": float("nan")})
    refused("Infinity", 400, "inf", {"score": float("inf")})
    refused("int beyond 2^53", 400, "big", {"n": 2**64})
    refused("lone surrogate", 400, "sur", {"s": "\ud800"})
    refused("context field of the wrong type", 400, "ctx", {}, session_context=SessionContext("s", 1767225600.5))
    # A float at or beyond 2^53 is a whole number to JavaScript, and §1 refuses "integers beyond ±(2^53−1)".
    refused("float 1e16 (whole, beyond 2^53)", 400, "big", {"flops": 1e16})
    refused("float 1.5e300", 400, "big", {"x": 1.5e300})

    # An event too large for /ingest (8 MiB, over the 2 MiB body limit): urllib sends `Connection: close`
    # and the whole body before it reads; the SDK must read the 413, not fail with a broken pipe.
    try:
        log.send_single(log.event("document", {"text": "a" * (8 << 20)}))
        report("8 MiB event: 413, not a broken pipe", False, error="accepted")
    except AegisLogAPIError as e:
        report("8 MiB event: 413, not a broken pipe", e.status_code == 413, status=e.status_code, error=str(e))
    log.sent.pop()

    # Resend of the very same body: a duplicate with the same receipt; other content: 409.
    data = log.event("dup", {"n": 1})
    first = log.send_single(data)
    again = log.send_single(data)
    report("identical resend", again.get("duplicate") is True and {k: v for k, v in again.items() if k != "duplicate"} == first, first=first, again=again)
    try:
        log.send_single({**data, "n": 2})
        report("same event_id, other content", False, error="accepted")
    except AegisLogAPIError as e:
        report("same event_id, other content", e.status_code == 409, status=e.status_code)

    # Fire-and-forget: record() queues, flush() sends one by one.
    ids = [log.record("model_inference", {"model_id": "gpt-4", "input_tokens": 150, "output_tokens": 200, "latency_ms": 1234}) for _ in range(3)]
    errors = log.flush()
    pending = [log.verify(i) for i in ids]
    report("record() then flush()", errors == [] and all(p.status == "pending" and p.kms_signature_valid is True and p.merkle_root is None
                                                          and p.event_id == i and p.tenant_id == tenant for p, i in zip(pending, ids)),
           errors=errors, statuses=[p.status for p in pending])

    missing = log.verify(str(uuid.uuid4()))
    report("verify() of an unknown event", missing.status == "not_found", status=missing.status)

    get_json(url + "/admin/seal", admin_key, "POST")
    for case, sent, receipt in stored:
        result = log.verify(receipt.event_id)
        bundle = get_json(f"{url}/evidence/{receipt.event_id}?tenant_id={tenant}", read_key)
        ok = result.status == "verified" and result.kms_signature_valid is True and bool(result.merkle_root) \
            and result.event_id == receipt.event_id and bundle["event"] == sent and digest_of(bundle["event"]) == receipt.digest_b64url
        report(f"verify() after the seal: {case}", ok, event_id=receipt.event_id, status=result.status, merkle_root=result.merkle_root,
               event_as_stored=bundle["event"] if bundle["event"] != sent else None)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
