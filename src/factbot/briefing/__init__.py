"""Moderator briefings: which passages a summary cites, and its pages for text and Discord."""
