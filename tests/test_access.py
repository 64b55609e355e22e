"""Editing is off unless an editor login is configured; passwords compare in constant time."""

from __future__ import annotations

from okr.access import HOW_TO_ENABLE, EditorAccess, editor_access, password_matches


def test_editing_is_off_when_nothing_is_configured():
    access = editor_access(environ={})
    assert not access.configured
    assert not access.can_edit(password_given="", logged_in=True)


def test_the_password_comes_from_the_environment_first():
    access = editor_access(environ={"OKR_EDITOR_PASSWORD": "from-env"}, secret_password="secret")
    assert access.configured
    assert access.can_edit(password_given="from-env")
    assert not access.can_edit(password_given="secret")


def test_the_password_secret_is_used_when_the_environment_has_none():
    access = editor_access(environ={"OKR_EDITOR_PASSWORD": ""}, secret_password="secret")
    assert access.can_edit(password_given="secret")


def test_a_wrong_or_empty_password_does_not_unlock_editing():
    access = editor_access(environ={"OKR_EDITOR_PASSWORD": "s3cret"})
    assert not access.can_edit(password_given="s3cre")
    assert not access.can_edit(password_given="s3cret ")
    assert not access.can_edit(password_given="")
    assert not access.can_edit(password_given=None)


def test_an_oidc_login_unlocks_editing_only_for_a_logged_in_user():
    access = editor_access(environ={}, auth_configured=True)
    assert access.configured
    assert access.can_edit(logged_in=True)
    assert not access.can_edit(logged_in=False)


def test_a_logged_in_user_without_auth_configured_cannot_edit():
    assert not editor_access(environ={}).can_edit(logged_in=True)


def test_the_password_is_never_part_of_the_repr():
    assert "hunter2" not in repr(EditorAccess(password="hunter2"))


def test_passwords_compare_exactly_including_non_ascii_text():
    assert password_matches("grüße", "grüße")
    assert not password_matches("grüße", "grusse")


def test_the_message_for_a_disabled_editor_says_how_to_enable_it():
    assert "OKR_EDITOR_PASSWORD" in HOW_TO_ENABLE
    assert "editor_password" in HOW_TO_ENABLE
    assert "[auth]" in HOW_TO_ENABLE
