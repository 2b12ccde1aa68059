"""A tiny Markdown converter for the hand-written overview: enough for overview.md.

Supports headings, paragraphs, bullet and numbered lists (one level), fenced code blocks,
pipe tables, and inline ``code``, **bold**, *emphasis* and [links](url). Everything else is
shown as text, escaped: the output never carries raw HTML from the source.
"""

from __future__ import annotations

import re
from html import escape

_FENCE = re.compile(r"^(```|~~~)\s*([\w+-]*)\s*$")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_BULLET = re.compile(r"^\s*[-*+]\s+(.*)$")
_NUMBERED = re.compile(r"^\s*\d+[.)]\s+(.*)$")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")

_CODE_SPAN = re.compile(r"(`+)(.+?)\1")
_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_EM = re.compile(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])")
_SAFE_URL = re.compile(r"^(https?://|mailto:|#|\.{0,2}/|[\w./-]+$)", re.IGNORECASE)


def inline(text: str) -> str:
    """Escape ``text`` and render its inline markup."""
    spans: list[str] = []

    def keep(match: re.Match[str]) -> str:
        spans.append(f"<code>{escape(match.group(2).strip())}</code>")
        return f"\x00{len(spans) - 1}\x00"

    text = escape(_CODE_SPAN.sub(keep, text), quote=False)

    def link(match: re.Match[str]) -> str:
        label, url = match.group(1), match.group(2)
        if not _SAFE_URL.match(url):
            return match.group(0)
        return f'<a href="{escape(url)}">{label}</a>'

    text = _LINK.sub(link, text)
    text = _BOLD.sub(r"<strong>\1</strong>", text)
    text = _EM.sub(r"<em>\1</em>", text)
    return re.sub("\x00(\\d+)\x00", lambda m: spans[int(m.group(1))], text)


def _cells(row: str) -> list[str]:
    row = row.strip()
    row = row[1:] if row.startswith("|") else row
    row = row[:-1] if row.endswith("|") else row
    return [c.strip() for c in row.split("|")]


def to_html(source: str, *, heading_offset: int = 0, slug_prefix: str = "") -> str:
    """Markdown ``source`` as HTML; ``heading_offset`` demotes headings (1: ``#`` → ``<h2>``).

    Headings get an ``id`` of ``slug_prefix`` plus their slug, for links into the page.
    """
    lines = source.splitlines()
    out: list[str] = []
    paragraph: list[str] = []
    i = 0

    def flush() -> None:
        if paragraph:
            out.append(f"<p>{inline(' '.join(s.strip() for s in paragraph))}</p>")
            paragraph.clear()

    while i < len(lines):
        line = lines[i]
        if not line.strip():
            flush()
            i += 1
            continue
        fence = _FENCE.match(line)
        if fence:
            flush()
            body: list[str] = []
            i += 1
            while i < len(lines) and not lines[i].startswith(fence.group(1)):
                body.append(lines[i])
                i += 1
            i += 1  # the closing fence
            lang = f' class="language-{escape(fence.group(2))}"' if fence.group(2) else ""
            out.append(f"<pre><code{lang}>{escape(chr(10).join(body))}</code></pre>")
            continue
        heading = _HEADING.match(line)
        if heading:
            flush()
            level = min(6, len(heading.group(1)) + heading_offset)
            text = heading.group(2)
            slug = slug_prefix + re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
            out.append(f'<h{level} id="{escape(slug)}">{inline(text)}</h{level}>')
            i += 1
            continue
        if "|" in line and i + 1 < len(lines) and _TABLE_RULE.match(lines[i + 1]):
            flush()
            head = "".join(f"<th>{inline(c)}</th>" for c in _cells(line))
            rows = []
            i += 2
            while i < len(lines) and "|" in lines[i] and lines[i].strip():
                rows.append("<tr>" + "".join(f"<td>{inline(c)}</td>" for c in _cells(lines[i])))
                i += 1
            out.append(
                f"<table><thead><tr>{head}</tr></thead><tbody>"
                + "".join(r + "</tr>" for r in rows)
                + "</tbody></table>"
            )
            continue
        for pattern, tag in ((_BULLET, "ul"), (_NUMBERED, "ol")):
            if pattern.match(line):
                flush()
                items: list[list[str]] = []
                while i < len(lines) and lines[i].strip():
                    item = pattern.match(lines[i])
                    if item:
                        items.append([item.group(1)])
                    elif items and lines[i].startswith((" ", "\t")):
                        items[-1].append(lines[i].strip())  # continuation of the item
                    else:
                        break
                    i += 1
                body_html = "".join(f"<li>{inline(' '.join(parts))}</li>" for parts in items)
                out.append(f"<{tag}>{body_html}</{tag}>")
                break
        else:
            paragraph.append(line)
            i += 1
    flush()
    return "\n".join(out)
