"""The address links point to: the configured public one, else the one actually served.

``kuvend serve`` remembers the address it serves at in the data folder, so that a command
run beside it (``kuvend publish``) writes links a browser on this machine can follow.
"""

from pathlib import Path

from kuvend.config import Settings

#: Where ``kuvend serve`` listens by default, and so the fallback of every link.
DEFAULT_ADDRESS = "http://127.0.0.1:8000"
_SERVED_FILE = "served-address"


def _served_file(settings: Settings) -> Path:
    return settings.data_dir / _SERVED_FILE


def served_address(host: str, port: int) -> str:
    """The URL a browser on this machine uses for a server listening on ``host``:``port``.

    A wildcard address (``0.0.0.0``, ``::``) is reached through the loopback address.
    """
    reachable = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)
    if ":" in reachable:  # an IPv6 literal goes in brackets (RFC 3986, section 3.2.2)
        reachable = f"[{reachable}]"
    return f"http://{reachable}:{port}"


def remember_served_address(settings: Settings, address: str) -> None:
    """Note that ``kuvend serve`` now serves at ``address`` (``http://host:port``)."""
    path = _served_file(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(address.rstrip("/") + "\n", encoding="utf-8")


def site_base_url(settings: Settings) -> str:
    """Root of every link written outside a request, without a trailing slash.

    ``KUVEND_PUBLIC_BASE_URL`` when set; else the address ``kuvend serve`` last served at;
    else the default address of ``kuvend serve``.
    """
    if settings.public_base_url:
        return settings.public_base_url.rstrip("/")
    try:
        served = _served_file(settings).read_text(encoding="utf-8").strip()
    except OSError:
        served = ""
    return served or DEFAULT_ADDRESS


def request_base_url(settings: Settings, served: str) -> str:
    """Root of the links in an answer to a request that came to ``served`` (its base URL)."""
    return (settings.public_base_url or served).rstrip("/")
