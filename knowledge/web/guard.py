"""The SSRF guard: the fetcher never reaches inside the machine or its network.

Three checks, all raising :class:`~knowledge.errors.RefusedURLError` with a one-line reason:

1. :func:`check_url`, before every request and every redirect hop: only ``http`` and ``https``, a
   host, no credentials (``user:pass@``), and a host written as an IP address must be public.
2. :class:`GuardedBackend`, an ``httpcore`` network backend, at the moment of connecting: it resolves
   the host once (:func:`resolve`), refuses it when **any** of its addresses is not public, and opens
   the TCP connection to one of those checked addresses itself (:func:`open_socket`). No second DNS
   lookup happens, so a name that answers a public address to a check and a private one to the
   connection (DNS rebinding) cannot slip through: the address checked is the address connected to.
   httpcore takes the ``Host`` header and the TLS server name (SNI, certificate check) from the URL,
   not from the socket, so HTTPS is verified against the host name as usual.
3. :func:`refusal`, the address table: loopback, private (RFC 1918, ``fc00::/7``), link-local
   (``169.254/16``, ``fe80::/10``), shared/carrier-grade NAT (``100.64/10``, RFC 6598), multicast,
   reserved (``240/4``, ``::/8`` hence IPv4-compatible IPv6), unspecified (``0.0.0.0``, ``::``),
   documentation and benchmarking ranges (everything Python's ``ipaddress`` does not call global);
   IPv6 addresses that carry an IPv4 address (IPv4-mapped ``::ffff:a.b.c.d``, 6to4 ``2002::/16``,
   NAT64 ``64:ff9b::/96``, Teredo) are judged by that IPv4 address too.

``KB_ALLOW_PRIVATE_URLS=true`` lifts check 3 (tests serving from 127.0.0.1); checks 1 and 2 still
run. The backend is plugged into httpx by :func:`guarded_transport` (httpx 0.28's ``HTTPTransport``
takes no network backend, so its connection pool is replaced by one built with the public
``httpcore.ConnectionPool(network_backend=...)``; see encode/httpx discussion 3180).
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
import typing
from urllib.parse import urlsplit

import httpcore
import httpx
from httpcore._backends.sync import SyncStream

from knowledge.errors import RefusedURLError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

ALLOWED_SCHEMES = frozenset({"http", "https"})
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def refusal(address: str | IPAddress) -> str | None:
    """Why ``address`` may not be fetched from, as a phrase (``"a loopback address"``, ``"an
    unspecified address"``, ``"a private address (10.0.0.1 inside it)"`` for an IPv6 address that
    carries an IPv4 one), or None when public."""
    ip = ipaddress.ip_address(address) if isinstance(address, str) else address
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:  # ::ffff:a.b.c.d reaches a.b.c.d: that address decides
            inner = refusal(embedded)
            if inner is not None:
                return f"{inner} ({embedded} inside it)"
            if ip.ipv4_mapped is not None:
                return None
    for name in ("unspecified", "loopback", "link_local", "multicast", "private", "reserved"):
        if getattr(ip, f"is_{name}"):
            label = name.replace("_", "-")
            return f"{'an' if label[0] in 'aeiou' else 'a'} {label} address"
    if isinstance(ip, ipaddress.IPv4Address) and ip in ipaddress.IPv4Network("100.64.0.0/10"):
        return "a shared (carrier-grade NAT) address"
    if not ip.is_global:
        return "a non-global address"
    return None


def _literal_ip(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]").split("%", 1)[0])
    except ValueError:
        return None


def check_url(url: str, allow_private: bool = False) -> str:
    """Refuse what may never be fetched, before any connection: returns ``url`` unchanged.

    Raises:
        RefusedURLError: not http(s), no host, credentials in the URL, or (unless ``allow_private``)
            a host written as a non-public IP address.
    """
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise RefusedURLError(url, f"not a valid URL ({exc})") from exc
    scheme = parts.scheme.lower()
    if not scheme:
        raise RefusedURLError(url, "not a URL: write it with http:// or https://")
    if scheme not in ALLOWED_SCHEMES:
        raise RefusedURLError(url, f"only http and https URLs are fetched, not {scheme!r}")
    if parts.username is not None or parts.password is not None:
        raise RefusedURLError(url, "a URL with credentials (user:password@) is not fetched")
    host = parts.hostname
    if not host:
        raise RefusedURLError(url, "the URL has no host")
    del port
    ip = _literal_ip(host)
    if ip is not None and not allow_private:
        why = refusal(ip)
        if why is not None:
            raise RefusedURLError(url, f"refused: {ip} is {why} (SSRF guard; "
                                       "KB_ALLOW_PRIVATE_URLS=true lifts it for local tests)")
    return url


# --- the seams tests replace ---------------------------------------------------------------------

def resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (IPv4 and IPv6), in the resolver's order.

    Raises:
        OSError: the name does not resolve (``socket.gaierror``).
    """
    ip = _literal_ip(host)
    if ip is not None:
        return [str(ip)]
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]).split("%", 1)[0] for info in infos))


def open_socket(address: str, port: int, timeout: float | None) -> socket.socket:
    """A TCP connection to ``address`` (an IP address, never a name)."""
    return socket.create_connection((address, port), timeout)


# --- the network backend -------------------------------------------------------------------------

class GuardedBackend(httpcore.SyncBackend):
    """An httpcore network backend that resolves, checks and connects to the checked address."""

    def __init__(self, allow_private: bool = False) -> None:
        self.allow_private = allow_private

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                    socket_options: typing.Iterable[typing.Any] | None = None) -> httpcore.NetworkStream:
        where = f"{host}:{port}"
        try:
            addresses = resolve(host, port)
        except (OSError, UnicodeError) as exc:  # UnicodeError: a name IDNA cannot encode ("a..b")
            raise httpcore.ConnectError(f"cannot resolve {host} ({exc})") from exc
        if not addresses:
            raise httpcore.ConnectError(f"{host} resolves to no address")
        if not self.allow_private:
            for address in addresses:
                why = refusal(address)
                if why is not None:
                    raise RefusedURLError(where, f"refused: {host} resolves to {address}, {why} "
                                                 "(SSRF guard; KB_ALLOW_PRIVATE_URLS=true lifts it for local tests)")
        last: Exception | None = None
        for address in addresses:
            try:
                sock = open_socket(address, port, timeout)
            except TimeoutError as exc:
                last = httpcore.ConnectTimeout(f"connecting to {host} ({address}) timed out")
                last.__cause__ = exc
                continue
            except OSError as exc:
                last = httpcore.ConnectError(f"cannot connect to {host} ({address}): {exc.strerror or exc}")
                last.__cause__ = exc
                continue
            for option in socket_options or ():
                sock.setsockopt(*option)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            return SyncStream(sock)
        assert last is not None
        raise last


def _ssl_context() -> ssl.SSLContext:
    try:
        import certifi

        return ssl.create_default_context(cafile=certifi.where())
    except ImportError:  # pragma: no cover - httpx depends on certifi
        return ssl.create_default_context()


def guarded_transport(allow_private: bool = False) -> httpx.HTTPTransport:
    """An httpx transport whose every connection goes through :class:`GuardedBackend`."""
    transport = httpx.HTTPTransport(retries=0)
    transport._pool = httpcore.ConnectionPool(ssl_context=_ssl_context(), max_connections=10,
                                              max_keepalive_connections=5, keepalive_expiry=5.0,
                                              network_backend=GuardedBackend(allow_private))
    return transport


__all__ = ["ALLOWED_SCHEMES", "GuardedBackend", "check_url", "guarded_transport", "open_socket", "refusal",
           "resolve"]
