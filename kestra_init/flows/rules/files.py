"""Rules about files and YAML itself; ``flows.lint`` reports them while reading."""

from __future__ import annotations

from kestra_init.flows.diagnostics import Severity
from kestra_init.flows.rules.base import HELLO_FLOW, rule

_FLOW = HELLO_FLOW

YAML_SYNTAX = rule(
    "yaml-syntax",
    Severity.ERROR,
    "files",
    "The file is not valid YAML (bad indentation, an unclosed quote, a tab...).",
    bad="""\
id: hello
namespace: company.team
tasks:
  - id: say_hello
    type: io.kestra.plugin.core.log.Log
    message: "Hello
""",
    good=_FLOW,
)

YAML_DUPLICATE_KEY = rule(
    "yaml-duplicate-key",
    Severity.ERROR,
    "files",
    "A key appears twice in one mapping: Kestra rejects the flow (most YAML readers "
    "silently keep the last one).",
    bad="""\
id: hello
namespace: company.team
tasks:
  - id: say_hello
    type: io.kestra.plugin.core.log.Log
    message: Hello
    message: Goodbye
""",
    good=_FLOW,
)

YAML_TOO_COMPLEX = rule(
    "yaml-too-complex",
    Severity.ERROR,
    "files",
    "Anchors and aliases expand the document beyond reason, or it nests too deep.",
    bad="""\
id: hello
namespace: company.team
tasks: &loop
  - id: say_hello
    type: io.kestra.plugin.core.log.Log
    message: *loop
""",
    good=_FLOW,
)

FILE_UNREADABLE = rule(
    "file-unreadable",
    Severity.ERROR,
    "files",
    "The file cannot be read as UTF-8 text (binary data, another encoding, no permission).",
    file_level=True,
)

FILE_TOO_LARGE = rule(
    "file-too-large",
    Severity.ERROR,
    "files",
    "The file is larger than kestra-init reads (flows are rarely over 100 kB).",
    file_level=True,
)

FILE_NOT_REGULAR = rule(
    "file-not-regular",
    Severity.ERROR,
    "files",
    "A path that is a named pipe, a socket, a device or a folder, where a flow file was "
    "expected: it is not read.",
    file_level=True,
)

FILE_LINK_DANGLING = rule(
    "file-link-dangling",
    Severity.ERROR,
    "files",
    "A link with a flow file's name that points to nothing: the flow it stood for is missing.",
    file_level=True,
)

FOLDER_UNREADABLE = rule(
    "folder-unreadable",
    Severity.ERROR,
    "files",
    "A folder under the flows that cannot be listed (no permission): its flows are not checked.",
    file_level=True,
)

FILE_EMPTY = rule(
    "file-empty",
    Severity.WARNING,
    "files",
    "The file holds no YAML document at all (empty, or only comments).",
    bad="# nothing here yet\n",
    good=_FLOW,
)

NOT_A_FLOW = rule(
    "not-a-flow",
    Severity.INFO,
    "files",
    "A YAML document that is not a flow (a Kestra app or dashboard, a compose file...) is skipped.",
    bad="""\
services:
  kestra:
    image: kestra/kestra:v1.1
""",
    good=_FLOW,
)

DOCUMENT_NOT_MAPPING = rule(
    "document-not-mapping",
    Severity.ERROR,
    "files",
    "The document is a list of flows or a single value; a flow is a mapping.",
    bad="""\
- id: hello
  namespace: company.team
  tasks:
    - id: say_hello
      type: io.kestra.plugin.core.log.Log
      message: Hello
""",
    good=_FLOW,
)

IGNORE_COMMENT_UNKNOWN_RULE = rule(
    "ignore-comment-unknown-rule",
    Severity.WARNING,
    "files",
    "A `# kestra-init: ignore[...]` comment names a rule that does not exist (a typo), so "
    "it silences nothing.",
    bad=_FLOW.replace("message: Hello", "message: Hello  # kestra-init: ignore[plaintext-secret]"),
    good=_FLOW.replace(
        "message: Hello", "message: Hello  # kestra-init: ignore[plaintext-credential]"
    ),
)
