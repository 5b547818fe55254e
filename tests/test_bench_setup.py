"""The benchmarks on a clone made anywhere: what needs ../shared/bench says so, in one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from factbot.settings import REPO_ROOT


def test_accuracy_without_the_shared_sets_says_in_one_line_what_is_missing_and_where(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.syspath_prepend(str(REPO_ROOT / "bench"))
    import accuracy
    import benchsets

    elsewhere = tmp_path / "shared" / "bench"
    monkeypatch.setattr(benchsets, "SHARED_BENCH", elsewhere)
    monkeypatch.setattr(benchsets, "STORY_DIR", elsewhere / "story-dev")
    monkeypatch.setattr(benchsets, "SQUAD_DIR", elsewhere / "squad-public")

    code = accuracy.main([])

    printed = capsys.readouterr()
    assert code == 2 and printed.out == ""
    (line,) = printed.err.splitlines()
    assert str(elsewhere) in line and "story-dev" in line and "squad-public" in line
    assert "--protocol shipped --sets incident" in line
