"""The documentation site: generated from the code, self-contained, and sound in a real browser.

The browser tests drive Debian's headless ``chromium`` over the DevTools protocol (a small
client below, standard library only). Without chromium they skip locally, but fail under
CI=true (the CI script installs it).
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import socket
import struct
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from html import escape
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

import transforms
from examples.generate import generate, load
from transforms.cli import main as cli
from transforms.docs import markdown, render_site, write_site
from transforms.docs.lineage import NODE_H, NODE_W, layout
from transforms.docs.site import script_json
from transforms.engine.errors import TransformsError
from transforms.engine.lineage import (
    ColumnRef,
    Dependency,
    Lineage,
    column_lineage,
    direct_dependencies,
)
from transforms.engine.model import LAYERS
from transforms.project import webshop

CI = os.environ.get("CI", "").lower() == "true"
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


# --- fixtures ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def built_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A DuckDB file with example data (scale 0.01) and every model built: its URL."""
    path = tmp_path_factory.mktemp("docs") / "shop.duckdb"
    url = f"duckdb:///{path}"
    con, dialect = transforms.connect(url)
    try:
        load(con, dialect, "public", generate(scale=0.01))
        transforms.build(con)
    finally:
        con.disconnect()
    return url


@pytest.fixture(scope="module")
def offline_page() -> str:
    return render_site()


@pytest.fixture(scope="module")
def live_site(built_db: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_site(tmp_path_factory.mktemp("site"), con_or_url=built_db)


class _Page(HTMLParser):
    """Ids, links, and the elements that would fetch something, of an HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.hrefs: list[str] = []
        self.node_hrefs: list[str] = []
        self.fetching: list[str] = []
        self.pre: list[str] = []
        self._in_pre = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "a" and "href" in a:
            self.hrefs.append(a["href"])
            if "node" in a.get("class", "").split():
                self.node_hrefs.append(a["href"])
        if tag in ("script", "img", "iframe", "audio", "video", "source") and a.get("src"):
            self.fetching.append(f"{tag} src={a['src']}")
        if tag == "link" and not a.get("href", "").startswith("data:"):
            self.fetching.append(f"link href={a.get('href')}")
        if tag == "pre":
            self._in_pre = True
            self.pre.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "pre":
            self._in_pre = False

    def handle_data(self, data: str) -> None:
        if self._in_pre:
            self.pre[-1] += data


def _parse(page: str) -> _Page:
    parser = _Page()
    parser.feed(page)
    return parser


# --- the page, without a browser ---------------------------------------------------------------


def test_every_model_and_source_has_its_section(offline_page: str) -> None:
    project = webshop()
    ids = _parse(offline_page).ids
    assert {f"model-{m}" for m in project.models} <= ids
    assert {f"source-{s}" for s in project.sources} <= ids
    assert {"overview", "lineage", "sources"} | {f"layer-{layer}" for layer in LAYERS} <= ids


def test_every_internal_link_and_lineage_node_points_at_an_anchor(offline_page: str) -> None:
    project = webshop()
    page = _parse(offline_page)
    internal = [h for h in page.hrefs if h.startswith("#")]
    assert internal and all(h[1:] in page.ids for h in internal), [
        h for h in internal if h[1:] not in page.ids
    ]
    expected = {f"#model-{m}" for m in project.models} | {f"#source-{s}" for s in project.sources}
    assert sorted(page.node_hrefs) == sorted(expected)


def test_the_page_is_self_contained(offline_page: str) -> None:
    page = _parse(offline_page)
    assert page.fetching == []
    assert not re.search(r"@import|url\(\s*['\"]?(https?:)?//", offline_page)
    assert "<style>" in offline_page and "<script>" in offline_page  # inline, not files


def test_model_section_shows_grain_layer_columns_checks_and_escaped_sql(offline_page: str) -> None:
    project = webshop()
    m = project.models["stg_orderitem"]
    section = offline_page.split('id="model-stg_orderitem"')[1].split("</article>")[0]
    assert escape(m.grain) in section
    assert '<span class="badge staging">staging</span>' in section
    for column in m.contract.columns():
        assert f'data-col="stg_orderitem.{column.name}">{column.name}</button></td>' in section
    assert "discount_within_line" in section and "0 ≤ discount ≤ quantity × unit_price" in section
    assert "order_id in stg_orders" in section and '<span class="badge warn">warn</span>' in section
    assert 'href="#source-orderitem"' in section  # upstream link
    assert 'href="#model-fct_orders"' in section  # downstream link
    sql = transforms.compile_sql("stg_orderitem", dialect="postgres")
    assert escape(sql) in section
    assert "&quot;" in escape(sql)  # quoted identifiers really went through escaping


def _row(page: str, table: str, column: str) -> str:
    return page.split(f'<tr id="col-{table}-{column}">')[1].split("</tr>")[0]


def test_every_column_row_has_an_id_and_every_column_link_resolves(offline_page: str) -> None:
    project = webshop()
    page = _parse(offline_page)
    tables = [*project.sources, *project.models]
    assert {f"col-{t}-{c}" for t in tables for c in project.columns(t)} <= page.ids
    links = [h for h in page.hrefs if h.startswith("#col-")]
    # one link per upstream column of each model column, whichever kinds it has
    merged = sum(len({d.upstream for d in deps}) for deps in direct_dependencies(project).values())
    assert len(links) == merged
    assert [h for h in links if h[1:] not in page.ids] == []


def test_a_columns_upstream_links_show_value_and_filter_dependencies(offline_page: str) -> None:
    project = webshop()
    row = _row(offline_page, "mart_cart_value", "cart_value")
    assert '<a href="#col-int_cart_value-cart_value">cart_value</a>' in row  # value: plain
    ref = ColumnRef("mart_cart_value", "cart_value", "marts")
    joins = [d.upstream for d in direct_dependencies(project)[ref] if "join" in d.roles]
    assert ColumnRef("int_check_order", "customer_id", "intermediate") in joins
    assert len(joins) == 5
    for up in joins:  # filter only: muted, labelled
        link = (
            f'<a class="filter" href="#col-{up.table}-{up.column}">{up.column}<small>join</small>'
        )
        assert link in row, up
    # a value and an order dependency on one column: one link with both labels
    row = _row(offline_page, "int_session", "session_number")
    assert row.count('href="#col-stg_events-event_at"') == 1
    assert '<a href="#col-stg_events-event_at">event_at<small>value, order</small></a>' in row
    assert 'class="up"' not in _row(offline_page, "events", "id")  # a source reads nothing


def test_the_embedded_column_lineage_is_the_direct_dependencies(offline_page: str) -> None:
    project = webshop()
    raw = offline_page.split('<script type="application/json" id="column-lineage">')[1]
    data = json.loads(raw.split("</script>")[0])
    order = [
        *project.sources,
        *(m for layer in LAYERS for m in project.order if project.models[m].layer == layer),
    ]
    assert list(data["tables"]) == order  # page order: the panel lists tables in it
    assert all(data["tables"][t]["columns"] == list(project.columns(t)) for t in order)

    def ref(name: str) -> ColumnRef:
        table, column = name.split(".")
        return ColumnRef(table, column, data["tables"][table]["layer"])

    parsed = {
        ref(col): [Dependency(ref(col), ref(up), kind, tuple(roles)) for up, kind, roles in deps]
        for col, deps in data["dependencies"].items()
    }
    assert parsed == direct_dependencies(project)


def test_embedded_json_cannot_end_its_script() -> None:
    data = {"x": "</script><script>alert(1)</script>", "y": "<!-- -->"}
    text = script_json(data)
    assert "<" not in text and json.loads(text) == data


def test_every_model_carries_its_compiled_postgres_sql(offline_page: str) -> None:
    pres = _parse(offline_page).pre
    for name in webshop().order:
        assert transforms.compile_sql(name).strip() in [p.strip() for p in pres], name


def test_sources_show_columns_and_freshness(offline_page: str) -> None:
    orders = offline_page.split('id="source-orders"')[1].split("</article>")[0]
    assert "<code>created_at</code>" in orders and "<strong>24 h</strong>" in orders
    assert "<strong>72 h</strong>" in orders
    assert '<td class="type">decimal(10,2)</td>' in offline_page.split('id="source-product"')[1]
    customer = offline_page.split('id="source-customer"')[1].split("</article>")[0]
    assert "No freshness rule" in customer


def test_overview_is_rendered_from_overview_md(offline_page: str) -> None:
    overview = offline_page.split('id="overview"')[1].split("</section>")[0]
    assert "<h3" in overview and "What it answers" in overview
    assert '<a href="#model-mart_sales">mart_sales</a>' in overview


def test_live_site_has_row_counts_and_last_run(built_db: str, live_site: Path) -> None:
    page = live_site.read_text()
    con, _ = transforms.connect(built_db)
    try:
        [(n,)] = con.raw_sql('SELECT count(*) FROM analytics."mart_sales"').fetchall()
        run = transforms.last_run(con)
    finally:
        con.disconnect()
    assert run is not None
    mart = page.split('id="model-mart_sales"')[1].split("</article>")[0]
    assert f"{n:,} rows" in mart
    assert run["run_id"] in page
    assert '<section id="last-run">' in page
    assert '<span class="badge pass">passed</span>' in mart  # its checks passed in the last run
    warned = [c for c in run["checks"] if c["failing"] and c["severity"] == "warn"]
    assert warned  # the example data carries warn-level dirt on purpose
    assert f"{warned[0]['failing']:,} failing" in page


def test_live_site_of_an_unbuilt_target_says_so(tmp_path: Path) -> None:
    url = f"duckdb:///{tmp_path}/empty.duckdb"
    con, dialect = transforms.connect(url)
    load(con, dialect, "public", generate(scale=0.01))
    con.disconnect()
    page = render_site(con_or_url=url)
    assert "No run is logged" in page
    assert "not in <code>analytics</code>" in page
    assert "100 rows" in page.split('id="source-customer"')[1].split("</article>")[0]


def test_missing_duckdb_file_is_an_error_and_is_not_created(tmp_path: Path) -> None:
    with pytest.raises(TransformsError, match="no DuckDB file"):
        render_site(con_or_url=f"duckdb:///{tmp_path}/nope.duckdb")
    assert not (tmp_path / "nope.duckdb").exists()


def test_cli_docs_prints_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(["docs", "--out", str(tmp_path / "site")]) == 0
    out = capsys.readouterr().out
    assert out.strip() == f"Wrote docs to {tmp_path / 'site' / 'index.html'}"
    assert (tmp_path / "site" / "index.html").is_file()


def test_generator_never_prints(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_site(tmp_path)
    assert capsys.readouterr() == ("", "")


def test_lineage_layout_is_layered_and_edges_never_pass_behind_a_box() -> None:
    project = webshop()
    drawing = layout(project)
    nodes = drawing.nodes
    assert len(nodes) == len(project.models) + len(project.sources)
    by_name = {n.name: n for n in nodes}
    rank = {"source": 0} | {layer: i + 1 for i, layer in enumerate(LAYERS)}
    for a in nodes:
        assert a.x >= 0 and a.x + NODE_W <= drawing.width
        assert a.y >= 0 and a.y + NODE_H <= drawing.height
        for b in nodes:
            if a is not b and rank[a.kind] != rank[b.kind]:
                # every layer lies entirely right of the earlier ones
                assert (a.x < b.x) == (rank[a.kind] < rank[b.kind])
            if a is not b and a.x == b.x:
                assert abs(a.y - b.y) >= NODE_H, (a.name, b.name)
    edges = {(d, m.name) for m in project.models.values() for d in m.depends_on}
    assert set(drawing.lanes) == edges
    for (dep, name), lanes in drawing.lanes.items():
        assert by_name[dep].x < by_name[name].x  # every edge points right
        for x, y in lanes:  # a lane through a column misses every box of that column
            assert by_name[dep].x < x < by_name[name].x
            for n in nodes:
                if n.x == x:
                    assert not n.y - 4 < y < n.y + NODE_H + 4, (dep, name, n.name)


def test_markdown_escapes_html_and_refuses_script_links() -> None:
    html = markdown.to_html(
        "# T <b>\n\nA *b* **c** `<x>` [ok](#a) [bad](javascript:alert(1))\n\n- one\n- two"
    )
    assert "<b>" not in html and "&lt;b&gt;" in html
    assert (
        "<em>b</em>" in html and "<strong>c</strong>" in html and "<code>&lt;x&gt;</code>" in html
    )
    assert '<a href="#a">ok</a>' in html and 'href="javascript' not in html
    assert "<ul><li>one</li><li>two</li></ul>" in html
    code = markdown.to_html("```sql\nselect '<' || x\n```")
    assert code == '<pre><code class="language-sql">select &#x27;&lt;&#x27; || x</code></pre>'


# --- in a real browser -------------------------------------------------------------------------


def _browser() -> str:
    found = next((p for p in map(shutil.which, BROWSERS) if p), None)
    if found is None:
        reason = "chromium is not installed (apt-get install chromium): no browser test of the docs"
        if CI:
            pytest.fail(f"{reason} (CI=true: the browser tests must run)")
        pytest.skip(reason)
    return found


class DevTools:
    """A minimal Chrome DevTools Protocol client over a WebSocket (RFC 6455), stdlib only."""

    def __init__(self, ws_url: str, timeout: float = 30.0) -> None:
        match = re.match(r"ws://([^/:]+):(\d+)(/.*)", ws_url)
        assert match, ws_url
        host, port, path = match.group(1), int(match.group(2)), match.group(3)
        self.sock = socket.create_connection((host, port), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(
            f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n".encode()
        )
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(1)
            assert chunk, "DevTools closed the connection during the handshake"
            head += chunk
        assert head.split(b"\r\n")[0].split()[1] == b"101", head
        self.next_id = 0
        self.events: list[dict[str, Any]] = []

    def _read(self, n: int) -> bytes:
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            if not chunk:
                raise ConnectionError("DevTools closed the connection")
            data += chunk
        return data

    def _send_frame(self, opcode: int, payload: bytes) -> None:
        header = bytes([0x80 | opcode])
        n = len(payload)
        if n < 126:
            header += bytes([0x80 | n])
        elif n < 1 << 16:
            header += bytes([0x80 | 126]) + struct.pack("!H", n)
        else:
            header += bytes([0x80 | 127]) + struct.pack("!Q", n)
        mask = os.urandom(4)
        self.sock.sendall(header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))

    def _message(self) -> dict[str, Any]:
        parts = b""
        while True:
            b0, b1 = self._read(2)
            opcode, n = b0 & 0x0F, b1 & 0x7F
            if n == 126:
                (n,) = struct.unpack("!H", self._read(2))
            elif n == 127:
                (n,) = struct.unpack("!Q", self._read(8))
            mask = self._read(4) if b1 & 0x80 else b""
            payload = self._read(n)
            if mask:
                payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
            if opcode == 0x9:  # ping
                self._send_frame(0xA, payload)
                continue
            if opcode == 0x8:
                raise ConnectionError("DevTools closed the WebSocket")
            parts += payload
            if b0 & 0x80 and opcode in (0x0, 0x1, 0x2):
                message: dict[str, Any] = json.loads(parts)
                return message

    def send(self, method: str, **params: Any) -> dict[str, Any]:
        """Call ``method``; its result. Events arriving meanwhile are kept in ``events``."""
        self.next_id += 1
        self._send_frame(
            0x1, json.dumps({"id": self.next_id, "method": method, "params": params}).encode()
        )
        while True:
            message = self._message()
            if message.get("id") == self.next_id:
                assert "error" not in message, message
                result: dict[str, Any] = message.get("result", {})
                return result
            self.events.append(message)

    def wait_for(self, event: str, timeout: float = 30.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        for seen in self.events:
            if seen.get("method") == event:
                return seen
        while time.monotonic() < deadline:
            message = self._message()
            self.events.append(message)
            if message.get("method") == event:
                return message
        raise TimeoutError(event)

    def evaluate(self, expression: str) -> Any:
        reply = self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        assert "exceptionDetails" not in reply, reply
        return reply["result"].get("value")

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def devtools(tmp_path: Path) -> Iterator[DevTools]:
    """A fresh headless chromium, driven over the DevTools protocol (no network for it)."""
    binary = _browser()
    profile = tmp_path / "profile"
    log = (tmp_path / "chromium.log").open("wb")
    proc = subprocess.Popen(
        [
            binary,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            f"--user-data-dir={profile}",
            "--remote-debugging-port=0",
            "--window-size=1400,2000",
            "about:blank",
        ],
        stdout=log,
        stderr=log,
    )
    client = None
    try:
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not (port_file.exists() and port_file.read_text().strip()):
            assert proc.poll() is None, (tmp_path / "chromium.log").read_text()[-2000:]
            assert time.monotonic() < deadline, "chromium did not open its DevTools port"
            time.sleep(0.05)
        port = int(port_file.read_text().split()[0])
        no_proxy = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with no_proxy.open(f"http://127.0.0.1:{port}/json/list", timeout=10) as reply:
            targets = json.load(reply)
        page = next(t for t in targets if t["type"] == "page")
        client = DevTools(page["webSocketDebuggerUrl"])
        yield client
    finally:
        if client is not None:
            client.close()
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def _open(devtools: DevTools, index: Path) -> None:
    for domain in ("Page", "Runtime", "Log", "Network"):
        devtools.send(f"{domain}.enable")
    devtools.send("Page.navigate", url=index.resolve().as_uri())
    devtools.wait_for("Page.loadEventFired")
    devtools.evaluate("new Promise(r => requestAnimationFrame(() => setTimeout(r, 100)))")


def _problems(devtools: DevTools) -> list[str]:
    """Console errors, uncaught exceptions, failed loads and any request off the file system."""
    found = []
    for e in devtools.events:
        method, params = e.get("method"), e.get("params", {})
        if method == "Runtime.exceptionThrown":
            found.append(f"exception: {params['exceptionDetails']}")
        elif method == "Runtime.consoleAPICalled" and params["type"] in ("error", "assert"):
            found.append(f"console.{params['type']}: {params['args']}")
        elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
            found.append(f"log: {params['entry']['text']}")
        elif method == "Network.requestWillBeSent":
            url = params["request"]["url"]
            if not url.startswith(("file:", "data:", "about:")):
                found.append(f"fetched {url}")
        elif method == "Network.loadingFailed":
            found.append(f"failed load: {params}")
    return found


def test_site_loads_in_chromium_without_errors(devtools: DevTools, live_site: Path) -> None:
    _open(devtools, live_site)
    state = devtools.evaluate(
        """(() => {
          const ids = new Set([...document.querySelectorAll('[id]')].map(e => e.id));
          const nodes = [...document.querySelectorAll('svg.lineage a.node')];
          const hrefs = nodes.map(a => a.getAttribute('href'));
          const rect = document.querySelector('svg.lineage').getBoundingClientRect();
          return {
            title: document.title,
            models: [...document.querySelectorAll('article.model')].map(a => a.id),
            nodes: hrefs,
            dangling: hrefs.filter(h => !ids.has(h.slice(1))),
            links: [...document.querySelectorAll('a[href^="#"]')]
              .map(a => a.getAttribute('href')).filter(h => !ids.has(h.slice(1))),
            columnLinks: document.querySelectorAll('a[href^="#col-"]').length,
            svg: [rect.width, rect.height],
            sidebar: getComputedStyle(document.getElementById('sidebar')).position,
          };
        })()"""
    )
    project = webshop()
    assert _problems(devtools) == []
    assert state["title"] == "webshop-transforms"
    assert sorted(state["models"]) == sorted(f"model-{m}" for m in project.models)
    assert len(state["nodes"]) == len(project.models) + len(project.sources)
    assert state["dangling"] == [] and state["links"] == []
    assert state["columnLinks"] > 100  # the column links are among those that resolve
    assert state["svg"][0] > 600 and state["svg"][1] > 150  # drawn, at a readable size
    assert state["sidebar"] == "fixed"  # the stylesheet applied


def test_lineage_nodes_navigate_and_light_up_in_chromium(
    devtools: DevTools, live_site: Path
) -> None:
    _open(devtools, live_site)
    result = devtools.evaluate(
        """(() => {
          const node = document.querySelector('svg.lineage a.node[data-name="int_session"]');
          node.dispatchEvent(new MouseEvent('mouseenter'));
          const svg = document.querySelector('svg.lineage');
          const lit = [...svg.querySelectorAll('.node.lit')].map(n => n.dataset.name).sort();
          const focused = svg.classList.contains('focus');
          node.dispatchEvent(new MouseEvent('mouseleave'));
          const filter = document.getElementById('filter');
          filter.value = 'cart';
          filter.dispatchEvent(new Event('input'));
          const shown = [...document.querySelectorAll('#sidebar li.item:not(.hidden)')]
            .map(li => li.textContent.trim()).sort();
          node.dispatchEvent(new MouseEvent('click', {bubbles: true, cancelable: true}));
          return {lit, focused, after: svg.classList.contains('focus'), shown,
                  hash: location.hash};
        })()"""
    )
    project = webshop()
    expected = (
        {"int_session"}
        | project.upstream("int_session")
        | project.downstream("int_session")
        | {"events"}
    )
    assert result["focused"] and not result["after"]
    assert set(result["lit"]) == expected
    assert result["shown"] == ["int_cart_value", "mart_cart_value"]
    assert result["hash"] == "#model-int_session"
    assert _problems(devtools) == []


def test_picking_a_column_lights_its_path_in_chromium(devtools: DevTools, live_site: Path) -> None:
    _open(devtools, live_site)
    result = devtools.evaluate(
        """(() => {
          const svg = document.querySelector('svg.lineage');
          const panel = document.getElementById('column-path');
          const ids = new Set([...document.querySelectorAll('[id]')].map(e => e.id));
          const names = sel => [...svg.querySelectorAll(sel)].map(n => n.dataset.name).sort();
          const hrefs = (id, sel) => [...document.querySelectorAll('#' + id + ' ' + sel)]
            .map(a => a.getAttribute('href')).sort();
          const state = () => ({
            focus: svg.classList.contains('focus'), lit: names('.node.lit'),
            picked: names('.node.picked'), hidden: panel.hidden,
            edges: [...svg.querySelectorAll('.edge.lit')]
              .map(e => [e.dataset.from, e.dataset.to]).sort(),
            name: document.getElementById('column-picked').textContent,
            rows: [...document.querySelectorAll('tr.picked')].map(tr => tr.id),
            up: hrefs('column-upstream', 'a'), upMuted: hrefs('column-upstream', 'a.filter'),
            down: hrefs('column-downstream', 'a'),
            downMuted: hrefs('column-downstream', 'a.filter'),
            dangling: [...panel.querySelectorAll('a')].map(a => a.getAttribute('href'))
              .filter(h => !ids.has(h.slice(1))),
          });
          const pick = id => {
            document.querySelector('#' + id + ' button.col').click();
            return state();
          };
          const mart = pick('col-mart_cart_value-cart_value');
          const node = svg.querySelector('a.node[data-name="order_fulfillment"]');
          node.dispatchEvent(new MouseEvent('mouseenter'));
          const hovered = names('.node.lit');
          node.dispatchEvent(new MouseEvent('mouseleave'));
          const back = state();
          const source = pick('col-product-price');
          document.getElementById('column-clear').click();
          return {mart, hovered, back, source, cleared: state()};
        })()"""
    )
    project = webshop()

    def expected(table: str, column: str) -> dict[str, Any]:
        """What the page should show, from the Python lineage both ways."""
        up = column_lineage(project, table, column)
        down = column_lineage(project, table, column, downstream=True)
        carried = {(d.upstream.table, d.column.table) for d in up.dependencies + down.dependencies}

        def links(lineage: Lineage, kinds: tuple[str, ...]) -> list[str]:
            return sorted(
                f"#col-{r.column.table}-{r.column.column}"
                for r in lineage.reached
                if r.kind in kinds
            )

        return {
            "lit": sorted({table} | {r.column.table for r in up.reached + down.reached}),
            "edges": sorted(map(list, carried)),
            "up": links(up, ("value", "filter")),
            "upMuted": links(up, ("filter",)),
            "down": links(down, ("value", "filter")),
            "downMuted": links(down, ("filter",)),
        }

    mart, source = result["mart"], result["source"]
    want = expected("mart_cart_value", "cart_value")
    assert {"product", "events"} <= set(want["lit"]) and "order_fulfillment" not in want["lit"]
    assert {k: mart[k] for k in want} == want
    assert mart["focus"] and not mart["hidden"] and mart["dangling"] == []
    assert mart["name"] == "mart_cart_value.cart_value" and mart["picked"] == ["mart_cart_value"]
    assert mart["rows"] == ["col-mart_cart_value-cart_value"]
    assert "#col-int_cart_value-cart_value" not in mart["upMuted"]  # reached by value
    assert mart["down"] == []
    assert "order_fulfillment" in result["hovered"]  # hovering a node still shows its tables
    assert result["back"] == mart  # and leaving it returns to the picked column's path
    assert {k: source[k] for k in want} == expected("product", "price")
    assert "#col-mart_cart_value-cart_value" in source["down"]
    assert source["rows"] == ["col-product-price"] and source["dangling"] == []
    cleared = result["cleared"]
    assert not cleared["focus"] and cleared["hidden"] and cleared["rows"] == []
    assert cleared["picked"] == []
    assert _problems(devtools) == []
