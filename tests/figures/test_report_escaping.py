"""Text from result files reaches report.html as text, never as markup (no HTML, no Markdown).

Every free-text field a producer writes (check ids, theorems, algorithms, notes, check names,
claim ids, texts, criteria and measured names, data set names, platform, Python, package names
and versions, device, GPU fields, git revision, the check folder's own name) is filled with
hostile text: HTML tags with event handlers, a javascript: link, Markdown emphasis, code,
image and table syntax, a newline. The page must have exactly the element structure of the
same report built from harmless text (so nothing was injected), and show each hostile text
literally."""
from __future__ import annotations

import json
from html.parser import HTMLParser

import pytest

from figures.layout import plain
from figures.report import main
from test_report import SIX, claim_run, env, write

HOSTILE = ["<script>alert(1)</script>", "<img src=x onerror=alert(2)>",
           "[click](javascript:alert(3))", "a | b || c", "first line\nsecond line",
           "`tick` *star* _under_ \\back", "![pic](x.png)", "&lt;entity&gt; &amp;",
           "# not a heading", "<a href='javascript:alert(4)'>x</a>", "**bold**",
           '" onmouseover="alert(5)', "<!-- comment -->", "<https://evil.example>"]


class Page(HTMLParser):
    """The page's element structure and its visible text (entities decoded)."""

    def __init__(self, page: str):
        super().__init__(convert_charrefs=True)
        self.structure, self.text, self.cells = [], [], []
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.structure.append((tag, sorted(attrs)))
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, attrs)
            assert "javascript" not in (value or "").lower(), (tag, attrs)
        if tag == "img":
            assert attrs["src"].startswith("figures/fig"), attrs
        if tag == "tr":
            self.cells.append(0)
        if tag in ("td", "th"):
            self.cells[-1] += 1

    def handle_endtag(self, tag):
        self.structure.append(("/" + tag, []))

    def handle_comment(self, data):
        raise AssertionError(f"an HTML comment reached the page: {data!r}")

    def handle_data(self, data):
        self.text.append(data)

    def visible(self) -> str:
        return " ".join("".join(self.text).split())


def results_with(root, say):
    """Every producer's files, with ``say(field)`` as each free-text field."""
    check = root / "synthetic" / "check"
    write(check / "summary.json", {"schema": "l0l1-check-summary/1", "rows": [
        {"check": say("row check"), "theorem": say("row theorem"), "mark": "paper",
         "records": 2, "pass": 1, "fail": 1, "inconclusive": 0, "shape-only": 0,
         "ratio_min": 0.5, "ratio_max": 2.0, "algorithm": say("row algorithm")}],
        "fails": [{"check_id": say("fail id"), "theorem": say("fail theorem"),
                   "measured": 1.0, "bound": 2.0, "notes": say("fail notes")}]})
    write(check / "config.json", {"command": "check", "quick": True, "checks": ["thm4"],
                                  "seconds": {say("check name"): 3.0}})
    write(check / "env.json", env(platform=say("platform"), python=say("python"),
                                  machine=say("machine"), git_revision=say("revision"),
                                  created_utc=say("created"), device=say("device"),
                                  packages={say("package"): say("version")}))
    runs = [claim_run(SIX[0], present=True, status="finished", dataset=say("dataset"),
                      wall_seconds=10.0)] + [claim_run(n) for n in SIX[1:]]
    write(root / "nn_checks" / "cpu" / "claims.json", {"schema": "l0l1-claims/1", "runs": runs,
                                                       "claims": [
        {"id": say("claim id"), "claim": say("claim text"), "criterion": say("criterion"),
         "measured": {say("measured name"): 0.5}, "verdict": "inconclusive"}]})
    folder = root / "nn_checks" / "cpu" / SIX[0]
    write(folder / "config.json", {"config": {"model": "lstm", "run": "lr30clip0.25"},
                                   "status": "finished", "dataset": say("run dataset"),
                                   "device": say("run device")})
    write(folder / "env.json", env(gpu_name=say("gpu"), cuda=say("cuda"), cudnn=say("cudnn"),
                                   tf32={say("tf32 key"): False}, device=say("env device"),
                                   processor=say("processor")))
    write(root / "figures" / "fig1_lm_smoothness.png", "png")


def report(tmp_path, name, say):
    root = tmp_path / name
    results_with(root, say)
    check = root / "synthetic" / say("folder").replace("/", "∕")  # a folder named so, too
    (root / "synthetic" / "check").rename(check)
    assert main(["--results", str(root), "--check-dir", str(check)]) == 0
    return (root / "report.md").read_text(), Page((root / "report.html").read_text())


def test_hostile_text_is_shown_literally_and_injects_nothing(tmp_path, capsys):
    fields = []

    def hostile(field):
        fields.append(field)
        return f"{field}: {HOSTILE[(len(fields) - 1) % len(HOSTILE)]}"

    md, page = report(tmp_path, "hostile", hostile)
    _, benign = report(tmp_path, "benign", lambda field: field.replace(" ", "-"))
    assert page.structure == benign.structure  # not one element more, less or different
    assert len(fields) >= len(HOSTILE)  # every payload was used at least once
    shown = page.visible()
    unused = {"fail theorem", "run dataset", "run device"}  # read, checked, not shown
    for i, field in enumerate(fields):
        value = plain(f"{field}: {HOSTILE[i % len(HOSTILE)]}")
        if field == "folder":  # a folder name cannot hold "/"
            value = value.replace("/", "∕")
        assert (value in shown) != (field in unused), value
    assert "<script" not in md and "<img src=x" not in md  # report.md escapes too
    assert page.cells and set(page.cells) <= {2, 5, 9, 10, 15}  # a `|` never adds a cell


@pytest.mark.parametrize("payload", HOSTILE)
def test_each_payload_alone_in_a_table_cell_and_a_line(tmp_path, payload):
    """One payload in a table cell (the claim text) and in running text (the fail notes)."""
    root = tmp_path / "r"
    results_with(root, lambda field: payload if field in ("claim text", "fail notes") else "x")
    assert main(["--results", str(root)]) == 0
    page = Page((root / "report.html").read_text())
    assert plain(payload) in page.visible()
    assert not {tag for tag, _ in page.structure} - {
        "html", "head", "meta", "title", "style", "body", "h1", "h2", "p", "ul", "li", "strong",
        "em", "table", "thead", "tbody", "tr", "th", "td", "img", "code", "/html", "/head",
        "/title", "/style", "/body", "/h1", "/h2", "/p", "/ul", "/li", "/strong", "/em",
        "/table", "/thead", "/tbody", "/tr", "/th", "/td", "/code", "/img", "/meta"}
    rows = json.dumps(page.cells)
    assert set(page.cells) <= {2, 5, 9, 10, 15}, rows
