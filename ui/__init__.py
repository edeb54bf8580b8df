"""Gradio faces of the chatbot: thin adapters over one ready ``chatbot.converse.chatbot.Chatbot``."""
