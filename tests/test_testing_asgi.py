"""``parvis.testing.asgi_get``: a GET straight through the app's ASGI interface, as a server
sends it (the streamed-export tests measure memory with it)."""

from __future__ import annotations

from parvis.testing import asgi_get


def test_asgi_get_sends_the_query_string_and_headers_and_counts_what_it_drops(town):
    kept = asgi_get(town.app, "/login?next=/account", {"accept-language": "en"})
    assert kept.status == 200 and kept.headers["content-type"].startswith("text/html")
    assert b'lang="en"' in kept.body and b"/account" in kept.body
    assert kept.size == len(kept.body) and kept.peak_memory == 0
    dropped = asgi_get(town.app, "/login?next=/account", {"accept-language": "en"}, keep_body=False)
    assert dropped.status == 200 and dropped.body == b"" and abs(dropped.size - kept.size) < 100
    traced = asgi_get(town.app, "/login", trace_memory=True)
    assert traced.body == b"" and traced.size > 0 and traced.peak_memory > 0
