"""Two app replicas behind one PostgreSQL and one llama.cpp model server, as a store that outgrew one machine runs.

One set of servers for the file: a throwaway PostgreSQL (``pg_server.py``), ``python -m chatbot model-server``
(llama.cpp's server) on the bundled model, and two ``launch.py`` processes on two ports with the same
``CHATBOT_DATABASE_URL``, each with its own data folder (its index starts as a copy of the demo store's).
Everything is checked through HTTP, as a load balancer would spread it: the shopper's API, the sign-in, and the
staff pages' Gradio API (``gradio_client``, the calls the agent window and the admin make from a browser).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest
from pg_server import PostgresServer, PostgresUnavailable
from test_server import sse_events

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "replica-staff-secret"
START_TIMEOUT_S = 240  # loading the embedder, the judge and the router on 2 busy cores; no indexing (a copy)
POLICY = ("# Gift wrapping\n\nGift wrapping costs $4.50 per order, in recycled kraft paper with a handwritten card.\n"
          "\nChoose gift wrapping at checkout.\n")
GIFT_WRAP = "How much does gift wrapping cost?"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, proc: subprocess.Popen, log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        assert proc.poll() is None, f"{proc.args} exited with {proc.returncode}:\n{log.read_text()[-4000:]}"
        try:
            if httpx.get(url, timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        assert time.monotonic() < deadline, f"{url} did not answer in {timeout:.0f} s:\n{log.read_text()[-4000:]}"
        time.sleep(0.5)


class Replica:
    """One ``launch.py`` process: its port, data folder and log; ``start`` again after a ``kill``."""

    def __init__(self, name: str, base: Path, env: dict[str, str]):
        self.name, self.port = name, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.data = base / name
        self.log = base / f"{name}.log"
        self.env = {**env, "CHATBOT_DATA_DIR": str(self.data), "GRADIO_SERVER_PORT": str(self.port)}
        self.proc: subprocess.Popen | None = None

    def start(self) -> Replica:
        with self.log.open("a") as log:  # a file, not a pipe: a full pipe would stall the server
            self.proc = subprocess.Popen([sys.executable, str(ROOT / "launch.py")], cwd=ROOT, env=self.env,
                                         stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        return self

    def wait(self) -> None:
        wait_for(f"{self.url}/api/health", self.proc, self.log, START_TIMEOUT_S)

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, sig)  # the app and its own children
            self.proc.wait(30)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory, demo_index_dir):
    base = tmp_path_factory.mktemp("replicas")
    try:
        database = PostgresServer().start()
    except PostgresUnavailable as exc:
        if os.environ.get("CHATBOT_TEST_POSTGRES") == "required":
            pytest.fail(f"PostgreSQL is required (CHATBOT_TEST_POSTGRES=required): {exc}")
        pytest.skip(f"no PostgreSQL server for the replicas: {exc}")
    model_port, model_log = free_port(), base / "model-server.log"
    processes: list[Replica] = []
    model = None
    try:
        url = database.new_database("replicas")
        with model_log.open("w") as log:  # the documented model server (llama.cpp's) on one thread
            model = subprocess.Popen(
                [sys.executable, "-m", "chatbot", "model-server", "--host", "127.0.0.1", "--port", str(model_port),
                 "--threads", "1"], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                env={**{k: v for k, v in os.environ.items() if k != "OPENAI_API_KEY"},  # no key asked
                     "HF_HUB_OFFLINE": "1", "CHATBOT_MODEL_DIR": str(ROOT / "data" / "models")})
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", str(base)),
            "HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False", "TMPDIR": str(base),
            "CHATBOT_DATABASE_URL": url, "CHATBOT_DEMO_STAFF_PASSWORD": PASSWORD,
            "CHATBOT_GENERATOR": "openai", "CHATBOT_OPENAI_BASE_URL": f"http://127.0.0.1:{model_port}/v1",
            "OPENAI_API_KEY": "unused", "CHATBOT_GENERATOR_WORKERS": "0", "CHATBOT_KNOWLEDGE_POLL_S": "1",
            "CHATBOT_MODEL_DIR": str(ROOT / "data" / "models"),  # the router's weights, kept beside the model
            "CHATBOT_KNOWLEDGE_DIR": str(ROOT / "knowledge"),  # as the demo index was built: nothing to re-save
        }
        for name in ("a", "b"):
            replica = Replica(name, base, env)
            shutil.copytree(demo_index_dir, replica.data / "index")  # indexing at start-up then embeds nothing
            processes.append(replica.start())
        wait_for(f"http://127.0.0.1:{model_port}/v1/models", model, model_log, 120)
        for replica in processes:
            replica.wait()
        yield {"a": processes[0], "b": processes[1], "database": database, "url": url, "base": base}
    finally:
        for replica in processes:
            replica.kill(signal.SIGTERM)
        if model is not None and model.poll() is None:
            os.killpg(model.pid, signal.SIGKILL)
            model.wait(30)
        database.stop()


@pytest.fixture
def client():
    with httpx.Client(timeout=120) as c:
        yield c


def ask(client: httpx.Client, replica: Replica, message: str, **body) -> dict:
    """One question on ``replica``'s API; the ``answer`` event."""
    with client.stream("POST", f"{replica.url}/api/chat", json={"message": message, "channel": "api", **body}) as r:
        if r.status_code != 200:
            r.read()
            pytest.fail(f"{replica.name} answered {r.status_code}: {r.text}")
        events = sse_events(r)
    answers = [data for kind, data in events if kind == "answer"]
    assert answers, f"no answer event from {replica.name}: {events}"
    return answers[0]


def transcript(client: httpx.Client, replica: Replica, conversation_id: str) -> list[dict]:
    response = client.get(f"{replica.url}/api/conversations/{conversation_id}")
    assert response.status_code == 200, response.text
    return response.json()["transcript"]


def staff_client(replica: Replica, name: str, page: str):
    """``gradio_client`` on one of ``replica``'s staff pages, signed in as ``name``."""
    from gradio_client import Client

    with httpx.Client(base_url=replica.url, timeout=30) as signin:
        response = signin.post("/signin", data={"name": name, "password": PASSWORD, "next": f"/{page}/"})
        assert response.status_code == 303, response.text
        token = signin.cookies["chatbot_session"]
    return Client(f"{replica.url}/{page}/", headers={"Cookie": f"chatbot_session={token}"}, verbose=False)


def test_a_conversation_goes_on_whichever_replica_answers(cluster, client):
    a, b = cluster["a"], cluster["b"]
    first = ask(client, a, "How much is the Tidepool Marble Run 120-Piece Set?")
    conversation = first["conversation_id"]
    assert first["product_id"] == "HP-1001" or "HP-1001" in [p["id"] for p in first["products"]]
    # no history sent: replica B reads it from the database, so "it" is still the marble run
    follow_up = ask(client, b, "What ages is it for?", conversation_id=conversation)
    assert follow_up["conversation_id"] == conversation
    assert follow_up["product_id"] == "HP-1001" and "6" in follow_up["answer"], follow_up
    third = ask(client, a, "Do you ship to Canada?", conversation_id=conversation)
    assert third["conversation_id"] == conversation
    said = [(t["role"], t["text"]) for t in transcript(client, b, conversation)]
    assert [role for role, _ in said] == ["user", "assistant"] * 3
    assert [text for role, text in said if role == "user"] == [
        "How much is the Tidepool Marble Run 120-Piece Set?", "What ages is it for?", "Do you ship to Canada?"]
    assert said == [(t["role"], t["text"]) for t in transcript(client, a, conversation)]


def test_an_agent_on_one_replica_reaches_the_shoppers_open_chat_on_the_other(cluster, client):
    a, b = cluster["a"], cluster["b"]
    opened = ask(client, a, "I want to talk to a person please")
    conversation, ticket = opened["conversation_id"], opened.get("ticket_id")
    assert opened["handoff"] and ticket, opened
    agent = staff_client(b, "demo-agent", "agent")
    try:
        agent.predict(api_name="/lambda")  # the page opening: the queue as it is now
        agent.predict(ticket, api_name="/pick")
        agent.predict(api_name="/join_chat")
        status = agent.predict("I want to talk to a person please", "Hi, this is Ana: your parcel left today.",
                               api_name="/send_this_3")
    finally:
        agent.close()
    assert "Reply sent" in str(status), status
    # the shopper's open chat on A polls for what the team said: the join note, then the reply
    deadline, said = time.monotonic() + 10, []
    while time.monotonic() < deadline:
        updates = client.get(f"{a.url}/api/conversations/{conversation}/updates", params={"after": 0}).json()
        said = [(m["kind"], m["text"]) for m in updates["messages"]]
        if ("reply", "Hi, this is Ana: your parcel left today.") in said:
            break
        time.sleep(0.5)
    assert [kind for kind, _ in said] == ["joined", "reply"], said
    assert updates["ticket"]["status"] == "open" and updates["ticket"]["assigned_to"] == "demo-agent"
    # and the bot now leaves the chat to the person, on either replica
    assert ask(client, b, "are you still there?", conversation_id=conversation)["reason"] == "with_person"


def test_a_policy_uploaded_on_one_replica_is_answered_on_the_other_within_10_s(cluster, client, tmp_path):
    from gradio_client import handle_file

    a, b = cluster["a"], cluster["b"]
    before = [ask(client, a, GIFT_WRAP) for _ in range(2)]  # asked twice: cached on A if it could be
    assert all("uploaded/policies/gift-wrapping.md" not in [c["doc_id"] for c in x["citations"]] for x in before)
    policy = tmp_path / "gift-wrapping.md"
    policy.write_text(POLICY, encoding="utf-8")
    admin = staff_client(b, "demo-admin", "admin")
    try:
        uploaded = time.monotonic()  # the admin presses "Upload and re-index" on B
        result = admin.predict([handle_file(str(policy))], "Policy", api_name="/add_files")
    finally:
        admin.close()
    assert "Added uploaded/policies/gift-wrapping.md" in str(result[0]), result
    version = client.get(f"{b.url}/api/health").json()["knowledge_version"]
    assert version >= 1
    while client.get(f"{a.url}/api/health").json()["knowledge_version"] < version:  # A re-indexes on its own
        assert time.monotonic() - uploaded < 10, "A did not take the upload within 10 s"
        time.sleep(0.2)
    print(f"the upload on B reached A's index {time.monotonic() - uploaded:.1f} s later")
    answer = ask(client, a, GIFT_WRAP)
    assert "uploaded/policies/gift-wrapping.md" in [c["doc_id"] for c in answer["citations"]], answer
    assert "4.50" in answer["answer"] and answer["origin"] != "cache", answer
    # A indexed the upload itself, in its own folder, from the database: nothing was copied between machines
    assert (a.data / "uploads" / "uploaded" / "policies" / "gift-wrapping.md").read_text(encoding="utf-8") == POLICY


def test_postgresql_restarted_under_both_replicas(cluster, client):
    a, b = cluster["a"], cluster["b"]
    cluster["database"].pg_ctl("restart")
    for replica in (a, b):
        answer = ask(client, replica, "Do you ship to Canada?")
        assert answer["message_id"] and not answer["abstained"], answer
        assert transcript(client, replica, answer["conversation_id"])[0]["text"] == "Do you ship to Canada?"


def test_a_replica_killed_mid_answer_loses_and_duplicates_nothing(cluster, client):
    a, b = cluster["a"], cluster["b"]
    first = ask(client, a, "How long do I have to return an item?")
    conversation = first["conversation_id"]
    question, key = "Can I return a gift card I never used?", uuid.uuid4().hex  # the client's key for the message
    events = []
    with client.stream("POST", f"{a.url}/api/chat", json={"message": question, "conversation_id": conversation,
                                                          "channel": "api", "request_id": key}) as r:
        assert r.status_code == 200
        for line in r.iter_lines():
            if line.startswith("event:"):
                events.append(line[6:].strip())
                if events[-1] == "token":
                    a.kill()  # kill -9 in the middle of the streamed answer; the shopper's stream ends there
                    break
    assert events == ["token"] and a.proc.poll() is not None
    # A may have stored the answer before it died (the answer is written before the last events are sent), or not:
    # either way the shopper's retry on B, with the same key, answers, and the turn is stored exactly once
    retried = ask(client, b, question, conversation_id=conversation, request_id=key)
    assert retried["conversation_id"] == conversation and retried["answer"]
    print("the retry on B:", "the answer A stored before it died" if retried["origin"] == "stored" else
          f"answered afresh ({retried['origin']})")
    assert ask(client, b, question, conversation_id=conversation, request_id=key)["message_id"] == \
        retried["message_id"]  # and again: the same stored turn
    said = [(t["role"], t["text"]) for t in transcript(client, b, conversation)]
    assert [text for role, text in said if role == "user"] == ["How long do I have to return an item?", question]
    assert said[1] == ("assistant", first["answer"]) and said[3] == ("assistant", retried["answer"])
