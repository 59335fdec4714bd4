#!/bin/sh
# Runs the core benchmarks (5 repetitions) and prints each median with its ratio to the anchor
# named in bench/core_bench.cpp, all from the same run.
set -eu
bin=${1:-build/bin/regcred_bench}
"$bin" --benchmark_repetitions=5 --benchmark_report_aggregates_only=true \
  --benchmark_format=csv 2>/dev/null | awk -F, '
  $1 ~ /_median"$/ {
    name = $1; gsub(/"/, "", name); sub(/_median$/, "", name)
    t[name] = $4; order[n++] = name
  }
  END {
    anchor["BM_DockerConfigParse/5000"] = "BM_AnchorNlohmannParse/5000"
    anchor["BM_KubeletKeyringBuild/5000"] = "BM_AnchorNlohmannParse/5000"
    anchor["BM_KubeletKeyringLookup/5000"] = "BM_AnchorKeyScan/5000"
    printf "%-32s %14s  %-28s %8s\n", "benchmark", "median (ns)", "anchor", "ratio"
    for (i = 0; i < n; i++) {
      b = order[i]; a = anchor[b]
      if (a != "" && t[a] > 0) printf "%-32s %14.0f  %-28s %8.2f\n", b, t[b], a, t[b] / t[a]
      else printf "%-32s %14.0f  %-28s %8s\n", b, t[b], "-", "-"
    }
  }'
