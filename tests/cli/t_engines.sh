# tests/cli/t_engines.sh - sluice under the engines README.md's "More
# cores, more machines" names: examples/dask_stats.py on a Dask cluster
# of worker processes, the --sshlogin recipe of GNU parallel against an
# sshd of the test's own, and Hadoop Streaming's contract played by
# hadoop_contract.py; each against one run of sluice over the whole
# file.  A test whose engine is missing is skipped (77) and says why.
# DASK_PYTHON names the one Python to try for Dask, SSHD the sshd (a
# name that does not exist skips the test); sourced by run.sh.

ENGINES_README=$HERE/../../README.md

# ---- Dask -------------------------------------------------------------------

# a Python that imports distributed: python3 (first on PATH), then the
# system's, which Debian's python3-distributed is for
dask_python() {
	local py
	for py in ${DASK_PYTHON:-python3 /usr/bin/python3}; do
		"$py" -c 'import distributed' 2>/dev/null &&
			{ command -v "$py"; return 0; }
	done
	return 1
}

# dask_check_pids ERR WORKERS: dask_stats.py -v said (in ERR) that it had
# WORKERS worker processes, none of them the client, and that the tasks
# ran in two or more of them; prints "W workers, T of them ran tasks"
dask_check_pids() {
	python3 - "$1" "$2" <<'PY'
import re, sys
err = open(sys.argv[1]).read()
m = re.search(r"^workers: (\d+), pids ([\d ]+); client pid (\d+)$", err, re.M)
assert m, "no workers line in:\n" + err
workers = set(m.group(2).split())
assert int(m.group(1)) == len(workers) == int(sys.argv[2]), m.group(0)
assert m.group(3) not in workers, "the client is a worker: " + m.group(0)
tasks = re.findall(r"^task .* part \d+: pid (\d+), \d+ bytes$", err, re.M)
assert tasks and set(tasks) <= workers, (tasks, workers)
assert len(set(tasks)) >= 2, "every task in one process: %s" % tasks
print("%d worker processes, %d tasks in %d of them"
      % (len(workers), len(tasks), len(set(tasks))))
PY
}

# dask_stop: the scheduler and the worker processes this test started,
# by their pids (the worker's nanny ends its worker processes on TERM)
dask_stop() {
	local f pid i
	for f in worker.pid scheduler.pid; do
		[ -s "$f" ] || continue
		pid=$(cat "$f")
		rm -f "$f"
		kill "$pid" 2>/dev/null || continue
		for i in $(seq 100); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
	done
}

# examples/dask_stats.py: the stats of 6 parts of one file on a cluster
# of 3 worker processes it starts; then freq, count, a failing task and
# a task a file (one of them gzip'ed) on a scheduler and 3 workers
# started here as on real machines (dask scheduler, dask worker): each
# against one run of sluice
t_engine_dask() {
	local py rc
	py=$(dask_python) ||
		{ echo "python3-distributed missing (make deps installs it)"; return 77; }
	trap dask_stop EXIT
	engine_dask_run "$py" "$HERE/../../examples/dask_stats.py"
	rc=$?
	dask_stop
	trap - EXIT
	return $rc
}

engine_dask_run() {
	local py=$1 ex=$2 rows=100000 agg="count,sum,mean,min,max" addr t0 n
	[ -n "$SAN" ] && rows=20000
	"$S" gen --rows $rows --seed 3 >in.csv || return 1
	t0=$(date +%s%N)
	# the cluster starts while the first run starts one of its own
	"$py" -m distributed.cli.dask_scheduler --host 127.0.0.1 --port 0 \
		--no-dashboard --scheduler-file sched.json >scheduler.log 2>&1 &
	echo $! >scheduler.pid
	"$py" -m distributed.cli.dask_worker --scheduler-file sched.json \
		--nworkers 3 --nthreads 1 --no-dashboard --host 127.0.0.1 \
		>worker.log 2>&1 &
	echo $! >worker.pid
	timeout 120 "$py" "$ex" -v --workers 3 --parts 6 --sluice "$S" \
		in.csv -- -g cat -f int,float,id -a $agg >out.csv 2>err ||
		{ cat err; return 1; }
	eq "6 parts on 3 workers" "$(md5sum <out.csv)" \
		"$("$S" stats -g cat -f int,float,id -a $agg in.csv | md5sum)" ||
		return 1
	n=$(dask_check_pids err 3) || return 1
	echo "figure: $rows records, 6 parts on a LocalCluster: $n;" \
		"$((($(date +%s%N) - t0) / 1000000)) ms, its start included"

	t0=$(date +%s%N)
	addr=$(timeout 60 "$py" - <<'PY'
import os, time
while not (os.path.exists("sched.json") and os.path.getsize("sched.json")):
    time.sleep(0.1)
from distributed import Client
with Client(scheduler_file="sched.json", timeout=20) as c:
    c.wait_for_workers(3, timeout=20)
    print(c.scheduler.address)
PY
) || { tail -n 5 scheduler.log worker.log; return 1; }
	timeout 120 "$py" "$ex" -v --scheduler "$addr" --sluice "$S" \
		--verb freq --parts 6 in.csv -- -f cat -n 30 >out.csv 2>err ||
		{ cat err; return 1; }
	eq "freq" "$(md5sum <out.csv)" \
		"$("$S" freq -f cat -n 30 in.csv | md5sum)" || return 1
	n=$(dask_check_pids err 3) || return 1
	timeout 120 "$py" "$ex" --scheduler "$addr" --sluice "$S" \
		--verb count --parts 6 in.csv >out.csv || return 1
	eq "count" "$(cat out.csv)" "$("$S" count in.csv)" || return 1
	# a failing task fails the run, with sluice's message
	timeout 120 "$py" "$ex" --scheduler "$addr" --sluice "$S" --parts 2 \
		in.csv -- -g no_such_field >out.csv 2>err
	eq "a failing task's exit" $? 1 || return 1
	has "a failing task" "$(cat err)" "no field 'no_such_field'" ||
		return 1
	# a task a file: in.csv cut by python3's csv module into 3 files,
	# each with the header, the second gzip'ed
	python3 - in.csv <<'PY' || return 1
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
head, body = rows[0], rows[1:]
cut = [0, len(body) // 3, len(body) * 2 // 3 + 7, len(body)]
for i, name in enumerate(["a.csv", "b.csv", "c.csv"]):
    w = csv.writer(open(name, "w", newline=""), lineterminator="\n")
    w.writerow(head)
    w.writerows(body[cut[i]:cut[i + 1]])
PY
	gzip b.csv
	timeout 120 "$py" "$ex" -v --scheduler "$addr" --sluice "$S" a.csv \
		b.csv.gz c.csv -- -g cat -f int,float,id -a $agg >out.csv 2>err ||
		{ cat err; return 1; }
	eq "3 files" "$(md5sum <out.csv)" \
		"$("$S" stats -g cat -f int,float,id -a $agg in.csv | md5sum)" ||
		return 1
	eq "tasks" "$(grep -c '^task ' err)" 3 || return 1
	echo "figure: dask scheduler + dask worker --nworkers 3: $n (freq);" \
		"count; a failing task; 3 files (one .gz), a task each;" \
		"$((($(date +%s%N) - t0) / 1000000)) ms"
}

# ---- GNU parallel --sshlogin ------------------------------------------------

# ssh_stop DIR: the sshd that DIR/sshd.pid names
ssh_stop() {
	[ -s "$1/sshd.pid" ] || return 0
	kill "$(cat "$1/sshd.pid")" 2>/dev/null
	rm -f "$1/sshd.pid"
}

# The README's --sshlogin recipe on two "hosts", h1 and h2, both an sshd
# on 127.0.0.1 that this test starts with keys, config and logs in its
# folder: nothing is written to the user's home (parallel's is here too)
# or /etc.
# sshd sets the remote PATH (SetEnv) to a folder with sluice in it, as
# the recipe asks of each host.  The file's name has a space, quotes and
# a $, so the remote command's quoting is exercised twice: the name
# quoted into the command, and passed as parallel's argument.
t_engine_ssh() {
	local sshd=${SSHD:-/usr/sbin/sshd} tool rc
	[ -x "$sshd" ] ||
		{ echo "$sshd missing (openssh-server: make deps installs it)"; return 77; }
	for tool in ssh ssh-keygen parallel; do
		command -v $tool >/dev/null ||
			{ echo "$tool missing (make deps installs it)"; return 77; }
	done
	trap "ssh_stop '$PWD'" EXIT
	engine_ssh_run "$sshd"
	rc=$?
	ssh_stop "$PWD"
	trap - EXIT
	return $rc
}

engine_ssh_run() {
	local sshd=$1 d=$PWD port try rows=60000 f q v merged hosts
	[ -n "$SAN" ] && rows=10000
	ssh-keygen -q -N '' -t ed25519 -f host_key &&
		ssh-keygen -q -N '' -t ed25519 -f client_key || return 1
	cp client_key.pub authorized_keys
	mkdir bin && ln -s "$S" bin/sluice
	# sshd's privilege separation folder: as root it must exist; the
	# test creates it when missing (it is empty, and Debian's sshd
	# service creates it too)
	if [ "$(id -u)" = 0 ] && [ ! -d /run/sshd ]; then
		mkdir -m 755 /run/sshd || return 1
	fi
	for try in 1 2 3 4 5 6; do
		port=$((20000 + RANDOM % 40000))
		cat >sshd_config <<EOF
ListenAddress 127.0.0.1
Port $port
HostKey $d/host_key
AuthorizedKeysFile $d/authorized_keys
PasswordAuthentication no
KbdInteractiveAuthentication no
StrictModes no
PidFile $d/sshd.pid
SetEnv PATH=$d/bin:/usr/bin:/bin
EOF
		# it listens, then forks into the background and writes its pid
		"$sshd" -f "$d/sshd_config" -E "$d/sshd.log" && break
		port=
	done
	[ -n "$port" ] || { echo "no sshd started:"; tail -n 5 sshd.log; return 1; }
	for try in $(seq 50); do
		[ -s sshd.pid ] && break
		sleep 0.1
	done
	[ -s sshd.pid ] || { echo "sshd wrote no pid"; return 1; }
	echo "[127.0.0.1]:$port $(cut -d' ' -f1,2 host_key.pub)" >known_hosts
	cat >ssh_config <<EOF
Host h1 h2
	HostName 127.0.0.1
	Port $port
	IdentityFile $d/client_key
	IdentitiesOnly yes
	UserKnownHostsFile $d/known_hosts
	StrictHostKeyChecking yes
	BatchMode yes
	ConnectTimeout 10
	LogLevel ERROR
EOF
	# the remote shell finds sluice by the PATH sshd gave it (ssh sends
	# no environment of ours)
	eq "sluice on h1's PATH" \
		"$(PATH=/usr/bin:/bin ssh -F ssh_config h1 'command -v sluice')" \
		"$d/bin/sluice" || { tail -n 5 sshd.log; return 1; }
	mkdir "my data"
	f="$d/my data/sales 'q' \$x \"2\".csv"
	"$S" gen --rows $rows --seed 9 >"$f" || return 1
	q=$(printf %q "$f")
	export PARALLEL_SSH="ssh -F $d/ssh_config" PARALLEL_HOME=$d/parallel
	export PATH="$d/bin:$PATH"    # for the jobs run here (:)
	# the README's command, the file's name quoted into it
	merged=$(timeout 120 parallel --will-cite --joblog jobs1 \
		--sshlogin 2/h1,2/h2,: \
		"sluice split --parts 6 --part {} $q |
		 sluice freq -f cat --partial" ::: $(seq 6) |
		sluice merge -n 20 | md5sum) || { cat jobs1; return 1; }
	eq "freq over ssh" "$merged" "$("$S" freq -f cat -n 20 "$f" | md5sum)" ||
		return 1
	# the name as parallel's argument, quoted for the remote shell by it
	v="stats -g cat -f int,float,id -a count,sum,mean,min,max"
	merged=$(timeout 120 parallel --will-cite --joblog jobs2 \
		--sshlogin 2/h1,2/h2,: \
		"sluice split --parts 6 --part {1} {2} | sluice $v --partial" \
		::: $(seq 6) ::: "$f" | sluice merge | md5sum) ||
		{ cat jobs2; return 1; }
	eq "stats over ssh" "$merged" "$("$S" $v "$f" | md5sum)" || return 1
	# the jobs: 12, all exit 0, some on h1 and h2
	eq "jobs" "$(cat jobs1 jobs2 | awk '$1 != "Seq"' | wc -l)" 12 || return 1
	eq "jobs that failed" \
		"$(cat jobs1 jobs2 | awk '$1 != "Seq" && $7 != 0' | wc -l)" 0 ||
		return 1
	hosts=$(cat jobs1 jobs2 | awk '$1 != "Seq" { n[$2]++ }
		END { for (h in n) printf "%s %d, ", h, n[h] }')
	has "remote jobs" "$hosts" "h1 " || return 1
	has "remote jobs" "$hosts" "h2 " || return 1
	echo "figure: $rows records in 6 parts, twice, over --sshlogin 2/h1,2/h2,:" \
		"(jobs by host: ${hosts%, }; ':' is here)"
}

# ---- Hadoop Streaming -------------------------------------------------------

# hadoop_contract.py ARGS, sluice on its PATH as the mapper's and the
# reducer's commands find it
hadoop_run() {
	PATH="$PWD/bin:$PATH" python3 "$HERE/hadoop_contract.py" "$@"
}

# Hadoop Streaming's contract without Hadoop (hadoop_contract.py): the
# file cut into input splits at byte offsets, each split's lines through
# LineRecordReader's rule to a mapper, the mappers' output sorted
# byte-wise, one reducer.  The mapper and reducer are the README's
# recipe's, found on PATH as sluice: they write exactly what one run
# over the file writes.
t_engine_hadoop() {
	local rows=50000 cuts=40 mapper reducer args v
	[ -n "$SAN" ] && rows=10000
	# under valgrind each mapper costs a second or two: 10 splits a run
	[ -n "$VALGRIND" ] && rows=2000 cuts=8
	mapper=$(sed -n 's/^ *-mapper *"\(.*\)" *\\$/\1/p' "$ENGINES_README")
	reducer=$(sed -n 's/^ *-reducer *"\(.*\)" *$/\1/p' "$ENGINES_README")
	case $mapper in
	"sluice "*" --partial") ;;
	*) echo "README's mapper: '$mapper'"; return 1 ;;
	esac
	eq "README's reducer" "$reducer" "sluice merge --no-header" || return 1
	args=${mapper#sluice }
	args=${args% --partial}           # stats -i csv --no-header -g 2 -f 5
	mkdir bin && ln -s "$S" bin/sluice
	# no text column: no quoted field, so every record is one line
	"$S" gen --rows $rows --seed 5 --no-header \
		--columns id:id,cat:cat,date:date,int:int,float:float >in.csv ||
		return 1
	eq "quotes" "$(grep -c '"' in.csv)" 0 || return 1
	eq "records are lines" "$("$S" count -i csv --no-header in.csv)" \
		"$(wc -l <in.csv)" || return 1
	head -c -1 in.csv >nonl.csv        # its last line without a newline

	# the README's mapper and reducer, splits of 7919 bytes
	hadoop_run in.csv --split-size 7919 --mapper "$mapper" \
		--reducer "$reducer" >out 2>err || { cat err; return 1; }
	eq "README's recipe" "$(md5sum <out)" "$("$S" $args in.csv | md5sum)" ||
		return 1
	[ "$(wc -l <out)" -gt 5 ] || { echo "few groups: $(cat out)"; return 1; }
	echo "figure: $(cat err)"
	# random cuts, the last line without a newline: stats, freq, count
	for v in "count -i csv --no-header" "freq -i csv --no-header -f 2" \
		 "$args"; do
		hadoop_run nonl.csv --random-cuts 7:$cuts \
			--mapper "sluice $v --partial" \
			--reducer "sluice merge --no-header" >out 2>err ||
			{ cat err; return 1; }
		eq "random cuts, $v" "$(md5sum <out)" \
			"$("$S" $v in.csv | md5sum)" || return 1
		case $v in count*) eq "count" "$(cat out)" $rows || return 1 ;; esac
	done
	echo "figure: $(cat err), random cuts, no final newline;" \
		"the same splits for count and freq"
}

run_plain engine_dask t_engine_dask
run_plain engine_ssh t_engine_ssh
run_plain engine_hadoop t_engine_hadoop
