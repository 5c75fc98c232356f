#!/bin/sh
# tests/package/run.sh: builds the Debian packages from a copy of this tree with
# `dpkg-buildpackage -us -uc -b`, checks their contents (dpkg-deb -c), runs the programs
# from a scratch root the packages are extracted into, and runs lintian (no errors, no
# warnings; the overrides in debian/*.lintian-overrides say why). Run by ./test; skips
# (status 77) only when dpkg-buildpackage is missing. A few minutes on two CPUs.
#
#   tests/package/run.sh [IANA_CSV]
set -eu
src=$(cd "$(dirname "$0")/../.." && pwd)
csv=${1:-${IANA_CSV:-}}
if ! command -v dpkg-buildpackage >/dev/null; then
	echo "skip: dpkg-buildpackage missing (Debian packages dpkg-dev, debhelper)"
	exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "package: $*" >&2; exit 1; }

# The tree as git sees it (tracked and new files), without build folders.
mkdir "$tmp/portlore"
(cd "$src" && git ls-files --cached --others --exclude-standard -z) |
	(cd "$src" && tar --null -T - -cf -) | tar -xf - -C "$tmp/portlore"
(cd "$tmp/portlore" && IANA_CSV=$csv DEB_BUILD_OPTIONS="parallel=$(nproc)" \
	dpkg-buildpackage -us -uc -b >"$tmp/build.log" 2>&1) ||
	{ tail -40 "$tmp/build.log" >&2; fail "dpkg-buildpackage failed"; }
deb=$(ls "$tmp"/portlore_*_*.deb)
sdeb=$(ls "$tmp"/portlore-serve_*_*.deb)

# Contents: each file where Debian expects it, in the package that should hold it.
contains() {
	dpkg-deb -c "$1" | awk '{ print $6 }' | grep -qx "./$2" || fail "$(basename "$1") lacks /$2"
}
for f in usr/bin/portlore usr/share/portlore/portlore.db usr/share/portlore/portlore.idx \
    usr/share/man/man1/portlore.1.gz \
    usr/share/bash-completion/completions/portlore usr/share/zsh/vendor-completions/_portlore \
    usr/share/fish/vendor_completions.d/portlore.fish \
    lib/systemd/system/portlore-textfile.timer usr/share/doc/portlore/copyright; do
	contains "$deb" "$f"
done
for f in usr/libexec/portlore-serve lib/systemd/system/portlore.service \
    lib/systemd/system/portlore.socket usr/share/locale/de/LC_MESSAGES/portlore.mo; do
	contains "$sdeb" "$f"
done
dpkg-deb -c "$deb" | grep -q 'portlore-serve$' && fail "portlore holds the server"
dpkg-deb -f "$sdeb" Depends | grep -q 'portlore (= ' || fail "portlore-serve must depend on portlore"
dpkg-deb -f "$deb" Depends | grep -q libmicrohttpd && fail "portlore depends on libmicrohttpd"

# The programs run from a scratch root, with the store the build made.
root="$tmp/root"
dpkg-deb -x "$deb" "$root"
dpkg-deb -x "$sdeb" "$root"
out=$(cd / && "$root/usr/bin/portlore" --db "$root/usr/share/portlore/portlore.db" 22/tcp) ||
	fail "portlore 22/tcp failed from the scratch root"
printf '%s\n' "$out" | grep -q ssh || fail "portlore 22/tcp does not name ssh"
# The lookup index was made from this very store (its header, bytes 24-123, is the stamp).
cmp -s -i 24:0 -n 100 "$root/usr/share/portlore/portlore.idx" "$root/usr/share/portlore/portlore.db" ||
	fail "portlore.idx was not made from the packaged store"
if [ -n "$csv" ]; then
	# The store holds the registry the build was given.
	want=$(cd / && "$root/usr/bin/portlore" import --new --quiet --db "$tmp/check.db" --iana "$csv" &&
		"$root/usr/bin/portlore" --db "$tmp/check.db" --json 22/tcp | jq -r '.reports[0].registry.snapshot')
	got=$("$root/usr/bin/portlore" --db "$root/usr/share/portlore/portlore.db" --json 22/tcp |
		jq -r '.reports[0].registry.snapshot')
	[ "$got" = "$want" ] || fail "the store holds snapshot $got, not $want from $csv"
fi
"$root/usr/libexec/portlore-serve" --help | grep -q "usage: portlore serve" ||
	fail "portlore-serve --help"
PORTLORE_DB="$root/usr/share/portlore/portlore.db" "$root/usr/bin/portlore" complete names redi |
	grep -qx redis || fail "portlore complete names redi"

# lintian: nothing at warning level or above.
if command -v lintian >/dev/null; then
	lintian --profile debian --fail-on error,warning "$tmp"/portlore_*.changes >"$tmp/lintian.log" 2>&1 ||
		{ cat "$tmp/lintian.log" >&2; fail "lintian"; }
	grep -v '^running with root' "$tmp/lintian.log" || true
else
	echo "note: lintian missing; packages not checked by it"
fi
echo "ok: $(basename "$deb") and $(basename "$sdeb") built, complete, and run from a scratch root"
