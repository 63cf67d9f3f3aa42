"""The lecturer's storyboard in Debian's chromium: views with notes saved as a file and as a
link, loaded again and replayed with the presenter keys, each view the same as when saved."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e


def drawn(page: Page) -> None:
    page.wait_for_selector("svg#unfolded[data-ready='true']")
    page.wait_for_function(
        "() => !document.querySelector('#busy') || document.querySelector('#busy').hidden"
    )


def add_view(page: Page, note: str) -> None:
    page.fill("#board-note", note)
    page.click("#board-add")


def current_hash(page: Page) -> str:
    return page.evaluate("() => location.hash")


def test_a_storyboard_saved_and_loaded_replays_the_same_views(
    module_page: Page, tmp_path: Path
) -> None:
    page = module_page
    page.goto("/#T=4")
    drawn(page)
    page.click("#btn-board")
    for _ in range(3):
        page.click("#btn-next")
    add_view(page, "the forward pass, step 3")
    page.select_option("#ctl-act", "sigmoid")
    drawn(page)
    page.click("#btn-end")
    add_view(page, "sigmoid: every term added")
    page.click("#btn-view")
    add_view(page, "folded again")
    frames = page.locator("#board-frames li")
    expect(frames).to_have_count(3)
    saved = frames.evaluate_all("els => els.map(e => e.dataset.hash)")
    assert "act=sigmoid" in saved[1] and "view=folded" in saved[2] and "step=3" in saved[0]

    with page.expect_download() as download:
        page.click("#board-save")
    path = tmp_path / "board.json"
    download.value.save_as(path)
    data = json.loads(path.read_text())
    assert [f["note"] for f in data["frames"]] == [
        "the forward pass, step 3",
        "sigmoid: every term added",
        "folded again",
    ]
    link = page.input_value("#board-link")
    assert "?board=" in link

    # a fresh page: load the file and present it with the presenter keys
    page.goto("/")
    drawn(page)
    page.click("#btn-board")
    page.set_input_files("#board-file", str(path))
    expect(frames).to_have_count(3)
    page.click("#board-present")
    caption = page.locator("#board-caption")
    for i, key in [(0, None), (1, "ArrowRight"), (2, "PageDown"), (1, "PageUp")]:
        if key:
            page.keyboard.press(key)
        expect(caption).to_have_attribute("data-at", str(i))
        expect(caption).to_contain_text(data["frames"][i]["note"])
        page.wait_for_function("h => location.hash === h", arg=saved[i])
        drawn(page)
        step = dict(p.split("=") for p in saved[i][1:].split("&")).get("step", "0")
        page.wait_for_selector(f"body[data-step='{step}']")
    expect(page.locator("#btn-view")).to_have_attribute(
        "aria-pressed", "false"
    )  # frame 2: unfolded
    page.keyboard.press("PageDown")
    expect(page.locator("#btn-view")).to_have_attribute("aria-pressed", "true")  # frame 3: folded
    page.keyboard.press("Escape")
    expect(caption).to_be_hidden()

    # the link carries the same views
    page.goto(link)
    drawn(page)
    expect(page.locator("#storyboard")).to_be_visible()
    assert frames.evaluate_all("els => els.map(e => e.dataset.hash)") == saved
    assert "board=" not in page.url
    assert page.errors == []  # type: ignore[attr-defined]
