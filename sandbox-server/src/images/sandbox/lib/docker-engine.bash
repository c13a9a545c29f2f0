# shellcheck shell=bash
# Where the sandbox's inner Docker engine is, for berth-dockerd, systemctl and the docker wrapper
# (sourced by each, so the three never disagree). The engine starts on its first use: at boot
# berth-docker-socket holds /run/docker.sock and execs into `berth-dockerd activated`, then into
# dockerd, once a client connects. So one process, named in SOCKET_PIDFILE, holds the socket all
# along, and its name says how far the engine has come.

readonly DOCKER_SOCK=/run/docker.sock DOCKERD_LOG=/var/log/dockerd.log
readonly SOCKET_PIDFILE=/run/berth/docker-socket.pid
# Left by `berth-dockerd stop`: the reader stopped Docker, which is not the same as never started.
readonly STOPPED_FLAG=/run/berth/docker.stopped

# running_pid PIDFILE: the pid and, after a space, the name of the process a pidfile names, when
# it runs. A stale pidfile after a kill -9, or a zombie not yet reaped, does not count.
running_pid() {
  local pid="" state comm
  # dockerd writes its pidfile without a newline, which read reports as a failure.
  read -r pid 2>/dev/null <"$1"
  [[ $pid =~ ^[0-9]+$ ]] || return 3
  state=$(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null) || return 3
  read -r comm 2>/dev/null <"/proc/$pid/comm" || return 3
  [[ $state != Z ]] || return 3
  echo "$pid $comm"
}

# The holder of Docker's socket and what it is now: waiting (berth-docker-so, as the kernel
# shortens its name), starting (berth-dockerd), or dockerd itself.
socket_holder() {
  running_pid "$SOCKET_PIDFILE"
}

engine_answers() {
  curl --silent --fail --max-time 2 --unix-socket "$DOCKER_SOCK" http://localhost/_ping >/dev/null 2>&1
}

# dockerd (it holds the socket: ready, or about to be) | starting | idle (never started: it starts
# on first use) | stopped. From pidfiles alone: asking the socket would be a program more per look.
holder_state() {
  local holder
  holder=$(socket_holder) || { echo stopped; return; }
  case ${holder#* } in
    dockerd) echo dockerd ;;
    berth-dockerd) echo starting ;;
    *) if [[ -e $STOPPED_FLAG ]]; then echo stopped; else echo idle; fi ;;
  esac
}

# ready | starting | idle | stopped
engine_state() {
  local state
  state=$(holder_state)
  if [[ $state == dockerd ]]; then
    if engine_answers; then state=ready; else state=starting; fi
  fi
  echo "$state"
}
