"""The `okr` command line: exit codes, output formats, and the status JSON of SPEC §5."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from okr.cli import build_parser, main
from tests.scenario import AS_OF, EXPECTED, EXPECTED_OBJECTIVES, write_scenario


def okr(*args: str, cwd=None, env=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "okr.cli", *args], capture_output=True, text=True, cwd=cwd, env=env
    )


def test_validate_accepts_a_valid_catalog_and_says_what_it_holds(tmp_path, capsys):
    catalog = write_scenario(tmp_path)
    assert main(["validate", str(catalog)]) == 0
    out = capsys.readouterr().out
    assert "valid — 2 sources, 3 metrics, 2 objectives, 4 key results" in out


def test_validate_prints_every_problem_as_file_line_message_and_exits_1(tmp_path, capsys):
    catalog = write_scenario(tmp_path)
    text = catalog.read_text().replace("metric: first_response", "metric: first_respons")
    text = text.replace("agg: count", "agg: tally")
    catalog.write_text(text)
    assert main(["validate", str(catalog)]) == 1
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(f"{catalog}:40: metric 'signups'")
    assert "agg: tally" in lines[0] and "count_distinct" in lines[0]
    assert lines[1].startswith(f"{catalog}:58: key result 'response'")
    assert "unknown metric 'first_respons'" in lines[1]
    assert "did you mean 'first_response'?" in lines[1]


def test_the_catalog_comes_from_okr_catalog_when_not_given(tmp_path, monkeypatch, capsys):
    catalog = write_scenario(tmp_path)
    monkeypatch.setenv("OKR_CATALOG", str(catalog))
    assert main(["validate"]) == 0
    assert str(catalog) in capsys.readouterr().out


def test_sync_reports_each_source_and_exits_1_when_one_fails(tmp_path):
    catalog = write_scenario(tmp_path)
    (tmp_path / "exports" / "product" / "signups.csv").unlink()
    result = okr("sync", str(catalog), "--quiet")
    assert result.returncode == 1
    assert "support: ok — 91 rows read" in result.stdout  # 90 good rows + 1 quarantined
    assert "1 row quarantined" in result.stdout
    assert "product: FAILED" in result.stdout
    assert "1 of 2 sources failed; their last good values are kept" in result.stdout


def test_status_json_matches_the_hand_computed_scenario(tmp_path):
    catalog = write_scenario(tmp_path)
    assert okr("sync", str(catalog), "--quiet").returncode == 0
    result = okr("status", str(catalog), "--as-of", AS_OF.isoformat(), "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["as_of"] == "2026-08-15"
    objectives = {o["id"]: o for o in data["objectives"]}
    for objective_id, expected in EXPECTED_OBJECTIVES.items():
        assert objectives[objective_id]["status"] == expected["status"]
        assert objectives[objective_id]["progress"] == pytest.approx(expected["progress"], abs=1e-6)
    krs = {kr["id"]: kr for o in data["objectives"] for kr in o["key_results"]}
    for kr_id, expected in EXPECTED.items():
        for key, value in expected.items():
            assert krs[kr_id][key] == (
                pytest.approx(value, abs=1e-6) if isinstance(value, float) else value
            ), (kr_id, key)
    spec_keys = {
        "id",
        "title",
        "metric",
        "baseline",
        "target",
        "current",
        "expected",
        "progress",
        "gap",
        "grade",
        "status",
        "stale",
        "data_as_of",
        "forecast",
        "p_hit",
        "drifting",
    }
    assert spec_keys <= set(krs["csat"])
    assert krs["csat"]["data_as_of"] == "2026-08-14"
    assert krs["signups"]["data_as_of"] == "2026-08-01"


def test_status_prints_a_table_for_people(tmp_path):
    catalog = write_scenario(tmp_path)
    okr("sync", str(catalog), "--quiet")
    result = okr("status", str(catalog), "--as-of", AS_OF.isoformat())
    assert result.returncode == 0
    assert "Delight our customers in support" in result.stdout
    row = next(line for line in result.stdout.splitlines() if line.strip().startswith("csat "))
    assert "At risk" in row and "79.4 points" in row and "90 points" in row


def test_an_invalid_as_of_is_a_usage_error():
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args(["status", "--as-of", "15/08/2026"])
    assert exit_info.value.code == 2


def test_every_command_of_the_spec_is_documented_in_the_readme():
    from pathlib import Path

    readme = (Path(__file__).parent.parent / "README.md").read_text()
    for command in ("validate", "lint", "sync", "status", "demo", "serve"):
        assert f"`okr {command}" in readme, command
