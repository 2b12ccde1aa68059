"""Column-level lineage, read off the models' Ibis expressions: hand-checked against the models.

Each expectation below was worked out by reading the model's code (transforms/models/), not by
running the lineage: the kinds are ``value`` (the value is derived from the column) and the row
roles ``filter``, ``join``, ``group``, ``order`` (the column decides the rows).
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable

import ibis
import pytest
from ibis import _

import transforms
from contracts.base import Contract, Int64, Text
from contracts.sources import SOURCES
from transforms.cli import main
from transforms.engine.errors import TransformsError
from transforms.engine.graph import Project
from transforms.engine.lineage import ColumnRef, Lineage, column_lineage, direct_dependencies
from transforms.engine.model import declared_model, model
from transforms.project import webshop


def _direct(project: Project, table: str, column: str) -> dict[str, set[str]]:
    """``{"upstream.table.column": {roles}}`` of one model column's direct dependencies."""
    layer = project.models[table].layer
    found: dict[str, set[str]] = {}
    for d in direct_dependencies(project)[ColumnRef(table, column, layer)]:
        found.setdefault(str(d.upstream), set()).update(d.roles)
    return found


def _reached(lineage: Lineage, kind: str | None = None) -> set[str]:
    return {str(r.column) for r in lineage.reached if kind is None or r.kind == kind}


# --- the models' columns, hand-checked -----------------------------------------------------------


def test_cart_value_comes_from_product_price_and_is_decided_by_the_events() -> None:
    project = webshop()
    # int_check_order (the customers kept) inner-joins the last session and left-joins the
    # session's cart value: the cart's join keys decide which cart value a row gets
    assert _direct(project, "mart_cart_value", "cart_value") == {
        "int_cart_value.cart_value": {"value"},
        "int_cart_value.customer_id": {"join"},
        "int_cart_value.session_number": {"join"},
        "int_check_order.customer_id": {"join"},
        "int_check_order.last_session_number": {"join"},
        "int_last_session_per_customer.customer_id": {"join"},
    }
    # int_cart_value: add-to-cart events (filter) priced by a left join on product_id, summed
    # per session (group)
    assert _direct(project, "int_cart_value", "cart_value") == {
        "dim_product.price": {"value"},
        "dim_product.product_id": {"join"},
        "int_session.product_id": {"join"},
        "int_session.event_type": {"filter"},
        "int_session.customer_id": {"group"},
        "int_session.session_number": {"group"},
    }
    lineage = column_lineage(project, "mart_cart_value", "cart_value")
    assert "product.price" in _reached(lineage, "value")
    assert "events.product_id" in _reached(lineage, "filter")
    sources = {str(c) for c in lineage.sources}
    assert {"events.event_type", "events.event_timestamp", "orders.created_at"} <= sources
    # a left join's right side decides nothing of the rows: the email is not in the path,
    # nor the order status (every order of the session counts)
    assert not {"customer.email", "dim_customer.email", "orders.status"} & sources
    # where the value itself comes from: one chain down to the price
    values = column_lineage(project, "mart_cart_value", "cart_value", values_only=True)
    assert [str(r.column) for r in values.reached] == [
        "int_cart_value.cart_value",
        "dim_product.price",
        "stg_product.price",
        "product.price",
    ]


def test_email_of_the_cart_value_mart() -> None:
    project = webshop()
    assert _direct(project, "mart_cart_value", "email") == {
        "dim_customer.email": {"value"},
        "dim_customer.customer_id": {"join"},  # the left join that looks the person up
        "int_check_order.customer_id": {"join"},
        "int_last_session_per_customer.customer_id": {"join"},
    }
    lineage = column_lineage(project, "mart_cart_value", "email")
    assert {str(c) for c in lineage.sources if _is(lineage, c, "value")} == {"customer.email"}
    assert "customer.id" in _reached(lineage, "filter")


def _is(lineage: Lineage, column: ColumnRef, kind: str) -> bool:
    return any(r.column == column and r.kind == kind for r in lineage.reached)


def test_net_revenue_of_the_sales_mart() -> None:
    project = webshop()
    # weeks grouped from fct_orders, then left-joined to the calendar on the week
    assert _direct(project, "mart_sales", "net_revenue") == {
        "fct_orders.net_amount": {"value"},
        "fct_orders.order_week": {"join", "group"},
    }
    # net = gross − discount, each order's lines summed (left join on order_id, grouped by it)
    assert _direct(project, "fct_orders", "net_amount") == {
        "stg_orderitem.quantity": {"value"},
        "stg_orderitem.unit_price": {"value"},
        "stg_orderitem.discount": {"value"},
        "stg_orderitem.order_id": {"join", "group"},
        "stg_orders.order_id": {"join"},
    }
    lineage = column_lineage(project, "mart_sales", "net_revenue")
    values = {str(c) for c in lineage.sources if _is(lineage, c, "value")}
    assert values == {"orderitem.quantity", "orderitem.unit_price", "orderitem.discount"}
    assert set(map(str, lineage.sources)) - values == {
        "orderitem.order_id",
        "orders.id",
        "orders.created_at",  # the week
    }


def test_average_hours_to_ship() -> None:
    project = webshop()
    assert _direct(project, "order_fulfillment", "avg_hours_to_ship") == {
        "int_order_fulfillment.hours_to_ship": {"value"},
        "int_order_fulfillment.is_valid": {"filter"},  # mean(where=is_valid)
        "int_order_fulfillment.order_week": {"group"},
    }
    # shipped orders only: status SHIPPED and a shipped_at
    assert _direct(project, "int_order_fulfillment", "hours_to_ship") == {
        "fct_orders.shipped_at": {"value", "filter"},
        "fct_orders.placed_at": {"value"},
        "fct_orders.order_status": {"filter"},
    }
    lineage = column_lineage(project, "order_fulfillment", "avg_hours_to_ship")
    values = {str(c) for c in lineage.sources if _is(lineage, c, "value")}
    assert values == {"orders.created_at", "orders.shipped_at"}
    assert {str(c) for c in lineage.sources} - values == {"orders.status"}


def test_session_number_is_ordered_by_time_and_id_and_split_by_customer() -> None:
    project = webshop()
    layer = "intermediate"
    deps = direct_dependencies(project)[ColumnRef("int_session", "session_number", layer)]
    found = {(str(d.upstream), d.kind, d.roles) for d in deps}
    assert found == {
        ("stg_events.event_at", "value", ("value",)),  # more than 30 minutes after the last
        ("stg_events.event_at", "filter", ("order",)),
        ("stg_events.event_id", "filter", ("order",)),
        # known visitors only, and numbered per customer
        ("stg_events.customer_id", "filter", ("filter", "group")),
    }


def test_orders_counted_once_depend_on_the_order_ids() -> None:
    # by time UNION DISTINCT by event, then counted per customer: the distinct decides the count
    deps = _direct(webshop(), "int_check_order", "orders_in_session")
    assert deps["fct_orders.order_id"] == {"filter", "join"}
    assert deps["int_session.order_id"] == {"filter", "join"}  # the PLACE_ORDER event's order
    assert deps["int_session.event_type"] == {"filter"}


def test_phone_number_is_the_source_phone_number_alone() -> None:
    project = webshop()
    assert _direct(project, "stg_customer", "phone_number") == {"customer.phone_number": {"value"}}
    lineage = column_lineage(project, "stg_customer", "phone_number")
    assert [(str(r.column), r.kind) for r in lineage.reached] == [
        ("customer.phone_number", "value")
    ]


def test_what_depends_on_the_product_price() -> None:
    lineage = column_lineage(webshop(), "product", "price", downstream=True)
    found = [(str(r.column), r.kind) for r in lineage.reached]
    # the latest version of a product is chosen ordering by price among others: every column
    # of stg_product (and dim_product) depends on it by filter; the price itself by value
    assert found == [  # marts first; in a layer the later built first
        ("mart_cart_value.cart_value", "value"),
        ("int_cart_value.cart_value", "value"),
        ("int_cart_value.unpriced_events", "filter"),  # count(where=price IS NULL)
        ("dim_product.product_id", "filter"),
        ("dim_product.product_name", "filter"),
        ("dim_product.category", "filter"),
        ("dim_product.price", "value"),
        ("stg_product.product_id", "filter"),
        ("stg_product.product_name", "filter"),
        ("stg_product.category", "filter"),
        ("stg_product.price", "value"),
        ("stg_product.updated_at", "filter"),
    ]
    values = column_lineage(webshop(), "product", "price", downstream=True, values_only=True)
    assert [str(r.column) for r in values.reached] == [
        "mart_cart_value.cart_value",
        "int_cart_value.cart_value",
        "dim_product.price",
        "stg_product.price",
    ]


def test_every_model_column_is_traced_to_its_inputs_and_the_sources() -> None:
    project = webshop()
    deps = direct_dependencies(project)
    for name, m in project.models.items():
        columns = [c.column for c in deps if c.table == name]
        assert columns == list(project.columns(name)), name
        for ref in (c for c in deps if c.table == name):
            assert deps[ref], f"{ref} depends on nothing"
            assert {d.upstream.table for d in deps[ref]} <= set(m.depends_on), ref
            assert column_lineage(project, name, ref.column).sources, ref


# --- a model of a test's own: a renamed column, an inner and a left join -------------------------


class OrderContact(Contract):
    order_id: Int64
    buyer_email: Text | None
    product_name: Text | None


def _with_model(func: Callable[..., ibis.Table]) -> Project:
    """The webshop's sources and staging models plus the model ``func`` declares."""
    staging = {n: m for n, m in webshop().models.items() if m.layer == "staging"}
    declared = declared_model(func)
    assert declared is not None
    return Project(
        sources={s.table: s for s in SOURCES}, models={**staging, declared.name: declared}
    )


def _contact_project() -> Project:
    """``order_contact``: each order with its buyer's email (renamed) and a line's product."""

    @model(layer="intermediate", contract=OrderContact)
    def order_contact(
        stg_orders: ibis.Table, stg_customer: ibis.Table, stg_orderitem: ibis.Table
    ) -> ibis.Table:
        people = stg_customer.select(buyer=_.customer_id, contact=_.email)  # renamed
        first_line = stg_orderitem.filter(_.quantity > 0).select(
            line_order=_.order_id, line_product=_.product_id
        )
        j = stg_orders.join(people, stg_orders.customer_id == people.buyer).left_join(
            first_line, stg_orders.order_id == first_line.line_order
        )
        return j.select("order_id", buyer_email=j.contact, product_name=j.line_product.cast(str))

    return _with_model(order_contact)


def test_a_renamed_column_through_a_join_is_traced_to_its_source() -> None:
    project = _contact_project()
    # the inner join decides which orders there are (a buyer must exist); the email is the
    # renamed stg_customer.email; the left-joined line decides nothing of the rows
    assert _direct(project, "order_contact", "buyer_email") == {
        "stg_customer.email": {"value"},
        "stg_customer.customer_id": {"join"},
        "stg_orders.customer_id": {"join"},
    }
    assert _direct(project, "order_contact", "order_id") == {
        "stg_orders.order_id": {"value"},
        "stg_customer.customer_id": {"join"},
        "stg_orders.customer_id": {"join"},
    }
    # the left join's right side: its value, which line matches, and the lines it kept
    assert _direct(project, "order_contact", "product_name") == {
        "stg_orderitem.product_id": {"value"},
        "stg_orderitem.order_id": {"join"},
        "stg_orderitem.quantity": {"filter"},
        "stg_orders.order_id": {"join"},
        "stg_customer.customer_id": {"join"},
        "stg_orders.customer_id": {"join"},
    }
    lineage = column_lineage(project, "order_contact", "buyer_email")
    assert {(str(r.column), r.kind) for r in lineage.reached} == {
        ("stg_customer.email", "value"),
        ("stg_customer.customer_id", "filter"),
        ("stg_orders.customer_id", "filter"),
        ("customer.id", "filter"),
        ("customer.email", "value"),
        ("orders.customer_id", "filter"),
    }
    downstream = column_lineage(project, "customer", "email", downstream=True)
    assert _reached(downstream) == {"stg_customer.email", "order_contact.buyer_email"}


class Named(Contract):
    customer_id: Int64
    first_name: Text | None
    email: Text | None


def test_null_handling_and_an_operation_lineage_does_not_read() -> None:
    @model(layer="intermediate", contract=Named)
    def named(stg_customer: ibis.Table) -> ibis.Table:
        c = stg_customer.drop_null(["email"]).fill_null({"first_name": "?"})
        return c.select("customer_id", "first_name", "email")

    assert _direct(_with_model(named), "named", "first_name") == {
        "stg_customer.first_name": {"value"},
        "stg_customer.email": {"filter"},  # rows without an email are dropped
    }

    @model(layer="intermediate", contract=Named)
    def pivoted(stg_customer: ibis.Table) -> ibis.Table:
        # an operation the lineage has no rule for (a window aggregate by time): every input
        # column may matter, so each is taken to decide the rows; the same name is the value
        c = stg_customer.select("customer_id", "first_name", "email", "created_at")
        return (
            c.window_by("created_at")
            .tumble(size=ibis.interval(days=1))
            .aggregate(
                customer_id=c.customer_id.max(), first_name=c.first_name.max(), email=c.email.max()
            )
            .select("customer_id", "first_name", "email")
        )

    assert _direct(_with_model(pivoted), "pivoted", "email") == {
        "stg_customer.customer_id": {"filter"},
        "stg_customer.first_name": {"filter"},
        "stg_customer.email": {"value", "filter"},
        "stg_customer.created_at": {"filter"},
    }


# --- names, the API and the command --------------------------------------------------------------


@pytest.mark.parametrize(
    ("table", "column", "message"),
    [
        (
            "mart_cart",
            "cart_value",
            "no model or source named 'mart_cart' (did you mean 'mart_cart_value'?)",
        ),
        (
            "mart_cart_value",
            "cartvalue",
            "'mart_cart_value' has no column 'cartvalue' (did you mean 'cart_value'?)",
        ),
        ("prodcut", "price", "did you mean 'product'?"),
    ],
)
def test_unknown_names_are_one_error_with_a_did_you_mean(
    table: str, column: str, message: str
) -> None:
    with pytest.raises(TransformsError, match=re.escape(message)):
        transforms.lineage(table, column)


def test_a_source_column_upstream_is_the_column_alone() -> None:
    lineage = transforms.lineage("product", "price")
    assert lineage.column == ColumnRef("product", "price", "source")
    assert lineage.dependencies == () and lineage.reached == ()


def test_the_command_prints_the_tree_down_to_the_sources(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["lineage", "mart_cart_value.cart_value"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("mart_cart_value.cart_value")
    assert any("int_cart_value.cart_value  value" in line for line in lines)
    assert any("product.price (source)  value" in line for line in lines)
    assert any("events.product_id (source)" in line for line in lines)
    assert any("(see above)" in line for line in lines)  # a column met again is not repeated


def test_the_command_downstream_lists_marts_first(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lineage", "product.price", "--downstream"]) == 0
    out = capsys.readouterr().out
    assert out.index("marts") < out.index("intermediate") < out.index("staging")
    assert "mart_cart_value.cart_value  value  ← int_cart_value.cart_value" in out


def test_the_command_json_is_what_the_api_returns(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lineage", "mart_sales.net_revenue", "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    returned = dataclasses.asdict(transforms.lineage("mart_sales", "net_revenue"))
    assert printed == json.loads(json.dumps(returned))  # tuples are lists in JSON


@pytest.mark.parametrize(
    ("argument", "message"),
    [
        ("mart_cart_value", "give a table and a column, e.g. mart_cart_value.cart_value"),
        ("mart_sale.week_start", "did you mean 'mart_sales'?"),
        ("mart_sales.week_star", "did you mean 'week_start'?"),
    ],
)
def test_the_command_refuses_a_bad_name_in_one_line(
    argument: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["lineage", argument]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert message in captured.err and captured.err.count("\n") == 1
