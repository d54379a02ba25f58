"""Strict wire checks of EFS responses against the botocore service model.

botocore is lenient: it ignores unknown members, does not enforce required
members and accepts ISO strings where the model says epoch seconds. This
module re-checks the raw HTTP response of every call (captured through a
``before-parse`` event handler, see conftest.py) against the output shape, or
against the error shape for errors, of the operation in botocore's bundled EFS
model. It never modifies a response and never talks to the network.
"""

import json
import re

import botocore.session

SERVICE_MODEL = botocore.session.get_session().get_service_model("efs")
MODEL_ERRORS = {shape.name for shape in SERVICE_MODEL.error_shapes}

# Error codes outside the EFS model that an AWS endpoint may legitimately
# return for requests the model cannot describe (authentication, routing,
# body framing), with the statuses AWS uses for them.
GENERIC_ERRORS = {
    "MissingAuthenticationToken": {403},
    "MissingAuthenticationTokenException": {403},
    "UnrecognizedClientException": {403},
    "IncompleteSignature": {403, 400},
    "IncompleteSignatureException": {403, 400},
    "InvalidSignatureException": {403},
    "SignatureDoesNotMatch": {403},
    "InvalidClientTokenId": {403},
    "AccessDeniedException": {403},
    "AccessDenied": {403},
    "AuthFailure": {401, 403},
    "SerializationException": {400},
    "UnknownOperationException": {400, 404},
    "NotFound": {404},
    "NotFoundException": {404},
    "MethodNotAllowed": {405},
    "MethodNotAllowedException": {405},
    "RequestEntityTooLarge": {413},
    "RequestEntityTooLargeException": {413},
    "PayloadTooLargeException": {413},
}

# Model errors whose status on the real service differs from the model's:
# botocore's EFS model gives ThrottlingException 429, but EFS is seen
# answering it with 400 "Rate exceeded" (public tooling issues quote
# `StatusCode: 400`; EFS_REPLICATION_API.md section 7). Both are accepted.
OBSERVED_STATUSES = {"ThrottlingException": {400}}

# Codes that mean "the caller is not authenticated" to botocore users.
AUTH_FAILURE_CODES = {
    "MissingAuthenticationToken",
    "MissingAuthenticationTokenException",
    "UnrecognizedClientException",
    "IncompleteSignature",
    "IncompleteSignatureException",
    "InvalidSignatureException",
    "SignatureDoesNotMatch",
    "InvalidClientTokenId",
    "AccessDeniedException",
    "AccessDenied",
    "AuthFailure",
}

# Epoch-second timestamps must fall in this window (catches milliseconds).
_MIN_EPOCH = 946684800  # 2000-01-01
_MAX_EPOCH = 4102444800  # 2100-01-01

_pattern_cache = {}


def _compile(pattern):
    """Compiles a model (Java-style) regex with Python's re, or returns None."""
    if pattern not in _pattern_cache:
        py = (
            pattern.replace(r"\p{L}", r"\w")
            .replace(r"\p{Z}", r"\s")
            .replace(r"\p{N}", r"\d")
        )
        try:
            _pattern_cache[pattern] = re.compile(py)
        except re.error:
            _pattern_cache[pattern] = None
    return _pattern_cache[pattern]


def sanitize_error_type(value):
    """Applies the botocore/smithy rule: drop from ':' on, keep after last '#'."""
    value = value.split(":", 1)[0]
    return value.rsplit("#", 1)[-1]


def check_value(shape, value, path, problems):
    """Appends to ``problems`` every way ``value`` deviates from ``shape``."""
    t = shape.type_name
    meta = shape.metadata
    if value is None:
        problems.append(f"{path}: null (omit absent members instead)")
        return
    if t == "structure":
        if not isinstance(value, dict):
            problems.append(f"{path}: expected object, got {type(value).__name__}")
            return
        members = shape.members
        for name in value:
            if name not in members:
                problems.append(f"{path}.{name}: unknown member of {shape.name}")
        for name in shape.required_members:
            if name not in value:
                problems.append(f"{path}.{name}: required member of {shape.name} missing")
        for name, member in members.items():
            if name in value and member.serialization.get("location") is None:
                check_value(member, value[name], f"{path}.{name}", problems)
    elif t == "list":
        if not isinstance(value, list):
            problems.append(f"{path}: expected array, got {type(value).__name__}")
            return
        if "min" in meta and len(value) < meta["min"]:
            problems.append(f"{path}: {len(value)} items < min {meta['min']}")
        if "max" in meta and len(value) > meta["max"]:
            problems.append(f"{path}: {len(value)} items > max {meta['max']}")
        for i, item in enumerate(value):
            check_value(shape.member, item, f"{path}[{i}]", problems)
    elif t == "map":
        if not isinstance(value, dict):
            problems.append(f"{path}: expected object, got {type(value).__name__}")
            return
        for k, v in value.items():
            check_value(shape.key, k, f"{path}<key>", problems)
            check_value(shape.value, v, f"{path}[{k!r}]", problems)
    elif t == "string":
        if not isinstance(value, str):
            problems.append(f"{path}: expected string, got {type(value).__name__} {value!r}")
            return
        if shape.enum and value not in shape.enum:
            problems.append(f"{path}: {value!r} not in enum {shape.enum}")
        if "min" in meta and len(value) < meta["min"]:
            problems.append(f"{path}: length {len(value)} < min {meta['min']}")
        if "max" in meta and len(value) > meta["max"]:
            problems.append(f"{path}: length {len(value)} > max {meta['max']}")
        if "pattern" in meta:
            rx = _compile(meta["pattern"])
            if rx is not None and not rx.search(value):
                problems.append(f"{path}: {value!r} does not match {meta['pattern']}")
    elif t in ("integer", "long"):
        if isinstance(value, bool) or not isinstance(value, int):
            problems.append(f"{path}: expected integer, got {type(value).__name__} {value!r}")
            return
        if "min" in meta and value < meta["min"]:
            problems.append(f"{path}: {value} < min {meta['min']}")
        if "max" in meta and value > meta["max"]:
            problems.append(f"{path}: {value} > max {meta['max']}")
    elif t in ("double", "float"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            problems.append(f"{path}: expected number, got {type(value).__name__} {value!r}")
            return
        if "min" in meta and value < meta["min"]:
            problems.append(f"{path}: {value} < min {meta['min']}")
    elif t == "boolean":
        if not isinstance(value, bool):
            problems.append(f"{path}: expected boolean, got {type(value).__name__} {value!r}")
    elif t == "timestamp":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            problems.append(
                f"{path}: timestamp must be a JSON number of epoch seconds, got {value!r}"
            )
            return
        if not _MIN_EPOCH <= value <= _MAX_EPOCH:
            problems.append(f"{path}: {value} is not plausible epoch seconds")
    elif t == "blob":
        if not isinstance(value, str):
            problems.append(f"{path}: expected base64 string")
    else:
        problems.append(f"{path}: unhandled model type {t}")


def header(headers, name):
    """Case-insensitive header lookup on a plain dict or botocore HTTPHeaders."""
    for k, v in headers.items():
        if k.lower() == name.lower():
            return v
    return None


def check_error(status, headers, body):
    """Checks an error response's AWS shape; returns (code, problems)."""
    problems = []
    raw_type = header(headers, "x-amzn-ErrorType")
    if not raw_type:
        problems.append("error response without x-amzn-ErrorType header")
        code = None
    else:
        code = sanitize_error_type(raw_type)
    if not 400 <= status <= 599:
        problems.append(f"error status {status} is not 4xx/5xx")
    if not header(headers, "x-amzn-RequestId"):
        problems.append("missing x-amzn-RequestId header")
    ctype = header(headers, "Content-Type") or ""
    if "json" not in ctype:
        problems.append(f"error Content-Type {ctype!r} is not JSON")
    try:
        doc = json.loads(body.decode("utf-8") if isinstance(body, bytes) else body)
    except (ValueError, UnicodeDecodeError):
        problems.append(f"error body is not JSON: {body[:200]!r}")
        return code, problems
    if not isinstance(doc, dict):
        problems.append(f"error body is not a JSON object: {doc!r}")
        return code, problems
    if code is None:
        return code, problems
    if code in MODEL_ERRORS:
        shape = SERVICE_MODEL.shape_for(code)
        want = shape.metadata.get("error", {}).get("httpStatusCode")
        if want is not None and status != want and status not in OBSERVED_STATUSES.get(code, ()):
            problems.append(f"{code}: HTTP {status}, model says {want}")
        allowed = set(shape.members) | {"__type"}
        for k in doc:
            if k not in allowed:
                problems.append(f"{code} body: unknown member {k!r}")
        body_members = {k: v for k, v in doc.items() if k != "__type"}
        check_value(shape, body_members, code, problems)
        if doc.get("ErrorCode") != code:
            problems.append(f"body ErrorCode {doc.get('ErrorCode')!r} != header type {code!r}")
        if not isinstance(doc.get("Message"), str) or not doc.get("Message"):
            problems.append(f"{code} body: Message missing or empty")
    elif code in GENERIC_ERRORS:
        if status not in GENERIC_ERRORS[code]:
            problems.append(f"{code}: HTTP {status}, expected one of {sorted(GENERIC_ERRORS[code])}")
        msg = doc.get("Message", doc.get("message"))
        if not isinstance(msg, str) or not msg:
            problems.append(f"{code} body: Message/message missing")
    else:
        problems.append(f"error type {code!r} is neither an EFS model error nor a known AWS generic error")
    return code, problems


def check_response(operation_model, status, headers, body):
    """Checks one raw response of ``operation_model``; returns a problem list."""
    if status >= 300:
        return check_error(status, headers, body)[1]
    problems = []
    want = operation_model.http.get("responseCode", 200)
    if status != want:
        problems.append(f"{operation_model.name}: HTTP {status}, model says {want}")
    if not header(headers, "x-amzn-RequestId"):
        problems.append("missing x-amzn-RequestId header")
    shape = operation_model.output_shape
    text = body.decode("utf-8") if isinstance(body, bytes) else body
    if shape is None:
        if status == 204 and text:
            problems.append(f"204 response with a body: {text[:200]!r}")
        elif text.strip() not in ("", "{}"):
            problems.append(f"{operation_model.name} has no output but body is {text[:200]!r}")
        return problems
    ctype = header(headers, "Content-Type") or ""
    if "application/json" not in ctype:
        problems.append(f"Content-Type {ctype!r} is not application/json")
    try:
        doc = json.loads(text)
    except ValueError:
        problems.append(f"body is not JSON: {text[:200]!r}")
        return problems
    check_value(shape, doc, operation_model.name, problems)
    return problems
