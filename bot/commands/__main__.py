"""`python -m bot.commands …` is `nianbao …`."""

from bot.commands import run

run()
