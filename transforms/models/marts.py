"""Marts: the business-ready tables answering the three business questions."""

from __future__ import annotations

import ibis
from ibis import _

from contracts.marts import MartCartValue, MartSales, OrderFulfillment
from transforms.engine.model import by, model
from transforms.models._helpers import MONEY, int64, money

ZERO = ibis.literal(0, MONEY)


@model(layer="marts", contract=MartSales)
def mart_sales(fct_orders: ibis.Table) -> ibis.Table:
    """One row per week from the first to the last order week, weeks without orders at zero."""
    o = fct_orders
    weekly = o.group_by(__week=o.order_week).aggregate(
        __orders=o.count(),
        __items=o.item_count.sum(),
        __gross=o.gross_amount.sum(),
        __discount=o.discount_amount.sum(),
        __net=o.net_amount.sum(),
    )
    # Every Monday from the first to the last order week (no rows when there are no orders).
    span = weekly.aggregate(
        __lo=weekly.__week.min().cast("timestamp"), __hi=weekly.__week.max().cast("timestamp")
    )
    calendar = span.select(
        __monday=ibis.range(
            span.__lo, span.__hi + ibis.interval(days=1), ibis.interval(weeks=1)
        ).unnest()
    )
    calendar = calendar.select(week_start=calendar.__monday.date())
    sales = calendar.left_join(weekly, calendar.week_start == weekly.__week)
    return sales.select(
        "week_start",
        order_count=int64(sales.__orders.coalesce(0)),
        items_sold=int64(sales.__items.coalesce(0)),
        # SUM widens differently per engine (HUGEINT, numeric): back to the declared types
        gross_revenue=money(sales.__gross.coalesce(ZERO)),
        discount_total=money(sales.__discount.coalesce(ZERO)),
        net_revenue=money(sales.__net.coalesce(ZERO)),
    )


@model(layer="marts", contract=MartCartValue, incremental=by("customer_id"))
def mart_cart_value(
    int_check_order: ibis.Table,
    int_last_session_per_customer: ibis.Table,
    int_cart_value: ibis.Table,
    dim_customer: ibis.Table,
) -> ibis.Table:
    """One row per customer who placed an order in their last session: email and cart value."""
    c = int_check_order
    last = int_last_session_per_customer.select(
        __cid=_.customer_id, __start=_.session_start, __end=_.session_end
    )
    cart = int_cart_value.select(
        __cart_cid=_.customer_id, __cart_session=_.session_number, __cart_value=_.cart_value
    )
    people = dim_customer.select(__person=_.customer_id, __email=_.email)
    joined = (
        c.join(last, c.customer_id == last.__cid)
        .left_join(
            cart,
            [c.customer_id == cart.__cart_cid, c.last_session_number == cart.__cart_session],
        )
        .left_join(people, c.customer_id == people.__person)
    )
    return joined.select(
        "customer_id",
        email=_.__email,
        session_id=_.session_id,
        session_start=_.__start,
        session_end=_.__end,
        cart_value=money(joined.__cart_value.coalesce(ZERO)),
        orders_in_session=_.orders_in_session,
    )


@model(
    layer="marts",
    contract=OrderFulfillment,
    incremental=by("week_start", int_order_fulfillment="order_week"),
)
def order_fulfillment(int_order_fulfillment: ibis.Table) -> ibis.Table:
    """One row per order week with a shipped order: counts and hours to ship of valid orders."""
    f = int_order_fulfillment
    weekly = f.group_by(week_start=f.order_week).aggregate(
        shipped_orders=f.count(),
        valid_orders=f.count(where=f.is_valid),
        invalid_orders=f.count(where=~f.is_valid),
        avg_hours_to_ship=f.hours_to_ship.mean(where=f.is_valid),
        max_hours_to_ship=f.hours_to_ship.max(where=f.is_valid),
    )
    return weekly.select(
        "week_start",
        shipped_orders=int64(weekly.shipped_orders),
        valid_orders=int64(weekly.valid_orders),
        invalid_orders=int64(weekly.invalid_orders),
        avg_hours_to_ship=weekly.avg_hours_to_ship,
        max_hours_to_ship=weekly.max_hours_to_ship,
    )
