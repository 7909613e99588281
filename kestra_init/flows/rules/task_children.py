"""Tasks that hold other tasks: empty branches, Dag dependencies, WorkingDirectory, Subflow.

Each check restates a rule Kestra applies when it saves a flow, or the run-time
behaviour that makes a flow it accepts never finish; the source of each is
cited where it is checked.
"""

from __future__ import annotations

from collections.abc import Iterator

from kestra_init.flows.core_types import NON_RUNNABLE, canonical
from kestra_init.flows.diagnostics import Severity
from kestra_init.flows.lint_context import LintContext
from kestra_init.flows.model import FlowDoc, TaskRef, key_mark, value_mark
from kestra_init.flows.rules.base import HELLO_FLOW, Finding, check, rule, scalar_text
from kestra_init.flows.yaml_nodes import Mark, YList, YMap

_CORE = "io.kestra.plugin.core."
SWITCH = _CORE + "flow.Switch"
DAG = _CORE + "flow.Dag"
SUBFLOW = _CORE + "flow.Subflow"
WORKING_DIRECTORY = _CORE + "flow.WorkingDirectory"

_SWITCH = """\
id: route
namespace: company.team
inputs:
  - id: kind
    type: STRING
    defaults: csv
tasks:
  - id: by_kind
    type: io.kestra.plugin.core.flow.Switch
    value: "{{ inputs.kind }}"
    cases:
      csv:
        - id: read_csv
          type: io.kestra.plugin.core.log.Log
          message: a CSV file
      json: []
"""
_DAG = """\
id: pipeline
namespace: company.team
tasks:
  - id: steps
    type: io.kestra.plugin.core.flow.Dag
    tasks:
      - task:
          id: extract
          type: io.kestra.plugin.core.log.Log
          message: extract
      - task:
          id: load
          type: io.kestra.plugin.core.log.Log
          message: load
        dependsOn: [extract]
"""
_WORKDIR = """\
id: scripts
namespace: company.team
tasks:
  - id: workdir
    type: io.kestra.plugin.core.flow.WorkingDirectory
    tasks:
      - id: write
        type: io.kestra.plugin.core.storage.Write
        content: hello
        extension: .txt
      - id: log
        type: io.kestra.plugin.core.log.Log
        message: done
"""

TASK_CHILDREN_EMPTY = rule(
    "task-children-empty",
    Severity.ERROR,
    "tasks",
    "An empty task list where one is needed: a listener's `tasks` (refused at save), or a "
    "Switch case or `defaults` (accepted, but a run that takes it never ends).",
    bad=_SWITCH,
    good=_SWITCH.replace(
        "      json: []\n",
        "      json:\n        - id: read_json\n          type: io.kestra.plugin.core.log.Log\n"
        "          message: a JSON file\n",
    ),
)
DAG_DEPENDENCY_UNKNOWN = rule(
    "dag-dependency-unknown",
    Severity.ERROR,
    "tasks",
    "A Dag's `dependsOn` names a task that is not one of that Dag's own tasks.",
    bad=_DAG.replace("dependsOn: [extract]", "dependsOn: [extracted]"),
    good=_DAG,
)
DAG_DEPENDENCY_CYCLE = rule(
    "dag-dependency-cycle",
    Severity.ERROR,
    "tasks",
    "A Dag's `dependsOn` links form a cycle, so no task of the cycle can ever start.",
    bad=_DAG.replace(
        "          message: extract\n", "          message: extract\n        dependsOn: [load]\n"
    ),
    good=_DAG,
)
SUBFLOW_RECURSIVE = rule(
    "subflow-recursive",
    Severity.ERROR,
    "tasks",
    "A Subflow task calls the flow it is in (same namespace and id), which Kestra refuses.",
    bad=HELLO_FLOW
    + "  - id: again\n    type: io.kestra.plugin.core.flow.Subflow\n"
    + "    namespace: company.team\n    flowId: hello\n",
    good=HELLO_FLOW
    + "  - id: next_step\n    type: io.kestra.plugin.core.flow.Subflow\n"
    + "    namespace: company.team\n    flowId: goodbye\n",
)
WORKING_DIRECTORY_CHILD = rule(
    "working-directory-child",
    Severity.ERROR,
    "tasks",
    "A WorkingDirectory holds a task the worker cannot run in it (a flowable task such as "
    "If or Parallel, a Subflow, SetVariables...), or a child with its own `workerGroup`.",
    bad=_WORKDIR.replace(
        "      - id: log\n        type: io.kestra.plugin.core.log.Log\n        message: done\n",
        "      - id: check\n        type: io.kestra.plugin.core.flow.If\n"
        '        condition: "{{ true }}"\n        then:\n          - id: log\n'
        "            type: io.kestra.plugin.core.log.Log\n            message: done\n",
    ),
    good=_WORKDIR,
)


@check
def check_task_children(flow: FlowDoc, context: LintContext) -> Iterator[Finding]:
    yield from _check_listeners(flow)
    for task in flow.tasks:
        type_name = canonical(task.type or "")
        if type_name == SWITCH:
            yield from _check_switch(task)
        elif type_name == DAG:
            yield from _check_dag(task)
        elif type_name == SUBFLOW:
            yield from _check_subflow(flow, task)
        elif type_name == WORKING_DIRECTORY:
            yield from _check_working_directory(task)


def _check_listeners(flow: FlowDoc) -> Iterator[Finding]:
    # `Listener.tasks` is `@Valid @NotEmpty` (core/.../models/listeners/Listener.java,
    # 1.0 and 1.3): a listener without tasks is refused at save.
    listeners = flow.root.get("listeners")
    if not isinstance(listeners, YList):
        return
    for listener, mark in zip(listeners, listeners.item_marks, strict=True):
        if not isinstance(listener, YMap):
            continue
        tasks = listener.get("tasks")
        if not isinstance(tasks, YList) or not tasks:
            where = value_mark(listener, "tasks") if "tasks" in listener else mark
            yield Finding(
                TASK_CHILDREN_EMPTY,
                where,
                "This listener has no tasks, and Kestra refuses a listener without them: add "
                "the tasks to run under its `tasks:`, or remove the listener.",
            )


def _check_switch(task: TaskRef) -> Iterator[Finding]:
    # Kestra refuses a Switch only when neither `cases` nor `defaults` holds a task
    # (SwitchTaskValidator.java, 1.3), which task-property-missing reports. An
    # empty case is accepted at save, but when a run takes it Switch.childTasks
    # returns no task and FlowableUtils.resolveState never ends the Switch: the
    # execution stays RUNNING (core/.../runners/FlowableUtils.java, 1.3).
    node = task.node
    cases = node.get("cases")
    defaults = node.get("defaults")
    case_lists = cases if isinstance(cases, YMap) else YMap(task.mark)
    # With no case at all and no default task, task-property-missing says so (as
    # Kestra does); a case with an empty list is a case to Kestra's validator.
    if not case_lists and not _has_tasks(defaults):
        return
    for case, tasks in case_lists.items():
        if not _has_tasks(tasks):
            yield Finding(
                TASK_CHILDREN_EMPTY,
                case_lists.value_marks[case],
                f"Case `{case}` of Switch `{task.id or '?'}` has no task. Kestra accepts it, "
                f"but a run whose value is `{case}` {_what_happens(tasks)}. Add a task (a Log "
                "saying why nothing happens will do), or remove the case.",
            )
    if "defaults" in node and not _has_tasks(defaults):
        yield Finding(
            TASK_CHILDREN_EMPTY,
            value_mark(node, "defaults"),
            f"`defaults` of Switch `{task.id or '?'}` has no task. Kestra accepts it, but a run "
            f"whose value matches no case {_what_happens(defaults)}. Put a task under "
            "`defaults`, or remove the key.",
        )


def _has_tasks(value: object) -> bool:
    return isinstance(value, YList) and bool(value)


def _what_happens(tasks: object) -> str:
    # `[]` gives the Switch no child and no end state; a missing list (`case:` with
    # nothing after it) makes Switch.childTasks fail (Switch.java, 1.3).
    if isinstance(tasks, YList):
        return "has nothing to run and the Switch never ends (the execution stays RUNNING)"
    return "fails"


def _check_dag(task: TaskRef) -> Iterator[Finding]:
    # core/.../validations/validator/DagTaskValidator.java (1.0, 1.3, 2.0-dev): each
    # `dependsOn` id must be one of this Dag's direct tasks ("Not existing task id
    # in dependency"), and the links must not loop ("Cyclic dependency detected").
    items = task.node.get("tasks")
    if not isinstance(items, YList):
        return
    depends: dict[str, tuple[list[str], Mark]] = {}
    for item in items:
        if not isinstance(item, YMap) or not isinstance(item.get("task"), YMap):
            continue
        own = scalar_text(item["task"].get("id"))
        if own is None:
            continue
        listed = item.get("dependsOn")
        names = (
            [n for n in (scalar_text(v) for v in listed) if n] if isinstance(listed, YList) else []
        )
        depends[own] = (names, value_mark(item, "dependsOn") if "dependsOn" in item else item.mark)
    for own, (names, mark) in depends.items():
        unknown = [name for name in names if name not in depends]
        if unknown:
            listing = ", ".join(f"`{name}`" for name in unknown)
            yield Finding(
                DAG_DEPENDENCY_UNKNOWN,
                mark,
                f"Task `{own}` of Dag `{task.id or '?'}` depends on {listing}, which "
                f"{'is' if len(unknown) == 1 else 'are'} not among this Dag's own tasks "
                f"({', '.join(sorted(depends))}); Kestra refuses the flow. A Dag task can "
                "only wait for a sibling in the same Dag: fix the id, or move the task in.",
            )
    cycle = _cycle({own: [n for n in names if n in depends] for own, (names, _) in depends.items()})
    if cycle:
        yield Finding(
            DAG_DEPENDENCY_CYCLE,
            depends[cycle[0]][1],
            f"The `dependsOn` links of Dag `{task.id or '?'}` form a cycle "
            f"({' -> '.join([*cycle, cycle[0]])}), so none of these tasks can start; Kestra "
            "refuses the flow. Remove the link that points back.",
        )


def _cycle(graph: dict[str, list[str]]) -> list[str]:
    """The first cycle found (its members in order), or [] when there is none."""
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    for start in graph:
        if state.get(start):
            continue
        path: list[str] = []
        stack: list[tuple[str, int]] = [(start, 0)]
        while stack:
            node, index = stack.pop()
            if index == 0:
                state[node] = 1
                path.append(node)
            children = graph[node]
            if index < len(children):
                stack.append((node, index + 1))
                child = children[index]
                if state.get(child) == 1:
                    return path[path.index(child) :]
                if not state.get(child):
                    stack.append((child, 0))
            else:
                state[node] = 2
                path.pop()
    return []


def _check_subflow(flow: FlowDoc, task: TaskRef) -> Iterator[Finding]:
    # FlowValidator.java (1.0, 1.3, 2.0-dev): "Recursive call to flow [ns.id]" for a
    # Subflow whose literal namespace and flowId are the flow's own; an expression
    # there is not rendered at save, so it never matches.
    node = task.node
    namespace = scalar_text(node.get("namespace"))
    flow_id = scalar_text(node.get("flowId"))
    if (
        namespace is not None
        and namespace == scalar_text(flow.root.get("namespace"))
        and flow_id is not None
        and flow_id == scalar_text(flow.root.get("id"))
    ):
        yield Finding(
            SUBFLOW_RECURSIVE,
            value_mark(node, "flowId"),
            f"Subflow task `{task.id or '?'}` calls `{namespace}.{flow_id}`, the flow it is "
            "in, and Kestra refuses a flow that calls itself. Call another flow; to repeat "
            "work, use a loop task (ForEach, LoopUntil) inside this flow.",
        )


def _check_working_directory(task: TaskRef) -> Iterator[Finding]:
    # WorkingDirectoryTaskValidator.java (1.0, 1.3): "Only runnable tasks are allowed
    # as children of a WorkingDirectory task", and no worker group on a child
    # ("it is only supported at the WorkingDirectory level").
    children = task.node.get("tasks")
    if not isinstance(children, YList):
        return
    for child in children:
        if not isinstance(child, YMap):
            continue
        child_type = canonical(scalar_text(child.get("type")) or "")
        name = scalar_text(child.get("id")) or "?"
        if child_type in NON_RUNNABLE:
            yield Finding(
                WORKING_DIRECTORY_CHILD,
                value_mark(child, "type"),
                f"`{name}` ({child_type.rsplit('.', 1)[-1]}) is not a task the worker runs, and "
                f"Kestra refuses it inside WorkingDirectory `{task.id or '?'}`: only runnable "
                "tasks (scripts, Log, Write, HTTP...) may be its children. Move it out of "
                "the WorkingDirectory, before or after it.",
            )
        if "workerGroup" in child:
            yield Finding(
                WORKING_DIRECTORY_CHILD,
                key_mark(child, "workerGroup"),
                f"`{name}` sets `workerGroup` inside WorkingDirectory `{task.id or '?'}`, and "
                "Kestra refuses that: the whole WorkingDirectory runs on one worker. Set "
                "`workerGroup` on the WorkingDirectory itself.",
            )
