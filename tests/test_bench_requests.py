"""The benchmark's prebuilt requests: what wrk sends is what GPAS would (bench/wrk.py)."""

from __future__ import annotations

import json
from pathlib import Path

from bench import gpas, wrk
from walletsvc.signing import verify_signature


def _parse(request: bytes) -> tuple[str, dict[str, str], bytes]:
    head, _, body = request.partition(b"\r\n\r\n")
    line, *fields = head.decode().split("\r\n")
    headers = {name.lower(): value for name, _, value in
               (field.partition(": ") for field in fields)}
    return line, headers, body


def test_request_files_hold_every_debit_once_dealt_over_the_threads(tmp_path: Path) -> None:
    sessions = ["s-1", "s-2", "s-3"]
    written = wrk.write_files(tmp_path / "debit", wrk.debits(sessions, 100, "n1"), 2)

    files = wrk.read_files(tmp_path / "debit", 2)

    assert written == 100
    assert [len(requests) for requests in files] == [50, 50]
    bodies = [_parse(request)[2] for requests in files for request in requests]
    references = [json.loads(body)["externalReference"] for body in bodies]
    assert len(set(references)) == 100


def test_each_prebuilt_debit_is_signed_over_its_body_for_its_session(tmp_path: Path) -> None:
    wrk.write_files(tmp_path / "debit", wrk.debits(["s-1", "s-2"], 4, "n2"), 1)

    requests = wrk.read_files(tmp_path / "debit", 1)[0]

    targets = []
    for request in requests:
        line, headers, body = _parse(request)
        targets.append(line)
        # its answer names it: the services echo X-Request-Id (bench/wrk.lua, bench.overload)
        assert headers["x-request-id"] == json.loads(body)["externalReference"]
        assert int(headers["content-length"]) == len(body)
        assert headers["x-parent-system-id"] == gpas.PARENT_ID
        assert verify_signature(body, gpas.SECRET, headers["x-signature"])
        value = json.loads(body)["value"]
        assert 0.10 <= float(value) <= 5.00
    assert targets == [f"POST /movements/debit?walletSessionId=s-{n} HTTP/1.1"
                       for n in (1, 2, 1, 2)]


def test_wrk_summary_line_counts_repeated_requests_and_error_answers_as_errors() -> None:
    line = json.dumps({
        "requests": 2000, "duration_us": 2_000_000, "bytes": 1, "sent": 2003, "prepared": 2000,
        "repeated": 3, "errors": {"connect": 0, "read": 1, "write": 0, "status": 2,
                                  "timeout": 0},
        "latency_us": {"mean": 1500.0, "p50": 1200, "p90": 2000, "p99": 4000, "p999": 9000,
                       "max": 12000}})

    found = wrk.parse(f"Running 2s test\n{line}\n")

    assert found["total"]["rps"] == 1000.0
    assert found["total"]["errors"] == 6
    assert (found["total"]["p50_ms"], found["total"]["p99_ms"]) == (1.2, 4.0)


def test_recorded_answers_are_read_with_status_type_request_id_and_latency(
        tmp_path: Path) -> None:
    answers = tmp_path / "debit.answers"
    load = wrk.Load("http://127.0.0.1:1", tmp_path / "debit", unique=True, threads=1,
                    connections=1, seconds=1, answers=answers)
    assert load.command()[-1] == str(answers)
    answers.write_text("200 OK dn1-0 1250\n503 OVERLOADED dn1-1 830\n0 REPEATED dn1-0 -1\n")

    assert load.read_answers() == [wrk.Answer(200, "OK", "dn1-0", 1250),
                                   wrk.Answer(503, "OVERLOADED", "dn1-1", 830),
                                   wrk.Answer(0, "REPEATED", "dn1-0", -1)]
