"""${VAR} expansion from the environment, and masking URLs so that a password is never shown."""

from __future__ import annotations

import pytest

from okr.secrets import (
    MissingVariable,
    display_url,
    expand,
    malformed_reference,
    mask_url,
    unset_variables,
    variables,
)

PASSWORD = "s3cr3t-Pa55"


def test_expand_replaces_a_set_variable():
    assert expand("postgresql://${DB_HOST}/sales", {"DB_HOST": "db.internal"}) == (
        "postgresql://db.internal/sales"
    )


def test_expand_uses_the_default_when_the_variable_is_unset_or_empty():
    template = "${DB_URL:-sqlite:///data/warehouse.db}"
    assert expand(template, {}) == "sqlite:///data/warehouse.db"
    assert expand(template, {"DB_URL": ""}) == "sqlite:///data/warehouse.db"
    assert expand(template, {"DB_URL": "duckdb:///x.duckdb"}) == "duckdb:///x.duckdb"


def test_expand_accepts_an_empty_default():
    assert expand("a${SUFFIX:-}b", {}) == "ab"


def test_expand_replaces_every_variable():
    assert expand("${A}-${B:-two}-${A}", {"A": "one"}) == "one-two-one"


def test_expand_raises_missing_variable_naming_an_unset_variable_without_default():
    with pytest.raises(MissingVariable) as error:
        expand("postgresql://app:${DB_PASSWORD}@db/sales", {})
    assert error.value.name == "DB_PASSWORD"
    assert str(error.value) == "environment variable DB_PASSWORD is not set"


def test_expand_reads_the_process_environment_by_default(monkeypatch):
    monkeypatch.setenv("OKR_TEST_HOST", "db.internal")
    assert expand("${OKR_TEST_HOST}") == "db.internal"


def test_text_without_references_is_left_alone():
    assert expand("sqlite:///$HOME/x.db", {}) == "sqlite:///$HOME/x.db"


def test_variables_lists_names_and_defaults_in_order():
    assert variables("${A}/${B:-b}/${C:-}") == [("A", None), ("B", "b"), ("C", "")]


def test_unset_variables_lists_each_unset_name_without_default_once():
    text = "${A}${B:-x}${C}${A}${D}"
    assert unset_variables(text, {"C": "set", "D": ""}) == ["A", "D"]


@pytest.mark.parametrize(
    ("text", "bad"),
    [
        ("${WAREHOUSE_URL", "${WAREHOUSE_URL"),
        ("x ${1BAD} y", "${1BAD}"),
        ("${OK} ${}", "${}"),
        ("${A:+b}", "${A:+b}"),
    ],
)
def test_malformed_reference_finds_a_broken_reference(text, bad):
    assert malformed_reference(text) == bad


@pytest.mark.parametrize("text", ["${A}", "${A:-x} and ${B}", "no references", "$A {B}"])
def test_malformed_reference_is_none_for_well_formed_text(text):
    assert malformed_reference(text) is None


@pytest.mark.parametrize(
    ("url", "masked"),
    [
        ("postgresql://app:s3cr3t-Pa55@db:5432/sales", "postgresql://app:***@db:5432/sales"),
        ("mysql+pymysql://app:s3cr3t-Pa55@db/sales?charset=utf8", "mysql+pymysql://app:***@db/sales?charset=utf8"),
        # Written unescaped, a password may hold '@', '/' or ':': mask up to the last '@'.
        ("postgresql://app:s3cr3t@Pa55@db/sales", "postgresql://app:***@db/sales"),
        ("postgresql://app:s3c/r3t:Pa55@db/sales", "postgresql://app:***@db/sales"),
        ("snowflake://app@acct/db?password=s3cr3t-Pa55&warehouse=wh", "snowflake://app@acct/db?password=***&warehouse=wh"),
        ("trino://host/cat?access_token=s3cr3t-Pa55", "trino://host/cat?access_token=***"),
        ("postgresql://app:${DB_PASSWORD}@db/sales", "postgresql://app:***@db/sales"),
        ("postgresql://app:@db/sales", "postgresql://app:***@db/sales"),
    ],
)  # fmt: skip
def test_mask_url_hides_the_password(url, masked):
    assert mask_url(url) == masked
    assert "s3cr3t" not in mask_url(url)


@pytest.mark.parametrize(
    "url",
    [
        "sqlite:///data/warehouse.db",
        "duckdb:///data/okr.duckdb",
        "postgresql://app@db:5432/sales",
        "postgresql://db/sales?sslmode=require",
    ],
)
def test_mask_url_leaves_a_url_without_password_unchanged(url):
    assert mask_url(url) == url


def test_display_url_expands_then_masks():
    shown = display_url("postgresql://app:${DB_PASSWORD}@db/sales", {"DB_PASSWORD": PASSWORD})
    assert shown == "postgresql://app:***@db/sales"


def test_display_url_masks_a_whole_url_coming_from_a_variable():
    environ = {"DB_URL": f"postgresql://app:{PASSWORD}@db/sales"}
    assert display_url("${DB_URL}", environ) == "postgresql://app:***@db/sales"


def test_display_url_shows_the_masked_template_when_a_variable_is_unset():
    assert display_url("postgresql://app:${DB_PASSWORD}@${DB_HOST}/sales", {}) == (
        "postgresql://app:***@${DB_HOST}/sales"
    )
