"""A local implementation of the Telegram Bot API's HTTP interface, for tests and `nianbao try`.

It imports nothing of the project: the bot's side gives it the token to accept (the settings'
`local_token`). `BotAPIServer` serves aiogram (through `TelegramAPIServer.from_base(server.base_url)`);
`LocalClient` plays the users: it sends messages, documents and button presses, and reads
what the bot sent back.
"""

from localapi.client import LocalClient
from localapi.server import BotAPIServer, Chat, User

__all__ = ["BotAPIServer", "Chat", "LocalClient", "User"]
