"""The admin's documents panel: upload, the list of uploads with Remove, and Re-index.

A thin adapter over ``chatbot.ingest.uploads.UploadFolder`` and ``KnowledgeRefresher``: files the loaders
cannot use are refused one by one with the folder's message (the others are still added), and every
change is shared with the other app replicas and followed by an incremental re-index, so a removed file's
content stops being answered at once, here and (within ``knowledge_poll_s``) on every replica.
Each action goes to the audit log with the admin's name.
"""

from __future__ import annotations

import gradio as gr
import pandas as pd

from chatbot.common.errors import ChatbotError, InputError
from chatbot.converse.knowledge_watch import KnowledgeRefresher
from chatbot.ingest.uploads import UploadFolder, accepted_types

# what the admin says the files are -> the folder that makes the loaders file them as that kind
UPLOAD_KINDS = {"Policy": "policies", "FAQ": "faq", "Help page": "help", "Product catalog": "catalog",
                "Reviews": "reviews"}
_KIND_NAMES = {folder: label for label, folder in UPLOAD_KINDS.items()}
_COLUMNS = ["file", "kind", "size", "uploaded (UTC)", "problems at the last re-index"]


def uploads_table(folder: UploadFolder) -> pd.DataFrame:
    """One row per uploaded file: its name, kind, size, when it was uploaded and its problems."""
    rows = []
    for upload in folder.list():
        parts = upload.name.split("/")
        kind = _KIND_NAMES.get(parts[-2], parts[-2]) if len(parts) > 1 else ""
        rows.append({"file": upload.name, "kind": kind, "size": _size(upload.size),
                     "uploaded (UTC)": upload.uploaded_at.strftime("%Y-%m-%d %H:%M"),
                     "problems at the last re-index": "; ".join(upload.problems) or "none"})
    # a row that says so, not an empty grid: Gradio heads a table with no rows "1 2 3"
    return pd.DataFrame(rows or [{"file": "(no uploads yet)", **{c: "" for c in _COLUMNS[1:]}}], columns=_COLUMNS)


def _size(size: int) -> str:
    return f"{size} bytes" if size < 1024 else f"{size / 1024:.1f} KB" if size < 1024 ** 2 else \
        f"{size / 1024 ** 2:.1f} MB"


def build_uploads_panel(bot, store, settings, who, index_line: gr.Markdown, index_stats, knowledge=None) -> tuple:
    """The panel's components, inside the caller's layout. Every action also redraws ``index_line`` with
    ``index_stats(bot)``. ``knowledge`` (a ``KnowledgeRefresher``) shares each change with the other replicas;
    without it, this process re-indexes alone. Returns the page-load event that draws the list."""
    folder = UploadFolder(settings.uploads_dir, settings.max_file_bytes)
    knowledge = knowledge or KnowledgeRefresher(bot, settings)
    kind = gr.Radio(list(UPLOAD_KINDS), value="Policy", label="What are these files?", elem_id="upload-kind")
    uploads = gr.File(label=f"Add documents ({accepted_types()})", file_count="multiple", elem_id="admin-upload")
    upload = gr.Button("Upload and re-index", variant="primary", elem_id="admin-reindex")
    result = gr.Markdown(elem_id="reindex-result")
    gr.Markdown("## Uploaded files")
    listing = gr.Dataframe(label="Uploaded files", interactive=False, wrap=True, elem_id="uploads-list",
                           column_widths=["26%", "8%", "9%", "14%", "43%"])
    with gr.Row():
        chosen = gr.Dropdown(label="Upload to remove", choices=[], value=None, elem_id="remove-choice")
        remove = gr.Button("Remove and re-index", variant="stop", elem_id="remove-upload")
        reindex = gr.Button("Re-index", elem_id="reindex-only")

    def listed():
        names = [u.name for u in folder.list()]
        return uploads_table(folder), gr.update(choices=names, value=None)

    def reindexed(actor: str, lines: list[str], progress) -> tuple:
        """Re-index, keep the uploads' problems for the list, and say what happened."""
        try:
            report = knowledge.refresh(progress=lambda text, fraction: progress(fraction, desc=text))
        except ChatbotError as exc:
            store.record_admin_action(actor, "reindex_failed", str(exc))
            return ("\n\n".join(lines + [f"❌ Re-indexing failed: {exc}"]), gr.update(), *listed())
        store.record_admin_action(actor, "reindex", report.summary())
        text = "\n\n".join(lines + [f"✓ Re-indexed: {report.summary()}"])
        return (text + "".join(f"\n- ⚠ {p}" for p in report.problems), index_stats(bot), *listed())

    def add_files(files, kind_label: str, request: gr.Request, progress=gr.Progress()):
        actor, target = who(request), UPLOAD_KINDS.get(kind_label, "help")
        added, lines = [], []
        if not files:
            return ("Choose one or more files first.", gr.update(), *listed(), None)
        with knowledge.changing() as change:  # shared with every replica when the block ends
            for file in files or []:
                try:
                    added.append(folder.add(getattr(file, "name", file), target))
                    change.touch(folder.root / added[-1])
                except InputError as exc:  # one bad file is refused by name; the others are still added
                    store.record_admin_action(actor, "upload_refused", str(exc))
                    lines.append(f"❌ {exc}")
        if added:
            store.record_admin_action(actor, "upload", f"{kind_label}: {', '.join(added)}")
            lines.insert(0, f"✓ Added {', '.join(added)}.")
        # the picker is emptied either way: what was refused is named in the result, not left to be sent again
        if not added:
            return ("\n\n".join(lines or ["Choose one or more files first."]), gr.update(), *listed(), None)
        return (*reindexed(actor, lines, progress), None)

    def remove_file(name: str | None, request: gr.Request, progress=gr.Progress()):
        actor = who(request)
        if not name:
            return ("Pick the upload to remove first.", gr.update(), *listed())
        try:
            with knowledge.changing() as change:
                folder.remove(name)
                change.touch(folder.root / name)
        except InputError as exc:
            return (f"❌ {exc}", gr.update(), *listed())
        store.record_admin_action(actor, "remove_upload", name)
        return reindexed(actor, [f"✓ Removed {name}."], progress)

    def reindex_all(request: gr.Request, progress=gr.Progress()):
        with knowledge.changing():  # a new knowledge version, so every replica re-indexes too
            pass
        return reindexed(who(request), [], progress)

    changed = [result, index_line, listing, chosen]
    upload.click(add_files, [uploads, kind], changed + [uploads])
    remove.click(remove_file, [chosen], changed)
    reindex.click(reindex_all, None, changed)
    return listed, None, [listing, chosen]
