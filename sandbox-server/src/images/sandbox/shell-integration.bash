# OSC 133 shell integration: marks that let the site's terminal tell where a prompt starts
# (A), where the reader's input starts (B), where a command's output starts (C) and how it
# ended (D;<exit code>), and where a continuation prompt starts (A;k=s, as kitty writes it: bash
# waits for the rest of a line). Sourced from /etc/bash.bashrc, so every interactive bash has it.

# Sourcing this twice (a nested `. /etc/bash.bashrc`) must not add the hook twice.
if [[ $PROMPT_COMMAND != *__berth_prompt* ]]; then
  # Set by PS0 when bash is about to run a command line. An empty Enter never reaches PS0,
  # so it leaves no C and no D; nor does the very first prompt.
  __berth_ran=
  __berth_ps1=
  __berth_ps2=

  __berth_prompt() {
    local status=$?
    if [[ -n $__berth_ran ]]; then
      printf '\e]133;D;%s\a' "$status"
      __berth_ran=
      [[ $PS0 != "$__berth_ps0_first" ]] || PS0=$__berth_ps0
    fi
    # ~/.bashrc (and readers) set PS1 after us, so wrap whatever PS1 is now. \[ \] keep the
    # marks out of readline's idea of the prompt width.
    if [[ $PS1 != "$__berth_ps1" ]]; then
      PS1="\[\e]133;A\a\]$PS1\[\e]133;B\a\]"
      __berth_ps1=$PS1
    fi
    if [[ $PS2 != "$__berth_ps2" ]]; then
      PS2="\[\e]133;A;k=s\a\]$PS2"
      __berth_ps2=$PS2
    fi
    return "$status"
  }

  # PS0 is printed after a command line is read and before it runs. The subscript of an
  # unset array is evaluated as arithmetic in the shell itself (not a subshell, as $(...)
  # would be), which is how PS0 can record that a command ran while printing nothing.
  __berth_ps0='${__berth_none[__berth_ran=1]}\e]133;C\a'

  # Docker starts on its first use (berth-dockerd), but a host where Docker runs has docker0, a
  # dockerd in `ps` and /var/lib/docker filled before anyone types `docker`, and tutorials look.
  # So a shell's first command line waits for it: a reader who only reads never starts it, one
  # who types starts it once. Later lines pay nothing: __berth_prompt puts the plain PS0 back.
  __berth_docker_first_use() {
    [[ $(/usr/local/sbin/berth-dockerd holder 2>/dev/null) == idle ]] || return 0
    echo "Starting Docker in this sandbox (it starts with your first command)..." >&2
    /usr/local/sbin/berth-dockerd start 60 >/dev/null 2>&1
  }
  __berth_ps0_first='$(__berth_docker_first_use)'$__berth_ps0
  PS0=$__berth_ps0_first

  PROMPT_COMMAND="__berth_prompt${PROMPT_COMMAND:+; $PROMPT_COMMAND}"
fi
