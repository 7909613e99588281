"""Where the packaged template is on disk.

An installed wheel carries it as ``kestra_init/_template``; a development
checkout (an editable install) has it at the repository's top, ``template/``.
"""

from __future__ import annotations

from pathlib import Path

from kestra_init.errors import EnvironmentProblem

_PACKAGE_DIR = Path(__file__).resolve().parent.parent
_CANDIDATES = (
    _PACKAGE_DIR / "_template",  # inside an installed wheel
    _PACKAGE_DIR.parent / "template",  # a source checkout
)
CONFIG_FILE = "copier.yml"
# The names Copier reads a template's questions from (copier 9.x: `copier.*`).
CONFIG_NAMES = (CONFIG_FILE, "copier.yaml")


def packaged_template_dir() -> Path:
    """The folder holding copier.yml and the project files of this kestra-init."""
    for candidate in _CANDIDATES:
        if (candidate / CONFIG_FILE).is_file():
            return candidate
    raise EnvironmentProblem(
        "kestra-init's project template is missing from its installation",
        "Neither " + " nor ".join(str(c) for c in _CANDIDATES) + f" holds {CONFIG_FILE}.",
        "reinstall kestra-init (pip install --force-reinstall kestra-init), "
        "or pass --template with a template of your own",
    )


def config_file(template_dir: Path) -> Path | None:
    """The copier.yml (or copier.yaml) of a template folder; None when it has neither."""
    for name in CONFIG_NAMES:
        if (template_dir / name).is_file():
            return template_dir / name
    return None
