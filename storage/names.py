"""Workspace names: "library" is the shared library of published reports, "chat:<chat_id>" a chat's
private drafts (storage.models has the tables; this module loads nothing, for the question path)."""

LIBRARY = "library"


def chat_workspace_name(chat_id: int) -> str:
    """The name of a chat's private workspace."""
    return f"chat:{chat_id}"
