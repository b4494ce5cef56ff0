"""Live preview: build into a private folder, serve it, rebuild on change, reload the browser."""

from __future__ import annotations

import socket
import tempfile
import webbrowser
from pathlib import Path

import click

from iopcurr.errors import IopError
from iopcurr.pipeline import build


def _port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def serve(source: Path, *, host: str, port: int, open_browser: bool) -> None:
    from livereload import Server

    if not source.is_dir():
        raise IopError(f"no curriculum folder at {source}.", path=str(source))
    if not _port_free(host, port):
        raise IopError(f"port {port} on {host} is in use. Try another with --port {port + 1}.")
    site = Path(tempfile.mkdtemp(prefix="iopcurr-serve-")) / "site"

    def rebuild() -> None:
        result = build(source, site)
        for p in result.problems:
            click.echo(p.format(), err=True)
        click.echo("Rebuilt." if result.ok else "Build failed; showing the last good site.", err=True)

    rebuild()
    server = Server()
    server.watch(str(source), rebuild, delay=0.2)
    url = f"http://{host}:{port}/"
    click.echo(f"Serving {source} at {url} (Ctrl+C to stop)")
    if open_browser:
        webbrowser.open(url)
    server.serve(host=host, port=port, root=str(site), open_url_delay=None)
