import datetime as dt

import pytest

from pmsite.load.yamlload import YamlError, load_yaml


def test_keys_and_items_remember_their_lines() -> None:
    data = load_yaml("title: x\ntags:\n  - a\n  - b\nwhen: 2026-03-01\n", first_line=2)
    assert data == {"title": "x", "tags": ["a", "b"], "when": dt.date(2026, 3, 1)}
    assert data.key_lines == {"title": 2, "tags": 3, "when": 6}
    assert data["tags"].item_lines == [4, 5]


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("a: 1\na: 2\n", 2, "duplicate key 'a' (first at line 1)"),
        ("a:\n\t- b\n", 2, "YAML does not allow tabs"),
        ("a: [1,\n", 2, "YAML syntax error"),
        ("x: !!python/object:os.system {}\n", 1, "YAML tag '!!python/object:os.system'"),
        ("a: b: c\n", 1, "a: text with ': ' in it must be put in quotes, e.g. a: \"b: c\""),
        ("a: b\n  c: d\n", 2, "indented more than the field above it"),
        ("a:\n  - `code` first\n", 2, "text that starts with ` must be put in quotes"),
    ],
)
def test_errors_name_the_line(text: str, line: int, message: str) -> None:
    with pytest.raises(YamlError) as caught:
        load_yaml(text)
    assert caught.value.line == line
    assert message in caught.value.message


def test_an_impossible_date_is_text_for_the_field_to_report() -> None:
    # 2026-02-30 has a date's shape: the field that wants a date reports it by name.
    assert load_yaml("a: 2026-02-30\nb: 2026-02-28\n") == {
        "a": "2026-02-30",
        "b": dt.date(2026, 2, 28),
    }


def test_alias_bomb_is_refused_quickly() -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
    for i in range(1, 9):
        bomb += f"{chr(97 + i)}: &{chr(97 + i)} [" + ", ".join([f"*{chr(96 + i)}"] * 10) + "]\n"
    with pytest.raises(YamlError, match="too large"):
        load_yaml(bomb)


def test_deep_nesting_is_refused() -> None:
    with pytest.raises(YamlError, match="nested deeper"):
        load_yaml("a: " + "[" * 200 + "]" * 200)


def test_empty_document_is_none() -> None:
    assert load_yaml("") is None
