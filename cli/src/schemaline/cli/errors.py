"""Exit codes shared by every sub-command, and the error that maps to them.

0 success · 1 a verdict (not compatible, records rejected, ledger chain broken, the gate holds)
· 2 usage or input error (argparse's usage errors are 2 as well) · 3 a dependency unreachable.
"""

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_UNREACHABLE = 3
EXIT_BUG = 4  # an error nobody anticipated: still one line, never a traceback


class CliError(Exception):
    """A user-facing error: printed as one line, never as a traceback."""

    def __init__(self, message: str, exit_code: int = EXIT_BAD_INPUT) -> None:
        super().__init__(message)
        self.exit_code = exit_code
