#!/usr/bin/env bash
# tcpsim as another Maven project sees it: install tcpsim into the local repository (~/.m2), then
# run this project's tests against the installed jar. Arguments go to both mvn runs (e.g. -o).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
(cd "$root" && mvn -B -q -DskipTests "$@" install)
(cd "$here" && mvn -B -q "$@" test)
# -q keeps Surefire's summary quiet on success; show it
grep -h "Tests run" "$here"/target/surefire-reports/*.txt
