#!/usr/bin/env bash
# Every supported Python, the way a user gets pyw2v: build the sdist once, then for each
# interpreter a fresh venv, `pip wheel` of that sdist (build isolation: it compiles from
# the sdist's files alone, so a file missing from the sdist fails here), the wheel
# installed with the test extra, and the sdist's tests/ and benchmarks/ run against the
# INSTALLED wheel from an empty directory (the unpacked sdist's pyw2v/ has no compiled
# modules and would shadow it). One summary line per interpreter; non-zero exit if any fails.
#
#   scripts/python_matrix.sh                         # 3.9 ... 3.13, the default suite
#   scripts/python_matrix.sh 3.9 3.13                # chosen interpreters (X.Y or a path)
#   scripts/python_matrix.sh 3.11 -- -x tests/test_train.py   # pytest arguments after --
#
# Test paths after -- are relative to the sdist (tests/..., benchmarks/...). Every wheel
# is portable (the core is built per SIMD path); the tests run on the best path the CPU
# runs, and the core's cross-checks on every path it runs.
# Logs and venvs stay in $PYW2V_MATRIX_DIR (default: a new /tmp/pyw2v-matrix.* directory).
set -uo pipefail
cd "$(dirname "$0")/.."
export PIP_DISABLE_PIP_VERSION_CHECK=1

pythons=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do pythons+=("$1"); shift; done
[ $# -gt 0 ] && shift
pytest_args=("$@")
[ ${#pythons[@]} -eq 0 ] && pythons=(3.9 3.10 3.11 3.12 3.13)
work="${PYW2V_MATRIX_DIR:-$(mktemp -d /tmp/pyw2v-matrix.XXXXXX)}"
mkdir -p "$work"

# find_python X.Y|PATH -> an interpreter that runs (pyenv shims refuse inactive versions).
find_python() {
    local want="$1" candidate
    for candidate in "$want" "python$want" "${PYENV_ROOT:-$HOME/.pyenv}"/versions/"$want".*/bin/python"$want"; do
        if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c "" >/dev/null 2>&1; then
            command -v "$candidate"
            return 0
        fi
    done
    echo "python_matrix: no working interpreter for '$want': install it or pass its path" >&2
    return 1
}

# build_sdist PYTHON -> prints the sdist's path (built once, in a venv of its own).
build_sdist() {
    local venv="$work/build-venv"
    "$1" -m venv "$venv" && "$venv/bin/python" -m pip install -q build >"$work/sdist.log" 2>&1 \
        && rm -rf "$work/sdist" \
        && "$venv/bin/python" -m build --sdist --outdir "$work/sdist" . >>"$work/sdist.log" 2>&1 \
        || { echo "python_matrix: sdist build failed, see $work/sdist.log" >&2; return 1; }
    ls "$work"/sdist/pyw2v-*.tar.gz
}

# test_paths SRC -> pytest's arguments: paths after -- rebased onto the unpacked sdist.
test_paths() {
    local src="$1" arg has_path=0
    for arg in "${pytest_args[@]+"${pytest_args[@]}"}"; do
        case "$arg" in
            tests/*|tests|benchmarks/*|benchmarks) echo "$src/$arg"; has_path=1 ;;
            *) echo "$arg" ;;
        esac
    done
    [ $has_path -eq 1 ] || printf '%s\n' "$src/tests" "$src/benchmarks"
}

# run_one PYTHON SDIST SRC -> one summary line on stdout; status 0 when the suite passed.
run_one() {
    local py="$1" sdist="$2" src="$3" start=$SECONDS version dir venv wheel where site summary
    version="$("$py" -c 'import platform; print(platform.python_version())')"
    dir="$work/py$version" && rm -rf "$dir" && mkdir -p "$dir/wheel" "$dir/run"
    venv="$dir/venv"
    local log="$dir/log.txt" stage="venv"
    { "$py" -m venv "$venv" && "$venv/bin/python" -m pip install -q --upgrade pip \
        && stage="pip wheel" && "$venv/bin/python" -m pip wheel --no-deps -w "$dir/wheel" "$sdist" \
        && wheel="$(ls "$dir"/wheel/pyw2v-*.whl)" \
        && stage="pip install" && "$venv/bin/python" -m pip install "$wheel[test]"; } >"$log" 2>&1 \
        || { echo "Python $version: FAILED at $stage ($((SECONDS - start)) s, log: $log)"; return 1; }
    cd "$dir/run" || return 1
    where="$("$venv/bin/python" -c 'import pyw2v; print(pyw2v.__file__)' 2>>"$log")"
    site="$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["platlib"])')"
    echo "Python $version: pyw2v imported from $where" | tee -a "$log" >&2
    case "$where" in
        "$site"/*) ;;
        *) cd - >/dev/null; echo "Python $version: FAILED, pyw2v imports from '$where', not $site"
           return 1 ;;
    esac
    local -a args
    mapfile -t args < <(test_paths "$src")
    "$venv/bin/python" -m pytest -p no:cacheprovider -q "${args[@]}" >>"$log" 2>&1
    local status=$?
    cd - >/dev/null || return 1
    summary="$(grep -E '[0-9]+ (passed|failed|error|skipped|deselected)|no tests ran' "$log" \
        | tail -1 | sed -E 's/^=+ //; s/ =+$//')"
    printf 'Python %-7s %s | %s | wall %d s\n' "$version" "$(basename "$wheel")" \
        "${summary:-no pytest summary, see $log}" $((SECONDS - start))
    return $status
}

main() {
    local total=$SECONDS resolved=() py sdist src failed=0 lines=() line
    for py in "${pythons[@]}"; do
        py="$(find_python "$py")" || exit 2
        resolved+=("$py")
    done
    sdist="$(build_sdist "${resolved[0]}")" || exit 1
    rm -rf "$work/src" && mkdir -p "$work/src" && tar -xzf "$sdist" -C "$work/src"
    src="$(ls -d "$work"/src/pyw2v-*)"
    # A checkout keeps the shared data beside the repo (../shared); linked beside the
    # unpacked sdist, the tests that read it run instead of skipping.
    [ -d ../shared/data ] && ln -s "$(cd ../shared && pwd)" "$work/src/shared"
    echo "sdist: $sdist; work directory: $work"
    for py in "${resolved[@]}"; do
        line="$(run_one "$py" "$sdist" "$src")" || failed=1
        echo "$line"
        lines+=("$line")
    done
    echo "== summary (pytest ${pytest_args[*]:-default suite}; total $((SECONDS - total)) s)"
    printf '%s\n' "${lines[@]}"
    return $failed
}

main
