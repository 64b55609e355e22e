"""KR quality warnings: task-like KRs, missing baselines, KR counts, owners, moved targets."""

from datetime import datetime

from okr import history
from okr.catalog import load_catalog
from okr.lint import lint

CATALOG = """\
version: 1
sources:
  s: {type: csv, path: exports}
metrics:
  m: {source: s, table: a.csv, time: t, value: v, agg: sum}
objectives:
  - id: lonely
    title: One KR only
    cycle: 2026-Q3
    key_results:
      - id: ship
        title: Ship the new onboarding flow
        metric: m
        target: 10
  - id: good
    title: Well formed
    owner: Ana
    cycle: 2026-Q3
    key_results:
      - {id: a, title: Increase activation from 30% to 45%, metric: m, baseline: 30, target: 45}
      - {id: b, title: Hold uptime, metric: m, target: '>= 99.9'}
"""


def kinds(warnings):
    return sorted((w.line, w.kind) for w in warnings)


def test_each_habit_is_warned_about_at_its_line(tmp_path):
    path = tmp_path / "metrics.yml"
    path.write_text(CATALOG)
    warnings = lint(load_catalog(path))
    assert kinds(warnings) == [
        (7, "kr_count"),  # 'lonely' has one KR
        (7, "owner"),  # 'lonely' has no owner
        (11, "baseline"),  # 'ship' has no baseline
        (11, "owner"),  # neither 'ship' nor its objective has an owner
        (11, "task_like"),  # 'Ship the ...'
    ]
    task = next(w for w in warnings if w.kind == "task_like")
    assert str(task).startswith(f"{path}:11: warning: key result 'ship': 'Ship the new onboarding")


def test_a_target_moved_after_the_cycle_began_is_reported_with_both_values(tmp_path):
    path = tmp_path / "metrics.yml"
    path.write_text(CATALOG)
    history.save_version(path, CATALOG, datetime(2026, 6, 20, 9, 0))  # before the cycle
    history.save_version(path, CATALOG, datetime(2026, 7, 15, 9, 0))  # mid-cycle, target 45
    moved = CATALOG.replace("baseline: 30, target: 45", "baseline: 30, target: 40")
    path.write_text(moved)
    warnings = [w for w in lint(load_catalog(path)) if w.kind == "target_changed"]
    assert len(warnings) == 1
    assert warnings[0].line == 20
    assert "it was 45 on 2026-07-15 and is 40 now" in warnings[0].message


def test_a_target_changed_before_the_cycle_is_not_reported(tmp_path):
    path = tmp_path / "metrics.yml"
    history.save_version(path, CATALOG, datetime(2026, 6, 20, 9, 0))
    path.write_text(CATALOG.replace("baseline: 30, target: 45", "baseline: 30, target: 40"))
    assert not [w for w in lint(load_catalog(path)) if w.kind == "target_changed"]
