#!/usr/bin/env bash
# Update the console's message catalogues after its templates or texts changed
# (docs/console.md, "Translations"): extract every message, add the new ones to the Brazilian
# Portuguese catalogue (untranslated until someone writes them), and compile it.
# tests/console/test_pages_are_safe.py fails while a message has no translation.
set -euo pipefail
cd "$(dirname "$0")/../walletsvc/console"
pybabel=../../.venv/bin/pybabel
"$pybabel" extract -F babel.cfg -k _l --no-location --omit-header \
  -o translations/messages.pot .
"$pybabel" update -i translations/messages.pot -d translations --no-fuzzy-matching \
  --ignore-obsolete --ignore-pot-creation-date
"$pybabel" compile -d translations
