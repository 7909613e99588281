"""`new` and `update`: the project's files, from the Copier template."""

from __future__ import annotations

from typing import Annotated

import typer

from kestra_init.cli.options import (
    ConflictStyle,
    DataOption,
    JsonOption,
    ProjectOption,
    TemplateOption,
    VcsRefOption,
)
from kestra_init.cli.reporting import Outcome, reported
from kestra_init.cli.root import app

PANEL = "Create a project"


@app.command(rich_help_panel=PANEL)
@reported("new")
def new(
    # Text, not a Path: Path("") is ".", and an empty PATH must be refused, not
    # taken for the current folder.
    path: Annotated[str, typer.Argument(help="Folder to create (or an empty one).")],
    data: DataOption = None,
    defaults: Annotated[
        bool, typer.Option("--defaults", help="Take the default answer to every question.")
    ] = False,
    force: Annotated[
        bool,
        typer.Option("--force", help="Write into a non-empty folder; its files are kept."),
    ] = False,
    git: Annotated[
        bool, typer.Option("--git/--no-git", help="git init and a first commit.")
    ] = True,
    template: TemplateOption = None,
    vcs_ref: VcsRefOption = None,
    as_json: JsonOption = False,
) -> Outcome:
    """Create a Kestra project: compose stack, flows, devcontainer, CI, secrets in .env."""
    from kestra_init.commands.new import create_project
    from kestra_init.output import new as new_output

    with new_output.progress() as progress:
        result = create_project(
            path,
            data=data or (),
            defaults=defaults,
            force=force,
            git=git,
            template=template,
            vcs_ref=vcs_ref,
            progress=progress,
        )
    return result, new_output.render_text


@app.command(rich_help_panel=PANEL)
@reported("update")
def update(
    project: ProjectOption = None,
    data: DataOption = None,
    defaults: Annotated[
        bool,
        typer.Option("--defaults", help="Take the default answer to any new question."),
    ] = False,
    vcs_ref: VcsRefOption = None,
    conflict: Annotated[
        ConflictStyle,
        typer.Option("--conflict", help="How to leave conflicts: inline markers or .rej files."),
    ] = ConflictStyle.inline,
    force: Annotated[
        bool,
        typer.Option("--force", help="Apply even when it deletes or overwrites files you edited."),
    ] = False,
    as_json: JsonOption = False,
) -> Outcome:
    """Merge the template's latest changes into this project; your edits and .env stay."""
    from kestra_init.commands.update import update_project
    from kestra_init.output import new as new_output
    from kestra_init.output import update as update_output

    with new_output.progress() as progress:
        result = update_project(
            project,
            data=data or (),
            defaults=defaults,
            vcs_ref=vcs_ref,
            conflict=conflict.value,
            confirm=update_output.confirm_lost_edits(force),
            progress=progress,
        )
    return result, update_output.render_text
