import pytest

from chatbot.common.errors import ConfigError
from chatbot.config import Settings


def test_defaults_are_valid():
    s = Settings()
    assert s.embedder == "all-MiniLM-L6-v2" and s.top_k >= 10


def test_environment_overrides_and_types():
    s = Settings.load({"CHATBOT_TOP_K": "12", "CHATBOT_MIN_RELEVANCE": "0.5", "CHATBOT_INDEX_DIR": "/x"})
    assert (s.top_k, s.min_relevance, s.index_dir) == (12, 0.5, "/x")


def test_explicit_overrides_win_over_environment():
    s = Settings.load({"CHATBOT_INDEX_DIR": "/from-env"}, index_dir="/from-arg")
    assert s.index_dir == "/from-arg"


@pytest.mark.parametrize("env,needle", [
    ({"CHATBOT_TOP_K": "ten"}, "CHATBOT_TOP_K"),
    ({"CHATBOT_TOP_K": "0"}, "top_k"),
    ({"CHATBOT_CHUNK_OVERLAP": "5000"}, "chunk_overlap"),
    ({"CHATBOT_MIN_RELEVANCE": "2"}, "min_relevance"),
])
def test_bad_values_name_the_setting(env, needle):
    with pytest.raises(ConfigError, match=needle):
        Settings.load(env)


def test_toml_file_and_unknown_key(tmp_path):
    good = tmp_path / "good.toml"
    good.write_text('index_dir = "/srv/idx"\ntop_k = 15\n')
    assert Settings.load({"CHATBOT_CONFIG": str(good)}).top_k == 15
    bad = tmp_path / "bad.toml"
    bad.write_text("top_kk = 3\n")
    with pytest.raises(ConfigError, match="unknown settings.*top_kk"):
        Settings.load({"CHATBOT_CONFIG": str(bad)})
    with pytest.raises(ConfigError, match="does not exist"):
        Settings.load({"CHATBOT_CONFIG": str(tmp_path / "missing.toml")})
