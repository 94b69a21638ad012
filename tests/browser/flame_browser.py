#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""flame_browser.py - ember's flame graphs in a real browser (headless Chromium).

    flame_browser.py SVG NARROW_SVG HTML BIG_HTML DEEP_HTML DIFF_HTML SHOT_DIR

SVG is `ember flame` of gen_profile's known profile (NARROW_SVG the same at
--width 200), HTML of its "shapes"
profile (two types with opposite shapes), BIG_HTML of a large profile,
DEEP_HTML of a 16384-deep recursion (shown at a device pixel ratio of 2),
DIFF_HTML a --diff of two folded files where grow grew, shrink shrank and
same kept its share. Loads
each from file://, checks what is drawn and how it reacts to real clicks,
keys and typing, and saves screenshots in SHOT_DIR. Prints TAP lines.
"""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cdp  # noqa: E402

results = []


def check(cond, desc, detail=""):
    print(("ok - " if cond else "not ok - ") + desc)
    if not cond and detail:
        for line in str(detail).splitlines()[:20]:
            print("#   " + line)
    results.append(cond)


def near(got, want, tol, desc):
    check(got is not None and abs(got - want) <= tol, "%s (%s ~ %s)" % (desc, got, want),
          "got %r, want %r +- %r" % (got, want, tol))


def offline(page, desc):
    urls = page.collect_requests()
    bad = [u for u in urls if not u.startswith(("file:", "data:", "about:"))]
    check(not bad, desc, "requests: %r" % bad)


def wait_for(page, expr, timeout=5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if page.eval(expr):
            return True
        time.sleep(0.05)
    return False


# ---- SVG ---------------------------------------------------------------------------

FRAMES_JS = """Array.from(document.querySelectorAll('#frames > g')).map(function (g) {
  var r = g.querySelector('rect').getBoundingClientRect();
  return [g.querySelector('title').textContent, r.left, r.top, r.width,
          getComputedStyle(g).display !== 'none', g.querySelector('rect').getAttribute('fill'),
          g.querySelector('text') ? g.querySelector('text').textContent : null];
})"""


def svg_frames(page):
    return {f[0]: f for f in page.eval(FRAMES_JS)}


def center(f):
    return f[1] + f[3] / 2, f[2] + 7


def test_svg(b, path, shots):
    url = "file://" + os.path.abspath(path)
    page = b.new_page()
    page.goto(url)
    offline(page, "svg: loads from file:// without any other request")
    fr = svg_frames(page)
    check(len(fr) == 7, "svg: 7 frames drawn", sorted(fr))
    # 1180 px of plot for 450ms
    want = {"all (450ms, 100.00%)": 1180, "main (450ms, 100.00%)": 1180,
            "work (400ms, 88.89%)": 1048.9, "leaf_a (300ms, 66.67%)": 786.7,
            "leaf_a (50ms, 11.11%)": 131.1, "leaf_b (100ms, 22.22%)": 262.2,
            "inlined_helper (100ms, 22.22%)": 262.2}
    for title, w in want.items():
        near(fr.get(title, [None] * 4)[3], w, 0.15, "svg: width of " + title)
    work = fr["work (400ms, 88.89%)"]

    page.move(*center(work))
    check(page.eval("document.getElementById('details').textContent") == "work (400ms, 88.89%)",
          "svg: hovering a frame shows its name, value and share")

    page.click(*center(work))
    fr = svg_frames(page)
    near(fr["work (400ms, 88.89%)"][3], 1180, 0.15, "svg: a click zooms the frame to full width")
    near(fr["leaf_a (300ms, 66.67%)"][3], 885, 0.15, "svg: its children scale with it (300/400)")
    check(not fr["leaf_a (50ms, 11.11%)"][4], "svg: frames outside the zoomed one are hidden")
    check(page.eval("document.querySelector('#frames > g').classList.contains('parent')"),
          "svg: ancestors stay, faded")
    check(page.eval("!document.getElementById('unzoom').classList.contains('hide')"),
          "svg: Reset Zoom appears")
    page.screenshot(os.path.join(shots, "flame-svg-zoomed.png"))
    page.click_element("#unzoom")
    fr = svg_frames(page)
    near(fr["work (400ms, 88.89%)"][3], 1048.9, 0.15, "svg: Reset Zoom restores the widths")
    check(fr["leaf_a (50ms, 11.11%)"][4], "svg: Reset Zoom shows every frame again")

    b.dialog_answer = "^leaf_a$"
    page.click_element("#search")
    matched = page.eval("document.getElementById('matched').textContent")
    check(matched == "Matched: 77.78%", "svg: Search (a prompt) matches leaf_a: 77.78%", matched)
    fr = svg_frames(page)
    check(fr["leaf_a (50ms, 11.11%)"][5] == "rgb(230,0,230)", "svg: matches are highlighted")
    page.screenshot(os.path.join(shots, "flame-svg-search.png"))
    page.click_element("#search")   # now "Reset Search"
    check(page.eval("document.getElementById('matched').textContent") == " ",
          "svg: a second click resets the search")
    b.dialog_answer = "inlined|leaf_b"
    page.key("f", "KeyF", 70, modifiers=2)
    check(page.eval("document.getElementById('matched').textContent") == "Matched: 22.22%",
          "svg: Ctrl-F opens the search; nested matches count once (22.22%)")
    b.dialog_answer = None

    # The same file without script is still the complete picture.
    page.call("Emulation.setScriptExecutionDisabled", {"value": True})
    page.goto(url)
    fr = svg_frames(page)
    near(fr.get("work (400ms, 88.89%)", [None] * 4)[3], 1048.9, 0.15,
         "svg without script: frames drawn at their widths")
    check(fr.get("leaf_a (50ms, 11.11%)", [""] * 7)[6] == "leaf_a", "svg without script: labels drawn")
    page.screenshot(os.path.join(shots, "flame-svg.png"))
    offline(page, "svg: still no request after all that")


def test_narrow_svg(b, path):
    page = b.new_page()
    page.goto("file://" + os.path.abspath(path))
    fr = svg_frames(page)
    small = fr["leaf_a (50ms, 11.11%)"]
    check(small[6] is None, "svg, 200 px wide: no label element where no label fits", small)
    page.click(*center(small))
    fr = svg_frames(page)
    check(fr["leaf_a (50ms, 11.11%)"][6] == "leaf_a", "svg: zooming in adds the label", fr["leaf_a (50ms, 11.11%)"])
    near(fr["leaf_a (50ms, 11.11%)"][3], 180, 0.15, "svg: the zoomed frame fills the 180 px plot")
    page.goto("file://" + os.path.abspath(path) + "?s=leaf_b")
    check(page.eval("document.getElementById('matched').textContent") == "Matched: 22.22%",
          "svg: ?s=REGEX in the URL opens with that search")


# ---- HTML --------------------------------------------------------------------------

def drawn(page):
    return page.eval("emberFlame.drawn()")


def by_name(frames, name):
    return [f for f in frames if f["name"] == name and not f["faded"]]


def canvas_origin(page):
    return page.eval("(function () { var r = document.getElementById('canvas').getBoundingClientRect();"
                     " return [r.left, r.top, r.width]; })()")


def pixel(page, x, y):
    return page.eval("(function () { var c = document.getElementById('canvas'), k = c.width / "
                     "c.getBoundingClientRect().width; var d = c.getContext('2d').getImageData("
                     "Math.floor(%f * k), Math.floor(%f * k), 1, 1).data;"
                     " return 'rgb(' + d[0] + ',' + d[1] + ',' + d[2] + ')'; })()" % (x, y))


def hex_rgb(h):
    return "rgb(%d,%d,%d)" % (int(h[1:3], 16), int(h[3:5], 16), int(h[5:7], 16))


def text(page, sel):
    return page.eval("document.querySelector(%s).textContent" % json.dumps(sel))


def test_html(b, path, shots):
    page = b.new_page()
    page.goto("file://" + os.path.abspath(path))
    offline(page, "html: loads from file:// without any other request")
    st = page.eval("emberFlame.state()")
    check(st["type"] == "inuse_space", "html: the default type is pprof's (the last)", st)
    left, top, width = canvas_origin(page)
    fr = drawn(page)
    cache, parse = by_name(fr, "cache"), by_name(fr, "parse")
    check(len(cache) == 1 and len(parse) == 1, "html: cache and parse drawn", fr)
    near(cache[0]["w"], 0.75 * width, 0.5, "html: inuse_space: cache is 3/4 of the width")
    near(parse[0]["w"], 0.25 * width, 0.5, "html: inuse_space: parse is 1/4")
    c = cache[0]
    check(pixel(page, c["x"] + c["w"] - 3, c["y"] + 3) == hex_rgb(c["color"]),
          "html: the canvas has cache's colour where cache is drawn",
          "%s vs %s" % (pixel(page, c["x"] + c["w"] - 3, c["y"] + 3), c["color"]))

    page.click_element("#types button[data-type='alloc_space']")
    check(page.eval("emberFlame.state().type") == "alloc_space", "html: a type button switches type")
    fr = drawn(page)
    near(by_name(fr, "parse")[0]["w"], 0.75 * width, 0.5, "html: alloc_space: parse is now 3/4")
    check(text(page, "#subtitle") == "Type: alloc_space, Total: 4MiB", "html: the subtitle follows",
          text(page, "#subtitle"))

    p = by_name(fr, "parse")[0]
    page.move(left + p["x"] + p["w"] / 2, top + p["y"] + 8)
    tip = text(page, "#tip")
    check(page.eval("!document.getElementById('tip').hidden") and
          tip.startswith("parse3MiB (75.00% of the total)"), "html: hovering shows a tooltip", tip)

    rows = page.eval("Array.from(document.querySelectorAll('#table tbody tr')).map("
                     "function (r) { return r.cells[0].textContent + ' ' + r.cells[1].textContent; })")
    check(rows == ["parse 3MiB", "cache 1MiB", "main 0"], "html: function table sorted by self", rows)
    page.click_element("#table th:nth-child(4)")         # Total
    first = page.eval("document.querySelector('#table tbody tr').cells[0].textContent")
    check(first == "main", "html: clicking Total sorts by total", first)
    page.click_element("#table th:nth-child(1)")         # Function
    names = page.eval("Array.from(document.querySelectorAll('#table tbody tr')).map("
                      "function (r) { return r.cells[0].textContent; })")
    check(names == ["cache", "main", "parse"], "html: clicking Function sorts by name", names)

    page.click(left + p["x"] + p["w"] / 2, top + p["y"] + 8)
    check(page.eval("emberFlame.state().zoom") == "parse", "html: clicking a frame zooms into it")
    near(by_name(drawn(page), "parse")[0]["w"], width, 0.5, "html: the zoomed frame fills the width")
    crumbs = text(page, "#crumbs")
    check(crumbs == "all\u203amain\u203aparse", "html: breadcrumbs show the path", crumbs)
    page.screenshot(os.path.join(shots, "flame-html-zoomed.png"))
    page.click_element("#crumbs button")                 # "all"
    check(page.eval("emberFlame.state().zoom") == "all", "html: a breadcrumb zooms back out")

    page.click_element("#search")
    page.type_text("cache")
    check(wait_for(page, "document.getElementById('matched').textContent === 'Matched: 25.00%'"),
          "html: search shows the matched share (25.00%)", text(page, "#matched"))
    names = page.eval("Array.from(document.querySelectorAll('#table tbody tr')).map("
                      "function (r) { return r.cells[0].textContent; })")
    check(names == ["cache"], "html: the table follows the search", names)
    check(by_name(drawn(page), "cache")[0]["color"] == "#e600e6", "html: matches are highlighted")
    page.key("a", "KeyA", 65, modifiers=2)
    page.key("Backspace", "Backspace", 8)
    check(wait_for(page, "document.getElementById('matched').textContent === ''"),
          "html: clearing the search clears the match")

    page.click_element("#icicle")
    root = [f for f in drawn(page) if f["depth"] == 0][0]
    check(root["y"] == 0 and page.eval("emberFlame.state().icicle"), "html: Icicle puts the root on top")
    page.key("f", "KeyF", 70, modifiers=2)
    check(page.eval("document.activeElement.id") == "search", "html: Ctrl-F goes to the search box")
    page.screenshot(os.path.join(shots, "flame-html.png"))
    offline(page, "html: still no request after all that")


def test_big_html(b, path, shots):
    page = b.new_page()
    t0 = time.monotonic()
    page.goto("file://" + os.path.abspath(path), timeout=60)
    st = page.eval("emberFlame.state()")
    fr = drawn(page)
    merged = [f for f in fr if f["merged"]]
    check(len(fr) < st["frames"] / 10,
          "html, large profile: draws only what is visible (%d of %d frames)" % (len(fr), st["frames"]))
    check(merged and all(f["widest"] < 1 and f["count"] >= 1 for f in merged)
          and sum(f["count"] for f in merged) > len(merged),
          "html, large profile: frames narrower than a pixel are merged (%d frames in %d blocks, "
          "the widest member %.3f px)" % (sum(f["count"] for f in merged), len(merged),
                                          max([f["widest"] for f in merged] or [0])))
    check(all(f["merged"] or f["w"] >= 1 for f in fr), "html, large profile: nothing else under a pixel")
    print("# large profile: %d frames in the file, %d drawn, loaded in %.2fs"
          % (st["frames"], len(fr), time.monotonic() - t0))
    page.screenshot(os.path.join(shots, "flame-html-large.png"))


CANVAS_JS = """(function () { var c = document.getElementById('canvas'), x = c.getContext('2d');
  var d = x.getImageData(0, 0, c.width, c.height).data, n = 0;
  for (var i = 0; i < d.length; i += 4) if (d[i + 3] && (d[i] < 250 || d[i + 1] < 250)) n++;
  return [c.width, c.height, n]; })()"""


def test_deep_html(b, path, shots):
    # Chromium leaves a canvas taller than 32767 device pixels blank: 16384
    # rows of 16 px at a pixel ratio of 2 would be 524288.
    page = b.new_page(scale=2)
    page.goto("file://" + os.path.abspath(path), timeout=60)
    w, h, painted = page.eval(CANVAS_JS)
    check(h <= 32767 and painted > 0, "html, 16384-deep stack at pixel ratio 2: the canvas is drawn "
          "(%dx%d device px, %d painted)" % (w, h, painted))
    rows = max(f["depth"] for f in drawn(page)) + 1
    check(rows * 16 * 2 <= 32767, "html, deep stack: %d rows drawn, within the canvas limit" % rows)
    check("levels below the zoomed frame are not drawn" in text(page, "#note"),
          "html, deep stack: the note says deeper frames are not drawn", text(page, "#note"))
    # Zoom into the deepest frame drawn (the top row): then its ancestors,
    # not the whole chain above it, are drawn faded.
    left, top, width = canvas_origin(page)
    deepest = [f for f in drawn(page) if f["depth"] == rows - 1 and not f["merged"]][0]
    page.click(left + deepest["x"] + deepest["w"] / 2, top + deepest["y"] + 8)
    w, h, painted = page.eval(CANVAS_JS)
    faded = [f for f in drawn(page) if f["faded"]]
    check(h <= 32767 and painted > 0 and 0 < len(faded) <= 100,
          "html, deep stack zoomed: %d ancestors drawn, canvas %d device px high" % (len(faded), h))
    check("outermost ancestors of the zoomed frame are not drawn" in text(page, "#note"),
          "html, deep stack zoomed: the note says the outer ancestors are left out", text(page, "#note"))
    n = page.eval("document.querySelectorAll('#crumbs button, #crumbs b').length")
    check(n == 15 and "\u2026" in text(page, "#crumbs"),
          "html, deep stack zoomed: breadcrumbs show 15 frames around an ellipsis", n)
    page.screenshot(os.path.join(shots, "flame-html-deep.png"))


def test_diff_html(b, path, shots):
    page = b.new_page()
    page.goto("file://" + os.path.abspath(path))
    offline(page, "html diff: loads from file:// without any other request")
    left, top, width = canvas_origin(page)
    fr = drawn(page)

    def rgb(name):
        c = by_name(fr, name)[0]["color"]
        return [int(x) for x in c[c.index("(") + 1:-1].split(",")]

    g, s, m = rgb("grow"), rgb("shrink"), rgb("same")
    check(g[0] == 255 and g[1] < 200 and g[2] < 200, "html diff: the frame that grew is red", g)
    check(s[2] == 255 and s[0] < 200 and s[1] < 200, "html diff: the frame that shrank is blue", s)
    check(m == [245, 245, 245], "html diff: the frame that kept its share is neutral", m)
    c = by_name(fr, "grow")[0]
    check(pixel(page, c["x"] + c["w"] / 2, c["y"] + 3) == "rgb(%d,%d,%d)" % tuple(g),
          "html diff: the canvas is painted in that colour where grow is drawn")
    page.move(left + c["x"] + c["w"] / 2, top + c["y"] + 8)
    tip = text(page, "#tip")
    check("base: 10 samples (16.67%)" in tip and "change: +33.33% of the total" in tip,
          "html diff: the tooltip has the base value and the change", tip)
    page.screenshot(os.path.join(shots, "flame-html-diff.png"))


def main():
    svg, narrow, html, big, deep, diff, shots = sys.argv[1:8]
    os.makedirs(shots, exist_ok=True)
    b = cdp.Browser(os.environ.get("CHROMIUM", "chromium"))
    try:
        print("# " + b.call("Browser.getVersion")["product"])
        test_svg(b, svg, shots)
        test_narrow_svg(b, narrow)
        test_html(b, html, shots)
        test_big_html(b, big, shots)
        test_deep_html(b, deep, shots)
        test_diff_html(b, diff, shots)
    except cdp.CDPError as e:
        check(False, "browser session", e)
    finally:
        b.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
