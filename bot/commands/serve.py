"""`nianbao bot [--webhook]`: run the Telegram bot, by long polling or as a webhook server (bot.entry)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="nianbao bot", description="Run the Telegram bot.")
    parser.add_argument("--webhook", action="store_true", help="serve a webhook (NIANBAO_WEBHOOK_URL) instead of polling")
    args = parser.parse_args(argv)
    from bot.entry import run_polling, run_webhook
    from bot.settings import Settings

    settings = Settings()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if settings.bot_token is None and settings.api_base is None:
        print("nianbao bot: set NIANBAO_BOT_TOKEN (or NIANBAO_API_BASE for a local Bot API server); "
              "`nianbao try` runs the bot without a token.", file=sys.stderr)
        return 2
    if args.webhook:
        if not settings.webhook_url:
            print("nianbao bot --webhook: set NIANBAO_WEBHOOK_URL (the public URL Telegram posts to)", file=sys.stderr)
            return 2
        asyncio.run(run_webhook(settings))
    else:
        from bot.early import EarlyResponder

        # /start is answered while aiogram is still being imported (see bot.early).
        early = EarlyResponder(settings.api_base, settings.token, settings.language).start()
        asyncio.run(run_polling(settings, early))
    return 0
