"""Database text is shown literally: no markup, no terminal escapes, bounded size."""

from rich.text import Text

from jetpack_tui.ui.safe_text import BLOCK_LIMIT, CELL_LIMIT, block, cell, clean, for_markup, line


def test_control_characters_become_visible():
    assert clean("a\x1b[2Jb") == "a␛[2Jb"
    assert clean("nul\x00") == "nul␀"
    assert clean("del\x7f") == "del␡"
    assert clean("c1\x9b31m") == "c1\\x9b31m"
    assert clean("bidi\u202eevil") == "bidi\\u202eevil"


def test_cells_are_one_line_but_blocks_keep_newlines():
    assert clean("a\nb\tc") == "a␊b␉c"
    assert clean("a\nb\tc", multiline=True) == "a\nb\tc"
    assert "\n" not in cell("x\ny").plain


def test_markup_is_not_interpreted():
    text = cell("[bold red]boom[/]")
    assert isinstance(text, Text)
    assert text.plain == "[bold red]boom[/]"
    assert not text.spans
    assert for_markup("[b]x[/b]") == "\\[b]x\\[/b]"


def test_cells_are_truncated_and_blocks_capped_with_a_note():
    huge = "x" * (BLOCK_LIMIT * 3)
    assert len(cell(huge).plain) == CELL_LIMIT
    assert cell(huge).plain.endswith("…")
    shown = block(huge).plain
    assert shown.startswith("x" * BLOCK_LIMIT)
    assert f"showing {BLOCK_LIMIT:,} of {BLOCK_LIMIT * 3:,} characters" in shown


def test_non_text_values():
    assert cell(None).plain == ""
    assert cell(b"\xff\x00ok").plain == "\\xff␀ok"
    assert cell(["a", "b"]).plain == '["a", "b"]'
    assert cell(3.0).plain == "3"
    assert line(("x\x1b", "bold"), 5).plain == "x␛5"
