"""HTML → PDF with WeasyPrint, without Django, so it can run in a child process that is recycled.

WeasyPrint's caches grow with every document it lays out (a warm process reached 713 MB after 100
forms), so batch exports render in a child process that is replaced every few dozen forms; the
child needs nothing but the HTML and the folders of static files it may read.
"""
from __future__ import annotations

from pathlib import Path


class FetchRefused(ValueError):
    """The PDF renderer was asked for something that is not one of the app's own static files."""


def resolve_static(url: str, *, static_url: str, roots: list[str]) -> Path:
    """Return the file an app-static URL names; raise FetchRefused for anything else.

    Only ``static_url…`` and ``file://`` URLs inside ``roots`` are allowed, so user text in a form
    can never make the renderer read another file or reach the network.
    """
    candidates = []
    if url.startswith(static_url):
        relative = url[len(static_url):].split("?")[0].split("#")[0]
        candidates = [Path(root) / relative for root in roots]
    elif url.startswith("file://"):
        candidates = [Path(url[len("file://"):].split("?")[0])]
    for candidate in candidates:
        path = candidate.resolve()
        if any(path.is_relative_to(Path(root).resolve()) for root in roots) and path.is_file():
            return path
    raise FetchRefused(f"refused to fetch {url!r}")


def render(html: str, *, static_url: str, roots: list[str]) -> bytes:
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    class StaticOnlyFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            return super().fetch(resolve_static(url, static_url=static_url, roots=roots).as_uri(), headers)

    fetcher = StaticOnlyFetcher(allowed_protocols=["file"])
    return HTML(string=html, base_url=static_url, url_fetcher=fetcher).write_pdf()


def render_to_file(html: str, path: str, *, static_url: str, roots: list[str]) -> tuple[int, int]:
    """Render into ``path``; return the size and the rendering process's id (for the job's record)."""
    import os

    data = render(html, static_url=static_url, roots=roots)
    Path(path).write_bytes(data)
    return len(data), os.getpid()
