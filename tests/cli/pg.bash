# A PostgreSQL cluster of our own for a test file: Debian's postgresql binaries, run as
# an unprivileged user (initdb refuses root), listening only on a Unix socket in a
# temporary folder (no TCP port at all). pg_start sets PGURL; pg_stop stops the cluster
# and removes its folder.

pg_bin() {
	local d
	d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
	[ -n "$d" ] && [ -x "$d/initdb" ] && printf '%s\n' "$d"
}

# as_pg CMD...: runs CMD as the cluster's owner.
as_pg() {
	if [ "$(id -u)" -eq 0 ]; then
		setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$@"
	else
		"$@"
	fi
}

pg_start() {
	PGBIN=$(pg_bin) || skip "PostgreSQL server binaries missing (Debian package postgresql)"
	# Outside the bats folders, which the unprivileged owner can't enter.
	PGDIR=$(mktemp -d /tmp/portlore-pg.XXXXXX)
	chmod 755 "$PGDIR"
	[ "$(id -u)" -ne 0 ] || chown nobody:nogroup "$PGDIR"
	as_pg "$PGBIN/initdb" -D "$PGDIR/data" -U portlore -A trust --no-sync >"$PGDIR/initdb.log" 2>&1 ||
		{ cat "$PGDIR/initdb.log" >&2; return 1; }
	pg_ctl_start
	PGURL="postgresql:///postgres?host=$PGDIR&user=portlore"
}

pg_ctl_start() {
	as_pg "$PGBIN/pg_ctl" -D "$PGDIR/data" -l "$PGDIR/server.log" -w -t 30 \
		-o "-c listen_addresses='' -k $PGDIR -c fsync=off" start >/dev/null ||
		{ cat "$PGDIR/server.log" >&2; return 1; }
}

pg_ctl_stop() {
	as_pg "$PGBIN/pg_ctl" -D "$PGDIR/data" -m fast -w -t 30 stop >/dev/null
}

pg_stop() {
	[ -n "${PGDIR:-}" ] || return 0
	[ ! -f "$PGDIR/data/postmaster.pid" ] || pg_ctl_stop || true
	rm -rf "$PGDIR"
}

# psql_q SQL: one query, unaligned, tuples only.
psql_q() {
	"$PGBIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 -h "$PGDIR" -U portlore -d postgres -c "$1"
}
