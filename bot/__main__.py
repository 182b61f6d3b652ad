"""`python -m bot` is the same as `rencontres-bot`."""

import sys

from bot.cli import main

sys.exit(main())
