"""Data: what the app stores, in SQLite or any SQLAlchemy database.

``schema`` holds the tables; ``storage`` conversations, feedback, agent replies, the audit log and the
dashboard's figures; ``accounts`` staff accounts and sign-in sessions; ``tickets`` hand-off tickets and
what staff say in them. Personal data is masked (``chatbot.common.privacy``) before it is stored.
"""
