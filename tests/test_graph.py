"""The project graph, on small fake projects (no database): discovery, validation, order, select."""

from __future__ import annotations

import types

import ibis
import pytest

from contracts.base import Contract, Int64, Source
from contracts.sources import SOURCES
from transforms.engine.errors import TransformsError
from transforms.engine.graph import Project
from transforms.engine.model import model
from transforms.project import webshop


class Raw(Source):
    table = "raw"

    id: Int64 | None


class Other(Source):
    table = "other"

    id: Int64 | None


class Row(Contract):
    id: Int64


def _module(name: str, models: list[tuple[str, str, list[str]]]) -> types.ModuleType:
    """A module declaring ``models``: (name, layer, upstream names), each a one-line function."""
    module = types.ModuleType(name)
    module.__dict__["model"] = model
    module.__dict__["Row"] = Row
    for fname, layer, deps in models:
        args = ", ".join(deps)
        body = f"return {deps[0]}" if deps else "raise NotImplementedError"
        code = f"@model(layer={layer!r}, contract=Row)\ndef {fname}({args}):\n    {body}\n"
        exec(code, module.__dict__)  # functions get __module__ == name
    return module


def _project(*models: tuple[str, str, list[str]]) -> Project:
    return Project.discover([_module("fake_models", list(models))], [Raw, Other])


# A diamond over two layers plus a mart:  raw → a → (b, c) → d → m
DIAMOND = (
    ("m", "marts", ["d"]),
    ("d", "intermediate", ["b", "c"]),
    ("c", "staging", ["a"]),
    ("b", "staging", ["a", "other"]),
    ("a", "staging", ["raw"]),
    ("z", "staging", ["other"]),
)


# --- discovery ---------------------------------------------------------------------------------


def test_discover_collects_decorated_functions_of_each_module() -> None:
    first = _module("first", [("a", "staging", ["raw"])])
    second = _module("second", [("b", "intermediate", ["a"])])
    second.__dict__["helper"] = lambda: None  # not a model
    second.__dict__["a"] = first.__dict__["a"]  # imported from another module: not redeclared
    project = Project.discover([first, second], [Raw])
    assert sorted(project.models) == ["a", "b"]
    assert project.models["b"].depends_on == ("a",)
    assert project.models["b"].layer == "intermediate"
    assert project.models["a"].contract is Row
    assert sorted(project.sources) == ["raw"]


def test_a_model_declared_twice_is_an_error() -> None:
    first = _module("first", [("a", "staging", ["raw"])])
    second = _module("second", [("a", "staging", ["raw"])])
    with pytest.raises(TransformsError, match="model 'a' is declared twice"):
        Project.discover([first, second], [Raw])


def test_a_model_named_like_a_source_is_an_error() -> None:
    with pytest.raises(TransformsError, match="'raw' is both a source and a model"):
        _project(("raw", "staging", ["other"]))


def test_model_decorator_rejects_unknown_layers_and_star_args() -> None:
    with pytest.raises(ValueError, match="unknown layer 'gold'"):
        model(layer="gold", contract=Row)
    with pytest.raises(TypeError, match="parameter 'tables' must be a plain name"):

        @model(layer="staging", contract=Row)
        def bad(*tables: ibis.Table) -> ibis.Table:
            return tables[0]


# --- validation --------------------------------------------------------------------------------


def test_unknown_dependency_suggests_a_close_name() -> None:
    with pytest.raises(TransformsError) as err:
        _project(("stg_a", "staging", ["raw"]), ("b", "staging", ["stg_aa"]))
    assert str(err.value) == "model 'b' depends on unknown 'stg_aa' (did you mean 'stg_a'?)"


def test_unknown_dependency_without_a_close_name() -> None:
    with pytest.raises(TransformsError) as err:
        _project(("a", "staging", ["nothing_like_it"]))
    assert str(err.value) == "model 'a' depends on unknown 'nothing_like_it'"


def test_a_cycle_is_named() -> None:
    with pytest.raises(TransformsError) as err:
        _project(
            ("a", "staging", ["raw"]),
            ("b", "intermediate", ["a", "d"]),
            ("c", "intermediate", ["b"]),
            ("d", "intermediate", ["c"]),
        )
    message = str(err.value)
    assert message.startswith("the models form a cycle: ")
    cycle = message.removeprefix("the models form a cycle: ").split(" → ")
    # the cycle is closed (first == last) and holds exactly b, c and d
    assert cycle[0] == cycle[-1]
    assert sorted(cycle[:-1]) == ["b", "c", "d"]
    assert "a" not in cycle


def test_a_model_reading_itself_is_a_cycle() -> None:
    with pytest.raises(TransformsError, match="the models form a cycle: a → a"):
        _project(("a", "staging", ["a"]))


def test_reading_a_later_layer_is_an_error() -> None:
    with pytest.raises(TransformsError) as err:
        _project(("i", "intermediate", ["raw"]), ("s", "staging", ["i"]))
    assert str(err.value) == (
        "model 's' (staging) reads 'i' of a later layer (intermediate): move one of them"
    )
    with pytest.raises(TransformsError, match=r"model 'i' \(intermediate\) reads 'm'"):
        _project(("m", "marts", ["raw"]), ("i", "intermediate", ["m"]))


def test_reading_the_same_or_an_earlier_layer_is_fine() -> None:
    project = _project(
        ("s1", "staging", ["raw"]),
        ("s2", "staging", ["s1"]),
        ("m", "marts", ["s2", "raw"]),
    )
    assert project.order == ["s1", "s2", "m"]


# --- order -------------------------------------------------------------------------------------


def test_order_is_layer_by_layer_and_topological() -> None:
    project = _project(*DIAMOND)
    order = project.order
    assert sorted(order) == ["a", "b", "c", "d", "m", "z"]
    # every dependency comes first
    for name in order:
        for dep in project.models[name].depends_on:
            if dep in project.models:
                assert order.index(dep) < order.index(name), (dep, name)
    # layer by layer
    layers = [project.models[n].layer for n in order]
    assert layers == ["staging"] * 4 + ["intermediate", "marts"]
    # deterministic: ready models sorted by name
    assert order == ["a", "z", "b", "c", "d", "m"]


def test_order_puts_an_independent_early_layer_first() -> None:
    # "late" is a staging model nobody reads; it still comes before every intermediate model
    project = _project(
        ("i", "intermediate", ["s"]),
        ("s", "staging", ["raw"]),
        ("late", "staging", ["s"]),
    )
    assert project.order == ["s", "late", "i"]


def test_layers_groups_names_in_build_order() -> None:
    project = _project(*DIAMOND)
    assert project.layers(["m", "b", "a", "d"]) == [
        ("staging", ["a", "b"]),
        ("intermediate", ["d"]),
        ("marts", ["m"]),
    ]
    assert project.layers(["d"]) == [("intermediate", ["d"])]


def test_upstream_and_downstream() -> None:
    project = _project(*DIAMOND)
    assert project.upstream("m") == {"a", "b", "c", "d"}
    assert project.upstream("a") == set()
    assert project.downstream("a") == {"b", "c", "d", "m"}
    assert project.downstream("z") == set()
    assert project.direct_downstream("a") == ["b", "c"]


# --- select ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("patterns", "expected"),
    [
        (None, ["a", "z", "b", "c", "d", "m"]),
        ([], ["a", "z", "b", "c", "d", "m"]),
        (["b"], ["b"]),
        (["b+"], ["b", "d", "m"]),
        (["+b"], ["a", "b"]),
        (["+d"], ["a", "b", "c", "d"]),
        (["+c+"], ["a", "c", "d", "m"]),
        (["c", "z"], ["z", "c"]),  # several patterns, returned in build order
        (["c z"], ["z", "c"]),  # space-separated in one argument
        (["c,z"], ["z", "c"]),  # comma-separated
        (["m", "m"], ["m"]),
        (["staging"], ["a", "z", "b", "c"]),
        (["intermediate", "z"], ["z", "d"]),
        (["staging+"], ["a", "z", "b", "c", "d", "m"]),
        (["+intermediate"], ["a", "b", "c", "d"]),
        (["marts"], ["m"]),
    ],
)
def test_select(patterns: list[str] | None, expected: list[str]) -> None:
    assert _project(*DIAMOND).select(patterns) == expected


def test_select_unknown_name_suggests_a_close_one() -> None:
    project = _project(("stg_orders", "staging", ["raw"]), ("fct_orders", "marts", ["stg_orders"]))
    with pytest.raises(TransformsError) as err:
        project.select(["stg_order+"])
    assert str(err.value) == (
        "--select 'stg_order+': no model named 'stg_order' (did you mean 'stg_orders'?)"
    )
    with pytest.raises(TransformsError, match="no model named 'stagin' \\(did you mean 'staging'"):
        project.select(["stagin"])
    with pytest.raises(TransformsError, match="no model named 'raw'"):
        project.select(["raw"])  # a source is not a model


# --- expressions -------------------------------------------------------------------------------


def test_expression_and_unbound_tables() -> None:
    project = _project(("a", "staging", ["raw"]), ("b", "intermediate", ["a", "other"]))
    raw = project.unbound("raw", "src")
    assert raw.schema() == Raw.ibis_schema()
    assert project.unbound("a").schema() == Row.ibis_schema()
    assert project.expression("a", {"raw": raw}).equals(raw)
    with pytest.raises(TransformsError, match="model 'b' needs upstream tables: other"):
        project.expression("b", {"a": raw})
    with pytest.raises(TransformsError, match="no model named 'bb' \\(did you mean 'b'\\?\\)"):
        project.expression("bb", {})


# --- the real project --------------------------------------------------------------------------


def test_webshop_discovers_the_staging_models() -> None:
    project = webshop()
    assert sorted(project.sources) == ["customer", "events", "orderitem", "orders", "product"]
    assert set(project.sources.values()) == set(SOURCES)
    staging = [n for n in project.order if project.models[n].layer == "staging"]
    assert sorted(staging) == [
        "stg_customer",
        "stg_events",
        "stg_orderitem",
        "stg_orders",
        "stg_product",
    ]
    # staging comes first, and each staging model reads exactly its source
    assert project.order[:5] == staging
    reads = {n: project.models[n].depends_on for n in staging}
    assert reads == {
        "stg_customer": ("customer",),
        "stg_orderitem": ("orderitem",),
        "stg_orders": ("orders",),
        "stg_product": ("product",),
        "stg_events": ("events",),
    }
    assert project.select(["staging"]) == staging
    assert all(project.models[n].grain.startswith("One row per") for n in staging)
