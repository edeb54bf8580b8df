"""Re-index this replica when the store's knowledge changes, here or on another replica, without a restart.

``KnowledgeRefresher`` is the one way a running app picks up new knowledge: ``changing`` wraps a change to the
files (an admin upload or removal, a catalog webhook) so it is shared with every replica
(``chatbot.ingest.knowledge_sync``); ``refresh`` pulls what other replicas changed, re-indexes the folders
incrementally (only new or changed chunks are embedded) and switches the bot to the new index, which it builds
beside the old one, so answers go on meanwhile. ``watch`` checks the shared version every ``knowledge_poll_s``
seconds and refreshes when another replica raised it. Without a ``KnowledgeSync`` (one process, no sharing) the
same calls re-index this process alone.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Callable

from chatbot.ingest.chunking import Chunker
from chatbot.ingest.indexer import IndexReport, update_index
from chatbot.ingest.knowledge_sync import Change, KnowledgeSync
from chatbot.ingest.uploads import UploadFolder, knowledge_paths

log = logging.getLogger(__name__)


class KnowledgeRefresher:
    def __init__(self, bot: Any, settings: Any, sync: KnowledgeSync | None = None):
        self.bot = bot
        self.settings = settings
        self.sync = sync
        self._lock = threading.Lock()  # one re-index at a time in this process
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @contextmanager
    def changing(self) -> Iterator[Change]:
        """Change the knowledge files (``touch`` each one written or removed); shared when the block ends."""
        if self.sync is None:
            yield Change()
            return
        with self.sync.changing() as change:
            yield change

    def refresh(self, progress: Callable[[str, float], None] | None = None) -> IndexReport:
        """Pull other replicas' changes, re-index incrementally and answer from the result. Raises ``ChatbotError``
        when indexing fails; the bot then keeps answering from the index it has."""
        settings = self.settings
        with self._lock:
            if self.sync is not None:
                self.sync.pull()
            version = self.sync.version if self.sync is not None else self.bot.knowledge_version
            report = update_index(knowledge_paths(settings), settings.index_dir, self.bot.embedder,
                                  Chunker(settings.chunk_size, settings.chunk_overlap),
                                  max_file_bytes=settings.max_file_bytes, progress=progress)
            UploadFolder(settings.uploads_dir).record_problems(report.problems)
            if report.saved:
                self.bot.reload_index(version)
            else:  # the same index: only cached answers of earlier versions are left behind
                self.bot.knowledge_version = version
            return report

    def changed_here(self) -> None:
        """This replica changed and re-indexed files itself (a catalog webhook): answer from its new index."""
        self.bot.reload_index(self.sync.version if self.sync is not None else self.bot.knowledge_version + 1)

    def watch(self) -> None:
        """Check the shared version every ``knowledge_poll_s`` seconds in a background thread (0: never)."""
        if self.sync is None or self.settings.knowledge_poll_s <= 0 or self._thread is not None:
            return
        self._thread = threading.Thread(target=self._watch, name="knowledge-watch", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _watch(self) -> None:
        last_problem = None
        while not self._stop.wait(self.settings.knowledge_poll_s):
            try:
                if self.sync.shared.version() != self.sync.version:
                    report = self.refresh()
                    log.info("knowledge version %d from another replica: %s", self.sync.version, report.summary())
                last_problem = None
            except Exception as exc:  # the database is down, a file will not index: answer on, try again later
                if str(exc) != last_problem:
                    log.warning("checking the shared knowledge failed (answers go on from the index loaded): %s",
                                exc)
                last_problem = str(exc)
