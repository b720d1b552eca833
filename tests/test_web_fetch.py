"""The fetcher and its SSRF guard, against a local server on 127.0.0.1 (tests/web_server.py)."""

from __future__ import annotations

import gzip
import random
import socket
import zlib
from collections.abc import Callable, Iterator

import pytest
from web_server import Reply, WebServer

from knowledge.errors import FetchError, GoneError, RefusedURLError, SourceError
from knowledge.web import guard
from knowledge.web.fetch import USER_AGENT, FetchLimits, fetch

LOCAL = FetchLimits(allow_private=True)
#: A public address (TEST-NET addresses are not global, so a real one) that the tests' "network"
#: routes to the local server.
PUBLIC = "93.184.216.34"


# --- the address table ---------------------------------------------------------------------------

@pytest.mark.parametrize("address", [
    "127.0.0.1", "127.8.9.10", "10.1.2.3", "172.16.0.1", "172.31.255.254", "192.168.1.1", "169.254.169.254",
    "100.64.0.1", "100.127.255.254", "224.0.0.1", "239.255.255.250", "0.0.0.0", "240.0.0.1",
    "255.255.255.255", "192.0.2.10", "::1", "::", "fe80::1", "fc00::1", "fd12:3456::1", "ff02::1",
    "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::127.0.0.1", "2002:7f00:1::1", "2002:a00:1::",
    "64:ff9b::7f00:1", "2001:db8::1",
])
def test_the_guard_refuses_inside_addresses(address: str) -> None:
    assert guard.refusal(address) is not None


@pytest.mark.parametrize("address", [PUBLIC, "8.8.8.8", "1.1.1.1", "2606:4700:4700::1111",
                                     "::ffff:93.184.216.34", "2002:5db8:d822::1"])
def test_the_guard_allows_public_addresses(address: str) -> None:
    assert guard.refusal(address) is None


@pytest.mark.parametrize("url, why", [
    ("file:///etc/passwd", "only http and https"),
    ("ftp://example.com/x", "only http and https"),
    ("gopher://example.com/", "only http and https"),
    ("http://user:secret@example.com/", "credentials"),
    ("http://user@example.com/", "credentials"),
    ("http:///nohost", "no host"),
    ("http://127.0.0.1/", "loopback"),
    ("http://[::1]:8080/", "loopback"),
    ("http://169.254.169.254/latest/meta-data/", "link-local"),
    ("http://[::ffff:10.0.0.1]/", "private"),
    ("http://0.0.0.0:80/", "unspecified"),
    ("http://2130706433/", "loopback"),  # 127.0.0.1 as one number: resolved, then refused
    ("http://127.1/", "loopback"),
    ("http://0x7f.0.0.1/", "loopback"),
    ("http://localhost:8080/admin", "loopback"),
])
def test_urls_refused_before_any_connection(url: str, why: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(guard, "open_socket", _never)
    with pytest.raises(RefusedURLError, match=why) as info:
        fetch(url)
    assert isinstance(info.value, SourceError) and "\n" not in str(info.value)


def _never(*args: object) -> socket.socket:
    raise AssertionError("the guard let a refused address through to a connection")


# --- a fake DNS: public-looking names routed to the local server ------------------------------------

@pytest.fixture
def public_dns(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[dict[str, list[str]], list[str]]]:
    """``(names, connected)``: ``names`` maps host names to the addresses the resolver answers; a
    connection to :data:`PUBLIC` really goes to 127.0.0.1 (the local server); ``connected`` lists the
    addresses the guard connected to."""
    names: dict[str, list[str]] = {"news.example": [PUBLIC], "intranet.example": ["10.0.0.7"],
                                   "mixed.example": [PUBLIC, "127.0.0.1"]}
    connected: list[str] = []
    real_open = guard.open_socket

    def resolve(host: str, port: int) -> list[str]:
        answer = names.get(host)
        if answer is None:
            raise socket.gaierror(f"unknown host {host}")
        return list(answer)

    def open_socket(address: str, port: int, timeout: float | None) -> socket.socket:
        connected.append(address)
        return real_open("127.0.0.1" if address == PUBLIC else address, port, timeout)

    monkeypatch.setattr(guard, "resolve", resolve)
    monkeypatch.setattr(guard, "open_socket", open_socket)
    yield names, connected


PAGE = "<html><head><title>Harborline update</title></head><body><p>Stores are open.</p></body></html>"


def test_a_public_name_is_fetched_with_the_guard_on(web_server: WebServer, public_dns) -> None:
    web_server.add("/story", PAGE)
    got = fetch(f"http://news.example:{web_server.port}/story")
    assert got.status == 200 and got.kind == "html" and b"Stores are open." in got.content
    assert public_dns[1] == [PUBLIC]
    assert web_server.requests[-1].headers["Host"] == f"news.example:{web_server.port}"


def test_a_redirect_to_a_private_address_is_refused(web_server: WebServer, public_dns) -> None:
    web_server.redirect("/start", f"http://127.0.0.1:{web_server.port}/secret")
    web_server.add("/secret", "internal")
    with pytest.raises(RefusedURLError, match="loopback"):
        fetch(f"http://news.example:{web_server.port}/start")
    assert web_server.hits("/start") == 1 and web_server.hits("/secret") == 0


def test_a_redirect_to_a_name_resolving_private_is_refused(web_server: WebServer, public_dns) -> None:
    web_server.redirect("/start", f"http://intranet.example:{web_server.port}/secret")
    with pytest.raises(RefusedURLError, match="intranet.example resolves to 10.0.0.7, a private"):
        fetch(f"http://news.example:{web_server.port}/start")
    assert "10.0.0.7" not in public_dns[1]


def test_a_name_with_any_private_address_is_refused(web_server: WebServer, public_dns) -> None:
    with pytest.raises(RefusedURLError, match="127.0.0.1, a loopback"):
        fetch(f"http://mixed.example:{web_server.port}/")
    assert public_dns[1] == []


def test_dns_rebinding_cannot_reach_inside(web_server: WebServer, public_dns) -> None:
    """The name answers public, then loopback: the address connected to is always the one checked."""
    web_server.add("/story", PAGE)
    names, connected = public_dns
    answers = iter([[PUBLIC], ["127.0.0.1"]])
    real = guard.resolve

    def rebinding(host: str, port: int) -> list[str]:
        names["rebind.example"] = next(answers)
        return real(host, port)

    guard.resolve = rebinding  # monkeypatch undoes the fixture's patch, this one with it
    url = f"http://rebind.example:{web_server.port}/story"
    assert b"Stores are open." in fetch(url).content
    with pytest.raises(RefusedURLError, match="loopback"):
        fetch(url)
    assert connected == [PUBLIC]


def test_unknown_host_is_a_fetch_error(public_dns) -> None:
    with pytest.raises(FetchError, match="cannot resolve nowhere.example"):
        fetch("http://nowhere.example/")


# --- limits -------------------------------------------------------------------------------------

def test_redirects_are_followed_and_reported(web_server: WebServer) -> None:
    web_server.redirect("/a", "/b", 301)
    web_server.redirect("/b", web_server.url("/c#frag"), 308)
    web_server.add("/c", PAGE, headers={"ETag": '"v1"', "Last-Modified": "Mon, 30 Nov 2026 10:00:00 GMT"})
    got = fetch(web_server.url("/a"), limits=LOCAL)
    assert got.url == web_server.url("/a") and got.final_url == web_server.url("/c")
    assert got.redirects == (web_server.url("/a"), web_server.url("/b"))
    assert got.etag == '"v1"' and got.last_modified.startswith("Mon, 30 Nov 2026")
    assert got.retrieved_at.tzinfo is not None
    assert web_server.requests[-1].headers["User-Agent"] == USER_AGENT


def test_at_most_five_redirects(web_server: WebServer) -> None:
    for n in range(6):
        web_server.redirect(f"/r{n}", f"/r{n + 1}")
    web_server.add("/r6", PAGE)
    with pytest.raises(FetchError, match="more than 5 redirects"):
        fetch(web_server.url("/r0"), limits=LOCAL)
    assert web_server.hits("/r6") == 0
    assert fetch(web_server.url("/r1"), limits=LOCAL).status == 200  # five are fine


@pytest.mark.parametrize("status", [404, 410])
def test_not_found_and_gone_are_gone_errors(web_server: WebServer, status: int) -> None:
    web_server.add("/old", "", status=status)
    with pytest.raises(GoneError) as info:
        fetch(web_server.url("/old"), limits=LOCAL)
    assert info.value.status == status


def test_server_errors_and_429_carry_status_and_retry_after(web_server: WebServer) -> None:
    web_server.add("/busy", "", status=429, headers={"Retry-After": "120"})
    web_server.add("/broken", "", status=500)
    with pytest.raises(FetchError) as info:
        fetch(web_server.url("/busy"), limits=LOCAL)
    assert info.value.status == 429 and info.value.retry_after == 120.0
    with pytest.raises(FetchError, match="500") as info:
        fetch(web_server.url("/broken"), limits=LOCAL)
    assert not isinstance(info.value, GoneError)


@pytest.mark.parametrize("content_type", ["image/png", "application/json", "application/octet-stream",
                                          "video/mp4"])
def test_content_types_outside_the_allow_list_are_refused(web_server: WebServer, content_type: str) -> None:
    web_server.add("/x", b"\x89PNG\r\n\x1a\n" + b"\0" * 100, content_type=content_type)
    with pytest.raises(FetchError, match=f"content type {content_type} is not read"):
        fetch(web_server.url("/x"), limits=LOCAL)


@pytest.mark.parametrize("content_type, kind", [
    ("text/html; charset=ISO-8859-1", "html"), ("application/xhtml+xml", "html"), ("application/pdf", "pdf"),
    ("text/plain", "text"), ("application/rss+xml", "feed"), ("application/atom+xml", "feed"),
    ("text/xml", "feed"),
])
def test_allowed_content_types(web_server: WebServer, content_type: str, kind: str) -> None:
    web_server.add("/x", "body", content_type=content_type)
    assert fetch(web_server.url("/x"), limits=LOCAL).kind == kind


def test_a_missing_content_type_is_sniffed(web_server: WebServer) -> None:
    web_server.add("/doc", b"%PDF-1.4 ...", content_type=None)
    web_server.add("/bin", b"\x00\x01\x02 binary", content_type=None)
    assert fetch(web_server.url("/doc"), limits=LOCAL).content_type == "application/pdf"
    with pytest.raises(FetchError, match="no content type"):
        fetch(web_server.url("/bin"), limits=LOCAL)


def test_an_announced_oversized_body_is_refused_unread(web_server: WebServer) -> None:
    web_server.add("/big", "x" * 10_000)
    with pytest.raises(FetchError, match="10,000 bytes, over the 4,096-byte cap"):
        fetch(web_server.url("/big"), limits=FetchLimits(max_bytes=4096, allow_private=True))
    assert len(fetch(web_server.url("/big"), limits=LOCAL).content) == 10_000


def _words(n: int) -> bytes:
    rng = random.Random(8)
    return " ".join(rng.choice(["harbor", "line", "market", "notice", "stores", "data", "open"])
                    for _ in range(n)).encode()


def test_a_decompressed_body_over_the_cap_is_refused(web_server: WebServer) -> None:
    body = _words(5000)
    web_server.add("/gz", gzip.compress(body), headers={"Content-Encoding": "gzip"})
    with pytest.raises(FetchError, match="decompressed body is over the 8,192-byte cap"):
        fetch(web_server.url("/gz"), limits=FetchLimits(max_bytes=8192, allow_private=True))
    assert fetch(web_server.url("/gz"), limits=LOCAL).content == body


@pytest.mark.parametrize("encoding, compress", [
    ("gzip", gzip.compress), ("deflate", zlib.compress),
    ("deflate", lambda data: zlib.compressobj(wbits=-15).compress(data) + b""),
])
def test_gzip_and_deflate_are_decoded(web_server: WebServer, encoding: str,
                                      compress: Callable[[bytes], bytes]) -> None:
    body = _words(300)
    payload = compress(body)
    if encoding == "deflate" and not payload.startswith(b"x"):  # raw deflate needs its final block
        packer = zlib.compressobj(wbits=-15)
        payload = packer.compress(body) + packer.flush()
    web_server.add("/z", payload, headers={"Content-Encoding": encoding})
    assert fetch(web_server.url("/z"), limits=LOCAL).content == body


def test_a_gzip_bomb_is_stopped(web_server: WebServer) -> None:
    bomb = gzip.compress(b"\0" * (200 * 1024 * 1024), compresslevel=9)  # 200 MB in about 200 KB
    web_server.add("/bomb", bomb, headers={"Content-Encoding": "gzip"})
    with pytest.raises(FetchError, match="decompression bomb|over the"):
        fetch(web_server.url("/bomb"), limits=LOCAL)
    with pytest.raises(FetchError, match="over the 2,000,000-byte cap|bomb"):
        fetch(web_server.url("/bomb"), limits=FetchLimits(max_bytes=2_000_000, allow_private=True))


def test_an_unknown_content_encoding_is_refused(web_server: WebServer) -> None:
    web_server.add("/br", b"\x1b\x00", headers={"Content-Encoding": "br"})
    with pytest.raises(FetchError, match="content encoding 'br'"):
        fetch(web_server.url("/br"), limits=LOCAL)


def test_a_slow_server_times_out(web_server: WebServer) -> None:
    web_server.add("/slow", PAGE, delay=3.0)
    with pytest.raises(FetchError, match="sent nothing for 0.5 s"):
        fetch(web_server.url("/slow"), limits=FetchLimits(read_timeout=0.5, allow_private=True))


def test_a_dripping_server_is_cut_off(web_server: WebServer) -> None:
    web_server.add("/drip", "x" * 4096, drip=0.2)
    with pytest.raises(FetchError, match="took longer than 1 s"):
        fetch(web_server.url("/drip"), limits=FetchLimits(total_timeout=1.0, allow_private=True))


def test_conditional_get_gives_not_modified(web_server: WebServer) -> None:
    def answer(request) -> Reply:
        if request.headers.get("If-None-Match") == '"v2"':
            return Reply(304, headers={"ETag": '"v2"'})
        if request.headers.get("If-Modified-Since") == "Mon, 30 Nov 2026 10:00:00 GMT":
            return Reply(304)
        return Reply(200, PAGE, {"ETag": '"v2"'})

    web_server.handle("/page", answer)
    first = fetch(web_server.url("/page"), limits=LOCAL)
    assert not first.not_modified and first.etag == '"v2"'
    again = fetch(web_server.url("/page"), limits=LOCAL, etag=first.etag)
    assert again.not_modified and again.status == 304 and again.content == b"" and again.etag == '"v2"'
    since = fetch(web_server.url("/page"), limits=LOCAL, last_modified="Mon, 30 Nov 2026 10:00:00 GMT")
    assert since.not_modified


def test_settings_reach_the_limits(web_server: WebServer, tmp_path) -> None:
    from knowledge.settings import KnowledgeSettings

    settings = KnowledgeSettings(data_dir=tmp_path, allow_private_urls=True, fetch_max_bytes=2048,
                                 _env_file=None)  # type: ignore[call-arg]
    web_server.add("/big", "x" * 5000)
    with pytest.raises(FetchError, match="2,048-byte cap"):
        fetch(web_server.url("/big"), settings=settings)
    with pytest.raises(RefusedURLError):
        fetch(web_server.url("/big"), settings=settings.model_copy(update={"allow_private_urls": False}))
