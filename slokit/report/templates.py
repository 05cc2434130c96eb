"""The jinja2 environment for the markdown and HTML reports.

Templates are looked up in ``--templates DIR`` first (a file there overrides the bundled one of the same
name), then in the bundled ``report_templates/``: package data inside an installed wheel, the repository's
top-level folder in a source checkout. HTML templates are autoescaped; markdown ones escape through the
``md`` filter instead, since HTML escaping would garble a markdown table.
"""

from __future__ import annotations

import re
from functools import cache
from importlib.resources import files
from pathlib import Path

import jinja2

from slokit.errors import UsageError
from slokit.report import fmt
from slokit.report.model import links

# Enough to keep a value from starting markup, a link or an HTML tag, or from breaking a table row.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~])")


def bundled_dir() -> Path:
    packaged = Path(str(files("slokit"))) / "report_templates"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "report_templates"


def md_escape(value: object) -> str:
    """Text safe inside a markdown table cell: no pipes, no markup, no HTML, one line."""
    text = " ".join(str(value).split())
    return _MD_SPECIAL.sub(r"\\\1", text)


def md_url(value: object) -> str:
    """A URL as a markdown link destination ``<...>``: the characters that would end or escape it encoded.
    Definitions only let absolute http(s) URLs without spaces through; this keeps one with ``>`` a link."""
    return str(value).replace("\\", "%5C").replace("<", "%3C").replace(">", "%3E")


def md_code(value: object) -> str:
    """Text as a markdown code span, on one line: fenced by more backticks than any run inside it, so that a
    command with a backtick in a path stays one span that copies whole."""
    text = " ".join(str(value).splitlines())
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


@cache
def environment(templates: Path | None = None) -> jinja2.Environment:
    if templates is not None and not templates.is_dir():
        # jinja2 would quietly skip it and use the bundled templates: a typo must not go unnoticed
        raise UsageError(f"--templates {templates}: no such directory")
    search = [str(templates)] if templates else []
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([*search, str(bundled_dir())]),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html", "html.j2"), default=False),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        md=md_escape,
        md_url=md_url,
        md_code=md_code,
        percent=fmt.percent,
        budget_percent=fmt.budget_percent,
        count=fmt.count,
        burn=fmt.burn,
        duration=fmt.duration,
        status=fmt.status,
    )
    env.globals.update(fmt=fmt, links=links)
    return env


def render(name: str, templates: Path | None = None, **context: object) -> str:
    """Render a template; a broken override template is a usage error naming its file (and line)."""
    try:
        template = environment(templates).get_template(name)
    except jinja2.TemplateNotFound:
        where = f"{templates} or the bundled templates" if templates else "the bundled templates"
        raise UsageError(f"template {name} not found in {where}") from None
    except jinja2.TemplateSyntaxError as exc:
        raise UsageError(f"template {exc.filename}:{exc.lineno}: {exc.message}") from None
    try:
        return template.render(**context)
    except jinja2.TemplateError as exc:
        raise UsageError(f"template {template.filename}: {exc.message}") from None
