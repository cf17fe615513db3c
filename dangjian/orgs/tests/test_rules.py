from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dangjian.orgs.choices import OrgKind
from dangjian.orgs.rules import (
    CREDIT_CODE_ALPHABET,
    allowed_child_kinds,
    credit_code_check_char,
    credit_code_error,
    parent_kind_error,
)

bodies = st.text(alphabet=CREDIT_CODE_ALPHABET, min_size=17, max_size=17)


def test_published_example_code_is_valid() -> None:
    # A code printed on public business licences; its last character is the check character.
    assert credit_code_error("91350100M000100Y43") is None


@given(bodies)
def test_appending_the_check_character_always_validates(body: str) -> None:
    assert credit_code_error(body + credit_code_check_char(body)) is None


@given(bodies, st.integers(min_value=0, max_value=16), st.sampled_from(CREDIT_CODE_ALPHABET))
def test_changing_one_character_is_detected(body: str, index: int, replacement: str) -> None:
    code = body + credit_code_check_char(body)
    changed = code[:index] + replacement + code[index + 1 :]
    if changed != code:
        assert credit_code_error(changed) == "统一社会信用代码校验位不正确，请核对后重新输入"


@pytest.mark.parametrize(
    ("code", "fragment"),
    [
        ("9135010", "应为18位"),
        ("91350100M000100YI3", "不允许的字符：I"),
        ("91350100m000100Y43", "不允许"),
    ],
)
def test_malformed_codes_get_specific_messages(code: str, fragment: str) -> None:
    message = credit_code_error(code)
    assert message is not None and fragment in message


@pytest.mark.parametrize(
    ("kind", "parent", "ok"),
    [
        (OrgKind.GROUP, OrgKind.SUPERVISOR, True),
        (OrgKind.GROUP, OrgKind.GROUP, False),
        (OrgKind.ENTERPRISE, OrgKind.GROUP, True),
        (OrgKind.BRANCH, OrgKind.GENERAL_BRANCH, True),
        (OrgKind.PARTY_GROUP, OrgKind.BRANCH, True),
        (OrgKind.PARTY_GROUP, OrgKind.ENTERPRISE, False),
        (OrgKind.SUPERVISOR, None, True),
        (OrgKind.BRANCH, None, False),
        (OrgKind.ENTERPRISE, OrgKind.PARTY_GROUP, False),
    ],
)
def test_allowed_parent_kinds(kind: str, parent: str | None, ok: bool) -> None:
    assert (parent_kind_error(kind, parent) is None) is ok


def test_wrong_parent_message_names_both_kinds() -> None:
    message = parent_kind_error(OrgKind.PARTY_GROUP, OrgKind.ENTERPRISE)
    assert message == "党小组的上级只能是：党支部；不能放在企业之下"


def test_child_kinds_of_a_branch() -> None:
    assert allowed_child_kinds(OrgKind.BRANCH) == [OrgKind.PARTY_GROUP]
