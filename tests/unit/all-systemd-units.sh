#!/usr/bin/env bash
# The systemd units of mk/systemd/ as `make install` installs them:
# systemd-analyze verify accepts each without a word (it only warns about an
# unknown key or a bad value, so any output fails), against the installed
# binaries and man pages; each has the hardening options, just the
# capabilities its tool needs, and no restart on a missing kernel feature;
# each command line parses with the installed tools (run as an unprivileged
# user, so nothing is changed); the config is installed once, never
# overwritten, and names only variables the units use.
. "$(dirname "$0")/../lib.sh"

if ! command -v systemd-analyze > /dev/null; then
	skip systemd-units "systemd-analyze missing (Debian's systemd package)"
	exit 0
fi
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp"	# the commands below run as nobody when the test is root
root=$tmp/root textfile=$tmp/textfile
mkdir -p "$textfile" && chmod 1777 "$textfile"
units=$(cd mk/systemd && ls *.service)
unitdir=$root/usr/lib/systemd/system

if ! make -s --no-print-directory install DESTDIR="$root" PREFIX=/usr TEXTFILE_DIR="$textfile" \
		> "$tmp/log" 2>&1; then
	fail systemd-units "make install failed: $(tail -n 3 "$tmp/log")"; exit 0
fi

# unit_value KEY FILE: every value of KEY, continuation lines joined.
unit_value() {
	awk -v key="$1" '
		/^[ \t]*[#;]/ && !cont { next }
		{ line = cont ? line " " $0 : $0 }
		/\\$/ { sub(/\\$/, "", line); cont = 1; next }
		{ cont = 0; if (index(line, key "=") == 1) print substr(line, length(key) + 2) }' "$2"
}

# ---- installed where systemd looks, with the install's paths ----
for u in $units; do
	f=$unitdir/$u
	if [ ! -s "$f" ]; then fail "systemd-units: $u" "not installed in /usr/lib/systemd/system"; continue; fi
	left=$(grep -o '@[A-Z_]*@' "$f" | sort -u | tr '\n' ' ')
	exe=$(unit_value ExecStart "$f" | awk '{ print $1 }')
	if [ -n "$left" ]; then
		fail "systemd-units: $u: installed" "placeholders left: $left"
	elif [[ $exe != /usr/sbin/* && $exe != /bin/sh ]]; then
		fail "systemd-units: $u: installed" "ExecStart runs $exe, not an installed tool"
	else
		pass "systemd-units: $u: installed, ExecStart=$exe"
	fi
done
conf=$root/etc/hawkfetch/hawkfetch.conf
if [ -s "$conf" ] && ! grep -q '@[A-Z_]*@' "$conf" && grep -q "$textfile" "$conf"; then
	pass "systemd-units: /etc/hawkfetch/hawkfetch.conf installed"
else
	fail "systemd-units: hawkfetch.conf" "missing, or placeholders left in it"
fi

# ---- systemd-analyze verify, in the installed tree ----
# The tree needs the targets the units are ordered against (sysinit.target
# comes with DefaultDependencies) and /bin/sh; man pages are looked up
# with MANPATH (Documentation=man:...).
mkdir -p "$root/lib/systemd/system" "$root/bin"
cp /lib/systemd/system/*.target "$root/lib/systemd/system/"
[ -e "$root/bin/sh" ] || cp /bin/sh "$root/bin/sh"
verify() { MANPATH=$root/usr/share/man systemd-analyze verify --root="$root" "$@" 2>&1; }

# First, that verify catches a typo here at all.
bad=$unitdir/hawkfetch-typo-check.service
sed -e 's/^ProtectSystem=/ProtectSytem=/' -e 's|^ExecStart=/usr/sbin/hpbloat|ExecStart=/usr/sbin/hpblot|' \
	-e 's/^SystemCallFilter=@system-service$/SystemCallFilter=@system-servce/' \
	-e 's/^Documentation=.*/Documentation=man:hpblot(8)/' "$unitdir/hawkfetch-hpbloat.service" > "$bad"
out=$(verify hawkfetch-typo-check.service)
missed=""
for want in "Unknown key 'ProtectSytem'" "hpblot is not executable" "@system-servce" "man hpblot(8)"; do
	grep -qF "$want" <<< "$out" || missed+=" [$want]"
done
if [ -z "$missed" ]; then pass "systemd-units: verify catches a misspelt key, binary, group and man page"
else fail "systemd-units: verify" "did not report$missed: $out"; fi
rm -f "$bad"

for u in $units; do
	out=$(verify "$u"); rc=$?
	if [ $rc -eq 0 ] && [ -z "$out" ]; then pass "systemd-units: $u: systemd-analyze verify"
	else fail "systemd-units: $u: systemd-analyze verify" "status $rc: $out"; fi
done

# ---- hardening ----
# What each unit's tool needs (the units' comments say why), and no more.
declare -A caps=(
	[hawkfetch-hpbloat.service]="CAP_DAC_READ_SEARCH CAP_SYS_ADMIN CAP_SYS_NICE CAP_SYS_PTRACE"
	[hawkfetch-hpcov.service]="CAP_DAC_READ_SEARCH CAP_SYS_ADMIN CAP_SYS_NICE CAP_SYS_PTRACE"
	[hawkfetch-mmucost-textfile.service]="CAP_PERFMON"
	[hawkfetch-prezero.service]=""
	[hawkfetch-fbload-textfile.service]=""
	[hawkfetch-fbtrace-textfile.service]="CAP_BPF CAP_NET_ADMIN CAP_PERFMON CAP_SYS_RESOURCE"
	[hawkfetch-prezero-textfile.service]=""
)
hardening=(ProtectSystem=strict ProtectHome=yes PrivateTmp=yes PrivateDevices=yes
	NoNewPrivileges=yes ProtectKernelTunables=yes ProtectKernelModules=yes
	ProtectControlGroups=yes RestrictNamespaces=yes RestrictSUIDSGID=yes
	LockPersonality=yes MemoryDenyWriteExecute=yes SystemCallArchitectures=native
	SystemCallErrorNumber=EPERM)
for u in $units; do
	f=$unitdir/$u why=""
	for kv in "${hardening[@]}"; do
		[ "$(unit_value "${kv%%=*}" "$f")" = "${kv#*=}" ] || why+=" ${kv} missing;"
	done
	unit_value SystemCallFilter "$f" | grep -q '^@system-service\b' || why+=" no SystemCallFilter=@system-service;"
	[ -n "$(unit_value RestrictAddressFamilies "$f")" ] || why+=" no RestrictAddressFamilies=;"
	if [ -z "${caps[$u]+set}" ]; then
		why+=" a unit this test does not know: give it its capabilities here;"
	else
		have=$(unit_value CapabilityBoundingSet "$f" | tr ' ' '\n' | sed '/^$/d' | sort | tr '\n' ' ')
		grep -q '^CapabilityBoundingSet=' "$f" || why+=" no CapabilityBoundingSet=;"
		[ "${have% }" = "${caps[$u]}" ] || why+=" CapabilityBoundingSet=${have% } instead of '${caps[$u]}';"
	fi
	if [ -n "$(unit_value Restart "$f")" ]; then
		prevent=" $(unit_value RestartPreventExitStatus "$f") "
		for st in 64 69 77; do [[ $prevent == *" $st "* ]] || why+=" restarts on exit status $st;"; done
		[ -n "$(unit_value StartLimitBurst "$f")" ] || why+=" no StartLimitBurst=;"
	fi
	# systemd's own score of the whole (0 safest, 10 unsafe; these are 0.9-1.9)
	score=$(systemd-analyze security --offline=yes --root="$root" --no-pager "$u" 2>&1 |
		sed -n 's/.*Overall exposure level for .*: \([0-9.]*\).*/\1/p')
	systemd-analyze security --offline=yes --root="$root" --threshold=25 "$u" > /dev/null 2>&1 ||
		why+=" exposure ${score:-?} over 2.5 (systemd-analyze security);"
	if [ -z "$why" ]; then pass "systemd-units: $u: hardened (exposure $score, capabilities: ${caps[$u]:-none})"
	else fail "systemd-units: $u: hardening" "$why"; fi
done

# ---- the config and the units' variables ----
# Every variable of the config is one a unit uses; every one a unit uses
# has a default in the unit, so that it runs without the config.
used=$(for u in $units; do unit_value ExecStart "$unitdir/$u"; done | grep -o '\$\$*{*[A-Z_]*' | tr -d '${' | sort -u)
why=""
for v in $(sed -n 's/^#*\([A-Z_][A-Z_]*\)=.*/\1/p' "$conf" | sort -u); do
	grep -qx "$v" <<< "$used" || why+=" $v is in the config but no unit uses it;"
done
for u in $units; do
	for v in $(unit_value ExecStart "$unitdir/$u" | grep -o '\$\$*{*[A-Z_]*' | tr -d '${' | sort -u); do
		unit_value Environment "$unitdir/$u" | tr -d '"' | grep -q "^$v=" ||
			why+=" $u uses \$$v without a default;"
	done
	unit_value EnvironmentFile "$unitdir/$u" | grep -qx -- '-/etc/hawkfetch/hawkfetch.conf' ||
		why+=" $u does not read -/etc/hawkfetch/hawkfetch.conf;"
done
if [ -z "$why" ]; then pass "systemd-units: the config's variables and the units' defaults agree"
else fail "systemd-units: config" "$why"; fi

# ---- each command line, as the unit would run it ----
# With the unit's defaults, as nobody (nothing is changed: hpbloat, hpcov
# and prezero-ctl set stop at their root check, or 69 here), for 3 s. A
# bad option is 64; the textfile exporters must write their file.
fake=$tmp/fakebin
mkdir -p "$fake"
sleep 30 & victim=$!
trap 'kill $victim 2> /dev/null; rm -rf "$tmp"' EXIT
# systemctl show --property=MainPID --value -- UNIT, for the mmucost unit
printf '#!/bin/sh\necho %d\n' "$victim" > "$fake/systemctl"
chmod 755 "$fake" "$fake/systemctl"
as_nobody() {
	if need_root; then setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; else "$@"; fi
}
for u in $units; do
	f=$unitdir/$u
	cmd=$(unit_value ExecStart "$f" | sed -e 's/\$\$/$/g' -e "s|/usr/sbin/|$root/usr/sbin/|g")
	envs=$(unit_value Environment "$f" | tr '\n' ' ')
	# as in the config's example for mmucost: the fake unit, software events
	extra="export MMUCOST_UNITS=fake.service MMUCOST_ARGS=-e\ perf::PAGE-FAULTS/perf::TASK-CLOCK"
	as_nobody timeout -k 2 3 env -i PATH="$fake:/usr/sbin:/usr/bin:/sbin:/bin" \
		bash -c "export $envs; $extra; exec $cmd" > "$tmp/out" 2> "$tmp/err"
	rc=$?
	msg=$(head -n 2 "$tmp/err" | cut -c1-160 | tr '\n' ' ')
	case $u in
	*-fbload-textfile.service)
		if [ $rc -eq 124 ] && [ -s "$textfile/hawkfetch_fbload.prom" ]; then
			pass "systemd-units: $u: its command runs and writes hawkfetch_fbload.prom"
		else
			fail "systemd-units: $u: command" "status $rc (124 expected: still running), textfile: $(ls "$textfile"): $msg"
		fi ;;
	*)
		case $rc in
		0 | 69 | 77 | 124) pass "systemd-units: $u: its command line parses (status $rc${msg:+: $msg})" ;;
		*) fail "systemd-units: $u: command" "status $rc (64: options the tool rejects): $msg" ;;
		esac ;;
	esac
done

# ---- installing again keeps the config, renews the units ----
echo '# edited' >> "$conf"
sed -i 's/^Description=.*/Description=stale/' "$unitdir/hawkfetch-hpbloat.service"
make -s --no-print-directory install DESTDIR="$root" PREFIX=/usr TEXTFILE_DIR="$textfile" > "$tmp/log" 2>&1
if [ "$(tail -n 1 "$conf")" = "# edited" ] && ! grep -q '^Description=stale' "$unitdir/hawkfetch-hpbloat.service"; then
	pass "systemd-units: make install again keeps the config and renews the units"
else
	fail "systemd-units: reinstall" "config overwritten or units kept: $(tail -n 3 "$tmp/log")"
fi

# ---- PREFIX=/usr/local (the default): systemd's path for it ----
if make -s --no-print-directory install DESTDIR="$tmp/local" > "$tmp/log" 2>&1 &&
		grep -q '^ExecStart=/usr/local/sbin/hpbloat ' \
			"$tmp/local/usr/local/lib/systemd/system/hawkfetch-hpbloat.service" &&
		[ -s "$tmp/local/etc/hawkfetch/hawkfetch.conf" ]; then
	mkdir -p "$tmp/local/lib/systemd/system" && cp /lib/systemd/system/*.target "$tmp/local/lib/systemd/system/"
	out=$(MANPATH=$tmp/local/usr/local/share/man systemd-analyze verify --root="$tmp/local" \
		hawkfetch-hpbloat.service hawkfetch-prezero.service 2>&1)
	if [ -z "$out" ]; then pass "systemd-units: PREFIX=/usr/local: /usr/local/lib/systemd/system, verified"
	else fail "systemd-units: PREFIX=/usr/local" "$out"; fi
else
	fail "systemd-units: PREFIX=/usr/local" "not in usr/local/lib/systemd/system: $(tail -n 3 "$tmp/log")"
fi
# A PREFIX systemd does not search: make install says so.
make --no-print-directory install DESTDIR="$tmp/opt" PREFIX=/opt/hawkfetch > "$tmp/log" 2>&1
if grep -q "systemd does not look for units in /opt/hawkfetch/lib/systemd/system" "$tmp/log"; then
	pass "systemd-units: PREFIX=/opt/hawkfetch: make install says systemd will not find the units"
else
	fail "systemd-units: PREFIX=/opt/hawkfetch" "no note: $(tail -n 3 "$tmp/log")"
fi
