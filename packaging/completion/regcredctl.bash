# bash completion for regcredctl
_regcredctl() {
  local cur prev words cword
  _init_completion || return
  local commands="status doctor pull-test explain secret reload"
  local global="--socket -o --output --help --version"
  local cmd="" i
  for ((i = 1; i < cword; i++)); do
    case "${words[i]}" in
      status | doctor | pull-test | explain | secret | reload) cmd=${words[i]}; break ;;
    esac
  done
  case "$prev" in
    -o | --output) COMPREPLY=($(compgen -W "table json yaml" -- "$cur")); return ;;
    --socket | --docker-config | --ca-file | --containerd-socket) _filedir; return ;;
    --containerd-hosts-dir) _filedir -d; return ;;
  esac
  case "$cmd" in
    "") COMPREPLY=($(compgen -W "$commands $global" -- "$cur")) ;;
    doctor) COMPREPLY=($(compgen -W "-n --namespace --secret --ca-file --containerd-socket --containerd-hosts-dir $global" -- "$cur")) ;;
    pull-test) COMPREPLY=($(compgen -W "--docker-config --ca-file $global" -- "$cur")) ;;
    explain) COMPREPLY=($(compgen -W "--docker-config $global" -- "$cur")) ;;
    secret)
      if [[ " ${words[*]} " == *" create "* ]]; then
        COMPREPLY=($(compgen -W "--docker-server --docker-username --docker-password --docker-password-stdin --docker-email -n --namespace -o" -- "$cur"))
      elif [[ " ${words[*]} " == *" lint "* ]]; then
        _filedir
      else
        COMPREPLY=($(compgen -W "create lint" -- "$cur"))
      fi
      ;;
    *) COMPREPLY=($(compgen -W "$global" -- "$cur")) ;;
  esac
}
complete -F _regcredctl regcredctl
