"""The plugin types Kestra ships in its core, as far as kestra-init knows them.

Sources, read in November 2026:
- the class files under ``core/src/main/java/io/kestra/plugin/core/`` of
  github.com/kestra-io/kestra (1.x branches), for the type names and for the
  properties marked ``@NotNull``/``@NotEmpty`` (the required ones below);
- Kestra's migration guides 0.17.0 ("Renamed plugins") and 0.20.0 ("Conditions
  renamed") for the old names Kestra still accepts as aliases;
- Kestra's 2.0 migration notes for what 2.0 removes.

Maintenance: when a Kestra release adds a core type, add it to ``CORE_TYPES``.
A type missing here is reported as unknown (an error), so keep the list
generous: a name that existed in any 1.x release belongs in it.
"""

from __future__ import annotations

from dataclasses import dataclass

_CORE = "io.kestra.plugin.core."


def _names(package: str, *classes: str) -> set[str]:
    return {f"{_CORE}{package}.{name}" for name in classes}


CORE_TYPES: frozenset[str] = frozenset(
    _names(
        "condition",
        "DateTimeBetween",
        "DayWeek",
        "DayWeekInMonth",
        "ExecutionFlow",
        "ExecutionLabels",
        "ExecutionNamespace",
        "ExecutionOutputs",
        "ExecutionStatus",
        "Expression",
        "FlowCondition",
        "FlowNamespaceCondition",
        "HasRetryAttempt",
        "MultipleCondition",
        "Not",
        "Or",
        "PublicHoliday",
        "TimeBetween",
        "Weekend",
        "AdvancedExecutionsCondition",
        "ExecutionsCondition",
    )
    | _names("debug", "Echo", "Return", "Wait")
    | _names(
        "execution",
        "Assert",
        "Count",
        "Exit",
        "Fail",
        "Kill",
        "Labels",
        "PurgeExecutions",
        "Resume",
        "SetVariables",
        "UnsetVariables",
    )
    | _names(
        "flow",
        "AllowFailure",
        "Approval",
        "Dag",
        "EachParallel",
        "EachSequential",
        "ForEach",
        "ForEachItem",
        "If",
        "Loop",
        "LoopUntil",
        "Parallel",
        "Pause",
        "PurgeFlows",
        "Sequential",
        "Sleep",
        "Subflow",
        "Switch",
        "Template",
        "Wait",
        "WaitFor",
        "Worker",
        "WorkingDirectory",
    )
    | _names("http", "Download", "Request", "SseRequest", "Trigger")
    # kv.Key/kv.Version and namespace.Version are the purge behaviours of PurgeKV
    # and PurgeFiles, written as `behavior: {type: ...}`.
    | _names("kv", "Delete", "Get", "GetKeys", "Key", "PurgeKV", "Put", "Set", "Version")
    | _names("log", "Fetch", "Log", "PurgeLogs")
    | _names("metric", "Publish", "PurgeMetrics")
    | _names("namespace", "DeleteFiles", "DownloadFiles", "PurgeFiles", "UploadFiles", "Version")
    | _names("output", "OutputValues")
    | _names("runner", "Process")
    | _names("state", "Delete", "Get", "Set")
    | _names(
        "storage",
        "Concat",
        "DeduplicateItems",
        "Delete",
        "FilterItems",
        "LocalFiles",
        "Purge",
        "PurgeCurrentExecutionFiles",
        "PurgeExecution",
        "PurgeInternalStorage",
        "PurgeStorage",
        "Reverse",
        "Size",
        "Split",
        "Write",
    )
    | _names("templating", "TemplatedTask")
    | _names(
        "trigger",
        "BatchWebhook",
        "Flow",
        "McpToolTrigger",
        "Schedule",
        "ScheduleOnDates",
        "Toggle",
        "Webhook",
    )
)

# Old names Kestra 1.x still accepts and 2.0 no longer does, with today's name.
LEGACY_ALIASES: dict[str, str] = {
    # 0.17: io.kestra.core.* moved under io.kestra.plugin.core.*
    "io.kestra.core.tasks.debugs.Echo": _CORE + "debug.Echo",
    "io.kestra.core.tasks.debugs.Return": _CORE + "debug.Return",
    "io.kestra.core.tasks.executions.Counts": _CORE + "execution.Count",
    "io.kestra.core.tasks.executions.Fail": _CORE + "execution.Fail",
    "io.kestra.core.tasks.executions.Labels": _CORE + "execution.Labels",
    "io.kestra.core.tasks.flows.AllowFailure": _CORE + "flow.AllowFailure",
    "io.kestra.core.tasks.flows.Dag": _CORE + "flow.Dag",
    "io.kestra.core.tasks.flows.EachParallel": _CORE + "flow.EachParallel",
    "io.kestra.core.tasks.flows.EachSequential": _CORE + "flow.EachSequential",
    "io.kestra.core.tasks.flows.Flow": _CORE + "flow.Subflow",
    "io.kestra.core.tasks.flows.ForEachItem": _CORE + "flow.ForEachItem",
    "io.kestra.core.tasks.flows.If": _CORE + "flow.If",
    "io.kestra.core.tasks.flows.Parallel": _CORE + "flow.Parallel",
    "io.kestra.core.tasks.flows.Pause": _CORE + "flow.Pause",
    "io.kestra.core.tasks.flows.Sequential": _CORE + "flow.Sequential",
    "io.kestra.core.tasks.flows.Subflow": _CORE + "flow.Subflow",
    "io.kestra.core.tasks.flows.Switch": _CORE + "flow.Switch",
    "io.kestra.core.tasks.flows.Template": _CORE + "flow.Template",
    "io.kestra.core.tasks.flows.Worker": _CORE + "flow.WorkingDirectory",
    "io.kestra.core.tasks.flows.WorkingDirectory": _CORE + "flow.WorkingDirectory",
    "io.kestra.core.tasks.log.Fetch": _CORE + "log.Fetch",
    "io.kestra.core.tasks.log.Log": _CORE + "log.Log",
    "io.kestra.core.tasks.states.Delete": _CORE + "state.Delete",
    "io.kestra.core.tasks.states.Get": _CORE + "state.Get",
    "io.kestra.core.tasks.states.Set": _CORE + "state.Set",
    "io.kestra.core.tasks.storages.Concat": _CORE + "storage.Concat",
    "io.kestra.core.tasks.storages.DeduplicateItems": _CORE + "storage.DeduplicateItems",
    "io.kestra.core.tasks.storages.Delete": _CORE + "storage.Delete",
    "io.kestra.core.tasks.storages.FilterItems": _CORE + "storage.FilterItems",
    "io.kestra.core.tasks.storages.LocalFiles": _CORE + "storage.LocalFiles",
    "io.kestra.core.tasks.storages.Purge": _CORE + "storage.Purge",
    "io.kestra.core.tasks.storages.PurgeExecution": _CORE + "storage.PurgeExecution",
    "io.kestra.core.tasks.storages.Reverse": _CORE + "storage.Reverse",
    "io.kestra.core.tasks.storages.Size": _CORE + "storage.Size",
    "io.kestra.core.tasks.storages.Split": _CORE + "storage.Split",
    "io.kestra.core.tasks.templating.TemplatedTask": _CORE + "templating.TemplatedTask",
    "io.kestra.core.tasks.trigger.Toggle": _CORE + "trigger.Toggle",
    "io.kestra.core.models.triggers.types.Flow": _CORE + "trigger.Flow",
    "io.kestra.core.models.triggers.types.Schedule": _CORE + "trigger.Schedule",
    "io.kestra.core.models.triggers.types.Webhook": _CORE + "trigger.Webhook",
    "io.kestra.core.models.tasks.runners.types.ProcessTaskRunner": _CORE + "runner.Process",
    "io.kestra.plugin.fs.http.Download": _CORE + "http.Download",
    "io.kestra.plugin.fs.http.Request": _CORE + "http.Request",
    "io.kestra.plugin.fs.http.Trigger": _CORE + "http.Trigger",
    "io.kestra.plugin.scripts.runner.docker.DockerTaskRunner": (
        "io.kestra.plugin.scripts.runner.docker.Docker"
    ),
    # 0.11: the core script tasks moved to the script plugins.
    "io.kestra.core.tasks.scripts.Bash": "io.kestra.plugin.scripts.shell.Commands",
    "io.kestra.core.tasks.scripts.Python": "io.kestra.plugin.scripts.python.Script",
    "io.kestra.core.tasks.scripts.Node": "io.kestra.plugin.scripts.node.Script",
    # 0.17: serialisation tasks named after what they convert.
    "io.kestra.plugin.serdes.csv.CsvReader": "io.kestra.plugin.serdes.csv.CsvToIon",
    "io.kestra.plugin.serdes.csv.CsvWriter": "io.kestra.plugin.serdes.csv.IonToCsv",
    "io.kestra.plugin.serdes.json.JsonReader": "io.kestra.plugin.serdes.json.JsonToIon",
    "io.kestra.plugin.serdes.json.JsonWriter": "io.kestra.plugin.serdes.json.IonToJson",
    "io.kestra.plugin.serdes.avro.AvroReader": "io.kestra.plugin.serdes.avro.AvroToIon",
    "io.kestra.plugin.serdes.avro.AvroWriter": "io.kestra.plugin.serdes.avro.IonToAvro",
    "io.kestra.plugin.serdes.xml.XmlReader": "io.kestra.plugin.serdes.xml.XmlToIon",
    "io.kestra.plugin.serdes.xml.XmlWriter": "io.kestra.plugin.serdes.xml.IonToXml",
    "io.kestra.plugin.serdes.parquet.ParquetReader": (
        "io.kestra.plugin.serdes.parquet.ParquetToIon"
    ),
    "io.kestra.plugin.serdes.parquet.ParquetWriter": (
        "io.kestra.plugin.serdes.parquet.IonToParquet"
    ),
}

# 0.17 moved the conditions, 0.20 dropped their `Condition` suffix; both old
# spellings are still aliases. FlowCondition, FlowNamespaceCondition and
# MultipleCondition kept their names.
_RENAMED_CONDITIONS = {
    "DateTimeBetweenCondition": "DateTimeBetween",
    "DayWeekCondition": "DayWeek",
    "DayWeekInMonthCondition": "DayWeekInMonth",
    "ExecutionFlowCondition": "ExecutionFlow",
    "ExecutionLabelsCondition": "ExecutionLabels",
    "ExecutionNamespaceCondition": "ExecutionNamespace",
    "ExecutionOutputsCondition": "ExecutionOutputs",
    "ExecutionStatusCondition": "ExecutionStatus",
    "ExpressionCondition": "Expression",
    "VariableCondition": "Expression",
    "HasRetryAttemptCondition": "HasRetryAttempt",
    "NotCondition": "Not",
    "OrCondition": "Or",
    "PublicHolidayCondition": "PublicHoliday",
    "TimeBetweenCondition": "TimeBetween",
    "WeekendCondition": "Weekend",
}
for _old, _new in _RENAMED_CONDITIONS.items():
    LEGACY_ALIASES[f"{_CORE}condition.{_old}"] = f"{_CORE}condition.{_new}"
    LEGACY_ALIASES[f"io.kestra.core.models.conditions.types.{_old}"] = f"{_CORE}condition.{_new}"
for _kept in ("FlowCondition", "FlowNamespaceCondition", "MultipleCondition"):
    LEGACY_ALIASES[f"io.kestra.core.models.conditions.types.{_kept}"] = f"{_CORE}condition.{_kept}"


@dataclass(frozen=True)
class Required:
    """A property a type cannot do without: one of ``names`` must be set (and not empty)."""

    names: tuple[str, ...]
    non_empty: bool = False  # a list or mapping that must hold something

    def describe(self) -> str:
        quoted = [f"`{name}`" for name in self.names]
        return quoted[0] if len(quoted) == 1 else " or ".join(quoted)


def _req(*names: str, non_empty: bool = False) -> Required:
    return Required(names, non_empty)


_TASKS = _req("tasks", non_empty=True)

# Properties Kestra marks as required on the core types people use most.
REQUIRED_PROPERTIES: dict[str, tuple[Required, ...]] = {
    _CORE + "log.Log": (_req("message"),),
    _CORE + "debug.Echo": (_req("format"),),
    _CORE + "debug.Return": (),  # `format` is optional
    _CORE + "flow.Sleep": (_req("duration"),),
    _CORE + "flow.If": (_req("condition"), _req("then", non_empty=True)),
    _CORE + "flow.Switch": (_req("value"), _req("cases", "defaults", non_empty=True)),
    _CORE + "flow.Parallel": (_TASKS,),
    _CORE + "flow.Sequential": (_TASKS,),
    _CORE + "flow.AllowFailure": (_TASKS,),
    _CORE + "flow.WorkingDirectory": (_TASKS,),
    _CORE + "flow.Dag": (_TASKS,),
    _CORE + "flow.ForEach": (_req("values"), _TASKS),
    _CORE + "flow.EachSequential": (_req("value"), _TASKS),
    _CORE + "flow.EachParallel": (_req("value"), _TASKS),
    _CORE + "flow.LoopUntil": (_req("condition"), _TASKS),
    _CORE + "flow.ForEachItem": (_req("items"), _req("namespace"), _req("flowId")),
    _CORE + "flow.Subflow": (_req("namespace"), _req("flowId")),
    _CORE + "flow.Template": (_req("namespace"), _req("templateId")),
    _CORE + "execution.Labels": (_req("labels"),),
    _CORE + "execution.Exit": (_req("state"),),
    _CORE + "execution.SetVariables": (_req("variables"),),
    _CORE + "execution.UnsetVariables": (_req("variables"),),
    _CORE + "execution.Assert": (_req("conditions"),),
    _CORE + "http.Request": (_req("uri"),),
    _CORE + "http.Download": (_req("uri"),),
    _CORE + "http.Trigger": (_req("uri"),),
    _CORE + "kv.Set": (_req("key"), _req("value")),
    _CORE + "kv.Get": (_req("key"),),
    _CORE + "kv.Delete": (_req("key"),),
    _CORE + "storage.Write": (_req("content"),),
    _CORE + "storage.Size": (_req("uri"),),
    _CORE + "storage.Delete": (_req("uri"),),
    _CORE + "storage.Split": (_req("from"),),
    _CORE + "storage.Reverse": (_req("from"),),
    _CORE + "storage.Concat": (_req("files"),),
    _CORE + "templating.TemplatedTask": (_req("spec"),),
    _CORE + "metric.Publish": (_req("metrics"),),
    _CORE + "trigger.Schedule": (_req("cron"),),
    _CORE + "trigger.ScheduleOnDates": (_req("dates"),),
    _CORE + "trigger.Webhook": (_req("key"),),
}

# Types Kestra 2.0's migration guide lists as removed or renamed, with what to
# write instead (kestra-io/docs src/contents/docs/11.migration-guide/v2.0.0/:
# index.mdx and 00.migration-tutorial, read in 2026). The 2.0 source removes more
# (EachSequential, EachParallel, LocalFiles, Template, listeners...), but only
# what the guide lists is reported: the report is what a person must change
# before upgrading, by Kestra's own account.
REMOVED_IN_2: dict[str, str] = {
    _CORE + "flow.ForEach": (
        "Kestra 2.0 replaces ForEach with `io.kestra.plugin.core.flow.Loop` "
        "(`taskrun.value` becomes `item.value`, `taskrun.iteration` `item.index`)"
    ),
    _CORE + "flow.ForEachItem": (
        "Kestra 2.0 replaces ForEachItem with `io.kestra.plugin.core.flow.Loop` around a Subflow"
    ),
    _CORE + "execution.Count": "Kestra 2.0 removes execution.Count: count with a KV task",
    _CORE + "execution.Resume": "Kestra 2.0 removes execution.Resume: use the Kestra SDK",
    _CORE + "trigger.Toggle": "Kestra 2.0 removes trigger.Toggle: use the Kestra API or SDK",
    _CORE + "log.Fetch": "Kestra 2.0 moves log.Fetch to `io.kestra.plugin.kestra.logs.Fetch`",
    _CORE + "state.Get": "Kestra 2.0 removes the state store: use `io.kestra.plugin.core.kv.Get`",
    _CORE + "state.Set": "Kestra 2.0 removes the state store: use `io.kestra.plugin.core.kv.Set`",
    _CORE + "state.Delete": (
        "Kestra 2.0 removes the state store: use `io.kestra.plugin.core.kv.Delete`"
    ),
    _CORE + "storage.Purge": (
        "Kestra 2.0 renames storage.Purge to `io.kestra.plugin.core.storage.PurgeExecutions`"
    ),
    _CORE + "debug.Echo": "Kestra 2.0 removes debug.Echo: use `io.kestra.plugin.core.log.Log`",
    "io.kestra.plugin.git.Push": (
        "Kestra 2.0 removes git.Push: use `io.kestra.plugin.git.SyncFlows`"
    ),
}
# Whole packages the guide moves or removes.
REMOVED_IN_2_PACKAGES: dict[str, str] = {
    "io.kestra.plugin.notifications.slack.": (
        "Kestra 2.0 moves the Slack notifications to `io.kestra.plugin.slack.notifications.*`"
    ),
    "io.kestra.plugin.scripts.nashorn.": (
        "Kestra 2.0 removes the Nashorn script tasks: move the script to GraalJS or another "
        "script task"
    ),
}

# Package prefixes of the task runners and the script tasks that run through them.
DOCKER_RUNNER = "io.kestra.plugin.scripts.runner.docker.Docker"
PROCESS_RUNNER = _CORE + "runner.Process"
SCRIPT_TASK_PREFIX = "io.kestra.plugin.scripts."
RUNNER_PACKAGE = "io.kestra.plugin.scripts.runner."
# Script tasks evaluated inside Kestra's own JVM: they take no task runner.
JVM_SCRIPT_PACKAGES = (
    "io.kestra.plugin.scripts.groovy.",
    "io.kestra.plugin.scripts.jython.",
    "io.kestra.plugin.scripts.nashorn.",
)
# Tasks that are a Docker container themselves, with `networkMode`/`extraHosts`
# on the task rather than on a task runner.
DOCKER_TASK_PREFIX = "io.kestra.plugin.docker."


def canonical(type_name: str) -> str:
    """Today's name of a type (the name itself when it is not an old alias)."""
    return LEGACY_ALIASES.get(type_name, type_name)


# Core tasks the worker does not run itself: the flowable ones (they only
# schedule their children), Subflow (it creates an execution) and the ones that
# update the execution in the executor. Read from the classes implementing
# `FlowableTask`, `ExecutableTask` and `ExecutionUpdatableTask` under
# core/src/main/java/io/kestra/plugin/core/ on releases/v1.3.x (1.3.19);
# `Task.isSendToWorkerTask()` sends WorkingDirectory to the worker all the same.
NON_RUNNABLE: frozenset[str] = frozenset(
    _names(
        "flow",
        "AllowFailure",
        "Dag",
        "EachParallel",
        "EachSequential",
        "ForEach",
        "ForEachItem",
        "If",
        "LoopUntil",
        "Parallel",
        "Pause",
        "Sequential",
        "Subflow",
        "Switch",
        "Template",
        "WorkingDirectory",
    )
    | _names("execution", "Exit", "Labels", "SetVariables", "UnsetVariables")
)
