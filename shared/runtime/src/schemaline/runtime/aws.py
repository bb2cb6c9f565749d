"""The aiobotocore session every AWS client is made from: each API call is a CLIENT span.

aiobotocore has no OpenTelemetry instrumentation of its own (botocore's patches the sync client),
so the session's event hooks make the span: it starts when the request is built and ends when
the response (or the transport's error) is back, named `Service.Operation` with the AWS SDK
conventions' attributes. As for SQL statements (`db_spans`), a call made outside any span (a
consumer's long poll) makes none. A streamed body (`GetObject`) is read after its span ended.
"""

from __future__ import annotations

from typing import Any

from aiobotocore.session import AioSession, get_session
from opentelemetry import trace

TRACER = "schemaline.aws"
_SPAN = "schemaline.span"  # where a call's span waits in the request context for its end
_BUCKET = "schemaline.bucket"


def aws_session() -> AioSession:
    """A new session whose clients trace their calls (hooks on the session reach every client)."""
    session = get_session()
    session.register("before-parameter-build", _note_bucket)
    session.register("before-call", _start)
    session.register("after-call", _end)
    session.register("after-call-error", _fail)
    return session


def _note_bucket(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
    """The caller's parameters are gone by `before-call` (serialised into a request): keep the bucket."""
    if isinstance(bucket := params.get("Bucket"), str):
        context[_BUCKET] = bucket


def _start(model: Any, context: dict[str, Any], **_: Any) -> None:
    if not trace.get_current_span().get_span_context().is_valid:
        return
    service = str(model.service_model.service_id)
    attributes: dict[str, Any] = {
        "rpc.system": "aws-api",
        "rpc.service": service,
        "rpc.method": model.name,
    }
    if region := context.get("client_region"):
        attributes["cloud.region"] = region
    if _BUCKET in context:
        attributes["aws.s3.bucket"] = context[_BUCKET]
    tracer = trace.get_tracer(TRACER)
    context[_SPAN] = tracer.start_span(
        f"{service}.{model.name}", kind=trace.SpanKind.CLIENT, attributes=attributes
    )


def _end(http_response: Any, parsed: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
    span: trace.Span | None = context.pop(_SPAN, None)
    if span is None:
        return
    status = int(http_response.status_code)
    span.set_attribute("http.response.status_code", status)
    if request_id := parsed.get("ResponseMetadata", {}).get("RequestId"):
        span.set_attribute("aws.request_id", request_id)
    if status >= 300:  # botocore raises a ClientError for it
        error = parsed.get("Error", {})
        code = str(error.get("Code") or status)
        span.set_attribute("error.type", code)
        span.set_status(trace.StatusCode.ERROR, f"{code}: {error.get('Message', '')}".rstrip(": "))
    span.end()


def _fail(exception: Exception, context: dict[str, Any], **_: Any) -> None:
    """The request never got a response (connection refused, timeout)."""
    span: trace.Span | None = context.pop(_SPAN, None)
    if span is None:
        return
    span.set_attribute("error.type", type(exception).__qualname__)
    span.record_exception(exception)
    span.set_status(trace.StatusCode.ERROR, str(exception))
    span.end()
