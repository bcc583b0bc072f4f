"""Errors that the CLI turns into a one-line message and a non-zero exit code."""


class CcauditError(Exception):
    """A problem with the user's input or environment, explained in one line (no traceback)."""

    exit_code = 2


class InputError(CcauditError):
    """Bad input: a file that is missing, corrupt, truncated or not in the expected format."""


class ConfigError(CcauditError):
    """Missing or invalid configuration (for example no Flickr API key)."""
