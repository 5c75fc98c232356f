#!/bin/sh
# run.sh: the browser tests (meson test `web`). Skips (status 77) only when Chromium is
# absent; installs playwright-core from package-lock.json when it is missing.
set -eu
cd "$(dirname "$0")"
if [ ! -x /usr/bin/chromium ]; then
	echo "SKIP: /usr/bin/chromium is not installed (apt-get install chromium)" >&2
	exit 77
fi
if [ ! -d node_modules/playwright-core ] || [ ! -d node_modules/axe-core ]; then
	npm ci --no-audit --no-fund >&2
fi
exec node --test --test-reporter=spec run.mjs
