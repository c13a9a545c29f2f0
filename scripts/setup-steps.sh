# The set-up's way of saying what it does (sourced by setup.sh; tested by
# tests/setup/setup-steps.test.ts): one line per step with its outcome and time, the steps' own
# output in one log file, named when a step fails.
say() { printf 'berth: %s\n' "$*" >&2; }
die() {
  say "$*"
  exit 1
}
log_file=${BERTH_SETUP_LOG:-${TMPDIR:-/tmp}/berth-setup.log}
: >"$log_file"
step_out=$(mktemp)
trap 'rm -f "$step_out"' EXIT

# step [--quiet] LABEL COMMAND…: runs COMMAND with its stderr in the log and prints "LABEL
# (12 s)", then the lines COMMAND wrote to stdout (its results; with --quiet those go to the log
# too). On a terminal the line counts the seconds while it runs; elsewhere a long step says it
# is still going every 30 s. On failure: the last lines of the log, and where the rest is.
step() {
  local quiet=0
  if [ "$1" = --quiet ]; then
    quiet=1
    shift
  fi
  local label=$1 started=$SECONDS status=0
  shift
  printf '\n== %s: %s\n' "$label" "$*" >>"$log_file"
  "$@" >"$step_out" 2>>"$log_file" </dev/null &
  local pid=$! ticks=0
  # Five looks a second: a quick step is not made to last a second.
  while kill -0 "$pid" 2>/dev/null; do
    sleep 0.2
    ticks=$((ticks + 1))
    if [ -t 2 ]; then
      printf '\rberth: %s … %d s' "$label" "$((SECONDS - started))" >&2
    elif [ $((ticks % 150)) = 0 ]; then
      say "$label … still going ($((SECONDS - started)) s)"
    fi
  done
  wait "$pid" || status=$?
  [ -t 2 ] && printf '\r\033[K' >&2
  cat "$step_out" >>"$log_file"
  if [ "$status" != 0 ]; then
    say "$label failed after $((SECONDS - started)) s (exit $status); the end of its output:"
    tail -n 25 "$log_file" | sed 's/^/  | /' >&2
    die "the whole set-up output is in $log_file"
  fi
  say "$label ($((SECONDS - started)) s)"
  if [ "$quiet" = 0 ]; then sed 's/^/berth:   /' "$step_out" >&2; fi
}
