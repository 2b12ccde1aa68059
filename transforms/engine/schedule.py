"""One layer of a run, several models at a time: build what is ready, check what is built.

A model is built once the models it reads (in the layer) are built, and checked once it is
built and so are the models its relationship checks read. An error check or a failed build
stops the layer: what still runs is cancelled, and the results so far are returned.
"""

from __future__ import annotations

import graphlib
import time
from collections.abc import Callable, Iterable
from concurrent import futures
from concurrent.futures import Future
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from transforms.engine.checks import CheckResult
from transforms.engine.graph import Project
from transforms.engine.results import ModelBuild
from transforms.engine.workers import Workers

if TYPE_CHECKING:
    from ibis.backends.sql import SQLBackend

Task = Callable[["SQLBackend"], Any]


@dataclass(frozen=True)
class LayerDone:
    results: list[CheckResult]  # in build order
    check_seconds: float  # summed over the models (their checks may overlap other work)
    builds_done: float  # time.perf_counter() when the layer's last model was built


def run_layer(
    project: Project,
    members: list[str],
    workers: Workers,
    build: Callable[[str], Task],
    check: Callable[[str], Task],
    built: Callable[[ModelBuild], None],
) -> LayerDone:
    """Build and check ``members`` on ``workers``; ``built`` hears of each build as it ends.

    ``build(name)`` and ``check(name)`` make the tasks: a build task returns a
    :class:`ModelBuild`, a check task ``(results, seconds)``.
    """
    in_layer = set(members)
    todo = graphlib.TopologicalSorter(
        {n: [d for d in project.models[n].depends_on if d in in_layer] for n in members}
    )
    todo.prepare()
    first = longest_chain_first(project, members)
    needs = {n: {n} | (project.models[n].contract.references() & in_layer) for n in members}
    done_building: set[str] = set()
    unchecked = list(members)
    checked: dict[str, tuple[list[CheckResult], float]] = {}
    tasks: dict[Future[Any], tuple[str, str]] = {}
    failure: BaseException | None = None
    builds_done = time.perf_counter()

    def submit(kind: str, name: str) -> None:
        tasks[workers.submit(build(name) if kind == "build" else check(name))] = (kind, name)

    def stopping() -> bool:
        return failure is not None or any(r.is_error for rs, _ in checked.values() for r in rs)

    try:
        for name in first(todo.get_ready()):
            submit("build", name)
        while tasks:
            done, _ = futures.wait(tasks, return_when=futures.FIRST_COMPLETED)
            for future in done:
                kind, name = tasks.pop(future)
                if stopping():
                    continue  # what ends while the layer stops is moot (often cancelled)
                if future.exception() is not None:
                    failure = future.exception()
                elif kind == "build":
                    builds_done = time.perf_counter()
                    built(future.result())
                    todo.done(name)
                    done_building.add(name)
                else:
                    checked[name] = future.result()
            if stopping():
                workers.cancel()  # the statements still running stop with an error
                continue
            for name in first(todo.get_ready()):
                submit("build", name)
            for name in [n for n in unchecked if needs[n] <= done_building]:
                unchecked.remove(name)
                submit("check", name)
    except BaseException:
        workers.cancel()
        futures.wait(tasks)
        raise
    if failure is not None:
        raise failure
    return LayerDone(
        results=[r for n in members if n in checked for r in checked[n][0]],
        check_seconds=sum(seconds for _, seconds in checked.values()),
        builds_done=builds_done,
    )


def longest_chain_first(project: Project, names: list[str]) -> Callable[[Iterable[str]], list[str]]:
    """Orders ready models: those heading the longest chain of models below them first, as
    that chain decides when the run ends; then in build order."""
    below: dict[str, int] = {}
    for name in reversed(names):  # build order: every reader comes after what it reads
        readers = [m for m in project.direct_downstream(name) if m in below]
        below[name] = 1 + max((below[m] for m in readers), default=0)
    rank = {name: i for i, name in enumerate(names)}
    return lambda ready: sorted(ready, key=lambda n: (-below[n], rank[n]))
