"""`python -m bot.commands …` is `nianbao …`."""

import sys

from bot.commands import main

sys.exit(main())
