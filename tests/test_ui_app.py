"""The Gradio shopper chat on a real server, asked through the real gradio_client."""

import pytest

from chatbot.config import Settings
from chatbot.pipeline import Chatbot
from chatbot.store import KnowledgeIndex
from ui.app import create_app


@pytest.fixture(scope="module")
def server(demo_index_dir, real_embedder):
    index = KnowledgeIndex.load(demo_index_dir)
    bot = Chatbot(Settings(index_dir=str(demo_index_dir)), embedder=real_embedder, index=index)
    app = create_app(bot)
    _, url, _ = app.launch(prevent_thread_lock=True, server_name="127.0.0.1", quiet=True)
    yield url
    app.close()


def test_chat_answers_with_sources_over_http(server):
    from gradio_client import Client

    client = Client(server, verbose=False)
    reply = client.predict("Do you ship to Canada?", api_name="/chat")
    assert "19.99" in reply and "**Sources**" in reply and "Canada" in reply.split("**Sources**")[1]
    reply = client.predict("What is the capital of Australia?", api_name="/chat")
    assert "I can only help with questions about" in reply and "Sources" not in reply
    reply = client.predict("   ", api_name="/chat")
    assert "message is empty" in reply
