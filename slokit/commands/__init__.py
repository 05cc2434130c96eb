"""One module per command, each with one function that does the command's work and returns an exit code.

``slokit.cli`` only parses options (typer) and calls these; errors are raised as
:class:`slokit.errors.SlokitError` and turned into exit codes by the CLI's one handler. Heavy modules are
imported inside the functions, so that ``slokit --version`` and ``slokit validate`` start fast.
"""
