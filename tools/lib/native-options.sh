#!/usr/bin/env bash
# Prints the run-time options the native image ships with: the arguments after ./application in
# Dockerfile.native's exec-form CMD (-Xmx96m -Xms48m -Xmn12m). What bench.sh, native-check.sh and the memory
# harnesses run the executable with unless NATIVE_OPTS says otherwise, so their figures are the
# product's as deployed.
set -euo pipefail
cd "$(dirname "$0")/../.."
python3 -c 'import json, re; print(" ".join(json.loads(re.search(r"^CMD (\[.*\])", open("Dockerfile.native").read(), re.M).group(1))[1:]))'
