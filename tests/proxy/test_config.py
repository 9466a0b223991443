"""The shipped nginx files load where the guide puts them, beside Debian's own nginx.conf."""

from __future__ import annotations

import subprocess
from pathlib import Path

from devkit.nginx import SHIPPED, Nginx
from devkit.pki import Pki
from tests.tools import unavailable

DEBIAN_MAIN = Path("/etc/nginx/nginx.conf")


def test_every_shipped_snippet_is_included_by_the_main_file() -> None:
    text = "".join(path.read_text() for path in SHIPPED.rglob("*.conf"))
    snippets = sorted(path.name for path in (SHIPPED / "walletsvc").glob("*.conf"))
    assert len(snippets) >= 6
    for name in snippets:
        assert f"include walletsvc/{name};" in text, name


def test_the_config_loads_inside_debians_stock_nginx_conf(
        nginx_binary: str, pki: Pki, tmp_path: Path) -> None:
    if not DEBIAN_MAIN.is_file():
        unavailable(f"{DEBIAN_MAIN} (Debian package nginx-common) is missing")
    nginx = Nginx(tmp_path, pki, upstream_port=8000)
    nginx.render()
    stock = DEBIAN_MAIN.read_text()
    # Debian's main file with its paths moved here and our file where conf.d/*.conf would be.
    changes = {
        "pid /run/nginx.pid;": f"pid {tmp_path}/nginx.pid;",
        "error_log /var/log/nginx/error.log;": f"error_log {tmp_path}/error.log;",
        "access_log /var/log/nginx/access.log;": f"access_log {tmp_path}/access.log;",
        "include /etc/nginx/conf.d/*.conf;": f"include {tmp_path}/conf.d/walletsvc.conf;",
        "include /etc/nginx/sites-enabled/*;": "",
    }
    for stock_line, ours in changes.items():
        assert stock_line in stock, stock_line
        stock = stock.replace(stock_line, ours)
    (tmp_path / "nginx.conf").write_text(stock)
    check = subprocess.run(nginx.command(nginx_binary, "-t"), capture_output=True, text=True,
                           check=False)
    assert check.returncode == 0, check.stderr
    assert "test is successful" in check.stderr
