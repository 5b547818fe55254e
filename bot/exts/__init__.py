"""One extension per feature; `bot.app.EXTENSIONS` lists the ones loaded at start."""
