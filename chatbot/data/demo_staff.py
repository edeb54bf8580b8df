"""Demo staff accounts, so a public demo (a Hugging Face Space) can show the agent's and the owner's pages.

When ``Settings.demo_staff_password`` is set (``CHATBOT_DEMO_STAFF_PASSWORD``, a Space secret), start-up
creates ``demo-agent`` (role agent) and ``demo-admin`` (role admin) with that password, or resets their
password and role to it when they exist, so changing the secret and restarting is all it takes. There is
no default password: without the setting (or with one too short) the demo accounts are removed, so taking
the secret away closes them too. The password is never logged.
"""

from __future__ import annotations

import logging

from chatbot.common.errors import InputError
from chatbot.data.accounts import Account, AccountStore

DEMO_ACCOUNTS = (("demo-agent", "agent"), ("demo-admin", "admin"))  # (name, role)

log = logging.getLogger(__name__)


def ensure_demo_staff(accounts: AccountStore, password: str) -> list[Account]:
    """Create or reset the demo accounts with ``password`` and return them; without a usable password,
    remove any left from an earlier start and return []."""
    made: list[Account] = []
    if password:
        try:
            made = [accounts.set_password(name, role, password) for name, role in DEMO_ACCOUNTS]
        except InputError as exc:
            log.error("demo staff accounts not created: CHATBOT_DEMO_STAFF_PASSWORD is unusable (%s); set it to "
                      "10 or more characters and restart", exc)
    if not made:
        _remove_demo_accounts(accounts)
        return []
    log.info("demo staff accounts ready: %s sign in at /signin with the password in CHATBOT_DEMO_STAFF_PASSWORD",
             " and ".join(f"{a.name} ({a.role})" for a in made))
    return made


def _remove_demo_accounts(accounts: AccountStore) -> None:
    names = {a.name for a in accounts.list()}
    for name, _ in DEMO_ACCOUNTS:
        if name in names:
            accounts.remove(name)
            log.info("removed the demo account %s: there is no usable CHATBOT_DEMO_STAFF_PASSWORD", name)
