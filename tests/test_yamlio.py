"""Line-aware YAML loading (generator.core.yamlio)."""

from __future__ import annotations

from pathlib import Path

import pytest
from _helpers import write

from generator.core.errors import InputError, Where
from generator.core.yamlio import LDict, LList, line_of, load_yaml

NESTED = """\
top: 1
outer:
  first: a
  items:
    - plain
    - name: x
      deep: y

    - [1, 2]
last: z
"""


@pytest.fixture
def nested(tmp_path: Path) -> LDict:
    path = tmp_path / "nested.yaml"
    path.write_text(NESTED, encoding="utf-8")
    return load_yaml(path)


def test_top_level_key_lines(nested: LDict) -> None:
    assert isinstance(nested, LDict)
    assert nested.line == 1
    assert nested.lines == {"top": 1, "outer": 2, "last": 10}


def test_nested_mapping_key_lines(nested: LDict) -> None:
    outer = nested["outer"]
    assert isinstance(outer, LDict)
    assert outer.lines == {"first": 3, "items": 4}
    assert outer.line == 3  # the mapping starts with its first key


def test_list_item_lines(nested: LDict) -> None:
    items = nested["outer"]["items"]
    assert isinstance(items, LList)
    assert items == ["plain", {"name": "x", "deep": "y"}, [1, 2]]
    assert items.lines == [5, 6, 9]  # the blank line 8 is skipped
    assert items[1].lines == {"name": 6, "deep": 7}
    assert items[2].lines == [9, 9]


def test_line_of_follows_a_location(nested: LDict) -> None:
    assert line_of(nested, ("outer", "items", 1, "deep")) == 7
    assert line_of(nested, ("outer", "items", 2)) == 9
    assert line_of(nested, ("last",)) == 10
    # an unknown part stops at the deepest node found
    assert line_of(nested, ("outer", "missing")) == 2
    assert line_of(nested, ("outer", "items", 7)) == 4
    assert line_of(nested, ()) == 1


def test_duplicate_key_names_both_lines(tmp_path: Path) -> None:
    path = write(tmp_path / "dup.yaml", """
        key: one
        nested:
          a: 1
          b: 2
          a: 3
        """)
    with pytest.raises(InputError) as info:
        load_yaml(path)
    err = info.value
    assert err.where.line == 5
    assert "duplicate key 'a'" in err.msg
    assert "first on line 3" in err.msg
    assert ":5: duplicate key" in err.line()


def test_duplicate_top_level_key(tmp_path: Path) -> None:
    path = write(tmp_path / "dup.yaml", "key: one\nflag: V\nkey: two\n")
    with pytest.raises(InputError) as info:
        load_yaml(path)
    assert info.value.where.line == 3
    assert "first on line 1" in info.value.msg


def test_malformed_yaml_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path / "bad.yaml", "key: one\ntitle: {en: x}\nsummary: a: b\nflag: V\n")
    with pytest.raises(InputError) as info:
        load_yaml(path)
    assert info.value.where.line == 3
    assert info.value.msg.startswith("malformed YAML")


def test_unclosed_flow_mapping(tmp_path: Path) -> None:
    path = write(tmp_path / "bad.yaml", "key: one\ntitle: {en: x\nflag: V\n")
    with pytest.raises(InputError) as info:
        load_yaml(path)
    assert info.value.msg.startswith("malformed YAML")
    assert info.value.where.line in (3, 4)  # PyYAML reports where it noticed: after line 2


def test_non_utf8_file(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("key: café\n".encode("latin-1"))
    with pytest.raises(InputError) as info:
        load_yaml(path)
    assert "not UTF-8" in info.value.msg
    assert "byte 8" in info.value.msg  # 'k','e','y',':',' ','c','a','f' then 0xE9
    assert info.value.hint and "UTF-8" in info.value.hint


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="file not found"):
        load_yaml(tmp_path / "nope.yaml")


def test_unhashable_key_is_an_input_error(tmp_path: Path) -> None:
    path = write(tmp_path / "k.yaml", "a: 1\n? [x, y]\n: 2\n")
    with pytest.raises(InputError) as info:
        load_yaml(path)
    assert info.value.where.line == 2


def test_dates_and_scalars_are_plain_python(tmp_path: Path) -> None:
    import datetime as dt

    path = write(tmp_path / "s.yaml", "d: 2023-10-09\nm: 2023-10\ny: 2023\nq: '2023'\n")
    data = load_yaml(path)
    assert data == {"d": dt.date(2023, 10, 9), "m": "2023-10", "y": 2023, "q": "2023"}


# -- hostile files: every one a single InputError naming the file (and line), never a crash ------


def test_non_utf8_names_the_line_of_the_byte(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("key: a\ntitle: {en: x}\nauthor: Caf\xe9\n".encode("latin-1"))
    with pytest.raises(InputError) as info:
        load_yaml(path)
    assert info.value.where == Where(path, 3)
    assert info.value.msg.startswith("not UTF-8 text")


def test_a_folder_named_like_a_yaml_file(tmp_path: Path) -> None:
    (tmp_path / "x.yaml").mkdir()
    with pytest.raises(InputError) as info:
        load_yaml(tmp_path / "x.yaml")
    assert info.value.msg == "is a folder, not a file"
    assert info.value.where == Where(tmp_path / "x.yaml")


def test_a_symbolic_link_loop(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").symlink_to(tmp_path / "b.yaml")
    (tmp_path / "b.yaml").symlink_to(tmp_path / "a.yaml")
    with pytest.raises(InputError) as info:
        load_yaml(tmp_path / "a.yaml")
    assert info.value.msg == "symbolic link loop"
    assert str(info.value.where).endswith("a.yaml")  # printing the place must not loop either


def test_a_link_out_of_the_workspace_is_refused_and_not_read(tmp_path: Path) -> None:
    secret = write(tmp_path / "private" / "victims.yaml", "name: A. Person\n")
    ws = tmp_path / "ws"
    link = ws / "citations" / "documents" / "doc.yaml"
    link.parent.mkdir(parents=True)
    link.symlink_to(secret)
    with pytest.raises(InputError) as info:
        load_yaml(link, ws)
    assert info.value.msg == "a symbolic link leads outside the workspace"
    assert "A. Person" not in info.value.line()
    inside = write(ws / "shared" / "doc.yaml", "key: doc\n")  # a link that stays inside is fine
    link.unlink()
    link.symlink_to(inside)
    assert load_yaml(link, ws) == {"key": "doc"}
    assert load_yaml(secret) == {"name": "A. Person"}  # a file named on the command line may be anywhere


def test_aliases_are_refused(tmp_path: Path) -> None:
    """A few lines of anchors and aliases would otherwise expand to billions of items."""
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 9)]
    path = write(tmp_path / "laughs.yaml", "\n".join(lines) + "\n")
    with pytest.raises(InputError) as info:
        load_yaml(path)
    assert "anchors and aliases" in info.value.msg
    assert (str(info.value.where.path), info.value.where.line) == (str(path), 1)  # the anchor the first alias repeats


def test_merge_keys_are_aliases_too(tmp_path: Path) -> None:
    path = write(tmp_path / "merge.yaml", "base: &b {flag: V}\nitem:\n  <<: *b\n  key: x\n")
    with pytest.raises(InputError, match="anchors and aliases"):
        load_yaml(path)


def test_a_huge_file_is_refused_before_it_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from generator.core import yamlio

    monkeypatch.setattr(yamlio, "MAX_BYTES", 1_000_000)
    path = tmp_path / "big.yaml"
    path.write_text("k: " + "x" * 1_000_001 + "\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_yaml(path)
    assert info.value.msg == "file too large (over 1 MB)"


def test_yaml_1_2_booleans_only(tmp_path: Path) -> None:
    """YAML 1.1 read NO (Norway), yes, on, off as booleans; only true and false are."""
    f = tmp_path / "x.yaml"
    f.write_text("NO: Norway\nnames: {no: nei, on: sur}\nflags: [yes, Off, y, true, False]\n", encoding="utf-8")
    data = load_yaml(f)
    assert data["NO"] == "Norway"
    assert data["names"] == {"no": "nei", "on": "sur"}
    assert data["flags"] == ["yes", "Off", "y", True, False]
