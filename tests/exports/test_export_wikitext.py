from __future__ import annotations

import re

from bot.domain.ballots import Ballot
from bot.domain.catalogue import Catalogue
from bot.domain.tally import QUARTILE_LABELS
from bot.exports.colours import QUARTILE_COLOURS
from bot.exports.model import ExportData
from bot.exports.wikitext import escape_wikitext, to_wikitext
from tests_exports_helpers import export_data  # noqa: F401  (replaced below)
