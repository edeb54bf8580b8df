"""The small exception family the core raises.

Every message names the bad value, the limit or expectation, and the fix.
Only the CLI and the UI turn these into friendly text for people.
"""


class ChatbotError(Exception):
    """Base class for every error this package raises on purpose."""


class ConfigError(ChatbotError):
    """A setting has a value that cannot work."""


class LoadError(ChatbotError):
    """A knowledge file could not be read or parsed."""


class IndexNotFoundError(ChatbotError):
    """No index exists at the given folder yet."""


class IndexMismatchError(ChatbotError):
    """The index on disk was built with another embedder or format version."""


class IndexCorruptError(ChatbotError):
    """The index on disk is unreadable or incomplete."""


class InputError(ChatbotError):
    """A question or other user input is empty, too long or otherwise unusable."""


class GeneratorUnavailable(ChatbotError):
    """The language model cannot answer now (its worker crashed, hung, is restarting or busy).

    Callers answer from the sources instead; nothing the shopper sees should fail because of it.
    """
