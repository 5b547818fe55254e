"""Moderator briefings: which passages a summary cites, and how it reads as text, Markdown and Discord pages."""
