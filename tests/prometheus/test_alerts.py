"""The shipped alert rules and dashboard: promtool checks and unit-tests the rules, parses
every dashboard expression, and every series they name is one walletsvc exposes."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

from tests.tools import require_program

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "config" / "prometheus" / "walletsvc-alerts.yml"
RULE_TESTS = Path(__file__).with_name("walletsvc-alerts-test.yml")
DASHBOARD = ROOT / "config" / "grafana" / "walletsvc.json"
RUNBOOKS = ROOT / "docs" / "runbooks"

# What walletsvc exposes at /metrics (docs/operations.md, "Metrics"), and Prometheus's own `up`.
METRICS = {
    "walletsvc_requests_total", "walletsvc_request_seconds_bucket",
    "walletsvc_store_failures_total", "walletsvc_ready", "walletsvc_open_sessions",
    "walletsvc_movements_total", "walletsvc_ledger_lag_seconds",
    "walletsvc_ledger_pending_entries", "walletsvc_redis_memory_used_bytes",
    "walletsvc_redis_memory_max_bytes", "walletsvc_store_shards",
    "walletsvc_ledger_verify_last_success_timestamp_seconds", "walletsvc_ledger_verify_failed",
    "walletsvc_requests_shed_total", "walletsvc_requests_in_flight", "up",
}
PROMQL_WORDS = {"sum", "by", "rate", "increase", "ignoring", "group_left", "histogram_quantile",
                "max", "min", "le", "job", "instance", "endpoint", "code", "status", "kind",
                "currency", "node", "state", "first", "value", "query", "with", "end", "or",
                "reason"}


def promtool() -> str:
    """Return promtool (Debian package prometheus)."""
    return require_program("promtool", "prometheus")


def run(*argv: str) -> subprocess.CompletedProcess[str]:
    """Run a command; return what it did."""
    return subprocess.run(list(argv), capture_output=True, text=True, timeout=60, check=False)


def dashboard_expressions() -> list[str]:
    """Return every PromQL expression of the dashboard's panels."""
    panels = json.loads(DASHBOARD.read_text())["panels"]
    return [target["expr"] for panel in panels for target in panel["targets"]]


def metric_names(expression: str) -> set[str]:
    """Return the series names an expression reads (identifiers before `{` or `[`, or bare)."""
    without_labels = re.sub(r"\{[^}]*\}", "{}", re.sub(r'"[^"]*"', '""', expression))
    names = set(re.findall(r"\b([a-zA-Z_:][a-zA-Z0-9_:]*)\b(?!\s*\()", without_labels))
    return {n for n in names if n not in PROMQL_WORDS and not re.fullmatch(r"\d.*|[smh]", n)}


def test_promtool_accepts_the_rules() -> None:
    result = run(promtool(), "check", "rules", str(RULES))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS: 17 rules found" in result.stdout


def test_every_alert_behaves_as_its_unit_tests_say() -> None:
    result = run(promtool(), "test", "rules", str(RULE_TESTS))
    assert result.returncode == 0, result.stdout + result.stderr
    tested = set(re.findall(r"alertname: (\w+)", RULE_TESTS.read_text()))
    alerts = set(re.findall(r"- alert: (\w+)", RULES.read_text()))
    assert alerts and tested == alerts


def test_every_alert_links_a_runbook_that_exists_and_names_it() -> None:
    alerts = re.findall(r"- alert: (\w+)", RULES.read_text())
    links = re.findall(r"runbook_url: (\S+)", RULES.read_text())
    assert alerts and len(links) == len(alerts)
    for alert, link in zip(alerts, links, strict=True):
        assert (ROOT / link).is_file(), link
        assert f"`{alert}`" in (ROOT / link).read_text(), (alert, link)


def test_the_deployment_guide_lists_every_runbook() -> None:
    guide = (ROOT / "docs" / "deployment.md").read_text()
    runbooks = sorted(RUNBOOKS.glob("*.md"))
    assert len(runbooks) >= 8
    assert [r.name for r in runbooks if f"(runbooks/{r.name})" not in guide] == []


def test_the_rules_and_the_dashboard_name_only_walletsvc_metrics() -> None:
    rules = re.findall(r"expr: \|?\s*\n?\s*(.+?)\n\s+(?:for|labels)", RULES.read_text(), re.S)
    expressions = dashboard_expressions() + rules
    assert len(expressions) > 20
    named = set().union(*(metric_names(e) for e in expressions))
    assert named <= METRICS, named - METRICS
    assert named >= METRICS - {"walletsvc_open_sessions"}


def test_promtool_parses_every_dashboard_expression(tmp_path: Path) -> None:
    # Each expression as a recording rule: `promtool check rules` parses its PromQL.
    expressions = dashboard_expressions()
    assert len(expressions) >= 12
    rules = {"groups": [{"name": "dashboard", "rules": [
        {"record": f"walletsvc_dashboard:panel_{n}", "expr": e}
        for n, e in enumerate(expressions)]}]}
    path = tmp_path / "dashboard-rules.yml"
    path.write_text(json.dumps(rules))  # JSON is YAML
    result = run(promtool(), "check", "rules", str(path))
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_broken_expression_is_caught(tmp_path: Path) -> None:
    path = tmp_path / "broken.yml"
    path.write_text(json.dumps({"groups": [{"name": "x", "rules": [
        {"record": "x:y", "expr": "sum by (code (rate(walletsvc_requests_total[5m]))"}]}]}))
    assert run(promtool(), "check", "rules", str(path)).returncode != 0
