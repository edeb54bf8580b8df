"""``python -m chatbot``: see ``chatbot.cli``; ``model-server`` is ``chatbot.model_server_cli``, which loads
only the model (not torch or the app), so it is dispatched before the rest is imported."""

import sys


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["model-server"]:
        from chatbot.model_server_cli import main as model_server

        return model_server(argv[1:])
    from chatbot.cli import main as cli

    return cli(argv)


if __name__ == "__main__":
    sys.exit(main())
