"""One truncation control, in Debian's chromium: the lab's comparison and training's K are handles
on the page's one K (Backward's truncation). Changing any of them by keys changes the others,
the graph and the URL, with one history entry; the lab compares full BPTT with the graph's K,
its numbers those of /api/bptt."""

from __future__ import annotations

import math
from typing import Any

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e

T = 6
RECORD_URLS = """
window.__urls = [];
for (const f of ["pushState", "replaceState"]) {
  const original = history[f].bind(history);
  history[f] = (s, title, url) => {
    window.__urls.push([f, String(url)]);
    return original(s, title, url);
  };
}
"""


def request(truncate: int | None) -> dict[str, Any]:
    """The page's /api/bptt body at T = 6 (the sine sequence), built here from its definition."""
    xs = [round(math.sin(0.6 * (i + 1)), 3) for i in range(T)]
    ds = [round(math.sin(0.6 * (i + 2)), 3) for i in range(T)]
    return {
        "model": {"n_in": 1, "n_hidden": 3, "n_out": 1, "activation": "tanh", "seed": 0},
        "inputs": [[x] for x in xs],
        "targets": [[d] for d in ds],
        "loss_steps": "last",
        "truncate": truncate,
        "detail": "norms",
    }


def frob(m: list[list[float]]) -> float:
    return math.sqrt(sum(v * v for row in m for v in row))


def hash_k(page: Page) -> str | None:
    return page.evaluate("() => new URLSearchParams(location.hash.slice(1)).get('K')")


def pushes(page: Page) -> list[str]:
    """The URLs pushed since the last call (replaceState of the animation step does not count)."""
    urls = page.evaluate("() => { const u = window.__urls; window.__urls = []; return u; }")
    assert not any("cK=" in u or "tK=" in u for _, u in urls), urls  # one K in the URL
    return [u for f, u in urls if f == "pushState"]


def settled(page: Page, K: int) -> None:
    """The graph, the lab's comparison and both mirrors show K."""
    page.wait_for_function(
        f"() => new URLSearchParams(location.hash.slice(1)).get('K') === {str(K)!r}"
    )
    page.wait_for_selector(f"#cmp[data-k='{K}']")
    page.wait_for_selector("svg#unfolded[data-ready='true']")
    expect(page.locator("#ctl-K")).to_have_value(str(K))
    expect(page.locator("#ctl-cK")).to_have_value(str(K))
    expect(page.locator("#out-cK")).to_have_text(f"K = {K}")
    expect(page.locator("#train-tK")).to_have_value(str(K))


def test_one_truncation_for_the_graph_the_lab_and_training(page: Page, base_url: str) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.add_init_script(RECORD_URLS)
    page.goto(f"{base_url}/#T={T}")
    page.wait_for_selector("svg#unfolded[data-ready='true']")
    page.wait_for_selector("#cmp[data-k='0']")
    expect(page.locator("#cmp-body")).to_contain_text("Full BPTT: no term is dropped")
    expect(page.locator("#out-cK")).to_have_text("full")
    pushes(page)

    # the main control, by keys: one history entry, the lab and training follow
    page.focus("#ctl-K")
    page.keyboard.press("ArrowRight")
    settled(page, 1)
    pushed = pushes(page)
    assert len(pushed) == 1 and "K=1" in pushed[0], pushed
    full = page.request.post(f"{base_url}/api/bptt", data=request(None)).json()
    trunc = page.request.post(f"{base_url}/api/bptt", data=request(1)).json()
    for name in ("Ws", "Wx"):
        row = page.locator(f"#cmp-body tr[data-weight='{name}']")
        shown_full = float(row.locator("td[data-full]").get_attribute("data-full") or "nan")
        cell = row.locator("td[data-truncated]")
        shown_trunc = float(cell.get_attribute("data-truncated") or "nan")
        assert math.isclose(shown_full, frob(full["grads"][name]), rel_tol=1e-9)
        assert math.isclose(shown_trunc, frob(trunc["grads"][name]), rel_tol=1e-9)
    expect(page.locator("#equations-body .term[data-dropped='true']")).to_have_count(2 * (T - 1))

    # the lab's slider is the same K: the main control, the graph and the URL follow
    page.locator("#cmp").scroll_into_view_if_needed()
    page.focus("#ctl-cK")
    page.keyboard.press("ArrowRight")
    settled(page, 2)
    pushed = pushes(page)
    assert len(pushed) == 1 and "K=2" in pushed[0], pushed
    expect(page.locator("#out-K")).to_have_text("K = 2")
    expect(page.locator("#equations-body .term[data-dropped='true']")).to_have_count(2 * (T - 2))

    # training's K too, typed
    page.fill("#train-tK", "3")
    page.locator("#train-tK").press("Tab")
    settled(page, 3)
    assert len(pushes(page)) == 1

    # back to full BPTT from the lab: nothing to compare, said so
    page.focus("#ctl-cK")
    page.keyboard.press("Home")
    settled_full = "() => new URLSearchParams(location.hash.slice(1)).get('K') === null"
    page.wait_for_function(settled_full)
    page.wait_for_selector("#cmp[data-k='0']")
    expect(page.locator("#ctl-K")).to_have_value("0")
    expect(page.locator("#out-K")).to_have_text("full")
    assert hash_k(page) is None
    assert errors == []
