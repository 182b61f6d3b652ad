"""A source checkout compiles each catalog once, into the cache folder, keyed by the .po's content."""

from __future__ import annotations

from pathlib import Path

import pytest

import locales


@pytest.fixture
def catalog_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The French messages catalog copied into a folder of its own (no .mo beside it), the cache in tmp_path."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    po = tmp_path / "fr" / "LC_MESSAGES" / "messages.po"
    po.parent.mkdir(parents=True)
    po.write_bytes((locales.DIRECTORY / "fr" / "LC_MESSAGES" / "messages.po").read_bytes())
    return po


def test_a_compiled_catalog_is_kept_and_read_back_without_compiling_again(catalog_copy, monkeypatch):
    first = locales._compiled(catalog_copy, "fr")
    assert len(list(locales.mo_cache_dir().glob("*.mo"))) == 1

    def no_compiling(_source: bytes, _locale: str) -> bytes:
        raise AssertionError("compiled again")

    monkeypatch.setattr(locales, "_compile", no_compiling)
    assert locales._compiled(catalog_copy, "fr") == first


def test_an_edited_catalog_is_compiled_again(catalog_copy):
    locales._compiled(catalog_copy, "fr")
    catalog_copy.write_bytes(catalog_copy.read_bytes() + b'\nmsgid "Un message de plus"\nmsgstr "Un message de plus"\n')
    edited = locales._compiled(catalog_copy, "fr")
    assert b"Un message de plus" in edited
    assert len(list(locales.mo_cache_dir().glob("*.mo"))) == 2


def test_an_unwritable_cache_only_costs_the_compilation(catalog_copy, monkeypatch, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder would go", encoding="utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    assert locales._compiled(catalog_copy, "fr") == locales._compile(catalog_copy.read_bytes(), "fr")
