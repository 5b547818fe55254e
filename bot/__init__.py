"""factbot's Discord front end: translates Discord events into library calls, decides nothing.

`bot.app.create_bot(settings)` builds the bot; `python -m bot` (or `factbot run`) starts it.
See docs/discord.md for the Discord side (application, intents, invite, sharding).
"""
