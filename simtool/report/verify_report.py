"""``simtool verify --report FILE``: a Markdown or HTML report with evidence and figures.

The figure (matplotlib, Agg backend) shows, per theorem, how many cases ended in each
status and the time the cases took.  Markdown reports write it next to the report
(``<stem>_files/verdicts.png``); HTML reports embed it as a data URI.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..errors import SimtoolError
from ..theorem import case_text

__all__ = ["write_report", "verdict_figure"]

_COLOURS = {"proved": "#2e7d32", "confirmed": "#66bb6a", "refuted": "#8e24aa", "violated": "#c62828",
            "inconclusive": "#f9a825", "n/a": "#9e9e9e"}


def verdict_figure(rows: Sequence[dict[str, Any]], results: Sequence[dict[str, Any]]) -> bytes:
    """PNG bytes: stacked case counts per status, and seconds per theorem."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [r["theorem"] for r in rows]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 0.45 * len(names) + 1.6), sharey=True)
    left = [0] * len(names)
    for status, colour in _COLOURS.items():
        counts = [sum(1 for c in results if c["theorem"] == n and c["verdict"]["status"] == status) for n in names]
        if any(counts):
            ax1.barh(names, counts, left=left, color=colour, label=status)
            left = [a + b for a, b in zip(left, counts)]
    ax1.set_xlabel("cases")
    ax1.legend(fontsize=7, loc="lower right")
    ax1.invert_yaxis()
    ax2.barh(names, [r["seconds"] for r in rows], color="#546e7a")
    ax2.set_xlabel("seconds (sum over cases)")
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    plt.close(fig)
    return buf.getvalue()


def _case_lines(results, name: str) -> list[tuple[str, str, str, str]]:
    out = []
    for c in results:
        if c["theorem"] != name:
            continue
        case = case_text(c["case"]) or "—"
        flag = "" if c["matches"] else " ✗ UNEXPECTED"
        failure = f" [{c['failure']}]" if c.get("failure") else ""
        out.append((case, c["verdict"]["status"] + flag + failure, c["expected"], c["verdict"]["evidence"]))
    return out


def write_report(path: str, rows, results, meta: dict[str, Any]) -> Path:
    """Write the report; the format follows the suffix (``.md`` or ``.html``)."""
    p = Path(path)
    if p.suffix not in (".md", ".html"):
        raise SimtoolError(f"report {path!r}: use a .md or .html file name")
    png = verdict_figure(rows, results)
    try:
        if p.suffix == ".md":
            figdir = p.parent / f"{p.stem}_files"
            figdir.mkdir(parents=True, exist_ok=True)
            (figdir / "verdicts.png").write_bytes(png)
            p.write_text(_markdown(rows, results, meta, f"{figdir.name}/verdicts.png"))
        else:
            p.write_text(_html(rows, results, meta, base64.b64encode(png).decode()))
    except OSError as exc:
        raise SimtoolError(f"cannot write report {path!r}: {exc.strerror}") from None
    return p


def _meta_line(meta) -> str:
    return ", ".join(f"{k}: {v}" for k, v in meta.items())


def _markdown(rows, results, meta, fig: str) -> str:
    lines = ["# simtool verify report", "", _meta_line(meta), "", f"![verdicts per theorem]({fig})", "",
             "| theorem | verdict (scope) | expected | cases as expected |", "|---|---|---|---|"]
    lines += [f"| {r['theorem']} | {r['headline']} | {'/'.join(r['expected'])} | {r['n_match']}/{r['n_cases']} |"
              for r in rows]
    for r in rows:
        lines += ["", f"## {r['theorem']}", "", r["statement"], "", f"$$ {r['latex']} $$" if r["latex"] else "",
                  "", "References: " + "; ".join(r["references"]), "",
                  f"**{r['headline']}** — {r['verdict']['evidence']}", "",
                  "| case | verdict | expected | evidence |", "|---|---|---|---|"]
        lines += [f"| {a} | {b} | {c} | {d.replace('|', '∣')} |" for a, b, c, d in _case_lines(results, r["theorem"])]
    return "\n".join(lines) + "\n"


def _html(rows, results, meta, b64: str) -> str:
    e = html.escape
    parts = ["<!doctype html><meta charset='utf-8'><title>simtool verify</title>",
             "<style>body{font-family:sans-serif;max-width:70em}td,th{border:1px solid #ccc;padding:2px 6px;"
             "vertical-align:top}table{border-collapse:collapse}.bad{color:#c62828;font-weight:bold}</style>",
             f"<h1>simtool verify report</h1><p>{e(_meta_line(meta))}</p>",
             f"<img alt='verdicts per theorem' src='data:image/png;base64,{b64}'>",
             "<table><tr><th>theorem</th><th>verdict (scope)</th><th>expected</th><th>cases as expected</th></tr>"]
    for r in rows:
        cls = "" if r["n_match"] == r["n_cases"] else " class='bad'"
        parts.append(f"<tr><td>{e(r['theorem'])}</td><td>{e(r['headline'])}</td><td>{e('/'.join(r['expected']))}"
                     f"</td><td{cls}>{r['n_match']}/{r['n_cases']}</td></tr>")
    parts.append("</table>")
    for r in rows:
        parts += [f"<h2>{e(r['theorem'])}</h2><p>{e(r['statement'])}</p>",
                  f"<p><code>{e(r['latex'])}</code></p>" if r["latex"] else "",
                  f"<p>References: {e('; '.join(r['references']))}</p>",
                  f"<p><b>{e(r['headline'])}</b> — {e(r['verdict']['evidence'])}</p>",
                  "<table><tr><th>case</th><th>verdict</th><th>expected</th><th>evidence</th></tr>"]
        parts += [f"<tr><td>{e(a)}</td><td>{e(b)}</td><td>{e(c)}</td><td>{e(d)}</td></tr>"
                  for a, b, c, d in _case_lines(results, r["theorem"])]
        parts.append("</table>")
    return "\n".join(parts) + "\n"
