import json
import logging

from portal.logformat import JsonFormatter, RequestIdFilter


def test_request_id_is_minted_and_returned(client, db):
    resp = client.get("/")
    assert len(resp["X-Request-ID"]) == 32


def test_a_sane_incoming_request_id_is_propagated(client, db):
    resp = client.get("/", HTTP_X_REQUEST_ID="trace-abc.123:def")
    assert resp["X-Request-ID"] == "trace-abc.123:def"


def test_an_unsafe_incoming_request_id_is_replaced(client, db):
    resp = client.get("/", HTTP_X_REQUEST_ID="bad id\r\nSet-Cookie: x=1")
    assert resp["X-Request-ID"] != "bad id\r\nSet-Cookie: x=1"
    assert len(resp["X-Request-ID"]) == 32


def test_security_headers_on_pages_and_api(client, db):
    for path in ("/", "/api/scopes", "/healthz", "/accounts/login/"):
        resp = client.get(path)
        csp = resp["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp, path
        assert "frame-ancestors 'none'" in csp
        assert resp["X-Content-Type-Options"] == "nosniff"
        assert resp["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert resp["X-Frame-Options"] == "DENY"


def test_log_lines_are_json_with_the_request_id():
    record = logging.LogRecord("portal.test", logging.INFO, __file__, 1, "hello %s", ("world",), None)
    record.partner_gpid = "CMS-00000001"
    RequestIdFilter().filter(record)
    line = json.loads(JsonFormatter().format(record))
    assert line["msg"] == "hello world"
    assert line["level"] == "INFO"
    assert line["partner_gpid"] == "CMS-00000001"
    assert line["request_id"] == "-"
    assert line["ts"].endswith("+00:00")
