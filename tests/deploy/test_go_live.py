"""The guide's pre-go-live check, run as docs/deployment.md writes it: the operator commands on
the installed host, then gpas-check from this host through the shipped nginx with GPAS's test
client certificate, to the service started from the unit."""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Callable

import pytest

from devkit.nginx import Nginx
from devkit.operators import PLATFORM_TOKEN
from devkit.settings import SECRET
from tests.deploy.host import ROOT, Host, RunningUnit, minimal_env
from walletsvc.ledger.database import connect

pytestmark = [
    pytest.mark.slow, pytest.mark.realredis,
    # They share the session's installed host (`host`: a fresh virtual env from the lock):
    # one xdist group installs it once, not once on every worker.
    pytest.mark.xdist_group("deploy-host"),
]

GUIDE = ROOT / "docs" / "deployment.md"
MARKER = "<!-- tests/deploy/test_go_live.py runs the next block as it is written -->"
LEDGER_MARKER = "<!-- tests/deploy/test_go_live.py runs the next block after the check -->"


def guide_block(marker: str = MARKER) -> str:
    """Return the shell block the guide marks with ``marker`` (the pre-go-live check)."""
    after = GUIDE.read_text().split(marker, 1)[1]
    match = re.match(r"\s*```sh\n(.*?)```", after, re.S)
    assert match, "the marked block is not a sh block"
    return match[1]


def test_the_guides_gpas_check_passes_through_the_proxy_from_this_host(
        host: Host, unit: RunningUnit, make_nginx: Callable[..., Nginx]) -> None:
    nginx = make_nginx(unit.port)
    block = guide_block()
    for site_value, ours in {
        '"sudo --preserve-env=WALLETSVC_OPERATOR_TOKEN walletsvc"':
            f'"{host.path("/usr/local/bin/walletsvc")}"',
        "https://wallet.example-operator.com": f"https://localhost:{nginx.public}",
        "/etc/walletsvc/gpas-test-client.pem": str(nginx.pki.gpas_client),
        "/srv/walletsvc": str(host.path("/srv/walletsvc")),
    }.items():
        assert site_value in block, site_value
        block = block.replace(site_value, ours)
    assert "sudo" not in block  # every command is taken from the guide, root does the sudo
    # The public certificate of a real host is trusted by the system; here, the test's CA.
    env = minimal_env(GPAS_SECRET=SECRET, SSL_CERT_FILE=str(nginx.pki.server_ca),
                      WALLETSVC_OPERATOR_TOKEN=PLATFORM_TOKEN)
    result = subprocess.run(["bash", "-euo", "pipefail", "-c", block], env=env,
                            capture_output=True, text=True, timeout=180, check=False,
                            cwd=os.getcwd())
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[-1] == "19 of 19 checks passed"
    checked = [line for line in nginx.access_lines() if line["path"] == "/movements/debit"]
    assert checked and all(line["client"] == "127.0.0.1" for line in checked)
    assert {line["client_subject"] for line in checked} == {"CN=gpas"}

    # The guide's next step: those movements in the ledger, and verify's first run.
    ledger = guide_block(LEDGER_MARKER).replace("sudo walletsvc ",
                                                f"{host.path('/usr/local/bin/walletsvc')} ")
    assert "sudo" not in ledger
    result = subprocess.run(["bash", "-euo", "pipefail", "-c", ledger], env=minimal_env(),
                            capture_output=True, text=True, timeout=180, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    last = result.stdout.splitlines()[-1]
    assert "0 differences, 0 doubled references" in last
    assert "0 unknown to it, 0 under another movement id" in last
    with connect(host.settings().ledger_url) as conn:
        kinds = {str(kind) for (kind,) in conn.execute(
            "SELECT event FROM ledger_entries WHERE wallet_id = 'gpas-check'")}
    assert {"debit", "credit", "rollback"} <= kinds
