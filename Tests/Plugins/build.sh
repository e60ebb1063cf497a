#!/usr/bin/env bash
# Builds the hostile test plugins into $1 (default .build/test-plugins). Called by `make test-plugins`.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${1:-$root/.build/test-plugins}
mkdir -p "$out"
cc_flags=(-shared -fPIC -O1 -w -pthread -I "$root/Sources/SandpitPluginABI/include")
attacks=(tcp thread_connect proc_read kill_group kernel_surface udp unix write_file read_outside exec memfd_exec fork fork_bomb constructor spin sleep segfault abort
         exit memory stdout_flood answer_flood bad_json error kill_host ptrace io_uring unshare int80 fds env
         write_inherited open_fails null_run no_symbol harmless)
for attack in "${attacks[@]}"; do
    upper=$(echo "$attack" | tr a-z A-Z)
    name=$(echo "hostile-$attack" | tr _ -)
    cc "${cc_flags[@]}" -DATTACK_"$upper" -DPLUGIN_NAME="\"$name\"" -o "$out/$name.so" "$here/hostile.c"
done
cc "${cc_flags[@]}" -DPLUGIN_NAME='"Bad Name!"' -o "$out/hostile-bad-name.so" "$here/hostile.c"
cc "${cc_flags[@]}" -DABI=2u -DPLUGIN_NAME='"hostile-wrong-abi"' -o "$out/hostile-wrong-abi.so" "$here/hostile.c"
printf 'this is not a shared object\n' > "$out/not-a-plugin.so"
cp /bin/true "$out/executable-not-library.so" 2>/dev/null || true
cc -O1 -o "$out/deny-unshare" "$here/deny-unshare.c"
for mode in spaced dashed fullwidth lower nomacron escaped plus64 stderr stdout lookalike invented; do
    upper=$(echo "$mode" | tr a-z A-Z)
    cc "${cc_flags[@]}" -DLEAK_"$upper" -DPLUGIN_NAME="\"leak-$mode\"" -o "$out/leak-$mode.so" "$here/leak.c"
done
for mode in busy100 slow deny3 stale_sink forge lie shadow hang; do
    upper=$(echo "$mode" | tr a-z A-Z)
    name=$(echo "trust-$mode" | tr _ -)
    cc "${cc_flags[@]}" -DTRUST_"$upper" -DPLUGIN_NAME="\"$name\"" -o "$out/$name.so" "$here/trust.c"
done
