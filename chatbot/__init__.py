"""A grounded customer-service chatbot for online stores.

The store's files are loaded, chunked, embedded and indexed (``ingest``); each message goes through an
ordered chain of responders (``converse``): hand-off, the shop's catalog skills (``shop``), the answer
cache, the FAQ, then retrieval (``retrieve``) and a verified, cited answer (``answer``), or an honest
decline. ``data`` stores conversations, tickets and accounts; ``evaluate`` measures it all.
``docs/ARCHITECTURE.md`` draws the flow.
"""

import importlib
import importlib.abc
import importlib.util
import sys
import warnings

__version__ = "0.1.0"

# Old import paths that outside code may use, kept for one release (0.1.x) with a DeprecationWarning.
MOVED = {"chatbot.pipeline": "chatbot.converse.chatbot", "chatbot.tools": "chatbot.shop.tools"}


class _MovedModules(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Imports an old path as the module that now lives elsewhere (the same module object, not a copy)."""

    def find_spec(self, name, path=None, target=None):
        return importlib.util.spec_from_loader(name, self) if name in MOVED else None

    def create_module(self, spec):
        warnings.warn(f"{spec.name} has moved to {MOVED[spec.name]}: import it from there (the old path goes "
                      "after the 0.1 releases)", DeprecationWarning, stacklevel=2)
        return importlib.import_module(MOVED[spec.name])

    def exec_module(self, module):
        """Nothing to run: ``create_module`` returned the already imported module."""


if not any(isinstance(finder, _MovedModules) for finder in sys.meta_path):
    sys.meta_path.append(_MovedModules())
