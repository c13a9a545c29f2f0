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
  PS0='${__berth_none[__berth_ran=1]}\e]133;C\a'

  PROMPT_COMMAND="__berth_prompt${PROMPT_COMMAND:+; $PROMPT_COMMAND}"
fi
