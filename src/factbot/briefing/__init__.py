"""Moderator briefings: which passages a summary cites, and how it reads as text, Markdown and Discord pages.

`summary` builds a `Summary` (`document`) from the base as `reading` reads it: `selection`
says which passages it may quote and which say what happened, `timeline`, `whos_who` and
`sides` fill their sections, `budget` says how much each may hold. `render` and `pages` lay
it out.
"""
